"""Benchmark 3: input scaling. The corpus 1×, 4× and 16× as one streamed JSONL file:
time should grow linearly and peak memory stay flat.

    python benchmarks/bench_input_scaling.py [--factors 1,4,16] [--rules rules/news.yaml]
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
from common import CORPUS, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", default="1,4,16")
    parser.add_argument("--rules", action="append", default=None)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    corpus = CORPUS.read_bytes()
    rows = []
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for factor in [int(f) for f in args.factors.split(",")]:
            path = Path(tmp) / f"corpus-{factor}x.jsonl"
            with path.open("wb") as f:
                for _ in range(factor):
                    f.write(corpus)
            rules = [a for r in (args.rules or []) for a in ("--rules", r)]
            command = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "ruleie", "run", "--no-progress",
                       *rules, str(path), "-o", os.devnull]
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            rss = int(proc.stderr.strip().splitlines()[-1]) / 1024
            base = base or seconds / factor
            rows.append([f"{factor}×", f"{path.stat().st_size / 1e6:.0f} MB", f"{seconds:.1f} s",
                         f"{seconds / factor / base:.2f}", f"{rss:.0f} MB"])
            print(table(["input", "size", "time", "time per corpus (1× = 1.00)", "peak RSS"], rows[-1:]), flush=True)
    print()
    print(table(["input", "size", "time", "time per corpus (1× = 1.00)", "peak RSS"], rows))


if __name__ == "__main__":
    main()
