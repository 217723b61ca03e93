"""The matcher's document context in corners the generated texts do not reach: the type
taxonomy, empty and sentence-crossing mentions, lexicons over columns a document brings.

(Each test was written for mutants that survived scripts/mutation_test.py; docs/testing.md.)
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ruleie
from ruleie.language import matcher
from ruleie.text.document import Document, Mention

from oracles import core_params, strategy, strategy_params


@pytest.fixture(params=core_params())
def core_name(request: pytest.FixtureRequest) -> str:
    return request.param


def _on(core_name: str):  # type: ignore[no-untyped-def]
    return strategy(core_name)


def test_ancestors_follow_chains_several_parents_and_survive_cycles() -> None:
    table = matcher.ancestors_table({"Mayor": "Official", "Official": ["Person", "Agent"], "Person": None,
                                     "A": "B", "B": "A"})
    assert table["Mayor"] == {"Mayor", "Official", "Person", "Agent"}
    assert table["Official"] == {"Official", "Person", "Agent"}
    assert table["Person"] == {"Person"}
    assert table["A"] == table["B"] == {"A", "B"}  # a cycle ends, with every type on it


def test_a_mention_reference_matches_through_a_taxonomy_of_several_levels(core_name: str) -> None:
    doc = ruleie.annotate("The mayor spoke.").with_mentions([Mention("Mayor", 0, 2)])
    taxonomy = {"Mayor": "Official", "Official": ["Person", "Agent"]}
    with _on(core_name):
        for wanted in ("Mayor", "Official", "Person", "Agent"):
            assert [m.group() for m in ruleie.compile(f"@{wanted}", taxonomy=taxonomy).finditer(doc)] == ["The mayor"]
        assert list(ruleie.compile("@Place", taxonomy=taxonomy).finditer(doc)) == []


def test_an_empty_mention_matches_nothing_and_hides_no_other(core_name: str) -> None:
    doc = ruleie.annotate("a b c").with_mentions([Mention("Person", 1, 1), Mention("Person", 1, 3)])
    pattern = ruleie.compile("(?<p> @Person )")
    with _on(core_name):
        assert [m.token_span() for m in pattern.finditer(doc)] == [(1, 3)]
        assert pattern.all_token_spans(doc) == [(1, 3)]


def test_a_mention_across_a_sentence_end_is_matched_in_neither_sentence(core_name: str) -> None:
    text = "a b c d"
    doc = Document("", text, [0, 2, 4, 6], [1, 3, 5, 7], [(0, 2), (2, 4)]).with_mentions([Mention("Person", 1, 3)])
    with _on(core_name):
        for pattern in ("@Person", "@Person []", "[] @Person", "(?<= @Person) []", "[] (?= @Person)"):
            compiled = ruleie.compile(pattern)
            assert compiled.all_token_spans(doc) == [], pattern
            assert list(compiled.finditer(doc)) == [], pattern


@pytest.mark.parametrize("strategy_name", strategy_params())
def test_lookaround_never_sees_a_mention_from_the_sentence_before(strategy_name: str) -> None:
    """Under every strategy, the lookbehind sweep included: it starts at the sentence start,
    so a mention that began in the sentence before does not end inside this one for it."""
    text = "a b c d"
    doc = Document("", text, [0, 2, 4, 6], [1, 3, 5, 7], [(0, 2), (2, 4)]).with_mentions([Mention("Person", 1, 3)])
    every_token = [(0, 1), (1, 2), (2, 3), (3, 4)]
    with strategy(strategy_name):
        for pattern, expected in (("(?<= @Person) []", []), ("(?<! @Person) []", every_token),
                                  ("[] (?= @Person)", []), ("[] (?! @Person)", every_token)):
            assert ruleie.compile(pattern).all_token_spans(doc) == expected, pattern


LEMMAS = st.lists(st.one_of(st.sampled_from(["Launch", "launch", "LAUNCH", "Fire", "fire", "go", "Go"]),
                            st.integers(0, 3), st.none()), min_size=1, max_size=8)


@given(LEMMAS, st.sets(st.sampled_from(["launch", "FIRE", "Go", "3", "x"]), min_size=1))
def test_a_lexicon_over_a_column_the_document_brings_folds_its_case(lemmas: list, entries: set[str]) -> None:
    """``[lemma in L]`` compares lower-cased text with lower-cased entries, whatever case (or
    type) the document's own lemma column has; a number is compared as it is."""
    words = [f"w{i}" for i in range(len(lemmas))]
    text = " ".join(words)
    starts = [text.index(w) for w in words]
    doc = Document("", text, starts, [s + len(w) for s, w in zip(starts, words)], [(0, len(words))],
                   extra_fields={"lemma": tuple(lemmas)})
    folded = {e.lower() for e in entries}
    expected = [(i, i + 1) for i, v in enumerate(lemmas) if isinstance(v, str) and v.lower() in folded]
    pattern = ruleie.compile("[lemma in L]", lexicons={"L": sorted(entries)})
    for core_name in ("python",) + (("compiled",) if _compiled() else ()):
        with _on(core_name):
            assert pattern.all_token_spans(doc) == expected


def _compiled() -> bool:
    from oracles import compiled_core_available

    return compiled_core_available()


def test_two_case_folded_columns_in_one_pattern_keep_their_own_values(core_name: str) -> None:
    """``[lower in L]`` and ``[lemma in M]`` fold two columns of one document: each column's
    folded values are its own (mutant: one cache key for every field's folded values)."""
    words = ["Running", "Dogs", "ran"]
    text = " ".join(words)
    starts = [text.index(w) for w in words]
    doc = Document("", text, starts, [s + len(w) for s, w in zip(starts, words)], [(0, 3)],
                   extra_fields={"lemma": ("Run", "dog", "run")})
    both = ruleie.compile("[lower in L] [lemma in M]", lexicons={"L": ["running"], "M": ["dog"]})
    reverse = ruleie.compile("[lemma in M] [lower in L]", lexicons={"L": ["ran"], "M": ["DOG"]})
    with _on(core_name):
        assert both.all_token_spans(doc) == [(0, 2)]
        assert [m.token_span() for m in both.finditer(doc)] == [(0, 2)]
        assert reverse.all_token_spans(doc) == [(1, 3)]


@pytest.mark.parametrize("pattern", ["[]? @Person", "[]* @Person", "(?<x> []?) @Person []?"])
def test_a_pattern_that_can_begin_anywhere_finds_no_mention_from_before_the_sentence(core_name: str, pattern: str) -> None:
    """A pattern with no first token (it may begin anywhere) is tried only at the positions of
    the sentence: a mention that starts in the sentence before and ends in this one is not
    reached by starting before the sentence (mutant of python_all_spans: range(hi))."""
    doc = Document("", "a b c d", [0, 2, 4, 6], [1, 3, 5, 7], [(0, 2), (2, 4)]).with_mentions([Mention("Person", 1, 3)])
    compiled = ruleie.compile(pattern)
    with _on(core_name):
        assert compiled.all_token_spans(doc) == []
        assert list(compiled.finditer(doc)) == []


def test_a_later_stage_reads_the_token_caches_its_context_shares_on_every_core(tmp_path) -> None:
    """After a stage makes mentions, the engine matches the next stage on a context made by
    ``DocumentContext.with_mentions``, which shares the token caches of the first one (the
    compiled core's predicate rows and value ids among them). Run on each core inside the test:
    the mutation run (scripts/mutation_test.py) leaves out the tests parametrized by core, but
    these caches are only read by the compiled core (mutants of with_mentions: ``_rows`` or
    ``_field_ids`` not shared). A test of two fields has a row (a bitset over the document);
    a test of one field's value is answered at the tokens reached, without one."""
    path = tmp_path / "rules.yaml"
    path.write_text("""ruleie: 1
types:
  Who: {kind: mention}
  Hit: {kind: record, fields: {who: mention, what: str}}
rules:
  - {name: who, type: Who, stage: 0, pattern: '[lower="alpha"]'}
  - {name: hit, type: Hit, stage: 1, pattern: '(?<who> @Who) (?<what> [lower in L | word="GAMMA"])'}
lexicons:
  L: [beta]
""", encoding="utf-8")
    rules = ruleie.load_rules(path)
    for core_name in ("python",) + (("compiled",) if _compiled() else ()):
        with _on(core_name):
            assert [(r.who.text, r.what.text) for r in rules.extract("Alpha beta. alpha gamma alpha BETA.")] == [
                ("Alpha", "beta"), ("alpha", "BETA")], core_name


@pytest.mark.parametrize("strategy_name", ["python", "python-sweep-walk"])
def test_a_capture_inside_lookaround_only_tests_its_body(strategy_name: str) -> None:
    """The parser refuses captures inside lookaround, but the compiler takes any AST: a capture
    there records nothing and matches what its body matches. A lookahead runs its body
    reversed, so the capture is reversed too (mutants of compiler.reverse on Capture)."""
    from ruleie.language import nodes as n
    from ruleie.language.compiler import compile_program

    from oracles import strategy as run_with

    a, b, c, any_token = n.Word("a"), n.Word("b"), n.Word("c"), n.TokenTest()
    doc = ruleie.annotate("a b c a b d a b c")
    cases = [
        (n.Look(n.seq(n.Capture("g", n.seq(a, b)), c)), n.Look(n.seq(a, b, c))),
        (n.Look(n.seq(a, n.Capture("g", n.seq(b, c))), behind=True), n.Look(n.seq(a, b, c), behind=True)),
    ]
    with run_with(strategy_name):
        for with_capture, without in cases:
            for arrange in (lambda look: n.seq(look, any_token), lambda look: n.seq(any_token, look)):
                found = []
                for node in (arrange(with_capture), arrange(without)):
                    program = compile_program(node)
                    ctx = matcher.DocumentContext(doc)
                    found.append(([(m.start, m.end) for m in matcher.finditer(program, ctx, 0, len(doc))],
                                  matcher.all_spans(program, ctx, 0, len(doc))))
                assert found[0] == found[1] and found[0][1], n.unparse(arrange(without))
