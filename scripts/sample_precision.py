#!/usr/bin/env python3
"""Precision on text no gold covers: a fixed random sample of records per type, judged by hand.

    python scripts/sample_precision.py                 # run the shipped pack on the corpus, print the sample
    python scripts/sample_precision.py --records R.jsonl   # sample from an earlier `ruleie run` output
    python scripts/sample_precision.py --score         # share judged right per type, from the judgement file
    python scripts/sample_precision.py --records R.jsonl --seed 20261205 --types Strike Meeting
    python scripts/sample_precision.py --score --judgements scripts/precision_judgements_2026.tsv

The corpus is ../shared/corpus/gmb-voa-news.jsonl (VOA news via the Groningen Meaning
Bank, public domain). The judgements live in scripts/precision_judgements.tsv, one line
per sampled record: doc, start, end, type, rule, verdict (right/wrong), reason. A record
is right when it is a record of its type by the definitions of RECORDS.md (a Strike is an
armed attack, a Statement attributed speech or writing, a Meeting a diplomatic meeting,
visit or talks) and its key field names the right thing; other field errors are noted in
the reason but do not make the record wrong.

The sample depends only on the records (sorted by doc, start, end, type) and the seed, so
re-running it on the same rules gives the same sample. The default seed (20240604) is the
one of the first sample (scripts/precision_judgements.tsv); the sample of the rebuilt packs
(scripts/precision_judgements_2026.tsv) used --seed 20261205, which draws each type with its
own generator (see sample()). --types limits the printed types.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "gmb-voa-news.jsonl"
JUDGEMENTS = Path(__file__).resolve().parent / "precision_judgements.tsv"
TYPES = ("Strike", "Statement", "Meeting")
SEED = 20240604
PER_TYPE = 50


def _records(path: Path | None, corpus: Path) -> list[dict]:
    if path is not None:
        return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    import ruleie

    rules = ruleie.load_rules()
    docs = [json.loads(line) for line in corpus.open(encoding="utf-8")]
    out = []
    for result in rules.extract_many(docs):
        for r in result.records:
            out.append(json.loads(r.to_json()) if hasattr(r, "to_json") else _record_dict(r))
    return out


def _record_dict(r) -> dict:
    fields = {}
    for name, value in r.fields.items():
        if value is None:
            fields[name] = None
        elif isinstance(value, tuple):
            fields[name] = [{"text": v.text} for v in value]
        else:
            fields[name] = {"text": value.text, "value": value.value, "canonical": value.canonical}
    return {"doc": r.doc, "type": r.type, "rule": r.rule, "start": r.start, "end": r.end, "text": r.text, "fields": fields}


def sample(records: list[dict], seed: int = SEED, types: tuple[str, ...] = TYPES) -> dict[str, list[dict]]:
    """PER_TYPE records per type.

    The first sample's seed (SEED) draws as that sample did: one generator over the three
    types in turn, so it reproduces scripts/precision_judgements.tsv, but a type's sample then
    depends on how many records the types before it have. Any other seed draws each type
    from its own generator, random.Random(f"{seed}:{type}"), so a type's sample depends only
    on that type's records and the seed (re-running the pack after a change to one pack does
    not move the other types' samples). `types` only filters what is returned."""
    by_type: dict[str, list[dict]] = collections.defaultdict(list)
    for r in sorted(records, key=lambda r: (r["doc"], r["start"], r["end"], r["type"])):
        by_type[r["type"]].append(r)
    shared = random.Random(seed)
    drawn = {}
    for t in TYPES:
        if not by_type.get(t):
            continue
        rng = shared if seed == SEED else random.Random(f"{seed}:{t}")
        drawn[t] = sorted(rng.sample(by_type[t], min(PER_TYPE, len(by_type[t]))), key=lambda r: (r["doc"], r["start"]))
    return {t: rows for t, rows in drawn.items() if t in types}


def _sentence(text: str, start: int, end: int) -> str:
    dot = text.rfind(". ", 0, start)
    lo = dot + 2 if dot >= 0 else 0
    hi = text.find(". ", end)
    return text[lo : (hi + 1 if hi >= 0 else len(text))]


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    text = value.get("text", "")
    extra = value.get("canonical") or (value.get("value") if value.get("value") not in (None, True, False) else None)
    return f"{text!r}" + (f" ({extra})" if extra and extra != text else "")


def print_sample(records: list[dict], corpus: Path, seed: int = SEED, types: tuple[str, ...] = TYPES) -> None:
    texts = {}
    if corpus.exists():
        for line in corpus.open(encoding="utf-8"):
            d = json.loads(line)
            texts[d["id"]] = d["text"]
    counts = collections.Counter(r["type"] for r in records)
    print(f"# {len(records)} records: " + ", ".join(f"{t} {counts[t]}" for t in TYPES))
    for t, rows in sample(records, seed, types).items():
        print(f"\n## {t}: {len(rows)} sampled (seed {seed})")
        for r in rows:
            fields = " ".join(f"{k}={_show(v)}" for k, v in r["fields"].items() if v not in (None, [], {}) and k != "direct")
            print(f"{r['doc']}\t{r['start']}\t{r['end']}\t{r['type']}\t{r['rule']}")
            print(f"    {fields}")
            if r["doc"] in texts:
                print(f"    | {_sentence(texts[r['doc']], r['start'], r['end'])}")


def score(path: Path) -> int:
    right: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    with path.open(encoding="utf-8") as f:
        for row in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t"):
            if len(row) < 6:
                continue
            total[row[3]] += 1
            right[row[3]] += row[5].strip() == "right"
    print("type        judged  right  share")
    for t in TYPES:
        if total[t]:
            print(f"{t:<10} {total[t]:>7} {right[t]:>6}  {right[t] / total[t]:.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=Path, help="a `ruleie run` JSONL output to sample from")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--score", action="store_true", help="print the share judged right per type")
    ap.add_argument("--judgements", type=Path, default=JUDGEMENTS)
    ap.add_argument("--seed", type=int, default=SEED, help=f"random seed of the sample (default {SEED}, the first sample's)")
    ap.add_argument("--types", nargs="+", choices=TYPES, default=list(TYPES), metavar="TYPE",
                    help="print only these types' samples (default: all three)")
    args = ap.parse_args(argv)
    if args.score:
        return score(args.judgements)
    if args.records is None and not args.corpus.exists():
        print(f"sample_precision: corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    print_sample(_records(args.records, args.corpus), args.corpus, args.seed, tuple(args.types))
    return 0


if __name__ == "__main__":
    sys.exit(main())
