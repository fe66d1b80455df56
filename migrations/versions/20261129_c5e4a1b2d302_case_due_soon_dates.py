"""case due-soon dates

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
    pass


def downgrade():
    pass
