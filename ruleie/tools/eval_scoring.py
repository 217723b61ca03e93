"""Scoring: predicted × gold records → ``EvalReport`` (per-type counts, P/R/F1, the errors).

Within each document and type the records are paired one to one by a maximum-weight
assignment over the pairs ``record_matches`` allows; the counts follow from the pairing.
"""

from __future__ import annotations

import math
import re
from types import MappingProxyType
from typing import Any, Collection, Iterable, Mapping, Sequence

import attrs

from .eval_agreement import KEY_FIELDS, _fields, _gold_fields, _key_agreement, _overlaps, field_agrees
from .eval_input import _check_record


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
