"""Memory stays bounded: ``ruleie run`` streams JSON Lines, directories and stdin.

Each run happens in a fresh process that reports its own peak resident memory
(``VmHWM`` in /proc/self/status). The same run on 4x the input must not need noticeably more memory:
a whole-corpus list anywhere in the run path would grow with the input.

CI: 7.5 MB and 30 MB of JSON Lines. ``RULEIE_LONG_TESTS=1``: 75 MB and 300 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from robust_helpers import HOSTILE_RULES, STRIKE, size, subprocess_env

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")

# Runs ruleie in this process and prints its peak RSS in bytes on the last line of stderr.
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork and exec, so a child of a big
# pytest process would report the parent's peak; VmHWM starts afresh with the new program.
PEAK = r"""
import sys
from ruleie.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
sys.stderr.write("\npeak %d\n" % (peak * 1024))
sys.exit(code)
"""

DOC_BYTES = 4000
FILLER = ("Officials said the situation remained tense and talks would continue next week in the capital. " * 6)[:600]


PAD = "x" * (DOC_BYTES - len(FILLER) - len(STRIKE) - 20)


def _document(i: int, distinct_pad: bool = False) -> str:
    """A news-sized document: a Strike, some prose, and a long token (cheap to process, heavy in bytes).

    Every word repeats across documents, so the per-word caches (bounded at 131,072 entries:
    lemmatizer.lemmatize) stay the same size and only what the run holds is measured. With
    ``distinct_pad`` each document has a long word of its own (a corpus of base64 blobs, say).
    """
    return f"{STRIKE} {FILLER} {PAD}{i if distinct_pad else ''}"


def _jsonl(path: Path, total_bytes: int, distinct_pad: bool = False) -> int:
    """Write documents lazily until the file has ``total_bytes``; returns how many."""
    n = 0
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < total_bytes:
            line = json.dumps({"id": f"d{n}", "text": _document(n, distinct_pad)}) + "\n"
            handle.write(line)
            written += len(line)
            n += 1
    return n


def _peak(args: list[object], stdin: Path | None = None) -> tuple[int, int]:
    """(peak RSS in bytes, number of output lines) of one run in a fresh process."""
    with open(stdin, "rb") if stdin else open("/dev/null", "rb") as source:
        proc = subprocess.run(
            [sys.executable, "-c", PEAK, "run", "--rules", str(HOSTILE_RULES), "--no-progress", *map(str, args)],
            stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=subprocess_env(), timeout=3600,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    peak = int(proc.stderr.decode().rsplit("peak ", 1)[1])
    return peak, proc.stdout.count(b"\n")


def _assert_bounded(small: int, large: int, extra_input: int) -> None:
    growth = large - small
    print(f"peak RSS {small / 2**20:.1f} MB -> {large / 2**20:.1f} MB for {extra_input / 2**20:.1f} MB more input")
    assert growth < 0.3 * small, f"peak RSS {small / 2**20:.1f} MB -> {large / 2**20:.1f} MB on 4x the input"
    assert growth < 0.25 * extra_input, f"peak RSS grew {growth / 2**20:.1f} MB for {extra_input / 2**20:.1f} MB more input"


def test_json_lines_stream(tmp_path: Path):
    small_bytes = size(7_500_000, 75_000_000)
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    n_small, n_large = _jsonl(small, small_bytes), _jsonl(large, 4 * small_bytes)
    peak_small, lines_small = _peak([small])
    peak_large, lines_large = _peak([large])
    assert (lines_small, lines_large) == (n_small, n_large)  # one record per document: nothing lost
    _assert_bounded(peak_small, peak_large, large.stat().st_size - small.stat().st_size)
    peak_stdin, lines_stdin = _peak(["--stdin-jsonl", "-"], stdin=large)
    assert lines_stdin == n_large
    _assert_bounded(peak_small, peak_stdin, large.stat().st_size - small.stat().st_size)


def test_directories_stream(tmp_path: Path):
    per_file = 6
    n_small = size(1_250, 12_500) // per_file * per_file
    for name, n in (("small", n_small), ("large", 4 * n_small)):
        for k in range(n // per_file):
            sub = tmp_path / name / f"part{k % 10}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"doc{k}.txt").write_text("\n\n".join(_document(k * per_file + j) for j in range(per_file)),
                                             encoding="utf-8")
    peak_small, lines_small = _peak([tmp_path / "small"])
    peak_large, lines_large = _peak([tmp_path / "large"])
    assert (lines_small, lines_large) == (n_small, 4 * n_small)
    _assert_bounded(peak_small, peak_large, 3 * n_small * DOC_BYTES)


@pytest.mark.xfail(strict=False, reason="the per-word caches (lemmatizer.lemmatize: 131072 entries, tokenfields.shape and "
                   "number_value: 65536) are bounded in entries, not in bytes: a corpus of long distinct tokens keeps "
                   "up to 131072 of them alive; see docs/reliability.md")
def test_json_lines_of_distinct_long_tokens_stream(tmp_path: Path):
    small_bytes = size(7_500_000, 75_000_000)
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    _jsonl(small, small_bytes, distinct_pad=True)
    _jsonl(large, 4 * small_bytes, distinct_pad=True)
    peak_small, _ = _peak([small])
    peak_large, _ = _peak([large])
    _assert_bounded(peak_small, peak_large, large.stat().st_size - small.stat().st_size)
