"""A rule's ``context:``: a match counts only when another pattern is (or is not) found in
the sentences around it. Behaviour through the public API, the checker and ``explain``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import ruleie
from ruleie.errors import RuleFileError
from ruleie.text.document import from_tokens
from ruleie.tools.explain import explain

HEADER = """\
ruleie: 1
types:
  Hit:
    fields: {what: str}
  Shunned:
    fields: {what: str}
  Disaster:
    kind: mention
rules:
"""


def rules_from(tmp_path: Path, body: str, name: str = "r.yaml") -> ruleie.RuleSet:
    path = tmp_path / name
    path.write_text(HEADER + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8")
    return ruleie.load_rules(path)


def hit_sentences(rules: ruleie.RuleSet, text: str) -> list[str]:
    return [r.text for r in rules.extract(text)]


def toll_rules(tmp_path: Path, context: str) -> ruleie.RuleSet:
    """One rule, a toll ("Five people were killed"), under the given ``context:`` mapping."""
    return rules_from(tmp_path, f"""\
        - name: toll
          type: Hit
          pattern: '(?<what> [num>0] people) were killed'
          context: {context}
        """)


def test_requires_looks_in_the_sentences_before(tmp_path):
    rules = toll_rules(tmp_path, "{before: 1, requires: '[lower=/bomb|shelling/]'}")
    text = "A bomb went off. Five people were killed. Later six people were killed."
    assert hit_sentences(rules, text) == ["Five people were killed"]
    # the match's own sentence is always in the window
    assert hit_sentences(rules, "Nine people were killed by shelling.") == ["Nine people were killed"]
    assert hit_sentences(rules, "It rained. Nine people were killed.") == []


def test_excludes_looks_before_and_after(tmp_path):
    rules = toll_rules(tmp_path, "{before: 1, after: 1, excludes: '[lower=/earthquake|flood/]'}")
    assert hit_sentences(rules, "Troops fired. Four people were killed. Nothing else.") == ["Four people were killed"]
    assert hit_sentences(rules, "Four people were killed. The earthquake hit at dawn.") == []
    assert hit_sentences(rules, "A flood came. Four people were killed.") == []
    # two sentences away is outside a window of one
    assert hit_sentences(rules, "A flood came. It rained. Four people were killed.") == ["Four people were killed"]


def test_requires_and_excludes_together(tmp_path):
    rules = toll_rules(tmp_path, "{before: 2, requires: '[lower=bomb]', excludes: '[lower=earthquake]'}")
    assert hit_sentences(rules, "A bomb exploded. Two people were killed.") == ["Two people were killed"]
    assert hit_sentences(rules, "A bomb and an earthquake. Two people were killed.") == []


def test_context_patterns_see_the_mentions_of_earlier_stages(tmp_path):
    rules = rules_from(tmp_path, """\
        - name: disaster
          type: Disaster
          stage: 0
          pattern: '[lower=/earthquake|flood/]'
        - name: toll
          type: Hit
          stage: 1
          pattern: '(?<what> [num>0] people) were killed'
          context: {before: 1, excludes: '@Disaster'}
        """)
    assert hit_sentences(rules, "The earthquake struck. Three people were killed.") == []
    assert hit_sentences(rules, "Gunmen struck. Three people were killed.") == ["Three people were killed"]


def test_a_mention_turned_down_by_its_context_is_not_seen_by_later_stages(tmp_path):
    rules = rules_from(tmp_path, """\
        - name: disaster
          type: Disaster
          stage: 0
          pattern: '[lower=quake]'
          context: {excludes: '[lower=/fake|drill/]'}
        - name: hit
          type: Hit
          stage: 1
          pattern: '(?<what> @Disaster)'
        """)
    assert hit_sentences(rules, "A quake struck.") == ["quake"]
    assert hit_sentences(rules, "A quake drill was held.") == []


def test_explain_says_which_context_turned_a_match_down(tmp_path):
    rules = toll_rules(tmp_path, "{before: 1, excludes: '[lower=earthquake]'}")
    text = explain(rules, "An earthquake hit. Ten people were killed.").format()
    assert "not in the output" in text
    assert "its context (excludes '[lower=earthquake]' in its sentence and the 1 before) turned it down" in text


def follow_rules(tmp_path: Path, before: int = 1) -> ruleie.RuleSet:
    """An event rule and a detail rule ("Five people died") that stands only after an event."""
    return rules_from(tmp_path, f"""\
        - name: event
          type: Hit
          pattern: '(?<what> [lower=/bombing|raid/])'
        - name: toll
          type: Hit
          pattern: '(?<what> [num>0] people) died'
          context: {{before: {before}, follows: Hit}}
        - name: shun
          type: Shunned
          pattern: '(?<what> [lower=shunned])'
        - name: toll-after-shunned
          type: Hit
          pattern: '(?<what> [num>0] guests) died'
          context: {{before: 1, follows: Shunned}}
        """)


def test_follows_keeps_a_record_only_after_a_record_of_the_type(tmp_path):
    rules = follow_rules(tmp_path)
    assert hit_sentences(rules, "A bombing shook the town. Five people died.") == ["bombing", "Five people died"]
    assert hit_sentences(rules, "Five people died.") == []
    # the record must lie in a sentence before, not the match's own, and within `before`
    assert hit_sentences(rules, "Five people died in the raid.") == ["raid"]
    assert hit_sentences(rules, "After the raid, 5 people died.") == ["raid"]
    assert hit_sentences(rules, "A raid came. It rained. Five people died.") == ["raid"]
    # the type named, not any record: a Shunned record lets the guests' toll stand, not the people's
    assert hit_sentences(rules, "The town was shunned. Two guests died. Four people died.") == [
        "shunned", "Two guests died", "Four people died"]
    assert hit_sentences(rules, "A raid came. Two guests died.") == ["raid"]


def test_follows_lets_a_detail_follow_a_detail(tmp_path):
    rules = follow_rules(tmp_path)
    text = "A raid came. Five people died. Then six people died. It rained. Nine people died."
    assert hit_sentences(rules, text) == ["raid", "Five people died", "six people died"]
    wider = follow_rules(tmp_path, before=2)
    assert hit_sentences(wider, "A raid came. It rained. Five people died.") == ["raid", "Five people died"]


def test_explain_names_the_follows_gate(tmp_path):
    rules = follow_rules(tmp_path)
    text = explain(rules, "Five people died.").format()
    assert "not in the output: no Hit record lies in the 1 sentence(s) before its own (`context: follows: Hit`)" in text


@pytest.mark.parametrize(
    "context, message",
    [
        ("{befor: 1, requires: 'a'}", "unknown key 'befor' in context (did you mean 'before'?)"),
        ("{before: -1, requires: 'a'}", "context before must be 0 or more"),
        ("{after: x, requires: 'a'}", "context after must be a whole number"),
        ("{after: 2}", "context needs `requires:`, `excludes:`"),
        ("{before: 1, follows: Disaster}", "context follows: 'Disaster' is no record type"),
        ("{before: 1, follows: Hits}", "is no record type (did you mean 'Hit'?)"),
        ("{follows: Hit}", "context follows needs `before:` of 1 or more"),
        ("{excludes: '@Nope'}", "unknown type"),
        ("{requires: '[lower=/a'}", "unterminated regex"),
        ("bomb", "context must be a mapping"),
    ],
)
def test_a_bad_context_is_an_error_at_its_place(tmp_path, context, message):
    path = tmp_path / "bad.yaml"
    path.write_text(HEADER + f"  - name: r\n    type: Hit\n    pattern: 'x'\n    context: {context}\n", encoding="utf-8")
    found = [d for d in ruleie.check_rules(path) if d.severity == "error"]
    assert found and any(message in d.message for d in found), [d.render() for d in found]
    assert all(d.line and d.line >= 10 and d.column for d in found)
    with pytest.raises(RuleFileError):
        ruleie.load_rules(path)


# ---------------------------------------------------------------------------
# The law, against a plain reading of the window: a match of `a` counts exactly when a
# sentence at most `before` sentences before it or `after` after it (or its own) holds `b`
# (requires), or holds no `c` (excludes).

WINDOWS = [(0, 0), (1, 0), (0, 1), (2, 1)]


@pytest.fixture(scope="module")
def window_rules(tmp_path_factory):
    made = {}
    for before, after in WINDOWS:
        directory = tmp_path_factory.mktemp(f"w{before}{after}")
        body = f"""\
            - name: needs
              type: Hit
              pattern: '(?<what> a)'
              context: {{before: {before}, after: {after}, requires: 'b'}}
            - name: shuns
              type: Shunned
              pattern: '(?<what> a)'
              context: {{before: {before}, after: {after}, excludes: 'c'}}
            """
        made[before, after] = rules_from(directory, body)
    return made


sentences = st.lists(st.lists(st.sampled_from("abcd"), min_size=1, max_size=4), min_size=1, max_size=7)


@settings(max_examples=60, deadline=None)
@given(doc=sentences, window=st.sampled_from(WINDOWS))
def test_a_match_counts_exactly_when_its_window_says_so(window_rules, doc, window):
    before, after = window
    records = window_rules[window].extract(from_tokens(doc))
    got = sorted((r.rule, r.start) for r in records)
    expected = []
    offset = 0
    for i, words in enumerate(doc):
        near = doc[max(0, i - before) : i + after + 1]
        for word in words:
            if word == "a":
                if any("b" in s for s in near):
                    expected.append(("needs", offset))
                if not any("c" in s for s in near):
                    expected.append(("shuns", offset))
            offset += len(word) + 1  # the word and the blank or line end after it
    assert got == sorted(expected)
