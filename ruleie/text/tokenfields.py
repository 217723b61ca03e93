"""Token fields computed from a word alone: ``shape`` and the numeric value ``num``.

>>> shape("Mellitus"), shape("1,000"), number_value("twenty-three")
('Xxxxx', 'd,ddd', 23)
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Sequence, Union

__all__ = ["shape", "number_value", "parse_number_words", "NUMBER_WORDS"]

Number = Union[int, float]


@functools.lru_cache(maxsize=1 << 16)
def shape(word: str) -> str:
    """The word's shape in spaCy's convention.

    ``X`` an upper-case letter, ``x`` any other letter, ``d`` a digit, other characters
    as they are; a run of the same kind is cut after 4; words of 100 characters or
    more are ``LONG`` (as in spaCy, so that shapes stay a small vocabulary).

    >>> [shape(w) for w in ("Mellitus", "1,000", "U.S.", "23", "’s", "Kyiv")]
    ['Xxxxx', 'd,ddd', 'X.X.', 'dd', '’x', 'Xxxx']
    """
    if len(word) >= 100:
        return "LONG"
    out = []
    last = ""
    run = 0
    for char in word:
        if char.isalpha():
            kind = "X" if char.isupper() else "x"
        elif char.isdigit():
            kind = "d"
        else:
            kind = char
        if kind == last:
            run += 1
        else:
            run = 0
            last = kind
        if run < 4:
            out.append(kind)
    return "".join(out)


_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SINGLE: dict[str, int] = {**_UNITS, **_TENS, **_SCALES, "hundred": 100, "dozen": 12}
# Every word that can be part of a cardinal number phrase (besides "a", "an", "and").
NUMBER_WORDS: frozenset[str] = frozenset(_SINGLE)

# Digits with optional thousand separators (also the Indian 1,00,000) and decimals.
_DIGITS = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d\d)+,\d{3}|\d+)(?:\.\d+)?")


def _digit_value(word: str) -> Union[int, Decimal, None]:
    # Past 100 characters a digit string is no quantity (and int() refuses over 4300 digits).
    if len(word) > 100 or not _DIGITS.fullmatch(word):
        return None
    plain = word.replace(",", "")
    # Decimal keeps "2.3 million" exact (2.3 * 10**6 in floats is 2299999.9999999995).
    return Decimal(plain) if "." in plain else int(plain)


def _finish(value: Union[int, Decimal]) -> Number:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@functools.lru_cache(maxsize=1 << 16)
def number_value(word: str) -> Number | None:
    """The cardinal value of one token, or None.

    Digits with thousand separators and decimals, English cardinal words in any case
    and hyphenated compounds of them. Not ordinals ("third", "1st"), and not "a"
    alone: "a hundred" is two tokens, read by ``parse_number_words``.

    >>> [number_value(w) for w in ("23", "1,000", "2.5", "Two", "eighteen", "twenty-three", "dozen", "third")]
    [23, 1000, 2.5, 2, 18, 23, 12, None]
    """
    if not word:
        return None
    if word[0].isdigit():
        value = _digit_value(word)
        if value is None or isinstance(value, int):
            return value
        return float(value)
    lower = word.lower()
    single = _SINGLE.get(lower)
    if single is not None:
        return single
    if "-" in lower:
        parts = lower.split("-")
        if all(p in NUMBER_WORDS for p in parts):
            return parse_number_words(parts)
    return None


def parse_number_words(words: Sequence[str]) -> Number | None:
    """The value of a cardinal number phrase, or None if ``words`` is not one.

    Accepts digits ("1,000", "2.5"), number words in any case, hyphenated compounds,
    a leading "a"/"an" before hundred/thousand/…/dozen, and "and" after a hundred or a
    scale word. Scale words must decrease ("two hundred thousand", not "thousand million").

    >>> [parse_number_words(p) for p in (["a", "hundred"], ["two", "hundred", "thousand"],
    ...     ["twenty", "three"], ["no"], ["1,000"], ["2.5", "million"], ["one", "hundred", "and", "five"])]
    [100, 200000, 23, None, 1000, 2500000, 105]
    """
    parts = [p.lower() for w in words for p in w.split("-") if p]
    total: Union[int, Decimal] = 0
    current: Union[int, Decimal] = 0
    last: str | None = None  # the kind of the previous word
    last_scale: int | None = None
    seen = False
    for i, w in enumerate(parts):
        if w in ("a", "an"):
            following = parts[i + 1] if i + 1 < len(parts) else ""
            if i != 0 or (following not in _SCALES and following not in ("hundred", "dozen")):
                return None
            last = "a"
            continue
        if w == "and":
            if last not in ("hundred", "scale") or i == len(parts) - 1:
                return None
            last = "and"
            continue
        seen = True
        if w in _UNITS:
            v = _UNITS[w]
            if last in (None, "hundred", "scale", "and"):
                current += v
            elif last == "ten" and 0 < v < 10:
                current += v
            else:
                return None
            last = "unit"
        elif w in _TENS:
            if last not in (None, "hundred", "scale", "and"):
                return None
            current += _TENS[w]
            last = "ten"
        elif w == "hundred":
            if last in (None, "a"):
                current = 100
            elif last in ("unit", "ten", "digit") and 0 < current < 100:
                current *= 100
            else:
                return None
            last = "hundred"
        elif w in _SCALES:
            scale = _SCALES[w]
            if last_scale is not None and scale >= last_scale:
                return None
            if last in (None, "a"):
                total += scale
            elif last in ("unit", "ten", "digit", "hundred"):
                total += current * scale
            else:
                return None
            current = 0
            last = "scale"
            last_scale = scale
        elif w == "dozen":
            if last in (None, "a"):
                current = 12
            elif last in ("unit", "ten", "digit"):
                current *= 12
            else:
                return None
            last = "dozen"
        else:
            digits = _digit_value(w)
            if digits is None or last is not None:
                return None
            current = digits
            last = "digit"
    if not seen or last in ("a", "and"):
        return None
    value = total + current
    if isinstance(value, Decimal):
        return _finish(value)
    return value
