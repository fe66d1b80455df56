"""Downloads: CSV and XLSX round trips agree with the lists, scope holds, formulas are defused, LIVES."""
import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from tests.conftest import login
from tests.listings_helpers import CHINESE, ListWorld
from tracker.domain.opendata import LIVES_COLUMNS
from tracker.extensions import db
from tracker.services import listings

BOM = "\ufeff"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):])))


def read_xlsx(response):
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


def get(client, url: str):
    """A download read whole inside the request's own context (BrowserClient runs each request in a
    context of its own; test_csv_streams_in_chunks reads one as a server does, chunk by chunk)."""
    return client.get(url, buffered=True)


def headers(app, ds) -> list[str]:
    with app.test_request_context():
        return [str(column.header) for column in ds.columns]


def page_ids(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def test_csv_round_trip_equals_the_list_rows_with_chinese_text_and_money(app, as_user):
    world = ListWorld()
    client = as_user(world.officer)
    rows = read_csv(get(client, "/exports/observations.csv"))
    header, body = rows[0], rows[1:]
    assert header == headers(app, listings.OBSERVATIONS)
    expected = db.session.scalars(listings.OBSERVATIONS.select(world.officer, {})).all()
    assert [int(r[0]) for r in body] == [o.id for o in expected]
    by_commodity = {r[5]: dict(zip(header, r)) for r in body}
    assert by_commodity["rice"]["Premises"] == CHINESE
    assert by_commodity["rice"]["Inspected"] == "2020-02-06 01:30"  # in the unit's time zone
    assert Decimal(by_commodity["mask_n95"]["Price"]) == Decimal("3.50")
    assert by_commodity["mask_n95"]["Flags"].startswith("baseline_margin")
    # The page lists the same observations, in the same order.
    html = client.get("/inspections/observations").get_data(as_text=True)
    assert page_ids(html, r'<td class="text-end"><a href="/inspections/\d+">(\d+)</a>') == [r[0] for r in body]


def test_xlsx_round_trip_has_real_dates_and_money(app, as_user):
    world = ListWorld()
    client = as_user(world.officer)
    response = get(client, "/exports/penalties.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_xlsx(response)
    header = [c.value for c in rows[0]]
    assert header == headers(app, listings.PENALTIES)
    row = dict(zip(header, rows[1]))
    assert row["Number"].value == world.case.number
    assert row["Decided on"].value == datetime(2020, 3, 13) and row["Decided on"].is_date
    assert row["Fine"].value == 6000 and row["Fine"].number_format == "#,##0.00"
    assert Decimal(str(row["Confiscation"].value)).quantize(Decimal("0.01")) == Decimal("2060.00")
    assert row["Penalty"].value == "confiscation 2060.00; fine 6000.00"
    payments = read_xlsx(get(client, "/exports/payments.xlsx"))
    assert [(c.value) for c in payments[1]][4:6] == [datetime(2020, 3, 31), 8060]
    chinese = read_xlsx(get(client, "/exports/premises.xlsx?q=康健"))
    assert [r[2].value for r in chinese[1:]] == [CHINESE]


@pytest.mark.parametrize("query, number_expected", [
    ("code=price_gouging", True), ("code=price_marking", False), ("officer=li.na", True),
    ("date_from=2020-02-06", False), ("state=bogus", True), ("state=closed", False),
])
def test_filters_agree_between_the_list_page_and_its_exports(app, as_user, query, number_expected):
    world = ListWorld()
    client = as_user(world.officer)
    html = client.get(f"/cases/?{query}").get_data(as_text=True)
    on_page = page_ids(html, r'<a href="/cases/\d+">([A-Z]+-\d{4}-\d{4})</a>')
    csv_numbers = [r[0] for r in read_csv(get(client, f"/exports/cases.csv?{query}"))[1:]]
    xlsx_numbers = [r[0].value for r in read_xlsx(get(client, f"/exports/cases.xlsx?{query}"))[1:]]
    assert on_page == csv_numbers == xlsx_numbers
    assert (world.case.number in csv_numbers) is number_expected


def test_another_units_rows_are_never_exported(app, as_user):
    world = ListWorld()
    client = as_user(world.officer)
    for name in ("inspections", "observations", "violations", "premises"):
        text = get(client, f"/exports/{name}.csv?unit=XZ").get_data().decode("utf-8")
        assert "Xizhen" not in text and "\nXZ," not in text, name
    lives = zipfile.ZipFile(io.BytesIO(get(client, "/exports/lives.zip?unit=XZ").get_data()))
    assert str(world.theirs.id) not in [r[0] for r in csv.reader(io.StringIO(lives.read("businesses.csv").decode()))]
    other = app.test_client()
    login(other, world.other_officer.username)
    assert [r[0] for r in read_csv(get(other, "/exports/cases.csv"))[1:]] == []
    auditor = app.test_client()
    login(auditor, world.auditor.username)
    units = {r[1] for r in read_csv(get(auditor, "/exports/inspections.csv?unit=XZ"))[1:]}
    assert units == {"XZ"}


def test_formula_cells_are_defused(app, as_user):
    world = ListWorld()
    client = as_user(world.officer)
    rows = read_csv(get(client, "/exports/premises.csv"))
    names = [r[2] for r in rows[1:]]
    assert "'" + world.formula.name in names and world.formula.name not in names
    sheet = read_xlsx(get(client, "/exports/premises.xlsx"))
    cells = [r[2] for r in sheet[1:] if "HYPERLINK" in str(r[2].value)]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].value == world.formula.name


def test_readers_only_and_unknown_datasets_are_404(app, client):
    world = ListWorld()
    assert get(client, "/exports/cases.csv").status_code == 302
    login(client, world.admin.username)
    assert get(client, "/exports/cases.csv").status_code == 403
    assert get(client, "/exports/lives.zip").status_code == 403
    other = app.test_client()
    login(other, world.officer.username)
    assert get(other, "/exports/users.csv").status_code == 404
    assert get(other, "/exports/cases.pdf").status_code == 404
    assert get(other, "/exports/cases.csv?date_from=garbage&overdue=1&page=x").status_code == 200


def test_lives_zip_has_exactly_the_documented_files_and_no_personal_data(app, as_user):
    world = ListWorld()
    client = as_user(world.auditor)
    response = get(client, "/exports/lives.zip?unit=CG&date_to=2020-12-31")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == sorted(LIVES_COLUMNS)
    files = {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8")))) for name in LIVES_COLUMNS}
    for name, rows in files.items():
        assert tuple(rows[0]) == LIVES_COLUMNS[name], name
    everything = b"".join(archive.read(name) for name in LIVES_COLUMNS).decode("utf-8")
    for personal in ("13800138000", "柳树巷", "王秀"):
        assert personal not in everything
    businesses = {row[0]: row for row in files["businesses.csv"][1:]}
    assert set(businesses) == {str(world.pharmacy.id), str(world.chinese.id)}
    assert businesses[str(world.chinese.id)][1] == CHINESE
    inspections = files["inspections.csv"][1:]
    assert [(r[0], r[1], r[2], r[4]) for r in inspections] == [
        (str(world.pharmacy.id), "50", "20200205", "campaign"),
        (str(world.chinese.id), "100", "20200206", "routine"),
    ]
    assert files["violations.csv"][1:] and files["violations.csv"][1][:3] == [str(world.pharmacy.id), "20200205", "price_gouging"]
    feed = files["feed_info.csv"][1]
    assert re.fullmatch(r"\d{8}", feed[0]) and feed[2] == "Chengguan station"
    # The period narrows every file.
    later = zipfile.ZipFile(io.BytesIO(get(client, "/exports/lives.zip?unit=CG&date_from=2020-02-06").get_data()))
    assert [r[0] for r in csv.reader(io.StringIO(later.read("inspections.csv").decode()))][1:] == [str(world.chinese.id)]


def test_csv_streams_in_chunks(app, as_user):
    from flask.testing import FlaskClient

    from tests.listings_helpers import bulk

    world = ListWorld()
    bulk(world, 450)
    streaming = FlaskClient(app, app.response_class, use_cookies=True)
    login(streaming, world.officer.username)
    response = streaming.get("/exports/observations.csv")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 3  # BOM, then a chunk per 200 rows
    assert b"".join(chunks).decode("utf-8").count("\r\n") == 1 + 452


def test_premises_list_offers_downloads_that_keep_its_filters(app, as_user):
    world = ListWorld()
    client = as_user(world.officer)
    page = client.get("/premises/?kind=pharmacy&repeat=1").get_data(as_text=True)
    links = re.findall(r'href="(/exports/premises\.(?:csv|xlsx)\?[^"]*)"', page)
    assert len(links) == 2
    for link in links:
        assert "kind=pharmacy" in link and "repeat=1" in link
    rows = read_csv(get(client, links[0].replace("&amp;", "&")))
    assert rows[0] == headers(app, listings.PREMISES)


def test_xlsx_goes_on_in_a_new_sheet_when_one_is_full(app, as_user, monkeypatch):
    from tracker.web.exports import routes

    world = ListWorld()
    client = as_user(world.officer)
    expected = db.session.scalars(listings.OBSERVATIONS.select(world.officer, {})).all()
    assert len(expected) == 2
    monkeypatch.setattr(routes, "ROWS_PER_SHEET", 1)
    response = get(client, "/exports/observations.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert len(book.worksheets) == 2
    ids = []
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == headers(app, listings.OBSERVATIONS)
        assert len(rows) == 2  # the header and one row
        ids += [row[0] for row in rows[1:]]
    assert ids == [o.id for o in expected]  # every row, once, in order


def test_an_empty_xlsx_still_has_its_header_row(app, as_user):
    world = ListWorld()
    client = as_user(world.officer)
    response = get(client, "/exports/observations.xlsx?date_from=2029-01-01")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert [list(row) for row in book.active.iter_rows(values_only=True)] == [headers(app, listings.OBSERVATIONS)]
