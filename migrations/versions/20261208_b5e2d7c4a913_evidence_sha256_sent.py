"""evidence: the SHA-256 as sent

Issue 17: a device declares the SHA-256 it computed before the upload; the server refuses a file that does not
match it and keeps the declared value beside the one it computed (NULL: none was sent, a web upload without
JavaScript), so the case-file pack shows both.

Revision ID: b5e2d7c4a913
Revises: aa70c842965e
Create Date: 2026-12-08 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e2d7c4a913'
down_revision = 'aa70c842965e'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE: a batch copy of evidence would drop a table that violations refer to.
    op.add_column('evidence', sa.Column('sha256_sent', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('evidence', 'sha256_sent')
