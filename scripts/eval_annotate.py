"""Score `ruleie annotate` as a user runs it: tags on EWT test, entities on Universal NER test.

    python scripts/eval_annotate.py [--treebank ../shared/treebank] [--ruleie ruleie]

1. `ruleie annotate --input-format conllu --format conllu en_ewt-ud-test.conllu`: UPOS and
   XPOS accuracy against the file's own columns (the tokens are the gold tokens).
2. The UNER test file converted to CoNLL-U (tokens and its comment lines, so its
   `# newdoc id` document boundaries are kept), through the same command:
   the `Entity=` tags of MISC against the gold IOB2 tags, exact spans, micro and per type
   (GPE and LOC both count as LOC; NORP is not scored, as UNER has no such type).

Nothing here trains or tunes anything: it runs the installed command and compares.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ruleie.text.conllu import Sentence, Word, format_conllu, parse_conllu  # noqa: E402


def _annotate(ruleie: list[str], path: Path) -> list[Sentence]:
    proc = subprocess.run([*ruleie, "annotate", "--input-format", "conllu", "--format", "conllu", str(path)],
                          capture_output=True, text=True, check=True)
    return list(parse_conllu(proc.stdout))


def _spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Exact entity spans from IOB2 tags (an I- without its B- starts a span, as conlleval does)."""
    spans, start, label = set(), None, None
    for i, tag in enumerate(tags + ["O"]):
        kind, _, name = tag.partition("-")
        if start is not None and (kind != "I" or name != label):
            spans.add((start, i, label))
            start = None
        if kind == "B" or (kind == "I" and start is None):
            start, label = i, name
    return spans


def _read_iob2(path: Path) -> list[tuple[list[str], list[str], list[str]]]:
    """(words, tags, comment lines) per sentence; the comments carry ``newdoc id``,
    ``sent_id`` and ``text``, so the CoNLL-U conversion keeps the document boundaries."""
    sentences, words, tags, comments = [], [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if words:
                sentences.append((words, tags, comments))
            words, tags, comments = [], [], []
            continue
        if line.startswith("#"):
            comments.append(line[1:])  # as parse_conllu keeps them
            continue
        cols = line.split("\t")
        words.append(cols[1])
        tags.append(cols[2])
    if words:
        sentences.append((words, tags, comments))
    return sentences


def tags_score(ruleie: list[str], treebank: Path) -> tuple[float, float, int]:
    gold = list(parse_conllu((treebank / "en_ewt-ud-test.conllu").read_text(encoding="utf-8")))
    predicted = _annotate(ruleie, treebank / "en_ewt-ud-test.conllu")
    upos = xpos = total = 0
    for g, p in zip(gold, predicted, strict=True):
        for gw, pw in zip(g.words, p.words, strict=True):
            total += 1
            upos += gw.upos == pw.upos
            xpos += gw.xpos == pw.xpos
    return upos / total, xpos / total, total


def entity_score(ruleie: list[str], treebank: Path) -> dict[str, tuple[float, float, float, int]]:
    gold_sentences = _read_iob2(treebank / "en_ewt-uner-test.iob2")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "uner-test.conllu"
        path.write_text(format_conllu(
            Sentence(words=[Word(i + 1, w) for i, w in enumerate(words)], comments=comments)
            for words, _, comments in gold_sentences
        ), encoding="utf-8")
        predicted = _annotate(ruleie, path)
    counts: dict[str, list[int]] = {}
    for (words, gold_tags, _), p in zip(gold_sentences, predicted, strict=True):
        tags = []
        for w in p.words:
            entity = next((item[len("Entity="):] for item in w.misc.split("|") if item.startswith("Entity=")), "O")
            tags.append(entity)
        guess = {(s, e, "LOC" if t == "GPE" else t) for s, e, t in _spans(tags) if t != "NORP"}
        gold = _spans(gold_tags)
        for label in ("PER", "ORG", "LOC"):
            mapped = {"PER": "PERSON"}.get(label, label)
            g = {(s, e) for s, e, t in gold if t == label}
            q = {(s, e) for s, e, t in guess if t == mapped}
            c = counts.setdefault(label, [0, 0, 0])
            c[0] += len(g & q)
            c[1] += len(q)
            c[2] += len(g)
    totals = [sum(c[k] for c in counts.values()) for k in range(3)]
    result = {}
    for label, (tp, guessed, gold) in [*counts.items(), ("micro", totals)]:
        p = tp / guessed if guessed else 0.0
        r = tp / gold if gold else 0.0
        result[label] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, gold)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--treebank", type=Path, default=ROOT.parent / "shared" / "treebank")
    parser.add_argument("--ruleie", default=shutil.which("ruleie") or f"{sys.executable} -m ruleie")
    args = parser.parse_args()
    if not args.treebank.is_dir():
        sys.exit(f"eval_annotate: no treebank at {args.treebank} (--treebank DIR)")
    ruleie = args.ruleie.split()
    upos, xpos, n = tags_score(ruleie, args.treebank)
    print(f"EWT test, {n} tokens: UPOS {100 * upos:.2f} %  XPOS {100 * xpos:.2f} %")
    print("UNER test entities (exact spans):")
    for label, (p, r, f, gold) in entity_score(ruleie, args.treebank).items():
        print(f"  {label:<6} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({gold} gold)")


if __name__ == "__main__":
    main()
