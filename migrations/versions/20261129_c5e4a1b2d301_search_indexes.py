"""search indexes

Revision ID: c5e4a1b2d301
Revises: b26fea2c4b89
Create Date: 2026-11-29 00:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e4a1b2d301'
down_revision = 'b26fea2c4b89'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
