"""appeal reference

Adds appeals.reference: the number of the appeal body's decision, which a supervisor cites when
recording that an appeal varied or annulled the decision (DOMAIN.md §3). Earlier appeals keep none.

Revision ID: c3d8f1a2b604
Revises: b7e2c4d9a1f0
Create Date: 2026-12-07 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8f1a2b604'
down_revision = 'b7e2c4d9a1f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_column('reference')
