"""Downloads: filtered lists as CSV or XLSX, the LIVES open-data ZIP, and the auditor's case-file pack.

Every download reads the same filters as its list page (tracker.services.listings) and streams: rows are
fetched in batches (``yield_per``) and written out as they come, so memory stays flat however many rows.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
import xlsxwriter
from flask import Response, current_app, request, stream_with_context, url_for
from flask_login import current_user
from stream_zip import ZIP_32, stream_zip

from tracker.domain import opendata
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Unit
from tracker.services import clock
from tracker.services import listings
from tracker.services.listings import Dataset, lives_queries, local
from tracker.services.rulebooks import current_rulebook
from tracker.web.access import READERS, allow
from tracker.web.cases.forms import CaseFilterForm, PaymentFilterForm, PenaltyFilterForm
from tracker.web.exports.blueprint import bp
from tracker.web.exports.filters import LivesFilterForm, PremisesExportFilterForm, read_filters
from tracker.web.inspections.forms import InspectionFilterForm, ObservationFilterForm, ViolationFilterForm
from tracker.web.labels import label


FILTER_FORMS = {
    "inspections": InspectionFilterForm,
    "observations": ObservationFilterForm,
    "violations": ViolationFilterForm,
    "cases": CaseFilterForm,
    "penalties": PenaltyFilterForm,
    "payments": PaymentFilterForm,
    "premises": PremisesExportFilterForm,
}
BATCH = 1000  # rows fetched per round trip
ROWS_PER_SHEET = 1_048_575  # an XLSX worksheet holds 1,048,576 rows, one of them the header
FLUSH_EVERY = 200  # CSV rows written to the response per chunk
BOM = "\ufeff".encode()  # lets spreadsheet programs read UTF-8 (Chinese names) correctly


def _all_rows_wanted() -> None:
    """Tell PostgreSQL that this transaction's cursors are read to the end. A server-side cursor is otherwise
    planned for its first tenth (``cursor_tuple_fraction``): at a million inspections the planner then walked
    the order's index with a lookup per row, half as fast as reading, joining and sorting the lot."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL cursor_tuple_fraction = 1.0"))


def _rows(stmt):
    """The statement's records, fetched in batches of BATCH (a server-side cursor on PostgreSQL)."""
    _all_rows_wanted()
    return db.session.scalars(stmt.execution_options(yield_per=BATCH))


def _filename(name: str, ext: str) -> str:
    today = clock.today(current_user.unit.timezone if current_user.unit else "Asia/Shanghai")
    return f"{name}-{today.isoformat()}.{ext}"


def _attachment(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _text_cell(value: str) -> str:
    return "'" + value if value.startswith(opendata.FORMULA_TRIGGERS) else value


def _decimal_cell(value: Decimal) -> str:
    return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)


# opendata.safe_cell by the value's exact type, without its chain of isinstance tests (a million-row
# export calls it for every cell); any other type (bool, subclasses) goes to safe_cell itself.
_CELLS = {
    str: _text_cell,
    int: str,
    Decimal: _decimal_cell,
    datetime: lambda value: value.isoformat(sep=" ", timespec="minutes"),
    date: date.isoformat,
    type(None): lambda _value: "",
}


def cell(value) -> str:
    """One CSV cell: exactly ``opendata.safe_cell(value)``, faster for the common types."""
    return _CELLS.get(type(value), opendata.safe_cell)(value)


def csv_chunks(headers: list[str], rows, bom: bool = True):
    """CSV text as UTF-8 byte chunks: every text cell defused against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def drain() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate(0)
        return data

    if bom:
        yield BOM
    writer.writerow([opendata.safe_cell(h) for h in headers])
    cells = _CELLS.get
    safe_cell = opendata.safe_cell
    triggers = opendata.FORMULA_TRIGGERS
    for count, row in enumerate(rows, 1):
        # The commonest cells inline, without a call each (a million-row export has ten million): the writer
        # itself writes None as "" and an int or a date as str() does, which is what safe_cell gives them.
        writer.writerow([
            value if (kind := type(value)) is int or value is None or kind is date
            else ("'" + value if value.startswith(triggers) else value) if kind is str
            else cells(kind, safe_cell)(value)
            for value in row
        ])
        if count % FLUSH_EVERY == 0:
            yield drain()
    yield drain()


def _csv(ds: Dataset, values, filename: str) -> Response:
    headers = [str(column.header) for column in ds.columns]
    return _attachment(stream_with_context(csv_chunks(headers, values)), "text/csv; charset=utf-8", filename)


def _values(ds: Dataset, stmt, plain):
    """Each row's column values, in column order; the query runs when the response is first read (lazily).

    :param plain: the dataset's plain select (``Dataset.plain_select``): plain rows, no ORM objects; when
        None, whole records with the export's eager loading, read through the columns' getters."""
    if plain is not None:
        _all_rows_wanted()
        yield from ds.plain_values(db.session.execute(plain.execution_options(yield_per=BATCH)))
        return
    for record in _rows(stmt.options(*ds.export_options)):
        yield [column.value(record) for column in ds.columns]


def _xlsx(ds: Dataset, values, filename: str) -> Response:
    """Write the workbook row by row (constant memory) to a temporary file, then stream that file.

    The file is unlinked as soon as it is open, so it disappears however the download ends."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {
            "constant_memory": True,
            "tmpdir": tempfile.gettempdir(),
            # Text stays text: never turned into formulas, links or numbers (formula injection).
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        formats = {
            "header": workbook.add_format({"bold": True}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "rate": workbook.add_format({"num_format": "0.00%"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        kinds = [column.kind for column in ds.columns]
        sheet, row = None, ROWS_PER_SHEET
        for record in values:
            if row == ROWS_PER_SHEET:  # a sheet is full: go on in the next one rather than drop rows
                sheet, row = _new_sheet(workbook, ds, formats), 0
            row += 1
            for col, value in enumerate(record):
                _write(sheet, row, col, kinds[col], value, formats)
        if sheet is None:
            _new_sheet(workbook, ds, formats)
        workbook.close()
        stream = open(path, "rb")
    finally:
        os.unlink(path)
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = _attachment(_file_chunks(stream), mimetype, filename)
    response.call_on_close(stream.close)  # also when the download is abandoned half way
    return response


def _new_sheet(workbook, ds: Dataset, formats: dict):
    """A worksheet with the dataset's header row; the second and later ones are numbered."""
    count = len(workbook.worksheets())
    title = str(ds.title)[:25] + (f" ({count + 1})" if count else "")
    sheet = workbook.add_worksheet(title)
    for col, column in enumerate(ds.columns):
        sheet.set_column(col, col, 12 if column.kind in ("int", "money", "date", "rate") else 20)
        sheet.write_string(0, col, str(column.header), formats["header"])
    sheet.freeze_panes(1, 0)
    return sheet


def _file_chunks(stream, size: int = 64 * 1024):
    with stream:
        while chunk := stream.read(size):
            yield chunk


def _write(sheet, row: int, col: int, kind: str, value, formats: dict) -> None:
    """One cell with its real type: dates as dates, money as numbers shown with two decimals."""
    if value is None or value == "":
        return
    if kind in ("money", "rate"):
        # A spreadsheet cell holds a binary float: the exact Decimal (two places) is converted only here.
        sheet.write_number(row, col, float(value), formats[kind])
    elif kind == "int":
        sheet.write_number(row, col, value)
    elif kind in ("date", "datetime"):
        sheet.write_datetime(row, col, value, formats[kind])
    else:
        sheet.write_string(row, col, str(value))


DATASET_NAMES = ", ".join(FILTER_FORMS)


@bp.route(f"/<any({DATASET_NAMES}):dataset>.<any(csv, xlsx):fmt>")
@allow(*READERS)
def download(dataset: str, fmt: str):
    """A list, filtered as on its page, as CSV or XLSX."""
    form, stmt = read_filters(FILTER_FORMS[dataset], dataset, page=False)
    ds = listings.dataset(dataset)
    values = _values(ds, stmt, ds.plain_select(current_user, form.values()))
    if fmt == "csv":
        return _csv(ds, values, _filename(dataset, "csv"))
    return _xlsx(ds, values, _filename(dataset, "xlsx"))


@bp.route("/lives.zip")
@allow(*READERS)
def lives():
    """The LIVES open-data feed (DOMAIN.md §9) for the unit and period: a ZIP of four CSV files,
    personal data of natural persons removed (tracker.domain.opendata)."""
    form = LivesFilterForm(request.args)
    form.prepare(current_user, current_rulebook())
    filters = form.values()
    queries = lives_queries(current_user, filters)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    members = [(name, now, 0o644, ZIP_32, _lives_member(name, rows)) for name, rows in _lives_files(queries, filters)]
    return _attachment(stream_with_context(stream_zip(members)), "application/zip", _filename("lives", "zip"))


def _lives_files(queries, filters):
    """The four LIVES files, by name, each as its rows."""
    rulebook = current_rulebook()
    today = clock.today(queries.timezone)
    feed = opendata.feed_info_row(
        today,
        f"{rulebook.label}-{today:%Y%m%d}",
        _municipality(filters),
        url_for("main.home", _external=True),
        current_app.config.get("TRACKER_CONTACT_EMAIL", ""),
    )
    return (
        ("businesses.csv", _businesses(queries.businesses, rulebook.redaction)),
        ("inspections.csv", _inspections(queries.inspections)),
        ("violations.csv", _violations(queries.violations, rulebook)),
        ("feed_info.csv", iter([feed])),
    )


def _lives_member(name: str, rows):
    # Plain UTF-8 without a BOM: LIVES files are read by programs first.
    return csv_chunks(list(opendata.LIVES_COLUMNS[name]), rows, bom=False)


def _municipality(filters: dict) -> str:
    """Who publishes: the chosen unit (auditors), else the user's unit, else the jurisdiction."""
    if filters.get("unit") and current_user.role is Role.AUDITOR:
        name = db.session.scalar(sa.select(Unit.name).where(Unit.code == filters["unit"]))
        if name:
            return name
    unit = current_user.unit
    return unit.name if unit is not None else current_rulebook().jurisdiction


def _businesses(stmt, redaction):
    for premises in _rows(stmt):
        yield opendata.business_row(
            opendata.Business(
                id=premises.id, name=premises.name, kind=premises.kind.value,
                operator_name=premises.operator_name, operator_type=premises.operator_type.value,
                credit_code=premises.credit_code, address=premises.address, phone=premises.phone,
            ),
            redaction,
        )


def _inspections(stmt):
    for inspection in _rows(stmt):
        on = local(inspection.started_at, inspection.unit.timezone).date()
        yield opendata.inspection_row(
            inspection.premises_id, on, inspection.outcome.value, label(inspection.outcome), inspection.type.value
        )


def _violations(stmt, rulebook):
    for violation in _rows(stmt):
        inspection = violation.inspection
        on = local(inspection.started_at, inspection.unit.timezone).date()
        known = rulebook.violations.get(violation.code)
        description = f"{known.title} ({known.legal_basis})" if known else violation.code
        yield opendata.violation_row(inspection.premises_id, on, violation.code, description)
