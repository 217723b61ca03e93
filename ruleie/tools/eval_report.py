"""Showing an ``EvalReport``: the score table and error listings as text, or plain JSON-able data."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .eval_agreement import _fields, _is_empty
from .eval_scoring import EvalReport, FalsePositive, FieldMismatch, Miss, TypeScore, _ratio


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
