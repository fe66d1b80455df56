"""daily figures: inspections' local day, per unit-day counts and premises-days for the dashboard; list indexes

Also indexes chosen from the 1-million-inspection query plans (issue 7): cases by clue date (across units,
per unit, per state), premises by name and by status, and on PostgreSQL btree prefix indexes for search
terms shorter than three characters (tracker/services/search.py), which trigrams cannot serve.

Revision ID: e4f1a6b2c901
Revises: 35e7ae3f7da2
Create Date: 2026-11-29 04:10:00

"""
import importlib.util
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4f1a6b2c901'
down_revision = '35e7ae3f7da2'
branch_labels = None
depends_on = None


def _frozen():
    """The code this migration runs to fill the figures: a frozen copy (migrations/frozen/figures_v1.py), never
    the live app's, so that changing the app cannot change what this migration does. Loaded by path."""
    name = "tracker_migrations_frozen_figures_v1"
    module = sys.modules.get(name)
    if module is None:
        path = Path(__file__).resolve().parents[1] / "frozen" / "figures_v1.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def _backfill_days(bind) -> None:
    """inspections.day: the local date of started_at (stored as naive UTC) in the unit's time zone."""
    if bind.dialect.name == 'postgresql':
        op.execute(
            "UPDATE inspections SET day = ((inspections.started_at AT TIME ZONE 'UTC') AT TIME ZONE units.timezone)::date "
            "FROM units WHERE units.id = inspections.unit_id"
        )
        return
    zones = {unit_id: ZoneInfo(zone) for unit_id, zone in bind.execute(sa.text("SELECT id, timezone FROM units"))}
    rows = bind.execute(sa.text("SELECT id, unit_id, started_at FROM inspections")).all()
    updates = []
    for inspection_id, unit_id, started_at in rows:
        moment = datetime.fromisoformat(started_at) if isinstance(started_at, str) else started_at
        local = moment.replace(tzinfo=timezone.utc).astimezone(zones[unit_id]).date()
        updates.append({"id": inspection_id, "day": local})
    if updates:
        bind.execute(sa.text("UPDATE inspections SET day = :day WHERE id = :id"), updates)


def _closure_item():
    # The figures say whether a follow-up found a closure obeyed, by the rulebook's checklist item.
    try:
        return _frozen().rulebook().inspections.closure_obeyed_item
    except Exception:  # no app context (offline SQL generation): the figures are rebuilt without it
        return None


# (index name, table, indexed expression): keep in step with tracker/services/search.py.
PREFIX_INDEXES = (
    ("ix_premises_name_prefix", "premises", "lower(name)"),
    ("ix_premises_operator_name_prefix", "premises", "lower(operator_name)"),
    ("ix_premises_credit_code_prefix", "premises", "lower(credit_code)"),
    ("ix_cases_number_prefix", "cases", "lower(number)"),
    ("ix_cases_party_name_prefix", "cases", "lower(premises_snapshot ->> 'name')"),
    ("ix_cases_party_operator_prefix", "cases", "lower(premises_snapshot ->> 'operator_name')"),
)

# Terms of three characters or more match the fields joined, under one trigram index per table: with one
# index per field ORed, PostgreSQL read every row instead (its costs of lower() and LIKE are too low).
JOINED_TRIGRAM_INDEXES = (
    ("ix_premises_search_trgm", "premises",
     "lower(name || ' ' || operator_name || ' ' || coalesce(credit_code, ''))"),
    ("ix_cases_search_trgm", "cases",
     "lower(number || ' ' || coalesce(premises_snapshot ->> 'name', '') || ' ' "
     "|| coalesce(premises_snapshot ->> 'operator_name', ''))"),
)
# ... which the per-field trigram indexes of c5e4a1b2d301 leave unused (the one on inspection notes stays).
SUPERSEDED_TRIGRAM_INDEXES = (
    ("ix_premises_name_trgm", "premises", "lower(name)"),
    ("ix_premises_operator_name_trgm", "premises", "lower(operator_name)"),
    ("ix_premises_credit_code_trgm", "premises", "lower(credit_code)"),
    ("ix_cases_number_trgm", "cases", "lower(number)"),
    ("ix_cases_party_name_trgm", "cases", "lower(premises_snapshot ->> 'name')"),
    ("ix_cases_party_operator_trgm", "cases", "lower(premises_snapshot ->> 'operator_name')"),
)

CASE_INDEXES = (
    ("ix_cases_clue_on_id", ["clue_on", "id"]),
    ("ix_cases_unit_clue_on_id", ["unit_id", "clue_on", "id"]),
    ("ix_cases_state_clue_on_id", ["state", "clue_on", "id"]),
)


def upgrade():
    for name, columns in CASE_INDEXES:
        op.create_index(name, 'cases', columns, unique=False)
    op.create_index('ix_premises_name_id', 'premises', ['name', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for name, table, expression in PREFIX_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} (({expression}) text_pattern_ops)")
        for name, table, expression in JOINED_TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (({expression}) gin_trgm_ops)")
        for name, _table, _expression in SUPERSEDED_TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.add_column('inspections', sa.Column('day', sa.Date(), nullable=True))
    bind = op.get_bind()
    _backfill_days(bind)
    # Left nullable: making it NOT NULL would make SQLite copy the table, which its foreign keys forbid once
    # there are records. The app sets it on every flush (tracker.services.figures).
    op.create_index('ix_inspections_unit_day', 'inspections', ['unit_id', 'day'], unique=False)

    op.create_index('ix_premises_status', 'premises', ['status'], unique=False)
    op.create_table('daily_figures',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('figure', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_daily_figures_unit_id_units')),
    sa.PrimaryKeyConstraint('day', 'unit_id', 'figure', 'key', name=op.f('pk_daily_figures'))
    )
    op.create_table('premises_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('premises_id', sa.Integer(), nullable=False),
    sa.Column('closure_confirmed', sa.Boolean(), nullable=False),
    sa.Column('previous_day', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_premises_days_premises_id_premises')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_premises_days_unit_id_units')),
    sa.PrimaryKeyConstraint('day', 'unit_id', 'premises_id', name=op.f('pk_premises_days'))
    )
    op.create_index('ix_premises_days_premises_day', 'premises_days', ['premises_id', 'day'], unique=False)
    op.create_index('ix_premises_days_day_cover', 'premises_days', ['day'], unique=False,
                    postgresql_include=['previous_day', 'unit_id', 'premises_id', 'closure_confirmed'])
    op.create_index('ix_daily_figures_day_cover', 'daily_figures', ['day'], unique=False,
                    postgresql_include=['unit_id', 'figure', 'key', 'count'])
    # The register's last day of each published case (tracker/services/outcomes.py).
    op.add_column('cases', sa.Column('public_until', sa.Date(), nullable=True))
    op.create_index('ix_cases_published_on_id', 'cases', ['published_on', 'id'], unique=False)

    # Existing records get their figures and register dates now (the app keeps them in step from here on),
    # computed by a frozen copy of the app's functions with its rulebook (flask db upgrade runs in the app's
    # context).
    figures = _frozen()
    figures.rebuild_figures(bind, _closure_item())
    try:
        figures.refresh_register_dates(bind)
    except RuntimeError:  # no app context (offline SQL generation)
        pass


def downgrade():
    op.drop_index('ix_cases_published_on_id', table_name='cases')
    op.execute('ALTER TABLE cases DROP COLUMN public_until')
    if op.get_bind().dialect.name == 'postgresql':
        for name, table, expression in SUPERSEDED_TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (({expression}) gin_trgm_ops)")
        for name, _table, _expression in (*JOINED_TRIGRAM_INDEXES, *PREFIX_INDEXES):
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index('ix_premises_name_id', table_name='premises')
    for name, _columns in CASE_INDEXES:
        op.drop_index(name, table_name='cases')
    op.drop_table('premises_days')
    op.drop_table('daily_figures')
    op.drop_index('ix_premises_status', table_name='premises')
    op.drop_index('ix_inspections_unit_day', table_name='inspections')
    # Natively (SQLite 3.35+), not by copying the table, which SQLite's foreign keys forbid once there are records.
    op.execute('ALTER TABLE inspections DROP COLUMN day')
