"""Linear token classifiers scored with a handful of numpy gathers: the engine of the chunker and the entity model.

Cost matters more than anything here: the annotator calls these once per document,
so the work per document must be a small, fixed number of array operations, and
the work per token a few table look-ups done in C. Hence:

* A document is laid out sentence by sentence with two padding slots (id 0)
  before, between and after sentences, so "the word two to the left" is a slice
  of one array and never reads across a sentence.
* A word *type*'s scores for every label at every window offset are precomputed
  as one row (the sum of its features' weights: lower-case form, shape, suffix,
  gazetteer flags ...). Rows for a large vocabulary ship with the model; a type
  never seen before is featurised once, in Python, and its row kept.
* Tags (XPOS) have rows of their own per offset, and tag pairs a table; all the
  tables of all the models are one matrix, so a document is scored by a single
  ``take`` and a sum.
* Decoding is the callers' business: the chunker takes the arg-max per token,
  the entity model runs ``viterbi_segments`` over the few short runs of tokens
  where a name is possible (a Viterbi over whole sentences would loop over
  positions, and cost more than the model).

Several models (chunker, entities) share one type index and one layout, so a
document's words are looked up once for both; ``Engine.run`` keeps the last
document's scores, so the second caller on the same document pays nothing.
``Engine.run_padded`` takes the ids already laid out (from the tagger's arrays, see
``layer.prime``) and ``Engine.keep`` stores scores computed elsewhere (a document's
share of a batch).
Training is in scripts/linear_train.py.
"""

from __future__ import annotations

import threading
from itertools import accumulate
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import layercore
from .stored import model_arrays, stored_strings

__all__ = ["XPOS_TAGS", "PAD_WORD", "LinearModel", "Scored", "Engine", "pad", "ranges", "viterbi_segments"]

PAD_WORD = "\x00"  # type id 0: the padding slots (no token is a NUL character)

# The Penn Treebank tags of the English Web Treebank; every model uses this vocabulary.
XPOS_TAGS = ("<S>", "<UNK>") + tuple(
    "NN IN DT NNP PRP JJ RB . VB NNS , CC VBD VBP VBZ CD VBN VBG MD TO PRP$ -RRB- -LRB- WDT : WRB `` '' "
    "WP RP UH POS HYPH NNPS JJR JJS EX NFP RBR ADD GW $ SYM PDT LS FW RBS AFX WP$".split())


class _TagIds(dict):
    """tag -> id; an unknown tag is id 1 (so a C-level ``map`` can look tags up)."""

    def __missing__(self, tag: str) -> int:
        return 1


_TAG_ID = _TagIds((t, i) for i, t in enumerate(XPOS_TAGS))
N_TAGS = len(XPOS_TAGS)
PAD = 2  # padding slots around each sentence: windows reach two tokens either side
_CACHE_LIMIT = 1_500_000  # word types kept before the cache of new types starts over


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated aranges [s, s + l) without a Python loop (all lengths > 0)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    steps = np.ones(total, dtype=np.int64)
    steps[0] = starts[0]
    heads = np.cumsum(lengths)[:-1]
    steps[heads] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps)


def pad(ids: list[int], sentences: Sequence[tuple[int, int]]) -> list[int]:
    """ids laid out sentence by sentence with PAD zeros around each sentence."""
    out = [0] * PAD
    for s, e in sentences:
        out += ids[s:e]
        out += (0,) * PAD
    return out


WORD_OFFSETS = (-1, 0, 1)
TAG_OFFSETS = (-2, -1, 0, 1, 2)
PAIR_OFFSETS = ((-1, 0), (0, 1))


def viterbi_segments(scores: np.ndarray, lengths: list[int], transitions: np.ndarray,
                     start: np.ndarray, end: np.ndarray) -> list[list[int]]:
    """Best label sequence of each segment; ``scores`` holds the segments' rows one after another.

    All segments are decoded together: the loop runs over positions within a
    segment (the longest segment's length), each step a few array operations.
    """
    if not lengths:
        return []
    lengths = list(lengths)
    n = len(lengths)
    longest = max(lengths)
    if longest == 1:  # one token each: nothing to follow
        return [[label] for label in ((scores[:n] + start) + end).argmax(axis=1).tolist()]
    # Longest first (ties in input order): the live segments are a prefix. A few segments a
    # call is the usual case, so the bookkeeping is plain Python.
    order = sorted(range(n), key=lengths.__getitem__, reverse=True)
    offsets = list(accumulate(lengths, initial=0))
    firsts = np.asarray([offsets[i] for i in order], dtype=np.int64)
    # live_at[j]: how many segments are longer than j
    by_size = [lengths[i] for i in order]
    live_at = []
    live = n
    for j in range(longest):
        while live and by_size[live - 1] <= j:
            live -= 1
        live_at.append(live)
    delta = scores[firsts] + start
    final = delta.copy()
    back = []
    for j in range(1, longest):
        live = live_at[j]
        if live < live_at[j - 1]:
            final[live:live_at[j - 1]] = delta[live:live_at[j - 1]]
        cand = delta[:live, :, None] + transitions
        back.append(cand.argmax(axis=1))
        delta = cand.max(axis=1) + scores[firsts[:live] + j]
    final[:live_at[-1]] = delta
    # Back from each segment's last position: at step j the segments longer than j (a prefix)
    # hold their label at position j and follow their pointers to position j - 1.
    current = (final + end).argmax(axis=1)
    labels = np.empty((n, longest), dtype=np.int64)
    rows = np.arange(n)
    for j in range(longest - 1, 0, -1):
        live = live_at[j]
        labels[:live, j] = current[:live]
        current[:live] = back[j - 1][rows[:live], current[:live]]
    labels[:, 0] = current
    table = labels.tolist()
    out: list[list[int]] = [[] for _ in lengths]
    for i, segment in enumerate(order):
        out[segment] = table[i][:by_size[i]]
    return out


class LinearModel:
    """One saved model: label names and score tables (see scripts/linear_train.py).

    Every model uses the window above: word types at WORD_OFFSETS, tags at
    TAG_OFFSETS, tag pairs at PAIR_OFFSETS (so that models can share one gather).
    """

    def __init__(self, path: Path, featurize: Callable[[str], list[str]]) -> None:
        data = model_arrays(path)
        self.labels: tuple[str, ...] = tuple(str(x) for x in data["labels"])
        if (tuple(data["word_offsets"]) != WORD_OFFSETS or tuple(data["tag_offsets"]) != TAG_OFFSETS
                or tuple(map(tuple, data["pair_offsets"].reshape(-1, 2))) != PAIR_OFFSETS):
            raise ValueError(f"{path}: a model for another window")
        self.tag_rows = data["tag_rows"].astype(np.float32)  # (N_TAGS, tag offsets * labels)
        self.pair_tables = [data[f"pairs{i}"].astype(np.float32) for i in range(len(PAIR_OFFSETS))]
        self.type_words = stored_strings(data["type_words"])
        self.type_rows = data["type_rows"].astype(np.float32)  # (types, word offsets * labels)
        names = stored_strings(data["feature_names"])
        self.feature_weights = data["feature_weights"].astype(np.float32)
        self.features = {f: i for i, f in enumerate(names)}
        self.featurize = featurize

    def rows_for(self, words: Sequence[str]) -> np.ndarray:
        """Rows of word types by their features (for types outside the shipped vocabulary)."""
        get = self.features.get
        owner: list[int] = []
        fids: list[int] = []
        for k, word in enumerate(words):
            found = [f for f in map(get, self.featurize(word)) if f is not None]
            fids += found
            owner += [k] * len(found)
        rows = np.zeros((len(words), self.type_rows.shape[1]), dtype=np.float32)
        if fids:
            np.add.at(rows, np.asarray(owner), self.feature_weights[np.asarray(fids)])
        return rows


class Scored:
    """A document's scores, one row per token in sentence order (padding slots removed).

    ``scores[:, columns(model)]`` are a model's label scores, ``types`` and ``tags``
    the tokens' type and tag ids, ``first`` flags sentence-initial tokens; ``token_index`` maps rows to token indices (the
    identity when the sentences cover the document in order, the usual case).
    """

    def __init__(self, scores: np.ndarray, types: np.ndarray, tags: np.ndarray, n: int,
                 sentences: Sequence[tuple[int, int]]) -> None:
        self.scores, self.types, self.tags = scores, types, tags
        self.n, self.sentences = n, sentences
        self.first = np.zeros(0, dtype=bool)
        compiled = layercore.kernels()
        covered = compiled.covered_tokens(sentences) if compiled is not None else sum(e - s for s, e in sentences)
        self.identity = bool(sentences) and sentences[0][0] == 0 and sentences[-1][1] == n and covered == n
        self._token_index: np.ndarray | None = None

    @property
    def token_index(self) -> np.ndarray:
        if self._token_index is None:
            if self.identity:
                self._token_index = np.arange(len(self.types))
            else:
                spans = np.asarray([(s, e) for s, e in self.sentences if e > s], dtype=np.int64).reshape(-1, 2)
                self._token_index = ranges(spans[:, 0], spans[:, 1] - spans[:, 0])
        return self._token_index


class _Types(dict):
    """word -> type id; a word never seen gets the next id and waits in ``new`` for its row."""

    def __init__(self, words: Sequence[str]) -> None:
        super().__init__(zip(words, range(len(words))))
        self.new: list[str] = []

    def __missing__(self, word: str) -> int:
        tid = len(self)
        self[word] = tid
        self.new.append(word)
        return tid


class Engine:
    """Models that read the same document share its layout, one type index and one gather.

    All the models' tables live in one matrix whose columns are the models' labels
    side by side: rows for tags at each offset, for tag pairs, then one row per
    (word type, offset). A document's scores are the sum of the rows its windows pick.
    """

    def __init__(self, models: Sequence[LinearModel]) -> None:
        self.models = list(models)
        widths = [len(m.labels) for m in self.models]
        self.columns = [slice(a, a + w) for a, w in zip(np.cumsum([0] + widths[:-1]).tolist(), widths)]
        self._lock = threading.Lock()
        self._last: tuple[object, ...] | None = None
        self._last_result: Scored | None = None
        n_w = len(WORD_OFFSETS)
        k = sum(widths)

        # Fewer look-ups per token: the tags at -1, 0 and +1 are folded into the pair tables
        # (pair (-1, 0) carries tag -1 and tag 0, pair (0, 1) carries tag +1); -2 and +2 stay.
        def tag_block(offset: int) -> np.ndarray:
            j = TAG_OFFSETS.index(offset)
            return np.hstack([m.tag_rows[:, j * len(m.labels):(j + 1) * len(m.labels)] for m in self.models])

        left_pair = np.hstack([m.pair_tables[0] for m in self.models]).reshape(N_TAGS, N_TAGS, k)
        left_pair += tag_block(-1)[:, None, :] + tag_block(0)[None, :, :]
        right_pair = np.hstack([m.pair_tables[1] for m in self.models]).reshape(N_TAGS, N_TAGS, k)
        right_pair += tag_block(1)[None, :, :]
        # Hard constraints, so that the decoders can work on the tokens alone: a padding slot
        # (tag id 0) is always label 0 ("O" in every model) and a sentence never starts
        # inside a span (labels named "I" or "I-..." are barred after padding).
        for a, m in zip(np.cumsum([0] + widths[:-1]).tolist(), self.models):
            left_pair[:, 0, a] += 1e4
            for j, label in enumerate(m.labels):
                if label == "I" or label.startswith("I-"):
                    left_pair[0, :, a + j] -= 1e4
        self._fixed = np.vstack([tag_block(-2), tag_block(2), left_pair.reshape(-1, k), right_pair.reshape(-1, k)])
        self.base = len(self._fixed)  # row of (type 0, first word offset)
        self._tag_base = np.asarray([[0], [N_TAGS]])
        self._pair_base = np.asarray([[2 * N_TAGS], [2 * N_TAGS + N_TAGS * N_TAGS]])
        self._word_step = (np.arange(n_w) + self.base)[:, None]
        # Added to the rows of indices in ``run_padded``: words at -1, 0, +1, tags at -2, +2, pairs.
        self._offsets = np.concatenate([self._word_step, self._tag_base, self._pair_base])
        words = list(dict.fromkeys([PAD_WORD] + [w for m in self.models for w in m.type_words]))
        self.shipped = len(words)
        self._start(words)

    def _start(self, words: list[str]) -> None:
        """Type index and table for ``words``: their rows come from each model's vocabulary or features."""
        per_model = []
        for m in self.models:
            rows = np.zeros((len(words), m.type_rows.shape[1]), dtype=np.float32)
            k = len(words) - len(m.type_words)
            if k >= 0 and words[k:] == m.type_words:
                # The shipped case (the models share one vocabulary, after the padding word):
                # the model's rows as they are, a tenth of the start-up's time less.
                rows[k:] = m.type_rows
                if k:
                    rows[:k] = m.rows_for(words[:k])
                per_model.append(rows)
                continue
            own = {w: i for i, w in enumerate(m.type_words)}
            have = [i for i, w in enumerate(words) if w in own]
            rows[have] = m.type_rows[[own[words[i]] for i in have]]
            missing = [i for i, w in enumerate(words) if w not in own]
            if missing:
                rows[missing] = m.rows_for([words[i] for i in missing])
            per_model.append(rows)
        self.generation = getattr(self, "generation", -1) + 1  # type ids of older generations are void
        self.index = _Types(words)
        self.words = list(words)
        self.table = np.vstack([self._fixed, self._word_rows(per_model)])
        self.size = len(words)

    def _word_rows(self, per_model: list[np.ndarray]) -> np.ndarray:
        """(types * word offsets, labels): row type * n + j holds every model's block j."""
        n_w = len(WORD_OFFSETS)
        blocks = []
        for rows, m in zip(per_model, self.models):
            k = len(m.labels)
            blocks.append(rows.reshape(len(rows), n_w, k))
        return np.concatenate(blocks, axis=2).reshape(-1, sum(len(m.labels) for m in self.models))

    def _grow(self) -> bool:
        """Rows for the types just added to the index; True if the index had to start over
        (then the words must be looked up again, and ``_add_new`` called once more)."""
        if len(self.index) > _CACHE_LIMIT:  # a stream of odd tokens: forget the types added since loading
            self._start(self.words[: self.shipped])
            return True
        self._add_new()
        return False

    def _add_new(self) -> None:
        new = list(self.index.new)
        self.index.new.clear()
        if not new:
            return
        rows = self._word_rows([m.rows_for(new) for m in self.models])
        used = self.base + self.size * len(WORD_OFFSETS)
        if used + len(rows) > len(self.table):  # grow by doubling: copies stay rare
            grown = np.zeros((max(2 * len(self.table), used + len(rows)), self.table.shape[1]), dtype=np.float32)
            grown[:used] = self.table[:used]
            self.table = grown
        self.table[used:used + len(rows)] = rows
        self.words.extend(new)
        self.size += len(new)

    def type_ids(self, words: Sequence[str]) -> tuple[list[int], int]:
        """Type ids of ``words`` (new types get rows) and the generation they belong to."""
        with self._lock:
            ids = list(map(self.index.__getitem__, words))
            if self.index.new and self._grow():
                ids = list(map(self.index.__getitem__, words))
                self._add_new()  # this document's types, even past the limit
            return ids, self.generation

    def cached(self, words: Sequence[str], xpos: Sequence[str], sentences: Sequence[tuple[int, int]]) -> bool:
        """Whether ``run`` on these very objects would return the kept result."""
        last = self._last
        return last is not None and last[0] is words and last[1] is xpos and last[2] is sentences

    def keep(self, words: Sequence[str], xpos: Sequence[str], sentences: Sequence[tuple[int, int]],
             scored: Scored) -> None:
        """Have ``run`` on these very objects return ``scored`` (computed elsewhere, e.g. a
        document's share of a batch's scores)."""
        with self._lock:
            self._last, self._last_result = (words, xpos, sentences), scored

    def run(self, words: Sequence[str], xpos: Sequence[str], sentences: Sequence[tuple[int, int]]) -> Scored:
        """All models' scores for a document (kept for the next caller on the same document)."""
        with self._lock:
            if self.cached(words, xpos, sentences):
                assert self._last_result is not None
                return self._last_result
        ids, generation = self.type_ids(words)
        w = np.array(pad(ids, sentences), dtype=np.int64)
        t = np.array(pad(list(map(_TAG_ID.__getitem__, xpos)), sentences), dtype=np.int64)
        result = self.run_padded(words, xpos, sentences, w, t, generation)
        assert result is not None  # the generation changes only when the index starts over
        return result

    def run_padded(self, words: Sequence[str], xpos: Sequence[str], sentences: Sequence[tuple[int, int]],
                   w: np.ndarray, t: np.ndarray, generation: int) -> Scored | None:
        """``run`` with the type ids ``w`` and tag ids ``t`` already laid out (``pad``), ids of
        ``generation``: None if the type index has started over since."""
        with self._lock:
            if generation != self.generation:
                return None
            table = self.table
        compiled = layercore.kernels()
        if compiled is not None:  # the same sums, without the gathered temporary; the same columns
            scores, types, tags, first = compiled.engine_scores(table, w, t, self.base, N_TAGS)
        else:
            m = len(w)
            real = t[PAD:m - PAD] != 0
            types, tags, before = w[PAD:m - PAD], t[PAD:m - PAD], t[PAD - 1:m - PAD - 1]
            if len(sentences) != 1 or not real.all():  # padding inside: drop its slots
                types, tags, before = types[real], tags[real], before[real]
            scores = self._scores(table, w, t, real)
            first = before == 0  # tokens that begin a sentence
        result = Scored(scores, types, tags, len(words), sentences)
        result.first = first
        with self._lock:
            self._last, self._last_result = (words, xpos, sentences), result
        return result

    def _scores(self, table: np.ndarray, w: np.ndarray, t: np.ndarray, real: np.ndarray) -> np.ndarray:
        """The scores of the real slots (``real``) of padded type ids ``w`` and tag ids ``t``:
        the sum of each one's rows (the numpy reference of ``_layercore.engine_scores``)."""
        m = len(w)
        w3 = w * len(WORD_OFFSETS)
        pairs = t[:-1] * N_TAGS + t[1:]  # pairs[i] is the pair (i, i + 1)
        idx = np.concatenate([w3[PAD - 1:m - PAD - 1], w3[PAD:m - PAD], w3[PAD + 1:m - PAD + 1], t[:m - 2 * PAD],
                              t[2 * PAD:], pairs[PAD - 1:m - PAD - 1], pairs[PAD:m - PAD]]).reshape(7, -1)
        idx += self._offsets
        if not real.all():
            idx = idx[:, real]
        return np.add.reduce(table.take(idx, axis=0), axis=0)
