#!/usr/bin/env python3
"""Train the base-noun-phrase chunker (ruleie/text/models/chunker/chunker.npz) on EWT train.

Gold phrases are read off the EWT trees (scripts/layer_data.py: gold_noun_phrases;
the reading is documented in ruleie/text/models/chunker/README.md). The model is
an averaged perceptron over IOB labels (scripts/linear_train.py), scored at run
time by ruleie.text.linear.

Run from the repository root (deterministic; a few minutes):
    python scripts/train_chunker.py                    # gold EWT tags
    python scripts/train_chunker.py --tags predicted   # tags from ruleie.text.tagger
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from layer_data import (TREEBANK, flatten, gold_noun_phrases, read_conllu, shipped_vocabulary,  # noqa: E402
                        tags_for)
from linear_train import Data, FeatureSpace, Perceptron  # noqa: E402

from ruleie.text import chunker as chunker_module  # noqa: E402

OUT = ROOT / "ruleie" / "text" / "models" / "chunker"
from ruleie.text.linear import PAIR_OFFSETS, TAG_OFFSETS, WORD_OFFSETS  # noqa: E402
FREQUENT_WORDS = 800  # word identity features for the most frequent lower-case forms only


def iob(n: int, phrases: list[tuple[int, int, int]]) -> list[int]:
    labels = [0] * n
    for start, end, _ in phrases:
        labels[start] = 1
        for k in range(start + 1, end):
            labels[k] = 2
    return labels


def prf(gold: set, pred: set) -> tuple[float, float, float]:
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(chunker: chunker_module.Chunker, split: str, source: str) -> str:
    sentences = read_conllu(TREEBANK / f"en_ewt-ud-{split}.conllu")
    words, upos, xpos, ranges = flatten(sentences)
    upos, xpos = tags_for(words, ranges, upos, xpos, source)
    gold = {}
    for sent, (a, _) in zip(sentences, ranges):
        for s, e, h in gold_noun_phrases(sent):
            gold[(a + s, a + e)] = a + h
    found = chunker(words, upos, xpos, ranges)
    pred = {(s, e) for s, e, _ in found}
    p, r, f = prf(set(gold), pred)
    heads = sum(1 for s, e, h in found if gold.get((s, e)) == h)
    matched = len(set(gold) & pred)
    return (f"{split} ({source} tags): P {p:.4f} R {r:.4f} F1 {f:.4f} (gold {len(gold)}, found {len(pred)}); "
            f"head accuracy on matched {heads / max(matched, 1):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tags", choices=["gold", "predicted"], default="gold", help="tags to train on")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--out", type=Path, default=OUT / "chunker.npz")
    args = ap.parse_args()

    train = read_conllu(TREEBANK / "en_ewt-ud-train.conllu")
    words, upos, xpos, ranges = flatten(train)
    if args.tags == "predicted":
        upos, xpos = tags_for(words, ranges, upos, xpos, "predicted")
    gold = np.zeros(len(words), dtype=np.int64)
    for s, (a, _) in zip(train, ranges):
        gold[a:a + len(s.words)] = iob(len(s.words), gold_noun_phrases(s))
    frequent = {w for w, _ in Counter(w.lower() for w in words).most_common(FREQUENT_WORDS)}

    def train_features(word: str) -> list[str]:
        feats = chunker_module.featurize(word)
        return feats if word.lower() in frequent else feats[1:]

    space = FeatureSpace(train_features)
    vocabulary = shipped_vocabulary()
    space.ids(vocabulary)
    data = Data(space, words, xpos, ranges, gold)
    model = Perceptron(chunker_module.LABELS, WORD_OFFSETS, TAG_OFFSETS, PAIR_OFFSETS, len(space.features))
    model.fit(data, args.epochs, space.csr(), seed=0, batch=64)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.export(args.out, space, vocabulary)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    chunker = chunker_module.Chunker(args.out)
    for source in ("gold", "predicted"):
        try:
            print(evaluate(chunker, "dev", source))
        except (ImportError, OSError) as exc:
            print(f"dev ({source} tags): skipped ({exc})")


if __name__ == "__main__":
    main()
