"""Benchmark 6: the worst case of a news stream, a long document without punctuation.

1. ``ruleie run`` with the shipped packs on one document of 200,000 tokens: the words
   "said missiles Russia launched" repeated, no sentence end anywhere (a scraped
   table, a log). Every rule finds its anchors everywhere. Timed in a fresh process,
   start-up included; the target is under 10 s.
2. Linearity: the shipped rules (``RuleSet.extract`` with the sentence cap off, so that
   the whole text is one sentence) and a few single patterns (``Pattern.finditer``) over
   n = 1,000 … 100,000 tokens of the same text. The time per token must stay flat as n
   grows (O(n), not O(n²)).

    python benchmarks/bench_worst_case.py            # the full table
    python benchmarks/bench_worst_case.py --quick    # n up to 10,000
    RULEIE_CORE=python python benchmarks/bench_worst_case.py --quick    # the pure-Python core
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import table  # noqa: E402

import ruleie  # noqa: E402
from ruleie.language import corevm  # noqa: E402

WORDS = "said missiles Russia launched"

# Patterns in the style of the shipped rules: anchors, optional and lazy spans, lookaround, captures.
PATTERNS = [
    "(?<who> [word=/[A-Z]\\w+/] ) launched (?<what> []{0,3}? missiles )?",
    "said (?<content> []+? ) (?= Russia )",
    "(?<! said ) missiles (?<n> []? ) [lower=/russia|ukraine/]",
    "( said | told ) []{0,6}? launched",
]


def text_of(tokens: int) -> str:
    words = WORDS.split()
    return " ".join(words[i % len(words)] for i in range(tokens))


def run_command(tokens: int) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, records) of ``ruleie run`` on one document of this many tokens."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "long.txt"
        source.write_text(text_of(tokens), encoding="utf-8")
        out = Path(tmp) / "out.jsonl"
        before = os.times()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "ruleie", "run", "--no-progress", "--time-budget", "0", str(source), "-o", str(out)],
            capture_output=True, text=True, check=False,
        )
        seconds = time.perf_counter() - start
        after = os.times()
        if done.returncode != 0:
            sys.exit(f"ruleie run failed: {done.stderr[-2000:]}")
        records = sum(1 for _ in out.open(encoding="utf-8"))
    return seconds, (after.children_user - before.children_user) + (after.children_system - before.children_system), records


def timed(function) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.process_time()
    result = function()
    return time.process_time() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="n up to 10,000, and 20,000 tokens for ruleie run")
    parser.add_argument("--tokens", type=int, default=200_000, help="tokens of the document for ruleie run")
    args = parser.parse_args()
    sizes = [1_000, 3_000, 10_000] if args.quick else [1_000, 3_000, 10_000, 30_000, 100_000]
    tokens = 20_000 if args.quick else args.tokens
    print(f"matcher: {corevm.describe()}")

    seconds, cpu, records = run_command(tokens)
    print(f"\nruleie run, shipped packs, one document of {tokens:,} tokens without punctuation: "
          f"{seconds:.2f} s ({cpu:.2f} s of CPU), {records} records\n")

    rules = ruleie.load_rules(max_sentence_tokens=0, time_budget=None)
    patterns = [ruleie.compile(p) for p in PATTERNS]
    rules.extract(text_of(1_000))  # first use: lexicons, value tables, compiled programs
    rows = []
    for n in sizes:
        doc = ruleie.annotate(text_of(n))
        assert len(doc) == n and len(doc.sentences) == 1, (len(doc), len(doc.sentences))
        doc.column("lower")
        row = [f"{n:,}"]
        seconds, found = timed(lambda: rules.extract(doc))
        row += [f"{seconds:.3f}", f"{seconds / n * 1e6:.2f}", str(len(found))]  # type: ignore[arg-type]
        for p in patterns:
            seconds, found = timed(lambda: sum(1 for _ in p.finditer(doc)))
            row += [f"{seconds / n * 1e6:.2f}"]
        rows.append(row)
        print(table(["n tokens", "shipped rules s", "µs/token", "records"] + [f"p{i + 1} µs/token" for i in range(len(PATTERNS))],
                    [row]), flush=True)
    print()
    print(table(["n tokens", "shipped rules s", "µs/token", "records"] + [f"p{i + 1} µs/token" for i in range(len(PATTERNS))],
                rows))
    print()
    for i, p in enumerate(PATTERNS, start=1):
        print(f"p{i}: {p}")


if __name__ == "__main__":
    main()
