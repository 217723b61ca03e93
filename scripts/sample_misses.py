"""Write material for recall: corpus sentences with a word of a record type but no record of it.

    ruleie run ../shared/corpus/gmb-voa-news.jsonl -o R.jsonl
    python scripts/sample_misses.py --records R.jsonl --seed 20261301 --n 60 > misses.txt

Prints, per type, N sentences drawn at random (``random.Random(seed)``) from the corpus
sentences (ruleie's own sentence splitting) that hold a trigger word of the type (the
regular expressions below) and in which no record of that type is anchored (its
``trigger`` or ``verb`` start, else its start). A reader then labels each one a miss, ok or
borderline by RECORDS.md; the misses, grouped by construction, are what a recall round
writes rules for. The briefs of the VOA dev set (``../shared/dev/voa``, both halves) are
left out, so that nothing drawn here is scored there. One generator draws the types in
the order Meeting, Strike, Statement, so a seed's Meeting and Strike sentences do not
depend on whether Statement is drawn too (`--types`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from ruleie.text.document import annotate

from diff_runs import record_anchor as anchor  # (where a record is placed, as diff_runs.py places it)

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"

TRIGGER_WORDS = {
    "Meeting": re.compile(
        r"\b(met|meets?|meeting|talks|visit(s|ed|ing)?|summit|hosted|hosts|received|welcomed|conferred|toured|negotiations)\b",
        re.I,
    ),
    "Strike": re.compile(
        r"\b(attack(s|ed)?|bomb(s|ed|ing|ings)?|blast|explosion|exploded|shell(s|ed|ing)|raid(s|ed)?|fired|shot|killed|"
        r"wounded|ambush(ed)?|rockets?|missiles?|mortars?|stormed|gunmen|suicide)\b",
        re.I,
    ),
    "Statement": re.compile(
        r"\b(said|says|say|told|tells|announced|stated|warned|added|according to|declared|claimed|insisted|noted|urged|"
        r"quoted|denied|accused|called on|asked|wrote|reported)\b",
        re.I,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", required=True, help="a `ruleie run` JSONL output over the corpus")
    parser.add_argument("--corpus", default=str(SHARED / "corpus" / "gmb-voa-news.jsonl"))
    parser.add_argument("--seed", default="20261301")
    parser.add_argument("--n", type=int, default=60, help="sentences per type")
    parser.add_argument("--types", nargs="+", default=list(TRIGGER_WORDS), choices=list(TRIGGER_WORDS))
    args = parser.parse_args()

    dev_briefs = set()
    for folder in ("meet", "strike"):
        path = SHARED / "dev" / "voa" / folder / "docs.jsonl"
        if path.exists():
            dev_briefs.update(json.loads(line)["id"] for line in path.open(encoding="utf-8"))
    anchors: dict[tuple[str, str], list[int]] = {}
    with open(args.records, encoding="utf-8") as records:
        for record in map(json.loads, records):
            anchors.setdefault((record["doc"], record["type"]), []).append(anchor(record))

    wanted = {t: TRIGGER_WORDS[t] for t in args.types}
    candidates: dict[str, list[tuple[str, int, int, str]]] = {t: [] for t in wanted}
    with open(args.corpus, encoding="utf-8") as corpus:
        for line in corpus:
            doc = json.loads(line)
            if doc["id"] in dev_briefs:
                continue
            annotated = annotate(doc["text"])
            for first, end in annotated.sentences:
                start, stop = annotated.starts[first], annotated.ends[end - 1]
                sentence = doc["text"][start:stop]
                for type_name, words in wanted.items():
                    found = anchors.get((doc["id"], type_name), [])
                    if words.search(sentence) and not any(start <= a < stop for a in found):
                        candidates[type_name].append((doc["id"], start, stop, sentence))
    rng = random.Random(args.seed)
    for type_name, found in candidates.items():
        drawn = sorted(rng.sample(found, min(args.n, len(found))))
        print(f"## {type_name}: {len(drawn)} of {len(found)} sentences with a {type_name} word and no {type_name} record (seed {args.seed})")
        for doc_id, start, stop, sentence in drawn:
            print(f"{doc_id}\t{start}\t{stop}\t{type_name}\t| {sentence}")


if __name__ == "__main__":
    main()
