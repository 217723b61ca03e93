"""Benchmark 4: compile time of 10,000 rules, start-up of ``ruleie run`` on one short
document (cold and with the compiled-rule cache), and the ``--jobs`` speed-up.

    python benchmarks/bench_startup.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, corpus_docs, table  # noqa: E402
from rulegen import corpus_statistics, generate, write_yaml  # noqa: E402

LOAD = "import sys, time; t = time.perf_counter(); import ruleie; ruleie.load_rules(sys.argv[1]); print(time.perf_counter() - t)"


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RULEIE_CACHE_DIR=str(Path(tmp) / "cache"))
        vocabulary, following = corpus_statistics(corpus_docs(3000))
        rules_file = Path(tmp) / "rules10k.yaml"
        write_yaml(generate(10_000, vocabulary, following), rules_file)
        cold = float(subprocess.check_output([sys.executable, "-c", LOAD, str(rules_file)], env=env, text=True))
        warm = float(subprocess.check_output([sys.executable, "-c", LOAD, str(rules_file)], env=env, text=True))
        rows.append(["load + compile 10,000 rules, cold (import included)", f"{cold:.2f} s"])
        rows.append(["load + compile 10,000 rules, compiled-rule cache warm", f"{warm:.2f} s"])

        short = Path(tmp) / "short.txt"
        short.write_text("Russia launched 23 missiles at Kyiv overnight, officials said.\n", encoding="utf-8")
        run = [sys.executable, "-m", "ruleie", "run", str(short)]
        first = timed(run, env)
        best = min(timed(run, env) for _ in range(5))
        rows.append(["ruleie run, shipped packs, one short document, first start", f"{first:.2f} s"])
        rows.append(["ruleie run, shipped packs, one short document, cached start", f"{best:.2f} s"])

        out = {}
        for jobs in (1, 2):
            command = [sys.executable, "-m", "ruleie", "run", "--no-progress", "-j", str(jobs), str(CORPUS),
                       "-o", str(Path(tmp) / f"out{jobs}.jsonl")]
            out[jobs] = min(timed(command, env) for _ in range(2))
        same = (Path(tmp) / "out1.jsonl").read_bytes() == (Path(tmp) / "out2.jsonl").read_bytes()
        rows.append(["ruleie run on the corpus, -j 1", f"{out[1]:.1f} s"])
        rows.append(["ruleie run on the corpus, -j 2", f"{out[2]:.1f} s ({out[1] / out[2]:.2f}×, output identical: {same})"])
    print(table(["measure", "result"], rows))


if __name__ == "__main__":
    main()
