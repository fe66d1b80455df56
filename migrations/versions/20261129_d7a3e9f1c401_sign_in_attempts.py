"""sign-in attempts

Adds sign_in_attempts: every sign-in through the login form, successful or not (when, the username
typed, the account if one matched, the reason code, the client address and user agent). Failed
attempts also drive the temporary per-account lockout. Nothing to backfill: the log starts now.

Revision ID: d7a3e9f1c401
Revises: c5e4a1b2d302
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3e9f1c401'
down_revision = 'c5e4a1b2d302'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Enum('ok', 'unknown_user', 'wrong_password', 'inactive', 'locked', name='sign_in_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_attempts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_sign_in_attempts_username_at', ['username', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_attempts_username_at')
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_user_id'))
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_at'))

    op.drop_table('sign_in_attempts')
