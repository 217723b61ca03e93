"""Benchmark 2: a full ``ruleie run`` with the shipped packs against spaCy's blank English tokenizer.

ruleie: read the corpus JSONL, tokenize, split sentences, apply every shipped rule,
write JSONL records (to /dev/null). spaCy: ``nlp.pipe`` over the same texts with
``spacy.blank("en")`` (tokenizing only). Reports docs/s, MB/s, tokens/s and peak
RSS of each, each in a fresh process, from wall-clock time, and the CPU time each
used (user + system, of every process of the run): on a machine shared with other
work the CPU times are the steadier figures to compare.

    pip install -e '.[bench]' && python benchmarks/bench_end_to_end.py [--repeat 3] [--jobs 1]
    RULEIE_CORE=python python benchmarks/bench_end_to_end.py     # the pure-Python matcher core
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, table  # noqa: E402

SPACY_SCRIPT = """
import json, resource, sys, time
import spacy
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
nlp = spacy.blank("en")
start, cpu = time.perf_counter(), time.process_time()
tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=256))
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "tokens": tokens,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

TOKEN_COUNT_SCRIPT = """
import json, sys, ruleie
print(sum(len(ruleie.annotate(json.loads(line)["text"])) for line in open(sys.argv[1], encoding="utf-8")))
"""


def run_ruleie(corpus: Path, jobs: int) -> dict:
    command = [sys.executable, "-m", "ruleie", "run", "--no-progress", "-j", str(jobs), str(corpus), "-o", os.devnull]
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, check=False)
    after = os.times()
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"ruleie run failed: {proc.stderr[-2000:]}")
    rss_kb = int(proc.stderr.strip().splitlines()[-1])
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"seconds": seconds, "cpu": cpu, "rss_mb": rss_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is reported")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    megabytes = sum(len(json.loads(line)["text"].encode()) for line in CORPUS.open(encoding="utf-8")) / 1e6
    docs = sum(1 for _ in CORPUS.open(encoding="utf-8"))
    ours_tokens = int(subprocess.check_output([sys.executable, "-c", TOKEN_COUNT_SCRIPT, str(CORPUS)], text=True))
    # Warm the compiled-rule cache first, as any second run would find it.
    run_ruleie(CORPUS, 1)
    ours = min((run_ruleie(CORPUS, args.jobs) for _ in range(args.repeat)), key=lambda r: r["seconds"])
    spacy_runs = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", SPACY_SCRIPT, str(CORPUS)], capture_output=True, text=True, check=False)
        if out.returncode:
            sys.exit("spaCy is not installed: pip install -e '.[bench]'")
        spacy_runs.append(json.loads(out.stdout))
    theirs = min(spacy_runs, key=lambda r: r["seconds"])
    rows = [
        [f"ruleie run, shipped packs (-j {args.jobs}, process start included)", f"{docs / ours['seconds']:,.0f}",
         f"{megabytes / ours['seconds']:.2f}", f"{ours_tokens / ours['seconds']:,.0f}", f"{ours['rss_mb']:.0f} MB"],
        ["spaCy blank('en') tokenizer, nlp.pipe", f"{docs / theirs['seconds']:,.0f}",
         f"{megabytes / theirs['seconds']:.2f}", f"{theirs['tokens'] / theirs['seconds']:,.0f}", f"{theirs['rss_mb']:.0f} MB"],
    ]
    print(f"corpus: {docs} documents, {megabytes:.2f} MB of text, {ours_tokens} ruleie tokens, {theirs['tokens']} spaCy tokens")
    print(table(["run", "docs/s", "MB/s", "tokens/s", "peak RSS"], rows))
    from ruleie.language import corevm

    print(f"\nruleie ({corevm.describe()}) takes {ours['seconds']:.1f} s ({ours['cpu']:.1f} s of CPU), "
          f"spaCy's tokenizer alone {theirs['seconds']:.1f} s ({theirs['cpu']:.1f} s of CPU)")
    print(f"ratio ruleie / spaCy: {ours['seconds'] / theirs['seconds']:.1f}x wall, {ours['cpu'] / theirs['cpu']:.1f}x CPU")


if __name__ == "__main__":
    main()
