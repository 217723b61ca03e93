"""Shared helpers for the benchmarks: the corpus, timing, peak memory."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RULEIE_CORPUS", ROOT.parent / "shared" / "corpus" / "gmb-voa-news.jsonl"))
# the one short document of the start-up figures (bench_startup.py, bench_versions.py --short)
SHORT_DOCUMENT = "Russia launched 23 missiles at Kyiv overnight, officials said.\n"


def corpus_docs(limit: int | None = None) -> list[dict]:
    """The benchmark corpus as {"id", "text"} dicts; exits with a clear message when absent."""
    if not CORPUS.exists():
        sys.exit(f"benchmark corpus not found at {CORPUS}; set RULEIE_CORPUS to a JSONL file of {{id, text}}")
    docs = []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            docs.append({"id": doc["id"], "text": doc["text"]})
            if limit and len(docs) >= limit:
                break
    return docs


def iter_corpus() -> Iterator[dict]:
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            yield {"id": doc["id"], "text": doc["text"]}


class Timer:
    """Wall-clock ``seconds`` and this process's CPU time ``cpu`` of a block."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        self.start_cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
        self.cpu = time.process_time() - self.start_cpu


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table, as docs/performance.md shows them."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda values: "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells)])
