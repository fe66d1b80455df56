"""user interface language

Adds users.locale: the interface language a user chose in their profile or with the language switcher
(a catalog name, en or zh_CN). Nullable, and NULL for every existing account: they keep following their
browser's Accept-Language until they choose.

Revision ID: 35e7ae3f7da2
Revises: 608908df578f
Create Date: 2026-11-29 03:48:54.229444

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '35e7ae3f7da2'
down_revision = '608908df578f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
