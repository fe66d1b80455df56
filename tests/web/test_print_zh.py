"""The printable notice and decision: the Chinese document layout for a Chinese reader, the English one unchanged.

The Chinese assertions need the zh_CN catalog merged and compiled (tracker/translations/zh_CN); dates in 年月日
form and the layout's structure come from the template and Babel alone."""
from __future__ import annotations

import dataclasses
import re

from markupsafe import escape

from tests.cases_helpers import CaseWorld
from tests.conftest import login
from tracker.services.rulebooks import current_rulebook

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _reader(app, user):
    client = app.test_client()
    login(client, user.username)
    return client


def _page(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _basis_in(app, headers, code="price_gouging") -> str:
    """The violation's legal basis as the rulebook words it for that reader (the rulebook carries its own Chinese)."""
    with app.test_request_context(headers=headers):
        return str(escape(str(current_rulebook().violations[code].legal_basis)))


def test_notice_in_chinese_has_the_official_layout(app):
    world = CaseWorld()
    case = world.to_state("notice_served")
    html = _page(_reader(app, world.officer), f"/cases/{case.id}/notice", ZH)
    assert 'lang="zh-CN"' in html and "print_zh.css" in html
    assert "<h1>行政处罚告知书</h1>" in html
    assert '<p class="number">CG市监处告〔2020〕1号</p>' in html
    assert "<p>当事人：Kangjian Pharmacy</p>" in html
    assert "<h2>违法事实</h2>" in html and "<h2>证据</h2>" in html and "2020年2月5日现场检查记录" in html
    assert "<h2>法律依据</h2>" in html and _basis_in(app, ZH) in html
    assert "没收违法所得人民币2,060.00元" in html and "罚款人民币6,000.00元" in html
    assert "自收到本告知书之日起5个工作日内，向本机关进行陈述、申辩" in html
    assert "听证" not in html  # 8,060 yuan against an organisation gives no hearing right
    # Agency, date in 年月日 form and room for the seal, at the bottom.
    footer = html[html.index('<footer class="signature">'):]
    assert "Chengguan station" in footer and '<p class="date">2020年3月5日</p>' in footer and "（印章）" in footer


def test_notice_tells_of_the_hearing_right_when_the_penalty_gives_one(app):
    world = CaseWorld()
    case = world.open()
    world.act(world.supervisor, case, "file", on="2020-02-10", officers=[world.officer.username, world.officer2.username])
    # 150,000 yuan against an organisation reaches the rulebook's hearing threshold (100,000).
    world.act(world.officer, case, "propose_penalty", on="2020-03-02", lines=[{"kind": "fine", "amount": "150000.00"}])
    world.act(world.supervisor2, case, "approve_penalty", on="2020-03-04")
    assert case.hearing_right
    html = _page(_reader(app, world.officer), f"/cases/{case.id}/notice", ZH)
    assert "有权自收到本告知书之日起5个工作日内要求听证" in html
    assert "罚款人民币150,000.00元" in html
    assert '<p class="date">2020年3月4日</p>' in html  # not served yet: dated the day it was approved


def test_decision_in_chinese_has_payment_and_remedies(app):
    world = CaseWorld()
    case = world.to_state("decision_served")
    html = _page(_reader(app, world.officer), f"/cases/{case.id}/decision", ZH)
    assert "<h1>行政处罚决定书</h1>" in html
    assert '<p class="number">CG市监处罚〔2020〕1号</p>' in html
    assert "<p>当事人：Kangjian Pharmacy</p>" in html and _basis_in(app, ZH) in html
    assert "本机关决定对当事人作出如下行政处罚" in html
    assert "请自收到本决定书之日起15日内缴纳罚没款" in html and "加处罚款" in html
    assert "缴款期限至2020年3月31日" in html
    assert "60日内依法申请行政复议" in html and "6个月内依法向人民法院提起行政诉讼" in html
    assert "陈述、申辩" not in html
    footer = html[html.index('<footer class="signature">'):]
    assert '<p class="date">2020年3月13日</p>' in footer and "（印章）" in footer


def test_english_keeps_its_layout(app):
    world = CaseWorld()
    case = world.to_state("decision_served")
    reader = _reader(app, world.officer)
    for headers in (EN, {}):
        notice = _page(reader, f"/cases/{case.id}/notice", headers)
        assert 'lang="en"' in notice and "print.css" in notice and "print_zh.css" not in notice
        assert "<h2>Notice of proposed administrative penalty</h2>" in notice
        assert '<p class="number">CG-2020-0001</p>' in notice
        assert "You may state your case and defend yourself within 5 working days of service of this notice." in notice
        assert "印章" not in notice and "年" not in notice
        decision = _page(reader, f"/cases/{case.id}/decision", headers)
        assert "<h2>Administrative penalty decision</h2>" in decision
        assert re.search(r"Pay within 15 days of service; a late payment adds 3\s?% of the unpaid fine", decision)
        assert ("You may apply for administrative reconsideration within 60 days, or bring an administrative lawsuit "
                "within 6 months, of service of this decision.") in decision
        assert '<p class="date">Chengguan station · 2020-03-13</p>' in decision


def test_printed_periods_follow_the_rulebook(app):
    world = CaseWorld()
    case = world.to_state("decision_served")
    rulebook = current_rulebook()
    deadlines = dict(rulebook.deadlines)
    deadlines["statement"] = dataclasses.replace(deadlines["statement"], days=7)
    deadlines["payment"] = dataclasses.replace(deadlines["payment"], days=30)
    deadlines["reconsideration"] = dataclasses.replace(deadlines["reconsideration"], days=1)
    app.extensions["tracker.rulebook"] = dataclasses.replace(rulebook, deadlines=deadlines, late_payment_daily_rate=None)
    reader = _reader(app, world.officer)
    notice = _page(reader, f"/cases/{case.id}/notice", EN)
    assert "within 7 working days of service of this notice" in notice
    decision = _page(reader, f"/cases/{case.id}/decision", EN)
    assert "<p>Pay within 30 days of service.</p>" in decision  # no surcharge rate in this rulebook: not promised
    assert "reconsideration within 1 day, or" in decision
    assert "自收到本决定书之日起30日内缴纳罚没款。" in _page(reader, f"/cases/{case.id}/decision", ZH)
