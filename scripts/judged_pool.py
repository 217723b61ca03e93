"""The records of a run that some earlier corpus sample already judged: write material for a round.

    ruleie run --no-progress ../shared/corpus/gmb-voa-news.jsonl -o R.jsonl
    python scripts/judged_pool.py R.jsonl --type Strike              # judged share right, by rule and trigger
    python scripts/judged_pool.py R.jsonl --type Meeting --wrong     # the records judged wrong, with the reason

Every sample's verdicts are kept in scripts/precision_judgements*.tsv, keyed by (doc, start, end,
type); a record of today's run with the same key carries that verdict (the latest file's, where
several judged it). The pool mixes samples of earlier packs and measurement samples already
scored, so its shares are no measurement (docs/accuracy.md): they show which rules and
constructions go wrong most often, to be fixed as constructions and then measured on fresh seeds.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent


def judgement_files() -> list[Path]:
    """The judgement files, oldest first: the first sample's file, the file of the 2024 recall
    changes (_new), the rebuilt packs' (_2026), then the samples by seed, which grow with time.
    (By name alone, _new would sort after every seed and outrank newer verdicts.)"""

    def age(path: Path) -> tuple[int, int]:
        suffix = path.stem.removeprefix("precision_judgements").lstrip("_")
        if not suffix:
            return (0, 0)
        if suffix == "new":
            return (1, 0)
        return (2, int(suffix)) if suffix.isdigit() else (3, 0)

    return sorted(SCRIPTS.glob("precision_judgements*.tsv"), key=lambda path: (age(path), path.name))


def load_verdicts() -> dict[tuple[str, int, int, str], tuple[str, str, str]]:
    """(doc, start, end, type) -> (verdict, reason, file), later files winning."""
    verdicts = {}
    for path in judgement_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) < 6 or not cells[1].isdigit() or not cells[2].isdigit():
                continue  # the column header line
            key = (cells[0], int(cells[1]), int(cells[2]), cells[3])
            verdicts[key] = (cells[5], cells[6] if len(cells) > 6 else "", path.name)
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", help="a `ruleie run` JSONL output")
    parser.add_argument("--type", required=True, help="record type: Strike, Statement or Meeting")
    parser.add_argument("--wrong", action="store_true", help="list the records judged wrong, with the reason")
    args = parser.parse_args()

    verdicts = load_verdicts()
    records = {}
    with open(args.records, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["type"] == args.type:
                records[(record["doc"], record["start"], record["end"], record["type"])] = record

    if args.wrong:
        for key in sorted(records):
            verdict = verdicts.get(key)
            if verdict and verdict[0] == "wrong":
                print(*key, records[key]["rule"], "|", verdict[1], f"({verdict[2]})", sep="\t")
        return

    counts: collections.Counter = collections.Counter()
    for key, record in records.items():
        # the rules that found the record, without the status rules that only merge into it
        finders = [rule for rule in record["rule"].split("+") if ".status-" not in rule]
        trigger = ((record["fields"].get("trigger") or {}).get("text") or "").lower()
        group = (finders[0], trigger) if len(finders) == 1 else ("(several rules)", "")
        verdict = verdicts.get(key)
        counts[group, "records"] += 1
        if verdict:
            counts[group, verdict[0]] += 1
    judged = sum(counts[g, v] for (g, v) in list(counts) if v in ("right", "wrong"))
    wrong = sum(counts[g, "wrong"] for (g, v) in list(counts) if v == "records")
    print(f"{len(records)} {args.type} records, {judged} judged in an earlier sample, {wrong} of them wrong")
    print(f"{'found by':40s} {'trigger':14s} {'records':>8s} {'judged':>7s} {'wrong':>6s} {'right':>6s}")
    groups = sorted({g for (g, _v) in counts}, key=lambda g: -counts[g, "records"])
    for group in groups:
        right, bad = counts[group, "right"], counts[group, "wrong"]
        share = f"{right / (right + bad):.2f}" if right + bad else "-"
        print(f"{group[0]:40s} {group[1][:14]:14s} {counts[group, 'records']:8d} {right + bad:7d} {bad:6d} {share:>6s}")


if __name__ == "__main__":
    main()
