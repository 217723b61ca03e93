"""Property tests of the matcher against two oracles: Python's ``re`` and a brute-force matcher.

Patterns over the small alphabet of ``strategies`` run on texts of one-letter
tokens ("a b A c"). Encoded one character per token ("abAc"), the same pattern
translated to a Python regex must find the same matches with the same captures.
What ``re`` cannot express (variable-length lookbehind, ``@Type`` mentions) and
the all-matches mode are checked against ``Reference``: a backtracking matcher
over the AST written to be obviously correct, not fast. ``Reference`` is itself
checked against ``re`` wherever ``re`` applies.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional, Sequence

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import ruleie
from ruleie.language import nodes as n
from ruleie.text.document import Mention

import strategies as s

# A capture history: (name, start, end) of every capture occurrence, in the order they close.
Caps = tuple[tuple[str, int, int], ...]


class Reference:
    """Backtracking over the AST with ``re``'s rules, read over tokens.

    ``run`` yields every way a node can match from a position, best first: the
    order in which ``re``'s backtracking tries them. Repetitions follow ``re``'s
    rule for empty iterations: once the minimum is reached, an iteration that
    took no tokens ends the loop (its captures kept) instead of looping forever.
    """

    def __init__(self, letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = ()):
        self.letters = list(letters)
        self.lo, self.hi = 0, len(self.letters)
        self.mentions: dict[int, list[tuple[int, str]]] = {}
        for mention_type, start, end in mentions:
            self.mentions.setdefault(start, []).append((end, mention_type))
        for found in self.mentions.values():
            found.sort(key=lambda m: (-m[0], m[1]))  # the longest mention first, as the matcher documents

    def run(self, node: n.Node, pos: int, caps: Caps) -> Iterator[tuple[int, Caps]]:
        if isinstance(node, (n.Word, n.TokenTest)):
            if pos < self.hi and self.letters[pos] in s.SMALL_ATOM_LETTERS[node]:
                yield pos + 1, caps
        elif isinstance(node, n.MentionRef):
            for end, mention_type in self.mentions.get(pos, ()):
                if end <= self.hi and s.is_a(mention_type, node.type):
                    yield end, caps
        elif isinstance(node, n.Anchor):
            if pos == (self.lo if node.kind == "^" else self.hi):
                yield pos, caps
        elif isinstance(node, n.Look):
            if node.behind:
                holds = any(e == pos for start in range(self.lo, pos + 1) for e, _ in self.run(node.body, start, ()))
            else:
                holds = any(True for _ in self.run(node.body, pos, ()))
            if holds != node.negate:
                yield pos, caps
        elif isinstance(node, n.Capture):
            for end, inner in self.run(node.body, pos, caps):
                yield end, inner + ((node.name, pos, end),)
        elif isinstance(node, n.Seq):
            yield from self._seq(node.items, 0, pos, caps)
        elif isinstance(node, n.Alt):
            for option in node.options:
                yield from self.run(option, pos, caps)
        elif isinstance(node, n.Repeat):
            yield from self._repeat(node, 0, pos, caps, None)
        else:
            raise TypeError(node)

    def _seq(self, items: Sequence[n.Node], i: int, pos: int, caps: Caps) -> Iterator[tuple[int, Caps]]:
        if i == len(items):
            yield pos, caps
            return
        for end, inner in self.run(items[i], pos, caps):
            yield from self._seq(items, i + 1, end, inner)

    def _repeat(
        self, node: n.Repeat, count: int, pos: int, caps: Caps, last_start: Optional[int]
    ) -> Iterator[tuple[int, Caps]]:
        # As sre's MAX_UNTIL / MIN_UNTIL: `count` iterations are done; `last_start` is
        # where the last optional iteration began (None before the first one).
        if count < node.min:
            for end, inner in self.run(node.body, pos, caps):
                yield from self._repeat(node, count + 1, end, inner, last_start)
            return
        more = (node.max is None or count < node.max) and pos != last_start
        if node.lazy:
            yield pos, caps
        if more:
            for end, inner in self.run(node.body, pos, caps):
                yield from self._repeat(node, count + 1, end, inner, pos)
        if not node.lazy:
            yield pos, caps

    def search(self, node: n.Node, start: int, must_advance: bool) -> Optional[tuple[int, int, Caps]]:
        for begin in range(start, self.hi + 1):
            for end, caps in self.run(node, begin, ()):
                if must_advance and end == start:
                    continue  # re.finditer's rule: no empty match where the last one was
                return begin, end, caps
        return None

    def finditer(self, node: n.Node) -> Iterator[tuple[int, int, Caps]]:
        pos, must_advance = self.lo, False
        while pos <= self.hi:
            found = self.search(node, pos, must_advance)
            if found is None:
                return
            yield found
            must_advance = found[0] == found[1]
            pos = found[1]

    def all_spans(self, node: n.Node) -> list[tuple[int, int]]:
        return sorted({(b, e) for b in range(self.lo, self.hi) for e, _ in self.run(node, b, ()) if e > b})


# ---------------------------------------------------------------------------
# Helpers: character offsets of the one-letter texts


def char_span(span: tuple[int, int], n_tokens: int) -> tuple[int, int]:
    """Token span → character span in " ".join(letters): token i is at 2i (empty spans as documented)."""
    start, end = span
    if start < 0:
        return (-1, -1)
    if start < end:
        return (2 * start, 2 * end - 1)
    at = 2 * n_tokens - 1 if start == n_tokens and n_tokens else 2 * start
    return (at, at)


def last_spans(caps: Caps, names: Sequence[str], n_tokens: int) -> dict[str, tuple[int, int]]:
    last = {name: (-1, -1) for name in names}
    for name, start, end in caps:
        last[name] = char_span((start, end), n_tokens)
    return last


def all_occurrences(caps: Caps, names: Sequence[str], n_tokens: int) -> dict[str, list[tuple[int, int]]]:
    return {name: [char_span((b, e), n_tokens) for g, b, e in caps if g == name] for name in names}


def compile_small(node: n.Node) -> ruleie.Pattern:
    return ruleie.compile(n.unparse(node), lexicons=s.SMALL_LEXICONS, taxonomy=s.TAXONOMY)


def document(letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = ()) -> ruleie.Document:
    doc = ruleie.annotate(" ".join(letters))
    assert len(doc) == len(letters) and len(doc.sentences) <= 1
    return doc.with_mentions([Mention(t, b, e) for t, b, e in mentions]) if mentions else doc


def ruleie_found(node: n.Node, letters: Sequence[str], mentions=()) -> list[tuple]:
    names = n.capture_names(node)
    pattern = compile_small(node)
    return [
        (m.span(), {g: m.span(g) for g in names}, {g: m.spans(g) for g in names})
        for m in pattern.finditer(document(letters, mentions))
    ]


def reference_found(node: n.Node, letters: Sequence[str], mentions=()) -> list[tuple]:
    names = n.capture_names(node)
    k = len(letters)
    return [
        (char_span((b, e), k), last_spans(caps, names, k), all_occurrences(caps, names, k))
        for b, e, caps in Reference(letters, mentions).finditer(node)
        if e > b
    ]


def re_found(node: n.Node, letters: Sequence[str]) -> list[tuple]:
    names = n.capture_names(node)
    k = len(letters)
    return [
        (char_span(m.span(), k), {g: char_span(m.span(g), k) for g in names})
        for m in re.finditer(s.to_regex(node), "".join(letters))
        if m.end() > m.start()
    ]


def without_lists(found: list[tuple]) -> list[tuple]:
    return [(span, last) for span, last, *_ in found]


re_patterns = s.small_patterns().filter(s.matches_something).filter(s.fits_python_re)
mention_patterns = s.small_patterns(mentions=True).filter(s.matches_something)
A, B, C = n.Word("a"), n.Word("b"), n.Word("C")
ANY = n.TokenTest()


def cap(name: str, body: n.Node) -> n.Capture:
    return n.Capture(name, body)


# ---------------------------------------------------------------------------
# The oracle is right where re can judge it


@given(re_patterns, s.letter_tokens())
@example(n.Repeat(cap("g1", n.alt(A, n.EMPTY)), 0, None), ["a", "a"])
@example(n.seq(n.Repeat(cap("g1", n.alt(n.EMPTY, A)), 0, 2), B), ["a", "b"])
def test_reference_agrees_with_re(node: n.Node, letters: list[str]) -> None:
    assert without_lists(reference_found(node, letters)) == re_found(node, letters)


# ---------------------------------------------------------------------------
# ruleie agrees with re: spans and every capture


@given(re_patterns, s.letter_tokens())
# A loop body that can match empty: re keeps the captures of the final empty iteration.
@example(n.Repeat(cap("g1", n.alt(A, n.EMPTY)), 0, None), ["a", "a"])
@example(n.Repeat(cap("g1", n.Repeat(A, 0, None)), 1, None), ["b"])
@example(n.seq(n.Repeat(cap("g1", n.alt(n.EMPTY, A)), 0, 2), B), ["a", "b"])
@example(n.Repeat(n.alt(cap("g1", A), B), 1, None), ["a", "b"])
@example(n.seq(n.Repeat(cap("g1", n.Repeat(A, 0, 1)), 1, None, lazy=True), B), ["a", "a", "b"])
def test_finditer_agrees_with_re(node: n.Node, letters: list[str]) -> None:
    assert without_lists(ruleie_found(node, letters)) == re_found(node, letters)


# ---------------------------------------------------------------------------
# ruleie agrees with the brute-force reference where re cannot judge


@given(mention_patterns, s.letter_tokens(max_size=7), st.data())
def test_finditer_agrees_with_reference(node: n.Node, letters: list[str], data: st.DataObject) -> None:
    mentions = data.draw(s.mentions_for(len(letters)))
    assert ruleie_found(node, letters, mentions) == reference_found(node, letters, mentions)


@given(s.variable_lookbehind_patterns(), s.letter_tokens(max_size=7))
@example(n.seq(n.Look(n.seq(A, n.Repeat(ANY, 1, None)), behind=True), C), ["a", "b", "c"])
@example(n.seq(n.Look(n.Repeat(A, 1, None), behind=True, negate=True), A), ["a", "a", "b", "a"])
def test_variable_lookbehind_agrees_with_reference(node: n.Node, letters: list[str]) -> None:
    assert ruleie_found(node, letters) == reference_found(node, letters)


@given(re_patterns, s.letter_tokens(max_size=7))
def test_capture_lists_agree_with_reference(node: n.Node, letters: list[str]) -> None:
    assert ruleie_found(node, letters) == reference_found(node, letters)


# ---------------------------------------------------------------------------
# All-matches mode: every (start, end) at which the whole pattern matches


@given(mention_patterns, s.letter_tokens(max_size=7), st.data())
@example(n.seq(A, n.Repeat(ANY, 0, None)), ["a", "b", "a"], None)
def test_all_spans_agree_with_brute_force(
    node: n.Node, letters: list[str], data: Optional[st.DataObject]
) -> None:
    mentions = data.draw(s.mentions_for(len(letters))) if data is not None else []
    pattern = compile_small(node)
    doc = document(letters, mentions)
    expected = Reference(letters, mentions).all_spans(node)
    assert pattern.all_token_spans(doc) == expected
    assert pattern.all_spans(doc) == [char_span(span, len(letters)) for span in expected]


@given(s.small_patterns(captures=False).filter(s.matches_something), s.letter_tokens(max_size=7))
def test_every_finditer_match_is_among_all_spans(node: n.Node, letters: list[str]) -> None:
    pattern = compile_small(node)
    doc = document(letters)
    spans = set(pattern.all_token_spans(doc))
    assert all(m.token_span() in spans for m in pattern.finditer(doc))


# ---------------------------------------------------------------------------
# Several sentences: matches never cross a sentence, anchors are per sentence


@given(s.small_patterns().filter(s.matches_something), st.lists(s.letter_tokens(min_size=1, max_size=4), max_size=3))
def test_each_sentence_is_matched_alone(node: n.Node, sentences: list[list[str]]) -> None:
    parts = [" ".join(letters) for letters in sentences]
    text = " ".join(parts)
    # Build the document by hand so that the sentences are exactly these.
    starts = [2 * i for i in range(sum(map(len, sentences)))]
    bounds, at = [], 0
    for letters in sentences:
        bounds.append((at, at + len(letters)))
        at += len(letters)
    doc = ruleie.Document("", text, starts, [b + 1 for b in starts], bounds)
    pattern = compile_small(node)
    expected, expected_all, offset = [], [], 0
    for part in parts:
        expected += [(b + offset, e + offset) for b, e in (m.span() for m in pattern.finditer(part))]
        expected_all += [(b + offset, e + offset) for b, e in pattern.all_spans(part)]
        offset += len(part) + 1
    assert [m.span() for m in pattern.finditer(doc)] == expected
    assert pattern.all_spans(doc) == expected_all


# ---------------------------------------------------------------------------
# Captures slice back: text[start:end] is the group's text, on any text


SLICE_PATTERNS = [
    "(?<w> [] ) (?<x> []+ )?",
    "( (?<w> [shape=/[Xx].*/] ) [] )+",
    "(?<all> []{1,3} ) (?<num> [num>=0] )?",
    "(?<a> (?<b> [] )? [word=/\\W+/]* ) (?= [] )",
    "(?<start> ^ []? ) (?<w> [lower=/.*[^\\x00-\\x7f].*/] )",
    "(?<e> []*? ) $",
]


@given(texts=s.texts(), pattern_text=st.sampled_from(SLICE_PATTERNS))
@example(texts="Zürich cafe\u0301 😀 Москва", pattern_text=SLICE_PATTERNS[0])
def test_captures_slice_back(texts: str, pattern_text: str) -> None:
    pattern = ruleie.compile(pattern_text)
    for m in pattern.finditer(texts):
        start, end = m.span()
        assert texts[start:end] == m.group()
        assert 0 <= start < end <= len(texts)
        for name in pattern.groupindex:
            b, e = m.span(name)
            assert (m.group(name) is None) == (b == -1)
            if b >= 0:
                assert texts[b:e] == m.group(name)
                assert start <= b <= e <= end
            assert m.captures(name) == [texts[x:y] for x, y in m.spans(name)]
            if m.spans(name):
                assert m.spans(name)[-1] == (b, e)
    for b, e in pattern.all_spans(texts):
        assert 0 <= b < e <= len(texts) and texts[b:e].strip() == texts[b:e]


# ---------------------------------------------------------------------------
# Linear time, shown as a count of steps (not a timing): a pattern that makes a
# backtracking engine exponential still finishes at once.


@pytest.mark.parametrize("size", [10, 25])
def test_pathological_patterns_finish(size: int) -> None:
    text = " ".join(["a"] * size)
    p = ruleie.compile(f"( a? ){{{size}}} a{{{size}}}")
    assert [m.span() for m in p.finditer(text)] == [(0, len(text))]
    p = ruleie.compile("( ( a* )* )* b")
    assert list(p.finditer(text)) == []


# ---------------------------------------------------------------------------
# Any pattern of the whole language compiles and runs on any text


ALL_LEXICONS = {name: ["launch", "Kyiv", "missiles", "23"] for name in s.LEXICON_NAMES}


@given(s.any_patterns(max_leaves=8), s.texts(max_words=10), st.data())
def test_any_pattern_runs_on_any_text(node: n.Node, text: str, data: st.DataObject) -> None:
    pattern = ruleie.compile(n.unparse(node), lexicons=ALL_LEXICONS, taxonomy={"Person": "Actor"})
    doc = ruleie.annotate(text)
    mentions = data.draw(s.mentions_for(len(doc)))
    types = {"Person": "Person", "Org": "Org.Gov", "Actor": "Actor", "Place": "_T-1"}
    doc = doc.with_mentions([Mention(types[t], b, e) for t, b, e in mentions])  # some cross sentences
    spans = set(pattern.all_spans(doc))
    for m in pattern.finditer(doc):
        assert m.span() in spans
        lo, hi = m.sentence
        assert lo <= m.token_span()[0] < m.token_span()[1] <= hi
        for name in pattern.groupindex:
            b, e = m.span(name)
            assert (b, e) == (-1, -1) or text[b:e] == m.group(name)
