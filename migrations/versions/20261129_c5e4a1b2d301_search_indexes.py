"""search indexes

Revision ID: c5e4a1b2d301
Revises: b26fea2c4b89
Create Date: 2026-11-29 00:55:00

On PostgreSQL: the pg_trgm extension and trigram GIN indexes on the lower()ed columns that
tracker/services/search.py matches with ``lower(column) LIKE '%text%'``. On SQLite nothing: the
search runs as plain LIKE scans there.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e4a1b2d301'
down_revision = 'b26fea2c4b89'
branch_labels = None
depends_on = None

# (index name, table, indexed expression): keep in step with tracker/services/search.py.
TRIGRAM_INDEXES = (
    ("ix_premises_name_trgm", "premises", "lower(name)"),
    ("ix_premises_operator_name_trgm", "premises", "lower(operator_name)"),
    ("ix_premises_credit_code_trgm", "premises", "lower(credit_code)"),
    ("ix_cases_number_trgm", "cases", "lower(number)"),
    ("ix_cases_party_name_trgm", "cases", "lower(premises_snapshot ->> 'name')"),
    ("ix_cases_party_operator_trgm", "cases", "lower(premises_snapshot ->> 'operator_name')"),
    ("ix_inspections_notes_trgm", "inspections", "lower(notes)"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in TRIGRAM_INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin (({expression}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _expression in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other databases objects may use it, and dropping it needs more rights.
