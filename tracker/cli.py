"""Command line for administration and bootstrap: thin wrappers over the services."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _, ngettext

from tracker.services import accounts
from tracker.services.errors import ServiceError

units_cli = AppGroup("units", help="Enforcement units.")
users_cli = AppGroup("users", help="Accounts.")


def _fail(error: ServiceError) -> None:
    click.echo(_("Error: %(message)s", message=error), err=True)
    for field, messages in getattr(error, "errors", {}).items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    sys.exit(1)


@units_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
def create_unit(code: str, name: str, timezone: str) -> None:
    """Add an enforcement unit."""
    try:
        unit = accounts.create_unit(code, name, timezone)
    except ServiceError as error:
        _fail(error)
    click.echo(_("Unit %(code)s created.", code=unit.code))


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["officer", "supervisor", "auditor", "admin"]))
@click.option("--unit", "unit_code", default=None, help="Unit code (officers and supervisors).")
@click.option("--password", required=True, help="At least 10 characters, not only letters or digits.")
@click.option("--legal-reviewer", is_flag=True, help="Supervisor holding the legal-review qualification.")
@click.option("--full-name", default="")
def create_user(username, role, unit_code, password, legal_reviewer, full_name) -> None:
    """Add an account."""
    try:
        user = accounts.create_user(username, role, password, unit_code, legal_reviewer, full_name)
    except ServiceError as error:
        _fail(error)
    click.echo(_("Account %(username)s (%(role)s) created.", username=user.username, role=user.role.value))


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def user_token(username: str, name: str) -> None:
    """Print a new API token for the account, alone on one line."""
    from tracker.services.tokens import issue_token

    user = accounts.find_user(username)
    if user is None:
        click.echo(_("Error: no account named %(username)s.", username=username), err=True)
        sys.exit(1)
    try:
        _record, token = issue_token(user, name)
    except ServiceError as error:
        _fail(error)
    click.echo(token)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo county (running it twice changes nothing)."""
    from tracker.seed.demo import DEMO_PASSWORD, seed_demo_county

    try:
        report = seed_demo_county()
    except ServiceError as error:
        _fail(error)
    if report.created:
        click.echo(_("Demo county loaded: %(summary)s.", summary=report.summary))
    else:
        click.echo(_("Demo county already loaded; nothing changed."))
    click.echo(_("Demo accounts (password %(password)s):", password=DEMO_PASSWORD))
    for username, role, unit in report.accounts:
        click.echo(f"  {username:<12} {role:<11} {unit or ''}")


@click.command("seed-scale")
@click.option("--inspections", "inspections", required=True, help="How many inspections to generate.")
@click.option("--seed", default="1", show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--units", default=None, help="How many units (default one per 50,000 inspections, at least 3).")
def seed_scale(inspections: str, seed: str, units: str | None) -> None:
    """Load a province-sized data set in bulk into an empty database (benchmarks)."""
    from tracker.services.errors import Invalid
    from tracker.seed.scale import SCALE_PASSWORD, seed_scale as load

    numbers = {}
    for name, raw in (("inspections", inspections), ("seed", seed), ("units", units)):
        try:
            numbers[name] = None if raw is None else int(raw)
        except ValueError:
            _fail(Invalid.field(name, _("--%(option)s takes a whole number, not %(value)s.", option=name, value=repr(raw))))
    try:
        report = load(numbers["inspections"], seed=numbers["seed"], units=numbers["units"], progress=click.echo)
    except ServiceError as error:
        _fail(error)
    for line in report.lines():
        click.echo(line)
    click.echo(_("Loaded in %(seconds).1f s. Accounts use the password %(password)s, e.g. %(first)s (%(role)s) and "
                 "%(last)s (auditor).", seconds=report.total_seconds, password=SCALE_PASSWORD,
                 first=report.accounts[0][0], role=report.accounts[0][1], last=report.accounts[-1][0]))


audit_cli = AppGroup("audit", help="Auditors' checks.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute every case's history chain; exit 1 naming each broken case and event."""
    from tracker.services.audit import verify_all

    broken = 0
    for case in verify_all():
        broken += 1
        for where in case.breaks:
            click.echo(_("BROKEN %(case)s event %(seq)s: %(problem)s", case=case.number, seq=where.seq, problem=where.problem))
    if broken:
        click.echo(ngettext("%(num)s case with a broken history chain.", "%(num)s cases with a broken history chain.",
                            broken), err=True)
        sys.exit(1)
    click.echo(_("All history chains are intact."))


@audit_cli.command("verify-pack", with_appcontext=False)
@click.argument("pack", type=click.Path(dir_okay=False, path_type=str))
def audit_verify_pack(pack: str) -> None:
    """Check a case-file pack offline; exit 1 naming every problem, 2 when the file is no pack at all."""
    from tracker.domain.casepack import check_file

    outcome = check_file(pack)
    for line in outcome.out:
        click.echo(line)
    for line in outcome.err:
        click.echo(line, err=True)
    if outcome.code:
        sys.exit(outcome.code)


figures_cli = AppGroup("figures", help="The dashboard's daily figures (kept in step with the records).")


@figures_cli.command("verify")
def figures_verify() -> None:
    """Compare the daily figures with the records; exit 1 listing the first differences."""
    from tracker.extensions import db
    from tracker.services.figures import closure_item, figure_differences

    lines = figure_differences(db.session.connection(), closure_item())
    for line in lines:
        click.echo(line)
    if lines:
        click.echo(_("The daily figures differ from the records: run flask figures rebuild."), err=True)
        sys.exit(1)
    click.echo(_("The daily figures agree with the records."))


@figures_cli.command("rebuild")
def figures_rebuild() -> None:
    """Recompute every daily figure and register date from the records (after a bulk load or a rulebook change)."""
    from tracker.extensions import db
    from tracker.services.figures import closure_item, rebuild_figures
    from tracker.services.outcomes import refresh_register_dates

    connection = db.session.connection()
    rebuild_figures(connection, closure_item())
    changed = refresh_register_dates(connection)
    db.session.commit()
    click.echo(_("Daily figures rebuilt; %(count)s register dates changed.", count=changed))


COMMANDS = [units_cli, users_cli, audit_cli, figures_cli, seed_demo, seed_scale]
