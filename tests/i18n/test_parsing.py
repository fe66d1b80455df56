"""What people type: dates as 2020-03-09, 2020/3/9 or 2020年3月9日; money as 200000, 200,000.00, ¥200,000.00,
￥200000 or 200000元. The pure readers, the shared form fields, and a real form taking Chinese input."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask_wtf import FlaskForm

from tests.conftest import post_form
from tests.factories import County, emergency, inspection, premises
from tests.i18n.helpers import request_in
from tracker.domain.localformat import parse_date, parse_datetime, parse_money
from tracker.extensions import db
from tracker.models import Inspection
from tracker.web.forms import LocalDateField, LocalDateTimeField, money_field


@pytest.mark.parametrize("text", [
    "2020-03-09", "2020-3-9", "2020/3/9", "2020/03/09", "2020.3.9", "2020年3月9日", "2020年03月09日", "2020年3月9号",
    "2020年3月9", " 2020 年 3 月 9 日 ", "２０２０年３月９日", "２０２０－０３－０９",
])
def test_dates_as_typed(text):
    assert parse_date(text) == date(2020, 3, 9)


@pytest.mark.parametrize("text", [
    "", " ", "2020-02-30", "2020-13-01", "2020年13月1日", "2020年2月30日", "20-03-09", "09/03/2020", "2020-03",
    "2020年3月", "3月9日", "tomorrow", "2020-03-09x", "2020-03-09 10:30", "2020-03-09" + "1" * 80, "0000-01-01",
])
def test_not_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text, expected", [
    ("2020-03-09T10:30", datetime(2020, 3, 9, 10, 30)), ("2020-03-09 10:30", datetime(2020, 3, 9, 10, 30)),
    ("2020-03-09T10:30:15", datetime(2020, 3, 9, 10, 30, 15)), ("2020/3/9 8:05", datetime(2020, 3, 9, 8, 5)),
    ("2020年3月9日 10:30", datetime(2020, 3, 9, 10, 30)), ("2020年3月9日10:30", datetime(2020, 3, 9, 10, 30)),
    ("2020年3月9日10时30分", datetime(2020, 3, 9, 10, 30)), ("2020年3月9日 14点", datetime(2020, 3, 9, 14)),
    ("2020年3月9日 10：30", datetime(2020, 3, 9, 10, 30)),
])
def test_dates_and_times_as_typed(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["", "2020-03-09", "2020-03-09 25:00", "2020-03-09 10:61", "2020-03-09 10",
                                  "2020-03-09T", "10:30", "2020-02-30T10:30", "2020-03-09 10:30 pm"])
def test_not_dates_and_times(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


@pytest.mark.parametrize("text, expected", [
    ("200000", "200000"), ("200,000.00", "200000.00"), ("¥200,000.00", "200000.00"), ("￥200000", "200000"),
    ("¥ 200000", "200000"), ("200000元", "200000"), ("200,000.00 元", "200000.00"), ("RMB 5.5", "5.5"),
    ("CNY5", "5"), ("cny 5", "5"), ("1,234,567.89", "1234567.89"), ("3.50", "3.50"), (".5", "0.5"),
    ("２００，０００．００", "200000.00"), ("-1", "-1"), (" 9000.00 ", "9000.00"),
])
def test_money_as_typed(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize("text", [
    "", "¥", "元", "1,0,0", "12,34", "1,000,00", "1,0000.00", ",100", "100,", "1.2.3", "NaN", "nan", "Infinity",
    "-Infinity", "1e309", "1E3", "0x10", "--1", "¥-", "¥¥5", "5¥", "$5", "five", "9" * 80, "1 000",
])
def test_not_money(text):
    with pytest.raises(ValueError):
        parse_money(text)


class _Form(FlaskForm):
    class Meta:
        csrf = False

    on = LocalDateField("On")
    at = LocalDateTimeField("At")
    fine = money_field("Fine")


def _form(app, data: dict, language: str = "en") -> _Form:
    with request_in(app, language, method="POST", data=data):
        form = _Form()
        form.validate()
        return form


def test_the_shared_fields_read_both_languages(app):
    form = _form(app, {"on": "2020年3月9日", "at": "2020年3月9日 10:30", "fine": "¥200,000.00"})
    assert form.errors == {}
    assert (form.on.data, form.at.data, form.fine.data) == (date(2020, 3, 9), datetime(2020, 3, 9, 10, 30),
                                                           Decimal("200000.00"))
    form = _form(app, {"on": "2020-03-09", "at": "2020-03-09T10:30", "fine": "200000"})
    assert form.errors == {} and form.fine.data == Decimal("200000")


def test_the_shared_fields_explain_bad_input_in_the_readers_language(app):
    form = _form(app, {"on": "2020-02-30", "at": "soon", "fine": "lots"})
    assert form.errors == {"on": ["Not a valid date value. Write it as 2020-03-09."],
                           "at": ["Not a valid datetime value. Write it as 2020-03-09 10:30."],
                           "fine": ["Not a valid decimal value. Write it as 200,000.00."]}
    form = _form(app, {"on": "2020-02-30", "fine": "lots"}, language="zh-CN")
    assert form.errors["on"] == ["不是有效的日期值。请按 2020-03-09 或 2020年3月9日 的格式填写。"]
    assert form.errors["fine"] == ["不是有效的小数。请按 200,000.00 或 ¥200,000.00 的格式填写。"]
    # Money keeps its own rules: two places at most, not negative.
    assert _form(app, {"fine": "¥1.005"}).errors == {"fine": ["Use at most two decimal places."]}
    assert "fine" in _form(app, {"fine": "-5"}).errors
    # Empty optional fields are simply empty.
    form = _form(app, {"on": "", "at": "", "fine": ""})
    assert form.errors == {} and (form.on.data, form.at.data, form.fine.data) == (None, None, None)


def test_money_is_a_text_box_with_the_decimal_keypad(app):
    with request_in(app):
        html = str(_Form().fine())
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_a_price_typed_the_chinese_way_is_recorded(app, as_user):
    county = County()
    outbreak = emergency()
    draft = inspection(county.officer, county.officer2, premises(county.officer), outbreak,
                       started_at=datetime(2020, 2, 5, 2, 30, tzinfo=timezone.utc))
    client = as_user(county.officer)
    response = post_form(client, f"/inspections/{draft.id}", f"/inspections/{draft.id}/observations",
                         data={"commodity": "mask_n95", "price": "￥3.50", "marked_price": "3.50元",
                               "cost": "¥1.20", "quantity_sold": "1,000"},
                         headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    record = db.session.get(Inspection, draft.id)
    observation = record.observations[0]
    assert (observation.price, observation.marked_price, observation.cost) == (
        Decimal("3.50"), Decimal("3.50"), Decimal("1.20"))
