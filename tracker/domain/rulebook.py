"""The rulebook as data: one TOML file per jurisdiction, parsed and validated into frozen dataclasses.

Human texts (names, titles, legal bases, descriptions, notes, checklist items, units of sale) are ``Localised``:
English in the key itself (``title = "..."``), each other language in the key with the locale appended
(``title_zh_CN = "..."``). A rulebook that gives one text in a language must give every text in it.
"""
from __future__ import annotations

import re

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from tracker.domain.calendar import RulebookError, WorkingCalendar, load_calendar  # RulebookError is re-exported
from tracker.domain.money import to_decimal
from tracker.domain.text import Localised
from tracker.domain.vocabulary import OperatorType

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "rulebooks"
OPERATOR_TYPES = tuple(member.value for member in OperatorType)
SEVERITIES = ("ordinary", "heavier", "serious")
SANCTIONS = frozenset({"suspension", "closure", "licence_revocation"})
DEADLINE_UNITS = ("working", "calendar", "months")
# The deadlines the case workflow looks up by name; a rulebook may define more.
DEADLINE_NAMES = (
    "filing", "review", "statement", "hearing_request", "decision", "decision_service", "payment", "closing",
    "publication", "reconsideration", "lawsuit", "simplified_filing", "enforcement_demand", "withdrawal",
)
GOUGING_TESTS = ("baseline_margin", "margin_cap", "cost_unchanged", "fees_raised", "bundling", "price_increase")
MARKING_TESTS = ("unmarked_price", "above_marked_price")  # always applied, never switched off
MARGIN_BASES = ("cost",)
# The languages a rulebook may give its texts in besides English (the key suffix: title_zh_CN).
TEXT_LOCALES = ("zh_CN",)


# --------------------------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: Localised


@dataclass(frozen=True, slots=True)
class Commodity:
    code: str
    name: Localised
    category: str
    unit: Localised


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    code: str
    text: Localised


@dataclass(frozen=True, slots=True)
class FineRange:
    minimum: Decimal
    maximum: Decimal

    def __contains__(self, amount: Decimal) -> bool:
        """True when the amount lies within the range, bounds included."""
        return self.minimum <= amount <= self.maximum


@dataclass(frozen=True, slots=True)
class PenaltyBand:
    """What may be imposed for one operator type and severity when there are no illegal gains."""

    fine: FineRange | None
    sanctions: frozenset[str] = frozenset()
    warning: bool = False


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    """The penalty of one violation code (DOMAIN.md §5).

    With illegal gains: confiscate them (``confiscate_gains``), and fine between ``gains_fine_min_multiple`` and
    ``gains_fine_multiple`` times the gains, or within the fixed ``gains_fine`` range; ``gains_sanctions`` may be
    added (closure). Without gains (unknown gains count as none): the band for (operator type, severity).
    """

    confiscate_gains: bool
    gains_fine_multiple: Decimal | None
    gains_fine_min_multiple: Decimal | None
    gains_fine: FineRange | None
    gains_sanctions: frozenset[str]
    bands: Mapping[tuple[str, str], PenaltyBand]
    note: Localised = Localised("")

    def band(self, operator_type: str, severity: str = "ordinary") -> PenaltyBand:
        """The no-gains band for an operator type and severity (KeyError if either is unknown)."""
        return self.bands[(operator_type, severity)]

    def fine_range(self, operator_type: str, severity: str = "ordinary") -> FineRange | None:
        """The fixed fine range without illegal gains, or None when no fine is provided."""
        return self.band(operator_type, severity).fine

    def gains_fine_range(self, gains: Decimal) -> FineRange | None:
        """The fine range where there are illegal gains (multiples of the gains, or the fixed range)."""
        if self.gains_fine_multiple is not None:
            return FineRange(gains * (self.gains_fine_min_multiple or 0), gains * self.gains_fine_multiple)
        return self.gains_fine

    def sanctions_allowed(
        self, operator_type: str, severity: str = "ordinary", with_gains: bool = False
    ) -> frozenset[str]:
        """The sanctions (suspension, closure, licence revocation) that may be imposed."""
        return self.gains_sanctions if with_gains else self.band(operator_type, severity).sanctions


@dataclass(frozen=True, slots=True)
class ViolationCode:
    code: str
    title: Localised
    legal_basis: Localised
    description: Localised
    penalty: PenaltyRule


@dataclass(frozen=True, slots=True)
class PriceTestRules:
    """Which gouging tests run and their thresholds (rates as Decimal fractions: 0.35 = 35 %)."""

    enabled: frozenset[str]
    margin_basis: str = "cost"
    baseline_tolerance: Decimal = Decimal("0")
    margin_cap: Decimal | None = Decimal("0.35")
    cost_epsilon: Decimal = Decimal("0.05")
    price_rise: Decimal = Decimal("0.10")
    price_increase_limit: Decimal | None = None
    new_goods_cost_limit: Decimal | None = None
    window_days: int | None = None

    def enables(self, test: str) -> bool:
        """True when the gouging test is switched on in this rulebook."""
        return test in self.enabled


@dataclass(frozen=True, slots=True)
class HearingRule:
    individual_threshold: Decimal
    organisation_threshold: Decimal
    sanctions: frozenset[str]

    def threshold(self, operator_type: str) -> Decimal:
        """The amount from which a fine or confiscation gives a hearing right."""
        return self.individual_threshold if operator_type == OperatorType.INDIVIDUAL else self.organisation_threshold

    def gives_right(self, operator_type: str, amount: Decimal, sanctions: Iterable[str] = ()) -> bool:
        """True when a proposed penalty (money amount and sanctions) gives the party a hearing right."""
        return bool(self.sanctions & set(sanctions)) or amount >= self.threshold(operator_type)


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    name: str
    days: int
    unit: str  # 'working' | 'calendar' | 'months'
    from_event: str
    extension_days: int | None = None
    hard: bool = False  # a party's window: a late step is refused (soft agency deadlines only show overdue)

    def due(self, start: date, calendar: WorkingCalendar, extended: bool = False) -> date:
        """The due date counted from the event date, with the approved extension when extended."""
        length = self.days + ((self.extension_days or 0) if extended else 0)
        if self.unit == "working":
            return calendar.add_working_days(start, length)
        if self.unit == "calendar":
            return calendar.add_calendar_days(start, length)
        return calendar.add_months(start, length)


# The complaint deadlines (DOMAIN.md §11) the complaint workflow looks up by name.
COMPLAINT_DEADLINE_NAMES = ("triage_complaint", "triage_report", "mediation", "reply", "transfer")
RATE_LIMIT_PATTERN = re.compile(r"^[1-9][0-9]{0,5} per (second|minute|hour|day)$")


@dataclass(frozen=True, slots=True)
class ComplaintRules:
    """Complaints and reports from the public (DOMAIN.md §11): time limits, duplicates, price check, intake limit."""

    deadlines: Mapping[str, DeadlineRule]
    duplicate_window_days: int = 30  # an earlier open one within this many days (by receipt date) is offered
    priority_threshold: Decimal = Decimal("0.50")  # high priority when the price exceeds the basis by more than this
    recent_prices_days: int = 30  # the recent median counts observations in this many days up to the date seen
    intake_limit: str = "20 per hour"  # public intake per address (Flask-Limiter notation)

    def deadline(self, name: str) -> DeadlineRule:
        """The complaint deadline rule with this name (KeyError if unknown)."""
        return self.deadlines[name]


def default_complaint_rules() -> ComplaintRules:
    """The time limits of DOMAIN.md §11, for a rulebook without a [complaints] table."""
    rules = {
        "triage_complaint": DeadlineRule("triage_complaint", 7, "working", "received"),
        "triage_report": DeadlineRule("triage_report", 15, "working", "received", extension_days=15),
        "mediation": DeadlineRule("mediation", 45, "working", "accepted"),
        "reply": DeadlineRule("reply", 5, "working", "decided"),
        "transfer": DeadlineRule("transfer", 3, "working", "received"),
    }
    return ComplaintRules(deadlines=MappingProxyType(rules))


@dataclass(frozen=True, slots=True)
class Publication:
    """How long a published decision stays in the public register (DOMAIN.md §8)."""

    years: int
    minor_months: int
    # A decision of fines only, totalling at most these amounts, is minor: published for minor_months.
    minor_individual_max_fine: Decimal
    minor_organisation_max_fine: Decimal


@dataclass(frozen=True)
class Redaction:
    """What of a natural person the public register never shows (DOMAIN.md §8).

    ``kinds`` names the personal data masked; ``patterns`` find those kinds inside any published text
    (a stall named after its keeper's phone number, an address in a name); ``mask`` replaces them."""

    kinds: tuple[str, ...]
    mask: str
    patterns: Mapping[str, re.Pattern[str]]


@dataclass(frozen=True, slots=True)
class InspectionRules:
    """What inspections feed into: the checklist item that confirms a closure, and the violation a flag suggests."""

    closure_obeyed_item: str | None  # a follow-up answering "yes" records the premises closed; None: not tracked
    suggest_for_marking: str  # suggested when only the marking tests flagged an observation
    suggest_for_gouging: str  # suggested for any other flag

    def suggested_violation(self, flag_tests: Iterable[str]) -> str:
        """The violation code a flagged observation points to."""
        tests = set(flag_tests)
        return self.suggest_for_marking if tests and tests <= set(MARKING_TESTS) else self.suggest_for_gouging


@dataclass(frozen=True, slots=True)
class EvidenceRules:
    """When a photo's capture is flagged (DOMAIN.md §13): taken more than ``max_minutes_outside`` minutes before the
    inspection began or after the server received it, or more than ``max_distance_m`` metres from the premises."""

    max_minutes_outside: int
    max_distance_m: int


@dataclass(frozen=True, slots=True)
class RiskRule:
    """Inspection planning: a transparent score per premises, and who counts as a repeat offender."""

    window_months: int
    repeat_offender_violations: int
    points_per_violation: int
    points_per_flagged_observation: int
    points_per_month_uninspected: int
    max_months_uninspected: int
    never_inspected_points: int


@dataclass(frozen=True, slots=True)
class SimplifiedRule:
    """Simplified (on-the-spot) procedure: a warning or a fine of at most these amounts."""

    individual_max_fine: Decimal
    organisation_max_fine: Decimal


@dataclass(frozen=True)
class Rulebook:
    id: str
    version: str
    name: Localised
    jurisdiction: str
    currency: str
    timezone: str
    categories: Mapping[str, Category]
    commodities: Mapping[str, Commodity]
    violations: Mapping[str, ViolationCode]
    checklist: tuple[ChecklistItem, ...]
    price_tests: PriceTestRules
    hearing: HearingRule
    deadlines: Mapping[str, DeadlineRule]
    limitation_years: int
    limitation_years_harm: int
    publication: Publication
    simplified: SimplifiedRule | None
    late_payment_daily_rate: Decimal | None
    redaction: Redaction
    risk: RiskRule
    inspections: InspectionRules
    evidence: EvidenceRules
    calendar: WorkingCalendar = field(repr=False)
    source: Path | None = field(default=None, repr=False, compare=False)
    languages: tuple[str, ...] = ("en",)  # the languages every human text is given in
    complaints: ComplaintRules = field(default_factory=default_complaint_rules)

    @property
    def label(self) -> str:
        """'id@version', stored with every computed finding."""
        return f"{self.id}@{self.version}"

    def commodity(self, code: str) -> Commodity:
        """The commodity with this code (KeyError if unknown)."""
        return self.commodities[code]

    def violation(self, code: str) -> ViolationCode:
        """The violation code with this code (KeyError if unknown)."""
        return self.violations[code]

    def recorded_legal_basis(self, code: str, recorded: str | None) -> str:
        """A violation's legal basis as it was recorded, shown in the reader's language when what was recorded
        is this rulebook's text (a record made under another wording keeps its own words)."""
        rule = self.violations.get(code)
        if rule is not None and (not recorded or getattr(rule.legal_basis, "english", rule.legal_basis) == recorded):
            return rule.legal_basis
        return recorded or ""

    def deadline(self, name: str) -> DeadlineRule:
        """The deadline rule with this name (KeyError if unknown)."""
        return self.deadlines[name]

    def due_date(self, name: str, start: date, extended: bool = False) -> date:
        """The due date of a named deadline counted from its event date on this rulebook's calendar."""
        return self.deadlines[name].due(start, self.calendar, extended)


# --------------------------------------------------------------------------------------------- parsing

_REQUIRED: Any = object()
_MISSING: Any = object()


class _Table:
    """One TOML table being read: typed getters that raise RulebookError naming file and entry; flags unknown keys."""

    def __init__(self, file: str, where: str, data: object, locales: tuple[str, ...] = ()):
        self.file, self.where = file, where
        if not isinstance(data, dict):
            self.fail("expected a table")
        self.data: dict = data
        self.used: set[str] = set()
        self.locales = locales  # the languages besides English that every text must be given in

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        """Raise RulebookError for this table (or one of its keys)."""
        where = ".".join(part for part in (self.where, key) if part)
        raise RulebookError(f"{self.file}: {where}: {message}" if where else f"{self.file}: {message}")

    def _get(self, key: str, default: Any) -> Any:
        """The raw value, or _MISSING when absent and optional; absent and required is an error."""
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is _REQUIRED:
            self.fail(f"missing required key '{key}'")
        return _MISSING

    def text(self, key: str, default: Any = _REQUIRED) -> str:
        """A non-empty string."""
        value = self._get(key, default)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(f"expected a non-empty string, got {value!r}", key)
        return value.strip()

    def localised(self, key: str, default: Any = _REQUIRED) -> Localised:
        """A human text: English in ``key``, each of the rulebook's other languages in ``key_<locale>``."""
        english = self.text(key, default)
        texts = {"en": english}
        for locale in self.locales:
            translated = self.text(f"{key}_{locale}", None)
            if translated is None and english:
                self.fail(f"missing '{key}_{locale}': this rulebook gives texts in {locale}, so every text needs one")
            if translated is not None and not english:
                self.fail(f"'{key}_{locale}' is given without '{key}'", f"{key}_{locale}")
            texts[locale] = translated or ""
        return Localised(texts)

    def choice(self, key: str, allowed: Iterable[str], what: str, default: Any = _REQUIRED) -> str:
        """A string from a fixed list."""
        value = self.text(key, default)
        self.check_allowed(key, (value,), allowed, what)
        return value

    def whole(self, key: str, default: Any = _REQUIRED) -> int:
        """A non-negative integer."""
        value = self._get(key, default)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"expected a whole number, got {value!r}", key)
        if value < 0:
            self.fail(f"must not be negative, got {value}", key)
        return value

    def flag(self, key: str, default: Any = _REQUIRED) -> bool:
        """true or false."""
        value = self._get(key, default)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.fail(f"expected true or false, got {value!r}", key)
        return value

    def decimal(self, key: str, default: Any = _REQUIRED) -> Decimal:
        """A non-negative exact number, written as a string ("0.35", "50000") or an integer, never a TOML float."""
        value = self._get(key, default)
        if value is _MISSING:
            return default
        if isinstance(value, float):
            self.fail(f"{value!r} is a TOML float; write money and rates as strings, e.g. \"{value}\"", key)
        try:
            number = to_decimal(value)
        except ValueError:
            self.fail(f"expected a number (a string such as \"50000\" or an integer), got {value!r}", key)
        if number < 0:
            self.fail(f"must not be negative, got {value!r}", key)
        return number

    def texts(self, key: str, default: Any = _REQUIRED) -> tuple[str, ...]:
        """A list of non-empty strings without duplicates."""
        value = self._get(key, default)
        if value is _MISSING:
            return tuple(default)
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.fail(f"expected a list of strings, got {value!r}", key)
        if len(set(value)) != len(value):
            self.fail("lists an entry twice", key)
        return tuple(value)

    def choices(self, key: str, allowed: Iterable[str], what: str, default: Any = ()) -> frozenset[str]:
        """A list of strings from a fixed list."""
        values = self.texts(key, default)
        self.check_allowed(key, values, allowed, what)
        return frozenset(values)

    def check_allowed(self, key: str | None, values: Iterable[str], allowed: Iterable[str], what: str) -> None:
        """Fail on the first value that is not allowed."""
        allowed = tuple(allowed)
        for value in values:
            if value not in allowed:
                self.fail(f"unknown {what} '{value}' (expected one of {', '.join(sorted(allowed))})", key)

    def table(self, key: str, default: Any = _REQUIRED) -> _Table | None:
        """A sub-table."""
        value = self._get(key, default)
        if value is _MISSING:
            return default
        return _Table(self.file, ".".join(part for part in (self.where, key) if part), value, self.locales)

    def tables(self, key: str) -> list[_Table]:
        """A non-empty array of tables, each with a unique 'code' that names it in errors."""
        value = self._get(key, _REQUIRED)
        if not isinstance(value, list) or not value:
            self.fail("expected a non-empty array of tables ([[...]])", key)
        seen: set[str] = set()
        result = []
        for index, item in enumerate(value):
            entry = _Table(self.file, f"{key}[{index}]", item, self.locales)
            code = entry.text("code")
            entry.where = f"{key}[{index}] '{code}'"
            if code in seen:
                entry.fail(f"duplicate code '{code}'")
            seen.add(code)
            result.append(entry)
        return result

    def fine_range(self, key: str, default: Any = _REQUIRED) -> FineRange | None:
        """A {min, max} table (min defaults to 0) with min <= max."""
        sub = self.table(key, default)
        if sub is None:
            return None
        minimum, maximum = sub.decimal("min", Decimal(0)), sub.decimal("max")
        sub.done()
        if minimum > maximum:
            sub.fail(f"min {minimum} is greater than max {maximum}")
        return FineRange(minimum, maximum)

    def done(self) -> None:
        """Reject keys nobody read (usually typos)."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            self.fail(f"unknown key '{unknown[0]}'")


def _frozen(mapping: dict) -> Mapping:
    """A read-only view of a dict."""
    return MappingProxyType(mapping)


def _parse_penalty(entry: _Table) -> PenaltyRule:
    """[violations.penalty]: gains rule plus [penalty.no_gains.<operator type>.<severity>] bands."""
    table = entry.table("penalty")
    max_multiple = table.decimal("gains_fine_multiple", None)
    min_multiple = table.decimal("gains_fine_min_multiple", None)
    if min_multiple is not None and (max_multiple is None or min_multiple > max_multiple):
        table.fail("gains_fine_min_multiple needs a gains_fine_multiple at least as large")
    no_gains = table.table("no_gains")
    bands: dict[tuple[str, str], PenaltyBand] = {}
    no_gains.check_allowed(None, sorted(no_gains.data), OPERATOR_TYPES, "operator type")
    for operator_type in OPERATOR_TYPES:
        by_severity = no_gains.table(operator_type)
        by_severity.check_allowed(None, sorted(by_severity.data), SEVERITIES, "severity")
        previous = None
        for severity in SEVERITIES:  # a missing severity takes the one below it (DOMAIN.md §5)
            band_table = by_severity.table(severity, None if previous else _REQUIRED)
            if band_table is None:
                bands[(operator_type, severity)] = previous
                continue
            band = PenaltyBand(
                fine=band_table.fine_range("fine", None),
                sanctions=band_table.choices("sanctions", SANCTIONS, "sanction"),
                warning=band_table.flag("warning", False),
            )
            band_table.done()
            bands[(operator_type, severity)] = previous = band
        by_severity.done()
    rule = PenaltyRule(
        confiscate_gains=table.flag("confiscate_gains"),
        gains_fine_multiple=max_multiple,
        gains_fine_min_multiple=min_multiple,
        gains_fine=table.fine_range("gains_fine", None),
        gains_sanctions=table.choices("gains_sanctions", SANCTIONS, "sanction"),
        bands=_frozen(bands),
        note=table.localised("note", ""),
    )
    if rule.gains_fine_multiple is not None and rule.gains_fine is not None:
        table.fail("give either gains_fine_multiple or gains_fine, not both")
    table.done()
    return rule


def _parse_price_tests(table: _Table) -> PriceTestRules:
    """[price_tests]: enabled gouging tests and their thresholds, checked for consistency."""
    rules = PriceTestRules(
        enabled=table.choices("enabled", GOUGING_TESTS, "price test", _REQUIRED),
        margin_basis=table.choice("margin_basis", MARGIN_BASES, "margin basis", "cost"),
        baseline_tolerance=table.decimal("baseline_tolerance", Decimal(0)),
        margin_cap=table.decimal("margin_cap", None),
        cost_epsilon=table.decimal("cost_epsilon", Decimal("0.05")),
        price_rise=table.decimal("price_rise", Decimal("0.10")),
        price_increase_limit=table.decimal("price_increase_limit", None),
        new_goods_cost_limit=table.decimal("new_goods_cost_limit", None),
        window_days=table.whole("window_days", None),
    )
    if rules.enables("margin_cap") and rules.margin_cap is None:
        table.fail("the margin_cap test is enabled but no margin_cap is set")
    if rules.enables("price_increase") and rules.price_increase_limit is None:
        table.fail("the price_increase test is enabled but no price_increase_limit is set")
    table.done()
    return rules


def _parse_deadlines(table: _Table, required: tuple[str, ...] = DEADLINE_NAMES) -> dict[str, DeadlineRule]:
    """[deadlines.<name>] tables."""
    deadlines = {}
    for name in table.data:
        entry = table.table(name)
        deadlines[name] = DeadlineRule(
            name=name,
            days=entry.whole("days"),
            unit=entry.choice("unit", DEADLINE_UNITS, "deadline unit"),
            from_event=entry.text("from"),
            extension_days=entry.whole("extension", None),
            hard=entry.flag("hard", False),
        )
        entry.done()
    for name in required:
        if name not in deadlines:
            table.fail(f"missing required deadline '{name}'")
    return deadlines


def _parse_complaints(table: _Table | None) -> ComplaintRules:
    """[complaints] and its [complaints.deadlines.<name>] tables (DOMAIN.md §11); defaults when absent."""
    if table is None:
        return default_complaint_rules()
    deadlines = _parse_deadlines(table.table("deadlines"), COMPLAINT_DEADLINE_NAMES)
    for name, rule in deadlines.items():
        if rule.hard:
            table.fail("the complaint deadlines are the agency's own: soft, never hard", f"deadlines.{name}")
        if rule.days < 1:
            table.fail("must be at least 1 day", f"deadlines.{name}.days")
    rules = ComplaintRules(
        deadlines=_frozen(deadlines),
        duplicate_window_days=table.whole("duplicate_window_days"),
        priority_threshold=table.decimal("priority_threshold"),
        recent_prices_days=table.whole("recent_prices_days"),
        intake_limit=table.text("intake_limit"),
    )
    if rules.duplicate_window_days < 1 or rules.recent_prices_days < 1:
        table.fail("duplicate_window_days and recent_prices_days must be at least 1")
    if not RATE_LIMIT_PATTERN.match(rules.intake_limit):
        table.fail("write it as 'N per hour' (or per second, minute, day), e.g. \"20 per hour\"", "intake_limit")
    table.done()
    return rules


def _offered_locales(data: object) -> tuple[str, ...]:
    """The languages (of TEXT_LOCALES) the rulebook gives any text in: a key ending in _<locale> anywhere."""
    found: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                found.update(locale for locale in TEXT_LOCALES if str(key).endswith(f"_{locale}"))
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return tuple(locale for locale in TEXT_LOCALES if locale in found)


def _parse(path: Path, data: dict) -> Rulebook:
    """Build and validate a Rulebook from parsed TOML."""
    locales = _offered_locales(data)
    root = _Table(path.name, "", data, locales)
    head = root.table("rulebook")
    calendar_name = head.text("calendar")
    calendar_path = path.parent / calendar_name
    if not calendar_path.is_file():
        head.fail(f"calendar file '{calendar_name}' not found", "calendar")

    categories = {}
    for entry in root.tables("categories"):
        code = entry.text("code")
        categories[code] = Category(code, entry.localised("name"))
        entry.done()

    commodities = {}
    for entry in root.tables("commodities"):
        category = entry.text("category")
        if category not in categories:
            entry.fail(f"unknown category '{category}'")
        code = entry.text("code")
        commodities[code] = Commodity(code, entry.localised("name"), category, entry.localised("unit"))
        entry.done()

    violations = {}
    for entry in root.tables("violations"):
        code = entry.text("code")
        violations[code] = ViolationCode(
            code, entry.localised("title"), entry.localised("legal_basis"), entry.localised("description"),
            _parse_penalty(entry),
        )
        entry.done()

    checklist = []
    for entry in root.tables("checklist"):
        checklist.append(ChecklistItem(entry.text("code"), entry.localised("text")))
        entry.done()

    hearing_table = root.table("hearing")
    hearing = HearingRule(
        individual_threshold=hearing_table.decimal("individual_threshold"),
        organisation_threshold=hearing_table.decimal("organisation_threshold"),
        sanctions=hearing_table.choices("sanctions", SANCTIONS, "sanction"),
    )
    hearing_table.done()

    publication_table = root.table("publication")
    publication = Publication(
        publication_table.whole("years"),
        publication_table.whole("minor_months"),
        publication_table.decimal("minor_individual_max_fine"),
        publication_table.decimal("minor_organisation_max_fine"),
    )
    publication_table.done()

    redaction = _parse_redaction(root.table("redaction"))

    inspections_table = root.table("inspections")
    inspection_rules = InspectionRules(
        inspections_table.text("closure_obeyed_item", None),
        inspections_table.text("suggest_for_marking"),
        inspections_table.text("suggest_for_gouging"),
    )
    if inspection_rules.closure_obeyed_item not in (None, *(item.code for item in checklist)):
        inspections_table.fail("not a checklist item", "closure_obeyed_item")
    for key in ("suggest_for_marking", "suggest_for_gouging"):
        if getattr(inspection_rules, key) not in violations:
            inspections_table.fail("not a violation code of this rulebook", key)
    inspections_table.done()

    evidence_table = root.table("evidence")
    evidence_rules = EvidenceRules(
        evidence_table.whole("max_minutes_outside"), evidence_table.whole("max_distance_m")
    )
    if evidence_rules.max_minutes_outside < 1 or evidence_rules.max_distance_m < 1:
        evidence_table.fail("max_minutes_outside and max_distance_m must be at least 1")
    evidence_table.done()

    risk_table = root.table("risk")
    risk = RiskRule(**{name: risk_table.whole(name) for name in RiskRule.__slots__})
    if risk.repeat_offender_violations < 1 or risk.window_months < 1:
        risk_table.fail("window_months and repeat_offender_violations must be at least 1")
    risk_table.done()

    simplified_table = root.table("simplified", None)
    simplified = None
    if simplified_table is not None:
        simplified = SimplifiedRule(
            simplified_table.decimal("individual_max_fine"), simplified_table.decimal("organisation_max_fine")
        )
        simplified_table.done()

    rulebook = Rulebook(
        id=head.text("id"),
        version=head.text("version"),
        name=head.localised("name"),
        jurisdiction=head.text("jurisdiction"),
        currency=head.text("currency"),
        timezone=head.text("timezone"),
        categories=_frozen(categories),
        commodities=_frozen(commodities),
        violations=_frozen(violations),
        checklist=tuple(checklist),
        price_tests=_parse_price_tests(root.table("price_tests")),
        hearing=hearing,
        deadlines=_frozen(_parse_deadlines(root.table("deadlines"))),
        limitation_years=head.whole("limitation_years"),
        limitation_years_harm=head.whole("limitation_years_harm"),
        publication=publication,
        simplified=simplified,
        late_payment_daily_rate=head.decimal("late_payment_daily_rate", None),
        redaction=redaction,
        risk=risk,
        inspections=inspection_rules,
        evidence=evidence_rules,
        calendar=load_calendar(calendar_path),
        source=path,
        languages=("en", *locales),
        complaints=_parse_complaints(root.table("complaints", None)),
    )
    if rulebook.limitation_years_harm < rulebook.limitation_years:
        head.fail("limitation_years_harm must not be shorter than limitation_years")
    head.done()
    root.done()
    return rulebook


REDACTION_KINDS = ("id_number", "home_address", "phone", "bank_account")


def _parse_redaction(table: _Table) -> Redaction:
    kinds = table.choices("kinds", REDACTION_KINDS, "kind of personal data")
    patterns_table = table.table("patterns", None)
    patterns: dict[str, re.Pattern[str]] = {}
    if patterns_table is not None:
        for kind in list(patterns_table.data):
            if kind not in kinds:
                patterns_table.fail("no such kind in redaction.kinds", kind)
            try:
                patterns[kind] = re.compile(patterns_table.text(kind))
            except re.error as exc:
                patterns_table.fail(f"not a regular expression: {exc}", kind)
        patterns_table.done()
    redaction = Redaction(
        tuple(kind for kind in REDACTION_KINDS if kind in kinds), table.text("mask", "**"), _frozen(patterns)
    )
    table.done()
    return redaction


def load_rulebook(path: str | Path) -> Rulebook:
    """Parse and validate a rulebook TOML file; any problem raises RulebookError naming the file and entry."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RulebookError(f"{path.name}: rulebook file not found at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{path.name}: not valid TOML: {exc}") from None
    return _parse(path, data)


def available_rulebooks() -> list[str]:
    """The short names of the bundled rulebooks."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def rulebook_path(name: str | Path) -> Path:
    """The bundled file for a short name ('cn-samr', 'us-ca'), or the given path to a rulebook file."""
    candidate = Path(name)
    if candidate.suffix == ".toml" or len(candidate.parts) > 1:
        if not candidate.is_file():
            raise RulebookError(f"{candidate.name}: rulebook file not found at {candidate}")
        return candidate
    bundled = BUNDLED_DIR / f"{name}.toml"
    if not bundled.is_file():
        raise RulebookError(f"unknown rulebook '{name}' (bundled: {', '.join(available_rulebooks())})")
    return bundled
