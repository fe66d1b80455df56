"""Export cells and the LIVES open-data rows, without an app."""
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.domain.opendata import (
    LIVES_COLUMNS,
    LIVES_SCORES,
    Business,
    business_row,
    feed_info_row,
    inspection_row,
    lives_date,
    lives_score,
    safe_cell,
    violation_row,
)

DOMAIN = Path(__file__).resolve().parents[2] / "docs" / "DOMAIN.md"


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=cmd", "\r=x", '=HYPERLINK("http://x","y")'])
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Kangjian Pharmacy", "康健大药房", "a=b", "2020 masks", ""])
def test_ordinary_text_is_left_alone(text):
    assert safe_cell(text) == text


def test_values_are_written_in_plain_machine_forms():
    assert safe_cell(None) == ""
    assert safe_cell(Decimal("6000")) == "6000.00"
    assert safe_cell(Decimal("2060.5")) == "2060.50"
    assert safe_cell(Decimal("1.9167")) == "1.9167"  # a rate keeps its four places
    assert safe_cell(date(2020, 2, 5)) == "2020-02-05"
    assert safe_cell(datetime(2020, 2, 5, 10, 30)) == "2020-02-05 10:30"
    assert safe_cell(42) == "42"
    assert safe_cell(True) == "1"


def test_lives_columns_are_exactly_those_of_domain_section_9():
    text = DOMAIN.read_text(encoding="utf-8")
    section = text[text.index("## 9. Open data"):text.index("## 10.")]
    documented = {
        name: tuple(part.split()[0] for part in columns.split(","))
        for name, columns in re.findall(r"`(\w+\.csv)` \(([^)]*)\)", section.replace("\n", " "))
    }
    assert documented == dict(LIVES_COLUMNS)


def test_score_follows_the_outcome_and_dates_are_yyyymmdd():
    assert lives_score("no_action") == 100 > lives_score("corrected") > lives_score("referred")
    assert set(LIVES_SCORES) == {"no_action", "corrected", "referred"}
    assert lives_score(None) is None
    assert lives_date(date(2020, 2, 5)) == "20200205"
    assert inspection_row(7, date(2020, 2, 5), "referred", "Referred", "campaign") == [7, 50, "20200205", "Referred", "campaign"]
    assert violation_row(7, date(2020, 2, 5), "price_gouging", "Price gouging") == [7, "20200205", "price_gouging", "Price gouging"]
    assert feed_info_row(date(2020, 12, 31), "v1", "County", "http://x/", "a@b")[0] == "20201231"


def test_a_natural_persons_home_address_phone_and_name_never_leave(cn):
    stall = Business(
        id=3, name="Wang Xiu Pork Stall 13800138000", kind="meat_vendor", operator_name="Wang Xiu",
        operator_type="individual", credit_code=None, address="12 Willow Lane, flat 3", phone="13800138000",
    )
    row = business_row(stall, cn.redaction)
    assert len(row) == len(LIVES_COLUMNS["businesses.csv"])
    published = " ".join(str(cell) for cell in row)
    assert row[0] == 3
    assert "Wang Xiu" not in published and "13800138000" not in published and "Willow" not in published
    assert row[1].startswith("W") and "Pork Stall" in row[1]
    assert row[2] == "" and row[8] == ""


def test_an_organisation_keeps_its_business_address_and_phone(cn):
    shop = Business(
        id=4, name="Kangjian Pharmacy", kind="pharmacy", operator_name="Kangjian Pharmacy Co., Ltd.",
        operator_type="organisation", credit_code="91350100M000100Y43", address="1 Main Street", phone="0591-87654321",
    )
    assert business_row(shop, cn.redaction) == [4, "Kangjian Pharmacy", "1 Main Street", "", "", "", "", "", "0591-87654321"]


@pytest.mark.parametrize("operator, name, published", [
    ("Li Na", "Na Li Noodles", "L** Noodles"),
    ("Zhao Jinbao", "ZhaoJinbao Fresh Pork", "Z** Fresh Pork"),
    ("赵金宝", "老金宝鲜肉店", "老**鲜肉店"),
])
def test_the_operators_name_in_another_form_never_leaves_in_businesses_csv(cn, operator, name, published):
    # Issue 15, finding 3: the keeper's name in another order, spacing, or as a Chinese given name.
    stall = Business(id=5, name=name, kind="meat_vendor", operator_name=operator, operator_type="individual",
                     credit_code=None, address="12 Willow Lane", phone="13800138000")
    assert business_row(stall, cn.redaction) == [5, published, "", "", "", "", "", "", ""]
