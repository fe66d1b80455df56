"""Building cases for tests, through the same services the app uses."""
from __future__ import annotations

from datetime import date, datetime, timezone

from tests.factories import County, emergency, inspection, premises, user
from tracker.services import inspections as inspection_service
from tracker.services.cases import open_case, run_action

TODAY = date(2020, 12, 31)


class CaseWorld(County):
    """The county plus a second supervisor, a referred mask-gouging inspection and its case."""

    def __init__(self):
        super().__init__()
        self.supervisor2 = user("supervisor", self.unit, "zhou.min")
        self.reviewer = user("supervisor", self.unit, "sun.li", legal_reviewer=True)
        self.outbreak = emergency()
        self.pharmacy = premises(self.officer, name="Kangjian Pharmacy")
        self.inspection = inspection(
            self.officer, self.officer2, self.pharmacy, self.outbreak,
            started_at=datetime(2020, 2, 5, 2, 30, tzinfo=timezone.utc),
        )
        obs = inspection_service.record_observation(
            self.officer, self.inspection,
            inspection_service.ObservationData("mask_n95", "3.50", marked_price="3.50", cost="1.20",
                                               baseline_price="1.20", baseline_cost="1.00", quantity_sold="1000"),
        )
        self.violation = inspection_service.record_violation(self.officer, self.inspection, "price_gouging", [obs.id])
        inspection_service.submit_inspection(self.officer, self.inspection, "referred")

    def open(self):
        return open_case(self.officer, inspection_id=self.inspection.id, today=TODAY)

    def act(self, who, case, action, today=TODAY, **body):
        return run_action(who, case, action, body, today=today)

    def to_state(self, state: str):
        """A case carried through the lifecycle up to ``state`` (gains 2,060: confiscate and fine)."""
        case = self.open()
        if state == "clue":
            return case
        self.act(self.supervisor, case, "file", on="2020-02-10", officers=[self.officer.username, self.officer2.username])
        if state == "investigating":
            return case
        self.act(self.officer, case, "propose_penalty", on="2020-03-02", illegal_gains="2060.00",
                 lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "6000.00"}])
        if state == "penalty_proposed":
            return case
        self.act(self.supervisor2, case, "approve_penalty", on="2020-03-04")
        if state == "penalty_approved":
            return case
        self.act(self.officer, case, "serve_notice", on="2020-03-05", method="in_person")
        if state == "notice_served":
            return case
        self.act(self.supervisor2, case, "decide", on="2020-03-13")
        if state == "decided":
            return case
        self.act(self.officer, case, "serve_decision", on="2020-03-16", method="in_person")
        return case
