"""Train ruleie's part-of-speech tagger (ruleie/text/tagger.py) on UD English EWT.

Rebuild the shipped model (5 minutes on one idle core, about 8 on a busy machine;
numpy only; peak memory about 5 GB; deterministic: fixed seeds, sorted iteration, so
the same data give the same weights on the same machine):

    . /work/venv/bin/activate
    python scripts/train_tagger.py --treebank /work/shared/treebank \\
        --corpus /work/shared/corpus/gmb-voa-news.jsonl --out ruleie/text/models/tagger

What it does:
1. Reads the EWT train split (and dev, for choosing the number of epochs only; the
   test split is never read). Each train sentence whose ruleie tokenization differs
   from EWT's ("don't", "well-known", "etc.") is added a second time as ruleie
   tokenizes it, so the tagger knows those tokens too.
2. Learns word clusters (three granularities) from the unlabelled news corpus plus
   the train text (tagger_clusters.py), and a tag dictionary from the train split
   (each training sentence sees one made without its tenth of the data).
3. Trains pass 1 (a softmax over UPOS+XPOS pairs on word-type features of a
   five-word window) with Adagrad; trains it five more times on 4/5 of the data to
   tag the held-out fifth ("jackknifing"), so that pass 2 learns from realistic
   pass-1 errors; then trains pass 2 (the tag-pair tables) on top.
4. Writes tagger.npz (int8 weights with a scale per row) and prints dev accuracy of
   the written model as the runtime loads it.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ruleie.text.conllu import Sentence, read_conllu  # noqa: E402
from ruleie.text.tagger import (  # noqa: E402
    BOUNDARY, N_FAR, N_NEAR, ROLES, Tagger, normalize, word_features,
)
from ruleie.text.stored import strings_blob  # noqa: E402
from ruleie.text.tokenizer import tokenize  # noqa: E402
from tagger_clusters import corpus_sentences, learn_clusters  # noqa: E402  (beside this script)

MIN_LABEL = 20  # rarer UPOS+XPOS pairs are folded into their XPOS's most frequent pair
MIN_FEATURE = 2  # features seen fewer times in training are dropped
OFFSETS = (0, -1, 1, -2, 2)  # where each of ROLES sits relative to the token
LEXICON_FOLDS = 10  # the tag dictionary a training sentence sees leaves out a tenth of the data
AMBIGUOUS = 300  # frequent words whose pairs with the neighbours' tags get pass-2 rows

Tagged = tuple[list[str], list[str]]  # words and their "UPOS\tXPOS" labels


def log(*args: object) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *args, flush=True)


# --- data -----------------------------------------------------------------------------------------


def gold(sentence: Sentence) -> Tagged:
    return [w.form for w in sentence.words], [f"{w.upos}\t{w.xpos}" for w in sentence.words]


def ruleie_view(sentence: Sentence) -> Tagged | None:
    """The sentence as ruleie's tokenizer cuts it, with a label for every token; None if it can't align.

    A token made of several EWT words takes the label of its last word when it is a
    hyphen compound ("well-known" → VBN of "known") and of its first word otherwise
    ("don't" → AUX VBP, "I'm" → PRON PRP). A run of punctuation EWT keeps whole
    ("!!!") gives each of ruleie's pieces its label.
    """
    text = sentence.text
    words = sentence.words
    starts, ends, pos = [], [], 0
    for form, _, (first, last) in sentence.surface_tokens():
        at = text.find(form, pos)
        if at < 0:
            return None
        for w in words[first : last + 1]:
            starts.append(at)
            ends.append(at + len(w.form))
            at += len(w.form)
        pos = at
    by_start = {s: i for i, s in enumerate(starts)}
    by_end = {e: i for i, e in enumerate(ends)}
    out_words, out_labels = [], []
    for a, b in tokenize(text):
        i, j = by_start.get(a), by_end.get(b)
        if i is not None and j is not None and j >= i:
            part = words[i : j + 1]
            if len(part) == 1 or not any(w.xpos == "HYPH" for w in part):
                head = part[0]
            else:
                head = [w for w in part if w.upos != "PUNCT"][-1] if any(w.upos != "PUNCT" for w in part) else part[-1]
        else:
            inside = [k for k in range(len(words)) if starts[k] <= a and b <= ends[k]]
            if not inside or any(c.isalnum() for c in words[inside[0]].form):
                return None
            head = words[inside[0]]
        out_words.append(text[a:b])
        out_labels.append(f"{head.upos}\t{head.xpos}")
    return out_words, out_labels


def label_map(sentences: list[Tagged]) -> tuple[list[str], dict[str, str]]:
    """The classes (frequent pairs, sorted by frequency) and where each other pair goes."""
    counts = collections.Counter(label for _, labels in sentences for label in labels)
    classes = sorted((l for l, n in counts.items() if n >= MIN_LABEL), key=lambda l: (-counts[l], l))
    fold = {l: l for l in classes}
    for label in sorted(counts):
        if label not in fold:
            xpos = label.split("\t")[1]
            same = [c for c in classes if c.split("\t")[1] == xpos] or classes
            fold[label] = same[0]
    return classes, fold


# --- features --------------------------------------------------------------------------------------


class Featurizer:
    """Word types (a word, or a sentence's first word), their features, and the parameters of each.

    Parameters: one weight row per feature kept for the current word (``cur``), then
    four per feature kept for the neighbours (roles -1, +1, -2, +2 in a row), as the
    runtime stores them (``w_cur``, ``w_near``).
    """

    def __init__(self, clusters: dict[str, tuple[str, str, str]]) -> None:
        self.clusters = clusters
        self.types: dict[tuple[str, bool, str | None], int] = {}  # (word, first, its tag dictionary entry)
        self.features: list[list[str]] = [BOUNDARY]  # type 0: the padding between sentences
        self.cur: dict[str, int] = {}
        self.near: dict[str, int] = {}

    @property
    def n_params(self) -> int:
        return len(self.cur) + 4 * len(self.near)

    def layout(self, sentences: list[list[str]], lexicons: list[dict[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        """Type ids laid out as the runtime does (two boundary slots around each sentence) and the token slots.

        ``lexicons[i]`` is the tag dictionary sentence i sees (in training, one without
        its own fold: see tag_lexicons).
        """
        padded, slots = [0, 0], []
        for words, lexicon in zip(sentences, lexicons):
            for i, w in enumerate(words):
                key = (w, i == 0, lexicon.get(normalize(w).lower()))
                t = self.types.get(key)
                if t is None:
                    t = self.types[key] = len(self.features)
                    self.features.append(word_features(w, self.clusters, lexicon, first=i == 0))
                slots.append(len(padded))
                padded.append(t)
            padded += (0, 0)
        return np.array(padded, np.int64), np.array(slots, np.int64)

    def choose(self, padded: np.ndarray, slots: np.ndarray, min_count: int) -> None:
        """Keep the features seen at least ``min_count`` times as the current word, or as a neighbour."""
        cur: collections.Counter[str] = collections.Counter()
        near: collections.Counter[str] = collections.Counter()
        for r, off in enumerate(OFFSETS):
            for t, n in zip(*np.unique(padded[slots + off], return_counts=True)):
                feats = self.features[t]
                if r == 0:
                    cur.update({f: int(n) for f in feats if f})
                else:
                    near.update({f: int(n) for f in feats[: N_NEAR if r < 3 else N_FAR] if f})
        keep = lambda counts: {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count and f))}
        self.cur, self.near = keep(cur), keep(near)

    def role_tables(self) -> list[np.ndarray]:
        """For each role, the parameter rows of every type (rows), padded with n_params (a zero row)."""
        base = len(self.cur)
        tables = []
        for r in range(len(ROLES)):
            if r == 0:
                found = [[i for f in feats if (i := self.cur.get(f)) is not None] for feats in self.features]
            else:
                limit = N_NEAR if r < 3 else N_FAR
                found = [[base + 4 * i + r - 1 for f in feats[:limit] if (i := self.near.get(f)) is not None]
                         for feats in self.features]
            table = np.full((len(found), max(1, max(map(len, found)))), self.n_params, np.int32)
            for t, ids in enumerate(found):
                table[t, : len(ids)] = ids
            tables.append(table)
        return tables

    def matrix(self, padded: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Parameter rows of every token's window (rows), padded with n_params."""
        tables = self.role_tables()
        return np.hstack([table[padded[slots + off]] for table, off in zip(tables, OFFSETS)])

    def largest_row(self, w: np.ndarray) -> float:
        """The largest absolute score in any type's row for any role."""
        return max(float(np.abs(w[t].sum(1)).max()) for t in self.role_tables())

    def export_tables(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """Feature names, their rows as the current word and as a neighbour, and the two weight tables."""
        names = sorted(set(self.cur) | set(self.near))
        c = w.shape[1]
        w_cur, cur_scale = quantize_rows(w[: len(self.cur)])
        w_near, near_scale = quantize_rows(w[len(self.cur) : self.n_params].reshape(len(self.near), 4 * c))
        return {
            "feature_names": strings_blob(names),
            "cur_row": np.array([self.cur.get(f, -1) for f in names], np.int32),
            "near_row": np.array([self.near.get(f, -1) for f in names], np.int32),
            "w_cur": w_cur, "w_cur_scale": cur_scale[:, 0],
            "w_near": w_near, "w_near_scale": near_scale[:, 0],
        }


# --- learning --------------------------------------------------------------------------------------


def scores(w: np.ndarray, x: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
    out = np.concatenate([w[x[i : i + 8192]].sum(1) for i in range(0, len(x), 8192)])
    return out if base is None else out + base


def train(x: np.ndarray, y: np.ndarray, n_params: int, n_classes: int, epochs: int, seed: int,
          base: np.ndarray | None = None, lr: float = 0.1, batch: int = 256, l2: float = 0.0, weight: np.ndarray | None = None, dev=None) -> np.ndarray:
    """Softmax regression on sparse binary features with Adagrad; returns the average of the epochs' weights.

    ``x`` holds feature ids per token (``n_params`` is the zero padding row), ``base``
    fixed scores added before the softmax (pass 2 learns on top of pass 1).
    """
    rng = np.random.default_rng(seed)
    w = np.zeros((n_params + 1, n_classes), np.float32)
    g2 = np.full_like(w, 1e-3)
    total = np.zeros_like(w)
    k = x.shape[1]
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            b = order[start : start + batch]
            idx = x[b]
            s = w[idx].sum(1)
            if base is not None:
                s += base[b]
            s -= s.max(1, keepdims=True)
            p = np.exp(s)
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(b)), y[b]] -= 1
            if weight is not None:
                p *= weight[b, None]
            flat = idx.ravel()
            o = np.argsort(flat, kind="stable")
            f = flat[o]
            cuts = np.flatnonzero(np.r_[True, f[1:] != f[:-1]])
            rows = f[cuts]
            grad = np.add.reduceat(p[o // k], cuts, axis=0)
            keep = rows != n_params
            rows, grad = rows[keep], grad[keep]
            if l2:
                grad += l2 * w[rows]
            g2[rows] += grad * grad
            w[rows] -= lr * grad / np.sqrt(g2[rows])
        total += w
        if dev is not None:
            xd, yd, bd = dev
            acc_now = (scores(w, xd, bd).argmax(1) == yd).mean()
            acc_avg = (scores(total / (epoch + 1), xd, bd).argmax(1) == yd).mean()
            log(f"  epoch {epoch + 1}: dev {acc_now:.4f}, averaged {acc_avg:.4f}")
    return total / epochs


def tag_lexicons(sentences: list[Tagged], folds: int) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The tag dictionary (lower-case word → "R" or "F" for rare or frequent, and the XPOS tags
    of at least 10 % of its occurrences), and for each fold the one made without that fold.

    A training sentence sees its fold's dictionary, so a word met only there is
    unknown to it, as a new word will be at run time ("jackknifing").
    """
    counts = [collections.defaultdict(collections.Counter) for _ in range(folds)]
    for i, (words, labels) in enumerate(sentences):
        for w, label in zip(words, labels):
            counts[i * folds // len(sentences)][normalize(w).lower()][label.split("\t")[1]] += 1

    def entry(tags: collections.Counter[str]) -> str:
        n = sum(tags.values())
        return ("R" if n < 5 else "F") + "|".join(sorted(t for t, m in tags.items() if m >= 0.1 * n))

    full: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for part in counts:
        for w, tags in part.items():
            full[w].update(tags)
    lexicon = {w: entry(tags) for w, tags in sorted(full.items())}
    without = []
    for part in counts:
        lex = dict(lexicon)
        for w, tags in part.items():
            rest = full[w] - tags
            if rest:
                lex[w] = entry(rest)
            else:
                del lex[w]
        without.append(lex)
    return lexicon, without


def ambiguous_words(sentences: list[Tagged]) -> list[str]:
    """The most frequent words (seen 10 times or more) whose commonest label has under 99.5 % of them."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for words, labels in sentences:
        for w, label in zip(words, labels):
            counts[normalize(w).lower()][label] += 1
    total = {w: sum(c.values()) for w, c in counts.items()}
    found = [w for w, c in counts.items() if total[w] >= 10 and c.most_common(1)[0][1] < 0.995 * total[w]]
    return sorted(found, key=lambda w: (-total[w], w))[:AMBIGUOUS]


def context_ids(tags: np.ndarray, amb: np.ndarray, slots: np.ndarray, k: int, n_amb: int) -> np.ndarray:
    """Ids into the pass-2 tables laid end to end, as Tagger.tag_sentences reads them.

    ``tags`` and ``amb`` (ambiguous-word ids) are laid out like the padded types.
    """
    left, right, a = tags[slots - 1], tags[slots + 1], amb[slots]
    base = 3 * k * k
    return np.stack([left * k + right, k * k + tags[slots - 2] * k + left, 2 * k * k + right * k + tags[slots + 2],
                     base + a * k + left, base + (n_amb + 1 + a) * k + right], 1)


def tags_on(padded: np.ndarray, slots: np.ndarray, predicted: np.ndarray, boundary: int) -> np.ndarray:
    tags = np.full(len(padded), boundary, np.int64)
    tags[slots] = predicted
    return tags


# --- export ----------------------------------------------------------------------------------------


def quantize_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 values and a float32 scale per row (the largest weight of a row maps to 127)."""
    scale = np.abs(w).max(axis=-1, keepdims=True) / 127
    scale[scale == 0] = 1
    return np.rint(w / scale).astype(np.int8), scale.astype(np.float32)


def export(out: Path, classes: list[str], fz: Featurizer, w1: np.ndarray, w2: np.ndarray,
           clusters: dict[str, tuple[int, ...]], ambiguous: list[str], lexicon: dict[str, str],
           row_bound: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    row_scale = min(100.0, 3200 / row_bound)  # int16 scores: 0.01 units or finer, never clipped
    words = sorted(clusters)
    np.savez_compressed(
        out / "tagger.npz",
        labels=strings_blob(classes),
        **fz.export_tables(w1),
        context=np.rint(w2[:-1] * row_scale).astype(np.int16),
        row_scale=np.float32(row_scale),
        ambiguous_words=strings_blob(ambiguous),
        lexicon_words=strings_blob(list(lexicon)),
        lexicon_tags=strings_blob(list(lexicon.values())),
        cluster_words=strings_blob(words),
        clusters=np.array([clusters[w] for w in words], np.int16),
    )


def evaluate(tagger: Tagger, sentences: list[Sentence]) -> tuple[float, float, float]:
    """UPOS and XPOS accuracy on gold tokens, and tokens per second (one document of all sentences)."""
    words, spans = [], []
    for s in sentences:
        spans.append((len(words), len(words) + len(s.words)))
        words += [w.form for w in s.words]
    start = time.perf_counter()
    upos, xpos = tagger.tag_sentences(words, spans)
    seconds = time.perf_counter() - start
    gold_u = [w.upos for s in sentences for w in s.words]
    gold_x = [w.xpos for s in sentences for w in s.words]
    n = len(words)
    return sum(map(str.__eq__, upos, gold_u)) / n, sum(map(str.__eq__, xpos, gold_x)) / n, n / seconds


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--treebank", type=Path, default=Path("/work/shared/treebank"))
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus/gmb-voa-news.jsonl"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "ruleie/text/models/tagger")
    parser.add_argument("--epochs", type=int, default=6, help="pass-1 epochs")
    parser.add_argument("--epochs2", type=int, default=3, help="pass-2 epochs")
    parser.add_argument("--folds", type=int, default=5, help="jackknife folds for pass 2's training tags")
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--clusters", type=Path, help="reuse (or save) the learnt clusters in this JSON file")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()

    train_sents = read_conllu(args.treebank / "en_ewt-ud-train.conllu")
    dev_sents = read_conllu(args.treebank / "en_ewt-ud-dev.conllu")
    data = [gold(s) for s in train_sents]
    source = list(range(len(data)))  # which EWT sentence each training sentence comes from
    weight = [[1.0] * len(words) for words, _ in data]
    for i, s in enumerate(train_sents):
        view = ruleie_view(s)
        if view is not None and view[0] != data[i][0]:
            data.append(view)
            source.append(i)
            # Only the tokens EWT does not have count: the rest would be the same sentence twice.
            known = set(data[i][0])
            weight.append([0.0 if w in known else 1.0 for w in view[0]])
    n_orig = len(train_sents)
    log(f"{n_orig} train sentences, {len(data) - n_orig} more as ruleie tokenizes them")
    classes, fold = label_map(data[:n_orig])
    label_id = {l: classes.index(fold[l]) for l in fold}
    c = len(classes)
    ambiguous = ambiguous_words(data[:n_orig])
    lexicon, lexicon_without = tag_lexicons(data[:n_orig], LEXICON_FOLDS)
    sees = [lexicon_without[i * LEXICON_FOLDS // n_orig] for i in source]

    if args.clusters and args.clusters.exists():
        learnt = {w: tuple(v) for w, v in json.loads(args.clusters.read_text()).items()}
    else:
        corpus = corpus_sentences(args.corpus)
        learnt = learn_clusters(corpus + [words for words, _ in data[:n_orig]], args.seed)
        if args.clusters:
            args.clusters.write_text(json.dumps(learnt, sort_keys=True))
    log(f"clusters for {len(learnt)} words")
    fz = Featurizer({w: tuple(map(str, v)) for w, v in learnt.items()})  # type: ignore[misc]

    padded, slots = fz.layout([words for words, _ in data], sees)
    fz.choose(padded, slots, MIN_FEATURE)
    x = fz.matrix(padded, slots)
    y = np.array([label_id[l] for _, labels in data for l in labels], np.int64)
    wt = np.array([v for row in weight for v in row], np.float32)
    dev_padded, dev_slots = fz.layout([[w.form for w in s.words] for s in dev_sents], [lexicon] * len(dev_sents))
    xd = fz.matrix(dev_padded, dev_slots)
    yd = np.array([label_id.get(f"{w.upos}\t{w.xpos}", 0) for s in dev_sents for w in s.words], np.int64)
    f = fz.n_params
    log(f"{len(y)} tokens, {f} weight rows, {c} classes, {x.shape[1]} feature slots a token")

    log("pass 1")
    w1 = train(x, y, f, c, args.epochs, args.seed, l2=args.l2, weight=wt, dev=(xd, yd, None))
    # Jackknife: pass-1 scores of each fifth of the data from a model that never saw it.
    sentence_of = np.repeat(np.array(source), [len(words) for words, _ in data])
    part = sentence_of * args.folds // n_orig
    held_out = np.zeros((len(y), c), np.float32)
    for k in range(args.folds):
        log(f"pass 1 without fold {k + 1}/{args.folds}")
        inside = part != k
        wk = train(x[inside], y[inside], f, c, args.epochs, args.seed + 1 + k, l2=args.l2, weight=wt[inside])
        held_out[~inside] = scores(wk, x[~inside])
    dev_base = scores(w1, xd)

    log("pass 2")
    kk, amb_id = c + 1, {w: i for i, w in enumerate(ambiguous, 1)}
    amb_of_type = np.array([0] + [amb_id.get(normalize(key[0]).lower(), 0) for key in fz.types])
    x2 = context_ids(tags_on(padded, slots, held_out.argmax(1), c), amb_of_type[padded], slots, kk, len(ambiguous))
    xd2 = context_ids(tags_on(dev_padded, dev_slots, dev_base.argmax(1), c), amb_of_type[dev_padded], dev_slots, kk, len(ambiguous))
    n2 = 3 * kk * kk + 2 * (len(ambiguous) + 1) * kk
    w2 = train(x2, y, n2, c, args.epochs2, args.seed, base=held_out, weight=wt, dev=(xd2, yd, dev_base))

    # The largest row of any type, role or context bounds the int16 scale of the runtime's rows.
    bound = max(fz.largest_row(w1), float(np.abs(w2).max()), 1.0)
    export(args.out, classes, fz, w1, w2, learnt, ambiguous, lexicon, bound)
    u, xp, speed = evaluate(Tagger(args.out), dev_sents)
    log(f"written {args.out}; dev UPOS {u:.4f} XPOS {xp:.4f} ({speed:,.0f} tokens/s); "
        f"{(time.perf_counter() - began) / 60:.1f} min")


if __name__ == "__main__":
    main()
