"""The linguistic layer of a Document: parts of speech, base noun phrases, named entities.

Stages, each reading the ones before it (a parser could be one more stage after the
entities):

    tokens → sentences → lemmas → tags (``pos``, ``tag``) → noun phrases (``NP``)
           → entities (``PERSON``, ``ORG``, ``GPE``, ``LOC``, ``NORP``)

Everything is computed on first use and kept in the Document's cache, so a rule set
that never asks for ``pos``, ``tag``, ``@NP`` or an entity type pays nothing; the models
(numpy arrays shipped in ``text/models/``) load on first use too.

The tags feed the chunker and the entity model as arrays (``layer.prime``), not
strings. Documents from ``document.annotate_many`` (or ``batched``) share a
``LayerBatch``: the first of them to ask for a stage gets it for all, one call over
the batch, which removes the fixed cost of each call (the results are the same).

An annotator's own columns win: a spaCy Doc that carries tags keeps them (and the noun
phrases and entities are read off those tags), and one that carries entities keeps
its ``doc.ents`` instead of ours (``docs/spacy.md``).
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TypeVar

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
    "batched",
    "read_ahead",
    "LayerBatch",
]

T = TypeVar("T")
# Tokens per batch that gets its layer in one call (documents read ahead: about a megabyte);
# 20,000 measured no faster on the news corpus.
BATCH_TOKENS = 5_000

ENTITY_TYPES: tuple[str, ...] = ("PERSON", "ORG", "GPE", "LOC", "NORP")
LAYER_MENTION_TYPES: tuple[str, ...] = ("NP",) + ENTITY_TYPES
# Token fields of the layer: parts of speech, the entity label of a token, a token's
# place in a noun phrase (B, I) and "NP" on the head token of a noun phrase.
LAYER_FIELDS: frozenset[str] = frozenset({"pos", "tag", "entity", "np", "head"})

_TAGS = ("layer", "tags")
_TAGGED = ("layer", "tagger arrays")
_BATCH = ("layer", "batch")
_PHRASES = ("layer", "noun phrases")
_ENTITIES = ("layer", "entities")


def _words(doc: Document) -> Sequence[str]:
    return doc.column("word")  # type: ignore[return-value]


def tag_columns(doc: Document) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(UPOS, Penn tags) for every token, from ruleie's tagger."""
    cached = doc._cache.get(_TAGS)
    if cached is None:
        batch = doc._cache.get(_BATCH)
        if batch is not None:
            batch.tags()
            cached = doc._cache.get(_TAGS)
    if cached is None:
        from .tagger import default_tagger

        tagger = default_tagger()
        tagged = tagger.tag_ids(_words(doc), doc.sentences)
        doc._cache[_TAGGED] = tagged  # the engine of phrases and entities starts from these
        cached = doc._cache[_TAGS] = tagger.columns(tagged) if len(doc) else ((), ())
    return cached


def _pos(doc: Document) -> Sequence[object]:
    return doc.column("pos")  # type: ignore[return-value]


def _tag(doc: Document) -> Sequence[object]:
    return doc.column("tag")  # type: ignore[return-value]


def _prime(doc: Document) -> None:
    """Scores of the document in the shared engine, from the tagger's arrays when ours are the tags."""
    from .layer import prime

    tags = _tag(doc)
    tagged = doc._cache.get(_TAGGED) if "tag" not in doc.extra_fields else None
    prime(_words(doc), tags, doc.sentences, tagged)  # type: ignore[arg-type]


def _cached_or_batched(doc: Document, key: object, stage: str) -> Any:
    """A layer stage's result for doc: cached, or made for doc's whole batch (LayerBatch.<stage>)
    when it has one; None when doc must make it alone."""
    cached = doc._cache.get(key)
    if cached is None:
        batch = doc._cache.get(_BATCH)
        if batch is not None:
            getattr(batch, stage)()
            cached = doc._cache.get(key)
    return cached


def noun_phrase_spans(doc: Document) -> tuple[tuple[int, int, int], ...]:
    """Base noun phrases: (start, end exclusive, head) token indices, in text order."""
    cached = _cached_or_batched(doc, _PHRASES, "phrases")
    if cached is None:
        from .chunker import noun_phrases

        if len(doc):
            _prime(doc)
        cached = doc._cache[_PHRASES] = noun_phrases(_words(doc), _pos(doc), _tag(doc), doc.sentences)  # type: ignore[arg-type]
    return cached


def entity_spans(doc: Document) -> tuple[tuple[int, int, str], ...]:
    """Named entities: (start, end exclusive, label) token indices, not overlapping, in text order."""
    cached = _cached_or_batched(doc, _ENTITIES, "entities")
    if cached is None:
        from .entities import entities

        phrases = noun_phrase_spans(doc)
        if len(doc):
            _prime(doc)
        cached = doc._cache[_ENTITIES] = entities(
            _words(doc), _pos(doc), _tag(doc), doc.sentences, phrases  # type: ignore[arg-type]
        )
    return cached


class LayerBatch:
    """Documents that get their linguistic layer together, each stage the first time one of
    them asks for it (see ``batched``): the fixed cost of a call is paid once per batch.

    Results are the same as one document at a time. The batch holds its documents weakly;
    it computes for those still alive and writes into their caches. If a stage fails, the
    documents get it one at a time instead (and the one at fault raises its own error).
    """

    def __init__(self, docs: Sequence[Document]) -> None:
        self._docs = [weakref.ref(d) for d in docs]
        self._glued: Any = None  # the layer's run over the members, once tagged
        self._done: set[str] = set()  # stages finished (or given up)
        self._lock = threading.Lock()

    def _members(self) -> list[Document | None]:
        return [r() for r in self._docs]

    def tags(self) -> None:
        with self._lock:
            if "tags" in self._done:
                return
            self._done.add("tags")
            from .layer import layer_many, split_tags

            docs = [d for d in self._members() if d is not None and _TAGS not in d._cache]
            self._docs = [weakref.ref(d) for d in docs]
            try:
                self._glued = glued = layer_many([(_words(d), d.sentences) for d in docs])
                columns = split_tags(glued)
            except Exception:  # noqa: BLE001 - each document will try alone
                self._done.update(("phrases", "entities"))
                return
            for d, pair in zip(docs, columns):
                d._cache[_TAGS] = pair
                # The columns themselves too, as ``Document.column`` would keep them on first use.
                d._cache["pos"], d._cache["tag"] = pair

    def _stage(self, name: str, key: tuple[str, str]) -> None:
        with self._lock:
            if name in self._done:
                return
            self._done.add(name)
            try:
                found = self._glued.phrases() if name == "phrases" else self._glued.entities()
            except Exception:  # noqa: BLE001 - each document will try alone
                found = []
            for d, value in zip(self._members(), found):
                if d is not None:
                    d._cache.setdefault(key, value)
            if name == "entities":
                self._glued = None  # done: let the arrays go

    def phrases(self) -> None:
        self.tags()
        self._stage("phrases", _PHRASES)

    def entities(self) -> None:
        self.phrases()
        self._stage("entities", _ENTITIES)


def batched(docs: Iterable[Document], batch_tokens: int = BATCH_TOKENS) -> Iterator[Document]:
    """The documents, in order, in batches of about ``batch_tokens`` tokens that get their
    linguistic layer together (``LayerBatch``); a batch is read ahead before its first document
    is yielded. Documents whose annotator supplied columns of its own get theirs alone."""
    return read_ahead(docs, _itself, batch_tokens)


def _itself(doc: Document) -> Document:
    return doc


def read_ahead(items: Iterable[T], document: Callable[[T], Document | None],
               batch_tokens: int = BATCH_TOKENS) -> Iterator[T]:
    """The items, in order, read ahead in groups of about ``batch_tokens`` tokens whose documents
    (``document(item)``; None: an item without one, e.g. one that failed) get their linguistic
    layer together, as in ``batched``. An item counts at least one token, so a group of empty
    documents or failures is bounded too; nothing is computed until a document asks for it."""
    group: list[T] = []
    docs: list[Document] = []
    size = 0
    for item in items:
        group.append(item)
        doc = document(item)
        if doc is not None:
            docs.append(doc)
            size += max(len(doc), 1)
        else:
            size += 1
        if size >= batch_tokens:
            _with_batch(docs)
            yield from group
            group, docs, size = [], [], 0
    if group:
        _with_batch(docs)
        yield from group


def _with_batch(group: list[Document]) -> None:
    plain = [d for d in group if not d.extra_fields and len(d)]
    if len(plain) > 1:
        batch = LayerBatch(plain)
        for d in plain:
            d._cache[_BATCH] = batch


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
