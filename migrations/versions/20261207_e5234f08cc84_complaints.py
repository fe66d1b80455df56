"""complaints

Issue 18: complaints and reports from the public, their replies (what the person reads) and their append-only
history; an inspection may answer a complaint (inspections.complaint_id). Plain CREATE TABLE and ADD/DROP
COLUMN, no batch copy of an existing table (foreign keys forbid dropping inspections once records exist).

Revision ID: e5234f08cc84
Revises: b5e2d7c4a913
Create Date: 2026-12-07 23:27:14.016388

"""
from alembic import op
import sqlalchemy as sa


# A complaint's history is append-only: on PostgreSQL the database itself refuses UPDATE and DELETE.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION complaint_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'complaint events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER complaint_events_append_only BEFORE UPDATE OR DELETE ON complaint_events
FOR EACH ROW EXECUTE FUNCTION complaint_events_append_only()
"""

# revision identifiers, used by Alembic.
revision = 'e5234f08cc84'
down_revision = 'b5e2d7c4a913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('tracking_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('premises_id', sa.Integer(), nullable=True),
    sa.Column('premises_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('address_key', sa.String(length=300), nullable=False),
    sa.Column('town', sa.String(length=16), nullable=False),
    sa.Column('commodity', sa.String(length=64), nullable=True),
    sa.Column('price_seen', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('seen_on', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=True),
    sa.Column('person_phone', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('priority_reasons', sa.JSON(), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('transferred_to', sa.String(length=16), nullable=True),
    sa.Column('triage_from', sa.Date(), nullable=True),
    sa.Column('triaged_on', sa.Date(), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('declined_on', sa.Date(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('transferred_on', sa.Date(), nullable=True),
    sa.Column('transfer_reason', sa.Text(), nullable=True),
    sa.Column('merged_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('close_result', sa.Text(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.String(length=36), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('complaint', 'report')", name=op.f('ck_complaints_complaint_kind')),
    sa.CheckConstraint("priority IN ('high', 'normal')", name=op.f('ck_complaints_complaint_priority')),
    sa.CheckConstraint("status IN ('received', 'accepted', 'declined', 'transferred', 'merged', 'closed')", name=op.f('ck_complaints_complaint_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_complaints_created_by_id_users')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['complaints.id'], name=op.f('fk_complaints_duplicate_of_id_complaints')),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_complaints_premises_id_premises')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_complaints_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('client_id', name=op.f('uq_complaints_client_id')),
    sa.UniqueConstraint('number', name=op.f('uq_complaints_number')),
    sa.UniqueConstraint('tracking_hash', name=op.f('uq_complaints_tracking_hash')),
    sa.UniqueConstraint('unit_id', 'year', 'sequence', name='uq_complaints_unit_year_sequence')
    )
    op.create_index(op.f('ix_complaints_case_id'), 'complaints', ['case_id'], unique=False)
    op.create_index(op.f('ix_complaints_premises_id'), 'complaints', ['premises_id'], unique=False)
    op.create_index(op.f('ix_complaints_unit_id'), 'complaints', ['unit_id'], unique=False)
    op.create_index('ix_complaints_unit_received', 'complaints', ['unit_id', 'received_on'], unique=False)

    op.create_table('complaint_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_complaint_events_actor_id_users')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_events_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events'))
    )
    op.create_index(op.f('ix_complaint_events_complaint_id'), 'complaint_events', ['complaint_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":  # the history is append-only in the database too
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)

    op.create_table('complaint_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_complaint_replies_by_id_users')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_replies_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_replies'))
    )
    op.create_index(op.f('ix_complaint_replies_complaint_id'), 'complaint_replies', ['complaint_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a column's reference with it, never afterwards
        op.execute("ALTER TABLE inspections ADD COLUMN complaint_id INTEGER "
                   "CONSTRAINT fk_inspections_complaint_id_complaints REFERENCES complaints (id)")
    else:
        op.add_column('inspections', sa.Column('complaint_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_inspections_complaint_id_complaints'), 'inspections', 'complaints',
                              ['complaint_id'], ['id'])
    op.create_index(op.f('ix_inspections_complaint_id'), 'inspections', ['complaint_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_inspections_complaint_id'), table_name='inspections')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f('fk_inspections_complaint_id_complaints'), 'inspections', type_='foreignkey')
    op.drop_column('inspections', 'complaint_id')
    op.drop_index(op.f('ix_complaint_replies_complaint_id'), table_name='complaint_replies')
    op.drop_table('complaint_replies')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS complaint_events_append_only ON complaint_events")
        op.execute("DROP FUNCTION IF EXISTS complaint_events_append_only()")
    op.drop_index(op.f('ix_complaint_events_complaint_id'), table_name='complaint_events')
    op.drop_table('complaint_events')
    op.drop_index('ix_complaints_unit_received', table_name='complaints')
    op.drop_index(op.f('ix_complaints_unit_id'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_premises_id'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_case_id'), table_name='complaints')
    op.drop_table('complaints')
