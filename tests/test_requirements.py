"""The literal requirements a compiled pattern carries (``Program.required``).

The rule index and the compiled core skip a document or a sentence that holds no token meeting
one of them, so each must hold in every sentence where the pattern matches: the law below. Of
an alternation's options each gives one requirement; which one is a matter of speed only, and
the rarer word is chosen ("conversation" rather than "had").
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import ruleie
from ruleie.language import matcher
from ruleie.language import nodes as n
from ruleie.language.matcher import DocumentContext

import strategies as s
from oracles import sentences_document


def _required_words(pattern: ruleie.Pattern) -> list[list[str]]:
    program = pattern.program
    return [sorted(n.unparse_expr(program.predicates[k].expr) for k in predicates)
            for predicates, _types in program.required]


def test_an_alternation_requires_its_rarer_words():
    pattern = ruleie.compile("[lower=had] a [lower=/conversation|talk/] with | [lower=met] with")
    assert _required_words(pattern) == [["lower=/conversation|talk/", "lower=met"]]


def test_a_common_word_is_required_only_when_nothing_else_is():
    assert _required_words(ruleie.compile("[lower=with] [lower=/meetings?/] | [lower=with] [lower=the]")) == [
        ["lower=/meetings?/", "lower=with"]
    ]


def test_options_of_equal_rarity_keep_the_first():
    assert _required_words(ruleie.compile("[lower=alpha] [lower=gamma] | [lower=delta]")) == [
        ["lower=alpha", "lower=delta"]
    ]


@given(s.small_patterns(max_leaves=10).filter(s.matches_something), st.lists(s.letter_tokens(min_size=1, max_size=8), min_size=1, max_size=3))
def test_every_requirement_holds_where_the_pattern_matches(node: n.Node, sentences: list[list[str]]) -> None:
    pattern = ruleie.compile(n.unparse(node), lexicons=s.SMALL_LEXICONS)
    doc = sentences_document(sentences)
    program = pattern.program
    for lo, hi in doc.sentences:
        ctx = DocumentContext(doc, pattern._ancestors)
        if next(iter(matcher.python_finditer(program, ctx, lo, hi)), None) is None:
            continue
        for predicates, types in program.required:
            if types:
                continue  # (no mentions in these documents: such a requirement cannot be met)
            assert any(lo <= i < hi for k in predicates for i in ctx.truth(program.predicates[k])), (
                pattern.canonical, sentences, [n.unparse_expr(program.predicates[k].expr) for k in predicates])
