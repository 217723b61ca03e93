"""Base noun phrases: determiner, numbers, adjectives, compounds and possessives up to the head noun.

>>> words = "The Iraqi prime minister 's chief adviser met Syrian President Bashar Assad .".split()
>>> upos = "DET ADJ ADJ NOUN PART ADJ NOUN VERB ADJ PROPN PROPN PROPN PUNCT".split()
>>> xpos = "DT JJ JJ NN POS JJ NN VBD JJ NNP NNP NNP .".split()
>>> [" ".join(words[s:e]) for s, e, _ in noun_phrases(words, upos, xpos, [(0, 13)])]
["The Iraqi prime minister 's chief adviser", 'Syrian President Bashar Assad']

A phrase is ``(start, end, head)``: token indices into the document's columns,
``end`` exclusive, ``head`` the index of its head token. What counts as a base
noun phrase (and the treebank it was learnt from) is in ``models/chunker/README.md``:
heads are nouns, proper nouns, pronouns and numbers used as nouns; a phrase takes
their left modifiers and, for names, the rest of the name.

The labeller is a linear IOB classifier (``ruleie.text.linear``) over the XPOS tags
of a five-token window, tag pairs and frequent words, run over the whole document
in a few array operations.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from . import layercore
from .linear import XPOS_TAGS, Engine, LinearModel, Scored

__all__ = ["NounPhrase", "Chunker", "default_chunker", "noun_phrases", "featurize", "phrases_from"]

NounPhrase = tuple[int, int, int]  # (start, end exclusive, head)

MODEL_PATH = Path(__file__).resolve().parent / "models" / "chunker" / "chunker.npz"
LABELS = ("O", "B", "I")
# Tags that can head a phrase; the head is the last of them in the phrase (else its last token).
_NOMINAL = np.asarray([t in {"NN", "NNS", "NNP", "NNPS", "PRP", "CD", "EX", "WP", "DT", "FW", "ADD", "SYM", "$"}
                       for t in XPOS_TAGS])
_NOMINAL_U8 = _NOMINAL.astype(np.uint8)


# Whether (previous label, label) starts a phrase, indexed by previous * 3 + label.
_STARTS = np.asarray([False, True, True,  # after O: B and (repaired) I start
                      False, True, False,  # after B: B starts, I goes on
                      False, True, False])  # after I: the same


def word_shape(word: str) -> str:
    """A coarse word shape: 'Xx', 'x', 'X', 'd', 'Xx-x', '.' and so on (runs collapsed; the
    first 12 characters). A feature of the chunker's and the entity recogniser's models."""
    out = []
    for ch in word[:12]:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def featurize(word: str) -> list[str]:
    """Features of a word type for the chunker (the model keeps those it learnt weights for)."""
    lower = word.lower()
    return ["w=" + lower, "s=" + word_shape(word), "x3=" + lower[-3:]]


def load_model(path: Path = MODEL_PATH) -> LinearModel:
    return LinearModel(path, featurize)


def phrase_arrays(scored: Scored, columns: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts, ends (exclusive) and heads of the phrases, as token indices in text order."""
    compiled = layercore.kernels()
    if compiled is not None and scored.identity:  # the same phrases, in one pass in C
        return compiled.phrase_spans(np.ascontiguousarray(scored.scores, dtype=np.float32),  # type: ignore[no-any-return]
                                     columns.start, np.ascontiguousarray(scored.tags, dtype=np.intp), _NOMINAL_U8)
    # One O more at either end, so that every token's neighbours are plain slices. The
    # engine never puts I first in a sentence, so spans cannot run across sentences.
    framed = np.zeros(len(scored.tags) + 2, dtype=np.int64)
    # The arg-max of the three labels (the first on ties), without a per-row arg-max.
    o, b, i = (scored.scores[:, k] for k in range(columns.start, columns.stop))
    cur = framed[1:-1]
    np.greater(b, o, out=cur, casting="unsafe")  # B beats O: 1, else 0
    cur[i > np.maximum(o, b)] = 2
    prev, nxt = framed[:-2], framed[2:]
    # A phrase starts at B, or at an I after O (the classifier decides each token alone;
    # this repairs the rare ill-formed sequence), and ends where no I follows.
    starts = np.flatnonzero(_STARTS[prev * 3 + cur])
    if not len(starts):
        return starts, starts, starts
    ends = np.flatnonzero((cur != 0) & (nxt != 2))
    # Head: the last nominal token of the phrase, else its last token.
    nominal = np.where(_NOMINAL[scored.tags], np.arange(len(cur)), -1)
    heads = np.maximum.accumulate(nominal)[ends]
    heads = np.where(heads >= starts, heads, ends)
    ends += 1
    if scored.identity:
        return starts, ends, heads
    token = scored.token_index
    order = np.argsort(token[starts], kind="stable")
    return token[starts][order], token[ends - 1][order] + 1, token[heads][order]


def phrases_from(scored: Scored, columns: slice) -> tuple[NounPhrase, ...]:
    """Spans from the chunker's scores (``columns`` of the engine's score matrix)."""
    starts, ends, heads = phrase_arrays(scored, columns)
    return tuple(zip(starts.tolist(), ends.tolist(), heads.tolist()))


class Chunker:
    """Noun phrases from a chunker model; shares the engine (and its caches) when given one."""

    def __init__(self, path: Path = MODEL_PATH, engine: Engine | None = None, slot: int = 0) -> None:
        self.engine = engine if engine is not None else Engine([load_model(path)])
        self.slot = slot

    def __call__(self, words: Sequence[str], upos: Sequence[str], xpos: Sequence[str],
                 sentences: Sequence[tuple[int, int]]) -> tuple[NounPhrase, ...]:
        if not len(words) or not sentences:
            return ()
        return phrases_from(self.engine.run(words, xpos, sentences), self.engine.columns[self.slot])


@lru_cache(maxsize=1)
def default_chunker() -> Chunker:
    from .layer import default_engine

    return Chunker(engine=default_engine(), slot=0)


def noun_phrases(words: Sequence[str], upos: Sequence[str], xpos: Sequence[str],
                 sentences: Sequence[tuple[int, int]]) -> tuple[NounPhrase, ...]:
    """Base noun phrases of a document: ``(start, end, head)`` token indices, in text order."""
    return default_chunker()(words, upos, xpos, sentences)
