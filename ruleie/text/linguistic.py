"""The linguistic layer of a Document: parts of speech, base noun phrases, named entities.

Stages, each reading the ones before it (a parser could be one more stage after the
entities):

    tokens → sentences → lemmas → tags (``pos``, ``tag``) → noun phrases (``NP``)
           → entities (``PERSON``, ``ORG``, ``GPE``, ``LOC``, ``NORP``)

Everything is computed on first use and kept in the Document's cache, so a rule set
that never asks for ``pos``, ``tag``, ``@NP`` or an entity type pays nothing; the models
(numpy arrays shipped in ``text/models/``) load on first use too.

An annotator's own columns win: a spaCy Doc that carries tags keeps them (and the noun
phrases and entities are read off those tags), and one that carries entities keeps
its ``doc.ents`` instead of ours (``docs/spacy.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document, Mention

__all__ = [
    "ENTITY_TYPES",
    "LAYER_MENTION_TYPES",
    "LAYER_FIELDS",
    "tag_columns",
    "noun_phrase_spans",
    "entity_spans",
    "layer_mentions",
]

ENTITY_TYPES: tuple[str, ...] = ("PERSON", "ORG", "GPE", "LOC", "NORP")
LAYER_MENTION_TYPES: tuple[str, ...] = ("NP",) + ENTITY_TYPES
# Token fields of the layer: parts of speech, the entity label of a token, a token's
# place in a noun phrase (B, I) and "NP" on the head token of a noun phrase.
LAYER_FIELDS: frozenset[str] = frozenset({"pos", "tag", "entity", "np", "head"})

_TAGS = ("layer", "tags")
_PHRASES = ("layer", "noun phrases")
_ENTITIES = ("layer", "entities")


def _words(doc: Document) -> Sequence[str]:
    return doc.column("word")  # type: ignore[return-value]


def tag_columns(doc: Document) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(UPOS, Penn tags) for every token, from ruleie's tagger."""
    cached = doc._cache.get(_TAGS)
    if cached is None:
        from .tagger import default_tagger

        cached = doc._cache[_TAGS] = default_tagger().tag_sentences(_words(doc), doc.sentences)
    return cached


def _pos(doc: Document) -> Sequence[object]:
    return doc.column("pos")  # type: ignore[return-value]


def _tag(doc: Document) -> Sequence[object]:
    return doc.column("tag")  # type: ignore[return-value]


def noun_phrase_spans(doc: Document) -> tuple[tuple[int, int, int], ...]:
    """Base noun phrases: (start, end exclusive, head) token indices, in text order."""
    cached = doc._cache.get(_PHRASES)
    if cached is None:
        from .chunker import noun_phrases

        cached = doc._cache[_PHRASES] = noun_phrases(_words(doc), _pos(doc), _tag(doc), doc.sentences)  # type: ignore[arg-type]
    return cached


def entity_spans(doc: Document) -> tuple[tuple[int, int, str], ...]:
    """Named entities: (start, end exclusive, label) token indices, not overlapping, in text order."""
    cached = doc._cache.get(_ENTITIES)
    if cached is None:
        from .entities import entities

        cached = doc._cache[_ENTITIES] = entities(
            _words(doc), _pos(doc), _tag(doc), doc.sentences, noun_phrase_spans(doc)  # type: ignore[arg-type]
        )
    return cached


def annotator_has_entities(doc: Document) -> bool:
    """True when the document's annotator found entities itself (a spaCy Doc with ``doc.ents``)."""
    return "entity" in doc.extra_fields


def layer_mentions(doc: Document, types: frozenset[str] = frozenset(LAYER_MENTION_TYPES)) -> list[Mention]:
    """Mentions of the layer's types that are asked for: NPs (with their ``head`` word) and entities."""
    from .document import Mention

    found: list[Mention] = []
    if "NP" in types:
        words = _words(doc)
        found.extend(Mention("NP", s, e, rule="layer:np", fields={"head": words[h], "head_index": h})
                     for s, e, h in noun_phrase_spans(doc))
    wanted = types.intersection(ENTITY_TYPES)
    if wanted and not annotator_has_entities(doc):
        found.extend(Mention(label, s, e, rule="layer:entity") for s, e, label in entity_spans(doc) if label in wanted)
    return found


def entity_column(doc: Document) -> tuple[object, ...]:
    """The entity label of each token (None outside entities)."""
    column: list[object] = [None] * len(doc)
    for s, e, label in entity_spans(doc):
        column[s:e] = [label] * (e - s)
    return tuple(column)


def np_column(doc: Document) -> tuple[object, ...]:
    """B on the first token of a noun phrase, I inside, None outside."""
    column: list[object] = [None] * len(doc)
    for s, e, _h in noun_phrase_spans(doc):
        column[s] = "B"
        column[s + 1 : e] = ["I"] * (e - s - 1)
    return tuple(column)


def head_column(doc: Document) -> tuple[object, ...]:
    """NP on the head token of a noun phrase, None elsewhere."""
    column: list[object] = [None] * len(doc)
    for _s, _e, h in noun_phrase_spans(doc):
        column[h] = "NP"
    return tuple(column)
