"""The shared engine of the chunker and the entity recogniser, and a batch entry point.

``noun_phrases`` and ``entities`` are separate calls, but both models read the same
words and tags: the engine scores a document for both at once and keeps the
result, so the second call on the same document costs only its decoding.

Each call costs a fixed few dozen array operations besides its per-token work,
which for short documents (news briefs of ~100 tokens) is most of the time.
``analyse_many`` runs many documents as one and splits the results, which
removes that fixed cost; use it when a corpus is annotated in bulk.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

from .linear import Engine

__all__ = ["default_engine", "analyse_many"]

Doc = tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[tuple[int, int]]]


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    from . import chunker, entities

    return Engine([chunker.load_model(), entities.load_model()])


def analyse_many(documents: Iterable[Doc], batch_tokens: int = 20_000
                 ) -> Iterator[tuple[tuple[tuple[int, int, int], ...], tuple[tuple[int, int, str], ...]]]:
    """(noun phrases, entities) of each document (words, upos, xpos, sentences), in order.

    Results equal those of ``noun_phrases`` and ``entities`` called per document:
    nothing crosses a sentence, so gluing documents together changes nothing.
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


def _run(batch: list[Doc]) -> Iterator[tuple[tuple[tuple[int, int, int], ...], tuple[tuple[int, int, str], ...]]]:
    from .chunker import default_chunker
    from .entities import default_recognizer

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
    all_words, all_upos, all_xpos = tuple(words), tuple(upos), tuple(xpos)
    phrases = default_chunker()(all_words, all_upos, all_xpos, sentences)
    found = default_recognizer()(all_words, all_upos, all_xpos, sentences, phrases, documents=offsets)
    phrase_starts = [p[0] for p in phrases]
    entity_starts = [e[0] for e in found]
    ends = offsets[1:] + [len(words)]
    for offset, end in zip(offsets, ends):
        p0, p1 = bisect_left(phrase_starts, offset), bisect_left(phrase_starts, end)
        e0, e1 = bisect_left(entity_starts, offset), bisect_left(entity_starts, end)
        yield (tuple((s - offset, e - offset, h - offset) for s, e, h in phrases[p0:p1]),
               tuple((s - offset, e - offset, label) for s, e, label in found[e0:e1]))
