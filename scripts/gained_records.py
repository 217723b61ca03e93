#!/usr/bin/env python3
"""The records a later run adds: the first record of a type in each corpus sentence that had none of
that type in an earlier run, printed for a reader to judge (right / wrong, as sample_precision.py).

    python scripts/gained_records.py START.jsonl END.jsonl --type Meeting > gained_Meeting.txt
    python scripts/sample_precision.py --score --judgements scripts/precision_judgements_gained_S.tsv

A record belongs to the sentence that holds its trigger (or verb), else its start: the placing of
scripts/diff_runs.py, whose "gained" sentences these are. Each record takes three lines: doc, start,
end, type and rule; its fields; the sentence.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from diff_runs import CORPUS, anchors, record_anchor, sentence_index, sentence_spans


def _shown(name: str, value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_shown(name, v) for v in value) + "]"
    if isinstance(value, dict):
        text = repr(value.get("text"))
        if value.get("canonical"):
            text += f" ({value['canonical']})"
        if name == "status" and value.get("value") is not None:
            text += f" ({value['value']})"
        return text
    return repr(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--type", required=True, help="record type: Strike, Statement, Meeting …")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the JSONL documents both runs read")
    a = ap.parse_args(argv)
    before = anchors(a.before, a.type)
    records: dict[str, list[dict]] = {}
    with open(a.after, encoding="utf-8") as f:
        for record in map(json.loads, f):
            if record.get("type") == a.type:
                records.setdefault(record["doc"], []).append(record)
    texts = {}
    with open(a.corpus, encoding="utf-8") as f:
        for doc in map(json.loads, f):
            if doc["id"] in records:
                texts[doc["id"]] = doc["text"]
    rows = []
    for doc_id in sorted(records):
        text = texts[doc_id]
        spans = sentence_spans(text)
        had = {sentence_index(spans, x) for x in before.get(doc_id, ())}
        done: set[int] = set()
        for record in sorted(records[doc_id], key=lambda r: (r["start"], r["end"])):
            i = sentence_index(spans, record_anchor(record))
            if i < 0 or i in had or i in done:
                continue
            done.add(i)
            fields = " ".join(f"{k}={_shown(k, v)}" for k, v in (record.get("fields") or {}).items()
                              if v not in (None, [], "") and k != "direct")
            rows.append(f"{doc_id}\t{record['start']}\t{record['end']}\t{a.type}\t{record['rule']}\n"
                        f"    {fields}\n    | {text[spans[i][0]:spans[i][1]]}\n")
    print(f"## {a.type}: {len(rows)} records in sentences with no {a.type} record in {a.before.name}")
    sys.stdout.writelines(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
