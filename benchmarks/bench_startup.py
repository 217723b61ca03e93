"""Benchmark 4: compile time of 10,000 rules, start-up of ``ruleie run`` on one short
document (cold and with the compiled-rule cache), and the ``--jobs`` speed-up.

    python benchmarks/bench_startup.py
    python benchmarks/bench_startup.py --load-only --repeat 5            # the load figures alone
    python benchmarks/bench_startup.py --load-only --baseline ../old     # side by side with another checkout

With ``--baseline DIR`` (a checkout of another version, e.g. ``git worktree add ../old HEAD~1``)
each cold load runs once with that checkout's code and once with this one, alternately, each
with a fresh cache: on a busy machine the ratio of the two is the figure to trust.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, SHORT_DOCUMENT, corpus_docs, table  # noqa: E402
from rulegen import corpus_statistics, generate, write_yaml  # noqa: E402

LOAD = "import sys, time; t = time.perf_counter(); import ruleie; ruleie.load_rules(sys.argv[1]); print(time.perf_counter() - t)"
# The load alone, import excluded (as the side-by-side comparison times it).
LOAD_ONLY = "import sys, time, ruleie; t = time.perf_counter(); ruleie.load_rules(sys.argv[1]); print(time.perf_counter() - t)"


def cold_load(rules_file: Path, code_root: Path, cache: Path, script: str = LOAD) -> float:
    """Seconds for one cold load of ``rules_file`` by the code in ``code_root`` (a fresh cache)."""
    env = dict(os.environ, RULEIE_CACHE_DIR=str(cache), PYTHONPATH=str(code_root))
    output = subprocess.check_output(
        [sys.executable, "-c", script, str(rules_file.resolve())], env=env, text=True, cwd=code_root,
        stderr=subprocess.DEVNULL,
    )
    return float(output)


def side_by_side(rules_file: Path, baseline: Path, repeat: int, tmp: Path) -> list[list[str]]:
    """Cold loads by the baseline checkout and by this one, alternately: best, median and their ratio."""
    times: dict[str, list[float]] = {"baseline": [], "this": []}
    for k in range(repeat):
        for name, root in (("baseline", baseline), ("this", ROOT)):
            times[name].append(cold_load(rules_file, root, tmp / f"cache-{name}-{k}", LOAD_ONLY))
    rows = []
    for name in ("baseline", "this"):
        rows.append([f"load 10,000 rules cold, {name} ({repeat} runs)",
                     f"best {min(times[name]):.2f} s, median {statistics.median(times[name]):.2f} s"])
    best = min(times["this"]) / min(times["baseline"])
    pairs = statistics.median(t / b for t, b in zip(times["this"], times["baseline"]))
    rows.append(["this / baseline", f"{best:.2f} (best / best), {pairs:.2f} (median of the pairs)"])
    if hasattr(os, "getloadavg"):
        rows.append(["machine load (1 min)", f"{os.getloadavg()[0]:.1f}"])
    return rows


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=Path, help="a rule file to load (default: 10,000 generated rules)")
    parser.add_argument("--load-only", action="store_true", help="only the load figures, not ruleie run")
    parser.add_argument("--repeat", type=int, default=1, help="cold loads to time (the best is shown)")
    parser.add_argument("--baseline", type=Path, help="a checkout of another version to compare with, side by side")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RULEIE_CACHE_DIR=str(Path(tmp) / "cache"))
        rules_file = args.rules
        if rules_file is None:
            vocabulary, following = corpus_statistics(corpus_docs(3000))
            rules_file = Path(tmp) / "rules10k.yaml"
            write_yaml(generate(10_000, vocabulary, following), rules_file)
        if args.baseline is not None:
            rows.extend(side_by_side(rules_file, args.baseline.resolve(), args.repeat, Path(tmp)))
        else:
            colds = [cold_load(rules_file, ROOT, Path(tmp) / f"cache{k}") for k in range(args.repeat)]
            cold_load(rules_file, ROOT, Path(tmp) / "cache")
            warm = min(cold_load(rules_file, ROOT, Path(tmp) / "cache") for _ in range(args.repeat))
            rows.append(["load + compile 10,000 rules, cold (import included)", f"{min(colds):.2f} s"])
            rows.append(["load + compile 10,000 rules, compiled-rule cache warm", f"{warm:.2f} s"])
        if args.load_only:
            print(table(["measure", "result"], rows))
            return

        short = Path(tmp) / "short.txt"
        short.write_text(SHORT_DOCUMENT, encoding="utf-8")
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
