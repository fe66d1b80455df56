"""The plain (Core) form of a dataset gives exactly the rows, order and values of its ORM form (issue 7:
the CSV and XLSX exports read the plain form, the list pages the ORM one)."""
import pytest

from tests.listings_helpers import ListWorld, bulk
from tracker.extensions import db
from tracker.models import Case, Violation
from tracker.services import listings

PLAIN = [name for name, ds in listings.DATASETS.items() if ds.joins is not None]
FILTERS = [
    ("officer", {}),
    ("auditor", {}),
    ("auditor", {"unit": "XZ"}),
    ("auditor", {"unit": "NOPE"}),
    ("officer", {"date_from": "2020-02-06", "date_to": "2020-12-31"}),
]


def orm_values(ds, actor, filters) -> list[list]:
    records = db.session.scalars(ds.select(actor, filters).options(*ds.export_options)).unique().all()
    return [listings.row_values(ds, record) for record in records]


def plain_values(ds, actor, filters) -> list[list]:
    return list(ds.plain_values(db.session.execute(ds.plain_select(actor, filters))))


def test_the_large_datasets_have_a_plain_form():
    assert {"inspections", "observations", "violations", "payments", "premises"} <= set(PLAIN)
    for name in PLAIN:
        assert all(column.sql for column in listings.dataset(name).columns), name


@pytest.mark.parametrize("name", PLAIN)
def test_plain_rows_equal_the_records_values(app, name):
    from datetime import date

    world = ListWorld()
    bulk(world, 12)
    # A violation in a case and one in none, so the plain form's outer join to cases is exercised both ways.
    assert db.session.query(Violation).filter(Violation.case_id.is_not(None)).count()
    assert db.session.query(Case).count()
    ds = listings.dataset(name)
    for who, filters in FILTERS:
        filters = {k: date.fromisoformat(v) if k.startswith("date_") else v for k, v in filters.items()}
        actor = getattr(world, who)
        expected = orm_values(ds, actor, filters)
        # repr: the same types and the same Decimal exponents, so the CSV cells are byte for byte the same.
        assert repr(plain_values(ds, actor, filters)) == repr(expected), (who, filters)
        if who == "auditor" and not filters:
            assert expected, "the world has rows of every dataset"


def test_the_exports_fast_cell_is_safe_cell():
    from datetime import date, datetime, timezone
    from decimal import Decimal

    from tracker.domain.opendata import safe_cell
    from tracker.web.exports.routes import cell

    values = [None, "", "plain", "=1+1", "+1", "-1", "@x", "\tx", "\rx", "康健", 0, 7, -3, True, False,
              Decimal("3.5"), Decimal("3.50"), Decimal("1.9167"), Decimal("12"), Decimal("-1.5E+3"),
              date(2020, 1, 19), datetime(2020, 2, 6, 1, 30, 45), datetime(2020, 2, 6, 1, 30, tzinfo=timezone.utc),
              1.5]
    for value in values:
        assert cell(value) == safe_cell(value), value
    # The CSV writer's loop writes the commonest cells inline; the bytes are those of safe_cell's text.
    import csv
    import io

    from tracker.domain.vocabulary import InspectionStatus
    from tracker.web.exports.routes import csv_chunks

    values += [InspectionStatus.SUBMITTED, "a,b", 'say "hi"', "two\nlines"]
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\r\n").writerows([["h"] * len(values), [safe_cell(v) for v in values]])
    written = b"".join(csv_chunks(["h"] * len(values), [values, values[::-1]], bom=False)).decode()
    reversed_row = io.StringIO()
    csv.writer(reversed_row, lineterminator="\r\n").writerow([safe_cell(v) for v in values[::-1]])
    assert written == expected.getvalue() + reversed_row.getvalue()
