#!/usr/bin/env python3
"""Sentences that gained or lost a record of a type between two `ruleie run` outputs on one corpus.

    ruleie run --no-progress ../shared/corpus/gmb-voa-news.jsonl -o before.jsonl   # (rules of one commit)
    ruleie run --no-progress ../shared/corpus/gmb-voa-news.jsonl -o after.jsonl    # (rules of another)
    python scripts/diff_runs.py before.jsonl after.jsonl --type Strike

A record belongs to the sentence that holds its trigger (or verb), else its start: the placing the
sentence scorers use (../shared/dev/voa/score_sentences.py). The counts in the commit messages and
in docs/accuracy.md ("corpus: two sentences gained") come from here; every sentence is printed so
that it can be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import ruleie

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "gmb-voa-news.jsonl"


def record_anchor(record: dict) -> int:
    """Where a record is placed: the start of its trigger (or verb), else its own start."""
    fields = record.get("fields") or {}
    for key in ("trigger", "verb"):
        if isinstance(fields.get(key), dict):
            return fields[key]["start"]
    return record["start"]


def anchors(path: Path, type_name: str) -> dict[str, set[int]]:
    """Per document, the character offsets where the records of the type are placed."""
    out: dict[str, set[int]] = defaultdict(set)
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record.get("type") == type_name:
                out[record["doc"]].add(record_anchor(record))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The character spans of a text's sentences, as ruleie splits them."""
    doc = ruleie.annotate(text)
    return [(doc.starts[s], doc.ends[e - 1]) for s, e in doc.sentences]


def sentence_index(spans: list[tuple[int, int]], offset: int) -> int:
    """The number of the sentence that holds a character offset (-1 between sentences)."""
    return next((i for i, (s, e) in enumerate(spans) if s <= offset < e), -1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--type", required=True, help="record type: Strike, Statement, Meeting …")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the JSONL documents both runs read")
    a = ap.parse_args(argv)
    before, after = anchors(a.before, a.type), anchors(a.after, a.type)
    changed = {doc for doc in set(before) | set(after) if before.get(doc) != after.get(doc)}
    texts = {}
    with open(a.corpus, encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc["id"] in changed:
                texts[doc["id"]] = doc["text"]
    gained, lost = [], []
    for doc_id in sorted(changed):
        text = texts[doc_id]
        spans = sentence_spans(text)
        had = {sentence_index(spans, x) for x in before.get(doc_id, ())}
        has = {sentence_index(spans, x) for x in after.get(doc_id, ())}
        gained += [(doc_id, i, text[spans[i][0]:spans[i][1]]) for i in sorted(has - had) if i >= 0]
        lost += [(doc_id, i, text[spans[i][0]:spans[i][1]]) for i in sorted(had - has) if i >= 0]
    print(f"{a.type}: {len(gained)} sentences gained, {len(lost)} lost")
    for sign, rows in (("+", gained), ("-", lost)):
        for doc_id, i, sentence_text in rows:
            print(f"{sign} {doc_id} {i} {sentence_text}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:
        # (piped into `head`: the reader has what it wanted)
        sys.stderr.close()
        raise SystemExit(0)
