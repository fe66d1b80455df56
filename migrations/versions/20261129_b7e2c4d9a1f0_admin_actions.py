"""administrators' actions

Adds admin_actions: every change an administrator (or the command line) makes to units, accounts, price
emergencies and administrators' API tokens, with who, when, from where, what, to which record and the values
changed (never a password or token). Append-only like case_events: on PostgreSQL a trigger refuses UPDATE and
DELETE. Nothing to backfill: the log starts now.

Revision ID: b7e2c4d9a1f0
Revises: a9c4e2f7b310
Create Date: 2026-11-29 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c4d9a1f0'
down_revision = 'a9c4e2f7b310'
branch_labels = None
depends_on = None

# The vocabularies as they stand at this revision (tracker/domain/adminlog.py); a later kind needs a migration.
KINDS = ('unit_created', 'account_created', 'password_reset', 'account_deactivated', 'account_reactivated',
         'emergency_declared', 'token_issued', 'token_revoked')
SOURCES = ('web', 'api', 'command_line')
TARGETS = ('account', 'unit', 'emergency', 'api_token')

# The same pattern as case_events (a323cf9b46b9): the database itself refuses UPDATE and DELETE.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION admin_actions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'administrators'' actions are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER admin_actions_append_only BEFORE UPDATE OR DELETE ON admin_actions
FOR EACH ROW EXECUTE FUNCTION admin_actions_append_only()
"""


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table('admin_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_username', sa.String(length=64), nullable=False),
    sa.Column('source', _enum(SOURCES, 'admin_action_source'), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('os_user', sa.String(length=64), nullable=False),
    sa.Column('action', _enum(KINDS, 'admin_action_kind'), nullable=False),
    sa.Column('target_kind', _enum(TARGETS, 'admin_action_target_kind'), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_label', sa.String(length=200), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_actions_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_actions'))
    )
    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_actions_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_actions_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_admin_actions_target', ['target_kind', 'target_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS admin_actions_append_only ON admin_actions")
        op.execute("DROP FUNCTION IF EXISTS admin_actions_append_only()")
    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_actions_target')
        batch_op.drop_index(batch_op.f('ix_admin_actions_actor_id'))
        batch_op.drop_index(batch_op.f('ix_admin_actions_at'))

    op.drop_table('admin_actions')
