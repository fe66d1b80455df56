"""flat dashboard figures: premises new per year and month, monthly sums, decision figures; dashboard indexes

The dashboard's cost no longer grows with the data (issue 7): daily figures counting the premises inspected
for the first time in the year and in the month (rows of daily_figures), the daily figures summed per
unit-month (monthly_figures), one row per decided case with its settled money account (decision_figures),
a partial index on the premises-days that confirm a closure, covering indexes on the cases' clue dates
and nearest deadlines, and an index on payment dates. Existing records get their figures now, computed with the
app's rulebook by a frozen copy of the app's functions (migrations/frozen/figures_v1.py).

Revision ID: f3a8d5c1e702
Revises: e4f1a6b2c901
Create Date: 2026-11-29 07:20:00

"""
import importlib.util
import sys
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8d5c1e702'
down_revision = 'e4f1a6b2c901'
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


NEW_DAILY_FIGURES = ('premises_new_year', 'premises_new_month')


def _rulebook():
    """The rulebook's closure item and late-payment rate, or None for both without an app context (offline
    SQL generation: run flask figures rebuild afterwards)."""
    figures = _frozen()
    try:
        return figures.rulebook().inspections.closure_obeyed_item, figures.late_payment_rate()
    except RuntimeError:
        return None, None


def upgrade():
    op.create_table('monthly_figures',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('figure', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_monthly_figures_unit_id_units')),
    sa.PrimaryKeyConstraint('month', 'unit_id', 'figure', 'key', name=op.f('pk_monthly_figures'))
    )
    op.create_index('ix_monthly_figures_month_cover', 'monthly_figures', ['month'], unique=False,
                    postgresql_include=['unit_id', 'figure', 'key', 'count'])
    op.create_table('decision_figures',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('days_to_decision', sa.Integer(), nullable=False),
    sa.Column('in_force', sa.Boolean(), nullable=False),
    sa.Column('closure', sa.Boolean(), nullable=False),
    sa.Column('suspension', sa.Boolean(), nullable=False),
    sa.Column('rate', sa.String(length=24), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('payments', sa.JSON(), nullable=True),
    sa.Column('appeals', sa.JSON(), nullable=True),
    sa.Column('settles_on', sa.Date(), nullable=False),
    sa.Column('fine', sa.BigInteger(), nullable=False),
    sa.Column('confiscation', sa.BigInteger(), nullable=False),
    sa.Column('surcharge', sa.BigInteger(), nullable=False),
    sa.Column('paid_fine', sa.BigInteger(), nullable=False),
    sa.Column('paid_surcharge', sa.BigInteger(), nullable=False),
    sa.Column('paid_confiscation', sa.BigInteger(), nullable=False),
    sa.Column('due', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decision_figures_case_id_cases')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_decision_figures_unit_id_units')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_decision_figures'))
    )
    op.create_index('ix_decision_figures_decided_on', 'decision_figures', ['decided_on', 'unit_id'], unique=False)
    op.create_index('ix_decision_figures_settles_on', 'decision_figures', ['settles_on'], unique=False)
    op.create_index('ix_premises_days_confirmed', 'premises_days', ['day', 'unit_id', 'premises_id'], unique=False,
                    postgresql_where=sa.text('closure_confirmed'), sqlite_where=sa.text('closure_confirmed'))
    op.create_index('ix_cases_next_due_cover', 'cases', ['next_due_on', 'next_deadline', 'next_due_soon_on', 'unit_id'],
                    unique=False, postgresql_where=sa.text('next_due_on IS NOT NULL'),
                    sqlite_where=sa.text('next_due_on IS NOT NULL'))
    op.create_index('ix_cases_clue_on_cover', 'cases', ['clue_on'], unique=False,
                    postgresql_include=['state', 'unit_id'])
    op.create_index('ix_payments_on', 'payments', ['on'], unique=False, postgresql_include=['amount', 'case_id'])

    # Existing records get every figure now (the app keeps them in step from here on).
    closure_item, rate = _rulebook()
    if rate is not None:
        _frozen().rebuild_figures(op.get_bind(), closure_item, rate)


def downgrade():
    op.drop_index('ix_payments_on', table_name='payments')
    op.drop_index('ix_cases_clue_on_cover', table_name='cases')
    op.drop_index('ix_cases_next_due_cover', table_name='cases')
    op.drop_index('ix_premises_days_confirmed', table_name='premises_days')
    op.drop_index('ix_decision_figures_settles_on', table_name='decision_figures')
    op.drop_index('ix_decision_figures_decided_on', table_name='decision_figures')
    op.drop_table('decision_figures')
    op.drop_index('ix_monthly_figures_month_cover', table_name='monthly_figures')
    op.drop_table('monthly_figures')
    # The daily figures of the revision below do not count premises new in the year or month.
    daily = sa.table('daily_figures', sa.column('figure', sa.String))
    op.execute(daily.delete().where(daily.c.figure.in_(NEW_DAILY_FIGURES)))
