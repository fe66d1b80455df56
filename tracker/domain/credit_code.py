"""Unified social credit code (USCC) of GB 32100-2015: normalising, check character, validation (DOMAIN.md §7)."""
from __future__ import annotations

from tracker.domain.text import N_, Text

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_WEIGHTS = tuple(3**i % 31 for i in range(LENGTH - 1))  # W_i = 3^(i-1) mod 31, i = 1..17
_ORGANISATION_TYPES = {"1", "3", "9"}  # under authority 9: enterprise, farmers' cooperative, other


class CreditCodeError(ValueError):
    """A credit code is malformed; ``str(error)`` says why, in the reader's language (the message is a Text)."""


def normalize_credit_code(raw: str) -> str:
    """Remove all whitespace and upper-case the code."""
    return "".join(raw.split()).upper()


def _check_alphabet(code: str) -> None:
    """Raise CreditCodeError at the first character outside the alphabet."""
    for position, char in enumerate(code, start=1):
        if char not in _VALUES:
            raise CreditCodeError(Text(
                N_("Character %(char)s at position %(position)s is not allowed: "
                   "a credit code uses only digits and capital letters other than I, O, S, V and Z."),
                char=repr(char), position=position,
            ))


def check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a code."""
    first17 = normalize_credit_code(first17)
    if len(first17) != LENGTH - 1:
        raise CreditCodeError(Text(N_("The check character is computed from 17 characters, not %(count)s."),
                                   count=len(first17)))
    _check_alphabet(first17)
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, _WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """Return the normalised code, or raise CreditCodeError saying what is wrong with it."""
    code = normalize_credit_code(raw)
    if not code:
        raise CreditCodeError(Text(N_("The credit code is empty.")))
    if len(code) != LENGTH:
        raise CreditCodeError(Text(N_("A credit code has %(length)s characters; this one has %(count)s."),
                                   length=LENGTH, count=len(code)))
    _check_alphabet(code)
    expected = check_character(code[:-1])
    if code[-1] != expected:
        raise CreditCodeError(Text(N_("Check character should be %(expected)s, not %(found)s."),
                                   expected=expected, found=code[-1]))
    return code


def suggested_operator_type(code: str) -> str | None:
    """'individual' or 'organisation' from the entity type of a market-regulation (9x) code, else None."""
    code = normalize_credit_code(code)
    if len(code) < 2 or code[0] != "9":
        return None
    if code[1] == "2":
        return "individual"
    return "organisation" if code[1] in _ORGANISATION_TYPES else None
