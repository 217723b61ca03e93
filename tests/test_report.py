"""The HTML report (ruleie/report.py and ``ruleie run --html``), checked without a browser.

The page is parsed back with ``html.parser``: the document text must come out
unchanged, every tag must nest, and every character must sit inside exactly the
records and fields whose spans cover it, however the spans overlap.
"""

from __future__ import annotations

import doctest
import io
import json
import re
import tracemalloc
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruleie.io import report as report_module
from ruleie.cli import main
from ruleie.engine.records import FieldValue, make_record_class
from ruleie.io.report import HtmlReport, render_report
from ruleie.rules.spec import FieldSpec, TypeSpec

RULES = """\
ruleie: 1
types:
  Strike:
    fields: {attacker: str, trigger: str, launched: int, weapon: str, target: str}
    key: [weapon]
    conflict: keep-all
  Statement:
    fields: {speaker: str, verb: str, content: str}
    key: [speaker]
    conflict: keep-all
  Meeting:
    fields: {host: str, trigger: str, participants: "list[str]", location: str}
    key: [participants]
    conflict: keep-all
rules:
  - name: strike.launched
    type: Strike
    pattern: |
      (?<attacker> [word=/[A-Z]\\w+/]) (?<trigger> launched) (?<launched> [num>0])?
      (?<weapon> missiles | drones) (at (?<target> [word=/[A-Z]\\w+/]))?
  - name: statement.said
    type: Statement
    pattern: (?<speaker> [word=/[A-Z]\\w+/]+) (?<verb> said) (?<content> []+?) [word="."]? $
  - name: meeting.met
    type: Meeting
    pattern: |
      (?<host> [word=/[A-Z]\\w+/]) (?<trigger> met | received) (?<participants> [word=/[A-Z]\\w+/])
      (in (?<location> [word=/[A-Z]\\w+/]))?
"""

DOCS = {
    "kyiv": "Mayor Klitschko said Russia launched 23 missiles at Kyiv. Officials said the city was calm.\n",
    "paris": "Zelensky met Macron in Paris on Friday. Iran launched drones at Haifa.\n"
             "<script>window.pwned = 1</script> & <b>bold</b>\n",
    "quiet": "Nothing happened here.\n",
}


def rec(rtype: str, start: int, end: int, text: str, rule: str = "r", **fields: Any) -> dict[str, Any]:
    return {"type": rtype, "rule": rule, "start": start, "end": end, "text": text[start:end],
            "fields": {name: (None if span is None else
                              [{"text": text[s:e], "start": s, "end": e} for s, e in span] if isinstance(span, list)
                              else {"text": text[span[0]:span[1]], "start": span[0], "end": span[1]})
                       for name, span in fields.items()}}


class _Doc(HTMLParser):
    """Reads one document's highlighted text: for each character, the marks enclosing it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[Optional[tuple[str, int, str]]] = []
        self.chars: list[tuple[str, frozenset[tuple[str, int, str]]]] = []
        self.tags: list[tuple[str, dict[str, Optional[str]]]] = []
        self.depth_of: dict[int, set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        classes = (a.get("class") or "").split()
        if tag == "span" and "rec" in classes:
            self.stack.append(("rec", int(a["data-r"] or 0), ""))
            self.depth_of.setdefault(int(a["data-r"] or 0), set()).update(c for c in classes if re.fullmatch(r"d\d+", c))
        elif tag == "span" and "fld" in classes:
            self.stack.append(("fld", int(a["data-r"] or 0), a["data-f"] or ""))
        else:
            self.stack.append(None)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"unbalanced </{tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        marks = frozenset(m for m in self.stack if m is not None)
        self.chars.extend((c, marks) for c in data)


def parse_doc(page: str, number: int) -> _Doc:
    m = re.search(rf'<section class="doc[^"]*" id="doc-{number}"[^>]*>.*?<div class="text"[^>]*>(.*?)</div>\n<script',
                  page, re.S)
    assert m, f"document {number} not found"
    parser = _Doc()
    parser.feed(m.group(1))
    parser.close()
    assert parser.stack == [], "tags left open"
    return parser


def expected_marks(text: str, records: list[dict[str, Any]]) -> list[frozenset[tuple[str, int, str]]]:
    out: list[set[tuple[str, int, str]]] = [set() for _ in text]
    for k, r in enumerate(records):
        for i in range(max(r["start"], 0), min(r["end"], len(text))):
            out[i].add(("rec", k, ""))
        for name, content in r["fields"].items():
            for item in content if isinstance(content, list) else [content] if content else []:
                for i in range(max(item["start"], 0), min(item["end"], len(text))):
                    out[i].add(("fld", k, name))
    return [frozenset(s) for s in out]


def payload(page: str, number: int) -> list[dict[str, Any]]:
    m = re.search(rf'id="doc-{number}".*?<script type="application/json" class="recs">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


# -- the page -------------------------------------------------------------------


def test_doctests() -> None:
    result = doctest.testmod(report_module)
    assert result.failed == 0 and result.attempted > 0


def test_text_is_kept_and_escaped() -> None:
    text = 'He said "<script>alert(1)</script>" & left <b>now</b>. </div><!-- x'
    records = [rec("Statement", 0, len(text), text, rule="<img src=x onerror=alert(2)>", speaker=(0, 2))]
    page = render_report([('<script>id</script>', text, records)], types=["Statement"])
    assert "alert(1)</script>" not in page and "<img" not in page and "<script>id" not in page
    assert page.count("<script") == 2  # the document's JSON and the page's own script
    assert "".join(c for c, _ in parse_doc(page, 1).chars) == text
    [data] = payload(page, 1)
    assert data["text"] == text and data["rule"] == "<img src=x onerror=alert(2)>"


def test_no_network_references() -> None:
    text = DOCS["paris"]
    page = render_report([("d", text, [rec("Meeting", 0, 28, text, host=(0, 8))])])
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in page
    for pattern in (r"\bsrc=", r"https?://", r"@import", r"url\(", r"<link\b", r"//fonts"):
        assert not re.search(pattern, page), pattern


def test_nested_records_both_visible() -> None:
    text = DOCS["kyiv"]
    statement = rec("Statement", 0, 57, text, rule="statement.said", speaker=(0, 15), verb=(16, 20), content=(21, 56))
    strike = rec("Strike", 21, 56, text, rule="strike.launched", attacker=(21, 27), weapon=(40, 48), target=(52, 56))
    page = render_report([("kyiv", text, [statement, strike])], types=["Strike", "Statement"])
    doc = parse_doc(page, 1)
    assert [m for _, m in doc.chars] == expected_marks(text, [statement, strike])
    # The outer record gets more room below it, so its bar shows under the inner one.
    outer, inner = doc.depth_of[0], doc.depth_of[1]
    assert outer == {"d2"} and inner == {"d1"}
    assert '<span class="rec t1 d2" data-r="0">' in page and '<span class="rec t0 d1" data-r="1">' in page
    labels = [a["data-label"] for tag, a in doc.tags if a.get("data-label")]
    assert labels == ["speaker", "verb", "content", "attacker", "weapon", "target"]


def test_crossing_records_are_split_and_continued() -> None:
    text = "aaaa bbbb cccc dddd"
    one = rec("A", 0, 9, text, x=(5, 14))
    two = rec("B", 5, 19, text, y=(0, 9))
    page = render_report([("d", text, [one, two])])
    doc = parse_doc(page, 1)
    assert [m for _, m in doc.chars] == expected_marks(text, [one, two])
    pieces = [a for tag, a in doc.tags if "fld" in (a.get("class") or "")]
    assert sum("cont" not in a["class"] for a in pieces) == 2  # one label per field, however split
    assert all(("data-label" in a) == ("cont" not in a["class"]) for a in pieces)


def test_list_fields_and_bad_spans() -> None:
    text = "Zelensky met Macron and Scholz."
    good = rec("Meeting", 0, 30, text, participants=[(13, 19), (24, 30)], host=(0, 8))
    bad = {"type": "Meeting", "rule": "odd", "start": 25, "end": 999, "text": "?",
           "fields": {"host": {"text": "", "start": 5, "end": 5}, "weird": "not an object", "gone": None}}
    page = render_report([("d", text, [good, bad])], types=["Meeting"])
    doc = parse_doc(page, 1)
    labels = [a["data-label"] for tag, a in doc.tags if a.get("data-label")]
    assert labels == ["host", "participants", "participants"]
    assert "".join(c for c, _ in doc.chars) == text
    assert ("rec", 1, "") in doc.chars[-1][1]  # clipped to the text, not dropped


marks = st.tuples(st.integers(-2, 42), st.integers(-2, 42))


@given(
    text=st.text(alphabet="ab <&>\"'\n\u00e9\U0001f600", min_size=0, max_size=40),
    spans=st.lists(st.tuples(marks, st.lists(marks, max_size=3)), max_size=6),
)
def test_any_overlap_renders_every_mark_exactly(text: str, spans: list) -> None:
    records = [
        {"type": "ABC"[k % 3], "rule": f"r{k}", "start": s, "end": e, "text": "",
         "fields": {f"f{j}": {"text": "", "start": fs, "end": fe} for j, (fs, fe) in enumerate(fields)}}
        for k, ((s, e), fields) in enumerate(spans)
    ]
    page = render_report([("d", text, records)])
    doc = parse_doc(page, 1)
    assert "".join(c for c, _ in doc.chars) == text
    got = [m for _, m in doc.chars]
    assert got == expected_marks(text, records)
    # A record inside another (and opened after it) sits on a higher lane: a smaller depth class.
    clipped = {k: (max(r["start"], 0), min(r["end"], len(text))) for k, r in enumerate(records)}
    shown = {k: span for k, span in clipped.items() if span[0] < span[1]}
    depth = {k: int(min(doc.depth_of[k])[1:]) for k in shown}
    assert all(len(doc.depth_of[k]) == 1 for k in shown)  # one lane per record, however split
    for a, (sa, ea) in shown.items():
        for b, (sb, eb) in shown.items():
            if sa <= sb and eb <= ea and (sa, -ea, a) < (sb, -eb, b):
                assert depth[a] > depth[b]


def test_summary_counts_and_colours() -> None:
    text = DOCS["kyiv"]
    docs = [
        ("kyiv", text, [rec("Statement", 0, 57, text, rule="s1"), rec("Strike", 21, 56, text, rule="k1"),
                        rec("Statement", 58, 91, text, rule="s1")]),
        ("quiet", DOCS["quiet"], []),
        ("again", text, [rec("Strike", 21, 56, text, rule="k2")]),
    ]
    out = io.StringIO()
    report = HtmlReport(out, types=["Strike", "Statement", "Meeting"])
    for d in docs:
        report.add(*d)
    report.add_error("broken", "ValueError: <bad> input")
    report.close()
    page = out.getvalue()
    assert dict(report.records_by_type) == {"Statement": 2, "Strike": 2}
    assert dict(report.records_by_rule) == {"s1": 2, "k1": 1, "k2": 1}

    def row(attr: str, value: str) -> list[str]:
        m = re.search(rf'<tr {attr}="{value}">(.*?)</tr>', page)
        assert m, (attr, value)
        return re.findall(r'<td class="num[^"]*">(\d+)</td>', m.group(1))

    assert row("data-type", "Strike") == ["2", "2"]
    assert row("data-type", "Statement") == ["2", "1"]
    assert row("data-type", "Meeting") == ["0", "0"]  # declared, never found: still listed
    assert row("data-rule", "s1") == ["2"]
    assert row("data-doc", "kyiv") == ["1", "1", "2", "0", "3"]
    assert row("data-doc", "quiet") == ["2", "0", "0", "0", "0"]
    assert '<b id="n-docs">3</b>' in page and '<b id="n-records">4</b>' in page and '<b id="n-failed" class="bad">1</b>' in page
    assert "ValueError: &lt;bad&gt; input" in page
    assert page.index('id="summary"') < page.index('id="doc-1"')  # the summary comes first
    assert '<a href="#doc-3">again</a>' in page and 'id="doc-3"' in page
    colours = re.findall(r"\.t(\d)\{--c:(#[0-9a-f]{6})", page)
    assert [c for _, c in colours] == ["#d62728", "#1f77b4", "#2ca02c"]
    assert 'class="doc empty" id="doc-2"' in page


def test_accepts_record_objects() -> None:
    text = DOCS["kyiv"]
    spec = TypeSpec("Strike", fields=(FieldSpec("attacker", "str"),))
    record = make_record_class(spec)(doc="kyiv", rule="strike.launched", start=21, end=56, text=text[21:56],
                 attacker=FieldValue("Russia", 21, 27))
    page = render_report([("kyiv", text, [record])])
    assert '<span class="fld t0" data-r="0" data-f="attacker" data-label="attacker">Russia</span>' in page
    assert payload(page, 1)[0]["fields"]["attacker"] == {"text": "Russia", "start": 21, "end": 27}


def test_streams_documents_instead_of_holding_the_page() -> None:
    text = "Russia launched 23 missiles at Kyiv, officials said. " * 40  # ~2 KB a document
    records = [rec("Strike", i * 53, i * 53 + 35, text, attacker=(i * 53, i * 53 + 6)) for i in range(40)]
    out = io.StringIO()
    report = HtmlReport(out, types=["Strike"])
    tracemalloc.start()
    try:
        for n in range(1500):
            report.add(f"doc{n}", text, records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.getvalue() == ""  # nothing is written before the summary is known
    report.close()
    page = out.getvalue()
    assert len(page) > 20_000_000
    assert peak < len(page) / 10  # documents went to disk, not into one string
    assert page.count('<section class="doc') == 1500 and '<b id="n-records">60000</b>' in page


# -- ruleie run --html ----------------------------------------------------------


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "news.yaml").write_text(RULES, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    return tmp_path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_run_html_alongside_jsonl(corpus: Path) -> None:
    rules, docs, page_path = str(corpus / "news.yaml"), str(corpus / "docs"), corpus / "report.html"
    plain = run("run", "--rules", rules, docs)
    code, out, err = run("run", "--rules", rules, docs, "--html", str(page_path))
    assert code == 0 and out == plain[1] and err == ""
    records = [json.loads(line) for line in out.splitlines()]
    page = page_path.read_text(encoding="utf-8")
    assert '<b id="n-docs">3</b>' in page and f'<b id="n-records">{len(records)}</b>' in page
    for rtype in ("Strike", "Statement", "Meeting"):
        n = sum(r["type"] == rtype for r in records)
        assert re.search(rf'<tr data-type="{rtype}"><td>.*?</td><td class="num">{n}</td>', page)
    docs_in_page = re.findall(r'<section class="doc[^"]*" id="doc-\d+" data-doc="([^"]+)"', page)
    assert sorted(docs_in_page) == sorted(DOCS)
    number = docs_in_page.index("kyiv") + 1
    kyiv = [r for r in records if r["doc"] == "kyiv"]
    assert payload(page, number) == [{k: r[k] for k in ("type", "rule", "start", "end", "text", "fields")} for r in kyiv]
    assert [m for _, m in parse_doc(page, number).chars] == expected_marks(DOCS["kyiv"], kyiv)
    assert "rules: " + rules in page


def test_run_html_with_output_file_and_failed_document(corpus: Path) -> None:
    (corpus / "docs" / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    out_path, page_path = corpus / "out.jsonl", corpus / "r.html"
    code, out, err = run("run", "--rules", str(corpus / "news.yaml"), str(corpus / "docs"), "-o", str(out_path),
                         "--html", str(page_path))
    assert code == 1 and out == "" and "binary" in err
    assert out_path.read_text(encoding="utf-8").count("\n") == 5
    page = page_path.read_text(encoding="utf-8")
    assert '<b id="n-failed" class="bad">1</b>' in page and "<li><b>binary</b>: " in page


def test_run_html_leaves_nothing_when_the_run_breaks(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: HtmlReport, *args: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(HtmlReport, "add", explode)
    page_path = corpus / "r.html"
    with pytest.raises(RuntimeError):
        run("run", "--rules", str(corpus / "news.yaml"), str(corpus / "docs"), "--html", str(page_path))
    assert not page_path.exists()
    assert not [p for p in corpus.iterdir() if p.name.startswith(".ruleie-")]


def test_run_html_on_the_shipped_pack(tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    assert seeds.is_dir(), "seeds/ is part of the repository and of the sdist"
    page_path = tmp_path / "seed.html"
    plain = run("run", str(seeds), "--no-progress")
    # A shipped pack that does not load fails here too (never a skip): the page needs it.
    assert plain[0] != 2, "the shipped rule pack does not load: " + plain[2][-2000:]
    code, out, _ = run("run", str(seeds), "--html", str(page_path), "--no-progress")
    assert (code, out) == plain[:2]
    page = page_path.read_text(encoding="utf-8")
    assert f'<b id="n-records">{len(out.splitlines())}</b>' in page and "rules: the shipped pack" in page


def test_run_html_to_a_missing_directory_is_a_usage_error(corpus: Path) -> None:
    page_path = corpus / "missing" / "r.html"
    code, out, err = run("run", "--rules", str(corpus / "news.yaml"), str(corpus / "docs"), "--html", str(page_path))
    assert code == 2 and out == ""
    assert err.startswith(f"{page_path}: error: cannot write the HTML report")
