"""The public register of enforcement outcomes (DOMAIN.md §8): what is published, for how long, and
how a natural person's personal data is masked. Pure: plain values in, plain values out; ``today``
is always a parameter.

Rules:
- a decision is published when it is served, unless it is a warning alone;
- it is withdrawn when annulled on appeal (``withdrawn_on``); a decision varied on appeal stays in
  the register with its varied penalty (a variation down to a warning alone leaves the register);
- a *minor* decision (fines only, totalling at most the rulebook's limit for the operator type) is
  shown for ``minor_months`` months, any other for ``years`` years, counted from publication;
- personal data is masked by the rulebook's redaction profile: inside every published text, the
  profile's patterns (ID numbers, phones, bank accounts) are replaced by the mask; for a natural
  person, the name is reduced to its first character, every form of it in the other texts is masked
  (any order, spacing or case; a Chinese name whole or by its given name: ``mask_person``), and the
  credit code and address (a home) are withheld. A phone number is never published, whoever the
  operator is.
"""
from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.domain.characters import without_hidden_characters
from tracker.domain.penalties import Penalty
from tracker.domain.rulebook import Publication, Redaction

INDIVIDUAL = "individual"
# Words of a person's name shorter than this are not masked on their own inside other text
# ("Li" would otherwise eat half the words of a stall's name); the whole name always is, in any order.
MIN_NAME_PART = 3

# Two-character (compound) Chinese surnames. A Chinese name is its surname, then the given name, and
# people are called by the given name alone (欧阳娜娜 is 娜娜 to her customers), which the register must
# mask as well: without this list 欧阳娜娜 would be read as 欧 + 阳娜娜, and 娜娜 would be published. A
# name of two characters is never read as a compound surname alone. These are the common ones; for a
# rare one missing here the full name is still masked, only its given name alone is not.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "夏侯", "令狐", "端木", "独孤", "西门", "南宫", "呼延", "轩辕", "拓跋",
})

# A one-character given name (娜 of 李娜) is masked only where it calls the person: said twice (娜娜),
# after a familiar prefix (小娜, 阿娜, 老娜) or before a word of address (娜姐, 娜哥, 娜总). Masking
# every occurrence would blank ordinary words of a stall's name for nobody's privacy -- 利 of 张利 in
# 便利店 (convenience store), 平 of 王平 in 平价 (low-price), 鲜 of 王鲜 in 新鲜 -- and make the register
# unreadable; the name itself, and a given name of two characters or more, are masked wherever found.
FAMILIAR_PREFIXES = "小阿老"
ADDRESS_WORDS = "姐哥妹弟嫂叔姨婶伯爷奶仔总"

# Chinese ideographs (the unified block, extension A and the compatibility block).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A word of an alphabetic script: letters that are not Chinese ideographs.
_WORD = re.compile(f"[^\\W\\d_{_HAN}]+")
# What may stand between the words of a name ("Zhao Jinbao", "Zhao-Jinbao", "Zhao, Jinbao", "Zhao.Jinbao",
# "O'Neil") or between the characters of a Chinese one ("赵 金 宝", "艾力·买买提"); nothing may, too.
_JOINERS = "-_.,·・'’"
_JOIN = f"[\\s{re.escape(_JOINERS)}]"
# A Chinese name in an operator's name, and its parts ("艾力·买买提": 艾力, 买买提).
_HAN_RUN = re.compile(f"[{_HAN}](?:{_JOIN}*[{_HAN}])*")
_PARTS = re.compile(f"{_JOIN}+")


# ------------------------------------------------------------------------------------------ periods


def is_publishable(penalty: Penalty | None) -> bool:
    """True for a decision the register shows: there is one, and it is more than a warning alone."""
    return penalty is not None and not penalty.warning_only


def is_minor(penalty: Penalty, individual: bool, publication: Publication) -> bool:
    """A minor decision: fines only, totalling at most the rulebook's limit for the operator type."""
    if not penalty.lines or any(line.kind != "fine" for line in penalty.lines):
        return False
    limit = publication.minor_individual_max_fine if individual else publication.minor_organisation_max_fine
    return penalty.fine <= limit


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months; the 31st becomes the month's last day when needed."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def published_until(published_on: date, minor: bool, publication: Publication) -> date:
    """The last day a decision published on ``published_on`` stays in the register (inclusive).

    3 months from 2020-03-16 is 2020-06-16, so the last day shown is 2020-06-15."""
    months = publication.minor_months if minor else publication.years * 12
    return add_months(published_on, months) - timedelta(days=1)


def register_until(
    published_on: date | None, penalty: Penalty | None, individual: bool, publication: Publication
) -> date | None:
    """The last day a decision is in the register, or None when it never is (unpublished, a warning alone).
    Withdrawal is not counted here: it ends the entry on its own date."""
    if published_on is None or not is_publishable(penalty):
        return None
    return published_until(published_on, is_minor(penalty, individual, publication), publication)


def in_register(
    published_on: date | None,
    withdrawn_on: date | None,
    penalty: Penalty | None,
    individual: bool,
    publication: Publication,
    today: date,
) -> bool:
    """True when the decision is in the public register on ``today``: published (served) by then,
    not withdrawn by then, not a warning alone, and its publication period not over."""
    if withdrawn_on is not None and withdrawn_on <= today:
        return False
    until = register_until(published_on, penalty, individual, publication)
    return until is not None and published_on <= today <= until


# ------------------------------------------------------------------------------------------ masking


def redact(text: str | None, redaction: Redaction, mask: str | None = None) -> str:
    """``text`` with every match of the profile's patterns replaced by its mask (or by ``mask``).

    All patterns are matched against the original text and overlapping matches merged, so one kind's
    mask never hides part of another's number from its pattern."""
    if not text:
        return ""
    mask = redaction.mask if mask is None else mask
    spans: list[tuple[int, int]] = []
    for kind in redaction.kinds:
        pattern = redaction.patterns.get(kind)
        if pattern is not None:
            spans += [match.span() for match in pattern.finditer(text) if match.end() > match.start()]
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, position = [], 0
    for start, end in merged:
        out += [text[position:start], mask]
        position = end
    out.append(text[position:])
    return "".join(out)


def mask_name(name: str | None, mask: str) -> str:
    """A natural person's name as published: its first character, then the mask ("Liu Dehua" -> "L**")."""
    name = (name or "").strip()
    return name[:1] + mask if name else ""


def _words(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each word of an alphabetic script in ``text``; a word also ends where a
    small letter is followed by a capital ("ZhaoJinbao" is two words, "ZHAOJINBAO" one)."""
    spans = []
    for match in _WORD.finditer(text):
        start = match.start()
        for index in range(start + 1, match.end()):
            if text[index].isupper() and text[index - 1].islower():
                spans.append((start, index))
                start = index
        spans.append((start, match.end()))
    return spans


def _joined(gap: str) -> bool:
    """True when ``gap`` (the text between two words) only joins them: spacing or a joining mark."""
    return all(ch.isspace() or ch in _JOINERS for ch in gap)


def _tokens_in(folded: str, tokens: frozenset[str]) -> int:
    """How many of the name's ``tokens`` ``folded`` is made of, end to end (2 standing for two or more);
    0 when it is not made of them."""
    most = [-1] * (len(folded) + 1)
    most[0] = 0
    for index in range(len(folded)):
        if most[index] < 0:
            continue
        for token in tokens:
            if folded.startswith(token, index):
                end = index + len(token)
                most[end] = max(most[end], min(most[index] + 1, 2))
    return max(most[-1], 0)


def _alphabetic_name_spans(text: str, person: str, published: str, mask: str) -> list[tuple[int, int, str]]:
    """Where the person's alphabetic name stands in ``text``, and what replaces it.

    The name's words in any order, repeated or not, joined by any spacing or by nothing, in any case
    ("Li Na": "Na Li", "LiNa", "LI-NA", "nali"; "Zhao Jinbao": "ZhaoJinbao", "Zhao Jin Bao") become the
    name as published (``published``); one word alone of at least MIN_NAME_PART letters ("Jinbao",
    "Jin Bao") becomes the mask. Only whole words of ``text`` are matched, so "Li Na" is not found in
    "Carolina" (a word boundary is also where a small letter meets a capital: "JinbaoPork")."""
    person_words = [person[start:end].casefold() for start, end in _words(person)]
    tokens = frozenset(person_words)
    if not tokens:
        return []
    whole = len(tokens) == 1  # a one-word name: that word is the whole name, however short
    longest = 2 * sum(map(len, tokens))  # a name said twice at most ("Nana"), so each look is short
    words = _words(text)
    spans, first = [], 0
    while first < len(words):
        found, folded = None, ""
        for last in range(first, len(words)):
            if last > first and not _joined(text[words[last - 1][1]:words[last][0]]):
                break
            folded += text[words[last][0]:words[last][1]].casefold()
            if len(folded) > longest:
                break
            count = _tokens_in(folded, tokens)
            if count == 2 or (count == 1 and (whole or len(folded) >= MIN_NAME_PART)):
                found = (last, published if count == 2 or whole else mask)
        if found is None:
            first += 1
            continue
        last, replacement = found
        spans.append((words[first][0], words[last][1], replacement))
        first = last + 1
    return spans


def _split_chinese(name: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese name: the first character, or the first two when they are a
    compound surname (COMPOUND_SURNAMES) and a given name follows."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _compact(text: str) -> tuple[str, list[int]]:
    """``text`` without its spacing and joining marks, and where each character kept stands in ``text``:
    a Chinese name is then found by plain search however it is spaced ("赵 金 宝", "赵·金宝")."""
    kept = [index for index, ch in enumerate(text) if not (ch.isspace() or ch in _JOINERS)]
    return "".join(text[index] for index in kept), kept


def _chinese_name_spans(text: str, person: str, published: str, mask: str) -> list[tuple[int, int, str]]:
    """Where the person's Chinese name stands in ``text``, and what replaces it: the full name (spaced
    or not) becomes the name as published; the given name alone becomes the mask -- anywhere when it
    has two characters or more (老金宝 of 赵金宝), where it calls the person when it has one
    (FAMILIAR_PREFIXES, ADDRESS_WORDS, said twice). In a name of parts (艾力·买买提) each part of two
    characters or more is masked alone too."""
    runs = _HAN_RUN.findall(person)
    if not runs:
        return []
    compact, where = _compact(text)
    spans = []

    def mark(found: int, length: int, replacement: str) -> None:
        spans.append((where[found], where[found + length - 1] + 1, replacement))

    def find_all(needle: str, replacement: str) -> None:
        found = compact.find(needle)
        while found >= 0:
            mark(found, len(needle), replacement)
            found = compact.find(needle, found + 1)

    for run in runs:
        parts = [part for part in _PARTS.split(run) if part]
        name = "".join(parts)
        _surname, given = _split_chinese(name)
        find_all(name, published)
        if len(given) > 1:
            find_all(given, mask)
        elif given:
            find_all(given * 2, mask)
            found = compact.find(given)
            while found >= 0:
                before, after = compact[found - 1:found], compact[found + 1:found + 2]
                if (before and before in FAMILIAR_PREFIXES) or (after and after in ADDRESS_WORDS):
                    mark(found, 1, mask)
                found = compact.find(given, found + 1)
        if len(parts) > 1:
            for part in parts:
                if len(part) > 1:
                    find_all(part, mask)
    return spans


def mask_person(text: str, person: str, mask: str) -> str:
    """``text`` with every form of a natural person's name masked.

    The name in another order, spacing or case, or a Chinese name as a whole or by its given name,
    is replaced by the name as the register publishes it (``mask_name``: "Na Li Noodles" of Li Na is
    "L** Noodles", "赵 金宝鲜肉" of 赵金宝 is "赵**鲜肉"); a given name (or one longer word of the
    name) alone by the mask ("老金宝鲜肉店" is "老**鲜肉店"). Overlapping finds are masked as one."""
    person = " ".join(person.split())
    if not text or not person:
        return text
    published = mask_name(person, mask)
    spans = _alphabetic_name_spans(text, person, published, mask) + _chinese_name_spans(text, person, published, mask)
    if any(not (ch.isalpha() or ch.isspace() or ch in _JOINERS) for ch in person):
        # A name with more than letters in it ("Zhang&Li"): also as recorded, in any case and spacing.
        literal = "(?<![^\\W\\d_])" + f"{_JOIN}*".join(re.escape(word) for word in person.split()) + "(?![^\\W\\d_])"
        spans += [(match.start(), match.end(), published) for match in re.finditer(literal, text, re.IGNORECASE)]
    merged: list[list] = []
    for start, end, replacement in sorted(spans, key=lambda span: (span[0], -span[1])):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, replacement])
    out, position = [], 0
    for start, end, replacement in merged:
        out += [text[position:start], replacement]
        position = end
    out.append(text[position:])
    return "".join(out)


def _mask_person_in(text: str, person: str, address: str, mask: str) -> str:
    """``text`` with the person's home address (when given) and every form of their name masked."""
    address = address.strip()
    if len(address) >= MIN_NAME_PART:
        text = text.replace(address, mask)
    return mask_person(text, person, mask)


@dataclass(frozen=True, slots=True)
class PublicParty:
    """The party of a decision as the register shows it."""

    name: str
    kind: str | None
    operator_type: str
    operator_name: str
    credit_code: str | None
    address: str | None


def public_party(snapshot: Mapping, operator_type: str, redaction: Redaction) -> PublicParty:
    """The party from a case's premises snapshot, masked by the redaction profile.

    :param snapshot: the premises as it stood (name, kind, operator_name, credit_code, address, phone).
    :param operator_type: ``individual`` (a natural person or individual business) or ``organisation``.
    """
    # Characters that change how text displays (a reversed name, a zero-width space splitting a name past
    # the masking) are dropped first: records made before names refused them may hold some.
    name = without_hidden_characters(str(snapshot.get("name") or ""))
    operator = without_hidden_characters(str(snapshot.get("operator_name") or ""))
    address = without_hidden_characters(str(snapshot.get("address") or ""))
    credit_code = snapshot.get("credit_code") or None
    kind = snapshot.get("kind") or None
    if operator_type != INDIVIDUAL:
        # An organisation's registration code is public (and would trip the bank-account pattern).
        return PublicParty(
            name=redact(name, redaction), kind=kind, operator_type=operator_type,
            operator_name=redact(operator, redaction), credit_code=credit_code,
            address=redact(address, redaction) or None,
        )
    person = " ".join(redact(operator, redaction, mask="").split())  # the name without numbers in it
    home = address if "home_address" in redaction.kinds else ""
    name = _mask_person_in(redact(name, redaction), person, home, redaction.mask)
    return PublicParty(
        name=name,
        kind=kind,
        operator_type=operator_type,
        operator_name=mask_name(person, redaction.mask),
        # An individual business's code identifies the person; the address is often a home.
        credit_code=None if "id_number" in redaction.kinds else redact(credit_code, redaction) or None,
        address=None if "home_address" in redaction.kinds else mask_person(redact(address, redaction), person,
                                                                             redaction.mask) or None,
    )
