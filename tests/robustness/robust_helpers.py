"""Shared helpers for tests/robustness: paths, the command in-process and in a subprocess, record checks.

Sizes: every test runs a CI-sized input by default; ``RULEIE_LONG_TESTS=1`` switches the
tests that say so to the full sizes of docs/reliability.md (a 50 MB document, 300 MB of
JSON Lines, a 1,000,000-entry lexicon).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ruleie.cli import main

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HOSTILE_RULES = HERE / "rules" / "hostile.yaml"
MINI_RULES = ROOT / "tests" / "fixtures" / "engine" / "mini.yaml"
MINI_DOCS = ROOT / "tests" / "fixtures" / "engine" / "docs.jsonl"
SEED = ROOT / "seeds" / "000_ae1460fd50e7771e.txt"

LONG = os.environ.get("RULEIE_LONG_TESTS", "") not in ("", "0")

# One sentence the hostile rule set turns into exactly one Strike record.
STRIKE = "Russia launched 3 drones at Kyiv."


def size(ci: int, long: int) -> int:
    """The CI size, or the full size under RULEIE_LONG_TESTS=1."""
    return long if LONG else ci


def run(*argv: object) -> tuple[int, str, str]:
    """``ruleie ARGV`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def run_subprocess(
    argv: Sequence[object], *, timeout: float = 300, env: Optional[dict[str, str]] = None, cwd: Optional[Path] = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m ruleie ARGV`` in a fresh process. The timeout is a safety net, never a measurement."""
    return subprocess.run(
        [sys.executable, "-m", "ruleie", *map(str, argv)],
        capture_output=True,
        timeout=timeout,
        env=env or subprocess_env(),
        cwd=cwd,
        check=False,
    )


def run_options() -> set[str]:
    """The option strings ``ruleie run`` accepts. Tests assert on it (an option that
    disappears fails them, never skips them); no ``run`` command at all is an error here."""
    import argparse

    from ruleie.cli import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction) and "run" in action.choices:
            return set(action.choices["run"]._option_string_actions)
    raise AssertionError("ruleie has no `run` command")


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def assert_slices_back(record: dict, text: str) -> None:
    """A record's offsets, and every field's, cut its text out of the document."""
    assert text[record["start"] : record["end"]] == record["text"], record
    for content in record["fields"].values():
        for item in content if isinstance(content, list) else [content]:
            if isinstance(item, dict) and "start" in item:
                assert text[item["start"] : item["end"]] == item["text"], (record, item)


def assert_records_slice_back(found: Iterable, text: str) -> None:
    """The same for ``Record`` objects from the library."""
    for record in found:
        assert_slices_back(record.to_dict(), text)


def error_lines(path: Path) -> list[dict]:
    """The JSON lines of an ``--errors FILE``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
