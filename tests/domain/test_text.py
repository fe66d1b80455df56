"""Domain texts: English as a string value, the reader's language when rendered (tracker.domain.text)."""
from __future__ import annotations

import json
import pickle
from datetime import date
from decimal import Decimal

import pytest

from tracker.domain import lifecycle as lc
from tracker.domain import text
from tracker.domain.credit_code import CreditCodeError, validate_credit_code
from tracker.domain.gouging import ObservationFacts, evaluate, explain
from tracker.domain.history import verify_chain
from tracker.domain.penalties import Penalty, PenaltyLine, check_penalty
from tracker.domain.text import N_, Localised, Money, Percent, Text

# A few entries of the zh_CN catalog, as Flask-Babel's gettext would return them.
CATALOG = {
    "margin %(margin)s%% on cost against %(baseline)s%% on %(date)s": "进销差价率%(margin)s%%，高于%(date)s的%(baseline)s%%",
    "margin %(margin)s%% on cost against %(baseline)s%% at the baseline": "进销差价率%(margin)s%%，高于基期的%(baseline)s%%",
    "no marked price": "未明码标价",
    "Check character should be %(expected)s, not %(found)s.": "校验码应为%(expected)s，而不是%(found)s。",
    "The case is %(state)s: '%(action)s' does not apply now.": "案件当前状态为“%(state)s”，此时不能“%(action)s”。",
    "clue": "线索",
    "Approve the penalty": "批准处罚",
    "The fine of %(fine)s is above the range %(minimum)s to %(maximum)s %(basis)s.":
        "罚款%(fine)s高于%(basis)s情形下的罚款幅度（%(minimum)s至%(maximum)s）。",
    "for an organisation (ordinary)": "单位（一般情节）",
    "content does not match its hash (altered)": "内容与其哈希值不符（已被篡改）",
    "The date %(date)s lies in the future.": "日期%(date)s不能晚于今天。",
}


class Reader:
    """A stand-in for Flask-Babel: a locale that tests switch, and gettext over CATALOG in zh_CN."""

    def __init__(self) -> None:
        self.locale = "en"

    def gettext(self, msgid: str) -> str:
        return CATALOG.get(msgid, msgid) if self.locale.startswith("zh") else msgid


@pytest.fixture
def reader():
    reader = Reader()
    text.install(reader.gettext, lambda: reader.locale)
    yield reader
    text.uninstall()


def test_without_a_translator_texts_are_english():
    message = Text(N_("The date %(date)s lies in the future."), date=date(2020, 1, 19))
    assert message == "The date 2020-01-19 lies in the future."
    assert str(message) == f"{message}" == "The date 2020-01-19 lies in the future."
    assert message.msgid == "The date %(date)s lies in the future." and message.params["date"] == date(2020, 1, 19)


def test_text_renders_in_the_readers_language_and_stays_english_as_a_value(reader):
    message = Text(N_("The date %(date)s lies in the future."), date=date(2020, 1, 19))
    reader.locale = "zh_CN"
    assert str(message) == f"{message}" == "%s" % message == "日期2020年1月19日不能晚于今天。"
    assert str(ValueError(message)) == "日期2020年1月19日不能晚于今天。"
    # What stores, hashes or serialises it sees the English sentence.
    assert json.dumps({"m": message}) == '{"m": "The date 2020-01-19 lies in the future."}'
    assert message == "The date 2020-01-19 lies in the future." and message.english == message
    reader.locale = "en"
    assert str(message) == "The date 2020-01-19 lies in the future."


def test_text_is_immutable_and_pickles():
    message = Text(N_("no marked price"))
    with pytest.raises(AttributeError):
        message.msgid = "other"  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(Text(N_("The date %(date)s lies in the future."), date=date(2020, 1, 2))))
    assert isinstance(copy, Text) and copy.params["date"] == date(2020, 1, 2)


def test_html_rendering_escapes(reader):
    message = Text(N_("cannot be hashed: %(error)s"), error="<b>")
    assert message.__html__() == "cannot be hashed: &lt;b&gt;"


@pytest.mark.parametrize(
    "value, en, zh",
    [
        (date(2020, 1, 19), "2020-01-19", "2020年1月19日"),
        (Money(Decimal("600000")), "600,000.00", "600,000.00"),
        (Money(Decimal("3.5"), "CNY"), "CN¥3.50", "¥3.50"),
        (Percent(Decimal("1.9167")), "191.67%", "191.67%"),
        (Percent("0.4"), "40%", "40%"),
        (12, "12", "12"),
    ],
)
def test_params_are_formatted_for_the_locale(value, en, zh):
    assert text.format_param(value, "en") == en
    assert text.format_param(value, "zh_CN") == zh


def test_nested_texts_render_in_the_same_language(reader):
    refused = Text(N_("The case is %(state)s: '%(action)s' does not apply now."),
                   state=lc.STATE_NAMES[lc.CaseState.CLUE], action=lc.ACTION_NAMES[lc.CaseAction.APPROVE_PENALTY])
    assert refused == "The case is clue: 'Approve the penalty' does not apply now."
    reader.locale = "zh_CN"
    assert str(refused) == "案件当前状态为“线索”，此时不能“批准处罚”。"


def test_no_locale_or_a_failing_one_means_english():
    message = Text(N_("no marked price"))
    text.install(lambda msgid: "未明码标价", lambda: None)
    try:
        assert str(message) == "no marked price"

        def outside_a_request():
            raise RuntimeError("Working outside of request context.")

        text.install(lambda msgid: "未明码标价", outside_a_request)
        assert str(message) == "no marked price"
        text.install(lambda msgid: "未明码标价", lambda: "zh_CN")
        assert str(message) == "未明码标价"
    finally:
        text.uninstall()


def test_a_translation_with_wrong_placeholders_falls_back_to_english():
    message = Text(N_("The date %(date)s lies in the future."), date=date(2020, 1, 19))
    text.install(lambda msgid: "日期%(day)s不能晚于今天。", lambda: "zh_CN")
    try:
        assert str(message) == "The date 2020-01-19 lies in the future."
    finally:
        text.uninstall()


def test_localised_picks_the_language_then_english(reader):
    meat = Localised({"en": "Meat", "zh_CN": "肉类"})
    assert meat == "Meat" and json.dumps(meat) == '"Meat"' and sorted([meat, "Apple"]) == ["Apple", "Meat"]
    reader.locale = "zh_CN"
    assert str(meat) == f"{meat}" == "肉类"
    reader.locale = "zh_Hans_CN"  # another locale of the same language
    assert str(meat) == "肉类"
    reader.locale = "fr"
    assert str(meat) == "Meat"
    assert str(Localised("Eggs")) == "Eggs" and pickle.loads(pickle.dumps(meat)).texts["zh_CN"] == "肉类"
    with pytest.raises(ValueError, match="English"):
        Localised({"zh_CN": "肉类"})


# ------------------------------------------------------------------------------------------ domain messages


def _gouged() -> ObservationFacts:
    """Margin 138 % on cost against 40 % on the baseline date."""
    return ObservationFacts(price=Decimal("23.80"), marked_price=Decimal("23.80"), cost=Decimal("10"),
                            baseline_price=Decimal("14"), baseline_cost=Decimal("10"), emergency_applies=True,
                            baseline_date=date(2020, 1, 19))


def test_the_flag_reads_naturally_in_chinese(reader, cn):
    flag = evaluate(_gouged(), cn.price_tests, cn.label).flags[0]
    assert flag.test == "baseline_margin"
    assert flag.explanation == "margin 138% on cost against 40% on 2020-01-19"  # the stored English record
    reader.locale = "zh_CN"
    assert str(flag.explanation) == "进销差价率138%，高于2020年1月19日的40%"


def test_a_stored_flag_is_explained_again_in_the_readers_language(reader, cn):
    flag = evaluate(_gouged(), cn.price_tests, cn.label).flags[0]
    stored = json.loads(json.dumps({"test": flag.test, "explanation": flag.explanation, "params": dict(flag.params)}))
    assert explain(stored) == "margin 138% on cost against 40% on 2020-01-19"
    reader.locale = "zh_CN"
    assert explain(stored) == "进销差价率138%，高于2020年1月19日的40%"
    # Without a baseline date the sentence says "at the baseline".
    undated = {**stored, "params": {**stored["params"], "baseline_date": ""}}
    assert explain(undated) == "进销差价率138%，高于基期的40%"


@pytest.mark.parametrize(
    "flag",
    [
        {"test": "baseline_margin", "explanation": "margin 9% on cost (old wording)", "params": {}},
        {"test": "price_increase", "explanation": "price 3.50 is 10% above ...",  # stored before 'basis' existed
         "params": {"price": "3.50", "reference": "1.20", "increase_pct": "191.67", "limit_pct": "10"}},
        {"test": "no_such_test", "explanation": "kept as recorded", "params": {"a": "1"}},
        {"test": "baseline_margin", "explanation": "kept", "params": {"margin_pct": "9", "baseline_margin_pct": "5",
                                                                      "baseline_date": "not a date"}},
        {"test": "unmarked_price", "explanation": "params missing altogether"},
    ],
)
def test_flags_that_cannot_be_explained_again_keep_their_stored_text(reader, flag):
    reader.locale = "zh_CN"
    assert explain(flag) == flag["explanation"]
    assert explain({"test": "unmarked_price", "explanation": "old", "params": {}}) == "未明码标价"


def test_every_flag_explanation_is_rebuilt_exactly_from_its_params(cn, us):
    """The stored explanation and the one rebuilt from the stored params agree, for every test of both rulebooks."""
    cases = [
        (cn, _gouged()),
        (cn, ObservationFacts(price=Decimal("5"), cost=Decimal("2"), emergency_applies=True, bundled=True,
                              fees=Decimal("1"))),
        (cn, ObservationFacts(price=Decimal("12"), marked_price=Decimal("8"), cost=Decimal("10"),
                              baseline_price=Decimal("10"), baseline_cost=Decimal("10.2"), emergency_applies=True,
                              fees=Decimal("2"))),
        (us, ObservationFacts(price=Decimal("3.50"), marked_price=Decimal("3.50"), baseline_price=Decimal("1.20"),
                              emergency_applies=True, baseline_date=date(2020, 3, 4))),
        (us, ObservationFacts(price=Decimal("3.50"), marked_price=Decimal("3.50"), cost=Decimal("1"),
                              emergency_applies=True)),
    ]
    seen = set()
    for rulebook, facts in cases:
        for flag in evaluate(facts, rulebook.price_tests, rulebook.label).flags:
            seen.add(flag.test)
            assert explain({"test": flag.test, "explanation": "stale", "params": dict(flag.params)}) == flag.explanation
    assert seen == {"baseline_margin", "margin_cap", "cost_unchanged", "fees_raised", "bundling", "price_increase",
                    "unmarked_price", "above_marked_price"}


def test_domain_errors_carry_texts(reader, cn):
    with pytest.raises(CreditCodeError) as bad_code:
        validate_credit_code("91350100M000100Y44")
    with pytest.raises(lc.WrongState) as wrong_state:
        lc.check_action(lc.CaseAction.APPROVE_PENALTY, lc.Actor(1, "supervisor", 1), lc.CaseFacts(lc.CaseState.CLUE, 1))
    with pytest.raises(lc.GuardFailed) as future:
        lc.check_step_date(date(2020, 3, 2), date(2020, 3, 1), lc.CaseFacts(lc.CaseState.INVESTIGATING, 1))
    check = check_penalty(Penalty((PenaltyLine("fine", Decimal("600000")),)), [cn.violation("price_gouging").penalty],
                          "organisation", "ordinary", None)
    assert str(bad_code.value) == "Check character should be 3, not 4."
    assert check.problems == ("The fine of 600,000.00 is above the range 50,000.00 to 500,000.00 for an organisation "
                              "(ordinary).",)
    reader.locale = "zh_CN"
    assert str(bad_code.value) == "校验码应为3，而不是4。"
    assert str(wrong_state.value) == "案件当前状态为“线索”，此时不能“批准处罚”。"
    assert str(future.value) == "日期2020年3月2日不能晚于今天。" and isinstance(future.value.message, Text)
    assert [str(p) for p in check.problems] == ["罚款600,000.00高于单位（一般情节）情形下的罚款幅度（50,000.00至500,000.00）。"]
    assert json.dumps(list(check.problems)).startswith('["The fine of 600,000.00')  # history data stays English


def test_history_breaks_are_texts(reader):
    items = [{"seq": 1, "at": "t", "on": "d", "actor": "a", "role": "r", "action": "open", "from_state": None,
              "to_state": "clue", "data": {}, "reason": None, "prev_hash": "0" * 64, "hash": "f" * 64}]
    problem = verify_chain(items)[0].problem
    assert problem == "content does not match its hash (altered)"
    reader.locale = "zh_CN"
    assert str(problem) == "内容与其哈希值不符（已被篡改）"
