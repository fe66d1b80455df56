"""Natural persons' names, and premises names that carry them in another form, for the masking tests.

A generated ``NamedStall`` holds an individual operator's name, a premises name built from fixed filler
words and one form of that name (family and given name in either order, joined by any spacing, in any
case; for a Chinese name the full name, spaced or not, or the given name alone, as people are called
by it), and the texts no published field may show. The fillers never share a letter sequence or a
character with the names, so a filler found in a published field is the register staying readable, and
a name form found there is a leak.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import strategies as st

MASK = "**"

LATIN_FAMILY = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma",
                "Gao", "Lin", "Guo", "Smith", "Garcia", "Nguyen", "Lopez")
LATIN_GIVEN = ("Na", "Jin", "Bao", "Wei", "Fang", "Min", "Jing", "Qiang", "Lei", "Jun", "Yong", "Yan", "Jie",
               "Tao", "Ming", "Xiu", "Hua", "De", "Maria", "John", "Ana", "Jose")
LATIN_JOINS = ("", " ", "  ", "-", "_", ".", ", ", " \t")
LATIN_BEFORE = ("", "The ", "No. 3 ")
LATIN_AFTER = ("", " Noodles", " Fresh Pork", "'s Fruit", " Stall (tel 8)")

CHINESE_FAMILY = ("赵", "钱", "孙", "李", "周", "吴", "郑", "王", "刘", "陈", "杨", "黄", "张", "林",
                  "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "慕容", "令狐", "端木")
CHINESE_GIVEN = "金宝娜德华伟芳敏静强磊军勇艳杰涛明秀英"
CHINESE_BEFORE = ("", "城关", "No.3 ")
CHINESE_AFTER = ("", "鲜肉店", "面馆", "水果摊", " 粮油")
# How people are called by a given name alone: bare (two characters or more), or with a familiar
# prefix or a kinship word; a one-character given name is also said twice (娜娜).
CHINESE_CALLED = ("{g}", "老{g}", "小{g}", "阿{g}", "{g}姐")
CHINESE_CALLED_ONE = ("{g}{g}", "小{g}", "阿{g}", "老{g}", "{g}姐", "{g}哥")


@dataclass(frozen=True)
class NamedStall:
    operator: str  # the operator's name as recorded
    name: str  # the premises name, carrying one form of the operator's name
    form: str  # that form, exactly as it appears in ``name``
    secrets: tuple[str, ...]  # texts that identify the person: none may be published
    fillers: tuple[str, ...]  # the rest of the premises name: published as it is

    def leaks(self, published: str) -> list[str]:
        """The identifying texts found in ``published``: a Latin one as a word of its own, in any case
        (so "Ana" is not found in "Banana" or in a page's labels), a Chinese one anywhere."""
        found = []
        for secret in self.secrets:
            pattern = re.escape(secret)
            if re.search("[A-Za-z]", secret):
                pattern = rf"(?<![A-Za-z]){pattern}(?![A-Za-z])"
            if re.search(pattern, published, re.IGNORECASE):
                found.append(secret)
        return found

    def masked_operator(self) -> str:
        return self.operator.strip()[:1] + MASK


def _fillers(*parts: str) -> tuple[str, ...]:
    return tuple(word for part in parts for word in re.findall(r"[A-Za-z]{3,}|[\u4e00-\u9fff]+", part))


@st.composite
def latin_stalls(draw) -> NamedStall:
    family = draw(st.sampled_from(LATIN_FAMILY))
    given = "".join(draw(st.lists(st.sampled_from(LATIN_GIVEN), min_size=1, max_size=2))).capitalize()
    operator = f"{family} {given}"
    recase = draw(st.sampled_from((str, str.upper, str.lower, str.title, str.swapcase)))
    forms = [recase(first + draw(st.sampled_from(LATIN_JOINS)) + second)
             for first, second in ((family, given), (given, family))]
    if len(given) >= 3:  # a given name alone, when long enough to be told from an ordinary word
        forms.append(recase(given))
    form = draw(st.sampled_from(forms))
    before, after = draw(st.sampled_from(LATIN_BEFORE)), draw(st.sampled_from(LATIN_AFTER))
    secrets = {form, f"{family} {given}", f"{given} {family}", family + given, given + family}
    if len(given) >= 3:
        secrets.add(given)
    return NamedStall(operator, before + form + after, form, tuple(sorted(secrets)), _fillers(before, after))


@st.composite
def chinese_stalls(draw) -> NamedStall:
    family = draw(st.sampled_from(CHINESE_FAMILY))
    given = "".join(draw(st.lists(st.sampled_from(CHINESE_GIVEN), min_size=1, max_size=2)))
    operator = family + given
    spaced = draw(st.sampled_from(("", " ", "  ", "\u3000")))
    forms = [spaced.join(operator)]
    forms += [called.format(g=given) for called in (CHINESE_CALLED if len(given) > 1 else CHINESE_CALLED_ONE)]
    form = draw(st.sampled_from(forms))
    before, after = draw(st.sampled_from(CHINESE_BEFORE)), draw(st.sampled_from(CHINESE_AFTER))
    # No character of the given name belongs to a filler, so none may be published (the family name may:
    # the operator is published as its first character and the mask).
    secrets = {form, operator, spaced.join(operator), *given}
    return NamedStall(operator, before + form + after, form, tuple(sorted(secrets)), _fillers(before, after))


stalls = st.one_of(latin_stalls(), chinese_stalls())
