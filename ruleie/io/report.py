"""Records + document texts → one self-contained HTML page (``ruleie run --html``).

The page shows every document with its records highlighted by type (a colour each,
with a legend), the fields of each record outlined and labelled inside it, and the
rule and all fields of a record in a details panel on hover or click. A summary at
the top counts records per type, per rule and per document.

Nothing is fetched: the CSS and the script are inline and a Content-Security-Policy
forbids every network request. All document text is escaped (a document may contain
``<script>``). Documents are written one at a time to a temporary file and the page
is assembled at ``close`` (the summary, which comes first, is known only then), so a
report over thousands of documents never sits in memory as one string.

>>> import io
>>> out = io.StringIO()
>>> with HtmlReport(out, types=["Strike"]) as report:
...     report.add("d1", "Russia launched 23 missiles.", [
...         {"type": "Strike", "rule": "strike.launch", "start": 0, "end": 27,
...          "text": "Russia launched 23 missiles",
...          "fields": {"attacker": {"text": "Russia", "start": 0, "end": 6}}}])
>>> dict(report.records_by_type), dict(report.records_by_rule)
({'Strike': 1}, {'strike.launch': 1})
>>> '<span class="fld t0" data-r="0" data-f="attacker" data-label="attacker">Russia</span>' in out.getvalue()
True
"""

from __future__ import annotations

import colorsys
import html
import json
import shutil
import tempfile
from collections import Counter
from typing import IO, Any, Iterable, Mapping, Optional, Sequence, Union

import attrs

__all__ = ["HtmlReport", "write_report", "render_report", "type_colour", "PALETTE"]

# Distinct, print-safe colours (the Tableau 10 set), in the order types are declared.
PALETTE: tuple[str, ...] = (
    "#d62728",  # red
    "#1f77b4",  # blue
    "#2ca02c",  # green
    "#ff7f0e",  # orange
    "#9467bd",  # purple
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#17becf",  # cyan
    "#bcbd22",  # olive
    "#7f7f7f",  # grey
)

# Vertical room per highlight lane: the underline bar plus a gap.
_LANE_PX = 4
_TINT = 0.2  # share of the type colour in a highlight's background (the rest is white)


def type_colour(index: int) -> str:
    """The colour of the ``index``-th type: the palette, then golden-angle hues.

    >>> type_colour(0), type_colour(1), type_colour(10)
    ('#d62728', '#1f77b4', '#a2ad1f')
    """
    if index < len(PALETTE):
        return PALETTE[index]
    hue = (index * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.4, 0.7)
    return "#%02x%02x%02x" % (round(r * 255), round(g * 255), round(b * 255))


def tint(colour: str, share: float = _TINT) -> str:
    """``colour`` mixed with white (an opaque highlight background).

    >>> tint("#d62728")
    '#f7d4d4'
    """
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c * share + 255 * (1 - share)) for c in rgb]
    return "#%02x%02x%02x" % tuple(mixed)


RecordLike = Union[Mapping[str, Any], Any]  # a Record or its to_dict() form (RECORDS.md)


def _as_dict(record: RecordLike) -> Mapping[str, Any]:
    to_dict = getattr(record, "to_dict", None)
    return to_dict() if callable(to_dict) else record


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(str(text), quote=True)


def _script_json(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<`` can close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@attrs.define
class _Mark:
    """One highlight to draw: a record (kind 0) or one field value of a record (kind 1)."""

    start: int
    end: int
    kind: int
    record: int  # index of the record in its document
    type_index: int
    lane: int = 0
    field: str = ""

    def open_tag(self, first: bool, depth: int) -> str:
        if self.kind == 0:
            return f'<span class="rec t{self.type_index} d{depth}" data-r="{self.record}">'
        label = f' data-label="{_attr(self.field)}"' if first else ""
        cont = "" if first else " cont"
        return f'<span class="fld t{self.type_index}{cont}" data-r="{self.record}" data-f="{_attr(self.field)}"{label}>'


def _field_items(content: Any) -> list[Mapping[str, Any]]:
    if content is None:
        return []
    if isinstance(content, (list, tuple)):
        return [item for item in content if isinstance(item, Mapping)]
    if isinstance(content, Mapping):
        return [content]
    return []


def _span(item: Mapping[str, Any], size: int) -> Optional[tuple[int, int]]:
    """A valid, non-empty character span clipped to the text, or None."""
    try:
        s, e = int(item["start"]), int(item["end"])
    except (KeyError, TypeError, ValueError):
        return None
    s, e = max(0, s), min(size, e)
    return (s, e) if s < e else None


def _assign_lanes(marks: list[_Mark]) -> int:
    """Give each record a lane: one more than the deepest record still open where it starts.

    A record inside (or starting inside) another always gets a higher lane, so its
    underline is drawn above the outer one's and both stay visible. Returns the
    number of lanes.
    """
    open_marks: list[_Mark] = []
    lanes = 0
    for m in sorted(marks, key=lambda m: (m.start, -m.end, m.record)):
        open_marks = [o for o in open_marks if o.end > m.start]
        m.lane = 1 + max((o.lane for o in open_marks), default=-1)
        open_marks.append(m)
        lanes = max(lanes, m.lane + 1)
    return lanes


def _highlight(text: str, marks: list[_Mark], lanes: int) -> str:
    """The escaped text with every mark as a span; marks that cross are split into pieces.

    Elements open in (start, longest first, records before fields, lane) order and
    close with a stack: when an element ends under others, those are closed and
    reopened as continuations, so the markup always nests.
    """
    starts: dict[int, list[_Mark]] = {}
    bounds = {0, len(text)}
    for m in marks:
        starts.setdefault(m.start, []).append(m)
        bounds.add(m.start)
        bounds.add(m.end)
    for group in starts.values():
        group.sort(key=lambda m: (-m.end, m.kind, m.lane, m.record, m.field))
    out: list[str] = []
    stack: list[_Mark] = []
    pos = 0
    for p in sorted(bounds):
        if p > pos:
            out.append(_esc(text[pos:p]))
            pos = p
        ending = [i for i, m in enumerate(stack) if m.end <= p]
        if ending:
            cut = ending[0]
            out.append("</span>" * (len(stack) - cut))
            popped = stack[cut:]
            del stack[cut:]
            for m in popped:
                if m.end > p:
                    out.append(m.open_tag(False, lanes - m.lane))
                    stack.append(m)
        for m in starts.get(p, ()):
            out.append(m.open_tag(True, lanes - m.lane))
            stack.append(m)
    out.append("</span>" * len(stack))
    return "".join(out)


class HtmlReport:
    """Streams a report page to ``stream``: ``add`` each document, then ``close``.

    ``types`` fixes the order (and so the colour) of record types, and lists types
    with no records in the summary; types not listed get the next colours as they
    appear. Records are ``Record`` objects or their JSON form (RECORDS.md).
    """

    def __init__(self, stream: IO[str], *, types: Sequence[str] = (), title: str = "ruleie report",
                 subtitle: str = ""):
        self.stream = stream
        self.title = title
        self.subtitle = subtitle
        self.type_order: dict[str, int] = {}
        for name in types:
            self.type_order.setdefault(name, len(self.type_order))
        self.records_by_type: Counter[str] = Counter()
        self.records_by_rule: Counter[str] = Counter()
        self.rule_types: dict[str, str] = {}
        self.docs_by_type: Counter[str] = Counter()
        self.documents: list[tuple[int, str, dict[str, int]]] = []  # (number, id, counts per type)
        self.failures: list[tuple[str, str]] = []
        self.max_depth = 1
        self._body: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        self._closed = False

    # -- input ---------------------------------------------------------------

    def _type_index(self, name: str) -> int:
        return self.type_order.setdefault(name, len(self.type_order))

    def add(self, doc_id: str, text: str, records: Iterable[RecordLike]) -> None:
        """Render one document and its records (in any order) to the page body."""
        if self._closed:
            raise ValueError("report is closed")
        number = len(self.documents) + 1
        recs = [dict(_as_dict(r)) for r in records]
        size = len(text)
        marks: list[_Mark] = []
        record_marks: list[_Mark] = []
        counts: Counter[str] = Counter()
        for k, r in enumerate(recs):
            rtype = str(r.get("type", "Record"))
            rule = str(r.get("rule", ""))
            ti = self._type_index(rtype)
            counts[rtype] += 1
            self.records_by_rule[rule] += 1
            self.rule_types.setdefault(rule, rtype)
            span = _span(r, size)
            if span is not None:
                m = _Mark(span[0], span[1], 0, k, ti)
                record_marks.append(m)
                marks.append(m)
            fields = r.get("fields") or {}
            for name, content in fields.items():
                for item in _field_items(content):
                    fspan = _span(item, size)
                    if fspan is not None:
                        marks.append(_Mark(fspan[0], fspan[1], 1, k, ti, field=str(name)))
        lanes = _assign_lanes(record_marks)
        for m in marks:
            if m.kind == 1:
                m.lane = lanes  # fields sit inside every record
        self.max_depth = max(self.max_depth, lanes)
        self.records_by_type.update(counts)
        self.docs_by_type.update(counts.keys())
        self.documents.append((number, doc_id, dict(counts)))

        chips = "".join(
            f'<span class="chip t{self.type_order[t]}">{_esc(t)} {n}</span>'
            for t, n in sorted(counts.items(), key=lambda kv: self.type_order[kv[0]])
        )
        empty = "" if recs else " empty"
        payload = [{key: r.get(key) for key in ("type", "rule", "start", "end", "text", "fields")} for r in recs]
        w = self._body.write
        w(f'<section class="doc{empty}" id="doc-{number}" data-doc="{_attr(doc_id)}">\n')
        w(f'<h2><a class="anchor" href="#doc-{number}">#{number}</a> <span class="docid">{_esc(doc_id)}</span>'
          f' <span class="count">{len(recs)} record{"s" if len(recs) != 1 else ""}</span> {chips}</h2>\n')
        w(f'<div class="text" style="--lanes:{lanes}">{_highlight(text, marks, lanes)}</div>\n')
        w(f'<script type="application/json" class="recs">{_script_json(payload)}</script>\n')
        w("</section>\n")

    def add_error(self, doc_id: str, error: str) -> None:
        """A document that could not be processed: listed in the summary."""
        self.failures.append((doc_id, error))

    # -- output --------------------------------------------------------------

    def close(self) -> None:
        """Write the page (head, summary, documents) to the stream. The stream stays open."""
        if self._closed:
            return
        self._closed = True
        w = self.stream.write
        w(self._head())
        w(self._summary())
        w('<main id="docs">\n')
        self._body.seek(0)
        shutil.copyfileobj(self._body, self.stream)
        self._body.close()
        if not self.documents:
            w('<p class="none">No documents.</p>\n')
        w("</main>\n")
        w(_PANEL)
        w(f"<script>{_SCRIPT}</script>\n</body>\n</html>\n")

    def discard(self) -> None:
        """Drop the report without writing anything."""
        self._closed = True
        self._body.close()

    def __enter__(self) -> HtmlReport:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()

    def _css(self) -> str:
        rules = [_CSS]
        for name, i in self.type_order.items():
            colour = type_colour(i)
            rules.append(f".t{i}{{--c:{colour};--bg:{tint(colour)};--bg2:{tint(colour, 0.38)}}}")
            rules.append(
                f".hide-t{i} .rec.t{i}{{background:none;border-bottom-color:transparent}}"
                f".hide-t{i} .fld.t{i}{{outline:none}}.hide-t{i} .fld.t{i}::before{{display:none}}"
            )
        for d in range(1, self.max_depth + 1):
            rules.append(f".d{d}{{padding-bottom:{(d - 1) * _LANE_PX + 1}px}}")
        return "\n".join(rules)

    def _head(self) -> str:
        csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="generator" content="ruleie">\n'
            f"<title>{_esc(self.title)}</title>\n<style>\n{self._css()}\n</style>\n</head>\n<body>\n"
        )

    def _summary(self) -> str:
        n_docs, n_records = len(self.documents), sum(self.records_by_type.values())
        parts = [f'<header>\n<h1>{_esc(self.title)}</h1>\n<p class="meta">'
                 f'<b id="n-docs">{n_docs}</b> document{"s" if n_docs != 1 else ""} · '
                 f'<b id="n-records">{n_records}</b> record{"s" if n_records != 1 else ""}'
                 + (f' · <b id="n-failed" class="bad">{len(self.failures)}</b> failed' if self.failures else "")
                 + (f' · {_esc(self.subtitle)}' if self.subtitle else "")
                 + "</p>\n"]
        parts.append('<div class="controls"><span class="legend-title">Show:</span>')
        for name, i in self.type_order.items():
            parts.append(f'<label class="legend t{i}"><input type="checkbox" checked data-t="{i}">'
                         f'<span class="swatch"></span>{_esc(name)}</label>')
        parts.append('<label><input type="checkbox" checked id="opt-labels">field labels</label>'
                     '<label><input type="checkbox" id="opt-hits">only documents with records</label></div>\n'
                     '</header>\n<section id="summary">\n')

        rows = []
        for name, i in self.type_order.items():
            rows.append(f'<tr data-type="{_attr(name)}"><td><span class="chip t{i}">{_esc(name)}</span></td>'
                        f'<td class="num">{self.records_by_type.get(name, 0)}</td>'
                        f'<td class="num">{self.docs_by_type.get(name, 0)}</td></tr>')
        parts.append('<div class="box"><h3>Records by type</h3><table id="by-type"><thead><tr><th>type</th>'
                     '<th class="num">records</th><th class="num">documents</th></tr></thead><tbody>'
                     + "".join(rows) + f'</tbody><tfoot><tr><td>total</td><td class="num">{n_records}</td>'
                     f'<td class="num">{sum(1 for *_, c in self.documents if c)}</td></tr></tfoot></table></div>\n')

        rows = []
        for rule, n in sorted(self.records_by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            t = self.rule_types[rule]
            rows.append(f'<tr data-rule="{_attr(rule)}"><td class="rule">{_esc(rule)}</td>'
                        f'<td><span class="chip t{self.type_order[t]}">{_esc(t)}</span></td>'
                        f'<td class="num">{n}</td></tr>')
        if not rows:
            rows.append('<tr><td colspan="3" class="none">no records</td></tr>')
        parts.append('<div class="box"><h3>Records by rule</h3><div class="scroll"><table id="by-rule"><thead><tr>'
                     '<th>rule</th><th>type</th><th class="num">records</th></tr></thead><tbody>'
                     + "".join(rows) + "</tbody></table></div></div>\n")

        heads = "".join(f'<th class="num"><span class="chip t{i}">{_esc(name)}</span></th>'
                        for name, i in self.type_order.items())
        parts.append('<div class="box wide"><h3>Documents</h3><div class="scroll"><table id="by-doc"><thead><tr>'
                     f'<th>#</th><th>document</th>{heads}<th class="num">total</th></tr></thead><tbody>')
        for number, doc_id, counts in self.documents:
            cells = "".join(f'<td class="num{"" if counts.get(name) else " zero"}">{counts.get(name, 0)}</td>'
                            for name in self.type_order)
            parts.append(f'<tr data-doc="{_attr(doc_id)}"><td class="num">{number}</td>'
                         f'<td><a href="#doc-{number}">{_esc(doc_id)}</a></td>{cells}'
                         f'<td class="num">{sum(counts.values())}</td></tr>')
        parts.append("</tbody></table></div></div>\n")

        if self.failures:
            items = "".join(f"<li><b>{_esc(d)}</b>: {_esc(e)}</li>" for d, e in self.failures)
            parts.append(f'<div class="box wide failed"><h3>Failed documents</h3><ul>{items}</ul></div>\n')
        parts.append("</section>\n")
        return "".join(parts)


def write_report(target: Union[str, IO[str]], documents: Iterable[tuple[str, str, Iterable[RecordLike]]],
                 **options: Any) -> HtmlReport:
    """Write a report for ``(doc_id, text, records)`` triples to a path or text stream."""
    if isinstance(target, str):
        with open(target, "w", encoding="utf-8", errors="replace") as stream:
            return write_report(stream, documents, **options)
    report = HtmlReport(target, **options)
    with report:
        for doc_id, text, records in documents:
            report.add(doc_id, text, records)
    return report


def render_report(documents: Iterable[tuple[str, str, Iterable[RecordLike]]], **options: Any) -> str:
    """The report page as one string (for small inputs and tests)."""
    import io

    out = io.StringIO()
    write_report(out, documents, **options)
    return out.getvalue()


_CSS = """
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--paper:#fff;--page:#f5f6f8;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 color:var(--fg);background:var(--page);padding-right:380px}
header{padding:18px 28px 8px}
h1{margin:0 0 2px;font-size:22px;letter-spacing:-.01em}
.meta{margin:0;color:var(--muted)}.meta b{color:var(--fg)}.bad{color:#b42318}
.controls{margin-top:10px;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;font-size:13px}
.controls label{display:inline-flex;align-items:center;gap:5px;cursor:pointer;user-select:none}
.legend-title{color:var(--muted)}
.swatch{display:inline-block;width:22px;height:13px;border-radius:3px;background:var(--bg);border-bottom:3px solid var(--c)}
#summary{display:flex;flex-wrap:wrap;gap:14px;padding:6px 28px 14px;align-items:flex-start}
.box{background:var(--paper);border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:220px}
.box.wide{flex:1 1 420px}
.box h3{margin:0 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.scroll{max-height:260px;overflow:auto}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:3px 8px;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap}
thead th{position:sticky;top:0;background:var(--paper);font-weight:600}
tfoot td{font-weight:600;border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums}.zero{color:#c0c5cf}
td.rule{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.chip{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;line-height:18px;
 background:var(--bg);color:#111;border:1px solid var(--c);white-space:nowrap}
.failed ul{margin:0;padding-left:18px;font-size:13px}
main{padding:0 28px 40px}
section.doc{background:var(--paper);border:1px solid var(--line);border-radius:8px;margin:14px 0;padding:12px 18px 16px;
 content-visibility:auto;contain-intrinsic-size:auto 300px}
section.doc h2{margin:0 0 8px;font-size:14px;font-weight:600;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.anchor{color:var(--muted);font-weight:400}.docid{font-family:ui-monospace,Menlo,Consolas,monospace}
.count{color:var(--muted);font-weight:400}
.only-hits section.doc.empty{display:none}
.text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:15.5px;line-height:calc(1.85em + var(--lanes) * 4px);
 font-family:Charter,"Bitstream Charter","Sitka Text",Cambria,Georgia,serif}
.rec{background:var(--bg);border-bottom:3px solid var(--c);cursor:pointer;border-radius:2px}
.rec.sel{background:var(--bg2);box-shadow:0 0 0 1px var(--c)}
.fld{outline:1px solid var(--c);outline-offset:0;border-radius:2px;cursor:pointer}
.fld.sel{outline-width:2px;background:rgba(255,255,255,.55)}
.fld::before{content:attr(data-label);font:600 9.5px/1 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
 color:#fff;background:var(--c);border-radius:3px;padding:1px 3px 2px;margin-right:2px;vertical-align:.45em;letter-spacing:.02em}
.fld.cont::before{content:none}
.no-labels .fld::before{display:none}
#panel{position:fixed;top:0;right:0;width:360px;height:100vh;overflow:auto;background:var(--paper);
 border-left:1px solid var(--line);padding:18px 18px 28px;font-size:13.5px;box-shadow:-4px 0 16px rgba(16,24,40,.05)}
#panel h3{margin:0 0 4px;font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
#panel .hint{color:var(--muted)}
#panel .rulename{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;word-break:break-all;margin:6px 0 2px}
#panel .where{color:var(--muted);font-size:12px;margin-bottom:8px}
#panel blockquote{margin:0 0 10px;padding:6px 10px;border-left:3px solid var(--c);background:var(--bg);border-radius:0 4px 4px 0}
#panel table td{white-space:normal;vertical-align:top}
#panel td.fname{font-weight:600;width:1%;white-space:nowrap}
#panel .null{color:#c0c5cf}
#panel .extra{color:var(--muted);font-size:12px}
#panel .pin{float:right;font-size:11px;color:var(--muted)}
#panel .here{margin-top:12px}#panel .here button{margin:2px 4px 2px 0;cursor:pointer;font:inherit;font-size:12px}
@media (max-width:900px){body{padding-right:0;padding-bottom:45vh}#panel{top:auto;bottom:0;width:100%;height:42vh;border-left:0;border-top:1px solid var(--line)}}
""".strip()

_PANEL = """<aside id="panel" aria-live="polite"><h3>Details</h3>
<p class="hint">Hover over a highlight to see its record; click to pin it (Esc clears).
Each colour is a record type; outlined words with a small label are the record's fields.</p></aside>
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var panel = document.getElementById("panel"), hint = panel.innerHTML, cache = new WeakMap(), pinned = null, shown = null;
  function recordsOf(sec) {
    var r = cache.get(sec);
    if (!r) { var s = sec.querySelector("script.recs"); r = s ? JSON.parse(s.textContent) : []; cache.set(sec, r); }
    return r;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function typeClass(sec, k) {
    var m = sec.querySelector('.rec[data-r="' + k + '"], .fld[data-r="' + k + '"]');
    var c = m && /\bt\d+\b/.exec(m.className);
    return c ? c[0] : "";
  }
  function item(td, v) {
    var line = el("div");
    line.appendChild(el("span", null, v.text));
    var extra = [];
    if (v.value !== undefined && v.value !== null && String(v.value) !== v.text) extra.push("= " + JSON.stringify(v.value));
    if (v.canonical && v.canonical !== v.text) extra.push("\u2192 " + v.canonical);
    extra.push("chars " + v.start + "\u2013" + v.end);
    line.appendChild(el("span", "extra", "  " + extra.join(" \u00b7 ")));
    td.appendChild(line);
  }
  function mark(target, on) {
    if (!target) return;
    target.sec.querySelectorAll('[data-r="' + target.k + '"]').forEach(function (e) { e.classList.toggle("sel", on); });
  }
  function show(sec, k, node) {
    var rec = recordsOf(sec)[k];
    if (!rec) return;
    mark(shown, false);
    shown = {sec: sec, k: k};
    mark(shown, true);
    var tc = typeClass(sec, k);
    panel.textContent = "";
    var h = el("h3", null, "Record");
    if (pinned) h.appendChild(el("span", "pin", "pinned \u00b7 Esc to clear"));
    panel.appendChild(h);
    var chip = el("span", "chip " + tc, rec.type);
    chip.id = "panel-type";
    panel.appendChild(chip);
    var rn = el("div", "rulename", rec.rule);
    rn.id = "panel-rule";
    panel.appendChild(rn);
    panel.appendChild(el("div", "where", sec.getAttribute("data-doc") + " \u00b7 characters " + rec.start + "\u2013" + rec.end));
    var q = el("blockquote", tc, rec.text);
    panel.appendChild(q);
    var table = el("table");
    table.id = "panel-fields";
    var fields = rec.fields || {};
    Object.keys(fields).forEach(function (name) {
      var tr = el("tr"), v = fields[name], td = el("td");
      tr.setAttribute("data-field", name);
      tr.appendChild(el("td", "fname", name));
      if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) td.appendChild(el("span", "null", "\u2014"));
      else (Array.isArray(v) ? v : [v]).forEach(function (x) { item(td, x); });
      tr.appendChild(td);
      table.appendChild(tr);
    });
    panel.appendChild(table);
    var here = [], seen = {};
    for (var n = node; n && n !== sec; n = n.parentElement) {
      if (n.hasAttribute && n.hasAttribute("data-r")) {
        var r = n.getAttribute("data-r");
        if (!seen[r]) { seen[r] = 1; here.push(+r); }
      }
    }
    if (here.length > 1) {
      var box = el("div", "here");
      box.appendChild(el("h3", null, "Records at this point"));
      here.forEach(function (j) {
        var other = recordsOf(sec)[j], b = el("button", "chip " + typeClass(sec, j), other.type + " \u00b7 " + other.rule);
        b.addEventListener("click", function (ev) { ev.stopPropagation(); pinned = {sec: sec, k: j}; show(sec, j, node); });
        box.appendChild(b);
      });
      panel.appendChild(box);
    }
  }
  function hit(e) {
    var t = e.target && e.target.closest ? e.target.closest("[data-r]") : null;
    if (!t) return null;
    var sec = t.closest("section.doc");
    return sec ? {node: t, sec: sec, k: +t.getAttribute("data-r")} : null;
  }
  document.addEventListener("mouseover", function (e) {
    if (pinned) return;
    var h = hit(e);
    if (h && !(shown && shown.sec === h.sec && shown.k === h.k)) show(h.sec, h.k, h.node);
  });
  document.addEventListener("click", function (e) {
    var h = hit(e);
    if (h) { pinned = {sec: h.sec, k: h.k}; show(h.sec, h.k, h.node); }
    else if (!panel.contains(e.target)) { pinned = null; }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { pinned = null; mark(shown, false); shown = null; panel.innerHTML = hint; }
  });
  document.querySelectorAll("input[data-t]").forEach(function (box) {
    box.addEventListener("change", function () { document.body.classList.toggle("hide-t" + box.getAttribute("data-t"), !box.checked); });
  });
  var labels = document.getElementById("opt-labels"), hits = document.getElementById("opt-hits");
  labels.addEventListener("change", function () { document.body.classList.toggle("no-labels", !labels.checked); });
  hits.addEventListener("change", function () { document.body.classList.toggle("only-hits", hits.checked); });
})();
""".strip()
