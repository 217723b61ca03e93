"""Averaged perceptron for ruleie.text.linear models (training only; numpy).

The model is the one ruleie.text.linear runs: per token, the sum of the rows of
the word types at ``word_offsets`` (each type's row the sum of its features'
weights), of the XPOS tags at ``tag_offsets`` and of tag pairs. Training works on
feature ids (CSR per type); ``export`` folds them into per-type rows for a
vocabulary and writes the .npz that ruleie.text.linear.LinearModel loads.

Local (per-token) multiclass perceptron, updated per mini-batch of tokens,
weights averaged. Deterministic: the token order comes from a seeded generator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ruleie.text.linear import N_TAGS, PAD_WORD, XPOS_TAGS, pad, ranges
from ruleie.text.stored import strings_blob

UNK_WORD = "\x01"  # type id 1: reserved, as in the runtime
_TAG_ID = {t: i for i, t in enumerate(XPOS_TAGS)}


class FeatureSpace:
    """Word types and their feature ids (CSR), grown as types are seen."""

    def __init__(self, featurize: Callable[[str], list[str]]) -> None:
        self.featurize = featurize
        self.types: dict[str, int] = {}
        self.features: dict[str, int] = {}
        self._indptr = [0]
        self._indices: list[int] = []
        self._add(PAD_WORD, ["<pad>"])
        self._add(UNK_WORD, ["<unk>"])

    def _add(self, word: str, feats: list[str]) -> int:
        tid = len(self.types)
        self.types[word] = tid
        for f in dict.fromkeys(feats):
            self._indices.append(self.features.setdefault(f, len(self.features)))
        self._indptr.append(len(self._indices))
        return tid

    def ids(self, words: Sequence[str]) -> list[int]:
        out = []
        for w in words:
            tid = self.types.get(w)
            out.append(tid if tid is not None else self._add(w, self.featurize(w) or ["<none>"]))
        return out

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self._indptr, dtype=np.int64), np.asarray(self._indices, dtype=np.int64)


class Data:
    """A corpus in the runtime's padded layout: type and tag ids, real positions, gold labels."""

    def __init__(self, space: FeatureSpace, words: Sequence[str], xpos: Sequence[str],
                 sentences: Sequence[tuple[int, int]], gold: np.ndarray) -> None:
        self.w = np.asarray(pad(space.ids(words), sentences), dtype=np.int64)
        self.t = np.asarray(pad([_TAG_ID.get(x, 1) for x in xpos], sentences), dtype=np.int64)
        self.positions = np.flatnonzero(self.t != 0)  # padded positions of the tokens, sentence order
        order = np.concatenate([np.arange(s, e) for s, e in sentences]) if sentences else np.zeros(0, int)
        self.gold = np.asarray(gold)[order]
        self.lengths = np.asarray([e - s for s, e in sentences if e > s], dtype=np.int64)


class Perceptron:
    def __init__(self, labels: Sequence[str], word_offsets: Sequence[int], tag_offsets: Sequence[int],
                 pair_offsets: Sequence[tuple[int, int]], n_features: int) -> None:
        k = len(labels)
        self.labels = list(labels)
        self.word_offsets, self.tag_offsets = list(word_offsets), list(tag_offsets)
        self.pair_offsets = list(pair_offsets)
        self.w = [np.zeros((n_features, len(word_offsets), k)), np.zeros((N_TAGS, len(tag_offsets), k))] + \
            [np.zeros((N_TAGS * N_TAGS, k)) for _ in pair_offsets]
        self.acc = [np.zeros_like(x) for x in self.w]  # Daume's averaging trick: sums of c * update
        self.c = 1

    def _active(self, data: Data, pos: np.ndarray, csr: tuple[np.ndarray, np.ndarray]):
        """Per table, the (token, row index[, offset]) triples active at these positions."""
        indptr, indices = csr
        out = []
        tok_w, feat_w, off_w = [], [], []
        for j, o in enumerate(self.word_offsets):
            tids = data.w[pos + o]
            lengths = indptr[tids + 1] - indptr[tids]
            tok_w.append(np.repeat(np.arange(len(pos)), lengths))
            feat_w.append(indices[ranges(indptr[tids], lengths)])
            off_w.append(np.full(int(lengths.sum()), j))
        out.append((np.concatenate(tok_w), np.concatenate(feat_w), np.concatenate(off_w)))
        tok_t = np.tile(np.arange(len(pos)), len(self.tag_offsets))
        tag_t = np.concatenate([data.t[pos + o] for o in self.tag_offsets])
        off_t = np.repeat(np.arange(len(self.tag_offsets)), len(pos))
        out.append((tok_t, tag_t, off_t))
        for a, b in self.pair_offsets:
            out.append((np.arange(len(pos)), data.t[pos + a] * N_TAGS + data.t[pos + b], None))
        return out

    def _scores(self, active, n: int, weights) -> np.ndarray:
        total = np.zeros((n, len(self.labels)))
        for (tok, row, off), table in zip(active, weights):
            vals = table[row, off] if off is not None else table[row]
            np.add.at(total, tok, vals)
        return total

    def fit(self, data: Data, epochs: int, csr: tuple[np.ndarray, np.ndarray], seed: int = 0,
            batch: int = 32, log: Callable[[str], None] = print) -> None:
        rng = np.random.default_rng(seed)
        n = len(data.positions)
        for epoch in range(epochs):
            order = rng.permutation(n)
            errors = 0
            for b in range(0, n, batch):
                pick = order[b:b + batch]
                pos = data.positions[pick]
                active = self._active(data, pos, csr)
                pred = self._scores(active, len(pos), self.w).argmax(axis=1)
                gold = data.gold[pick]
                wrong = pred != gold
                if wrong.any():
                    errors += int(wrong.sum())
                    self._update(active, gold, pred, wrong)
                self.c += 1
            log(f"  epoch {epoch + 1}: {errors} token errors")

    def _update(self, active, gold: np.ndarray, pred: np.ndarray, wrong: np.ndarray) -> None:
        for (tok, row, off), table, acc in zip(active, self.w, self.acc):
            keep = wrong[tok]
            t, r = tok[keep], row[keep]
            for labels, sign in ((gold, 1.0), (pred, -1.0)):
                if off is not None:
                    idx = (r, off[keep], labels[t])
                else:
                    idx = (r, labels[t])
                np.add.at(table, idx, sign)
                np.add.at(acc, idx, sign * self.c)

    def averaged(self) -> list[np.ndarray]:
        return [w - a / self.c for w, a in zip(self.w, self.acc)]

    def export(self, path: Path, space: FeatureSpace, vocabulary: Sequence[str], min_weight: float = 1e-3,
               extra: dict[str, np.ndarray] | None = None) -> None:
        weights = self.averaged()
        feat, tag = weights[0], weights[1]
        k = len(self.labels)
        keep = np.abs(feat).max(axis=(1, 2)) >= min_weight
        names = sorted(space.features, key=space.features.__getitem__)
        words = [PAD_WORD, UNK_WORD] + [w for w in dict.fromkeys(vocabulary) if w not in (PAD_WORD, UNK_WORD)]
        tids = np.asarray(space.ids(words))
        indptr, indices = space.csr()
        lengths = indptr[tids + 1] - indptr[tids]
        flat = indices[ranges(indptr[tids], lengths)]
        rows = np.add.reduceat(feat[flat], np.cumsum(lengths) - lengths, axis=0)
        arrays = {
            "labels": np.asarray(self.labels),
            "word_offsets": np.asarray(self.word_offsets),
            "tag_offsets": np.asarray(self.tag_offsets),
            "pair_offsets": np.asarray(self.pair_offsets, dtype=np.int64).reshape(-1, 2),
            "tag_rows": tag.reshape(N_TAGS, -1).astype(np.float16),
            "type_words": strings_blob(words),
            "type_rows": rows.reshape(len(words), -1).astype(np.float16),
            "feature_names": strings_blob([n for n, kp in zip(names, keep) if kp] or ["<none>"]),
            "feature_weights": (feat[keep] if keep.any() else feat[:1] * 0).reshape(-1, len(self.word_offsets) * k)
            .astype(np.float16),
        }
        for i, table in enumerate(weights[2:]):
            arrays[f"pairs{i}"] = table.astype(np.float16)
        arrays.update(extra or {})
        np.savez_compressed(path, **arrays)



def viterbi(scores: np.ndarray, lengths: np.ndarray, transitions: np.ndarray, start: np.ndarray,
            end: np.ndarray) -> np.ndarray:
    """Best label sequence of each segment (consecutive rows of ``scores``, ``lengths`` long)."""
    n, k = scores.shape
    offsets = np.cumsum(lengths) - lengths
    order = np.argsort(-lengths, kind="stable")  # longest first: live segments are a prefix
    offsets, lengths = offsets[order], lengths[order]
    back = np.zeros((n, k), dtype=np.int64)
    delta = scores[offsets] + start
    final = np.zeros((len(offsets), k))
    live = len(offsets)
    for j in range(1, int(lengths[0]) if len(lengths) else 0):
        still = int((lengths > j).sum())
        final[still:live] = delta[still:live]
        live = still
        cand = delta[:live, :, None] + transitions[None]
        arg = cand.argmax(axis=1)
        back[offsets[:live] + j] = arg
        delta = np.take_along_axis(cand, arg[:, None, :], axis=1)[:, 0] + scores[offsets[:live] + j]
    final[:live] = delta[:live]
    current = (final + end).argmax(axis=1)
    best = np.zeros(n, dtype=np.int64)
    for j in range(int(lengths[0]) - 1 if len(lengths) else -1, -1, -1):
        alive = int((lengths > j).sum())
        best[offsets[:alive] + j] = current[:alive]
        if j:
            current[:alive] = back[offsets[:alive] + j, current[:alive]]
    return best


class StructuredPerceptron(Perceptron):
    """The same tables plus label transitions, trained on whole sentences decoded with Viterbi."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        k = len(self.labels)
        self.trans, self.start, self.end = np.zeros((k, k)), np.zeros(k), np.zeros(k)
        self.acc_trans, self.acc_start, self.acc_end = np.zeros((k, k)), np.zeros(k), np.zeros(k)

    def fit(self, data: Data, epochs: int, csr: tuple[np.ndarray, np.ndarray], seed: int = 0,
            batch: int = 8, log: Callable[[str], None] = print) -> None:
        rng = np.random.default_rng(seed)
        lengths = data.lengths
        firsts = np.cumsum(lengths) - lengths
        for epoch in range(epochs):
            errors = 0
            order = rng.permutation(len(lengths))
            for b in range(0, len(order), batch):
                pick = order[b:b + batch]
                rows = ranges(firsts[pick], lengths[pick])
                pos = data.positions[rows]
                active = self._active(data, pos, csr)
                scores = self._scores(active, len(pos), self.w)
                pred = viterbi(scores, lengths[pick], self.trans, self.start, self.end)
                gold = data.gold[rows]
                wrong = pred != gold
                if wrong.any():
                    errors += int(wrong.sum())
                    self._update(active, gold, pred, wrong)
                    self._update_transitions(gold, pred, lengths[pick])
                self.c += 1
            log(f"  epoch {epoch + 1}: {errors} token errors")

    def _update_transitions(self, gold: np.ndarray, pred: np.ndarray, lengths: np.ndarray) -> None:
        first = np.cumsum(lengths) - lengths
        last = np.cumsum(lengths) - 1
        inner = np.ones(len(gold), dtype=bool)
        inner[first] = False
        for seq, sign in ((gold, 1.0), (pred, -1.0)):
            for table, acc, idx in ((self.trans, self.acc_trans, (seq[:-1][inner[1:]], seq[1:][inner[1:]])),
                                    (self.start, self.acc_start, (seq[first],)),
                                    (self.end, self.acc_end, (seq[last],))):
                np.add.at(table, idx, sign)
                np.add.at(acc, idx, sign * self.c)

    def transitions(self) -> dict[str, np.ndarray]:
        return {"transitions": (self.trans - self.acc_trans / self.c).astype(np.float32),
                "start": (self.start - self.acc_start / self.c).astype(np.float32),
                "end": (self.end - self.acc_end / self.c).astype(np.float32)}
