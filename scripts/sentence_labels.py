#!/usr/bin/env python3
"""Label any news documents sentence by sentence, as the VOA dev set is, and score the packs on them.

The out-of-source check of docs/accuracy.md (RAMS windows and WikiEvents articles): draw
documents of one half, cut them into ruleie's sentences for a reader to label, then turn the
labels into the layout ``../shared/dev/voa/score_sentences.py`` scores.

    python scripts/sentence_labels.py units ../shared/dev/rams/docs.jsonl --half held-out --n 50 \\
        --seed 20261401 --parts 2 --out ../tmp/ramslab
    #   -> OUT/<half>-units-<k>.tsv: doc, sent, Strike, Statement, Meeting, note, text (columns 3-6 empty)
    #   a reader fills Strike, Statement, Meeting with yes / no / borderline, saves OUT/<half>-labels-<k>.tsv
    python scripts/sentence_labels.py collect --out ../tmp/ramslab --half held-out --set rams
    python ../shared/dev/voa/score_sentences.py "$(which ruleie)" --dir ../tmp/ramslab/held-out

An invented set (scripts/synthetic_briefs) is one half as a whole: `units FILE --whole --half
write|held-out --set NAME` cuts every document of FILE. Otherwise a document goes to a half by the
sha1 of its id, as in scripts/eval_dev.py. The files hold the
documents' text: keep them outside this repository when the texts are third-party (the dev
sets' README), as docs/accuracy.md does.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_dev import half_of  # noqa: E402  (the one split rule of the dev sets)

TYPES = ("Strike", "Statement", "Meeting")
LABELS = ("yes", "no", "borderline")
HEADER = "doc\tsent\tStrike\tStatement\tMeeting\tnote\ttext\n"


def units(args: argparse.Namespace) -> None:
    import ruleie

    docs = [json.loads(line) for line in Path(args.docs).read_text(encoding="utf-8").splitlines() if line.strip()]
    pool = docs if args.whole else [d for d in docs if half_of(d["id"]) == args.half]
    exclude: set[str] = set()
    for path in args.exclude:
        exclude |= {json.loads(line)["id"] for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()}
    pool = [d for d in pool if d["id"] not in exclude]
    picked = pool if args.n is None or args.n >= len(pool) else random.Random(args.seed).sample(pool, args.n)
    out = Path(args.out)
    (out / args.half / args.set).mkdir(parents=True, exist_ok=True)
    with open(out / args.half / args.set / "docs.jsonl", "w", encoding="utf-8") as f:
        for d in picked:
            f.write(json.dumps({"id": d["id"], "text": d["text"]}) + "\n")
    cut = []
    for d in picked:
        doc = ruleie.annotate(d["text"])
        for k, (s0, s1) in enumerate(doc.sentences):
            start, end = doc.starts[s0], doc.ends[s1 - 1]
            cut.append({"doc": d["id"], "sent": k, "start": start, "end": end, "text": d["text"][start:end]})
    (out / f"{args.half}-units.json").write_text(json.dumps(cut), encoding="utf-8")
    ids = [d["id"] for d in picked]
    size = -(-len(ids) // args.parts)
    for k in range(args.parts):
        part = set(ids[k * size : (k + 1) * size])
        with open(out / f"{args.half}-units-{k}.tsv", "w", encoding="utf-8") as f:
            f.write(HEADER)
            for u in cut:
                if u["doc"] in part:
                    text = " ".join(u["text"].split())
                    f.write(f"{u['doc']}\t{u['sent']}\t\t\t\t\t{text}\n")
    print(f"{len(picked)} documents, {len(cut)} sentences, {args.parts} files in {out}")


def collect(args: argparse.Namespace) -> None:
    out = Path(args.out)
    cut = {(u["doc"], u["sent"]): u for u in json.loads((out / f"{args.half}-units.json").read_text(encoding="utf-8"))}
    lines = []
    for path in sorted(out.glob(f"{args.half}-labels-*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            if not line.strip():
                continue
            doc, sent, *marks = line.split("\t")[:6]
            labels = dict(zip(TYPES, (m.strip().lower() for m in marks[:3])))
            bad = [t for t, v in labels.items() if v not in LABELS]
            if bad:
                sys.exit(f"{path}: sentence {doc} {sent}: no label yes/no/borderline for {', '.join(bad)}")
            unit = dict(cut[(doc, int(sent))])
            unit["types"] = [t for t, v in labels.items() if v == "yes"]
            unit["borderline"] = [t for t, v in labels.items() if v == "borderline"]
            unit["note"] = marks[3] if len(marks) > 3 else ""
            lines.append(json.dumps(unit))
    if len(lines) != len(cut):
        print(f"warning: {len(lines)} labelled sentences of {len(cut)}", file=sys.stderr)
    target = out / args.half / args.set / "sentences.jsonl"
    target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{len(lines)} sentences -> {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    u = commands.add_parser("units", help="cut documents of one half into sentences to label")
    u.add_argument("docs", help="a JSONL of {id, text} documents")
    u.add_argument("--half", choices=("write", "held-out"), required=True)
    u.add_argument("--whole", action="store_true",
                   help="take every document, not those of --half (an invented set: the whole file is one half)")
    u.add_argument("--n", type=int, help="documents to draw (default: all of the half)")
    u.add_argument("--seed", type=int, default=0)
    u.add_argument("--parts", type=int, default=1, help="files to split the sentences into, one per reader")
    u.add_argument("--exclude", nargs="*", default=[], help="docs.jsonl files whose documents were drawn before")
    u.add_argument("--set", default="set", help="folder name of the set under OUT/<half>/")
    u.add_argument("--out", required=True)
    c = commands.add_parser("collect", help="turn labelled files into score_sentences.py's layout")
    c.add_argument("--out", required=True)
    c.add_argument("--half", choices=("write", "held-out"), required=True)
    c.add_argument("--set", default="set")
    args = parser.parse_args()
    units(args) if args.command == "units" else collect(args)


if __name__ == "__main__":
    main()
