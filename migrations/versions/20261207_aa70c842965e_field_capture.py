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

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('accuracy_m', sa.Numeric(precision=9, scale=1), nullable=True))
        batch_op.add_column(sa.Column('provenance', sa.String(length=10), server_default='', nullable=False))
        # Existing evidence has no provenance flags: an empty list, then no server default (the model sets one).
        batch_op.add_column(sa.Column('flags', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_evidence_client_id'), ['client_id'])
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.alter_column('flags', server_default=None)

    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint('uq_inspections_unit_client', ['unit_id', 'client_id'])

    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('price_observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_price_observations_client_id'), ['client_id'])

    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_violations_client_id'), ['client_id'])



def downgrade():
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_violations_client_id'), type_='unique')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('price_observations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_price_observations_client_id'), type_='unique')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')

    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_constraint('uq_inspections_unit_client', type_='unique')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_evidence_client_id'), type_='unique')
        batch_op.drop_column('flags')
        batch_op.drop_column('provenance')
        batch_op.drop_column('accuracy_m')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
        batch_op.drop_column('taken_at')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('premises_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_premises_changes_premises_id'))

    op.drop_table('premises_changes')
    with op.batch_alter_table('sync_conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_conflicts_unit_status')
        batch_op.drop_index(batch_op.f('ix_sync_conflicts_unit_id'))
        batch_op.drop_index('ix_sync_conflicts_record')

    op.drop_table('sync_conflicts')
