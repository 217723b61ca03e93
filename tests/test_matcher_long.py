"""Long sentences (hundreds of tokens) and the matcher's strategies with their shipped thresholds.

On a long sentence the shipped thresholds take every path by themselves: a
lookaround asked at more than ``PROBES_BEFORE_SWEEP`` positions is answered by the
sweep, and a pattern with many optional parts in a row has instructions with more
than ``MAX_CLOSURE_PATHS`` closure paths, walked at match time. The backtracking
reference is exponential on such inputs, so the judges here are:

* ``SpanOracle`` (oracles.py): the all-matches mode exactly, and for ``finditer``
  where each leftmost match must begin and that its end is a possible end;
* the same search under the other strategies: spans and every capture must agree
  whichever way lookaround and closures are computed (``PROBE_ONLY`` never sweeps).

Short inputs are checked against ``re`` and the reference under lowered thresholds in
test_matcher_properties.py.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ruleie.language import matcher
from ruleie.language import nodes as n

import strategies as s
from oracles import (
    PROBE_ONLY,
    SpanOracle,
    available_strategies,
    compile_small,
    core,
    core_params,
    document,
    raw_matches,
    ruleie_found,
    strategy,
)

pytestmark = pytest.mark.timeout(300)

A, B, C = n.Word("a"), n.Word("b"), n.Word("C")
ANY = n.TokenTest()

long_patterns = s.small_patterns(mentions=True, max_leaves=14).filter(s.matches_something)


@st.composite
def long_sentences(draw: st.DrawFn, min_size: int = 80, max_size: int = 300) -> tuple[list[str], list]:
    """Hundreds of one-letter tokens, with mentions (nested ones from one token included)."""
    n_tokens = draw(st.integers(min_size, max_size))
    # Long runs of one letter now and then, so that loops and lookaround see repeats.
    letters: list[str] = []
    while len(letters) < n_tokens:
        letter = draw(st.sampled_from(s.LETTERS))
        letters.extend([letter] * draw(st.sampled_from([1, 1, 1, 2, 5, 20])))
    letters = letters[:n_tokens]
    mentions = draw(s.mentions_for(n_tokens, max_mentions=40))
    return letters, mentions


def _cap(name: str, body: n.Node) -> n.Capture:
    return n.Capture(name, body)


MANY_OPTIONAL = n.seq(_cap("g1", A), n.Repeat(n.Repeat(B, 0, 1), 65, 65))
AHEAD_AT_END = n.seq(_cap("g1", ANY), n.Look(n.Anchor("$")))  # probed at the sentence end only
# probed wherever an "a" begins its body: on LONG, often enough to be swept
AHEAD_OF_AS_AT_END = n.seq(_cap("g1", ANY), n.Look(n.seq(n.Repeat(A, 0, None), n.Anchor("$"))))
BEHIND_AND_AHEAD = n.seq(n.Look(A, behind=True), _cap("g1", ANY), n.Look(n.seq(ANY, n.Look(ANY, negate=True))))
LONG = (["b", "a", "A", "c"] * 40, [])


def _found_under(node: n.Node, letters: list[str], mentions: list, name: str) -> list:
    with strategy(name):
        return ruleie_found(node, letters, mentions)


@pytest.mark.parametrize("core_name", core_params())
@settings(max_examples=25)
@given(long_patterns, long_sentences())
@example(AHEAD_AT_END, LONG)
@example(AHEAD_OF_AS_AT_END, LONG)
@example(BEHIND_AND_AHEAD, LONG)
@example(MANY_OPTIONAL, (["a", "b", "b"] * 50, []))
@example(n.seq(n.MentionRef("Actor"), n.Look(ANY, negate=True)), (["a"] * 100, [("Person", 90, 100), ("Org", 90, 95)]))
def test_long_sentences_agree_with_the_span_oracle(core_name: str, node: n.Node, sentence: tuple[list[str], list]) -> None:
    """Shipped thresholds: the all-matches mode is exactly the oracle's; every finditer
    match begins where the leftmost match must and ends where the pattern can end."""
    letters, mentions = sentence
    oracle = SpanOracle(letters, mentions)
    pattern = compile_small(node)
    doc = document(letters, mentions)
    expected_spans = oracle.all_spans(node)
    with core(core_name):
        assert pattern.all_token_spans(doc) == expected_spans
        pos, must_advance = 0, False
        for m in raw_matches(pattern, doc):
            assert m.start == oracle.first_start(node, pos, must_advance), (pos, m)
            assert oracle.ends(node, m.start) >> m.end & 1, m
            must_advance, pos = m.start == m.end, m.end
        assert oracle.first_start(node, pos, must_advance) is None


@settings(max_examples=25)
@given(long_patterns, long_sentences())
@example(AHEAD_AT_END, LONG)
@example(AHEAD_OF_AS_AT_END, LONG)
@example(BEHIND_AND_AHEAD, LONG)
@example(MANY_OPTIONAL, (["a", "b", "b"] * 50, []))
@example(_cap("g1", n.MentionRef("Actor")), (["a"] * 100, [("Person", 3, 4), ("Person", 3, 6), ("Org", 50, 52)]))
def test_long_sentences_find_the_same_under_every_strategy(node: n.Node, sentence: tuple[list[str], list]) -> None:
    """Spans and every capture (lists included) agree whether lookaround is probed or swept
    and closures are read from the table or walked."""
    letters, mentions = sentence
    with core("python"), matcher.strategy_thresholds(**PROBE_ONLY):
        expected = ruleie_found(node, letters, mentions)
    for name in available_strategies():
        assert _found_under(node, letters, mentions, name) == expected, name


def test_the_shipped_thresholds_reach_the_sweep_and_the_walk_on_long_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples above do take the paths they are meant for (a test of the tests)."""
    swept: list[int] = []
    walked: list[int] = []
    real_accepting = matcher._accepting
    real_table = matcher.closure_table

    def accepting(program, ctx, lo, hi, single_start, first_only=False):  # type: ignore[no-untyped-def]
        if single_start is None:
            swept.append(hi - lo)
        return real_accepting(program, ctx, lo, hi, single_start, first_only)

    def table(program):  # type: ignore[no-untyped-def]
        found = real_table(program)
        walked.extend(pc for pc, paths in enumerate(found) if paths is None)
        return found

    monkeypatch.setattr(matcher, "_accepting", accepting)
    monkeypatch.setattr(matcher, "closure_table", table)
    letters, mentions = LONG
    with core("python"):
        ruleie_found(AHEAD_AT_END, letters, mentions)
        assert not swept, "a lookahead whose body can begin only at the sentence end was swept"
        ruleie_found(AHEAD_OF_AS_AT_END, letters, mentions)
        assert swept, "the lookahead was never swept"
        ruleie_found(MANY_OPTIONAL, ["a", "b"], [])
        assert walked, "no closure was too large for the table"
