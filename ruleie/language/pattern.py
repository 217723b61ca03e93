"""The ``re``-like surface for single patterns: ``compile``, ``Pattern`` and ``Match``."""

from __future__ import annotations

from functools import lru_cache
from typing import Collection, Iterator, Mapping, Optional, Sequence, Union

import attrs

from . import matcher
from .compiler import Program, compile_program
from ..text.document import DEFAULT_ANNOTATOR, Annotator, Document, Token
from ..text.linguistic import LAYER_MENTION_TYPES, layer_mentions
from .nodes import MentionRef, Node, capture_names, unparse, walk
from .parser import VarValue, parse_pattern

Text = Union[str, Document]
GroupRef = Union[int, str]


class Pattern:
    """A compiled pattern. Use it like a compiled ``re`` pattern, over tokens.

    >>> p = compile('(?<who> [word=/[A-Z]\\\\w+/]) launched (?<n> [num>0])?')
    >>> m = p.search("Russia launched 23 missiles at Kyiv.")
    >>> m.group(), m.group("who"), m.span("n")
    ('Russia launched 23', 'Russia', (16, 18))
    """

    def __init__(
        self,
        pattern: str,
        node: Node,
        program: Program,
        *,
        ancestors: Mapping[str, frozenset[str]] | None = None,
        annotator: Optional[Annotator] = None,
    ):
        self.pattern = pattern
        self.node = node
        self.program = program
        self.groupindex: dict[str, int] = {name: i + 1 for i, name in enumerate(program.group_names)}
        self.groups = len(program.group_names)
        self._ancestors = ancestors or {}
        self._annotator = annotator or DEFAULT_ANNOTATOR
        # Types of the linguistic layer the pattern can match (itself or through a parent):
        # their mentions are added to a document that does not carry them already.
        referenced = {x.type for x in walk(node) if isinstance(x, MentionRef)}
        self._layer_types = frozenset(
            t for t in LAYER_MENTION_TYPES if referenced & self._ancestors.get(t, frozenset({t}))
        )

    def __repr__(self) -> str:
        return f"ruleie.compile({self.pattern!r})"

    @property
    def canonical(self) -> str:
        """The pattern printed back from its syntax tree."""
        return unparse(self.node)

    def _document(self, text: Text) -> Document:
        if isinstance(text, Document):
            return text
        if not isinstance(text, str):
            raise TypeError(f"expected a str or a ruleie Document, not {type(text).__name__}")
        return self._annotator.annotate(text)

    def _context(self, doc: Document) -> matcher.DocumentContext:
        if self._layer_types:
            present = {m.type for m in doc.mentions}
            wanted = frozenset(t for t in self._layer_types if t not in present)
            if wanted:
                doc = doc.with_mentions(tuple(doc.mentions) + tuple(layer_mentions(doc, wanted)))
        return matcher.DocumentContext(doc, self._ancestors)

    def finditer(self, text: Text) -> Iterator[Match]:
        """Non-overlapping matches, left to right in each sentence, as ``re.finditer`` (empty ones dropped)."""
        doc = self._document(text)
        ctx = self._context(doc)
        for lo, hi in doc.sentences:
            for raw in matcher.finditer(self.program, ctx, lo, hi):
                if raw.end > raw.start:
                    yield Match(self, doc, raw, (lo, hi))

    def search(self, text: Text) -> Optional[Match]:
        """The first (non-empty) match, or None."""
        return next(self.finditer(text), None)

    def findall(self, text: Text) -> list[Union[str, tuple[Optional[str], ...], None]]:
        """As ``re.findall``: matched texts, or the one group's texts, or tuples of all groups."""
        result: list[Union[str, tuple[Optional[str], ...], None]] = []
        for m in self.finditer(text):
            if self.groups == 0:
                result.append(m.group())
            elif self.groups == 1:
                result.append(m.group(1))
            else:
                result.append(tuple(m.groups()))
        return result

    def all_spans(self, text: Text) -> list[tuple[int, int]]:
        """Every distinct (start, end) character span where the whole pattern matches, sorted."""
        doc = self._document(text)
        ctx = self._context(doc)
        spans = set()
        for lo, hi in doc.sentences:
            for s, e in matcher.all_spans(self.program, ctx, lo, hi):
                spans.add(doc.char_span(s, e, hi))
        return sorted(spans)

    def all_token_spans(self, text: Text) -> list[tuple[int, int]]:
        """As ``all_spans``, in token positions."""
        doc = self._document(text)
        ctx = self._context(doc)
        result: list[tuple[int, int]] = []
        for lo, hi in doc.sentences:
            result.extend(matcher.all_spans(self.program, ctx, lo, hi))
        return sorted(set(result))


@attrs.frozen(eq=False)
class Match:
    """One match: like ``re.Match``, with character offsets into the document text."""

    re: Pattern
    doc: Document
    raw: matcher.RawMatch
    sentence: tuple[int, int]  # token range of the sentence the match lies in

    @property
    def string(self) -> str:
        return self.doc.text

    def _group(self, group: GroupRef) -> int:
        if isinstance(group, int) and not isinstance(group, bool):
            if 0 <= group <= self.re.groups:
                return group
        elif isinstance(group, str) and group in self.re.groupindex:
            return self.re.groupindex[group]
        raise IndexError(f"no such group: {group!r}")

    def _chars(self, token_span: tuple[int, int]) -> tuple[int, int]:
        s, e = token_span
        if s < 0:
            return (-1, -1)
        return self.doc.char_span(s, e, self.sentence[1])

    def token_span(self, group: GroupRef = 0) -> tuple[int, int]:
        """Token positions [start, end) of the match or a group; (-1, -1) if the group did not take part."""
        return self.raw.group_span(self._group(group))

    def span(self, group: GroupRef = 0) -> tuple[int, int]:
        return self._chars(self.token_span(group))

    def start(self, group: GroupRef = 0) -> int:
        return self.span(group)[0]

    def end(self, group: GroupRef = 0) -> int:
        return self.span(group)[1]

    def group(self, *groups: GroupRef) -> Union[str, None, tuple[Optional[str], ...]]:
        if not groups:
            groups = (0,)
        texts = []
        for g in groups:
            s, e = self.span(g)
            texts.append(None if s < 0 else self.doc.text[s:e])
        return texts[0] if len(texts) == 1 else tuple(texts)

    def __getitem__(self, group: GroupRef) -> Optional[str]:
        result = self.group(group)
        assert not isinstance(result, tuple)
        return result

    def groups(self, default: Optional[str] = None) -> tuple[Optional[str], ...]:
        out = []
        for g in range(1, self.re.groups + 1):
            text = self.group(g)
            out.append(default if text is None else text)  # type: ignore[arg-type]
        return tuple(out)

    def groupdict(self, default: Optional[str] = None) -> dict[str, Optional[str]]:
        out: dict[str, Optional[str]] = {}
        for name in self.re.groupindex:
            text = self.group(name)
            out[name] = default if text is None else text  # type: ignore[assignment]
        return out

    def token_spans(self, group: GroupRef) -> list[tuple[int, int]]:
        """Token positions of every occurrence of a group (several under repetition)."""
        return self.raw.occurrences(self._group(group)) if self._group(group) else [self.token_span(0)]

    def spans(self, group: GroupRef) -> list[tuple[int, int]]:
        """Character spans of every occurrence of a group, as the ``regex`` module's ``Match.spans``."""
        return [self._chars(span) for span in self.token_spans(group)]

    def captures(self, group: GroupRef) -> list[str]:
        """The text of every occurrence of a group, as the ``regex`` module's ``Match.captures``."""
        return [self.doc.text[s:e] for s, e in self.spans(group)]

    @property
    def tokens(self) -> tuple[Token, ...]:
        """The matched document tokens."""
        s, e = self.raw.start, self.raw.end
        return tuple(self.doc.token(i) for i in range(s, e))

    def __repr__(self) -> str:
        return f"<ruleie.Match span={self.span()} match={self.group()!r}>"


def compile(
    pattern: str,
    *,
    lexicons: Optional[Mapping[str, Collection[str]]] = None,
    vars: Optional[Mapping[str, VarValue]] = None,
    taxonomy: Optional[Mapping[str, Union[str, Sequence[str], None]]] = None,
    annotator: Optional[Annotator] = None,
) -> Pattern:
    """Compile pattern text, as ``re.compile``.

    ``lexicons`` maps names to word lists for ``[field in name]``; ``vars`` maps names
    to sub-patterns for ``${name}``; ``taxonomy`` maps a mention type to its parent
    type(s) so that ``@Actor`` also matches a ``Person`` mention.
    """
    lexicons = dict(lexicons or {})
    node = parse_pattern(pattern, vars=vars or {}, lexicons=lexicons)
    program = compile_program(node, lexicons=lexicons, source=pattern)
    return Pattern(pattern, node, program, ancestors=matcher.ancestors_table(taxonomy), annotator=annotator)


@lru_cache(maxsize=256)
def _cached(pattern: str) -> Pattern:
    return compile(pattern)


def finditer(pattern: str, text: Text) -> Iterator[Match]:
    """Module-level shortcut, as ``re.finditer``."""
    return _cached(pattern).finditer(text)


def search(pattern: str, text: Text) -> Optional[Match]:
    return _cached(pattern).search(text)


def findall(pattern: str, text: Text) -> list[Union[str, tuple[Optional[str], ...], None]]:
    return _cached(pattern).findall(text)


__all__ = ["Pattern", "Match", "compile", "finditer", "search", "findall", "capture_names"]
