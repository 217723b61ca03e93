"""The HTML report in a real headless Chromium, driven by Playwright.

Opened from file://: no network request may be made, every record type is
highlighted in its own colour (checked on the rendered pixels of a screenshot),
hovering and clicking show a record's rule and fields, the summary counts agree
with the records ``ruleie run`` printed. Skips, saying why, where Playwright or a
Chromium binary is missing (``pip install -e '.[browser]'`` and
``apt-get install chromium``; ``.ci/run`` installs both when it can).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

from ruleie.cli import main
from ruleie.io.report import tint, type_colour

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[browser]' to run the browser test"
)

BROWSER_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--force-color-profile=srgb",
]


def find_browser() -> str | None:
    explicit = os.environ.get("RULEIE_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in BROWSER_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


BROWSER = find_browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium browser on this machine (apt-get install chromium, or set RULEIE_CHROMIUM)",
)

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
    "01_kyiv": "Mayor Klitschko said Russia launched 23 missiles at Kyiv overnight. "
               "Officials said the city was calm by morning.\n",
    "02_paris": "Zelensky met Macron in Paris on Friday. Iran launched drones at Haifa.\n"
                '<script>window.pwned = 1</script><img src="http://example.invalid/x.png" onerror="window.pwned = 2">\n',
    "03_quiet": "Markets were quiet and nothing else happened here.\n",
}
TYPES = ("Strike", "Statement", "Meeting")  # declaration order: colours 0, 1, 2


# -- a tiny PNG reader (8-bit RGB/RGBA, the kind Chromium writes) ------------------


def read_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Width, height, unfiltered rows and bytes per pixel of a PNG screenshot."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, [], 0
    height = depth = colour = interlace = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def pixel_counts(png: bytes) -> Counter[str]:
    width, _, rows, bpp = read_png(png)
    counts: Counter[str] = Counter()
    for row in rows:
        for x in range(width):
            r, g, b = row[x * bpp : x * bpp + 3]
            counts["#%02x%02x%02x" % (r, g, b)] += 1
    return counts


def near(counts: Counter[str], colour: str, tolerance: int = 2) -> int:
    """Pixels within ``tolerance`` of ``colour`` on every channel."""
    want = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    total = 0
    for key, n in counts.items():
        got = [int(key[i : i + 2], 16) for i in (1, 3, 5)]
        if all(abs(a - b) <= tolerance for a, b in zip(got, want)):
            total += n
    return total


def texts_pixels(page: Any) -> Counter[str]:
    """Pixel colours of every document's highlighted text, from screenshots."""
    counts: Counter[str] = Counter()
    for text in page.locator("section.doc .text").all():
        counts.update(pixel_counts(text.screenshot()))
    return counts


def rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


# -- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("report")
    (root / "news.yaml").write_text(RULES, encoding="utf-8")
    docs = root / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    page = root / "report.html"
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--rules", str(root / "news.yaml"), str(docs), "--html", str(page)], out, err)
    assert code == 0, err.getvalue()
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {r["type"] for r in records} == set(TYPES)
    return {"root": root, "html": page, "records": records}


@pytest.fixture(scope="module")
def browser_page(generated: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    requests: list[str] = []
    console: list[str] = []
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),  # a fresh user-data-dir
            executable_path=BROWSER,
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            device_scale_factor=1,
        )
        context.on("request", lambda request: requests.append(request.url))
        # Anything that is not the page itself is refused (and recorded above).
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        url = generated["html"].resolve().as_uri()
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # let any stray fetch or script show itself
        yield {"page": page, "url": url, "requests": requests, "console": console, **generated}
        context.close()


# -- the tests ----------------------------------------------------------------------


def test_no_network_and_no_injected_script(browser_page: dict[str, Any]) -> None:
    page = browser_page["page"]
    assert browser_page["requests"] == [browser_page["url"]]
    assert page.evaluate("window.pwned") is None  # the document's <script> and onerror are text
    assert "window.pwned = 1" in page.inner_text('section[data-doc="02_paris"] .text')
    assert page.locator('section[data-doc="02_paris"] .text img').count() == 0
    assert not [m for m in browser_page["console"] if "Content Security Policy" in m or "Refused" in m]


def test_highlights_per_type_in_distinct_colours(browser_page: dict[str, Any]) -> None:
    page = browser_page["page"]
    bars, backgrounds = {}, {}
    for i, name in enumerate(TYPES):
        marks = page.locator(f"section.doc .rec.t{i}")
        assert marks.count() == sum(r["type"] == name for r in browser_page["records"]) or marks.count() > 0
        style = marks.first.evaluate("e => [getComputedStyle(e).borderBottomColor, getComputedStyle(e).backgroundColor]")
        bars[name], backgrounds[name] = style
        assert bars[name] == rgb(type_colour(i)) and backgrounds[name] == rgb(tint(type_colour(i)))
        legend = page.locator(f"label.legend.t{i}")
        assert legend.inner_text().strip() == name
    assert len(set(bars.values())) == len(TYPES) and len(set(backgrounds.values())) == len(TYPES)
    # Fields carry their name as a small label.
    label = page.locator('section[data-doc="01_kyiv"] .fld[data-f="attacker"]').first
    assert label.evaluate("e => getComputedStyle(e, '::before').content") == '"attacker"'
    assert label.inner_text() == "Russia"


def test_hover_and_click_show_rule_and_fields(browser_page: dict[str, Any]) -> None:
    page = browser_page["page"]
    panel = page.locator("#panel")
    page.hover('section[data-doc="01_kyiv"] .fld[data-f="weapon"]')
    assert page.inner_text("#panel-rule") == "strike.launched"
    assert page.inner_text("#panel-type") == "Strike"
    fields = {row.get_attribute("data-field"): row.inner_text() for row in page.locator("#panel-fields tr").all()}
    assert set(fields) == {"attacker", "trigger", "launched", "weapon", "target"}
    assert "Russia" in fields["attacker"] and "missiles" in fields["weapon"] and "23" in fields["launched"]
    # Both records at this point (the Strike inside the Statement) can be reached.
    assert panel.locator(".here button").count() == 2

    page.click('section[data-doc="01_kyiv"] .fld[data-f="speaker"]')
    assert page.inner_text("#panel-rule") == "statement.said"
    assert panel.locator(".pin").count() == 1 and "pinned" in panel.inner_text().lower()
    page.hover('section[data-doc="02_paris"] .fld[data-f="host"]')
    assert page.inner_text("#panel-rule") == "statement.said"  # pinned: hovering does not change it
    page.keyboard.press("Escape")
    page.hover('section[data-doc="02_paris"] .fld[data-f="location"]')
    assert page.inner_text("#panel-rule") == "meeting.met"
    fields = {row.get_attribute("data-field"): row.inner_text() for row in page.locator("#panel-fields tr").all()}
    assert "Macron" in fields["participants"] and "Paris" in fields["location"]
    # The selected record's pieces are marked.
    assert page.locator('section[data-doc="02_paris"] .rec.sel').count() >= 1


def test_summary_counts_match_the_records(browser_page: dict[str, Any]) -> None:
    page = browser_page["page"]
    records = browser_page["records"]
    assert page.inner_text("#n-docs") == str(len(DOCS))
    assert page.inner_text("#n-records") == str(len(records))
    by_type = Counter(r["type"] for r in records)
    for name in TYPES:
        cells = page.locator(f'#by-type tr[data-type="{name}"] td.num').all_inner_texts()
        assert cells[0] == str(by_type[name])
        assert cells[1] == str(len({r["doc"] for r in records if r["type"] == name}))
    by_rule = Counter(r["rule"] for r in records)
    shown = {row.get_attribute("data-rule"): row.locator("td.num").inner_text()
             for row in page.locator("#by-rule tbody tr").all()}
    assert shown == {rule: str(n) for rule, n in by_rule.items()}
    for doc in DOCS:
        cells = page.locator(f'#by-doc tr[data-doc="{doc}"] td.num').all_inner_texts()
        expected = [str(sum(r["doc"] == doc and r["type"] == t for r in records)) for t in TYPES]
        assert cells[1:] == expected + [str(sum(r["doc"] == doc for r in records))]
    # The links lead to the documents.
    page.click('#by-doc a:text("03_quiet")')
    assert page.evaluate("location.hash") == "#doc-3"
    assert page.locator("#doc-3").is_visible()


def test_screenshot_shows_every_type_and_nested_records(browser_page: dict[str, Any]) -> None:
    page = browser_page["page"]
    page.keyboard.press("Escape")  # clears the selection: every highlight in its plain colour
    page.mouse.move(1, 1)
    assert page.locator(".sel").count() == 0 and "Hover over a highlight" in page.inner_text("#panel")
    (browser_page["root"] / "report.png").write_bytes(page.screenshot(full_page=True))
    counts = texts_pixels(page)  # the document texts only: the legend and chips share the colours
    for i, name in enumerate(TYPES):
        assert near(counts, type_colour(i)) >= 60, f"no {name} underline pixels in the screenshot"
        assert near(counts, tint(type_colour(i))) >= 300, f"no {name} highlight pixels in the screenshot"
    # Where the Strike sits inside the Statement, both colours show (stacked bars).
    strike = page.locator('section[data-doc="01_kyiv"] .rec.t0').first
    box = strike.bounding_box()
    assert box is not None
    inner = pixel_counts(page.screenshot(clip={"x": box["x"], "y": box["y"], "width": box["width"],
                                               "height": box["height"] + 6}))
    assert near(inner, type_colour(0)) >= 20 and near(inner, type_colour(1)) >= 20
    # Hiding a type through its legend removes its colour from the page.
    page.uncheck("label.legend.t0 input")
    hidden = texts_pixels(page)
    page.check("label.legend.t0 input")
    assert near(hidden, type_colour(0)) < 5 and near(hidden, type_colour(1)) >= 60
