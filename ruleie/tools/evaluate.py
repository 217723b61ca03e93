"""Evaluation: score extracted records against gold records (the RECORDS.md rule)."""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from types import MappingProxyType
from typing import Any, Collection, Iterable, Iterator, Mapping, Sequence

import attrs

__all__ = [
    "KEY_FIELDS",
    "EvalInputError",
    "EvalReport",
    "FalsePositive",
    "FieldMismatch",
    "Miss",
    "TypeScore",
    "field_agrees",
    "format_report",
    "load_jsonl",
    "normalise_words",
    "record_matches",
    "report_to_dict",
    "score",
    "strings_agree",
]

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

_MISSING = object()


class EvalInputError(Exception):
    """Gold or prediction input that cannot be scored: bad JSON, or a record missing a key.

    ``str(error)`` reads like a compiler diagnostic: ``gold.jsonl:3: invalid JSON: …``.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


def load_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield the JSON object on each non-blank line of ``path``.

    Raises :class:`EvalInputError` naming ``file:line`` for a line that is not a JSON
    object, and naming the file when it cannot be read.
    """
    name = os.fspath(path)
    try:
        handle = open(name, encoding="utf-8")
    except OSError as exc:
        raise EvalInputError(f"cannot read: {exc.strerror or exc}", path=name) from exc
    with handle:
        lineno = 0
        try:
            for lineno, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvalInputError(
                        f"invalid JSON: {exc.msg} (column {exc.colno})", path=name, line=lineno
                    ) from exc
                if not isinstance(obj, dict):
                    raise EvalInputError(
                        f"expected a JSON object, got {type(obj).__name__}", path=name, line=lineno
                    )
                yield obj
        except UnicodeDecodeError as exc:
            raise EvalInputError(f"not UTF-8: {exc.reason}", path=name, line=lineno + 1) from exc


# ---------------------------------------------------------------------------
# Comparing strings and fields
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float:
    # 0/0 is reported as 0.0 rather than NaN so that tables and JSON stay plain numbers.
    return num / den if den else 0.0


def _f1(p: float | None, r: float) -> float | None:
    if p is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


def _frozen_counts(counts: Mapping[str, tuple[int, int]]) -> Mapping[str, tuple[int, int]]:
    return MappingProxyType({k: (int(a), int(t)) for k, (a, t) in sorted(counts.items())})


@attrs.frozen
class TypeScore:
    """Scores of one record type (or of all types, ``type == "all"``).

    ``precision`` is None when every scored document is recall-only for this type;
    otherwise it is counted over exhaustively annotated documents only:
    ``tp_exhaustive / (tp_exhaustive + fp)``. Any 0/0 ratio is 0.0.
    """

    type: str
    tp: int
    fp: int
    fn: int
    tp_exhaustive: int
    precision: float | None
    recall: float
    f1: float | None
    fields_total: int
    fields_agree: int
    field_accuracy: float
    per_field: Mapping[str, tuple[int, int]] = attrs.field(converter=_frozen_counts)


@attrs.frozen
class Miss:
    """A gold record no prediction matched; ``near`` is a same-type prediction overlapping it."""

    gold: dict[str, Any]
    near: dict[str, Any] | None = None


@attrs.frozen
class FalsePositive:
    """A prediction that matched nothing, with the sentence it came from when known."""

    pred: dict[str, Any]
    sentence: str | None = None


@attrs.frozen
class FieldMismatch:
    """A matched pair whose named gold fields the prediction got wrong."""

    gold: dict[str, Any]
    pred: dict[str, Any]
    fields: tuple[str, ...]


@attrs.frozen
class EvalReport:
    """Everything :func:`score` found: per-type scores, their sum, and the errors behind them."""

    scores: tuple[TypeScore, ...]
    overall: TypeScore
    misses: tuple[Miss, ...]
    false_positives: tuple[FalsePositive, ...]
    field_mismatches: tuple[FieldMismatch, ...]
    recall_only: bool
    n_docs: int
    n_gold: int
    n_predictions: int
    # Predictions for documents outside the evaluation or of types a document does not
    # annotate. A large number usually means mismatched document ids.
    n_unscored: int


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------


def _min_cost_assignment(cost: Sequence[Sequence[int]]) -> list[int]:
    """For each row, the column it gets in a minimum-cost assignment (Hungarian method).

    Needs ``len(rows) <= len(columns)``; every row gets a distinct column.
    """
    n, m = len(cost), len(cost[0]) if cost else 0
    inf = math.inf
    u = [0] * (n + 1)
    v = [0] * (m + 1)
    owner = [0] * (m + 1)  # owner[j]: the row (1-based) holding column j, 0 if none
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = owner[j0], inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    result = [-1] * n
    for j in range(1, m + 1):
        if owner[j]:
            result[owner[j] - 1] = j - 1
    return result


def _assign(weights: Sequence[Sequence[int | None]]) -> dict[int, int]:
    """A maximum-weight one-to-one matching; ``None`` marks a pair that may not match.

    Returns {row: column}. Weights must be positive. With the weights of
    :func:`_match_group` the best total means most counted gold first, then most
    optional gold, then most agreeing fields.
    """
    # Solve each connected group of rows and columns on its own: pairs only link
    # records in overlapping spans, so groups are sentence-sized and the cubic
    # assignment stays cheap even for a document with hundreds of records.
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, row in enumerate(weights):
        for j, w in enumerate(row):
            if w is not None:
                parent[find(("r", i))] = find(("c", j))
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for node in sorted(parent):
        rows, cols = groups.setdefault(find(node), ([], []))
        (rows if node[0] == "r" else cols).append(node[1])

    pairs: dict[int, int] = {}
    for rows, cols in groups.values():
        # Minimise -weight; a forbidden pair costs 0, the same as leaving both
        # unmatched, and is dropped afterwards.
        matrix = [[-(weights[i][j] or 0) for j in cols] for i in rows]
        transposed = len(rows) > len(cols)
        if transposed:
            matrix = [list(col) for col in zip(*matrix)]
        for a, b in enumerate(_min_cost_assignment(matrix)):
            r, c = (b, a) if transposed else (a, b)
            i, j = rows[r], cols[c]
            if weights[i][j] is not None:
                pairs[i] = j
    return pairs


def _match_group(
    golds: Sequence[Mapping[str, Any]],
    counted: Sequence[bool],
    preds: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
) -> dict[int, int]:
    """Match the gold and predicted records of one document and type: {gold: pred}."""
    n_fields = max((len(_gold_fields(g)) for g in golds), default=0) + 1
    # Lexicographic weights as integers: a match beats any amount of field agreement,
    # and a counted gold match beats any number of optional ones, so the assignment
    # maximises tp first and field accuracy only among assignments with that tp.
    quality_cap = len(golds) * n_fields * (n_fields + 1) + 1
    counted_bonus = len(golds) * (quality_cap + n_fields * (n_fields + 1)) + 1
    weights: list[list[int | None]] = []
    for g, is_counted in zip(golds, counted):
        row: list[int | None] = []
        gfields = _gold_fields(g)
        for p in preds:
            agreement = None
            if _overlaps(p["start"], p["end"], g["start"], g["end"]):
                agreement = _key_agreement(p, g, keys)
            if agreement is None:
                row.append(None)
                continue
            pf = _fields(p)
            agree = sum(1 for k, v in gfields if field_agrees(pf.get(k), v))
            quality = agreement * n_fields + agree
            row.append(quality_cap + quality + (counted_bonus if is_counted else 0))
        weights.append(row)
    return _assign(weights)


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


def _check_record(record: Any, what: str, index: int, *, gold: bool) -> dict[str, Any]:
    def fail(message: str) -> EvalInputError:
        doc = record.get("doc") if isinstance(record, Mapping) else None
        at = f"{what} #{index}" + (f" (doc {doc!r})" if doc is not None else "")
        return EvalInputError(f"{at}: {message}")

    if not isinstance(record, dict):
        raise fail(f"expected an object, got {type(record).__name__}")
    for key in ("doc", "type"):
        if not isinstance(record.get(key), str):
            raise fail(f"missing or non-string {key!r}")
    for key in ("start", "end"):
        value = record.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise fail(f"missing or non-integer {key!r}")
    fields = record.get("fields", _MISSING)
    if fields is _MISSING and not gold:
        return record
    if not isinstance(fields, dict):
        raise fail("'fields' must be an object")
    return record


@attrs.define
class _Tally:
    """Mutable counts for one type while scoring; frozen into a TypeScore at the end."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tp_exhaustive: int = 0
    exhaustive: bool = False  # some document scores precision for this type
    per_field: dict[str, list[int]] = attrs.Factory(dict)

    def freeze(self, type_name: str) -> TypeScore:
        precision = _ratio(self.tp_exhaustive, self.tp_exhaustive + self.fp) if self.exhaustive else None
        recall = _ratio(self.tp, self.tp + self.fn)
        agree = sum(a for a, _ in self.per_field.values())
        total = sum(t for _, t in self.per_field.values())
        return TypeScore(
            type=type_name,
            tp=self.tp,
            fp=self.fp,
            fn=self.fn,
            tp_exhaustive=self.tp_exhaustive,
            precision=precision,
            recall=recall,
            f1=_f1(precision, recall),
            fields_total=total,
            fields_agree=agree,
            field_accuracy=_ratio(agree, total),
            per_field={k: (a, t) for k, (a, t) in self.per_field.items()},
        )

    def add(self, other: _Tally) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tp_exhaustive += other.tp_exhaustive
        self.exhaustive |= other.exhaustive
        for k, (a, t) in other.per_field.items():
            slot = self.per_field.setdefault(k, [0, 0])
            slot[0] += a
            slot[1] += t


_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)|\n")


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence(s) of ``text`` holding ``[start, end)``.

    Sentences end at . ! ? (and closing quotes) before white space, and at line ends.
    """
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, max(start, 0)):
        begin = m.end()
    stop = len(text)
    # From the last character: a match that ends on its full stop keeps that stop.
    m = _SENTENCE_END.search(text, max(end - 1, start, 0))
    if m:
        stop = m.end()
    return text[begin:stop].strip()


def _find_sentence(
    pred: Mapping[str, Any], doc_gold: Sequence[Mapping[str, Any]], texts: Mapping[str, str] | None
) -> str | None:
    # A gold sentence is the best context because it is the unit the gold is cut in;
    # the document text is the fallback for predictions where there is no gold at all.
    for g in doc_gold:
        if isinstance(g.get("sentence"), str) and _overlaps(pred["start"], pred["end"], g["start"], g["end"]):
            return str(g["sentence"])
    if texts is not None and pred["doc"] in texts:
        return _sentence_around(texts[pred["doc"]], pred["start"], pred["end"])
    return None


def _annotated(lines: Sequence[Mapping[str, Any]]) -> frozenset[str] | None:
    """The types a document's gold annotates, or None (all types) when no line says."""
    declared = [line["annotated_types"] for line in lines if isinstance(line.get("annotated_types"), list)]
    if not declared:
        return None
    return frozenset(t for d in declared for t in d)


def _score_group(
    golds: Sequence[dict[str, Any]],
    preds: Sequence[dict[str, Any]],
    tally: _Tally,
    misses: list[Miss],
    mismatches: list[FieldMismatch],
    *,
    keys: Sequence[str],
    exact_only: bool,
    exhaustive: bool,
) -> list[dict[str, Any]]:
    """Match and count the records of one document and type; return the unmatched predictions."""
    counted = [
        g.get("optional") is not True and not (exact_only and g.get("map_quality") == "approx")
        for g in golds
    ]
    pairs = _match_group(golds, counted, preds, keys)
    matched = set(pairs.values())
    for gi, (g, is_counted) in enumerate(zip(golds, counted)):
        if not is_counted:
            continue
        if gi not in pairs:
            tally.fn += 1
            near = [j for j, p in enumerate(preds) if _overlaps(p["start"], p["end"], g["start"], g["end"])]
            # Show an unmatched neighbour first: it is the likelier near miss.
            near.sort(key=lambda j: j in matched)
            misses.append(Miss(gold=g, near=preds[near[0]] if near else None))
            continue
        tally.tp += 1
        tally.tp_exhaustive += exhaustive
        pred = preds[pairs[gi]]
        wrong = []
        for name, value in _gold_fields(g):
            ok = field_agrees(_fields(pred).get(name), value)
            slot = tally.per_field.setdefault(name, [0, 0])
            slot[0] += ok
            slot[1] += 1
            if not ok:
                wrong.append(name)
        if wrong:
            mismatches.append(FieldMismatch(gold=g, pred=pred, fields=tuple(wrong)))
    return [p for pi, p in enumerate(preds) if pi not in matched]


def _in_scope(type_name: str, wanted: frozenset[str] | None, annotated: frozenset[str] | None) -> bool:
    return (wanted is None or type_name in wanted) and (annotated is None or type_name in annotated)


def score(
    predictions: Iterable[Mapping[str, Any]],
    gold: Iterable[Mapping[str, Any]],
    *,
    recall_only: bool = False,
    exact_only: bool = False,
    types: Collection[str] | None = None,
    texts: Mapping[str, str] | None = None,
    docs: Collection[str] | None = None,
    key_fields: Mapping[str, Sequence[str]] = KEY_FIELDS,
) -> EvalReport:
    """Score predicted records against gold records, per type.

    Matching: within each document and type, predictions and gold records are paired
    one to one (each gold and each prediction at most once) by a maximum-weight
    assignment over the pairs :func:`record_matches` allows. It maximises, in this
    order: counted gold records matched (true positives), optional gold records
    matched (they absorb predictions that would otherwise be false positives), the
    number of agreeing key fields and then of all agreeing gold fields. So the count of
    true positives does not depend on file order, and field accuracy is taken from the
    best pairing.

    - ``optional`` gold records consume a prediction but are never tp or fn.
    - A document is recall-only when ``recall_only`` is passed or any of its gold lines
      says ``"recall_only": true``: its unmatched predictions are not false positives.
      Precision is counted over the other documents and is None if there are none.
    - ``annotated_types`` on a document's gold lines: predictions of other types there
      are not scored.
    - Documents: those with gold lines, plus ``docs`` (documents that were run). A
      prediction for any other document is ignored. A document in ``docs`` without
      gold lines takes the gold set's defaults: recall-only when every gold line is,
      and the union of ``annotated_types`` when every gold line has them.
    - ``exact_only``: gold lines with ``"map_quality": "approx"`` stop counting. Which
      predictions were aimed at them cannot be told, so they are not dropped; instead
      approximate lines are treated like optional ones (they absorb a matching
      prediction and are never missed). On recall-only sets this is the same as
      dropping them; on exhaustive sets it keeps those predictions from becoming false
      positives.
    - ``types``: only these types are scored (and each gets a row, even if empty).
    - ``texts`` (doc id → text) lets false positives show their sentence when no gold
      sentence overlaps them.
    - ``key_fields``: the key fields per type; types absent from it have none.

    Field accuracy: over matched counted gold records, the share of their non-null
    fields (key fields included) that agree (:func:`field_agrees`) with the
    prediction's field of the same name.
    """
    gold_list = [_check_record(g, "gold record", i, gold=True) for i, g in enumerate(gold, 1)]
    pred_list = [_check_record(p, "prediction", i, gold=False) for i, p in enumerate(predictions, 1)]
    wanted = None if types is None else frozenset(types)

    gold_by_doc: dict[str, list[dict[str, Any]]] = {}
    for g in gold_list:
        gold_by_doc.setdefault(g["doc"], []).append(g)
    set_recall_only = bool(gold_list) and all(g.get("recall_only") is True for g in gold_list)
    set_annotated = (
        _annotated(gold_list)
        if gold_list and all(isinstance(g.get("annotated_types"), list) for g in gold_list)
        else None
    )

    scored_docs = list(gold_by_doc)
    scored_docs += sorted(set(docs or ()) - set(gold_by_doc))
    preds_by_doc: dict[str, list[dict[str, Any]]] = {}
    for p in pred_list:
        preds_by_doc.setdefault(p["doc"], []).append(p)

    tallies: dict[str, _Tally] = {t: _Tally() for t in (wanted or ())}
    misses: list[Miss] = []
    fps: list[FalsePositive] = []
    mismatches: list[FieldMismatch] = []
    n_scored_preds = n_scored_gold = 0
    # (recall-only?, annotated types or None for all) per scored document.
    doc_settings: list[tuple[bool, frozenset[str] | None]] = []

    for doc in scored_docs:
        lines = gold_by_doc.get(doc, [])
        if lines:
            doc_recall_only = recall_only or any(g.get("recall_only") is True for g in lines)
            annotated = _annotated(lines)
        else:
            doc_recall_only = recall_only or set_recall_only
            annotated = set_annotated
        doc_settings.append((doc_recall_only, annotated))
        doc_gold = [g for g in lines if _in_scope(g["type"], wanted, annotated)]
        doc_preds = [p for p in preds_by_doc.get(doc, []) if _in_scope(p["type"], wanted, annotated)]
        n_scored_gold += len(doc_gold)
        n_scored_preds += len(doc_preds)

        for type_name in sorted({g["type"] for g in doc_gold} | {p["type"] for p in doc_preds}):
            golds = [g for g in doc_gold if g["type"] == type_name]
            preds = [p for p in doc_preds if p["type"] == type_name]
            tally = tallies.setdefault(type_name, _Tally())
            unmatched = _score_group(
                golds, preds, tally, misses, mismatches,
                keys=key_fields.get(type_name, ()), exact_only=exact_only, exhaustive=not doc_recall_only,
            )
            if not doc_recall_only:
                tally.fp += len(unmatched)
                fps.extend(FalsePositive(pred=p, sentence=_find_sentence(p, lines, texts)) for p in unmatched)

    for type_name, tally in tallies.items():
        # Precision is measured for a type when some exhaustive document annotates it,
        # whether or not that document holds a record of the type.
        tally.exhaustive = any(
            not ro and _in_scope(type_name, wanted, annotated) for ro, annotated in doc_settings
        )
    overall = _Tally()
    for tally in tallies.values():
        overall.add(tally)
    return EvalReport(
        scores=tuple(tallies[t].freeze(t) for t in sorted(tallies)),
        overall=overall.freeze("all"),
        misses=tuple(misses),
        false_positives=tuple(fps),
        field_mismatches=tuple(mismatches),
        recall_only=all(ro for ro, _ in doc_settings) if doc_settings else recall_only,
        n_docs=len(scored_docs),
        n_gold=n_scored_gold,
        n_predictions=n_scored_preds,
        n_unscored=len(pred_list) - n_scored_preds,
    )


# ---------------------------------------------------------------------------
# Showing results
# ---------------------------------------------------------------------------


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _clip(s: str, limit: int = 300) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _show_value(value: Any) -> str:
    if isinstance(value, Mapping):
        shown = repr(_clip(str(value.get("text", ""))))
        if value.get("value") is not None and str(value.get("value")) != value.get("text"):
            shown += f"={value['value']!r}"
        if value.get("canonical") and value.get("canonical") != value.get("text"):
            shown += f" ({value['canonical']})"
        return shown
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show_value(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(_clip(value))
    return repr(value)


def _show_fields(fields: Mapping[str, Any]) -> str:
    shown = [f"{k}={_show_value(v)}" for k, v in fields.items() if not _is_empty(v)]
    return " ".join(shown) or "(no fields)"


def _where(record: Mapping[str, Any]) -> str:
    return f"{record['type']}  {record['doc']} [{record['start']}:{record['end']}]"


def format_report(report: EvalReport, *, show_errors: bool = True, max_errors: int | None = None) -> str:
    """The report as text: the score table, per-field accuracy, then the errors.

    Precision and F1 print as "—" where no scored document measures precision.
    ``max_errors`` caps each error listing.
    """
    out: list[str] = []
    rows = [*report.scores, report.overall] if report.scores else [report.overall]
    width = max(9, *(len(s.type) for s in rows))
    out.append(f"{'type':<{width}}  {'P':>6} {'R':>6} {'F1':>6} {'fields':>7} {'tp':>5} {'fp':>5} {'fn':>5}")
    for s in rows:
        out.append(
            f"{s.type:<{width}}  {_num(s.precision):>6} {_num(s.recall):>6} {_num(s.f1):>6}"
            f" {_num(s.field_accuracy):>7} {s.tp:>5} {s.fp:>5} {s.fn:>5}"
        )
    out.append(
        f"{report.n_docs} documents, {report.n_gold} gold records, {report.n_predictions} predictions scored"
        + (f", {report.n_unscored} not scored" if report.n_unscored else "")
        + (" (recall-only: precision not measured)" if report.recall_only else "")
    )
    field_rows = [s for s in report.scores if s.per_field]
    if field_rows:
        out.append("")
        out.append("field accuracy (agree/total)")
        for s in field_rows:
            parts = [f"{name} {a}/{t} {_num(_ratio(a, t))}" for name, (a, t) in s.per_field.items()]
            out.append(f"  {s.type:<{width}}  " + "  ".join(parts))
    if not show_errors:
        return "\n".join(out)

    def listing(title: str, items: Sequence[Any], show: Any) -> None:
        if not items:
            return
        out.append("")
        out.append(f"{title} ({len(items)})")
        shown = items if max_errors is None else items[:max_errors]
        for item in shown:
            out.extend(show(item))
        if len(shown) < len(items):
            out.append(f"… and {len(items) - len(shown)} more")

    def show_miss(m: Miss) -> list[str]:
        lines = [f"- {_where(m.gold)}" + ("  (approx)" if m.gold.get("map_quality") == "approx" else "")]
        if m.gold.get("sentence"):
            lines.append(f"    sentence:  {_clip(str(m.gold['sentence']))}")
        lines.append(f"    expected:  {_show_fields(_fields(m.gold))}")
        if m.near is not None:
            lines.append(f"    nearest:   {m.near.get('rule', '?')}: {_show_fields(_fields(m.near))}")
        return lines

    def show_fp(f: FalsePositive) -> list[str]:
        lines = [f"- {_where(f.pred)}  rule {f.pred.get('rule', '?')}"]
        if f.sentence is not None:
            lines.append(f"    sentence:  {_clip(f.sentence)}")
        if f.pred.get("text"):
            lines.append(f"    matched:   {_clip(str(f.pred['text']))}")
        lines.append(f"    predicted: {_show_fields(_fields(f.pred))}")
        return lines

    def show_mismatch(m: FieldMismatch) -> list[str]:
        lines = [f"- {_where(m.gold)}  rule {m.pred.get('rule', '?')}"]
        if m.gold.get("sentence"):
            lines.append(f"    sentence:  {_clip(str(m.gold['sentence']))}")
        gf, pf = _fields(m.gold), _fields(m.pred)
        for name in m.fields:
            got = pf.get(name)
            shown = "null" if _is_empty(got) else _show_value(got)
            lines.append(f"    {name}: expected {_show_value(gf[name])}, got {shown}")
        return lines

    listing("MISSES", report.misses, show_miss)
    listing("FALSE POSITIVES", report.false_positives, show_fp)
    listing("FIELD ERRORS", report.field_mismatches, show_mismatch)
    return "\n".join(out)


def _score_to_dict(s: TypeScore) -> dict[str, Any]:
    return {
        "type": s.type,
        "tp": s.tp,
        "fp": s.fp,
        "fn": s.fn,
        "tp_exhaustive": s.tp_exhaustive,
        "precision": s.precision,
        "recall": s.recall,
        "f1": s.f1,
        "fields_total": s.fields_total,
        "fields_agree": s.fields_agree,
        "field_accuracy": s.field_accuracy,
        "per_field": {k: {"agree": a, "total": t} for k, (a, t) in s.per_field.items()},
    }


def report_to_dict(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON-able data (None for an unmeasured precision or F1)."""
    return {
        "scores": [_score_to_dict(s) for s in report.scores],
        "overall": _score_to_dict(report.overall),
        "recall_only": report.recall_only,
        "n_docs": report.n_docs,
        "n_gold": report.n_gold,
        "n_predictions": report.n_predictions,
        "n_unscored": report.n_unscored,
        "misses": [{"gold": m.gold, "near": m.near} for m in report.misses],
        "false_positives": [{"pred": f.pred, "sentence": f.sentence} for f in report.false_positives],
        "field_mismatches": [
            {"gold": m.gold, "pred": m.pred, "fields": list(m.fields)} for m in report.field_mismatches
        ],
    }
