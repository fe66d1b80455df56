"""A world for the list and export tests: two units, Chinese names, flagged prices, a decided case."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

from tests.cases_helpers import CaseWorld
from tests.factories import inspection, premises
from tracker.domain.lifecycle import CaseState
from tracker.domain.vocabulary import OperatorType
from tracker.extensions import db
from tracker.models import Case, Inspection, Payment, Premises, PriceObservation, Violation
from tracker.services import inspections as inspection_service

CHINESE = "康健大药房"


class ListWorld(CaseWorld):
    """CaseWorld's decided mask case (Kangjian Pharmacy, paid 8,060.00) plus:

    - a Chinese-named pharmacy of an individual with a quiet (unflagged) rice price, no action;
    - a premises whose name a spreadsheet would run as a formula;
    - an inspection, a flagged observation and a violation in the other unit (XZ).
    """

    def __init__(self):
        super().__init__()
        self.case = self.to_state("decided")
        self.act(self.officer, self.case, "serve_decision", on="2020-03-16", method="in_person")
        self.act(self.officer, self.case, "record_payment", on="2020-03-31", amount="8060.00", receipt="R-7")
        self.chinese = premises(self.officer, name=CHINESE, operator_type="individual", operator_name="王秀",
                                address="柳树巷12号", phone="13800138000")
        # 2020-02-06 01:30 in Shanghai (still 2020-02-05 in UTC): the period is read in the unit's zone.
        self.quiet = inspection(self.officer2, self.officer, self.chinese, self.outbreak, type="routine",
                                started_at=datetime(2020, 2, 5, 17, 30, tzinfo=timezone.utc))
        inspection_service.record_observation(
            self.officer2, self.quiet, inspection_service.ObservationData("rice", "5.00", marked_price="5.00"))
        inspection_service.submit_inspection(self.officer2, self.quiet, "no_action")
        self.formula = premises(self.officer, name='=HYPERLINK("http://evil.example","click")')
        self.theirs = premises(self.other_officer, name="Xizhen Pharmacy")
        self.their_inspection = inspection(self.other_officer, self.other_officer2, self.theirs, self.outbreak)
        obs = inspection_service.record_observation(
            self.other_officer, self.their_inspection,
            inspection_service.ObservationData("mask_n95", "3.50", marked_price="3.50", cost="1.20",
                                               baseline_price="1.20", baseline_cost="1.00"))
        inspection_service.record_violation(self.other_officer, self.their_inspection, "price_gouging", [obs.id])
        inspection_service.submit_inspection(self.other_officer, self.their_inspection, "referred")


def bulk(world: CaseWorld, count: int) -> None:
    """Add ``count`` rows to every list (inspections, observations, violations, cases, payments) in the
    officer's unit, inserted directly: only for measuring how list pages scale.

    Each kind of row is flushed at once (premises, then inspections, then observations and cases, then
    violations and payments): the same rows, in the same order, as one at a time, with one refresh of the
    derived figures per flush instead of one per row."""
    done = db.session.scalar(sa.select(sa.func.count(Case.id)).where(Case.year == 2019))
    start = datetime(2020, 3, 1, 2, 0, tzinfo=timezone.utc)
    numbers = range(done, done + count)
    places = [Premises(unit_id=world.unit.id, name=f"Bulk stall {i:04d}", kind="market_stall",
                       operator_type=OperatorType.ORGANISATION) for i in numbers]
    db.session.add_all(places)
    db.session.flush()
    visits = [
        Inspection(
            unit_id=world.unit.id, premises_id=place.id, started_at=start + timedelta(hours=i),
            lead_officer_id=world.officer.id, second_officer_id=world.officer2.id, type="routine",
            status="submitted", outcome="referred", rulebook="cn-samr", created_by_id=world.officer.id,
        )
        for i, place in zip(numbers, places)
    ]
    db.session.add_all(visits)
    db.session.flush()
    cases = []
    for i, place, visit in zip(numbers, places, visits):
        db.session.add(PriceObservation(
            inspection_id=visit.id, commodity="mask_n95", price=Decimal("3.50"), rulebook="cn-samr",
            recorded_by_id=world.officer.id, flags=[{"test": "baseline_margin", "explanation": "x", "params": {}}],
            flagged=True,
        ))
        case = Case(
            unit_id=world.unit.id, number=f"CG-2019-{i + 1:04d}", year=2019, sequence=i + 1, premises_id=place.id,
            inspection_id=visit.id, clue_on=date(2019, 6, 1), state=CaseState.DECISION_SERVED,
            operator_type=OperatorType.ORGANISATION, premises_snapshot={}, last_step_on=date(2019, 7, 1),
            decided_on=date(2019, 7, 1), decided_lines=[{"kind": "fine", "amount": "100.00"}],
        )
        db.session.add(case)
        cases.append(case)
    db.session.flush()
    for visit, case in zip(visits, cases):
        db.session.add(Violation(inspection_id=visit.id, code="price_gouging", case_id=case.id, legal_basis="PVP 6",
                                 created_by_id=world.officer.id))
        db.session.add(Payment(case_id=case.id, on=date(2019, 7, 2), amount=Decimal("100.00"),
                               recorded_by_id=world.officer.id))
    db.session.commit()


def names(stmt) -> list:
    return db.session.scalars(stmt).unique().all()


__all__ = ["ListWorld", "bulk", "names", "CHINESE", "Premises"]
