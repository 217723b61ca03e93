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

from oracles import core_params, strategy


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
