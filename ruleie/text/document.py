"""Annotated documents: the token model the pattern matcher runs on, and the annotators that build it.

A ``Document`` keeps the text and the character span of each token; every token
field is a *column*, one value per token, computed on first use and cached
(``word``, ``lower``, ``lemma``, ``shape``, ``num``) or supplied by an annotator
(``extra_fields``: ``tag``, ``pos``, ``entity`` …).

>>> doc = annotate("Russia launched 23 missiles. Kyiv said most were shot down.")
>>> len(doc), doc.sentences
(12, ((0, 5), (5, 12)))
>>> doc.column("lemma")[:5], doc.column("num")[2]
(('russia', 'launch', '23', 'missile', '.'), 23)
>>> doc.char_span(1, 4), doc.text[7:27]
((7, 27), 'launched 23 missiles')
"""

from __future__ import annotations

from bisect import bisect_right
from operator import le, lt
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence, runtime_checkable

import attrs

from .lemmatizer import lemmatize
from .tokenfields import number_value, shape
from .tokenizer import _segment

__all__ = [
    "Token",
    "Mention",
    "Document",
    "Annotator",
    "EnglishAnnotator",
    "DEFAULT_ANNOTATOR",
    "CORE_FIELDS",
    "LAYER_FIELDS",
    "annotate",
    "annotate_many",
    "from_tokens",
]

CORE_FIELDS: frozenset[str] = frozenset({"word", "lower", "lemma", "shape", "num"})
# Fields of ruleie's own linguistic layer (text/linguistic.py), computed only when used.
LAYER_FIELDS: frozenset[str] = frozenset({"pos", "tag", "entity", "np", "head"})


@attrs.frozen
class Token:
    """A read-only view of one document token (for ``Match.tokens`` and explain output)."""

    index: int  # token index in the document
    start: int  # character offsets: document.text[start:end] == word
    end: int
    word: str
    # Every known field of the token; hashing leaves it out (a dict cannot be hashed,
    # and index/start/end already identify the token).
    fields: Mapping[str, object] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class Mention:
    """A token span ``[start, end)`` of a type, found by an earlier stage of rules."""

    type: str
    start: int  # token index, inclusive
    end: int = attrs.field()  # token index, exclusive
    rule: str = ""
    # Free-form extras (e.g. a canonical form); out of the hash so mentions can go in sets.
    fields: Mapping[str, object] = attrs.field(factory=dict, hash=False)

    @end.validator
    def _check_span(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not 0 <= self.start <= value:
            raise ValueError(f"mention span [{self.start}, {value}) is not a valid token range")


def _extra_columns(value: Mapping[str, Sequence[object]]) -> dict[str, tuple[object, ...]]:
    return {str(name): tuple(column) for name, column in value.items()}


def _sentence_ranges(value: Iterable[Sequence[int]]) -> tuple[tuple[int, int], ...]:
    return tuple((int(s), int(e)) for s, e in value)


@attrs.frozen
class Document:
    """A text with its tokens, sentences, token fields and mentions.

    Invariants (checked when it is built): ``starts`` and ``ends`` have one entry per
    token, each span is non-empty and inside the text, spans are in order and do not
    overlap; ``sentences`` are non-empty token ranges in order that cover every token
    exactly once; each ``extra_fields`` column has one value per token.
    """

    id: str
    text: str
    starts: tuple[int, ...] = attrs.field(converter=tuple)
    ends: tuple[int, ...] = attrs.field(converter=tuple)
    sentences: tuple[tuple[int, int], ...] = attrs.field(converter=_sentence_ranges)
    extra_fields: Mapping[str, tuple[object, ...]] = attrs.field(
        factory=dict, converter=_extra_columns, hash=False
    )
    mentions: tuple[Mention, ...] = attrs.field(default=(), converter=tuple)
    # Lazily computed columns. Not an init argument, so ``attrs.evolve`` with a new
    # text can never carry stale columns over; ``with_mentions`` shares it on purpose.
    _cache: dict[Any, Any] = attrs.field(factory=dict, init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        n = len(self.starts)
        if len(self.ends) != n:
            raise ValueError(f"{n} token starts but {len(self.ends)} token ends")
        if n:
            # map() over C comparisons: validating a million tokens takes milliseconds.
            if self.starts[0] < 0 or self.ends[-1] > len(self.text):
                raise ValueError("token span outside the text")
            if not all(map(lt, self.starts, self.ends)) or not all(map(le, self.ends, self.starts[1:])):
                raise ValueError("token spans must be non-empty, in order and not overlapping")
        expected = 0
        for s, e in self.sentences:
            if s != expected or e <= s:
                raise ValueError(f"sentence ({s}, {e}) breaks the partition of tokens (expected start {expected})")
            expected = e
        if expected != n:
            raise ValueError(f"sentences cover {expected} of {n} tokens")
        for name, column in self.extra_fields.items():
            if len(column) != n:
                raise ValueError(f"field {name!r} has {len(column)} values for {n} tokens")

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def fields(self) -> frozenset[str]:
        """Names of every field available: the core five and the annotator's extras."""
        return CORE_FIELDS | LAYER_FIELDS | frozenset(self.extra_fields)

    def column(self, field: str) -> Sequence[object] | None:
        """The values of ``field`` for every token, or None if nobody provides the field.

        An annotator's column wins over a computed one of the same name (a spaCy
        ``lemma`` replaces the rule-based one).
        """
        extra = self.extra_fields.get(field)
        if extra is not None:
            return extra
        cached = self._cache.get(field)
        if cached is not None:
            return cached
        make = _COLUMN_MAKERS.get(field)
        if make is None:
            return None
        values = make(self)
        self._cache[field] = values
        return values

    def token(self, i: int) -> Token:
        """The token at index ``i`` with all its fields."""
        if not 0 <= i < len(self.starts):
            raise IndexError(f"token index {i} out of range for {len(self.starts)} tokens")
        columns = self._all_columns()
        return Token(
            i,
            self.starts[i],
            self.ends[i],
            columns["word"][i],  # type: ignore[arg-type]
            {name: values[i] for name, values in columns.items()},
        )

    def tokens(self) -> tuple[Token, ...]:
        """Every token, in order."""
        return tuple(self.token(i) for i in range(len(self.starts)))

    def _all_columns(self) -> dict[str, Sequence[object]]:
        columns: dict[str, Sequence[object]] = {}
        for name in sorted(CORE_FIELDS | LAYER_FIELDS):
            columns[name] = self.column(name)  # type: ignore[assignment]
        columns.update(self.extra_fields)
        return columns

    def sentence_of(self, token_index: int) -> tuple[int, int]:
        """The sentence range ``(start, end)`` that contains a token."""
        if not 0 <= token_index < len(self.starts):
            raise IndexError(f"token index {token_index} out of range for {len(self.starts)} tokens")
        firsts = self._cache.get(_SENTENCE_STARTS)
        if firsts is None:
            firsts = self._cache[_SENTENCE_STARTS] = tuple(s for s, _ in self.sentences)
        return self.sentences[bisect_right(firsts, token_index) - 1]

    def char_span(self, tok_start: int, tok_end: int, sentence_end: int | None = None) -> tuple[int, int]:
        """The character span of tokens ``[tok_start, tok_end)``.

        An empty range at position i is ``(s, s)`` with s the start of token i; at the
        end of the document, or at ``sentence_end`` (the end of the sentence the range
        belongs to), it is the end of the previous token instead.

        >>> doc = annotate("He left. She stayed.")
        >>> doc.char_span(0, 2), doc.char_span(3, 3), doc.char_span(3, 3, sentence_end=3)
        ((0, 7), (9, 9), (8, 8))
        """
        n = len(self.starts)
        if not 0 <= tok_start <= tok_end <= n:
            raise IndexError(f"token range [{tok_start}, {tok_end}) out of range for {n} tokens")
        if tok_start < tok_end:
            return self.starts[tok_start], self.ends[tok_end - 1]
        if tok_start == 0 and n == 0:
            return 0, 0
        if tok_start == n or (tok_start == sentence_end and tok_start > 0):
            end = self.ends[tok_start - 1]
            return end, end
        return self.starts[tok_start], self.starts[tok_start]

    def with_mentions(self, mentions: Iterable[Mention]) -> Document:
        """The same document (text, tokens, fields, cached columns) with other mentions.

        A copy of the fields, not a new build: nothing that ``__init__`` converts or checks
        changes (mentions are checked when they are made), and each stage of a rule set
        asks for one, which re-checked every token span of the document.
        """
        new = object.__new__(type(self))
        for name in _FIELD_NAMES:
            object.__setattr__(new, name, getattr(self, name))  # _cache too: same tokens, same columns
        object.__setattr__(new, "mentions", tuple(mentions))
        return new


_FIELD_NAMES = tuple(field.name for field in attrs.fields(Document))


_SENTENCE_STARTS = ("sentence starts",)  # a cache key that no field name can clash with


def _words(doc: Document) -> tuple[str, ...]:
    text = doc.text
    return tuple([text[s:e] for s, e in zip(doc.starts, doc.ends)])


def _mapped(function: Callable[[str], object]) -> Callable[[Document], tuple[object, ...]]:
    def make(doc: Document) -> tuple[object, ...]:
        return tuple(map(function, doc.column("word")))  # type: ignore[arg-type]

    return make


def _layer(name: str) -> Callable[[Document], tuple[object, ...]]:
    """A column of the linguistic layer, imported (with numpy and the models) only when asked for."""

    def make(doc: Document) -> tuple[object, ...]:
        from . import linguistic

        if name in ("pos", "tag"):
            upos, xpos = linguistic.tag_columns(doc)
            return upos if name == "pos" else xpos
        return {"entity": linguistic.entity_column, "np": linguistic.np_column, "head": linguistic.head_column}[name](doc)

    return make


_COLUMN_MAKERS: dict[str, Callable[[Document], tuple[object, ...]]] = {
    "word": _words,
    "lower": _mapped(str.lower),
    "lemma": _mapped(lemmatize),
    "shape": _mapped(shape),
    "num": _mapped(number_value),
    "pos": _layer("pos"),
    "tag": _layer("tag"),
    "entity": _layer("entity"),
    "np": _layer("np"),
    "head": _layer("head"),
}


@runtime_checkable
class Annotator(Protocol):
    """Turns a text into a Document; pluggable (a spaCy annotator can add ``tag``, ``pos``, ``entity``)."""

    fields: frozenset[str]

    def annotate(self, text: str, doc_id: str = "") -> Document: ...


class EnglishAnnotator:
    """The default annotator: rule-based English tokens and sentences, no dependencies."""

    fields: frozenset[str] = CORE_FIELDS | LAYER_FIELDS

    def annotate(self, text: str, doc_id: str = "") -> Document:
        """Tokenize and sentence-split ``text``; token fields are computed when first asked for."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        starts, ends, words, sentences = _segment(text)
        doc = Document(doc_id, text, starts, ends, sentences)
        doc._cache["word"] = words  # the tokenizer has sliced them already
        return doc

    def __repr__(self) -> str:
        return "EnglishAnnotator()"


DEFAULT_ANNOTATOR = EnglishAnnotator()


def annotate(text: str, doc_id: str = "") -> Document:
    """Annotate ``text`` with the default English annotator."""
    return DEFAULT_ANNOTATOR.annotate(text, doc_id)


def annotate_many(texts: Iterable[str | tuple[str, str]], batch_tokens: int = 5_000) -> Iterator[Document]:
    """Annotate texts (or ``(text, doc_id)`` pairs) with the default annotator, in order.

    The same Documents as ``annotate``, but in batches of about ``batch_tokens`` tokens
    (``linguistic.BATCH_TOKENS``) that get the linguistic layer (tags, noun phrases,
    entities) together when one of them first asks for it: much cheaper for a corpus of
    short texts (``linguistic.batched``).
    """
    from .linguistic import batched

    return batched((annotate(t) if isinstance(t, str) else annotate(*t) for t in texts), batch_tokens)


def from_tokens(sentences: Iterable[Sequence[str]], doc_id: str = "") -> Document:
    r"""A Document from sentences that are already tokens (CoNLL-U, another tokenizer's output).

    Nothing is re-tokenized: the text is the tokens joined by spaces, one sentence a
    line, and every token and sentence is kept as given.

    >>> doc = from_tokens([["Kyiv", "burns", "."], ["Quiet", "."]])
    >>> doc.text, doc.sentences, doc.column("word")[3]
    ('Kyiv burns .\nQuiet .', ((0, 3), (3, 5)), 'Quiet')
    """
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    ranges: list[tuple[int, int]] = []
    offset = 0
    for sentence in sentences:
        words = [str(w) for w in sentence]
        for w in words:
            if not w or any(c.isspace() for c in w):
                raise ValueError(f"a token must be non-empty and hold no whitespace: {w!r}")
        if not words:
            continue
        if parts:
            parts.append("\n")
            offset += 1
        first = len(starts)
        for k, w in enumerate(words):
            if k:
                parts.append(" ")
                offset += 1
            starts.append(offset)
            offset += len(w)
            ends.append(offset)
            parts.append(w)
        ranges.append((first, len(starts)))
    return Document(doc_id, "".join(parts), starts, ends, ranges)
