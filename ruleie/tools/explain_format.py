"""An ``Explanation`` as text (``ruleie explain``) and as JSON-ready data (``--json``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import attrs

from ..text.document import Document

if TYPE_CHECKING:  # the values are defined with the computation, which imports this module
    from .explain import CaptureSpan, Explanation, Failure, NoMatch, PartialMatch, Step


# ---------------------------------------------------------------------------
# Text output


def _span(start: int, end: int) -> str:
    if end - start <= 1:
        return f"token {start}"
    return f"tokens {start}-{end - 1}"


def _stage_text(stage: int) -> str:
    if stage == -2:
        return "from the document"
    if stage == -1:
        return "lexicons, before stage 0"
    return f"stage {stage}"


def _miss_summary(miss: NoMatch) -> str:
    if miss.partial is None:
        needs = "; ".join(f"{f.constraint} ({f.reason})" for f in miss.first) or "nothing could begin it"
        return f"no token here can begin it: {needs}"
    p = miss.partial
    if p.failures and p.failures[0].word is None:
        needed = " or ".join(f.constraint for f in p.failures)
        return f'it got as far as "{p.text}" ({_span(p.start, p.stop)}) and reached the end of the sentence, still needing {needed}'
    if not p.failures:
        return f'it got as far as "{p.text}" ({_span(p.start, p.stop)}) and nothing more could match'
    rest = "".join(f"; {f.constraint} failed, {f.reason}" for f in p.failures[1:])
    return f'it got as far as "{p.text}" ({_span(p.start, p.stop)}) and stopped at {p.failures[0].describe()}{rest}'


def _token_table(ex: Explanation, lo: int, hi: int, indent: str) -> list[str]:
    columns = ex.doc._all_columns()
    header = ["#"] + list(ex.fields)
    rows = []
    for i in range(lo, hi):
        row = [str(i)]
        for field in ex.fields:
            value = columns.get(field)
            v = None if value is None else value[i]
            row.append("-" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
        rows.append(row)
    widths = [max(len(r[k]) for r in [header] + rows) for k in range(len(header))]
    lines = []
    for r in [header] + rows:
        cells = [r[0].rjust(widths[0])] + [c.ljust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _grouped_steps(steps: Sequence[Step]) -> list[tuple[str, int, int, int]]:
    """Consecutive steps of one element (a repetition) as one: (element, start, end, count)."""
    grouped: list[tuple[str, int, int, int]] = []
    for step in steps:
        if grouped and grouped[-1][0] == step.element and grouped[-1][2] == step.start:
            element, start, _, count = grouped[-1]
            grouped[-1] = (element, start, step.end, count + 1)
        else:
            grouped.append((step.element, step.start, step.end, 1))
    return grouped


def _text_of(doc: Document, start: int, end: int) -> str:
    cs, ce = doc.char_span(start, end)
    return doc.text[cs:ce]


def _stop_lines(p: PartialMatch, indent: str) -> list[str]:
    """Where a partial match stopped and what failed there: one line for one failure."""
    if not p.failures:
        return [f"{indent}stopped at {_span(p.stop, p.stop + 1)}: nothing more could match"]
    first = p.failures[0]
    if first.word is None:
        needed = " or ".join(f.constraint for f in p.failures)
        return [f"{indent}reached the end of the sentence, still needing {needed}"]
    if len(p.failures) == 1:
        return [f"{indent}stopped at {first.describe()}"]
    lines = [f'{indent}stopped at token {first.token} "{first.word}", where all of these failed:']
    # Mention references that failed for one reason share a line: "@A, @B failed, no mention starts here".
    by_reason: dict[str, list[str]] = {}
    for f in p.failures:
        key = f.reason if f.constraint.startswith("@") else f"{f.constraint}\0{f.reason}"
        by_reason.setdefault(key, []).append(f.constraint)
    for key, constraints in by_reason.items():
        lines.append(f"{indent}  {', '.join(constraints)} failed, {key.split(chr(0))[-1]}")
    return lines


def _format(ex: Explanation, *, show_all: bool, detail: bool, max_misses: int) -> str:
    out: list[str] = []
    if ex.pattern is not None:
        out.append(f"Pattern: {ex.pattern}")
    else:
        out.append(f"Rules: {ex.rules_label}")
    for sentence in ex.sentences:
        out.append("")
        out.append(f"Sentence {sentence.index + 1} ({_span(sentence.start, sentence.end)}): {sentence.text}")
        out.append("")
        out.append("  Tokens:")
        out.extend(_token_table(ex, sentence.start, sentence.end, "    "))
        here = [m for m in ex.mentions if sentence.start <= m.start < sentence.end]
        out.append("")
        if here:
            out.append("  Mentions (from lexicons and earlier stages):")
            width_type = max(len(m.type) for m in here)
            width_span = max(len(_span(m.start, m.end)) for m in here)
            for m in here:
                out.append(
                    f"    {m.type.ljust(width_type)}  {_span(m.start, m.end).ljust(width_span)}  "
                    f'"{m.text}"  by {m.rule or "?"} ({_stage_text(m.stage)})'
                )
        else:
            out.append("  Mentions: none")
        out.append("")
        if sentence.matches:
            out.append("  Matched:")
            for m in sentence.matches:
                name = "the pattern" if m.kind == "pattern" else m.rule
                target = "" if m.kind == "pattern" else f" -> {m.type} {m.kind}"
                status = ""
                if m.kept is True:
                    status = "  [in the output]"
                elif m.kept is False:
                    status = "  [not in the output]"
                out.append(f'    {name}{target}, {_span(m.start, m.end)}: "{m.text}"{status}')
                if m.kept is False and m.note:
                    out.append(f"        {m.note}")
                if m.captures:
                    width = max(len(c.name) for c in m.captures)
                    for c in m.captures:
                        out.append(f'        {c.name.ljust(width)}  {_span(c.start, c.end)}: "{c.text}"')
        else:
            out.append("  Matched: nothing")
        misses = list(sentence.misses)
        if not misses:
            continue
        started = [m for m in misses if m.started]
        never = [m for m in misses if not m.started]
        shown = started + never if (detail or show_all) else started[:max_misses]
        rest = [m for m in misses if m not in shown]
        out.append("")
        out.append("  Did not match" + (" (those that got furthest first):" if len(shown) > 1 else ":"))
        for miss in shown:
            out.append("    the pattern" if miss.kind == "pattern" else f"    {miss.rule} ({miss.type}, stage {miss.stage})")
            if miss.partial is None:
                out.append("        no token in this sentence can begin it; its first element needs:")
                for f in miss.first:
                    out.append(f"          {f.constraint}: {f.reason}")
                continue
            p = miss.partial
            out.append(f'        longest partial match: {_span(p.start, p.stop)}: "{p.text}"')
            if detail and p.steps:
                rows = [
                    (_span(start, end), f'"{_text_of(ex.doc, start, end)}"', element + (f" ({count} times)" if count > 1 else ""))
                    for element, start, end, count in _grouped_steps(p.steps)
                ]
                w0 = max(len(r[0]) for r in rows)
                w1 = max(len(r[1]) for r in rows)
                for span, text, element in rows:
                    out.append(f"          {span.ljust(w0)}  {text.ljust(w1)}  {element}")
            if p.captures:
                shown = ", ".join(
                    f'{c.name} = "{c.text}"' + ("" if c.closed else " (unfinished)") for c in p.captures
                )
                out.append(f"          captures: {shown}")
            out.extend(_stop_lines(p, "        "))
        if rest:
            names = ", ".join(m.rule for m in rest)
            out.append(
                f"    {len(rest)} more rule{'s' if len(rest) != 1 else ''} did not match "
                f"(--all, or --rule NAME, shows why): {names}"
            )
    return "\n".join(out)


# ---------------------------------------------------------------------------
# JSON output


def _capture_dict(c: CaptureSpan) -> dict[str, Any]:
    d: dict[str, Any] = {"name": c.name, "start": c.start, "end": c.end, "text": c.text}
    if not c.closed:
        d["closed"] = False
    return d


def _failure_dict(f: Failure) -> dict[str, Any]:
    return {
        "token": f.token,
        "word": f.word,
        "element": f.element,
        "constraint": f.constraint,
        "reason": f.reason,
        "message": f.describe(),
    }


def _json_value(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def _to_dict(ex: Explanation) -> dict[str, Any]:
    doc = ex.doc
    columns = doc._all_columns()
    tokens = []
    for i in range(len(doc)):
        fields = {f: _json_value(columns[f][i]) for f in ex.fields if f in columns}
        tokens.append({"index": i, "start": doc.starts[i], "end": doc.ends[i], **fields})
    sentences = []
    for s in ex.sentences:
        sentences.append(
            {
                "index": s.index,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "matches": [
                    {
                        "rule": m.rule,
                        "type": m.type,
                        "kind": m.kind,
                        "stage": m.stage,
                        "start": m.start,
                        "end": m.end,
                        "text": m.text,
                        "kept": m.kept,
                        "note": m.note or None,
                        "captures": [_capture_dict(c) for c in m.captures],
                    }
                    for m in s.matches
                ],
                "misses": [
                    {
                        "rule": m.rule,
                        "type": m.type,
                        "kind": m.kind,
                        "stage": m.stage,
                        "started": m.started,
                        "first": [_failure_dict(f) for f in m.first],
                        "partial": None
                        if m.partial is None
                        else {
                            "start": m.partial.start,
                            "stop": m.partial.stop,
                            "text": m.partial.text,
                            "steps": [attrs.asdict(st) for st in m.partial.steps],
                            "captures": [_capture_dict(c) for c in m.partial.captures],
                            "failures": [_failure_dict(f) for f in m.partial.failures],
                        },
                    }
                    for m in s.misses
                ],
            }
        )
    return {
        "text": doc.text,
        "rules": None if ex.pattern is not None else ex.rules_label,
        "pattern": ex.pattern,
        "fields": list(ex.fields),
        "tokens": tokens,
        "mentions": [
            {"type": m.type, "start": m.start, "end": m.end, "text": m.text, "rule": m.rule, "stage": m.stage}
            for m in ex.mentions
        ],
        "sentences": sentences,
    }

