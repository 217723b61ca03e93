"""Property tests of the matcher against two oracles: Python's ``re`` and a brute-force matcher.

Patterns over the small alphabet of ``strategies`` run on texts of one-letter
tokens ("a b A c"). Encoded one character per token ("abAc"), the same pattern
translated to a Python regex must find the same matches with the same captures.
What ``re`` cannot express (variable-length lookbehind, ``@Type`` mentions) and
the all-matches mode are checked against ``Reference``: a backtracking matcher
over the AST written to be obviously correct, not fast. ``Reference`` is itself
checked against ``re`` wherever ``re`` applies (the oracles are in ``oracles.py``).

Every differential property runs under each of the matcher's strategies
(``oracles.STRATEGIES``), on both matcher cores: the Python core (the reference
that test_corevm.py holds the compiled core to) and the compiled one. With the
shipped thresholds, short inputs never reach the lookaround sweep or the closure
walk, so the thresholds are lowered to make them take those paths too. Long sentences and large patterns are in
``test_matcher_long.py``.

The ``@example``s pin cases that once passed the whole suite with a bug planted
(docs/testing.md lists them); each names the bug it catches.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, reject, settings
from hypothesis import strategies as st

import ruleie
from ruleie.language import nodes as n
from ruleie.text.document import Mention

import strategies as s
from oracles import (
    Reference,
    SpanOracle,
    TooSlow,
    char_span,
    compile_small,
    document,
    raw_matches,
    re_found,
    reference_found,
    ruleie_found,
    sentences_document,
    strategy,
    strategy_params,
    without_lists,
)

# A hang in the matcher fails with the test's name (pytest-timeout) instead of stalling
# the run; raw_matches (oracles.py) turns a finditer that stops advancing into a failure first.
pytestmark = pytest.mark.timeout(300)

re_patterns = s.small_patterns().filter(s.matches_something).filter(s.fits_python_re)
mention_patterns = s.small_patterns(mentions=True).filter(s.matches_something)
# Up to three times the leaves: long sequences of optional parts, nested lookaround.
large_re_patterns = s.small_patterns(max_leaves=24).filter(s.matches_something).filter(s.fits_python_re)
A, B, C = n.Word("a"), n.Word("b"), n.Word("C")
ANY = n.TokenTest()
STRATEGY_NAMES = strategy_params()


def cap(name: str, body: n.Node) -> n.Capture:
    return n.Capture(name, body)


def opt(node: n.Node) -> n.Repeat:
    return n.Repeat(node, 0, 1)


# Pinned cases for bugs the generated examples missed (docs/testing.md, "Planted bugs").
# 65 optional tokens in a row: more than MAX_CLOSURE_PATHS paths leave the capture's end,
# so even the default thresholds walk that closure at match time (capture-end store).
MANY_OPTIONAL = n.seq(cap("g1", A), n.Repeat(opt(B), 65, 65))
# A lookahead asked at more positions of a sentence than PROBES_BEFORE_SWEEP: the later
# ones, the sentence end included, are answered by the sweep (lookahead sweep off by one).
AHEAD_AT_END = n.seq(cap("g1", ANY), n.Look(n.Anchor("$")))
AHEAD_OF_A = n.seq(n.Look(n.seq(A, ANY)), ANY)
BEHIND_A = n.seq(n.Look(A, behind=True), cap("g1", ANY))
TWELVE = ["b", "a", "c", "a", "a", "b", "A", "c", "b", "a", "a", "c"]


# ---------------------------------------------------------------------------
# The oracle is right where re can judge it


@given(re_patterns, s.letter_tokens())
@example(n.Repeat(cap("g1", n.alt(A, n.EMPTY)), 0, None), ["a", "a"])
@example(n.seq(n.Repeat(cap("g1", n.alt(n.EMPTY, A)), 0, 2), B), ["a", "b"])
def test_reference_agrees_with_re(node: n.Node, letters: list[str]) -> None:
    assert without_lists(reference_found(node, letters)) == re_found(node, letters)


@given(s.small_patterns(max_leaves=16, captures=False).filter(s.matches_something), s.letters_with_mentions(max_size=7))
def test_span_oracle_agrees_with_reference(node: n.Node, sentence: tuple[list[str], list]) -> None:
    """The set oracle of the long-sentence tests, checked where the backtracking reference is cheap."""
    letters, mentions = sentence
    assert SpanOracle(letters, mentions).all_spans(node) == Reference(letters, mentions).all_spans(node)


# ---------------------------------------------------------------------------
# ruleie agrees with re: spans and every capture, under every strategy


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(re_patterns, s.letter_tokens())
# A loop body that can match empty: re keeps the captures of the final empty iteration.
@example(n.Repeat(cap("g1", n.alt(A, n.EMPTY)), 0, None), ["a", "a"])
@example(n.Repeat(cap("g1", n.Repeat(A, 0, None)), 1, None), ["b"])
@example(n.seq(n.Repeat(cap("g1", n.alt(n.EMPTY, A)), 0, 2), B), ["a", "b"])
@example(n.Repeat(n.alt(cap("g1", A), B), 1, None), ["a", "b"])
@example(n.seq(n.Repeat(cap("g1", n.Repeat(A, 0, 1)), 1, None, lazy=True), B), ["a", "a", "b"])
# The closure walk (capture-end store), reached with the default thresholds too.
@example(MANY_OPTIONAL, ["a"])
@example(MANY_OPTIONAL, ["b", "a", "b", "b"])
# The lookahead sweep (off by one), reached after PROBES_BEFORE_SWEEP probes.
@example(AHEAD_AT_END, TWELVE)
@example(AHEAD_OF_A, TWELVE)
@example(BEHIND_A, TWELVE)
@example(n.seq(n.Look(ANY, negate=True), ANY), ["a"])
# A group that a later iteration skips keeps its earlier value (slots copied, not shifted).
@example(n.Repeat(n.seq(cap("g1", A), n.Repeat(cap("g2", B), 0, 1)), 1, None), ["a", "b", "a"])
# Nothing is consumed at the sentence end.
@example(n.seq(A, ANY), ["a"])
# A thread whose first path leads where a better thread went already still follows its
# later paths (here the lazy b?? of the second option: its first path, to c, is taken).
@example(n.seq(n.alt(A, n.seq(A, n.Repeat(B, 0, 1, lazy=True))), C), ["a", "b", "c"])
def test_finditer_agrees_with_re(strategy_name: str, node: n.Node, letters: list[str]) -> None:
    expected = re_found(node, letters)
    with strategy(strategy_name):
        assert without_lists(ruleie_found(node, letters)) == expected


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@settings(max_examples=40)
@given(s.empty_loop_patterns(), s.letter_tokens(max_size=5))
@example(n.seq(n.Anchor("^"), n.Repeat(n.Repeat(A, 0, 1), 0, None), B), ["b"])
@example(n.seq(n.Repeat(cap("g1", n.seq(n.Anchor("^"), n.Repeat(A, 0, 1))), 0, None), B), ["a", "b"])
@example(n.seq(n.Repeat(cap("g1", n.alt(A, n.EMPTY)), 1, 3), cap("g2", B)), ["a", "b"])
# An empty last iteration of the outer loop keeps its captures; the inner loop is skipped in it.
@example(n.Repeat(n.seq(cap("g1", n.Repeat(A, 0, 1)), n.Repeat(n.Repeat(B, 0, 1), 0, None)), 0, None), ["a"])
# Found by this test: leaving {0,2} after an empty last copy did not end that copy's empty
# iteration, so the enclosing * took one more iteration (one capture occurrence too many).
@example(n.Repeat(n.Repeat(n.Repeat(cap("g1", n.Repeat(A, 0, 1)), 0, 2), 0, 1), 0, None), ["a"])
# Skipping an inner loop must not forget that the outer iteration began here (mutants of
# the RSPLIT exit in _closure_with_empty_loops).
@example(n.Repeat(cap("g1", n.Repeat(n.Repeat(n.seq(n.Anchor("^"), n.Repeat(ANY, 0, 1)), 0, None), 0, None)), 0, None),
         ["a"])
@example(n.Repeat(cap("g1", n.Repeat(n.Repeat(n.Repeat(A, 0, 1), 0, None, lazy=True), 0, None)), 1, None), ["a"])
def test_repetitions_of_what_can_match_nothing_agree_with_re(strategy_name: str, node: n.Node, letters: list[str]) -> None:
    """re's rule on empty iterations, with anchors, lookaround and captures inside the loop.
    Every capture occurrence too, where the backtracking reference finishes in reasonable time.
    Where ``re`` itself backtracks for seconds (nested empty loops), the example is dropped."""
    try:
        expected = re_found(node, letters, seconds=2.0)
    except TooSlow:
        reject()
    try:
        expected_lists = reference_found(node, letters, budget=20_000)
    except TooSlow:
        expected_lists = None
    with strategy(strategy_name):
        found = ruleie_found(node, letters)
        spans = compile_small(node).all_token_spans(document(letters))
    assert without_lists(found) == expected
    if expected_lists is not None:
        assert found == expected_lists
    assert spans == SpanOracle(letters).all_spans(node)


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@settings(max_examples=30)
@given(large_re_patterns, s.letter_tokens(max_size=10))
def test_large_patterns_agree_with_re(strategy_name: str, node: n.Node, letters: list[str]) -> None:
    expected = re_found(node, letters)
    with strategy(strategy_name):
        assert without_lists(ruleie_found(node, letters)) == expected


# ---------------------------------------------------------------------------
# ruleie agrees with the brute-force reference where re cannot judge


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(mention_patterns, s.letters_with_mentions(max_size=7))
# Two mentions from one token: @Type takes the longest first (mention preference).
@example(cap("g1", n.MentionRef("Actor")), (["a", "b", "c"], [("Person", 0, 1), ("Person", 0, 2)]))
@example(n.seq(n.MentionRef("Actor"), ANY), (["a", "b", "c"], [("Org", 0, 1), ("Person", 0, 2)]))
@example(n.seq(cap("g1", n.MentionRef("Actor")), n.Look(ANY)), (["a", "b", "c"], [("Org", 0, 2), ("Org", 0, 1)]))
# Capture history made before a mention of several tokens is kept while the thread waits.
@example(n.seq(cap("g1", ANY), n.MentionRef("Person")), (["a", "b", "c"], [("Person", 1, 3)]))
# A thread waiting for a long mention to end does not stop the threads after it.
@example(n.alt(n.seq(n.MentionRef("Person"), C), n.seq(A, B)), (["a", "b", "b"], [("Person", 0, 2)]))
# Two threads at one position wait on the same mention after different @Type references:
# each keeps its own place (the matcher's dedup of waiting threads is per instruction).
@example(n.seq(n.Repeat(ANY, 0, None), n.MentionRef("Actor"), ANY, n.MentionRef("Actor")),
         (["a", "b", "a", "b"], [("Person", 0, 1), ("Person", 2, 4)]))
@example(n.seq(n.Repeat(ANY, 0, None, lazy=True), n.MentionRef("Actor"), n.MentionRef("Actor"), C),
         (["a", "b", "b", "a", "c"], [("Person", 0, 1), ("Person", 1, 3), ("Person", 3, 4)]))
@example(n.seq(n.Repeat(ANY, 0, None, lazy=True), n.MentionRef("Actor"), ANY, n.MentionRef("Actor"), C),
         (["a", "b", "a", "b", "a", "b", "c"], [("Person", 0, 1), ("Person", 2, 4), ("Person", 5, 6)]))
@example(n.seq(n.Repeat(ANY, 0, None), n.MentionRef("Actor"), n.MentionRef("Actor"), C),
         (["a", "b", "b", "c"], [("Person", 0, 1), ("Person", 1, 3)]))
def test_finditer_agrees_with_reference(strategy_name: str, node: n.Node, sentence: tuple[list[str], list]) -> None:
    letters, mentions = sentence
    expected = reference_found(node, letters, mentions)
    with strategy(strategy_name):
        assert ruleie_found(node, letters, mentions) == expected


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(s.variable_lookbehind_patterns(), s.letter_tokens(max_size=7))
@example(n.seq(n.Look(n.seq(A, n.Repeat(ANY, 1, None)), behind=True), C), ["a", "b", "c"])
@example(n.seq(n.Look(n.Repeat(A, 1, None), behind=True, negate=True), A), ["a", "a", "b", "a"])
def test_variable_lookbehind_agrees_with_reference(strategy_name: str, node: n.Node, letters: list[str]) -> None:
    expected = reference_found(node, letters)
    with strategy(strategy_name):
        assert ruleie_found(node, letters) == expected


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(re_patterns, s.letter_tokens(max_size=7))
@example(MANY_OPTIONAL, ["a", "b"])
def test_capture_lists_agree_with_reference(strategy_name: str, node: n.Node, letters: list[str]) -> None:
    expected = reference_found(node, letters)
    with strategy(strategy_name):
        assert ruleie_found(node, letters) == expected


# ---------------------------------------------------------------------------
# Targeted: lookaround at every position of a sentence, @Type with nested mentions


look_bodies = s.small_patterns(mentions=True, max_leaves=6, captures=False)


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(look_bodies, st.booleans(), st.booleans(), s.letters_with_mentions(max_size=8))
# A lookahead whose body matches empty at the sentence end (sweep off by one at the end).
@example(n.Repeat(A, 0, 1), False, False, (["b", "c"], []))
@example(n.Anchor("$"), False, False, (["a"], []))
# A lookahead that holds only at the sentence start (sweep off by one at the start).
@example(n.seq(A, B), False, False, (["a", "b", "c"], []))
@example(n.Anchor("^"), True, False, (["a", "b"], []))
def test_lookaround_holds_where_the_reference_says_at_every_position(
    strategy_name: str, body: n.Node, behind: bool, negate: bool, sentence: tuple[list[str], list]
) -> None:
    """The lookaround asked before and after a token: together at every position lo..hi.
    Under "sweep-walk" every answer comes from the sweep, under "mixed" the first from a probe."""
    letters, mentions = sentence
    look = n.Look(body, behind=behind, negate=negate)
    reference = Reference(letters, mentions)
    for node in (n.seq(look, ANY), n.seq(ANY, look)):
        expected = reference.all_spans(node)
        with strategy(strategy_name):
            assert compile_small(node).all_token_spans(document(letters, mentions)) == expected, n.unparse(node)


mention_first_patterns = st.builds(
    lambda t, rest, keep: n.seq(cap("g1", n.MentionRef(t)), *([rest] if keep else [])),
    st.sampled_from(s.REF_TYPES),
    s.small_patterns(mentions=True, max_leaves=4, captures=False),
    st.booleans(),
).filter(s.matches_something)


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(mention_first_patterns, s.letters_with_mentions(min_size=1, max_size=6, max_mentions=6))
@example(n.seq(cap("g1", n.MentionRef("Actor"))), (["a", "b", "c"], [("Person", 0, 1), ("Org", 0, 3)]))
def test_a_mention_reference_prefers_its_longest_reading(
    strategy_name: str, node: n.Node, sentence: tuple[list[str], list]
) -> None:
    letters, mentions = sentence
    expected = reference_found(node, letters, mentions)
    with strategy(strategy_name):
        assert ruleie_found(node, letters, mentions) == expected


# ---------------------------------------------------------------------------
# All-matches mode: every (start, end) at which the whole pattern matches


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(mention_patterns, s.letters_with_mentions(max_size=7))
@example(n.seq(A, n.Repeat(ANY, 0, None)), (["a", "b", "a"], []))
@example(AHEAD_AT_END, (TWELVE, []))
@example(n.seq(ANY, n.Look(n.MentionRef("Place"))), (["a", "b", "c"], [("Place", 2, 3)]))
@example(n.seq(A, ANY), (["a"], []))
@example(n.seq(n.Look(n.MentionRef("Person")), ANY), (["a", "b"], [("Person", 0, 2)]))
@example(n.seq(ANY, n.Look(n.MentionRef("Person"), behind=True)), (["a", "b"], [("Person", 0, 2)]))
# An optional copy of a body that can match nothing: after it (NEXT), only what follows.
@example(n.Repeat(n.alt(n.Repeat(C, 0, 1), n.seq(A, B)), 0, 1), (["a", "b", "b"], []))
def test_all_spans_agree_with_brute_force(strategy_name: str, node: n.Node, sentence: tuple[list[str], list]) -> None:
    letters, mentions = sentence
    expected = Reference(letters, mentions).all_spans(node)
    with strategy(strategy_name):
        pattern = compile_small(node)
        doc = document(letters, mentions)
        assert pattern.all_token_spans(doc) == expected
        assert pattern.all_spans(doc) == [char_span(span, len(letters)) for span in expected]


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(s.small_patterns(captures=False).filter(s.matches_something), s.letter_tokens(max_size=7))
def test_every_finditer_match_is_among_all_spans(strategy_name: str, node: n.Node, letters: list[str]) -> None:
    with strategy(strategy_name):
        pattern = compile_small(node)
        doc = document(letters)
        spans = set(pattern.all_token_spans(doc))
        assert all(m.token_span() in spans for m in pattern.finditer(doc))


# ---------------------------------------------------------------------------
# finditer always advances: re.finditer's rule for empty matches


@given(s.small_patterns().filter(s.matches_something), s.letter_tokens(max_size=7))
@example(n.Repeat(A, 0, None), ["b", "b"])
@example(n.alt(n.EMPTY, A), [])
@example(n.seq(n.Repeat(A, 0, None), n.Look(B)), ["a", "b", "b"])
def test_finditer_advances_as_re_finditer_does(node: n.Node, letters: list[str]) -> None:
    """Raw matches (empty ones included) follow ``re.finditer`` exactly: same spans, and
    each search starts where the last match ended, never twice empty at one position."""
    pattern = compile_small(node)
    found = [(m.start, m.end) for m in raw_matches(pattern, document(letters))]
    expected = [(b, e) for b, e, _ in Reference(letters).finditer(node)]
    assert found == expected
    for (b1, e1), (b2, e2) in zip(found, found[1:]):
        assert b2 >= e1 and (b2, e2) != (b1, e1)


# ---------------------------------------------------------------------------
# Several sentences: matches never cross a sentence, anchors are per sentence


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@given(s.small_patterns().filter(s.matches_something), st.lists(s.letter_tokens(min_size=1, max_size=4), max_size=3))
@example(n.seq(A, ANY), [["a"], ["b"]])
@example(n.seq(A, B), [["a"], ["b"]])
@example(n.seq(ANY, n.Look(B, behind=True)), [["b"], ["a", "b"]])
def test_each_sentence_is_matched_alone(strategy_name: str, node: n.Node, sentences: list[list[str]]) -> None:
    parts = [" ".join(letters) for letters in sentences]
    doc = sentences_document(sentences)
    pattern = compile_small(node)
    expected, expected_all, offset = [], [], 0
    for part in parts:
        expected += [(b + offset, e + offset) for b, e in (m.span() for m in pattern.finditer(part))]
        expected_all += [(b + offset, e + offset) for b, e in pattern.all_spans(part)]
        offset += len(part) + 1
    with strategy(strategy_name):
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


@pytest.mark.parametrize("strategy_name", STRATEGY_NAMES)
@pytest.mark.parametrize("size", [10, 25])
def test_pathological_patterns_finish(size: int, strategy_name: str) -> None:
    """Under every strategy: the closure walk, too, keeps one thread per instruction (a
    walk that kept every path would hold exponentially many threads here and hang)."""
    text = " ".join(["a"] * size)
    with strategy(strategy_name):
        p = ruleie.compile(f"( a? ){{{size}}} a{{{size}}}")
        assert [m.span() for m in p.finditer(text)] == [(0, len(text))]
        p = ruleie.compile("( ( a* )* )* b")
        assert list(p.finditer(text)) == []
        # The same two without loops that can match nothing (those take another closure).
        p = ruleie.compile(" ".join(["a?"] * size + ["a"] * size))
        assert [m.span() for m in p.finditer(text)] == [(0, len(text))]
        p = ruleie.compile("( a | a a )* b")
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
