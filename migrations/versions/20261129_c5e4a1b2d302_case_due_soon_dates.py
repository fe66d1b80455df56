"""case due-soon dates

Adds cases.next_due_soon_on, the first day the nearest deadline (next_due_on) counts as due soon.
Every case action recomputes it exactly. Rows that exist before this revision are backfilled with
next_due_on itself, a conservative value: such a case shows as due soon at least on its due day
(and overdue after it, as before) until its next action sets the exact date.

Revision ID: c5e4a1b2d302
Revises: c5e4a1b2d301
Create Date: 2026-11-29 00:55:30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e4a1b2d302'
down_revision = 'c5e4a1b2d301'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_due_soon_on', sa.Date(), nullable=True))
    op.execute("UPDATE cases SET next_due_soon_on = next_due_on WHERE next_due_on IS NOT NULL")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('next_due_soon_on')
