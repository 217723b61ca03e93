"""Score a labelled recall sample against a later run: which labelled sentences now hold a record.

    python scripts/sample_misses.py --records BEFORE.jsonl --seed S --n 80 > misses.txt   # drawn at one pack
    (a reader labels each sentence miss / ok / borderline: scripts/recall_labels_S_<type>.tsv)
    ruleie run ../shared/corpus/gmb-voa-news.jsonl -o AFTER.jsonl                          # a later pack
    python scripts/score_recall_labels.py --records AFTER.jsonl scripts/recall_labels_S_meeting.tsv

Every sentence of such a sample had no record of its type when it was drawn, so the share of its
`miss` sentences that now hold one is the recall the later pack gained on them, and each `ok`
sentence that now holds one is a record the reader would call wrong. A record is in a sentence when
its anchor (its ``trigger`` or ``verb`` start, else its start) lies inside the sentence, as
sample_misses.py decides. ``--exclude`` leaves out sentences listed in other samples (for example
ones read while writing rules), matched by document and start.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from sample_misses import anchor  # a record's anchor, as the sample was drawn by


def read_labels(path: Path) -> list[dict]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("labels", nargs="+", help="recall_labels_<seed>_<type>.tsv files")
    parser.add_argument("--records", required=True, help="a `ruleie run` JSONL output over the corpus")
    parser.add_argument("--exclude", nargs="*", default=[], help="label or misses files whose sentences to leave out")
    parser.add_argument("--list", action="store_true", help="list the sentences that now hold a record")
    args = parser.parse_args()

    excluded: set[tuple[str, int]] = set()
    for path in args.exclude:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1].isdigit():
                excluded.add((parts[0], int(parts[1])))

    anchors: dict[tuple[str, str], list[int]] = {}
    with open(args.records, encoding="utf-8") as records:
        for record in map(json.loads, records):
            anchors.setdefault((record["doc"], record["type"]), []).append(anchor(record))

    for path in map(Path, args.labels):
        type_name = path.stem.rsplit("_", 1)[-1].capitalize()
        total: Counter[str] = Counter()
        found: Counter[str] = Counter()
        listed = []
        for row in read_labels(path):
            doc, start, end = row["doc"], int(row["start"]), int(row["end"])
            if (doc, start) in excluded:
                continue
            total[row["label"]] += 1
            if any(start <= a < end for a in anchors.get((doc, type_name), [])):
                found[row["label"]] += 1
                listed.append((row["label"], doc, start))
        parts = ", ".join(f"{label} {found[label]}/{total[label]}" for label in ("miss", "borderline", "ok"))
        print(f"{path.name}: {type_name} records now in {parts}")
        if args.list:
            for label, doc, start in listed:
                print(f"    {label:10} {doc} {start}")


if __name__ == "__main__":
    main()
