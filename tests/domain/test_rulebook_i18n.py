"""The rulebook's human texts in English and Simplified Chinese (name, name_zh_CN, ...)."""
from __future__ import annotations

import json
import re

import pytest

from tracker.domain import text
from tracker.domain.rulebook import BUNDLED_DIR, RulebookError, load_rulebook
from tracker.domain.text import Localised


def _texts(rulebook) -> list[tuple[str, Localised]]:
    """Every human text of a rulebook, named for failure messages."""
    found = [("name", rulebook.name)]
    found += [(f"categories.{c.code}.name", c.name) for c in rulebook.categories.values()]
    for c in rulebook.commodities.values():
        found += [(f"commodities.{c.code}.name", c.name), (f"commodities.{c.code}.unit", c.unit)]
    for v in rulebook.violations.values():
        found += [(f"violations.{v.code}.{key}", getattr(v, key)) for key in ("title", "legal_basis", "description")]
        if v.penalty.note:
            found.append((f"violations.{v.code}.note", v.penalty.note))
    found += [(f"checklist.{item.code}", item.text) for item in rulebook.checklist]
    return found


@pytest.mark.parametrize("name", ["cn", "us"])
def test_bundled_rulebooks_are_complete_in_chinese(name, request):
    rulebook = request.getfixturevalue(name)
    assert rulebook.languages == ("en", "zh_CN")
    for where, value in _texts(rulebook):
        assert isinstance(value, Localised), where
        zh = value.texts.get("zh_CN", "")
        assert zh.strip() and zh != value.english, where
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{where}: {zh!r} has no Chinese"


def test_cn_samr_cites_the_laws_by_their_chinese_names_and_articles(cn):
    basis = {code: v.legal_basis.texts["zh_CN"] for code, v in cn.violations.items()}
    assert basis["price_gouging"] == "《中华人民共和国价格法》第十四条第（三）项；《价格违法行为行政处罚规定》第六条"
    assert "《中华人民共和国价格法》第十三条、第四十二条" in basis["price_marking"]
    assert "《价格违法行为行政处罚规定》第十条" in basis["emergency_measure_breach"]
    assert "《价格违法行为行政处罚规定》第十四条" in basis["records_refusal"]
    assert "《中华人民共和国价格法》第四十三条" in basis["closure_notice_breach"]


def test_texts_render_in_the_readers_language_and_stay_english_in_records(cn):
    meat = cn.categories["meat"].name
    text.install(lambda msgid: msgid, lambda: "zh_CN")
    try:
        assert str(meat) == "肉类" and f"{cn.commodities['mask_surgical'].name}" == "一次性使用医用外科口罩"
        assert str(cn.checklist[0].text).startswith("所售商品均已明码标价")
        assert json.dumps({"title": cn.violation("price_gouging").title}) == (
            '{"title": "Price gouging (driving prices up excessively)"}'
        )
    finally:
        text.uninstall()
    assert str(meat) == "Meat" and meat == "Meat"


def test_a_recorded_legal_basis_reads_in_chinese_only_when_it_is_the_rulebooks_text(cn):
    rule = cn.violation("price_gouging")
    text.install(lambda msgid: msgid, lambda: "zh_CN")
    try:
        recorded = cn.recorded_legal_basis("price_gouging", rule.legal_basis.english)
        assert str(recorded) == rule.legal_basis.texts["zh_CN"] and "《" in str(recorded)
        # Recorded under another wording (an older rulebook): the record's own words.
        assert str(cn.recorded_legal_basis("price_gouging", "Price Law art. 14 (1998 text)")) == "Price Law art. 14 (1998 text)"
        assert str(cn.recorded_legal_basis("no_such_code", "Some basis")) == "Some basis"
    finally:
        text.uninstall()


def _strip_chinese(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "_zh_CN = " not in line)


def test_an_english_only_rulebook_still_loads(tmp_path, variant):
    path = variant("[rulebook]", "[rulebook]")
    path.write_text(_strip_chinese(path.read_text(encoding="utf-8")), encoding="utf-8")
    rulebook = load_rulebook(path)
    assert rulebook.languages == ("en",)
    assert rulebook.categories["meat"].name == "Meat" and dict(rulebook.categories["meat"].name.texts) == {"en": "Meat"}


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('title_zh_CN = "不明码标价或者在标价之外加价出售"\n', "",
         "violations[2] 'price_marking': missing 'title_zh_CN': this rulebook gives texts in zh_CN"),
        ('unit_zh_CN = "副"\n', "", "commodities[5] 'goggles': missing 'unit_zh_CN'"),
        ('name_zh_CN = "肉类"\n', 'name_zh_CN = "  "\n', "categories[3] 'meat'.name_zh_CN: expected a non-empty string"),
        ('text_zh_CN = "未强制搭售商品"\n', 'text_zh_CN = "未强制搭售商品"\ntext_fr = "Pas de vente liée forcée"\n',
         "checklist[6] 'no_forced_bundling': unknown key 'text_fr'"),
        ('note = "A warning first; a fine of up to 100,000 only when the operator does not correct."\n', "",
         "'note_zh_CN' is given without 'note'"),
    ],
)
def test_chinese_texts_must_be_complete(variant, old, new, message):
    with pytest.raises(RulebookError, match=re.escape(message)):
        load_rulebook(variant(old, new))


def test_one_chinese_text_in_an_english_rulebook_asks_for_all_of_them(tmp_path, variant):
    path = variant("[rulebook]", "[rulebook]", name="us-ca")
    source = _strip_chinese(path.read_text(encoding="utf-8"))
    path.write_text(source.replace('name = "Meat"\n', 'name = "Meat"\nname_zh_CN = "肉类"\n', 1), encoding="utf-8")
    # The first text read without its Chinese is named.
    with pytest.raises(RulebookError, match=re.escape("us-ca.toml: categories[0] 'protective_supplies': missing "
                                                      "'name_zh_CN'")):
        load_rulebook(path)


def test_bundled_files_document_the_shape():
    for name in ("cn-samr", "us-ca"):
        head = (BUNDLED_DIR / f"{name}.toml").read_text(encoding="utf-8")[:1500]
        assert "name_zh_CN" in head, name
