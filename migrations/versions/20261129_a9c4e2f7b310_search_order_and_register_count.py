"""premises search in byte order, register count from an index: C-collation prefix indexes; cases.public_until index

A short search term matches the start of a premises' name, operator or credit code. The matches are now
ranked (name first, then operator, then credit code) and each field's are read in its byte order
(tracker.services.search.ranked_premises), so PostgreSQL can walk one index per field in the page's order and
stop after the page. The text_pattern_ops indexes of e4f1a6b2c901 served the LIKE but not that order;
``(lower(field) COLLATE "C", id, unit_id)`` serves both, with the unit for an officer's scope read from the
index, and includes the fields the branch tests, so that it reads the index alone. PostgreSQL only: SQLite
compares bytes already and has no expression indexes to change.

The public register counts its entries still public from a new index on ``cases.public_until`` (on
PostgreSQL it includes the publication and withdrawal dates, for an index-only count).

Revision ID: a9c4e2f7b310
Revises: f3a8d5c1e702
Create Date: 2026-11-29 09:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a9c4e2f7b310'
down_revision = 'f3a8d5c1e702'
branch_labels = None
depends_on = None

# Each index also holds the fields its search branch tests (the matched one and those ranked before it), so
# that a branch, and the capped count of matches, reads the index alone.
FIELDS = (
    ("ix_premises_name_prefix", "name", "name"),
    ("ix_premises_operator_name_prefix", "operator_name", "operator_name, name"),
    ("ix_premises_credit_code_prefix", "credit_code", "credit_code, name, operator_name"),
)


def upgrade():
    op.create_index('ix_cases_public_until', 'cases', ['public_until'], unique=False,
                    postgresql_include=['published_on', 'withdrawn_on'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, column, included in FIELDS:
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f'CREATE INDEX {name} ON premises ((lower({column}) COLLATE "C"), id, unit_id) INCLUDE ({included})')


def downgrade():
    op.drop_index('ix_cases_public_until', table_name='cases')
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, column, _included in FIELDS:
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"CREATE INDEX {name} ON premises ((lower({column})) text_pattern_ops)")
