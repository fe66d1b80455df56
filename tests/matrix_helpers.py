"""The authorization matrix: a world with records in two units, a table that fills every URL
parameter from it, and the expected answer of each role, derived from the route's declaration.

Used by tests/web/test_authorization_matrix.py (signed-in browser clients) and
tests/api/test_api_authorization_matrix.py (bearer tokens). A route whose parameters the table
cannot fill fails those tests, so a new route cannot slip by unchecked.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import zipfile
from contextlib import contextmanager
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from types import SimpleNamespace
from typing import Callable
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from tests.cases_helpers import TODAY, CaseWorld
from tests.conftest import BrowserClient, _clear, make_config
from tests.factories import County, emergency, inspection, premises, user
from tracker.domain.complaints import ComplaintAction
from tracker.domain.lifecycle import CaseAction
from tracker.domain.vocabulary import Role
from tracker import create_app
from tracker.extensions import db
from tracker.services import complaints as complaint_service, evidence as evidence_service
from tracker.services import inspections as inspection_service
from tracker.services.cases import open_case
from tracker.services.conflicts import raise_conflict
from tracker.services.tokens import issue_token
from tracker.web.access import PUBLIC, SIGNED_IN

# Distinctive text in the other unit's records (and people): it must never reach officers or
# supervisors of the first unit, nor anonymous visitors, nor administrators.
OTHER_MARKER = "Qzxleak"
OTHER_PEOPLE = "Qzxperson"
# Text in the first unit's unpublished records: never shown to administrators or anonymous visitors.
OWN_MARKER = "Qzxprivate"

ABSENT_ID = 2_000_000_000  # no record has this id
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXEMPT = {"static", "bootstrap.static"}
ROLES = ("anonymous", "officer", "supervisor", "auditor", "admin")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
READ_METHODS = {"GET"}
# Volatile bookkeeping columns a refused request may touch (a token's or an account's last use).
VOLATILE_COLUMNS = {"last_login_at", "last_used_at"}

# Scopes of a URL parameter: whose record its value names.
UNIT = "unit"  # a record of a unit: officers and supervisors of another unit get 404
OWNER = "owner"  # a record of one account (an API token): anyone else gets 404
GLOBAL = "global"  # a record administrators manage in every unit (an account)
CHOICE = "choice"  # one of a fixed set of words (an action, a dataset, a file format)


class _Side(CaseWorld):
    """One unit's people, so that CaseWorld.to_state drives a case of any unit (records: ``_build_side``)."""

    def __init__(self, **people):  # not CaseWorld.__init__: that builds the first unit's world
        self.__dict__.update(people)


@dataclass
class Side:
    """The records of one unit that fill URL parameters."""

    code: str
    premises: object = None
    draft: object = None
    evidence: object = None
    referred: object = None
    violation: object = None
    case: object = None
    clue: object = None
    spare: object = None
    conflict: object = None
    complaint: object = None  # a report about the premises, with its person (issue 18)
    tracking_code: str = ""
    officer: object = None
    officer2: object = None
    tokens: dict = field(default_factory=dict)


def _build_side(people: _Side, outbreak, marker: str, code: str, served: bool) -> Side:
    side = Side(code=code, officer=people.officer, officer2=people.officer2)
    # The first unit's decision is published (with the premises' name): its marker stays in unpublished text.
    label = marker if not served else "Kangjian"
    side.premises = premises(people.officer, name=f"{label} Pharmacy {code}", operator_name=f"{label} Trading",
                             address=f"{label} Road 1")
    # A draft inspection with a price and a photo: the target of the inspection forms.
    side.draft = inspection(people.officer, people.officer2, side.premises, outbreak, notes=f"{marker} draft notes",
                            started_at=datetime(2020, 2, 6, 2, 0, tzinfo=timezone.utc))
    inspection_service.record_observation(
        people.officer, side.draft, inspection_service.ObservationData("mask_n95", "2.00", marked_price="2.00"))
    side.evidence = evidence_service.attach_evidence(
        people.officer, side.draft, io.BytesIO(PNG), f"{marker}-shelf.png", f"{marker} shelf photo")
    # A referred mask-gouging inspection whose case goes to ``decided`` (``served``: then served and part paid).
    people.inspection = side.referred = inspection(
        people.officer, people.officer2, side.premises, outbreak, notes=f"{marker} referred notes",
        started_at=datetime(2020, 2, 5, 2, 30, tzinfo=timezone.utc))
    obs = inspection_service.record_observation(
        people.officer, side.referred,
        inspection_service.ObservationData("mask_n95", "3.50", marked_price="3.50", cost="1.20",
                                           baseline_price="1.20", baseline_cost="1.00", quantity_sold="1000"))
    side.violation = inspection_service.record_violation(
        people.officer, side.referred, "price_gouging", [obs.id], description=f"{marker} violation")
    inspection_service.submit_inspection(people.officer, side.referred, "referred")
    side.case = people.to_state("decided")
    if served:
        people.act(people.officer, side.case, "serve_decision", on="2020-03-16", method="in_person")
        people.act(people.officer, side.case, "record_payment", on="2020-03-31", amount="1000.00", receipt="R-1")
    side.clue = open_case(people.officer, premises_id=side.premises.id, complaint=f"{marker} complaint",
                          received_on=date(2020, 3, 1), today=TODAY)
    # A report about the premises, recorded by an officer, with its person (confidential).
    intake = complaint_service.file_complaint(people.officer, {
        "kind": "report", "premises_id": side.premises.id, "received_on": date(2020, 3, 2),
        "description": f"{marker} report of mask prices", "person": {"name": f"{marker} caller", "phone": ""}})
    side.complaint, side.tracking_code = intake.complaint, intake.tracking_code
    # A device's change to the premises that could not be merged: the target of the conflict pages.
    side.conflict = raise_conflict(people.officer, "premises", side.premises.id, side.premises.unit_id,
                                   device={"phone": f"{marker} phone"}, server={"phone": ""}, fields=["phone"],
                                   base_version=1, server_version=2)
    db.session.commit()
    return side


class MatrixWorld(County):
    """Two units with every kind of record a URL names, and a user of each role.

    ``own`` is the unit of the officer and supervisor (CG); ``other`` is XZ. The other unit's case is
    decided but not served, so it is not in the public register: its marker may appear nowhere but
    to auditors. The first unit's case is served and part paid.
    """

    def __init__(self):
        super().__init__()
        self.other_officer.full_name = f"{OTHER_PEOPLE} Chen"
        self.other_officer2.full_name = f"{OTHER_PEOPLE} Zhao"
        db.session.commit()
        self.supervisor2 = user("supervisor", self.unit, "zhou.min")
        self.other_supervisor = user("supervisor", self.other_unit, "xu.qiang", full_name=f"{OTHER_PEOPLE} Xu")
        self.other_supervisor2 = user("supervisor", self.other_unit, "he.ping", full_name=f"{OTHER_PEOPLE} He")
        self.outbreak = emergency()
        own_people = _Side(officer=self.officer, officer2=self.officer2, supervisor=self.supervisor,
                           supervisor2=self.supervisor2)
        other_people = _Side(officer=self.other_officer, officer2=self.other_officer2,
                             supervisor=self.other_supervisor, supervisor2=self.other_supervisor2)
        self.own = _build_side(own_people, self.outbreak, OWN_MARKER, "CG", served=True)
        self.other = _build_side(other_people, self.outbreak, OTHER_MARKER, "XZ", served=False)
        self.own.spare = user("officer", self.unit, "spare.cg")
        self.other.spare = user("officer", self.other_unit, "spare.xz", full_name=f"{OTHER_PEOPLE} Spare")
        self.users = {"officer": self.officer, "supervisor": self.supervisor, "auditor": self.auditor,
                      "admin": self.admin}
        # One token per account that signs in (the "own" token), and one of the other unit's officer.
        self.bearer = {}
        for role, person in self.users.items():
            record, token = issue_token(person, f"matrix {role}")
            self.own.tokens[person.id] = record.id
            self.bearer[role] = token
        other_token, _token = issue_token(self.other_officer, "other unit's token")
        self.other.tokens = {None: other_token.id}
        # The other unit's people with records that do not exist: "another unit's" must answer as "none".
        nowhere = SimpleNamespace(id=ABSENT_ID)
        self.absent = replace(self.other, code="--", premises=nowhere, draft=nowhere, evidence=nowhere,
                              referred=nowhere, violation=nowhere, case=nowhere, clue=nowhere, conflict=nowhere,
                              complaint=nowhere,
                              tokens={None: ABSENT_ID})

    def side(self, name: str) -> Side:
        return self.own if name == "own" else self.other

    def user_of(self, role: str):
        return self.users.get(role)


def _own_token(side: Side, caller) -> list[int]:
    if side.code == "CG":
        # Anonymous callers use the officer's token id: they are refused before it matters.
        return [side.tokens.get(getattr(caller, "id", None)) or next(iter(side.tokens.values()))]
    return [side.tokens[None]]


@dataclass(frozen=True)
class Param:
    """How a URL parameter is filled: its scope and its values for one side and caller."""

    scope: str
    values: Callable[[Side, object], list]


# Every URL parameter any route takes. A rule naming a parameter missing here fails the matrix.
PARAMS: dict[str, Param] = {
    "premises_id": Param(UNIT, lambda side, caller: [side.premises.id]),
    "inspection_id": Param(UNIT, lambda side, caller: [side.draft.id]),
    "evidence_id": Param(UNIT, lambda side, caller: [side.evidence.id]),
    "case_id": Param(UNIT, lambda side, caller: [side.case.id]),
    "conflict_id": Param(UNIT, lambda side, caller: [side.conflict.id]),
    "complaint_id": Param(UNIT, lambda side, caller: [side.complaint.id]),
    "tracking_code": Param(CHOICE, lambda side, caller: [side.tracking_code]),
    "complaint_action": Param(CHOICE, lambda side, caller: [action.value for action in ComplaintAction]),
    "token_id": Param(OWNER, _own_token),
    "user_id": Param(GLOBAL, lambda side, caller: [side.spare.id]),
    "action": Param(CHOICE, lambda side, caller: [action.value for action in CaseAction]),
    "dataset": Param(CHOICE, lambda side, caller: [
        "inspections", "observations", "violations", "cases", "penalties", "payments", "premises"]),
    "fmt": Param(CHOICE, lambda side, caller: ["csv", "xlsx"]),
}


# More values for some routes: case actions also run on a clue (a complaint), where filing is possible.
MORE_VALUES: dict[str, dict[str, Callable[[Side, object], list]]] = {
    "cases.act": {"case_id": lambda side, caller: [side.clue.id]},
    "api_cases.act": {"case_id": lambda side, caller: [side.clue.id]},
}


class Unfillable(AssertionError):
    """A route takes a parameter the matrix's table does not know."""


def unfilled(rule: Rule) -> list[str]:
    """The rule's parameters the table cannot fill, and enumerations whose words it does not all cover."""
    problems = [name for name in sorted(rule.arguments) if name not in PARAMS]
    for name, converter in rule._converters.items():
        if name in PARAMS and isinstance(converter, AnyConverter):
            listed = set(PARAMS[name].values(Side(code="CG"), None))
            missing = converter.items - listed
            if missing:
                problems.append(f"{name} (words {sorted(missing)} not in the table)")
    return problems


def declared_roles(view) -> frozenset:
    """The declaration of a view: a set of Role members and/or PUBLIC / SIGNED_IN."""
    access = getattr(view, "access", None)
    if access is None:
        raise AssertionError(f"{view.__name__} declares no access")
    return access


@dataclass
class Probe:
    """One request of the matrix."""

    endpoint: str
    rule: str
    method: str
    role: str
    variant: str  # own | other | mixed | query
    scope: str | None  # what makes the variant another unit's: unit, owner, global, or None
    url: str
    body: dict | None = None
    body_scoped: bool = False  # the other unit's record is named in the body or query, not the path
    twin: "Probe | None" = None  # the same request naming records that do not exist (for "other")


@dataclass(frozen=True)
class Body:
    """A request body (form or JSON) and query for an endpoint. ``scoped``: it names a unit's record,
    so the route gets an own and an other-unit variant even without a path parameter."""

    build: Callable[[Side, object, MatrixWorld], dict]
    scoped: bool = False


def probes_for(app, rule: Rule, method: str, role: str, world: MatrixWorld, bodies: dict[str, Body],
               queries: dict[str, dict] | None = None, unit_query=lambda endpoint: True) -> list[Probe]:
    """Every request the matrix sends for one rule, method and role.

    Rules naming a record get an ``own`` and an ``other`` variant (and ``mixed``: a record of the own
    unit under a parent of the other); each ``other`` probe carries a twin naming records that do not
    exist, which must get the same answer. Other GET rules get a ``query`` variant asking for the other
    unit by ``?unit=`` (where ``unit_query(endpoint)`` says the route takes it).
    """
    missing = unfilled(rule)
    if missing:
        raise Unfillable(f"{rule.rule} ({rule.endpoint}): the matrix cannot fill {', '.join(missing)}")
    caller = world.user_of(role)
    names = sorted(rule.arguments)
    scopes = [PARAMS[name].scope for name in names]
    body = bodies.get(rule.endpoint)
    unit_params = [name for name in names if PARAMS[name].scope == UNIT]
    if UNIT in scopes or (body is not None and body.scoped):
        scope = UNIT
    elif OWNER in scopes:
        scope = OWNER
    elif GLOBAL in scopes:
        scope = GLOBAL
    else:
        scope = None
    if scope is not None:
        variants = ["own", "other"] + (["mixed"] if len(unit_params) >= 2 else [])
    else:
        variants = ["own"] + (["query"] if method in READ_METHODS and unit_query(rule.endpoint) else [])
    adapter = app.url_map.bind("localhost")
    found = []

    def build(variant: str, other: Side) -> list[Probe]:
        def side_of(name):
            if variant == "mixed" and PARAMS[name].scope == UNIT:
                return world.own if unit_params.index(name) == 0 else other
            return other if variant == "other" else world.own

        def values_of(name):
            side = side_of(name)
            more = MORE_VALUES.get(rule.endpoint, {}).get(name)
            return PARAMS[name].values(side, caller) + (more(side, caller) if more else [])

        made = []
        body_side = other if variant == "other" else world.own
        for combination in itertools.product(*[values_of(name) for name in names]):
            values = dict(zip(names, combination))
            query = dict((queries or {}).get(rule.endpoint, {}))
            if variant == "query":
                query["unit"] = world.other.code
            payload = body.build(body_side, caller, world) if body is not None else None
            if payload and payload.get("query"):
                query.update(payload["query"])
            url = adapter.build(rule.endpoint, values, method=method)
            endpoint, _args = adapter.match(url, method=method)
            assert endpoint == rule.endpoint, (url, endpoint, rule.endpoint)
            if query:
                url = f"{url}?{urlencode(query)}"
            made.append(Probe(rule.endpoint, rule.rule, method, role, variant, scope, url, payload,
                              body_scoped=not unit_params and scope == UNIT))
        return made

    for variant in variants:
        probes = build(variant, world.other)
        if variant == "other":
            for probe, twin in zip(probes, build(variant, world.absent)):
                probe.twin = twin
        found.extend(probes)
    return found


# ------------------------------------------------------------------------------------------ expectations

LOGIN, UNAUTHORIZED, FORBIDDEN, HIDDEN, REACH = "login", "401", "403", "hidden", "reach"


def expectation(declared: frozenset, probe: Probe, api: bool) -> str:
    """What the role should get, from the declaration alone."""
    role = probe.role
    if PUBLIC in declared:
        return REACH
    if role == "anonymous":
        return UNAUTHORIZED if api else LOGIN
    if SIGNED_IN not in declared and Role(role) not in declared:
        return FORBIDDEN
    if probe.variant == "mixed":
        return HIDDEN
    if probe.variant == "other":
        if probe.scope == OWNER:
            return HIDDEN
        if probe.scope == UNIT and role in ("officer", "supervisor"):
            return HIDDEN
    return REACH


def check(expected: str, probe: Probe, response, lenient_403: bool = False) -> str | None:
    """None when the response matches the expectation, else a one-line complaint."""
    status = response.status_code
    where = f"{probe.method} {probe.url} as {probe.role} ({probe.variant})"
    if expected == LOGIN:
        location = urlsplit(response.headers.get("Location", "")).path
        if status != 302 or location != "/auth/login":
            return f"{where}: expected a redirect to sign-in, got {status} {location}"
    elif expected == UNAUTHORIZED:
        if status != 401 or response.mimetype != "application/problem+json":
            return f"{where}: expected 401 problem, got {status} {response.mimetype}"
    elif expected == FORBIDDEN:
        if status != 403:
            return f"{where}: expected 403, got {status}"
    elif expected == HIDDEN:
        # A record named in a form or JSON body is a field error (422) when it is not the caller's to use.
        allowed = (403, 404, 422) if probe.body_scoped else (403, 404)
        if status not in allowed:
            return f"{where}: expected 404 (or 403) for another unit's record, got {status}"
    else:
        refused = {401, 404} | (set() if lenient_403 else {403})
        if status in refused or status >= 500:
            return f"{where}: a role the route declares was refused or failed: {status}"
        if probe.method in READ_METHODS and not 200 <= status < 400:
            return f"{where}: expected a page (2xx/3xx), got {status}"
    return None


def same_as_absent(probe: Probe, response, twin_response, api: bool) -> str | None:
    """Another unit's record must answer exactly as a record that does not exist: no existence oracle."""
    if response.status_code != twin_response.status_code:
        return (f"{probe.method} {probe.url} as {probe.role}: another unit's record answers "
                f"{response.status_code}, a missing one {twin_response.status_code}")
    if api and response.get_json(silent=True) != twin_response.get_json(silent=True):
        return (f"{probe.method} {probe.url} as {probe.role}: another unit's record and a missing one get "
                f"different problem documents: {response.get_data(as_text=True)[:160]} / "
                f"{twin_response.get_data(as_text=True)[:160]}")
    return None


def leaks(role: str, text: str) -> list[str]:
    """The markers this role must never see that the response body contains."""
    forbidden = []
    if role in ("officer", "supervisor", "anonymous", "admin"):
        forbidden.append(OTHER_MARKER)
    if role in ("officer", "supervisor", "anonymous"):
        forbidden.append(OTHER_PEOPLE)
    if role in ("anonymous", "admin"):
        forbidden.append(OWN_MARKER)
    return [marker for marker in forbidden if marker in text]


def body_text(response) -> str:
    """The response body as text; ZIP downloads (XLSX, LIVES, case packs) are opened and read whole."""
    data = response.get_data()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------ judging


@dataclass
class Verdicts:
    """What a matrix run has found so far, and the database fingerprint the next refusal is compared with."""

    baseline: str  # fingerprint() before the first request
    failures: list[str] = field(default_factory=list)
    checked: int = 0
    tally: Counter = field(default_factory=Counter)
    # The checks are not vacuous: auditors do read the other unit, officers their own.
    seen: dict[str, int] = field(default_factory=lambda: {"auditor": 0, "officer": 0})


def judge(verdicts: Verdicts, probe: Probe, expected: str, response, send: Callable[[Probe], object],
          api: bool, lenient_403: bool = False) -> None:
    """Judge one answer of the matrix and record every complaint in ``verdicts``.

    The status against the expectation; for the API, that a refusal is a problem document; the markers
    each role must (or must never) see; for a hidden record, that ``send(probe.twin)`` (the same request
    naming records that do not exist) answers alike; and, for a refused write, that the database did
    not change.
    """
    role, method = probe.role, probe.method
    text = body_text(response)
    verdicts.checked += 1
    verdicts.tally[expected] += 1
    problem = check(expected, probe, response, lenient_403=lenient_403)
    if problem:
        verdicts.failures.append(f"{problem}: {text[:200]}" if api else problem)
    if api and expected != REACH and response.status_code in (401, 403, 404):
        if response.mimetype != "application/problem+json":
            verdicts.failures.append(f"{probe.method} {probe.url} as {role}: {response.status_code} "
                                     f"is not a problem document")
    if expected == REACH and role == "auditor" and OTHER_MARKER in text:
        verdicts.seen["auditor"] += 1
    if role == "officer" and OWN_MARKER in text:
        verdicts.seen["officer"] += 1
    if expected == HIDDEN and probe.twin is not None:
        problem = same_as_absent(probe, response, send(probe.twin), api=api)
        if problem:
            verdicts.failures.append(problem)
    leaked = leaks(role, text)
    if leaked:
        verdicts.failures.append(f"{probe.method} {probe.url} as {role} ({probe.variant}): "
                                 f"shows {leaked} ({response.status_code})")
    if method not in READ_METHODS:
        if expected != REACH:
            after = fingerprint()
            if after != verdicts.baseline:
                verdicts.failures.append(f"{probe.method} {probe.url} as {role} ({probe.variant}): "
                                         f"refused ({response.status_code}) but the database changed")
            verdicts.baseline = after
        else:
            verdicts.baseline = fingerprint()


# ------------------------------------------------------------------------------------------ fingerprint


def fingerprint() -> str:
    """A digest of every table's rows (volatile bookkeeping columns left out): equal means nothing changed."""
    digest = hashlib.sha256()
    db.session.rollback()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
        order = list(table.primary_key.columns) or columns[:1]
        for row in db.session.execute(sa.select(*columns).order_by(*order)):
            digest.update(repr((table.name, tuple(row))).encode())
        digest.update(f"|{table.name}|".encode())
    db.session.rollback()
    return digest.hexdigest()


def matrix_rules(app, api: bool) -> list[Rule]:
    """The app's rules the web matrix (api=False) or the API matrix (api=True) checks."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in EXEMPT]
    return sorted((r for r in rules if r.rule.startswith("/api/") == api), key=lambda r: (r.rule, r.endpoint))


def methods_of(rule: Rule) -> list[str]:
    return sorted(rule.methods - SKIPPED_METHODS)


@contextmanager
def matrix_site(test_database, folder):
    """One app on the test database holding the matrix world, inside its app context; emptied afterwards.
    For module-scoped fixtures: ``with matrix_site(test_database, tmp) as (app, world): ...``."""
    application = create_app(make_config(test_database, folder))
    application.test_client_class = BrowserClient
    with application.app_context():
        yield application, MatrixWorld()
        db.session.remove()
    _clear(application)
