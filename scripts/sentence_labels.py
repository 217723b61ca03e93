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

The labels can be kept without the third-party text (ids, offsets and labels only) and rebuilt later:

    python scripts/sentence_labels.py export --out ../tmp/ramslab --half held-out --set rams --to LABELS.tsv
    python scripts/sentence_labels.py restore LABELS.tsv --docs ../shared/dev/rams/docs.jsonl \\
        --out ../tmp/ramslab --half held-out --set rams

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


LABEL_HEADER = "doc\tsent\tstart\tend\ttypes\tborderline\n"


def export(args: argparse.Namespace) -> None:
    """Write a collected set's labels without its text: ids, offsets and labels only, fit for the repository."""
    source = Path(args.out) / args.half / args.set / "sentences.jsonl"
    units = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(args.to, "w", encoding="utf-8") as f:
        for line in args.comment:
            f.write(f"# {line}\n")
        f.write(LABEL_HEADER)
        for u in units:
            f.write(f"{u['doc']}\t{u['sent']}\t{u['start']}\t{u['end']}\t{','.join(u['types'])}\t{','.join(u['borderline'])}\n")
    print(f"{len(units)} labelled sentences -> {args.to}")


def restore(args: argparse.Namespace) -> None:
    """Rebuild score_sentences.py's layout from an exported label file and the documents it was cut from."""
    rows = [line.split("\t") for line in Path(args.labels).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")][1:]
    lines = Path(args.docs).read_text(encoding="utf-8").splitlines()
    docs = {d["id"]: d for d in (json.loads(line) for line in lines if line.strip())}
    target = Path(args.out) / args.half / args.set
    target.mkdir(parents=True, exist_ok=True)
    used = list(dict.fromkeys(row[0] for row in rows))
    missing = [doc for doc in used if doc not in docs]
    if missing:
        sys.exit(f"{args.labels}: {len(missing)} documents are not in {args.docs} (first: {missing[0]})")
    with open(target / "docs.jsonl", "w", encoding="utf-8") as f:
        for doc in used:
            f.write(json.dumps({"id": doc, "text": docs[doc]["text"]}) + "\n")
    with open(target / "sentences.jsonl", "w", encoding="utf-8") as f:
        for doc, sent, start, end, types, borderline in (row[:6] for row in rows):
            text = docs[doc]["text"][int(start):int(end)]
            unit = {"doc": doc, "sent": int(sent), "start": int(start), "end": int(end), "text": text,
                    "types": [t for t in types.split(",") if t], "borderline": [t for t in borderline.split(",") if t]}
            f.write(json.dumps(unit) + "\n")
    print(f"{len(rows)} sentences of {len(used)} documents -> {target}")


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
    e = commands.add_parser("export", help="write a collected set's labels without its text (ids, offsets, labels)")
    e.add_argument("--out", required=True)
    e.add_argument("--half", choices=("write", "held-out"), required=True)
    e.add_argument("--set", default="set")
    e.add_argument("--to", required=True, help="the label file to write")
    e.add_argument("--comment", action="append", default=[], help="a comment line for the file's head (repeatable)")
    r = commands.add_parser("restore", help="rebuild a set to score from an exported label file and its documents")
    r.add_argument("labels", help="a label file written by export")
    r.add_argument("--docs", required=True, help="the JSONL of {id, text} documents the labels were cut from")
    r.add_argument("--out", required=True)
    r.add_argument("--half", choices=("write", "held-out"), required=True)
    r.add_argument("--set", default="set")
    args = parser.parse_args()
    {"units": units, "collect": collect, "export": export, "restore": restore}[args.command](args)


if __name__ == "__main__":
    main()
