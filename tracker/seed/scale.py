"""A province-sized data set for benchmarks (``flask seed-scale --inspections N``), written in bulk.

Units, staff, premises, inspections over several years, price observations (their findings computed by the
rulebook's price tests on a pool of samples), violations, and cases in every lifecycle state with complete history
chains, pauses and payments. Rows are built in Python with ids assigned after the current maxima, so children
reference parents without round trips, and written with COPY on PostgreSQL or executemany on SQLite, one
transaction per table batch; PostgreSQL sequences are reset afterwards.

Cases are not run through ``run_action`` (one commit per step would take hours at this size): each follows a
script of steps dated within the agency's deadlines and the party's windows, builds exactly the event data the
case service records for that action, and is chained with ``tracker.domain.history.link``, so ``flask audit
verify`` and the API's history read it as any other case. Deadlines (``next_deadline``, ``next_due_on``,
``next_due_soon_on``) and money (``tracker.domain.penalties.account``) come from the same domain functions the
service uses. The same ``seed`` gives the same data.
"""
from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import format_decimal, gettext as _
from flask import current_app
from werkzeug.security import generate_password_hash

from tracker.seed import names
from tracker.domain.deadlines import due_date
from tracker.domain.figures import due_soon_from
from tracker.domain.gouging import ObservationFacts, evaluate
from tracker.domain.history import GENESIS, link
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.penalties import PaymentIn, account, check_penalty, hearing_right, parse_penalty
from tracker.extensions import db
from tracker.services.figures import rebuild_figures
from tracker.models import Inspection, Unit, User
from tracker.services import clock
from tracker.services.cases import MEETS, deadlines_of
from tracker.services.errors import Conflict, Invalid
from tracker.services.outcomes import refresh_register_dates
from tracker.services.rulebooks import current_rulebook

SCALE_PASSWORD = "scale-pass-2024"
TIMEZONE = "Asia/Shanghai"
UTC_OFFSET = timedelta(hours=8)  # Asia/Shanghai keeps no daylight saving time
DIVISION = "411000"  # invented division code, positions 3-8 of the credit codes
MAX_INSPECTIONS = 20_000_000
INSPECTIONS_PER_UNIT = 50_000
CHUNK = 50_000  # inspections written per COPY batch (their observations follow in the same round)
MIN_CASES = 24  # enough for every lifecycle state even on a small data set
CENT = Decimal("0.01")
GOUGING_CODES = ("price_gouging", "emergency_measure_breach")


@dataclass
class ScaleReport:
    """What was written: rows and seconds per table, and the accounts to sign in with."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0
    build_seconds: float = 0.0  # building inspection, observation and case rows in Python (not writing them)
    accounts: list[tuple[str, str, str | None]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per table: rows, seconds, rows per second."""
        result = []
        for table, count in self.rows.items():
            seconds = self.seconds.get(table, 0.0)
            rate = count / seconds if seconds > 0 else 0.0
            result.append(f"{table:<24} {count:>10,} rows {seconds:8.2f} s {rate:>12,.0f} rows/s")
        result.append(f"{'(rows built in Python)':<40} {self.build_seconds:8.2f} s")
        if "(daily figures)" in self.seconds:
            result.append(f"{'(daily figures rebuilt)':<40} {self.seconds['(daily figures)']:8.2f} s")
        if "(analyze)" in self.seconds:
            result.append(f"{'(VACUUM ANALYZE)':<40} {self.seconds['(analyze)']:8.2f} s")
        return result


# ------------------------------------------------------------------------------------------ bulk writing


class _Bulk:
    """Writes tuples to a table: COPY on PostgreSQL, executemany on SQLite; one commit per batch."""

    def __init__(self, report: ScaleReport):
        self.report = report
        self.postgres = db.session.connection().dialect.name == "postgresql"

    @staticmethod
    def _sqlite_value(value):
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        """Insert the rows and commit; the row count."""
        started = time.perf_counter()
        quoted = ", ".join(f'"{c}"' for c in columns)
        count = 0
        connection = db.session.connection()
        if self.postgres:
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
            batch: list[tuple] = []
            convert = self._sqlite_value
            for row in rows:
                batch.append(tuple(convert(v) for v in row))
                if len(batch) >= 10_000:
                    connection.exec_driver_sql(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                connection.exec_driver_sql(sql, batch)
                count += len(batch)
        db.session.commit()
        self.report.rows[table] = self.report.rows.get(table, 0) + count
        self.report.seconds[table] = self.report.seconds.get(table, 0.0) + time.perf_counter() - started
        return count

    def reset_sequences(self, tables: Iterable[str]) -> None:
        """Point each PostgreSQL id sequence past the largest id (SQLite needs nothing)."""
        if not self.postgres:
            return
        connection = db.session.connection()
        for table in tables:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"
            )
        db.session.commit()

    def analyze(self) -> None:
        """After a bulk load (PostgreSQL), what autovacuum would do later: planner statistics, and the
        visibility map that lets index-only scans (the dashboard's) skip the table."""
        if self.postgres:
            started = time.perf_counter()
            db.session.commit()
            # VACUUM cannot run inside a transaction.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM (ANALYZE)")
            self.report.seconds["(analyze)"] = time.perf_counter() - started


def _next_ids(*tables: str) -> dict[str, int]:
    connection = db.session.connection()
    return {t: (connection.exec_driver_sql(f'SELECT MAX(id) FROM "{t}"').scalar() or 0) + 1 for t in tables}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _retail(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1") if value >= 2 else CENT, rounding=ROUND_HALF_UP)


def _utc(day: date, minute: int) -> datetime:
    """A local time on ``day`` (minutes after midnight) as a naive UTC datetime, as stored."""
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60) - UTC_OFFSET


def _iso_at(moment: datetime) -> str:
    """A naive UTC datetime as the history's 'at' string."""
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="microseconds")


# ------------------------------------------------------------------------------------------ the generator

UNIT_COLUMNS = ("id", "code", "name", "timezone", "created_at")
USER_COLUMNS = ("id", "username", "full_name", "password_hash", "role", "unit_id", "legal_reviewer", "active",
                "created_at", "last_login_at")
EMERGENCY_COLUMNS = ("id", "name", "jurisdiction", "starts_on", "ends_on", "baseline_date", "categories", "created_at")
PREMISES_COLUMNS = ("id", "unit_id", "name", "kind", "operator_name", "operator_type", "credit_code", "address",
                    "phone", "status", "created_at", "updated_at")
INSPECTION_COLUMNS = ("id", "unit_id", "premises_id", "started_at", "day", "lead_officer_id", "second_officer_id", "type",
                      "emergency_id", "checklist", "notes", "status", "outcome", "reinspect_on", "rulebook",
                      "created_by_id", "created_at", "submitted_at", "submitted_by_id", "version")
OBSERVATION_TEMPLATE = ("commodity", "unit_of_sale", "price", "marked_price", "cost", "cost_invoice",
                        "baseline_price", "baseline_cost", "quantity_sold", "fees", "baseline_fees", "bundled",
                        "margin_rate", "baseline_margin_rate", "highest_lawful_price", "estimated_illegal_gains",
                        "flags", "flagged", "rulebook")
OBSERVATION_COLUMNS = ("id", "inspection_id", *OBSERVATION_TEMPLATE, "recorded_by_id", "recorded_at")
VIOLATION_COLUMNS = ("id", "inspection_id", "code", "case_id", "legal_basis", "description", "created_by_id",
                     "created_at")
CASE_COLUMNS = (
    "id", "unit_id", "number", "year", "sequence", "premises_id", "inspection_id", "complaint", "clue_on", "state",
    "simplified", "major", "act_on", "harm_to_safety", "operator_type", "premises_snapshot", "proposed_lines",
    "proposed_by_id", "approved_lines", "approved_by_id", "decided_lines", "severity", "illegal_gains",
    "departure_reason", "flagged_for_audit", "hearing_right", "waived", "last_step_on", "filed_on", "declined_on",
    "proposed_on", "reviewed_on", "notice_served_on", "decided_on", "decision_served_on", "payment_due_on",
    "settled_on", "closable_on", "closed_on", "published_on", "withdrawn_on", "next_deadline", "next_due_on",
    "next_due_soon_on", "created_at", "version",
)
EVENT_COLUMNS = ("id", "case_id", "seq", "at", "on", "actor", "role", "action", "from_state", "to_state", "data",
                 "reason", "prev_hash", "hash")

# Target states by the age of the clue (days): later steps that would fall after today are left out.
_STATES_BY_AGE = (
    (20, {"clue": 50, "not_filed": 10, "investigating": 40}),
    (60, {"clue": 5, "not_filed": 5, "investigating": 30, "suspended": 5, "penalty_proposed": 15,
          "penalty_approved": 10, "notice_served": 10, "decided": 5, "closed": 15}),
    (200, {"investigating": 5, "suspended": 5, "terminated": 4, "transferred": 3, "notice_served": 3,
           "hearing_requested": 3, "hearing_held": 3, "decided": 4, "decision_served": 15, "executed": 20,
           "closed": 35}),
    (None, {"investigating": 2, "suspended": 3, "not_filed": 2, "terminated": 4, "transferred": 3,
            "decision_served": 3, "enforcement": 5, "executed": 8, "closed": 70}),
)
_HEARING_STATES = {"hearing_requested", "hearing_held"}
_REASONS = {
    "decline": "First minor offence, corrected at once (APL art. 33).",
    "suspend": "Awaiting the supplier's invoices and the operator's sales records.",
    "resume": "Records received; the investigation resumes.",
    "terminate": "Not established: the till records show the marked prices were charged.",
    "transfer": "Suspected counterfeit goods: samples and statements handed to the public security bureau.",
}


class _Generator:
    def __init__(self, count: int, seed: int, unit_count: int, today: date, years: int,
                 progress: Callable[[str], None] | None):
        self.count = count
        self.rng = random.Random(seed)
        self.unit_count = unit_count
        self.today = today
        self.first_day = today - timedelta(days=365 * years)
        self.span = (today - self.first_day).days
        self.rulebook = current_rulebook()
        self.calendar = self.rulebook.calendar
        self.report = ScaleReport()
        self.bulk = _Bulk(self.report)
        self.say = progress or (lambda _text: None)
        self.ids = _next_ids("units", "users", "price_emergencies", "premises", "inspections", "price_observations",
                             "violations", "cases", "case_officers", "case_events", "case_pauses", "payments")

    def take_ids(self, table: str, n: int) -> int:
        first = self.ids[table]
        self.ids[table] = first + n
        return first

    # -- units, staff, emergencies, premises ----------------------------------------------------------

    def units_and_staff(self) -> None:
        rng = self.rng
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        password_hash = generate_password_hash(SCALE_PASSWORD, method=method)
        created = _utc(self.first_day - timedelta(days=30), 9 * 60)
        per_unit = max(1, self.count // self.unit_count)
        self.units: list[dict] = []
        unit_rows, user_rows = [], []
        first_unit = self.take_ids("units", self.unit_count)
        codes = [f"PV{i + 1:02d}" for i in range(self.unit_count)]
        taken = db.session.scalars(sa.select(Unit.code).where(Unit.code.in_(codes))).all()
        if taken:
            raise Conflict(_("Units %(codes)s exist already: seed-scale loads into an empty database.",
                             codes=", ".join(sorted(taken))))
        for index, code in enumerate(codes):
            unit_id = first_unit + index
            town = names.TOWNS[index % len(names.TOWNS)] + (f" {index // len(names.TOWNS) + 1}"
                                                             if index >= len(names.TOWNS) else "")
            unit_rows.append((unit_id, code, f"{town} Market Regulation Station", TIMEZONE, created))
            officers = max(6, min(60, per_unit // 2500))
            unit = {"id": unit_id, "code": code, "town": town, "officers": [], "supervisors": []}
            staff = [("supervisor", j) for j in range(1, 4)] + [("officer", j) for j in range(1, officers + 1)]
            for role, j in staff:
                user_id = self.take_ids("users", 1)
                username = f"{code.lower()}.{role}{j:02d}"
                user_rows.append((user_id, username, names.person_name(rng), password_hash, role, unit_id,
                                  role == "supervisor" and j == 3, True, created, None))
                unit[role + "s"].append((user_id, username))
                self.report.accounts.append((username, role, code))
            self.units.append(unit)
        for k in range(1, self.unit_count + 1):
            username = f"scale.auditor{k:02d}"
            user_rows.append((self.take_ids("users", 1), username, names.person_name(rng), password_hash,
                              "auditor", None, False, True, created, None))
            self.report.accounts.append((username, "auditor", None))
        clash = db.session.scalars(sa.select(User.username).where(
            User.username.in_([row[1] for row in user_rows]))).all()
        if clash:
            raise Conflict(_("Accounts %(names)s exist already: seed-scale loads into an empty database.",
                             names=", ".join(sorted(clash)[:5])))
        self.bulk.write("units", UNIT_COLUMNS, unit_rows)
        self.bulk.write("users", USER_COLUMNS, user_rows)

    def emergencies(self) -> None:
        """Three declared emergencies of 120 days each, spread over the span."""
        rows = []
        self.emergency_windows: list[tuple[date, date, int]] = []
        for k, label in enumerate(("Respiratory epidemic", "Flood", "Pork supply shortage")):
            starts = self.first_day + timedelta(days=self.span * (2 * k + 1) // 7)
            ends = starts + timedelta(days=120)
            emergency_id = self.take_ids("price_emergencies", 1)
            categories = ["protective_supplies", "medicine", "meat", "vegetables"] if k < 2 else ["meat"]
            rows.append((emergency_id, f"{label} {starts.year} (scale data)", "Province (invented)", starts, ends,
                         starts - timedelta(days=5), json.dumps(categories), _utc(starts, 8 * 60)))
            self.emergency_windows.append((starts, ends, emergency_id, frozenset(categories)))
        self.bulk.write("price_emergencies", EMERGENCY_COLUMNS, rows)

    def premises(self) -> None:
        rng = self.rng
        total = max(self.unit_count * 12, self.count // 8)
        kinds = list(names.KIND_WEIGHTS)
        weights = list(names.KIND_WEIGHTS.values())
        first = self.take_ids("premises", total)
        self.places: list[tuple] = []  # (unit index, kind, snapshot fields...) by premises id - first
        self.by_unit: list[list[int]] = [[] for _ in self.units]
        created = _utc(self.first_day - timedelta(days=60), 10 * 60)

        def rows():
            for n in range(total):
                unit_index = n % self.unit_count
                unit = self.units[unit_index]
                kind = rng.choices(kinds, weights)[0]
                individual = rng.random() < names.INDIVIDUAL_SHARE.get(kind, 0.1)
                operator = names.person_name(rng)
                operator_name = operator if individual else f"{unit['town']} {rng.choice(names.PREFIXES)} Trading Co., Ltd."
                code = names.credit_code(first + n, individual, DIVISION)
                place = (first + n, unit["id"], names.premises_name(rng, kind, n + 1), kind, operator_name,
                         "individual" if individual else "organisation", code, names.address(rng, unit["town"]),
                         names.phone(rng, individual), "active", created, created)
                self.places.append(place)
                self.by_unit[unit_index].append(first + n)
                yield place

        self.first_premises = first
        self.bulk.write("premises", PREMISES_COLUMNS, rows())

    # -- observation samples -----------------------------------------------------------------------------

    def observation_pool(self) -> None:
        """Per commodity, samples whose findings come from the rulebook's price tests: lawful ones (with and
        without an emergency in force), unmarked or above the marked price, and gouged under an emergency."""
        rng, rulebook = self.rng, self.rulebook
        self.pool: dict[tuple[str, str], list[tuple]] = {}
        for code, base in names.BASE_PRICE.items():
            if code not in rulebook.commodities:
                continue
            unit_of_sale = rulebook.commodity(code).unit
            for variant, applies, size in (("lawful", False, 24), ("lawful_em", True, 24), ("marking", False, 8),
                                           ("gouged", True, 8)):
                samples = []
                while len(samples) < size:
                    price = _retail(Decimal(base) * (100 + rng.randint(-5, 8)) / 100)
                    cost = _money(price / (1 + Decimal(rng.randint(8, 28)) / 100))
                    facts = {"price": price, "marked_price": price, "cost": cost}
                    if variant == "lawful_em" and rng.random() < 0.5:
                        baseline_cost = _money(cost * 100 / (100 + rng.randint(0, 40)))
                        facts["baseline_cost"] = baseline_cost
                        facts["baseline_price"] = _money(baseline_cost * price / cost) + CENT
                        facts["quantity_sold"] = Decimal(rng.randint(20, 400))
                    elif variant == "marking":
                        facts["marked_price"] = None if rng.random() < 0.5 else _retail(price * Decimal("0.88"))
                    elif variant == "gouged":
                        facts["price"] = _retail(cost * (1 + Decimal(rng.randint(80, 300)) / 100))
                        facts["marked_price"] = facts["price"]
                        facts["baseline_cost"] = _money(cost * Decimal("0.9"))
                        facts["baseline_price"] = _money(facts["baseline_cost"] * (1 + Decimal(rng.randint(15, 45)) / 100))
                        facts["quantity_sold"] = Decimal(rng.randint(30, 900))
                    findings = evaluate(ObservationFacts(**facts, emergency_applies=applies, baseline_date=None),
                                        rulebook.price_tests, rulebook.label)
                    if findings.flagged != (variant in ("marking", "gouged")):
                        continue
                    flags = [{"test": f.test, "explanation": f.explanation, "params": dict(f.params)}
                             for f in findings.flags]
                    invoice = f"Invoice {rng.randint(10**7, 10**8 - 1)}" if rng.random() < 0.6 else ""
                    samples.append((
                        code, unit_of_sale, facts["price"], facts["marked_price"], facts["cost"], invoice,
                        facts.get("baseline_price"), facts.get("baseline_cost"), facts.get("quantity_sold"), None,
                        None, False, findings.margin_rate, findings.baseline_margin_rate,
                        findings.highest_lawful_price, findings.estimated_illegal_gains, json.dumps(flags),
                        findings.flagged, findings.rulebook,
                    ))
                self.pool[(code, variant)] = samples

    # -- inspections and observations --------------------------------------------------------------------

    def checklists(self) -> None:
        self.checklist_json: dict[tuple[str, str], str] = {}
        for kind in names.KIND_WEIGHTS:
            selling = kind in ("pharmacy", "supermarket", "farmers_market", "market_stall", "meat_vendor")
            base = {
                "prices_marked": "yes", "tags_match_till": "yes", "invoices_kept": "yes",
                "no_unmarked_charges": "yes", "intervention_order_obeyed": "yes" if selling else "n/a",
                "emergency_supplies_not_hoarded": "yes" if kind in ("pharmacy", "supermarket") else "n/a",
                "no_forced_bundling": "yes" if kind in ("pharmacy", "supermarket") else "n/a",
                "closure_notice_obeyed": "n/a", "complaint_hotline_displayed": "yes",
            }
            for finding, item in (("none", None), ("marking", "prices_marked"), ("gouging", "intervention_order_obeyed"),
                                  ("hotline", "complaint_hotline_displayed"), ("records", "invoices_kept")):
                answers = dict(base)
                if item:
                    answers[item] = "no"
                self.checklist_json[(kind, finding)] = json.dumps(answers)

    _OPENERS = {"routine": "Routine inspection. ", "campaign": "Price-inspection campaign. ",
                "complaint": "Complaint received through the 12315 hotline. ", "follow_up": "Follow-up inspection. "}
    _NOTES = {
        "none": "Prices checked against purchase invoices; all marked and in line with cost. No finding.",
        "marking": "Price tags missing or below the till price; ordered to mark all prices within 24 hours.",
        "hotline": "12315 hotline notice not displayed; ordered to post it.",
        "referred_marking": "Prices not marked or charged above the tag; till receipts photographed. Referred for a case.",
        "referred_gouging": "Prices far above cost and the pre-emergency margin; invoices and sales records copied. "
                            "Referred for a case.",
        "referred_records": "The operator refused to produce purchase invoices and sales records. Referred for a case.",
    }

    def emergency_on(self, day: date) -> tuple | None:
        for window in self.emergency_windows:
            if window[0] <= day <= window[1]:
                return window
        return None

    def inspections(self) -> None:
        rng = self.rng
        n = self.count
        referred_target = max(MIN_CASES * 2, round(n * 0.018))
        referred_every = n / referred_target
        next_referred = rng.random() * referred_every
        self.referred: list[dict] = []
        types = ("routine", "campaign", "complaint", "follow_up")
        label = self.rulebook.label
        draft_from = self.today - timedelta(days=3)
        for chunk_start in range(0, n, CHUNK):
            size = min(CHUNK, n - chunk_start)
            building = time.perf_counter()
            first = self.take_ids("inspections", size)
            inspection_rows, observation_rows = [], []
            for k in range(size):
                i = chunk_start + k
                inspection_id = first + k
                unit_index = rng.randrange(self.unit_count)
                unit = self.units[unit_index]
                premises_list = self.by_unit[unit_index]
                premises_id = premises_list[int(len(premises_list) * rng.random() ** 1.6)]
                place = self.places[premises_id - self.first_premises]
                kind = place[3]
                day = self.first_day + timedelta(days=i * self.span // n)
                if day.weekday() >= 5 and rng.random() < 0.85:
                    day = day - timedelta(days=day.weekday() - 4)  # mostly on Fridays rather than weekends
                minute = rng.randrange(510, 691, 5) if rng.random() < 0.55 else rng.randrange(840, 1036, 5)
                started = _utc(day, minute)
                officers = unit["officers"]
                lead, second = rng.sample(officers, 2)
                emergency = self.emergency_on(day)
                type_ = rng.choices(types, (60, 25 if emergency else 5, 15, 10))[0]
                referred = i >= next_referred
                if referred:
                    next_referred += referred_every * (0.5 + rng.random())
                    outcome = "referred"
                else:
                    outcome = "corrected" if rng.random() < 0.08 else "no_action"
                draft = day >= draft_from and not referred and rng.random() < 0.3
                # what was found
                if outcome == "referred":
                    finding = rng.choices(("marking", "gouging", "records"), (45, 40 if emergency else 10, 15))[0]
                elif outcome == "corrected":
                    finding = "marking" if rng.random() < 0.7 else "hotline"
                else:
                    finding = "none"
                low, high = names.OBSERVATIONS_PER_KIND.get(kind, (1, 3))
                goods = names.GOODS[kind]
                picked = rng.sample(goods, min(len(goods), rng.randint(low, high)))
                if finding in ("marking", "gouging") and not picked:
                    picked = [goods[0]]
                recorded = started + timedelta(minutes=20)
                flagged_ids: list[tuple[int, str]] = []
                first_obs = self.take_ids("price_observations", len(picked))
                for position, code in enumerate(picked):
                    applies = emergency is not None and self.rulebook.commodity(code).category in emergency[3]
                    if position == 0 and finding == "marking":
                        variant = "marking"
                    elif position == 0 and finding == "gouging" and applies:
                        variant = "gouged"
                    else:
                        variant = "lawful_em" if applies else "lawful"
                    sample = rng.choice(self.pool[(code, variant)])
                    if sample[17]:
                        flagged_ids.append((first_obs + position, variant))
                    observation_rows.append((first_obs + position, inspection_id, *sample, lead[0], recorded))
                checklist = self.checklist_json[(kind, finding if finding != "none" else "none")]
                note_key = f"referred_{finding}" if outcome == "referred" else finding
                notes = self._OPENERS[type_] + self._NOTES[note_key]
                reinspect = day + timedelta(days=rng.randint(7, 30)) if outcome == "corrected" and not draft else None
                submitted = started + timedelta(hours=2, minutes=rng.randint(0, 90))
                inspection_rows.append((
                    inspection_id, unit["id"], premises_id, started, day, lead[0], second[0], type_,
                    emergency[2] if emergency else None, checklist, notes,
                    "draft" if draft else "submitted", None if draft else outcome, reinspect, label, lead[0],
                    started + timedelta(minutes=5), None if draft else submitted, None if draft else lead[0], 1,
                ))
                if referred:
                    self.referred.append({
                        "id": inspection_id, "unit": unit_index, "premises_id": premises_id, "day": day,
                        "lead": lead, "second": second, "flagged": flagged_ids, "finding": finding,
                        "submitted": submitted,
                    })
            self.report.build_seconds += time.perf_counter() - building
            self.bulk.write("inspections", INSPECTION_COLUMNS, inspection_rows)
            self.bulk.write("price_observations", OBSERVATION_COLUMNS, observation_rows)
            self.say(f"  {chunk_start + size:,} of {n:,} inspections written")

    # -- violations and cases --------------------------------------------------------------------------

    def violation_codes(self, visit: dict, want_hearing: bool) -> list[str]:
        rng = self.rng
        if want_hearing:
            codes = [rng.choice(GOUGING_CODES)]
        elif visit["finding"] == "gouging":
            codes = [rng.choice(GOUGING_CODES)]
        elif visit["finding"] == "records":
            codes = ["records_refusal"]
        else:
            codes = ["price_marking"]
        if rng.random() < 0.15:
            extra = rng.choice(("price_marking", "records_refusal"))
            if extra not in codes:
                codes.append(extra)
        return codes

    def cases_and_violations(self) -> None:
        building = time.perf_counter()
        rng = self.rng
        referred = self.referred
        wanted = max(MIN_CASES, round(len(referred) * 0.575))
        opened = sorted(rng.sample(range(len(referred)), min(wanted, len(referred))))
        # The oldest cases take one of each state first, so every state is present whatever the size.
        mandatory = [s.value for s in CaseState]
        plans = []
        for position, index in enumerate(opened):
            visit = referred[index]
            if position < len(mandatory):
                target = mandatory[position]
            else:
                age = (self.today - visit["day"]).days
                table = next(t for limit, t in _STATES_BY_AGE if limit is None or age < limit)
                target = rng.choices(list(table), list(table.values()))[0]
            plans.append((visit, target))
        opened_set = set(opened)
        complaints = max(2, len(plans) // 20)
        case_rows, officer_rows, violation_rows, link_rows = [], [], [], []
        event_rows, pause_rows, payment_rows = [], [], []
        sequences: dict[tuple[int, int], int] = {}
        builder = _CaseBuilder(self)
        # violations of every referred inspection; those opened as a case carry its id
        items = []
        for index, visit in enumerate(referred):
            if index in opened_set:
                continue
            items.append((visit, None))
        for visit, target in plans:
            items.append((visit, target))
        for _ in range(complaints):
            unit_index = rng.randrange(self.unit_count)
            premises_id = rng.choice(self.by_unit[unit_index])
            day = self.first_day + timedelta(days=rng.randint(30, self.span - 1))
            target = rng.choice(("clue", "investigating", "not_filed", "terminated", "transferred", "closed"))
            items.append(({"id": None, "unit": unit_index, "premises_id": premises_id, "day": day,
                           "lead": tuple(self.units[unit_index]["officers"][:2][0]),
                           "second": tuple(self.units[unit_index]["officers"][:2][1]),
                           "flagged": [], "finding": "complaint", "submitted": _utc(day, 9 * 60)}, target))
        # number cases in order of their clue date, per unit and year
        ordered = sorted(items, key=lambda item: (item[0]["day"], item[0]["id"] or 0))
        for visit, target in ordered:
            case_id = None
            codes = []
            if visit["id"] is not None:
                codes = self.violation_codes(visit, target in _HEARING_STATES)
            if target is not None:
                case_id = self.take_ids("cases", 1)
            violation_ids = []
            for code in codes:
                violation_id = self.take_ids("violations", 1)
                violation_ids.append(violation_id)
                rule = self.rulebook.violation(code)
                violation_rows.append((violation_id, visit["id"], code, case_id, rule.legal_basis,
                                       f"{rule.title}: found during the inspection of {visit['day'].isoformat()}.",
                                       visit["lead"][0], visit["submitted"] - timedelta(minutes=30)))
                wanted_variant = "gouged" if code in GOUGING_CODES else "marking" if code == "price_marking" else None
                for observation_id, variant in visit["flagged"]:
                    if variant == wanted_variant:
                        link_rows.append((violation_id, observation_id))
            if target is None:
                continue
            unit = self.units[visit["unit"]]
            year = visit["day"].year
            sequence = sequences.get((unit["id"], year), 0) + 1
            sequences[(unit["id"], year)] = sequence
            built = builder.build(case_id, unit, visit, codes, violation_ids, target,
                                  f"{unit['code']}-{year}-{sequence:04d}", year, sequence)
            case_rows.append(built.row)
            officer_rows.extend(built.officers)
            event_rows.extend(built.events)
            pause_rows.extend(built.pauses)
            payment_rows.extend(built.payments)
        self.report.build_seconds += time.perf_counter() - building
        self.bulk.write("cases", CASE_COLUMNS, case_rows)
        self.bulk.write("case_officers", ("id", "case_id", "user_id", "inspected"), officer_rows)
        self.bulk.write("violations", VIOLATION_COLUMNS, violation_rows)
        self.bulk.write("violation_observations", ("violation_id", "observation_id"), link_rows)
        self.bulk.write("case_events", EVENT_COLUMNS, event_rows)
        self.bulk.write("case_pauses", ("id", "case_id", "kind", "starts_on", "ends_on"), pause_rows)
        self.bulk.write("payments", ("id", "case_id", "on", "amount", "receipt", "recorded_by_id", "recorded_at"),
                        payment_rows)

    def figures(self) -> None:
        """The dashboard's daily figures and the register's dates, computed once from the loaded records (the ORM
        keeps them after)."""
        started = time.perf_counter()
        rebuild_figures(db.session.connection(), self.rulebook.inspections.closure_obeyed_item)
        refresh_register_dates(db.session.connection())
        db.session.commit()
        self.report.seconds["(daily figures)"] = time.perf_counter() - started

    def run(self) -> ScaleReport:
        started = time.perf_counter()
        self.units_and_staff()
        self.emergencies()
        self.premises()
        self.say(f"  {len(self.places):,} premises written")
        self.observation_pool()
        self.checklists()
        self.inspections()
        self.cases_and_violations()
        self.figures()
        self.bulk.reset_sequences(("units", "users", "price_emergencies", "premises", "inspections",
                                   "price_observations", "violations", "cases", "case_officers", "case_events",
                                   "case_pauses", "payments"))
        self.bulk.analyze()
        self.report.total_seconds = time.perf_counter() - started
        return self.report


# ------------------------------------------------------------------------------------------ one case


@dataclass
class _Built:
    row: tuple
    officers: list[tuple]
    events: list[tuple]
    pauses: list[tuple]
    payments: list[tuple]


class _CaseBuilder:
    """Builds one case from a script of steps, as the case service would record them, up to today."""

    def __init__(self, generator: _Generator):
        self.g = generator
        self.rng = generator.rng
        self.rulebook = generator.rulebook
        self.calendar = generator.calendar
        self.rate = self.rulebook.late_payment_daily_rate or Decimal("0")
        self.fine_cache: dict[tuple, list[Decimal]] = {}

    def wd(self, start: date, low: int, high: int) -> date:
        return self.calendar.add_working_days(start, self.rng.randint(low, high))

    def due(self, name: str, start: date) -> date:
        return due_date(self.rulebook.deadline(name), start, self.calendar)

    def fines(self, codes: list[str], operator_type: str, want_hearing: bool) -> list[Decimal]:
        """Fines within the rulebook's range for these codes, with or without a hearing right."""
        key = (tuple(codes), operator_type, want_hearing)
        if key not in self.fine_cache:
            rules = [self.rulebook.violation(c).penalty for c in codes]
            found = []
            for amount in (200, 500, 1000, 2000, 3000, 5000, 8000, 12000, 20000, 30000, 50000, 60000, 80000,
                           120000, 150000, 200000, 300000, 600000, 1200000):
                penalty = parse_penalty([{"kind": "fine", "amount": f"{amount}.00"}])
                if not check_penalty(penalty, rules, operator_type, "ordinary", None).within:
                    continue
                if hearing_right(penalty, self.rulebook.hearing, operator_type) == want_hearing:
                    found.append(Decimal(amount))
            self.fine_cache[key] = found
        return self.fine_cache[key]

    def build(self, case_id, unit, visit, codes, violation_ids, target, number, year, sequence) -> _Built:
        rng, g = self.rng, self.g
        place = g.places[visit["premises_id"] - g.first_premises]
        operator_type = place[5]
        snapshot = {"name": place[2], "kind": place[3], "operator_name": place[4], "operator_type": place[5],
                    "credit_code": place[6], "address": place[7], "phone": place[8], "status": place[9]}
        lead, second = visit["lead"], visit["second"]
        filer, reviewer, host = unit["supervisors"][0], unit["supervisors"][1], unit["supervisors"][2]
        clue_on = visit["day"]
        c = SimpleNamespace(
            state=CaseState.CLUE, clue_on=clue_on, filed_on=None, declined_on=None, proposed_on=None,
            reviewed_on=None, notice_served_on=None, decided_on=None, decision_served_on=None, payment_due_on=None,
            settled_on=None, closable_on=None, closed_on=None, published_on=None, withdrawn_on=None, act_on=None,
            proposed_lines=None, proposed_by_id=None, approved_lines=None, approved_by_id=None, decided_lines=None,
            severity=None, illegal_gains=None, hearing_right=False, waived=False, last_step_on=clue_on,
            extensions=[], pauses=[], payments=[], appeals=[], flagged_for_audit=False, want_hearing=False,
        )
        events: list[dict] = []
        payments: list[tuple] = []

        def event(actor, role, action, on, from_state, data, reason=None):
            previous = events[-1] if events else None
            at = _iso_at(_utc(on, rng.randrange(540, 1020)))
            events.append(link({
                "seq": len(events) + 1, "at": at, "on": on.isoformat(), "actor": actor[1], "role": role,
                "action": action, "from_state": from_state, "to_state": c.state.value, "data": data,
                "reason": reason,
            }, previous["hash"] if previous else GENESIS))

        data = {"number": number, "premises_id": visit["premises_id"], "violation_ids": violation_ids}
        if visit["id"] is not None:
            data["inspection_id"] = visit["id"]
        event(lead, "officer", "open", clue_on, None, data)

        def step(action: str, on: date, actor, role: str, to: CaseState | None, data: dict | None = None,
                 reason: str | None = None) -> bool:
            if on > g.today or on < c.last_step_on:
                return False
            data = dict(data or {})
            late = self.lateness(c, action, on)
            if late is not None:
                data["late"] = late
                reason = reason or "Recorded late: workload during the campaign."
                c.flagged_for_audit = True
            from_state = c.state.value
            if to is not None:
                c.state = to
            c.last_step_on = max(c.last_step_on, on)
            event(actor, role, action, on, from_state, data, reason)
            return True

        script = self.script(target, codes, operator_type)
        c.want_hearing = "request_hearing" in script
        for action in script:
            if not self.run_step(action, c, step, lead, second, filer, reviewer, host, payments,
                                 codes, operator_type, case_id):
                break

        # deadlines as the service computes them after the last action
        paused = any(p.ends_on is None for p in c.pauses)
        open_ones = [d for d in deadlines_of(c, g.today)
                     if d.status.value != "met" and not d.hard and not (paused and d.name == "decision")]
        nearest = min(open_ones, key=lambda d: d.due_on, default=None)
        row = (
            case_id, unit["id"], number, year, sequence, visit["premises_id"], visit["id"],
            "12315 hotline: prices raised far above the usual level. (Scale data, invented.)"
            if visit["id"] is None else "",
            clue_on, c.state.value, False, False, c.act_on, False, operator_type, json.dumps(snapshot),
            _json(c.proposed_lines), c.proposed_by_id, _json(c.approved_lines), c.approved_by_id,
            _json(c.decided_lines), c.severity, c.illegal_gains, None, c.flagged_for_audit, c.hearing_right, c.waived,
            c.last_step_on, c.filed_on, c.declined_on, c.proposed_on, c.reviewed_on, c.notice_served_on,
            c.decided_on, c.decision_served_on, c.payment_due_on, c.settled_on, c.closable_on, c.closed_on,
            c.published_on, c.withdrawn_on, nearest.name if nearest else None, nearest.due_on if nearest else None,
            due_soon_from(nearest.starts_on, nearest.due_on) if nearest else None,
            visit["submitted"] + timedelta(hours=1), len(events),
        )
        officers = []
        if visit["id"] is not None:
            for user, inspected in ((lead, True), (second, True)):
                officers.append((g.take_ids("case_officers", 1), case_id, user[0], inspected))
        else:
            for user in (lead, second):
                officers.append((g.take_ids("case_officers", 1), case_id, user[0], False))
        event_rows = []
        for item in events:
            event_rows.append((g.take_ids("case_events", 1), case_id, item["seq"], item["at"], item["on"],
                               item["actor"], item["role"], item["action"], item["from_state"], item["to_state"],
                               json.dumps(item["data"]), item["reason"], item["prev_hash"], item["hash"]))
        pause_rows = [(g.take_ids("case_pauses", 1), case_id, p.kind, p.starts_on, p.ends_on) for p in c.pauses]
        payment_rows = [(g.take_ids("payments", 1), case_id, p[2], p[3], p[4], p[5], p[6]) for p in payments]
        return _Built(row, officers, event_rows, pause_rows, payment_rows)

    def script(self, target: str, codes: list[str], operator_type: str) -> list[str]:
        """The actions that lead to the target state."""
        rng = self.rng
        if target == "clue":
            return []
        if target == "not_filed":
            return ["decline"]
        filed = ["file"]
        if rng.random() < 0.1:
            filed += ["suspend", "resume"]
        if target == "investigating":
            return filed
        if target == "suspended":
            return ["file", "suspend"]
        if target in ("terminated", "transferred"):
            return filed + ["terminate" if target == "terminated" else "transfer"]
        if target == "closed":
            if not codes:
                return filed + [rng.choice(("terminate", "transfer")), "close"]
            ending = rng.choices(("paid", "decline", "terminate"), (85, 8, 7))[0]
            if ending == "decline":
                return ["decline", "close"]
            if ending == "terminate":
                return filed + ["terminate", "close"]
            target = "closed_paid"
        if not codes:  # a complaint without violations goes no further than the investigation
            return filed
        hearing = target in _HEARING_STATES or (target not in ("penalty_proposed", "penalty_approved",
                                                               "notice_served") and rng.random() < 0.08
                                                and bool(self.fines(codes, operator_type, True)))
        path = filed + ["propose"]
        if rng.random() < 0.05:
            path += ["return", "propose"]
        path += ["approve", "serve_notice"]
        if hearing:
            path += ["request_hearing", "hold_hearing"]
        path += ["decide", "serve_decision"]
        if target == "enforcement":
            path += ["apply_enforcement"]
        elif target in ("executed", "closed_paid"):
            path += ["pay_part", "pay_rest"] if rng.random() < 0.2 else ["pay_rest"]
            if target == "closed_paid":
                path += ["close"]
        # cut at the target state
        stop = {"penalty_proposed": "propose", "penalty_approved": "approve", "notice_served": "serve_notice",
                "hearing_requested": "request_hearing", "hearing_held": "hold_hearing", "decided": "decide",
                "decision_served": "serve_decision"}.get(target)
        if stop:
            path = path[: len(path) - path[::-1].index(stop)]
        return path

    def run_step(self, action, c, step, lead, second, filer, reviewer, host, payments, codes,
                 operator_type, case_id) -> bool:
        rng = self.rng
        S = CaseState
        if action == "decline":
            on = self.wd(c.clue_on, 1, 10)
            ok = step("decline", on, filer, "supervisor", S.NOT_FILED, {}, _REASONS["decline"])
            if ok:
                c.declined_on = c.closable_on = on
            return ok
        if action == "file":
            on = self.wd(c.clue_on, 1, 8)
            ok = step("file", on, filer, "supervisor", S.INVESTIGATING,
                      {"officers": [lead[1], second[1]], "act_on": c.clue_on.isoformat(), "harm_to_safety": False})
            if ok:
                c.filed_on, c.act_on = on, c.clue_on
            return ok
        if action == "suspend":
            on = self.wd(c.last_step_on, 3, 12)
            ok = step("suspend", on, filer, "supervisor", S.SUSPENDED, {}, _REASONS["suspend"])
            if ok:
                c.pauses.append(SimpleNamespace(kind="suspension", starts_on=on, ends_on=None))
            return ok
        if action == "resume":
            on = c.last_step_on + timedelta(days=rng.randint(10, 40))
            ok = step("resume", on, filer, "supervisor", S.INVESTIGATING, {}, _REASONS["resume"])
            if ok:
                c.pauses[-1].ends_on = on
            return ok
        if action in ("terminate", "transfer"):
            on = self.wd(c.last_step_on, 5, 25)
            data = {"to": "police"} if action == "transfer" else {}
            ok = step(action, on, filer, "supervisor", S.TERMINATED if action == "terminate" else S.TRANSFERRED,
                      data, _REASONS[action])
            if ok:
                c.closable_on = on
            return ok
        if action == "propose":
            return self._propose(c, step, self.wd(c.last_step_on, 5, 20), lead, codes, operator_type)
        if action == "return":
            on = self.wd(c.last_step_on, 1, 5)
            ok = step("return", on, reviewer, "supervisor", S.INVESTIGATING, {},
                      "Statements from the supplier are missing; complete the file.")
            if ok:
                c.reviewed_on = on
            return ok
        if action == "approve":
            on = self.wd(c.last_step_on, 1, 5)
            ok = step("approve_penalty", on, reviewer, "supervisor", S.PENALTY_APPROVED,
                      {"lines": c.proposed_lines})
            if ok:
                c.approved_lines, c.approved_by_id, c.reviewed_on = c.proposed_lines, reviewer[0], on
            return ok
        if action == "serve_notice":
            on = self.wd(c.last_step_on, 1, 3)
            ok = step("serve_notice", on, lead, "officer", S.NOTICE_SERVED,
                      {"method": "in_person", "hearing_right": c.hearing_right})
            if ok:
                c.notice_served_on = on
            return ok
        if action == "request_hearing":
            on = self.wd(c.notice_served_on, 1, 4)
            ok = step("request_hearing", on, second, "officer", S.HEARING_REQUESTED, {})
            if ok:
                c.pauses.append(SimpleNamespace(kind="hearing", starts_on=on, ends_on=None))
            return ok
        if action == "hold_hearing":
            on = self.wd(c.last_step_on, 5, 10)
            ok = step("hold_hearing", on, lead, "officer", S.HEARING_HELD,
                      {"host": host[1], "report": "The party stated its case; the invoices were read out. "
                                                  "Decision to follow."})
            if ok:
                c.pauses[-1].ends_on = on
            return ok
        if action == "decide":
            waived = rng.random() < 0.2 and c.state is S.NOTICE_SERVED
            if waived:
                on = self.wd(c.last_step_on, 1, 3)
            else:
                statement_end = self.due("statement", c.notice_served_on)
                on = self.wd(max(statement_end, c.last_step_on), 1, 4)
            ok = step("decide", on, reviewer, "supervisor", S.DECIDED, {"waived": waived, "lines": c.approved_lines})
            if ok:
                c.waived, c.decided_lines, c.decided_on = waived, c.approved_lines, on
            return ok
        if action == "serve_decision":
            on = self.wd(c.last_step_on, 1, 5)
            penalty = parse_penalty(c.decided_lines)
            data = {"method": rng.choice(("in_person", "post", "electronic"))}
            target = S.DECISION_SERVED
            due_on = None
            if penalty.money_total > 0:
                due_on = self.due("payment", on)
                data["payment_due_on"] = due_on.isoformat()
            else:
                target = S.EXECUTED
            ok = step("serve_decision", on, second, "officer", target, data)
            if ok:
                c.decision_served_on = on
                if not penalty.warning_only:
                    c.published_on = on
                c.payment_due_on = due_on
                if due_on is None:
                    c.settled_on = c.closable_on = on
            return ok
        if action in ("pay_part", "pay_rest"):
            if c.state is S.EXECUTED:
                return True
            on = c.last_step_on + timedelta(days=rng.randint(1, 6))
            before = self.account(c, on)
            amount = before.due if action == "pay_rest" else _money(before.due / 2)
            receipt = f"Bank transfer {on.strftime('%Y%m%d')}{rng.randint(10000, 99999)}"
            c.payments.append(SimpleNamespace(on=on, amount=amount))
            after = self.account(c, on)
            c.payments.pop()
            target = S.EXECUTED if after.settled else c.state
            ok = step("record_payment", on, lead, "officer", target,
                      {"amount": f"{amount:.2f}", "receipt": receipt, "due": f"{after.due:.2f}"})
            if ok:
                c.payments.append(SimpleNamespace(on=on, amount=amount))
                payments.append((None, None, on, amount, receipt, lead[0], _utc(on, 10 * 60)))
                if after.settled:
                    c.settled_on = c.closable_on = on
            return ok
        if action == "apply_enforcement":
            demand_on = c.payment_due_on + timedelta(days=rng.randint(5, 20))
            lawsuit_end = self.due("lawsuit", c.decision_served_on)
            on = max(self.calendar.add_working_days(demand_on, 10), lawsuit_end + timedelta(days=1))
            on = self.calendar.next_working_day(on + timedelta(days=rng.randint(0, 15)))
            balance = self.account(c, on)
            return step("apply_enforcement", on, filer, "supervisor", S.ENFORCEMENT,
                        {"demand_served_on": demand_on.isoformat(), "due": f"{balance.due:.2f}"})
        if action == "close":
            on = self.wd(c.closable_on or c.last_step_on, 1, 10)
            ok = step("close", on, filer, "supervisor", S.CLOSED, {})
            if ok:
                c.closed_on = on
            return ok
        raise ValueError(action)

    def lateness(self, c, action: str, on: date) -> dict | None:
        """As the service's lateness check: the soft deadline this action meets, when the step comes after it."""
        name = MEETS.get(CaseAction(action))
        if name is None:
            return None
        deadline = next((d for d in deadlines_of(c, on) if d.name == name), None)
        if deadline is None or deadline.met_on is not None or on <= deadline.due_on:
            return None
        return {"deadline": name, "due_on": deadline.due_on.isoformat()}

    def account(self, c, on: date):
        penalty = parse_penalty(c.decided_lines)
        payments = [PaymentIn(p.on, p.amount) for p in c.payments]
        return account(penalty.fine, penalty.confiscation, c.payment_due_on, payments, self.rate, on, ())

    def _propose(self, c, step, on, lead, codes, operator_type) -> bool:
        rng = self.rng
        want_hearing = c.want_hearing
        fines = self.fines(codes, operator_type, want_hearing) or self.fines(codes, operator_type, not want_hearing)
        amount = rng.choice(fines)
        lines = parse_penalty([{"kind": "fine", "amount": f"{amount}.00"}]).to_json()
        rules = [self.rulebook.violation(code).penalty for code in codes]
        penalty = parse_penalty(lines)
        check = check_penalty(penalty, rules, operator_type, "ordinary", None)
        right = hearing_right(penalty, self.rulebook.hearing, operator_type)
        report = "Facts established from the inspection record, invoices and the operator's statement."
        ok = step("propose_penalty", on, lead, "officer", CaseState.PENALTY_PROPOSED, {
            "lines": lines, "severity": "ordinary", "illegal_gains": None, "within_range": check.within,
            "problems": list(check.problems), "hearing_right": right, "report": report,
        })
        if ok:
            c.proposed_lines, c.proposed_by_id, c.proposed_on = lines, lead[0], on
            c.approved_lines = c.approved_by_id = c.reviewed_on = None
            c.severity, c.illegal_gains, c.hearing_right = "ordinary", None, right
        return ok


def _json(value) -> str | None:
    return None if value is None else json.dumps(value)


# ------------------------------------------------------------------------------------------ entry point


def seed_scale(inspections: int, seed: int = 1, units: int | None = None, today: date | None = None,
               years: int = 4, progress: Callable[[str], None] | None = None) -> ScaleReport:
    """Load a realistic data set of ``inspections`` inspections in bulk into an empty database.

    :param units: how many units (default one per 50,000 inspections, at least 3).
    :param today: the last day of the data (default the business clock's today); inspections spread over the
        ``years`` before it.
    :param progress: called with a line of text after each batch.
    """
    if isinstance(inspections, bool) or not isinstance(inspections, int) or not 1 <= inspections <= MAX_INSPECTIONS:
        raise Invalid.field("inspections", _("Give a number of inspections from 1 to %(most)s.",
                                              most=format_decimal(MAX_INSPECTIONS)))
    if units is None:
        units = max(3, math.ceil(inspections / INSPECTIONS_PER_UNIT))
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= 99:
        raise Invalid.field("units", _("Give a number of units from 1 to 99."))
    if not 1 <= years <= 20:
        raise Invalid.field("years", _("Give a number of years from 1 to 20."))
    if db.session.scalar(sa.select(Inspection.id).limit(1)) is not None:
        raise Conflict(_("The database already holds inspections: seed-scale loads only into an empty database "
                         "(create and migrate a new one first)."))
    today = today or clock.today(TIMEZONE)
    generator = _Generator(inspections, seed, units, today, years, progress)
    try:
        return generator.run()
    except Exception:
        db.session.rollback()
        raise
