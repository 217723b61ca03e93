"""Pathological patterns: ruleie's automaton against Python's backtracking ``re``.

Not a test (no test asserts on a timing): it prints a table. Each pattern is run
by ruleie over a sentence of one-letter tokens ("a a a …") and by ``re`` over the
same sentence encoded one character per token ("aaa…"). ``re`` runs in a
subprocess with a time limit; "> T s" means it was stopped after T seconds.

    python benchmarks/pathological.py              # the full table (about a minute)
    python benchmarks/pathological.py --quick      # smaller sizes, shorter limit
    python benchmarks/pathological.py --timeout 10

What it shows: ``re`` takes time exponential in the sentence length on these
patterns; ruleie takes O(n · m) per search (n tokens, m program size). With a fixed
pattern that is linear in n: the "µs/token" column stays flat as n grows. For
``(a?){n} a{n}`` the pattern grows with n too (m ∝ n), so ruleie's cost is O(n²).
An alternation of one-token options is compiled to one token constraint (so its
m stays small); one of two-token options keeps one thread per option: the cost
per token grows with m, not with n.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import ruleie  # noqa: E402


@dataclass
class Case:
    name: str
    pattern: Callable[[int], str]  # ruleie pattern for size n
    regex: Callable[[int], str]  # the same as a Python regex over one character per token
    sizes: tuple[int, ...]
    quick_sizes: tuple[int, ...]

    @staticmethod
    def text(n: int) -> str:
        """The sentence, encoded: one character per token."""
        return "a" * n


# 300 one-character words (CJK ideographs are word characters), so that the regex
# reads one character per token like every other case here.
WORDS = [chr(0x4E00 + i) for i in range(300)]
CASES = [
    Case(
        "(a?){n} a{n}",
        lambda n: f"( a? ){{{n}}} a{{{n}}}",
        lambda n: f"(?:a?){{{n}}}a{{{n}}}",
        sizes=(5, 10, 15, 20, 22, 24, 26, 28, 30, 100, 300),
        quick_sizes=(5, 10, 20, 24, 100),
    ),
    Case(
        "( ( a* )* )* b",
        lambda n: "( ( a* )* )* b",
        lambda n: "(?:(?:a*)*)*b",
        sizes=(6, 8, 10, 12, 14, 1_000, 10_000, 100_000),
        quick_sizes=(6, 8, 10, 1_000, 10_000),
    ),
    Case(
        "( a | a a )* b",
        lambda n: "( a | a a )* b",
        lambda n: "(?:a|aa)*b",
        sizes=(10, 20, 30, 35, 40, 45, 1_000, 10_000, 100_000),
        quick_sizes=(10, 20, 30, 1_000, 10_000),
    ),
    Case(
        "( w0 | … | w299 | a )+ b  (one-token options)",
        lambda n: "( " + " | ".join(WORDS) + " | a )+ b",
        lambda n: "(?:" + "|".join(WORDS) + "|a)+b",
        sizes=(1_000, 10_000, 100_000),
        quick_sizes=(1_000, 10_000),
    ),
    Case(
        "( w0 a | … | w299 a | a )+ b  (two-token)",
        lambda n: "( " + " | ".join(f"{w} a" for w in WORDS) + " | a )+ b",
        lambda n: "(?:" + "|".join(f"{w}a" for w in WORDS) + "|a)+b",
        sizes=(100, 1_000, 10_000),
        quick_sizes=(100, 1_000),
    ),
]

RE_SCRIPT = """
import re, sys, time
regex, text = sys.argv[1], sys.stdin.read()
compiled = re.compile(regex)
start = time.perf_counter()
found = [m.span() for m in compiled.finditer(text)]
print(time.perf_counter() - start, sum(e > s for s, e in found))
"""


def time_re(regex: str, text: str, timeout: float) -> tuple[Optional[float], Optional[int]]:
    """Seconds (and non-empty matches) for re.finditer, or (None, None) past the timeout."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", RE_SCRIPT, regex], input=text, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None, None
    seconds, count = done.stdout.split()
    return float(seconds), int(count)


def time_ruleie(pattern: str, text: str) -> tuple[float, int, int]:
    """Seconds for finditer over a pre-annotated document (tokenizing is not timed), matches, program size."""
    compiled = ruleie.compile(pattern)
    doc = ruleie.annotate(" ".join(text))
    start = time.perf_counter()
    found = list(compiled.finditer(doc))
    return time.perf_counter() - start, len(found), len(compiled.program.code)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=None, help="seconds before re is stopped (default 5, quick 2)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args(argv)
    timeout = args.timeout if args.timeout is not None else (2.0 if args.quick else 5.0)

    header = f"{'pattern':<48} {'n tokens':>9} {'m instr':>8} {'ruleie s':>10} {'µs/token':>9} {'re s':>10} {'matches':>8}"
    print(header)
    print("-" * len(header))
    for case in CASES:
        re_gave_up = False
        for n in case.quick_sizes if args.quick else case.sizes:
            text = case.text(n)
            seconds, count, size = time_ruleie(case.pattern(n), text)
            if re_gave_up:
                re_text = f"> {timeout:g} s"  # it only gets worse
            else:
                re_seconds, re_count = time_re(case.regex(n), text, timeout)
                if re_seconds is None:
                    re_gave_up = True
                    re_text = f"> {timeout:g} s"
                else:
                    re_text = f"{re_seconds:.4f}"
                    assert re_count == count, (case.name, n, re_count, count)
            per_token = seconds / n * 1e6
            print(f"{case.name:<48} {n:>9} {size:>8} {seconds:>10.4f} {per_token:>9.2f} {re_text:>10} {count:>8}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
