"""The shared engine of the chunker and the entity recogniser, its bridge from the tagger, and batches.

``noun_phrases`` and ``entities`` are separate calls, but both models read the same
words and tags: the engine scores a document for both at once and keeps the
result, so the second call on the same document costs only its decoding.

``prime`` feeds the engine from the tagger's arrays (``Tagger.tag_ids``): the
tagger's type ids map to the engine's through one array (grown as types appear),
its classes to the engine's tag ids through another, so the words are looked up
once per document, by the tagger, and never as strings again.

Each call costs a fixed few dozen array operations besides its per-token work,
which for short documents (news briefs of ~100 tokens) is most of the time.
``analyse_many`` runs many documents as one and splits the results, and
``layer_many`` does the same for the whole layer (tags too); ``linguistic.batched``
gives Documents that share such a batch (``document.annotate_many``).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

import numpy as np

from . import layercore
from .linear import _TAG_ID, Engine, Scored
from .tagger import Tagged, Tagger, default_tagger

__all__ = ["default_engine", "analyse_many", "layer_many", "prime", "Bridge", "default_bridge"]

Doc = tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[tuple[int, int]]]
Phrases = tuple[tuple[int, int, int], ...]
Entities = tuple[tuple[int, int, str], ...]
# Whether a batch's entities come from one recogniser call over the glued documents
# (``documents=``: every feature and every document-wide rule stops at a document's edge,
# so each gets what it gets alone; tests/test_layer_batch.py holds it to that), or one call
# per document on its share of the scores (slower: the fixed cost of a call per document).
GLUED_ENTITIES = True


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    from . import chunker, entities

    return Engine([chunker.load_model(), entities.load_model()])


class Bridge:
    """Tagger type ids → engine type ids, tagger classes → engine tag ids (thread-safe)."""

    def __init__(self, tagger: Tagger, engine: Engine) -> None:
        self.tagger, self.engine = tagger, engine
        # Class c (the tagger's boundary) is the engine's padding tag 0.
        self.tag_ids = np.asarray([_TAG_ID[x] for x in tagger.xpos] + [0], np.int64)
        self._lock = threading.Lock()
        self._map = np.zeros(1, np.int64)  # tagger type 0 (padding) → engine type 0 (padding)
        self._generations = (tagger.generation, engine.generation)

    def engine_ids(self, tagged: Tagged) -> tuple[np.ndarray, int] | None:
        """Engine type ids of ``tagged.padded`` and their engine generation; None if the
        tagger's cache started over since ``tagged`` was made."""
        tagger, engine = self.tagger, self.engine
        with self._lock:
            with tagger._lock:
                if tagged.generation != tagger.generation:
                    return None
                mapping = self._map
                if self._generations != (tagger.generation, engine.generation):
                    mapping = mapping[:1]  # either side started over: map every type again
                new = tagger.words[len(mapping):]
            if new:
                expected = self._generations[1] if len(mapping) > 1 else None
                ids, generation = engine.type_ids(new)
                if expected is not None and generation != expected:  # the engine started over meanwhile
                    mapping = mapping[:1]
                    with tagger._lock:
                        if tagged.generation != tagger.generation:
                            return None
                        new = tagger.words[1:]
                    ids, generation = engine.type_ids(new)
                grown = np.empty(len(mapping) + len(ids), np.int64)
                grown[: len(mapping)] = mapping
                grown[len(mapping):] = ids
                self._map, self._generations = grown, (tagged.generation, generation)
                mapping = grown
            return mapping.take(tagged.padded), self._generations[1]


@lru_cache(maxsize=1)
def default_bridge() -> Bridge:
    return Bridge(default_tagger(), default_engine())


def prime(words: Sequence[str], xpos: Sequence[str], sentences: Sequence[tuple[int, int]],
          tagged: Tagged | None) -> None:
    """Have the shared engine hold the scores of this document (these very objects), computed
    from the tagger's arrays when they are given and still valid, else from the words.

    Then ``noun_phrases`` and ``entities`` on the same objects cost only their decoding.
    """
    engine = default_engine()
    if engine.cached(words, xpos, sentences):
        return
    if tagged is not None and len(words):
        bridge = default_bridge()
        found = bridge.engine_ids(tagged)
        if found is not None:
            w, generation = found
            if engine.run_padded(words, xpos, sentences, w, bridge.tag_ids.take(tagged.classes),
                                 generation) is not None:
                return
    engine.run(words, xpos, sentences)


def analyse_many(documents: Iterable[Doc], batch_tokens: int = 20_000) -> Iterator[tuple[Phrases, Entities]]:
    """(noun phrases, entities) of each document (words, upos, xpos, sentences), in order.

    Results equal those of ``noun_phrases`` and ``entities`` called per document: the
    scores never read across a sentence, so gluing documents together changes nothing, and
    the recogniser sees each document alone (see ``GLUED_ENTITIES``).
    """
    batch: list[Doc] = []
    size = 0
    for doc in documents:
        batch.append(doc)
        size += len(doc[0])
        if size >= batch_tokens:
            yield from _run(batch)
            batch, size = [], 0
    if batch:
        yield from _run(batch)


def _run(batch: list[Doc]) -> Iterator[tuple[Phrases, Entities]]:
    words: list[str] = []
    upos: list[str] = []
    xpos: list[str] = []
    sentences: list[tuple[int, int]] = []
    offsets: list[int] = []
    for w, u, x, s in batch:
        offset = len(words)
        offsets.append(offset)
        words += w
        upos += u
        xpos += x
        sentences += [(a + offset, b + offset) for a, b in s if b > a]
    glued = Glued(tuple(words), tuple(upos), tuple(xpos), sentences, offsets, None, [s for _, _, _, s in batch])
    return zip(glued.phrases(), glued.entities())


class Glued:
    """Documents laid end to end as one (``offsets``: where each begins), the layer run once
    over them, the results split back per document."""

    def __init__(self, words: tuple[str, ...], upos: tuple[str, ...], xpos: tuple[str, ...],
                 sentences: list[tuple[int, int]], offsets: list[int], tagged: Tagged | None,
                 doc_sentences: list[Sequence[tuple[int, int]]]) -> None:
        self.words, self.upos, self.xpos, self.sentences = words, upos, xpos, sentences
        self.offsets, self.tagged, self.doc_sentences = offsets, tagged, doc_sentences
        self._phrase_lists: list[Phrases] | None = None
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _ends(self) -> list[int]:
        return self.offsets[1:] + [len(self.words)]

    def phrase_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Starts, ends and heads of all the noun phrases."""
        if self._arrays is None:
            from .chunker import default_chunker, phrase_arrays

            if not self.words:
                empty = np.zeros(0, np.int64)
                self._arrays = (empty, empty, empty)
            else:
                prime(self.words, self.xpos, self.sentences, self.tagged)
                chunker = default_chunker()
                scored = chunker.engine.run(self.words, self.xpos, self.sentences)
                self._arrays = phrase_arrays(scored, chunker.engine.columns[chunker.slot])
        return self._arrays

    def all_phrases(self) -> Phrases:
        starts, ends, heads = self.phrase_arrays()
        return tuple(zip(starts.tolist(), ends.tolist(), heads.tolist()))

    def phrases(self) -> list[Phrases]:
        """Each document's noun phrases."""
        if self._phrase_lists is None:
            self._phrase_lists = self._split_phrases()
        return self._phrase_lists

    def _split_phrases(self) -> list[Phrases]:
        starts, ends, heads = self.phrase_arrays()
        compiled = layercore.kernels()
        if compiled is not None:  # the same split, one walk in C
            return compiled.split_phrases(  # type: ignore[no-any-return]
                *(np.ascontiguousarray(x, np.intp) for x in (starts, ends, heads)), self.offsets, len(self.words))
        bounds = np.searchsorted(starts, self.offsets + [len(self.words)])
        shift = np.repeat(np.asarray(self.offsets, np.int64), np.diff(bounds))
        rows = list(zip((starts - shift).tolist(), (ends - shift).tolist(), (heads - shift).tolist()))
        b = bounds.tolist()
        return [tuple(rows[x:y]) for x, y in zip(b, b[1:])]

    def entities(self) -> list[Entities]:
        """Each document's entities."""
        from .entities import default_recognizer

        if not self.words:
            return [()] * len(self.offsets)
        recognizer = default_recognizer()
        prime(self.words, self.xpos, self.sentences, self.tagged)
        if GLUED_ENTITIES:
            found = recognizer(self.words, self.upos, self.xpos, self.sentences, documents=self.offsets)
            compiled = layercore.kernels()
            if compiled is not None:  # the same split, one walk in C
                return compiled.split_entities(list(found), self.offsets, len(self.words))  # type: ignore[no-any-return]
            starts = [e[0] for e in found]
            out = []
            for offset, end in zip(self.offsets, self._ends()):
                e0, e1 = bisect_left(starts, offset), bisect_left(starts, end)
                out.append(tuple([(s - offset, e - offset, label) for s, e, label in found[e0:e1]]) if offset
                           else tuple(found[e0:e1]))
            return out
        # One recogniser call per document, on its share of the batch's scores (the engine
        # keeps them as that document's): the same input as a document alone, so the same output.
        engine = recognizer.engine
        scored = engine.run(self.words, self.xpos, self.sentences)
        phrases = self.phrases()
        out = []
        for a, b, sentences, mine in zip(self.offsets, self._ends(), self.doc_sentences, phrases):
            if a == b:
                out.append(())
                continue
            words, upos, xpos = self.words[a:b], self.upos[a:b], self.xpos[a:b]
            if scored.identity:
                part = Scored(scored.scores[a:b], scored.types[a:b], scored.tags[a:b], b - a, sentences)
                part.first = scored.first[a:b]
                engine.keep(words, xpos, sentences, part)
            out.append(recognizer(words, upos, xpos, sentences, mine))
        return out


def layer_many(documents: Sequence[tuple[Sequence[str], Sequence[tuple[int, int]]]]) -> Glued:
    """Tag documents (words, sentences) as one; the result splits tags, phrases and entities per document."""
    compiled = layercore.kernels()
    if compiled is not None:  # the same gluing, in C
        all_words, sentences, offsets = compiled.glue(list(documents))
    else:
        words: list[str] = []
        sentences = []
        offsets = []
        for w, s in documents:
            offset = len(words)
            offsets.append(offset)
            words += w
            sentences += [(a + offset, b + offset) for a, b in s if b > a] if offset else [x for x in s if x[1] > x[0]]
        all_words = tuple(words)
    tagger = default_tagger()
    tagged = tagger.tag_ids(all_words, sentences) if all_words else None
    upos, xpos = tagger.columns(tagged) if tagged is not None else ((), ())
    return Glued(all_words, upos, xpos, sentences, offsets, tagged, [s for _, s in documents])


def split_tags(glued: Glued) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each document's (UPOS, XPOS) columns."""
    upos, xpos = glued.upos, glued.xpos
    compiled = layercore.kernels()
    if compiled is not None:  # the same slices, never walked by the garbage collector
        return compiled.split_columns(upos, xpos, glued.offsets, len(glued.words))  # type: ignore[no-any-return]
    return [(upos[a:b], xpos[a:b]) for a, b in zip(glued.offsets, glued._ends())]
