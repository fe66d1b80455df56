"""field capture

Issue 17: records made on a device offline carry its client_id (one record per id); evidence keeps its
provenance (capture time, position, accuracy, where they came from) and its flags; premises get coordinates,
a version and an append-only change history; sync conflicts keep a device's version beside the server's.

Revision ID: aa70c842965e
Revises: c3d8f1a2b604
Create Date: 2026-12-07 22:16:45.179253

"""
from alembic import op
import sqlalchemy as sa


# A premises' change history is append-only: on PostgreSQL the database itself refuses UPDATE and DELETE.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION premises_changes_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'premises changes are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER premises_changes_append_only BEFORE UPDATE OR DELETE ON premises_changes
FOR EACH ROW EXECUTE FUNCTION premises_changes_append_only()
"""

# revision identifiers, used by Alembic.
revision = 'aa70c842965e'
down_revision = 'c3d8f1a2b604'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('server_version', sa.Integer(), nullable=True),
    sa.Column('made_with', sa.JSON(), nullable=False),
    sa.Column('device', sa.JSON(), nullable=False),
    sa.Column('server', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('choice', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_sync_conflicts_raised_by_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_sync_conflicts_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_sync_conflicts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflicts'))
    )
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.create_index('ix_sync_conflicts_record', ['kind', 'record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflicts_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_sync_conflicts_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('premises_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('premises_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('conflict_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_premises_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['conflict_id'], ['sync_conflicts.id'], name=op.f('fk_premises_changes_conflict_id_sync_conflicts')),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_premises_changes_premises_id_premises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_premises_changes'))
    )
    with op.batch_alter_table('premises_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_premises_changes_premises_id'), ['premises_id'], unique=False)

    # Plain ALTER TABLE ... ADD COLUMN and unique indexes, no batch copies: on SQLite a copy drops and renames
    # the table, which foreign keys from inspections, cases and violations forbid once there are records.
    op.add_column('evidence', sa.Column('client_id', sa.String(length=36), nullable=True))
    op.add_column('evidence', sa.Column('taken_at', sa.DateTime(), nullable=True))
    op.add_column('evidence', sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('evidence', sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('evidence', sa.Column('accuracy_m', sa.Numeric(precision=9, scale=1), nullable=True))
    op.add_column('evidence', sa.Column('provenance', sa.String(length=10), server_default='', nullable=False))
    # Existing evidence has no provenance flags: an empty list.
    op.add_column('evidence', sa.Column('flags', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    op.create_index('ix_evidence_client_id', 'evidence', ['client_id'], unique=True)

    op.add_column('inspections', sa.Column('client_id', sa.String(length=36), nullable=True))
    op.create_index('uq_inspections_unit_client', 'inspections', ['unit_id', 'client_id'], unique=True)

    op.add_column('premises', sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('premises', sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('premises', sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    op.add_column('price_observations', sa.Column('client_id', sa.String(length=36), nullable=True))
    op.create_index('ix_price_observations_client_id', 'price_observations', ['client_id'], unique=True)

    op.add_column('violations', sa.Column('client_id', sa.String(length=36), nullable=True))
    op.create_index('ix_violations_client_id', 'violations', ['client_id'], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS premises_changes_append_only ON premises_changes")
        op.execute("DROP FUNCTION IF EXISTS premises_changes_append_only()")
    # The tables that refer to premises go first: SQLite rebuilds premises below, with foreign keys checked.
    with op.batch_alter_table('premises_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_premises_changes_premises_id'))

    op.drop_table('premises_changes')
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_conflicts_unit_status')
        batch_op.drop_index(batch_op.f('ix_sync_conflicts_unit_id'))
        batch_op.drop_index('ix_sync_conflicts_record')

    op.drop_table('sync_conflicts')

    op.drop_index('ix_violations_client_id', table_name='violations')
    op.drop_column('violations', 'client_id')
    op.drop_index('ix_price_observations_client_id', table_name='price_observations')
    op.drop_column('price_observations', 'client_id')
    for column in ('version', 'longitude', 'latitude'):
        op.drop_column('premises', column)
    op.drop_index('uq_inspections_unit_client', table_name='inspections')
    op.drop_column('inspections', 'client_id')
    op.drop_index('ix_evidence_client_id', table_name='evidence')
    for column in ('flags', 'provenance', 'accuracy_m', 'longitude', 'latitude', 'taken_at', 'client_id'):
        op.drop_column('evidence', column)
