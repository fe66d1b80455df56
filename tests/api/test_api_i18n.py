"""Problem documents speak the caller's language (Accept-Language): titles, details and field messages,
including marshmallow's own; codes, field names and the English answers stay as they were."""
from datetime import date

import pytest
from flask_babel import refresh

from tests.api.helpers import bearer, problem
from tests.factories import County, inspection, premises
from tracker.services import inspections as inspection_service
from tracker.services.wording import day, money

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


@pytest.fixture
def county(app):
    return County()


def test_404_in_chinese_and_in_english(client, county):
    officer = bearer(county.officer)
    body = problem(client.get("/api/v1/premises/4242", headers={**officer, **ZH}), 404)
    assert body["title"] == "未找到" and body["detail"] == "没有该经营场所。"
    body = problem(client.get("/api/v1/premises/4242", headers=officer), 404)
    assert body["title"] == "Not found" and body["detail"] == "No such premises."


def test_werkzeug_default_description_is_translated(client, county):
    officer = bearer(county.officer)
    body = problem(client.get("/api/v1/no-such-thing", headers={**officer, **ZH}), 404)
    assert body["detail"].startswith("服务器上找不到所请求的网址")
    body = problem(client.get("/api/v1/no-such-thing", headers=officer), 404)
    assert body["detail"].startswith("The requested URL was not found on the server.")


def test_422_field_errors_from_marshmallow_and_from_the_service(client, county):
    officer = {**bearer(county.officer), **ZH}
    body = problem(client.post("/api/v1/premises", json={"kind": "pharmacy", "colour": "red"}, headers=officer), 422)
    assert body["title"] == "无法处理的请求"
    assert body["errors"]["name"] == ["缺少必填字段的数据。"] and body["errors"]["colour"] == ["未知字段。"]
    assert body["detail"].startswith("请求未通过校验：") and "name: 缺少必填字段的数据。" in body["detail"]
    # A message marshmallow formats with values: the values survive the translation.
    body = problem(client.get("/api/v1/units?limit=0", headers=officer), 422)
    assert body["errors"]["limit"] == ["必须大于或等于 1 且小于或等于 200。"]
    # The service's own refusal, with its field.
    body = problem(client.post("/api/v1/premises", json={"name": " ", "kind": "pharmacy", "operator_type": "organisation"},
                               headers=officer), 422)
    assert body["detail"] == "经营场所未保存。" and body["errors"]["name"] == ["名称为必填项。"]


def test_422_in_english_without_the_header(client, county):
    officer = bearer(county.officer)
    body = problem(client.post("/api/v1/premises", json={"kind": "pharmacy", "colour": "red"}, headers=officer), 422)
    assert body["title"] == "Unprocessable request"
    assert body["errors"]["name"] == ["Missing data for required field."] and body["errors"]["colour"] == ["Unknown field."]
    assert body["detail"].startswith("The request did not pass validation: ")
    body = problem(client.get("/api/v1/units?limit=0", headers=officer), 422)
    assert body["errors"]["limit"] == ["Must be greater than or equal to 1 and less than or equal to 200."]


def test_409_in_chinese_and_in_english(client, county):
    shop = premises(county.officer)
    record = inspection(county.officer, county.officer2, shop)
    inspection_service.submit_inspection(county.officer, record, "no_action")
    officer = bearer(county.officer)
    url = f"/api/v1/inspections/{record.id}/submit"
    body = problem(client.post(url, json={"outcome": "no_action"}, headers={**officer, **ZH}), 409)
    assert body["title"] == "冲突" and body["detail"] == "该检查已提交，只读；请改为记录更正。"
    body = problem(client.post(url, json={"outcome": "no_action"}, headers=officer), 409)
    assert body["title"] == "Conflict"
    assert body["detail"] == "This inspection is submitted and read-only; record an amendment instead."


def test_403_in_chinese_and_in_english(client, county):
    auditor = bearer(county.auditor)
    payload = {"name": "Kangjian Pharmacy", "kind": "pharmacy"}
    body = problem(client.post("/api/v1/premises", json=payload, headers={**auditor, **ZH}), 403)
    assert body["title"] == "无权操作" and body["detail"] == "角色 auditor 不能使用此接口。"
    body = problem(client.post("/api/v1/premises", json=payload, headers=auditor), 403)
    assert body["title"] == "Not allowed" and body["detail"] == "The role auditor may not use this endpoint."


def test_401_title_follows_the_header_too(client, county):
    body = problem(client.get("/api/v1/units", headers=ZH), 401)
    assert body["title"] == "需要身份验证"


def test_dates_and_money_inside_messages_follow_the_locale(app):
    with app.test_request_context("/api/v1/cases", headers=ZH):
        refresh()  # the tests' app context outlives the request: forget the locale it chose before
        assert day(date(2020, 3, 12)) == "2020年3月12日" and money(1100) == "1,100.00"
    with app.test_request_context("/api/v1/cases"):
        refresh()
        assert day(date(2020, 3, 12)) == "2020-03-12" and money(1100) == "1,100.00"
