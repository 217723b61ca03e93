"""Word clusters for ruleie's tagger, learnt from unlabelled text (used by train_tagger.py).

Each word seen at least twice gets a cluster id at three granularities (32, 256 and
1024 clusters): PPMI of its left and right neighbours (the 3,000 most frequent words
as contexts), a randomized truncated SVD to 100 dimensions, then spherical k-means.
Deterministic for a given seed. Takes about half a minute on the news corpus.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ruleie.text.tagger import _DIGITS, normalize  # noqa: E402
from ruleie.text.tokenizer import segment  # noqa: E402

CLUSTER_SIZES = (32, 256, 1024)


def corpus_sentences(path: Path) -> list[list[str]]:
    """The news corpus, tokenized and sentence-split by ruleie."""
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["text"]
            starts, ends, sents = segment(text)
            words = [text[a:b] for a, b in zip(starts, ends)]
            out.extend(words[s:e] for s, e in sents)
    return out


def cluster_key(word: str) -> str:
    """The form clusters are kept under: the tagger's normalized word, lower case, digits as 0."""
    return normalize(word).lower().translate(_DIGITS)


def learn_clusters(sentences: list[list[str]], seed: int = 0) -> dict[str, tuple[int, ...]]:
    """Word (as cluster_key) → cluster id at each of CLUSTER_SIZES, for words seen at least twice."""
    counts = collections.Counter(cluster_key(w) for s in sentences for w in s)
    vocab = sorted((w for w, n in counts.items() if n >= 2), key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(vocab)}
    n_ctx = 3000  # context words: the most frequent ones, plus one slot for the rest and one for <s>
    other, bound = n_ctx, n_ctx + 1
    rows, cols = [], []
    for s in sentences:
        ids = [index.get(cluster_key(w), -1) for w in s]
        ctx = [i if 0 <= i < n_ctx else other for i in ids]
        left = [bound] + ctx[:-1]
        right = ctx[1:] + [bound]
        for i, l, r in zip(ids, left, right):
            if i >= 0:
                rows += (i, i)
                cols += (l, n_ctx + 2 + r)
    width = 2 * (n_ctx + 2)
    counts_m = np.bincount(np.array(rows) * width + np.array(cols), minlength=len(vocab) * width)
    m = counts_m.reshape(len(vocab), width).astype(np.float64)
    # PPMI with context distribution smoothing (0.75), as in word2vec.
    ctx_p = m.sum(0) ** 0.75
    ctx_p /= ctx_p.sum()
    word_p = m.sum(1, keepdims=True) / m.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((m / m.sum()) / (word_p * ctx_p))
    m = np.where(m > 0, np.maximum(pmi, 0), 0).astype(np.float32)
    rng = np.random.default_rng(seed)
    q = m @ rng.standard_normal((width, 120)).astype(np.float32)
    for _ in range(3):  # randomized SVD with power iterations
        q, _ = np.linalg.qr(q)
        q = m @ (m.T @ q)
    q, _ = np.linalg.qr(q)
    u, sv, _ = np.linalg.svd(q.T @ m, full_matrices=False)
    emb = (q @ u[:, :100]) * np.sqrt(sv[:100])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-8
    freq = np.array([counts[w] for w in vocab], np.float64)
    ids = [kmeans(emb, k, freq, seed + k) for k in CLUSTER_SIZES]
    return {w: tuple(int(c[i]) for c in ids) for i, w in enumerate(vocab)}


def kmeans(x: np.ndarray, k: int, weight: np.ndarray, seed: int, iterations: int = 25) -> np.ndarray:
    """Spherical k-means (cosine), frequency-weighted centroids, deterministic start."""
    rng = np.random.default_rng(seed)
    centers = x[rng.choice(len(x), k, replace=False, p=weight / weight.sum())]
    for _ in range(iterations):
        assign = np.concatenate([(x[i : i + 4096] @ centers.T).argmax(1) for i in range(0, len(x), 4096)])
        w = np.sqrt(weight)[:, None] * x
        sums = np.zeros_like(centers)
        np.add.at(sums, assign, w)
        empty = np.linalg.norm(sums, axis=1) == 0
        sums[empty] = centers[empty]
        centers = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    return assign
