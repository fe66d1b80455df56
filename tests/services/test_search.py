"""Search: each kind by each field, unit scoping, literal wildcards, query limits, PostgreSQL index use."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries
from tests.factories import County, inspection, premises
from tracker.domain.vocabulary import InspectionType, OperatorType, PremisesKind, PremisesStatus
from tracker.extensions import db
from tracker.models import Inspection, Premises
from tracker.services.cases import open_case
from tracker.services.errors import Invalid
from tracker.services.premises import PremisesData, update_premises
from tracker.services.search import (
    MAX_QUERY_LENGTH, SearchKind, cases_query, inspections_query, like_pattern, premises_query, query_for, search,
)

CODE = "91350100M000100Y43"
TODAY = date(2020, 12, 31)


class World(County):
    """Premises, a complaint case and a noted inspection in each of the two units."""

    def __init__(self):
        super().__init__()
        self.pharmacy = premises(self.officer, name="Kangjian Pharmacy", operator_name="Liu Qiang", credit_code=CODE)
        self.butcher = premises(self.officer, name="Golden Pig Butcher", kind="meat_vendor", operator_name="Wu Hao",
                                operator_type="individual")
        self.far = premises(self.other_officer, name="Kangjian Far Pharmacy", operator_name="Liu Far")
        self.case = open_case(self.officer, premises_id=self.pharmacy.id, complaint="Masks at 10 yuan",
                              received_on=date(2020, 2, 1), today=TODAY)
        self.far_case = open_case(self.other_officer, premises_id=self.far.id, complaint="Masks",
                                  received_on=date(2020, 2, 1), today=TODAY)
        self.visit = inspection(self.officer, self.officer2, self.butcher, notes="Pork belly at 68 yuan, invoice missing",
                                started_at=datetime(2020, 2, 6, 2, tzinfo=timezone.utc), type="routine")
        self.far_visit = inspection(self.other_officer, self.other_officer2, self.far, notes="Pork belly too",
                                    started_at=datetime(2020, 2, 6, 2, tzinfo=timezone.utc), type="routine")


@pytest.fixture
def world(app):
    return World()


def names(actor, kind: SearchKind, text: str) -> list[str]:
    rows = db.session.scalars(query_for(actor, kind, text)).unique()
    key = {SearchKind.PREMISES: "name", SearchKind.CASES: "number", SearchKind.INSPECTIONS: "notes"}[kind]
    return [getattr(row, key) for row in rows]


@pytest.mark.parametrize("text", ["golden pig", "GOLDEN", "wu hao", "Hao"])
def test_premises_by_name_and_operator(world, text):
    assert names(world.officer, SearchKind.PREMISES, text) == ["Golden Pig Butcher"]


def test_premises_by_credit_code_fragment(world):
    assert names(world.officer, SearchKind.PREMISES, "m000100y") == ["Kangjian Pharmacy"]


def test_cases_by_number_party_snapshot_and_current_premises(world):
    number = world.case.number
    assert names(world.officer, SearchKind.CASES, number) == [number]
    assert names(world.officer, SearchKind.CASES, number.lower()[-6:]) == [number]
    assert names(world.officer, SearchKind.CASES, "liu qiang") == [number]  # operator in the snapshot
    # Renamed afterwards: the old name is in the snapshot, the new one on the premises.
    update_premises(world.officer, world.pharmacy, PremisesData(
        name="Renamed Drugstore", kind="pharmacy", operator_type="organisation", operator_name="New Owner",
        credit_code=CODE))
    assert names(world.officer, SearchKind.CASES, "kangjian") == [number]
    assert names(world.officer, SearchKind.CASES, "renamed drug") == [number]
    assert names(world.officer, SearchKind.CASES, "new owner") == [number]
    assert names(world.officer, SearchKind.CASES, "nobody at all") == []


def test_short_terms_match_the_start_of_names_codes_and_numbers(world):
    """One or two characters (a Chinese shop name is often two) match the start of a field, not its middle,
    and do not search free-text notes."""
    assert names(world.officer, SearchKind.PREMISES, "go") == ["Golden Pig Butcher"]
    assert names(world.officer, SearchKind.PREMISES, "WU") == ["Golden Pig Butcher"]  # the operator's start
    assert names(world.officer, SearchKind.PREMISES, "91") == ["Kangjian Pharmacy"]  # the credit code's start
    assert names(world.officer, SearchKind.PREMISES, "ld") == []  # inside "Golden": not a start
    assert names(world.officer, SearchKind.CASES, world.case.number[:2]) == [world.case.number]
    assert names(world.officer, SearchKind.CASES, "ka") == [world.case.number]  # the party's start
    assert names(world.officer, SearchKind.INSPECTIONS, "po") == []
    # Three characters or more match anywhere, across the joined fields too.
    assert names(world.officer, SearchKind.PREMISES, "lden") == ["Golden Pig Butcher"]


@pytest.mark.parametrize("term", ["ho", "hon"])
def test_premises_are_ranked_by_name_then_operator_then_credit_code(app, term):
    """Name matches come first, then operator matches, then credit-code matches, each in order of the matched
    field (lower-cased, byte order: the same on both databases), then by id; a premises matching by two fields
    is listed once, in its best rank. Short and long terms rank alike."""
    county = County()
    for name, operator in (("hot Pot House", "Li"), ("Apple Store", "Hong Wei"), ("Hong Kong Noodles", "Hong Li"),
                           ("Zeta Shop", "Hongli Liu"), ("Hongxing Market", "Chen")):
        premises(county.officer, name=name, operator_name=operator)
    expected = ["Hong Kong Noodles", "Hongxing Market", "Apple Store", "Zeta Shop"]
    if term == "ho":
        expected.insert(2, "hot Pot House")
    assert names(county.officer, SearchKind.PREMISES, term) == expected
    coded = premises(county.officer, name="Quiet Corner", operator_name="Sun", credit_code=CODE)
    premises(county.officer, name="91 Degrees Cafe", operator_name="Ma")
    assert names(county.officer, SearchKind.PREMISES, "91") == ["91 Degrees Cafe", coded.name]
    # A longer term found only across two fields (the end of the name, the start of the operator) comes last.
    premises(county.officer, name="Cornerstone", operator_name="Tan")
    premises(county.officer, name="Ma Corner", operator_name="Ren Fei")
    assert names(county.officer, SearchKind.PREMISES, "corner") == ["Cornerstone", "Ma Corner", coded.name]
    assert names(county.officer, SearchKind.PREMISES, "corner s") == ["Quiet Corner"]
    premises(county.officer, name="Abc Corner", operator_name="Sam")
    premises(county.officer, name="The Corner Shop", operator_name="Li")
    assert names(county.officer, SearchKind.PREMISES, "corner s") == ["The Corner Shop", "Abc Corner", "Quiet Corner"]


def _window_pages(query, actor, text: str, key: str, size: int = 3) -> None:
    """Every page read through a window (offset + page size) equals the same slice of the whole ordered list."""
    whole = [getattr(row, key) for row in db.session.scalars(query(actor, text)).unique()]
    assert len(whole) > 2 * size
    for end in range(1, len(whole) + 2):
        start = max(0, end - size)
        stmt = query(actor, text, end).limit(end - start).offset(start)
        assert [getattr(row, key) for row in db.session.scalars(stmt).unique()] == whole[start:end], end


@pytest.mark.parametrize("term", ["sh", "shop"])
def test_windowed_premises_pages_agree_with_the_whole_list(app, term):
    county = County()
    for k in range(5):
        premises(county.officer, name=f"Shop {k}", operator_name=f"Owner {k}")
        premises(county.officer, name=f"Market {k}", operator_name=f"Shopkeeper {4 - k}")
        premises(county.other_officer, name=f"Shop far {k}", operator_name="Far")
    premises(county.officer, name="Shop and Shopkeeper", operator_name="Shopkeeper 0")
    _window_pages(premises_query, county.officer, term, "name")
    _window_pages(premises_query, county.auditor, term, "name")


@pytest.mark.parametrize("term", ["ka", "kangjian"])
def test_windowed_case_pages_agree_with_the_whole_list(world, term):
    """Cases matched by their own party, by their premises as they are now, or both, newest clue first."""
    for k in range(4):
        open_case(world.officer, premises_id=world.pharmacy.id, complaint=f"Masks {k}",
                  received_on=date(2020, 3, 1 + k), today=TODAY)
    renamed = premises(world.officer, name="Old Name Shop")
    for k in range(3):
        open_case(world.officer, premises_id=renamed.id, complaint=f"Gloves {k}",
                  received_on=date(2020, 2, 10 + 2 * k), today=TODAY)
    update_premises(world.officer, renamed, PremisesData(name="Kangjian Two", kind="pharmacy",
                                                         operator_type="organisation", operator_name="Zhao"))
    _window_pages(cases_query, world.officer, term, "number")
    _window_pages(cases_query, world.auditor, term, "number")


def test_inspections_by_notes(world):
    assert names(world.officer, SearchKind.INSPECTIONS, "INVOICE missing") == ["Pork belly at 68 yuan, invoice missing"]


def test_officers_see_only_their_unit_and_auditors_see_all(world):
    assert names(world.officer, SearchKind.PREMISES, "kangjian") == ["Kangjian Pharmacy"]
    assert names(world.other_officer, SearchKind.PREMISES, "kangjian") == ["Kangjian Far Pharmacy"]
    assert names(world.auditor, SearchKind.PREMISES, "kangjian") == ["Kangjian Far Pharmacy", "Kangjian Pharmacy"]
    assert names(world.officer, SearchKind.CASES, world.far_case.number) == []
    assert names(world.officer, SearchKind.CASES, "liu far") == []
    assert names(world.auditor, SearchKind.CASES, "liu") == sorted([world.case.number, world.far_case.number],
                                                                   reverse=True)
    assert names(world.officer, SearchKind.INSPECTIONS, "pork belly") == ["Pork belly at 68 yuan, invoice missing"]
    assert len(names(world.auditor, SearchKind.INSPECTIONS, "pork belly")) == 2
    groups = {g.kind: g for g in search(world.other_officer, "kangjian")}
    assert [p.name for p in groups[SearchKind.PREMISES].items] == ["Kangjian Far Pharmacy"]
    assert [c.number for c in groups[SearchKind.CASES].items] == [world.far_case.number]


def test_admins_do_not_search_field_records(world):
    from tracker.services.errors import Forbidden

    with pytest.raises(Forbidden):
        search(world.admin, "kangjian")


def test_wildcards_are_literal(app):
    county = County()
    for name in ("100% Natural_Foods", "1000 Natural Foods", "Back\\slash Shop", "Backslash Shop"):
        premises(county.officer, name=name)
    assert names(county.officer, SearchKind.PREMISES, "0% n") == ["100% Natural_Foods"]
    assert names(county.officer, SearchKind.PREMISES, "l_f") == ["100% Natural_Foods"]
    assert names(county.officer, SearchKind.PREMISES, "%%") == []
    assert names(county.officer, SearchKind.PREMISES, "__") == []
    assert names(county.officer, SearchKind.PREMISES, "k\\s") == ["Back\\slash Shop"]
    assert like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"


def test_query_length_is_checked(world):
    with pytest.raises(Invalid) as short:
        search(world.officer, " k ")
    assert "q" in short.value.errors
    with pytest.raises(Invalid):
        search(world.officer, "x" * (MAX_QUERY_LENGTH + 1))
    assert search(world.officer, "x" * MAX_QUERY_LENGTH)


def test_groups_are_capped_with_a_more_flag_in_three_queries(app):
    county = County()
    for i in range(7):
        premises(county.officer, name=f"Market {i}")
    county.officer.unit_id
    with count_queries() as statements:
        groups = search(county.officer, "market")
    assert len(statements) == 3
    first = groups[0]
    assert first.kind is SearchKind.PREMISES and len(first.items) == 5 and first.more
    assert not groups[1].more and groups[1].items == []
    # A short term cannot match notes: their group is empty without asking the database.
    with count_queries() as statements:
        groups = search(county.officer, "ma")
    assert len(statements) == 2 and groups[2].kind is SearchKind.INSPECTIONS and groups[2].items == []
    assert len(groups[0].items) == 5 and groups[0].more


def _bulk(world, count: int) -> None:
    """Many rows, so the planner's statistics look like a real registry."""
    unit_ids = [world.unit.id, world.other_unit.id]
    db.session.execute(sa.insert(Premises), [
        {"unit_id": unit_ids[i % 2], "name": f"Shop {i:05d}", "kind": PremisesKind.OTHER, "operator_name": f"Owner {i}",
         "operator_type": OperatorType.INDIVIDUAL, "status": PremisesStatus.ACTIVE}
        for i in range(count)
    ])
    db.session.execute(sa.insert(Inspection), [
        {"unit_id": world.unit.id, "premises_id": world.butcher.id, "lead_officer_id": world.officer.id,
         "second_officer_id": world.officer2.id, "created_by_id": world.officer.id, "rulebook": "cn-samr@test",
         "started_at": datetime(2020, 3, 1, tzinfo=timezone.utc), "type": InspectionType.ROUTINE,
         "notes": f"routine visit number {i}", "checklist": {}}
        for i in range(count)
    ])
    db.session.commit()
    # VACUUM also moves the rows from GIN's pending list into the index proper, as autovacuum would.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _plan(stmt) -> str:
    compiled = stmt.compile(dialect=db.engine.dialect)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + compiled.string, compiled.params).all()
    return "\n".join(row[0] for row in rows)


def test_postgresql_plans_use_the_search_indexes(world):
    """Real proof rather than timing: with sequential scans off, the planner can answer each search from
    the search indexes: the joined-fields trigram indexes for terms of three characters or more, the btree
    prefix indexes for shorter ones. (An officer's search is also limited to the unit; with a few thousand
    premises per unit the planner may prefer the unit's btree index instead, a sound choice at that size.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_trgm indexes exist on PostgreSQL only")
    _bulk(world, 3000)
    for stmt, index in (
        (premises_query(world.auditor, "kangjian"), "ix_premises_search_trgm"),
        (premises_query(world.auditor, "50%_off"), "ix_premises_search_trgm"),  # escaped wildcards too
        (premises_query(world.auditor, "m000100"), "ix_premises_search_trgm"),
        (premises_query(world.auditor, "ka"), "ix_premises_name_prefix"),
        (premises_query(world.auditor, "ka"), "ix_premises_operator_name_prefix"),
        (cases_query(world.auditor, "kangjian"), "ix_cases_search_trgm"),
        (cases_query(world.auditor, "cg"), "ix_cases_number_prefix"),
        (inspections_query(world.auditor, "pork belly"), "ix_inspections_notes_trgm"),
    ):
        plan = _plan(stmt)
        assert index in plan, plan


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def test_postgresql_reads_only_the_window_of_a_common_prefix(world):
    """Real proof rather than timing: for a short term matching thousands of premises, a page reads each field's
    prefix index in the page's order and stops at the window (offset + page size), from the index alone."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the prefix indexes exist on PostgreSQL only")
    _bulk(world, 3000)
    for actor in (world.auditor, world.officer):
        stmt = premises_query(actor, "sh", 30).limit(5).offset(25)
        compiled = stmt.compile(dialect=db.engine.dialect)
        with db.engine.connect() as connection:
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + compiled.string,
                                              compiled.params).scalar()[0]["Plan"]
        scans = {node["Index Name"]: node for node in _nodes(plan) if node.get("Index Name", "").endswith("_prefix")}
        assert set(scans) == {"ix_premises_name_prefix", "ix_premises_operator_name_prefix",
                              "ix_premises_credit_code_prefix"}, plan
        name_scan = scans["ix_premises_name_prefix"]
        assert name_scan["Node Type"] == "Index Only Scan" and name_scan["Actual Rows"] == 30, name_scan
        assert name_scan["Heap Fetches"] == 0
