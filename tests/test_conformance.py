"""The shared conformance cases of the pattern language, run through the public ``re``-like API.

The cases live in ``shared/conformance/cases.jsonl`` beside the repository (their
texts come from other projects' test suites and stay out of this repository); the
module is skipped when that folder is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import ruleie

CASES_DIR = Path(__file__).resolve().parents[2] / "shared" / "conformance"
CASES_FILE = CASES_DIR / "cases.jsonl"

if not CASES_FILE.is_file():
    pytest.skip(f"conformance cases not found at {CASES_FILE} (shared/ is not beside the repository)",
                allow_module_level=True)


def _load() -> list[dict[str, Any]]:
    with CASES_FILE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


CASES = _load()


def _span(value: Any) -> tuple[int, int]:
    return (-1, -1) if value is None else (value[0], value[1])


def test_cases_were_read() -> None:
    assert len(CASES) >= 200
    assert {c["mode"] for c in CASES} <= {"finditer", "all"}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_conformance_case(case: dict[str, Any]) -> None:
    pattern = ruleie.compile(case["pattern"], lexicons=case.get("lexicons"), vars=case.get("vars"))
    text, expected = case["text"], [tuple(span) for span in case["expect"]]
    if case["mode"] == "all":
        assert sorted(set(pattern.all_spans(text))) == expected
        return
    matches = list(pattern.finditer(text))
    assert [m.span() for m in matches] == expected
    if "captures" in case:
        assert len(case["captures"]) == len(matches)
        for m, captures in zip(matches, case["captures"]):
            assert {name: m.span(name) for name in captures} == {
                name: _span(span) for name, span in captures.items()
            }
    if "captures_list" in case:
        assert len(case["captures_list"]) == len(matches)
        for m, lists in zip(matches, case["captures_list"]):
            assert {name: m.spans(name) for name in lists} == {
                name: [tuple(span) for span in spans] for name, spans in lists.items()
            }
            for name in lists:
                assert m.captures(name) == [text[b:e] for b, e in m.spans(name)]
