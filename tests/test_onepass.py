"""The one-pass search of a stage against the per-rule search and the pure-Python core.

``Index.match_stage`` runs a stage's candidate rules in the compiled core either one
search per rule and sentence (``RULEIE_MATCH=per-rule``) or in one search per sentence
for all of them (``one-pass``: the threads of every rule in one list). Both must give the
same matches in the same order: every rule, sentence, span, capture slot and capture
history, and the spans of the all-matches mode; and both must give what
``matcher.python_finditer`` / ``python_all_spans`` give, rule by rule, sentence by
sentence. Random rule sets (several patterns of the whole language at once, lookaround
included), random tokens, mentions and sentence layouts, every lookaround strategy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ruleie
from ruleie.engine.ruleindex import RuleIndex
from ruleie.language import corevm, matcher
from ruleie.language import nodes as n
from ruleie.language.matcher import DocumentContext
from ruleie.text.document import Document, Mention

import strategies as s
from oracles import sentences_document

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not corevm.available(), reason="the compiled matcher core is not built")

PROBES = st.sampled_from([0, 1, 8, 1_000_000])
# Per rule: its finditer matches, its all-matches spans, or both (as match_all asks for mention rules).
MODES = st.sampled_from([corevm.FINDITER, corevm.FINDITER, corevm.SPANS | corevm.FINDITER, corevm.SPANS])

ALL_LEXICONS = {name: ["launch", "Kyiv", "missiles", "23", "a", "b"] for name in s.LEXICON_NAMES}
WHOLE_TAXONOMY = {"Person": "Actor", "Org.Gov": "Actor"}
ANY_TYPES = {"Person": "Person", "Org": "Org.Gov", "Actor": "Actor", "Place": "_T-1"}


def stage_every_way(patterns: Sequence[ruleie.Pattern], lexicons: dict, doc: Document, modes: Sequence[int],
                    probes: int, skip_empty: bool) -> tuple[list, list]:
    """The stage's matches and spans per rule and in one pass (which must agree) and the Python
    core's, rule by rule (which they must equal)."""
    programs = [p.program for p in patterns]
    ancestors = patterns[0]._ancestors
    core = corevm.index(programs, RuleIndex(programs, lexicons), [0] * len(programs))
    found = {}
    with matcher.strategy_thresholds(probes_before_sweep=probes), corevm.using(corevm.COMPILED):
        for how in (corevm.PER_RULE, corevm.ONE_PASS, corevm.PER_RULE, corevm.ONE_PASS):  # twice: reused state
            ctx = DocumentContext(doc, ancestors)
            with corevm.matching(how):
                hits = corevm.token_candidates(core, ctx)
                matches, spans, timed_out = corevm.match_stage(
                    core, 0, hits, ctx, doc.sentences, bytes(modes), skip_empty=skip_empty
                )
            assert timed_out == -1
            found.setdefault(how, []).append((matches, spans))
    assert found[corevm.ONE_PASS][0] == found[corevm.PER_RULE][0], [p.canonical for p in patterns]
    assert found[corevm.ONE_PASS][1] == found[corevm.ONE_PASS][0]
    assert found[corevm.PER_RULE][1] == found[corevm.PER_RULE][0]
    matches, spans = found[corevm.ONE_PASS][0]

    expected_matches, expected_spans = [], []
    with matcher.strategy_thresholds(probes_before_sweep=probes):
        for k, pattern in enumerate(patterns):
            for lo, hi in doc.sentences:
                if modes[k] & corevm.SPANS:
                    ctx = DocumentContext(doc, ancestors)
                    expected_spans += [(k, b, e) for b, e in matcher.python_all_spans(pattern.program, ctx, lo, hi)]
                if modes[k] & corevm.FINDITER:
                    ctx = DocumentContext(doc, ancestors)
                    expected_matches += [
                        (k, lo, hi, m.start, m.end, tuple(m.slots), tuple(m.history))
                        for m in matcher.python_finditer(pattern.program, ctx, lo, hi)
                        if not (skip_empty and m.start == m.end)
                    ]
    got = [(k, lo, hi, b, e, tuple(slots), tuple(history)) for k, lo, hi, b, e, slots, history in matches]
    assert got == expected_matches, [p.canonical for p in patterns]
    assert spans == expected_spans, [p.canonical for p in patterns]
    return matches, spans


def compile_small(node) -> ruleie.Pattern:
    return ruleie.compile(n.unparse(node), lexicons=s.SMALL_LEXICONS, taxonomy=s.TAXONOMY)


RULES = st.lists(s.small_patterns(mentions=True, max_leaves=10).filter(s.matches_something), min_size=1, max_size=6)


@settings(max_examples=300)
@given(RULES, st.lists(s.letter_tokens(min_size=1, max_size=8), min_size=1, max_size=4), st.data(), PROBES,
       st.booleans())
def test_rule_sets_over_sentences(nodes: list, sentences: list[list[str]], data, probes: int, skip_empty: bool) -> None:
    """Several rules of the small alphabet at once (mentions, captures in repetitions, empty
    loops, anchors, lookaround), over sentences laid out by hand, with mentions."""
    doc = sentences_document(sentences)
    mentions = data.draw(s.mentions_for(len(doc)))
    doc = doc.with_mentions([Mention(t, b, e) for t, b, e in mentions])
    modes = data.draw(st.lists(MODES, min_size=len(nodes), max_size=len(nodes)))
    stage_every_way([compile_small(node) for node in nodes], s.SMALL_LEXICONS, doc, modes, probes, skip_empty)


@settings(max_examples=200)
@given(st.lists(s.any_patterns(max_leaves=8), min_size=1, max_size=4), s.texts(max_words=14), st.data(), PROBES)
def test_rule_sets_of_the_whole_language(nodes: list, text: str, data, probes: int) -> None:
    """Every kind of constraint, mentions with a taxonomy, nested lookaround, counted and lazy
    repetitions, several rules at once, on any text (whose sentences the annotator finds)."""
    patterns = [ruleie.compile(n.unparse(node), lexicons=ALL_LEXICONS, taxonomy=WHOLE_TAXONOMY) for node in nodes]
    doc = ruleie.annotate(text)
    mentions = data.draw(s.mentions_for(len(doc)))
    doc = doc.with_mentions([Mention(ANY_TYPES[t], b, e) for t, b, e in mentions])
    modes = data.draw(st.lists(MODES, min_size=len(nodes), max_size=len(nodes)))
    stage_every_way(patterns, ALL_LEXICONS, doc, modes, probes, True)


@settings(max_examples=25)
@given(st.lists(s.small_patterns(mentions=True, max_leaves=14).filter(s.matches_something), min_size=2, max_size=8),
       st.integers(60, 250), st.randoms(use_true_random=False), PROBES)
def test_rule_sets_over_long_sentences(nodes: list, size: int, rnd, probes: int) -> None:
    """Hundreds of tokens: many matches per rule, searches begun again behind the shared list."""
    letters = [rnd.choice(s.LETTERS) for _ in range(size)]
    mentions = []
    for _ in range(size // 5):
        start = rnd.randrange(size)
        mentions.append(Mention(rnd.choice(s.MENTION_TYPES), start, min(size, start + rnd.randint(1, 4))))
    doc = sentences_document([letters]).with_mentions(mentions)
    modes = [corevm.FINDITER] * len(nodes)
    stage_every_way([compile_small(node) for node in nodes], s.SMALL_LEXICONS, doc, modes, probes, False)


@pytest.mark.parametrize(
    "patterns",
    [
        # a greedy tail that runs on and dies: the next search begins behind the shared list
        ["a (?<t> []{0,3}? c )?", "a []* b | a", "(?<x> a ) ( b c )?"],
        # empty matches, must-advance, and the sentence end
        ["[]*", "[]{0,2} $", "(?<e> a* )", "a?? b?"],
        # shared lookaround objects, probed and swept
        ["(?<= a ) b", "(?<= a ) c", "b (?! a )", "(?= b ) []"],
        # rules with the same sentence filters (first units, required words), which a document computes once
        ["a []{0,3} c", "a b? c", "(?<x> a ) []* c", "b []* c", "a c? (?= b )"],
    ],
)
def test_fixed_rule_sets(patterns: list[str]) -> None:
    compiled = [ruleie.compile(p) for p in patterns]
    doc = sentences_document([list("aabcabcbbca"), list("cab"), list("a")])
    for probes in (0, 8):
        stage_every_way(compiled, {}, doc, [corevm.FINDITER] * len(patterns), probes, False)


def test_the_engine_gives_the_same_records_both_ways() -> None:
    """The shipped packs end to end: records and match_all, per rule and in one pass."""
    rules = ruleie.load_rules()
    texts = [json.loads(line)["text"] for line in (REPO / "tests" / "fixtures" / "engine" / "docs.jsonl").open()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    texts.append(" ".join(["said missiles Russia launched"] * 300))
    found = {}
    for how in (corevm.PER_RULE, corevm.ONE_PASS):
        with corevm.using(corevm.COMPILED), corevm.matching(how):
            found[how] = ([[r.to_dict() for r in rules.extract(t, doc_id=str(i))] for i, t in enumerate(texts)],
                          [rules.match_all(rules.annotate(t)) for t in texts])
    assert found[corevm.ONE_PASS] == found[corevm.PER_RULE]
    assert any(found[corevm.ONE_PASS][0])


def test_choosing_the_way_of_matching() -> None:
    assert corevm.matching_name() in (corevm.PER_RULE, corevm.ONE_PASS)
    with corevm.matching(corevm.ONE_PASS):
        assert corevm.matching_name() == corevm.ONE_PASS
    with pytest.raises(ValueError):
        corevm.use_matching("sideways")
