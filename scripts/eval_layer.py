#!/usr/bin/env python3
"""Evaluate the shipped noun-phrase chunker and entity recogniser.

Noun phrases: P/R/F1 of (start, end) spans against the base noun phrases read off
the EWT trees (scripts/layer_data.py: gold_noun_phrases), and head accuracy on the
spans found. Entities: per-type and micro P/R/F1 against Universal NER (exact
spans; PERSON->PER, ORG->ORG, GPE and LOC->LOC; NORP is not scored, UNER has no
such type), with the GPE/LOC/NORP counts found.

    python scripts/eval_layer.py                    # test split, predicted tags (what production runs)
    python scripts/eval_layer.py --split dev --tags gold
    python scripts/eval_layer.py --only ner
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from layer_data import TREEBANK, aligned_ner, flatten, gold_noun_phrases, read_conllu, tags_for  # noqa: E402

from ruleie.text.chunker import default_chunker  # noqa: E402
from ruleie.text.entities import default_recognizer  # noqa: E402

SCORED = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}


def prf(tp: int, found: int, gold: int) -> str:
    p = tp / found if found else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.4f} R {r:.4f} F1 {f:.4f}  (gold {gold}, found {found})"


def per_document(words: list[str], upos: list[str], xpos: list[str], ranges: list[tuple[int, int]],
                 doc_ids: list[str]) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, str]]]:
    """Noun phrases and entities, one call of each per EWT document, as the annotator runs them."""
    phrases: list[tuple[int, int, int]] = []
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(ranges):
        j = i
        while j < len(ranges) and doc_ids[j] == doc_ids[i]:
            j += 1
        a, b = ranges[i][0], ranges[j - 1][1]
        local = [(s - a, e - a) for s, e in ranges[i:j]]
        w, u, x = tuple(words[a:b]), tuple(upos[a:b]), tuple(xpos[a:b])
        nps = default_chunker()(w, u, x, local)
        phrases += [(s + a, e + a, h + a) for s, e, h in nps]
        found += [(s + a, e + a, label) for s, e, label in default_recognizer()(w, u, x, local, nps)]
        i = j
    return phrases, found


def eval_np(split: str, source: str) -> None:
    sentences = read_conllu(TREEBANK / f"en_ewt-ud-{split}.conllu")
    words, upos, xpos, ranges = flatten(sentences)
    upos, xpos = tags_for(words, ranges, upos, xpos, source)
    gold = {}
    for sent, (a, _) in zip(sentences, ranges):
        for s, e, h in gold_noun_phrases(sent):
            gold[(a + s, a + e)] = a + h
    found, _ = per_document(words, upos, xpos, ranges, [s.doc_id for s in sentences])
    pred = {(s, e) for s, e, _ in found}
    tp = len(set(gold) & pred)
    heads = sum(1 for s, e, h in found if gold.get((s, e)) == h)
    print(f"noun phrases, EWT {split}, {source} tags: {prf(tp, len(pred), len(gold))}")
    print(f"  head accuracy on matched phrases: {heads / max(tp, 1):.4f}")


def eval_ner(split: str, source: str) -> None:
    aligned = aligned_ner(split)
    sentences = [s for s, _ in aligned]
    words, upos, xpos, ranges = flatten(sentences)
    upos, xpos = tags_for(words, ranges, upos, xpos, source)
    gold = {(a + s, a + e, label) for (_, spans), (a, _) in zip(aligned, ranges) for s, e, label in spans}
    _, found = per_document(words, upos, xpos, ranges, [s.doc_id for s in sentences])
    pred = {(s, e, SCORED[label]) for s, e, label in found if label in SCORED}
    print(f"entities, UNER {split}, {source} tags (exact spans):")
    for label in ("PER", "ORG", "LOC"):
        g = {x for x in gold if x[2] == label}
        p = {x for x in pred if x[2] == label}
        print(f"  {label:5s} {prf(len(g & p), len(p), len(g))}")
    print(f"  micro {prf(len(gold & pred), len(pred), len(gold))}")
    counts = Counter(label for _, _, label in found)
    print("  found by label: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["dev", "test"], default="test")
    ap.add_argument("--tags", choices=["gold", "predicted"], default="predicted")
    ap.add_argument("--only", choices=["np", "ner"])
    args = ap.parse_args()
    if args.only != "ner":
        eval_np(args.split, args.tags)
    if args.only != "np":
        eval_ner(args.split, args.tags)


if __name__ == "__main__":
    main()
