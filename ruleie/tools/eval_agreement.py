"""When a predicted field or record agrees with a gold one (the RECORDS.md rule).

In: field strings, field objects and records as dicts; out: yes or no (``strings_agree``,
``field_agrees``, ``record_matches``) and how many key fields agree.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType
from typing import Any, Mapping, Sequence

# A prediction matches a gold record only if one of these fields agrees (RECORDS.md
# "Scoring"). Types not listed here (rule authors' own types) have no key field, so
# they match on document, type and span overlap alone.
KEY_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Statement": ("speaker",),
        "Meeting": ("participants",),
        "Strike": ("trigger", "weapon", "attacker", "target"),
    }
)

# The words RECORDS.md drops before comparing strings; "'s" is removed by the
# possessive rule in _words, so it never survives as a word of its own.
_DROPPED_WORDS = frozenset({"the", "a", "an", "his", "her", "its", "their", "of", "'s"})

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# "Clinton's", "Clinton 's" (token-rebuilt texts) and "Putin’s" all lose the "'s";
# "'sorry'" keeps its s because the s is followed by another letter.
_POSSESSIVE = re.compile(r"'s\b")
# Dashes and slashes separate words ("Al-Monitor", "state-run"); deleting them would
# glue two words into one that matches neither.
_SEPARATORS = re.compile(r"[-\u2010-\u2015\u2212/\\]")
_INT_TEXT = re.compile(r"[+-]?\d+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def _words(s: str) -> tuple[str, ...]:
    """The normalised words of ``s`` in order, dropped words removed."""
    s = _POSSESSIVE.sub(" ", s.lower().translate(_APOSTROPHES))
    s = _SEPARATORS.sub(" ", s)
    # Other punctuation and symbols are deleted, not replaced by a space, so that
    # "U.S." stays one word and "don't" does not leave a stray "t".
    s = "".join(ch for ch in s if not unicodedata.category(ch).startswith(("P", "S")))
    return tuple(w for w in s.split() if w not in _DROPPED_WORDS)


def normalise_words(s: str) -> frozenset[str]:
    """The word set RECORDS.md compares: lower-cased, punctuation and dropped words removed.

    >>> sorted(normalise_words("Putin’s spokesman, the “boss”"))
    ['boss', 'putin', 'spokesman']
    """
    return frozenset(_words(s))


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def strings_agree(predicted: str, gold: str) -> bool:
    """Whether two field strings agree under the RECORDS.md rule.

    Reading of the rule: both strings become word sequences (``_words``). They agree
    when the Jaccard index of their word *sets* is at least 0.5, or when one sequence
    occurs as a *contiguous* run inside the other and has at least a third as many
    words ("covers a third"). Contiguity is what "contains" means for text: "military
    administration" is inside "the head of the Kyiv city military administration",
    "head administration" is not. A string made only of dropped words (or of
    punctuation) has no words; it agrees only with the same string, compared
    case-insensitively after stripping white space.

    >>> strings_agree("the Russian president", "Russian President")
    True
    >>> strings_agree("his", "her")
    False
    """
    p, g = _words(predicted), _words(gold)
    if not p or not g:
        return predicted.strip().lower() == gold.strip().lower()
    ps, gs = set(p), set(g)
    if 2 * len(ps & gs) >= len(ps | gs):
        return True
    shorter, longer = (p, g) if len(p) <= len(g) else (g, p)
    return 3 * len(shorter) >= len(longer) and _contains(longer, shorter)


def _as_objects(predicted: Any) -> list[Mapping[str, Any]]:
    """A predicted field as a list of field objects.

    Bare strings and numbers are accepted as ``{"text": …}`` and ``{"value": …}`` so
    that hand-written predictions and converted gold can be scored too.
    """
    if predicted is None:
        return []
    items = predicted if isinstance(predicted, (list, tuple)) else [predicted]
    out: list[Mapping[str, Any]] = []
    for item in items:
        if isinstance(item, Mapping):
            out.append(item)
        elif isinstance(item, str):
            out.append({"text": item})
        elif item is not None:
            out.append({"value": item})
    return out


def _text_int(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    text = _THOUSANDS.sub("", text.strip())
    return int(text) if _INT_TEXT.fullmatch(text) else None


def _object_agrees(obj: Mapping[str, Any], gold: Any) -> bool:
    """One predicted field object against one scalar gold value."""
    value = obj.get("value", None)
    if isinstance(gold, bool):
        return isinstance(value, bool) and value == gold
    if isinstance(gold, int):
        # bool is an int in Python; True must not agree with gold 1.
        if isinstance(value, int) and not isinstance(value, bool):
            return value == gold
        return value is None and _text_int(obj.get("text")) == gold
    if isinstance(gold, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value == gold
    if isinstance(gold, str):
        candidates = [obj.get("text"), obj.get("canonical")]
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            candidates.append(str(value))
        return any(isinstance(c, str) and strings_agree(c, gold) for c in candidates)
    return value == gold


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, tuple)) and not value)


def field_agrees(predicted_field: Any, gold_value: Any) -> bool:
    """Whether a predicted field (object, list of objects or None) agrees with a gold value.

    - Strings agree through the object's ``text``, ``value`` or ``canonical``
      (:func:`strings_agree`).
    - Ints and bools must equal ``value`` exactly; an int also agrees with a ``text``
      that reads as that integer ("23", "1,200") when ``value`` is missing.
    - A predicted list agrees with a scalar gold value when any item does.
    - A gold list agrees when at least half of its items each agree with some
      predicted item (items may share a predicted item). An empty gold list or a
      null gold value agrees only with a null or empty prediction.

    >>> field_agrees({"text": "Putin", "canonical": "Vladimir Putin"}, "Vladimir Putin")
    True
    >>> field_agrees({"text": "23", "value": 23}, 23)
    True
    """
    objects = _as_objects(predicted_field)
    if _is_empty(gold_value):
        return not objects
    if isinstance(gold_value, (list, tuple)):
        agreeing = sum(1 for g in gold_value if any(_object_agrees(o, g) for o in objects))
        return 2 * agreeing >= len(gold_value)
    return any(_object_agrees(o, gold_value) for o in objects)


def _key_field_agrees(predicted_field: Any, gold_value: Any) -> bool:
    """Key-field agreement: for a list (Meeting participants) one shared item is enough."""
    if isinstance(gold_value, (list, tuple)):
        return any(field_agrees(predicted_field, g) for g in gold_value if not _is_empty(g))
    return field_agrees(predicted_field, gold_value)


def _fields(record: Mapping[str, Any]) -> Mapping[str, Any]:
    fields = record.get("fields")
    return fields if isinstance(fields, Mapping) else {}


def _key_agreement(
    pred: Mapping[str, Any], gold: Mapping[str, Any], keys: Sequence[str]
) -> int | None:
    """How many key fields agree, or None when the key rule says "no match".

    A gold record without any key field scores 0 against a prediction without one
    too (RECORDS.md's edge case) and None against a prediction that has one.
    """
    pf, gf = _fields(pred), _fields(gold)
    gold_keys = [k for k in keys if not _is_empty(gf.get(k))]
    if not gold_keys:
        return 0 if all(_is_empty(pf.get(k)) for k in keys) else None
    agreeing = sum(1 for k in gold_keys if _key_field_agrees(pf.get(k), gf[k]))
    return agreeing or None


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    if a_start == a_end:  # an empty span overlaps the span it sits in
        return b_start <= a_start <= b_end
    return a_start < b_end and b_start < a_end


def record_matches(
    pred: Mapping[str, Any],
    gold: Mapping[str, Any],
    *,
    key_fields: Mapping[str, Sequence[str]] = KEY_FIELDS,
) -> bool:
    """Whether a predicted record may be matched to a gold record.

    Same ``doc`` and ``type``, the prediction's span overlaps the gold sentence, and a
    key field agrees (Statement: speaker; Meeting: any participant; Strike: any of
    trigger, weapon, attacker, target). A gold record without a key field matches a
    prediction without one.
    """
    if pred.get("doc") != gold.get("doc") or pred.get("type") != gold.get("type"):
        return False
    if not _overlaps(pred["start"], pred["end"], gold["start"], gold["end"]):
        return False
    keys = key_fields.get(str(gold["type"]), ())
    return _key_agreement(pred, gold, keys) is not None


def _gold_fields(gold: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The gold fields that count for field accuracy: every non-null, non-empty one."""
    return [(k, v) for k, v in _fields(gold).items() if not _is_empty(v)]
