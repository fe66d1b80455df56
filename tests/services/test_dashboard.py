"""The dashboard and work-queue figures, against a small world counted by hand."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.cases_helpers import TODAY, CaseWorld
from tests.conftest import count_queries
from tests.factories import inspection, premises
from tracker.domain.figures import Period, due_soon_from, median_days
from tracker.domain.vocabulary import PremisesStatus
from tracker.extensions import db
from tracker.models import Case, Inspection, Payment
from tracker.models.figures import DecisionFigure
from tracker.services import inspections as inspection_service
from tracker.services.cases import deadlines_of, money_account, open_case, run_action
from tracker.services.rulebooks import current_rulebook
from tracker.services.dashboard import build_dashboard, dashboard_unit
from tracker.services.errors import Invalid
from tracker.services.queues import work_queues

FEB_MAR = Period(date(2020, 2, 1), date(2020, 3, 31))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def gouging_case(officer, officer2, place, outbreak, started_at: datetime, price: str, quantity_sold: str) -> Case:
    """A referred inspection of ``place`` with one flagged mask price (marked; cost and baseline 1.20 / 1.00),
    a price_gouging violation, and the case opened from it, left at the clue."""
    visit = inspection(officer, officer2, place, outbreak, started_at=started_at)
    obs = inspection_service.record_observation(
        officer, visit,
        inspection_service.ObservationData("mask_n95", price, marked_price=price, cost="1.20",
                                           baseline_price="1.20", baseline_cost="1.00", quantity_sold=quantity_sold))
    inspection_service.record_violation(officer, visit, "price_gouging", [obs.id])
    inspection_service.submit_inspection(officer, visit, "referred")
    return open_case(officer, inspection_id=visit.id, today=TODAY)


class DashboardWorld(CaseWorld):
    """CaseWorld plus, in Chengguan (CG, Asia/Shanghai):

    1. Kangjian Pharmacy, 2020-02-05: referred, one flagged mask price (baseline margin), price_gouging
       -> case A: decided 2020-03-13 (fine 6,000, confiscation 2,060), served 2020-03-16; the fine paid two
       days late (surcharge 2 x 3 % x 6,000 = 360), then 100 towards the surcharge.
    2. Golden Voice KTV, 2020-02-06: referred, closure_notice_breach -> case B: closure and warning, decided
       2020-03-20, served (nothing to pay: executed).
    3. Lanzhou Noodles, 2020-02-01 00:30 local (2020-01-31 16:30 UTC): no action, two rice prices, one unmarked.
    4. Golden Voice KTV, 2020-03-25, follow-up: closure notice obeyed -> premises recorded closed.
    5. Lanzhou Noodles, 2020-03-01: still a draft.
    6. Lanzhou Noodles, 2020-01-31 23:30 local (15:30 UTC): no action (January, outside February).
    In Xizhen (XZ): 7. Renhe Pharmacy, 2020-02-07: referred, a flagged mask price -> case C, left at clue.
    """

    def __init__(self):
        super().__init__()
        officer, officer2, supervisor = self.officer, self.officer2, self.supervisor
        # Case A: through decision_served, then two payments.
        self.case_a = self.to_state("decision_served")
        due = self.case_a.payment_due_on
        self.fine_paid_on = due + timedelta(days=2)
        self.act(officer, self.case_a, "record_payment", on=self.fine_paid_on.isoformat(), amount="6000.00")
        self.act(officer, self.case_a, "record_payment", on=(self.fine_paid_on + timedelta(days=1)).isoformat(),
                 amount="100.00")
        # Case B: a KTV open in breach of the closure notice.
        self.ktv = premises(officer, name="Golden Voice KTV", kind="entertainment")
        self.ktv.status = PremisesStatus.ORDERED_CLOSED
        db.session.commit()
        ktv_visit = inspection(officer, officer2, self.ktv, self.outbreak, started_at=utc(2020, 2, 6, 6, 0))
        inspection_service.record_violation(officer, ktv_visit, "closure_notice_breach")
        inspection_service.submit_inspection(officer, ktv_visit, "referred")
        self.case_b = open_case(officer, inspection_id=ktv_visit.id, today=TODAY)
        for who, action, body in [
            (supervisor, "file", {"on": "2020-02-10", "officers": [officer.username, officer2.username]}),
            (officer, "propose_penalty", {"on": "2020-03-02", "lines": [{"kind": "closure"}, {"kind": "warning"}]}),
            (self.supervisor2, "approve_penalty", {"on": "2020-03-04"}),
            (officer, "serve_notice", {"on": "2020-03-05", "method": "in_person"}),
            (self.supervisor2, "decide", {"on": "2020-03-20"}),
            (officer, "serve_decision", {"on": "2020-03-23", "method": "in_person"}),
        ]:
            run_action(who, self.case_b, action, body, today=TODAY)
        follow_up = inspection(officer, officer2, self.ktv, self.outbreak, started_at=utc(2020, 3, 25, 2, 0),
                               type="follow_up", checklist={"closure_notice_obeyed": "yes"})
        inspection_service.submit_inspection(officer, follow_up, "no_action")
        # Lanzhou Noodles: two prices, one without a tag; a draft; and a visit on the last evening of January.
        self.noodles = premises(officer, name="Lanzhou Noodles", kind="restaurant")
        visit = inspection(officer, officer2, self.noodles, started_at=utc(2020, 1, 31, 16, 30))
        for marked in ("2.00", None):
            inspection_service.record_observation(
                officer, visit, inspection_service.ObservationData("rice", "2.00", marked_price=marked, cost="1.90"))
        inspection_service.submit_inspection(officer, visit, "no_action")
        inspection(officer, officer2, self.noodles, started_at=utc(2020, 3, 1, 3, 0))
        january = inspection(officer, officer2, self.noodles, started_at=utc(2020, 1, 31, 15, 30))
        inspection_service.submit_inspection(officer, january, "no_action")
        # Xizhen: a pharmacy and a case left at the clue.
        renhe = premises(self.other_officer, name="Renhe Pharmacy")
        self.case_c = gouging_case(self.other_officer, self.other_officer2, renhe, self.outbreak,
                                   utc(2020, 2, 7, 2, 0), price="4.00", quantity_sold="10")


@pytest.fixture
def world(app):
    return DashboardWorld()


def counts(rows) -> dict[str, int]:
    return {row.key: row.count for row in rows}


def test_chengguan_february_and_march_counted_by_hand(world):
    board = build_dashboard(world.unit, FEB_MAR, TODAY)
    assert board.inspections == 5  # 1, 2, 3 (local 1 February), 4, 5 (draft); not 6 (31 January local)
    assert board.drafts == 1
    assert counts(board.by_outcome) == {"referred": 2, "no_action": 2}
    assert board.premises_checked == 3
    assert (board.observations, board.flagged_observations) == (3, 2)
    assert counts(board.flagged_by_test) == {"baseline_margin": 1, "unmarked_price": 1}
    assert counts(board.violations_by_code) == {"price_gouging": 1, "closure_notice_breach": 1}
    assert board.violations == 2
    assert board.cases_opened == 2
    assert counts(board.cases_by_state) == {"decision_served": 1, "executed": 1}
    # Decisions: A clue 2020-02-05 -> 2020-03-13 (37 days), B 2020-02-06 -> 2020-03-20 (43 days).
    assert board.decisions_made == 2
    assert board.median_days_to_decision == Decimal(40)
    money = board.money
    assert money.decisions == 2
    assert money.fines_imposed == Decimal("6000.00")
    assert money.fines_collected == Decimal("6000.00")
    assert money.confiscation_imposed == Decimal("2060.00")
    assert money.confiscation_collected == Decimal("0.00")
    assert money.surcharges_accrued == Decimal("360.00")  # two days late at 3 % of 6,000
    assert money.surcharges_collected == Decimal("100.00")
    assert money.outstanding == Decimal("2320.00")  # 6,000 + 360 + 2,060 - 6,100
    assert board.closures_ordered == 1
    assert counts(board.closures_ordered_by_kind) == {"closure": 1}
    assert board.closures_confirmed == 1
    assert (board.premises_ordered_closed_now, board.premises_closed_now) == (0, 1)
    # As of 2020-12-31: A's payment (the confiscation is unpaid) and B's closing are overdue.
    assert counts(board.overdue_by_deadline) == {"payment": 1, "closing": 1}
    assert board.overdue_cases == 2
    assert board.due_soon_cases == 0
    assert board.link_args == {"date_from": "2020-02-01", "date_to": "2020-03-31", "unit": "CG"}


def test_payments_count_in_the_period_they_were_made(world):
    feb_mar = build_dashboard(world.unit, FEB_MAR, TODAY)
    year = build_dashboard(world.unit, Period(date(2020, 1, 1), TODAY), TODAY)
    april = build_dashboard(world.unit, Period(date(2020, 4, 1), date(2020, 4, 30)), TODAY)
    assert world.fine_paid_on > FEB_MAR.date_to  # served 2020-03-16, payable within 15 days, paid 2 days late
    assert (feb_mar.payments_count, feb_mar.payments_received) == (0, Decimal("0.00"))
    assert (april.payments_count, april.payments_received) == (2, Decimal("6100.00"))
    assert (year.payments_count, year.payments_received) == (2, Decimal("6100.00"))
    # The money of a decision counts in the period of the decision, whenever it is paid.
    assert april.money.fines_imposed == Decimal("0.00") and feb_mar.money.fines_collected == Decimal("6000.00")


def test_the_period_filter_uses_the_units_local_date(world):
    january = build_dashboard(world.unit, Period(date(2020, 1, 1), date(2020, 1, 31)), TODAY)
    assert (january.inspections, january.premises_checked, january.observations) == (1, 1, 0)
    assert (january.cases_opened, january.decisions_made, january.money.fines_imposed) == (0, 0, Decimal("0.00"))
    assert january.median_days_to_decision is None
    one_day = build_dashboard(world.unit, Period(date(2020, 2, 1), date(2020, 2, 1)), TODAY)
    assert (one_day.inspections, one_day.observations, one_day.flagged_observations) == (1, 2, 1)
    march = build_dashboard(world.unit, Period(date(2020, 3, 1), date(2020, 3, 31)), TODAY)
    assert march.inspections == 2 and march.drafts == 1 and march.closures_confirmed == 1
    assert march.cases_opened == 0 and march.decisions_made == 2


def test_the_unit_filter_and_all_units(world):
    xizhen = build_dashboard(world.other_unit, FEB_MAR, TODAY)
    assert (xizhen.inspections, xizhen.violations, xizhen.cases_opened) == (1, 1, 1)
    assert counts(xizhen.flagged_by_test) == {"baseline_margin": 1}
    assert counts(xizhen.overdue_by_deadline) == {"filing": 1}
    assert xizhen.money.fines_imposed == 0 and xizhen.closures_ordered == 0
    everywhere = build_dashboard(None, FEB_MAR, TODAY)
    assert everywhere.inspections == 6
    assert counts(everywhere.flagged_by_test) == {"baseline_margin": 2, "unmarked_price": 1}
    assert counts(everywhere.violations_by_code) == {"price_gouging": 2, "closure_notice_breach": 1}
    assert counts(everywhere.cases_by_state) == {"clue": 1, "decision_served": 1, "executed": 1}
    assert everywhere.overdue_cases == 3
    assert everywhere.money.fines_imposed == Decimal("6000.00")
    assert everywhere.link_args == {"date_from": "2020-02-01", "date_to": "2020-03-31"}


def test_supervisors_get_their_own_unit_whatever_they_ask_for(world):
    assert dashboard_unit(world.supervisor, "XZ") == world.unit
    assert dashboard_unit(world.supervisor, None) == world.unit
    assert dashboard_unit(world.auditor, "xz") == world.other_unit
    assert dashboard_unit(world.auditor, "") is None
    with pytest.raises(Invalid) as caught:
        dashboard_unit(world.auditor, "NOPE")
    assert "unit" in caught.value.errors


def test_next_due_soon_on_follows_every_action(world):
    case = world.case_c
    filing = next(d for d in deadlines_of(case, TODAY) if d.name == "filing")
    assert (case.next_deadline, case.next_due_on) == ("filing", filing.due_on)
    assert case.next_due_soon_on == due_soon_from(filing.starts_on, filing.due_on)
    assert filing.starts_on < case.next_due_soon_on < case.next_due_on
    executed = db.session.get(Case, world.case_b.id)
    closing = next(d for d in deadlines_of(executed, TODAY) if d.name == "closing")
    assert (executed.next_deadline, executed.next_due_soon_on) == (
        "closing", due_soon_from(closing.starts_on, closing.due_on))


def test_work_queues_count_overdue_and_due_soon_per_unit_and_officer(world):
    # On the day case C's filing deadline turns due soon, it is due soon, not overdue; A and B are overdue.
    day = world.case_c.next_due_soon_on
    queues = {q.unit.code: q for q in work_queues(world.auditor, day)}
    assert set(queues) == {"CG", "XZ"}
    xz = queues["XZ"]
    assert [(c.deadline, c.overdue, c.due_soon) for c in xz.by_deadline] == [("filing", 0, 1)]
    assert {(o.username, o.overdue, o.due_soon) for o in xz.officers} == {("chen.jie", 0, 1), ("zhao.lei", 0, 1)}
    cg_today = {q.unit.code: q for q in work_queues(world.supervisor, TODAY)}
    assert set(cg_today) == {"CG"}
    cg = cg_today["CG"]
    assert sorted((c.deadline, c.overdue, c.due_soon) for c in cg.by_deadline) == [("closing", 1, 0), ("payment", 1, 0)]
    assert (cg.overdue, cg.due_soon) == (2, 0)
    # Both cases have zhang.wei and li.na as case officers: each counts both.
    assert {(o.username, o.overdue) for o in cg.officers} == {("zhang.wei", 2), ("li.na", 2)}
    # The day before C's filing turns due soon it is in no queue; the day after its due date it is overdue.
    assert work_queues(world.other_officer, day - timedelta(days=1))[0].by_deadline == []
    late = work_queues(world.other_officer, world.case_c.next_due_on + timedelta(days=1))[0]
    assert [(c.deadline, c.overdue, c.due_soon) for c in late.by_deadline] == [("filing", 1, 0)]
    assert build_dashboard(world.other_unit, FEB_MAR, day).due_soon_cases == 1


def add_decided_cases(world: DashboardWorld, count: int) -> None:
    """More inspections, flagged observations, violations and decided cases with a payment (fine 400, confiscation 100)."""
    for n in range(count):
        place = premises(world.officer, name=f"Pharmacy {n}")
        case = gouging_case(world.officer, world.officer2, place, world.outbreak,
                            utc(2020, 2, 8 + n % 20, 2, 0), price="3.00", quantity_sold="5")
        for who, action, body in [
            (world.supervisor, "file", {"on": "2020-02-25", "officers": [world.officer.username, world.officer2.username]}),
            (world.officer, "propose_penalty", {"on": "2020-03-02", "illegal_gains": "100.00",
                                                "lines": [{"kind": "confiscation", "amount": "100.00"},
                                                          {"kind": "fine", "amount": "400.00"}]}),
            (world.supervisor2, "approve_penalty", {"on": "2020-03-04"}),
            (world.officer, "serve_notice", {"on": "2020-03-05"}),
            (world.supervisor2, "decide", {"on": "2020-03-13"}),
            (world.officer, "serve_decision", {"on": "2020-03-16"}),
            (world.officer, "record_payment", {"on": "2020-03-20", "amount": "100.00"}),
        ]:
            run_action(who, case, action, body, today=TODAY)


def test_the_number_of_queries_does_not_grow_with_the_data(world):
    def run():
        build_dashboard(None, Period(date(2020, 1, 1), TODAY), TODAY)
        work_queues(world.auditor, TODAY)

    db.session.expire_all()
    with count_queries() as small:
        run()
    add_decided_cases(world, 10)
    db.session.expire_all()
    with count_queries() as large:
        run()
    assert len(large) == len(small)
    board = build_dashboard(world.unit, Period(date(2020, 1, 1), TODAY), TODAY)
    assert board.inspections == 16 and board.decisions_made == 12  # six before, one of them in January
    assert board.money.fines_imposed == Decimal("10000.00")
    assert board.money.confiscation_imposed == Decimal("3060.00")
    assert board.money.fines_collected == Decimal("7000.00")


# ------------------------------------------------------------------------------------------ against the records


def decided_case(world: DashboardWorld, name: str, started_at: datetime, payments=(), fine="400.00") -> Case:
    """A gouging case decided on 2020-03-13 and served on 2020-03-16 (fine ``fine``, confiscation 100), with
    ``payments`` ((on, amount) pairs) recorded."""
    place = premises(world.officer, name=name)
    case = gouging_case(world.officer, world.officer2, place, world.outbreak, started_at, price="3.00", quantity_sold="5")
    for who, action, body in [
        (world.supervisor, "file", {"on": "2020-02-25", "officers": [world.officer.username, world.officer2.username]}),
        (world.officer, "propose_penalty", {"on": "2020-03-02", "illegal_gains": "100.00",
                                            "lines": [{"kind": "confiscation", "amount": "100.00"},
                                                      {"kind": "fine", "amount": fine}]}),
        (world.supervisor2, "approve_penalty", {"on": "2020-03-04"}),
        (world.officer, "serve_notice", {"on": "2020-03-05"}),
        (world.supervisor2, "decide", {"on": "2020-03-13"}),
        (world.officer, "serve_decision", {"on": "2020-03-16"}),
        *((world.officer, "record_payment", {"on": on, "amount": amount}) for on, amount in payments),
    ]:
        run_action(who, case, action, body, today=TODAY)
    return case


class DecisionsWorld(DashboardWorld):
    """DashboardWorld plus decisions in every money situation: unpaid (the surcharge runs to its cap), paid in
    part, paid in full late, appealed (pending, annulled, varied), and a payment dated after other days asked for."""

    def __init__(self):
        super().__init__()
        self.unpaid = decided_case(self, "Pharmacy unpaid", utc(2020, 2, 10, 2, 0))
        self.part_paid = decided_case(self, "Pharmacy part", utc(2020, 2, 11, 2, 0), [("2020-03-20", "150.00")])
        self.late = decided_case(self, "Pharmacy late", utc(2020, 2, 12, 2, 0),
                                 [("2020-04-10", "250.00"), ("2020-05-02", "400.00")], fine="500.00")
        self.pending = decided_case(self, "Pharmacy pending", utc(2020, 2, 13, 2, 0))
        self.act(self.officer, self.pending, "record_appeal", on="2020-04-07", kind="reconsideration")
        self.annulled = decided_case(self, "Pharmacy annulled", utc(2020, 2, 14, 2, 0), [("2020-03-25", "50.00")])
        self.act(self.officer, self.annulled, "record_appeal", on="2020-04-01", kind="reconsideration")
        self.act(self.supervisor, self.annulled, "record_appeal", reference="(2020)JF-17", on="2020-05-20", kind="reconsideration",
                 outcome="annulled", outcome_on="2020-05-20")
        self.varied = decided_case(self, "Pharmacy varied", utc(2020, 2, 15, 2, 0))
        self.act(self.supervisor, self.varied, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied",
                 outcome_on="2020-06-01", lines=[{"kind": "confiscation", "amount": "100.00"},
                                                 {"kind": "fine", "amount": "300.00"}])


def from_records(unit, period: Period, today: date) -> dict:
    """The dashboard's figures counted from the records themselves, the slow way: inspections by their day,
    distinct premises, and every decision's account as the case page computes it (money_account)."""
    def mine(column):
        return sa.true() if unit is None else column == unit.id

    visits = db.session.scalars(sa.select(Inspection).where(
        Inspection.day.between(period.date_from, period.date_to), mine(Inspection.unit_id))).all()
    item = current_rulebook().inspections.closure_obeyed_item
    decided = db.session.scalars(sa.select(Case).where(
        Case.decided_on.between(period.date_from, period.date_to), mine(Case.unit_id)).order_by(Case.id)).all()
    balances = [(case, money_account(case, today)) for case in decided]
    in_force = [(case, balance) for case, balance in balances if balance is not None]
    opened = db.session.scalars(sa.select(Case).where(
        Case.clue_on.between(period.date_from, period.date_to), mine(Case.unit_id))).all()
    paid = db.session.scalars(sa.select(Payment).join(Case).where(
        Payment.on.between(period.date_from, period.date_to), mine(Case.unit_id))).all()

    def total(name):
        return sum((getattr(balance, name) for _case, balance in in_force), Decimal("0.00"))

    def sanctions(case):
        return {line["kind"] for line in case.decided_lines} & {"closure", "suspension"}

    return {
        "inspections": len(visits),
        "premises_checked": len({visit.premises_id for visit in visits}),
        "closures_confirmed": len({visit.premises_id for visit in visits if visit.type.value == "follow_up"
                                   and visit.status.value == "submitted" and visit.checklist.get(item) == "yes"}),
        "cases_by_state": dict(Counter(case.state.value for case in opened)),
        "decisions_made": len(decided),
        "decisions_withdrawn": len(decided) - len(in_force),
        "median": median_days((case.clue_on, case.decided_on) for case in decided),
        "closures_ordered": sum(1 for case, _balance in in_force if sanctions(case)),
        "money": (len(in_force), total("fine"), total("paid_fine"), total("confiscation"), total("paid_confiscation"),
                  total("surcharge"), total("paid_surcharge"), total("due")),
        "payments": (len(paid), sum((p.amount for p in paid), Decimal("0.00"))),
    }


def from_board(board) -> dict:
    money = board.money
    return {
        "inspections": board.inspections,
        "premises_checked": board.premises_checked,
        "closures_confirmed": board.closures_confirmed,
        "cases_by_state": counts(board.cases_by_state),
        "decisions_made": board.decisions_made,
        "decisions_withdrawn": board.decisions_withdrawn,
        "median": board.median_days_to_decision,
        "closures_ordered": board.closures_ordered,
        "money": (money.decisions, money.fines_imposed, money.fines_collected, money.confiscation_imposed,
                  money.confiscation_collected, money.surcharges_accrued, money.surcharges_collected, money.outstanding),
        "payments": (board.payments_count, board.payments_received),
    }


PERIODS = [
    Period(date(2020, 1, 1), date(2020, 12, 31)),  # a year
    Period(date(2020, 1, 1), date(2020, 4, 9)),  # the year to a day
    Period(date(2020, 2, 1), date(2020, 2, 29)),  # a month
    Period(date(2020, 3, 1), date(2020, 3, 15)),  # a month to a day
    Period(date(2020, 2, 9), date(2020, 3, 24)),  # days of two months
    Period(date(2020, 2, 11), date(2020, 5, 3)),  # partial months at both ends around whole ones
    Period(date(2019, 12, 20), date(2020, 3, 31)),  # over a new year
    Period(date(2020, 2, 12), date(2020, 2, 12)),  # one day
]
# Before the due date, while surcharges accrue, while an appeal is pending, after the caps, at the year's end.
DAYS = [date(2020, 3, 20), date(2020, 4, 9), date(2020, 4, 20), date(2020, 6, 30), TODAY]


@pytest.fixture
def decisions_world(app):
    return DecisionsWorld()


def test_every_figure_equals_the_records_for_any_period_and_day(decisions_world):
    world = decisions_world
    assert world.pending.appeals[0].outcome == "pending" and world.annulled.withdrawn_on == date(2020, 5, 20)
    for unit in (None, world.unit, world.other_unit):
        for period in PERIODS:
            for today in DAYS:
                expected = from_records(unit, period, today)
                assert from_board(build_dashboard(unit, period, today)) == expected, (unit, period, today)


def test_settled_accounts_are_summed_and_accruing_ones_computed_for_the_day(decisions_world):
    """A decision's stored account serves every day from its settling day; before it (the surcharge still
    accruing, a payment not yet made) the dashboard computes the account as of the day asked for."""
    world = decisions_world
    rows = {row.case_id: row for row in db.session.scalars(sa.select(DecisionFigure))}
    unpaid = rows[world.unpaid.id]
    due = world.unpaid.payment_due_on
    assert unpaid.settles_on == due + timedelta(days=34)  # 3 % a day on 400: capped on the 34th day
    assert (unpaid.surcharge, unpaid.due) == (40000, 40000 + 40000 + 10000)  # in cents
    assert rows[world.pending.id].settles_on == date(2020, 4, 6)  # frozen from the appeal lodged on 7 April
    assert rows[world.late.id].settles_on == date(2020, 5, 2)  # its last payment
    assert not rows[world.annulled.id].in_force and rows[world.varied.id].fine == 30000
    accruing = date(2020, 4, 9)
    year_to_date = Period(date(2020, 1, 1), accruing)
    board = build_dashboard(world.unit, year_to_date, accruing)
    assert from_board(board) == from_records(world.unit, year_to_date, accruing)
    assert money_account(world.unpaid, accruing).surcharge == Decimal("12.00") * (accruing - due).days
    assert board.premises_checked == 9 and board.decisions_made == 8  # three premises and six pharmacies; A, B and six


def test_accounts_computed_with_another_rate_are_recomputed(decisions_world, app):
    """After a change of the rulebook's late-payment rate the dashboard stays exact (it recomputes the accounts
    stored with the old rate) and figures verify names them until they are rebuilt."""
    import dataclasses

    from tracker.services.figures import figure_differences, rebuild_figures

    rulebook = app.extensions["tracker.rulebook"]
    app.extensions["tracker.rulebook"] = dataclasses.replace(rulebook, late_payment_daily_rate=Decimal("0.05"))
    period = Period(date(2020, 1, 1), TODAY)
    for today in (date(2020, 4, 9), TODAY):
        assert from_board(build_dashboard(None, period, today)) == from_records(None, period, today)
    item = current_rulebook().inspections.closure_obeyed_item
    differences = figure_differences(db.session.connection(), item, limit=100)
    assert differences and all("rate" in line for line in differences)
    rebuild_figures(db.session.connection(), item)
    db.session.commit()
    assert figure_differences(db.session.connection(), item) == []
    assert from_board(build_dashboard(None, period, TODAY)) == from_records(None, period, TODAY)
