"""merge and the field values a rule states ({value: …}, default:) instead of reading them.

A stated value has the whole match as its span, so comparing it by span (as read values
are compared) would keep apart two parts of one event that both say ``status: happened``.
"""

from __future__ import annotations

from pathlib import Path

import ruleie

RULES = """ruleie: 1
types:
  Event:
    kind: record
    fields: {who: str, what: str, status: str}
    key: [who, what]
    conflict: merge
rules:
"""


def load(tmp_path: Path, rules: str) -> ruleie.RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES + rules, encoding="utf-8")
    return ruleie.load_rules(path)


def test_parts_stating_the_same_value_merge_and_the_value_spans_the_merged_record(tmp_path):
    rules = load(tmp_path, """  - {name: e.who, type: Event, pattern: '(?<who> alpha) beta', fields: {who: who, status: {value: happened}}}
  - {name: e.what, type: Event, pattern: 'gamma (?<what> delta)', fields: {what: what, status: {value: happened}}}
""")
    [event] = rules.extract("alpha beta gamma delta.")
    assert event.rule == "e.who+e.what"
    assert (event.who.text, event.what.text, event.status.value) == ("alpha", "delta", "happened")
    assert (event.status.start, event.status.end) == (event.start, event.end)
    assert event.to_dict()["fields"]["status"] == {"text": "alpha beta gamma delta", "start": 0, "end": 22, "value": "happened"}


def test_parts_stating_different_values_stay_apart(tmp_path):
    rules = load(tmp_path, """  - {name: e.who, type: Event, pattern: '(?<who> alpha) beta', fields: {who: who, status: {value: happened}}}
  - {name: e.what, type: Event, pattern: 'gamma (?<what> delta)', fields: {what: what, status: {value: planned}}}
""")
    assert [(r.rule, r.status.value) for r in rules.extract("alpha beta gamma delta.")] == [
        ("e.who", "happened"), ("e.what", "planned")]


def test_a_stated_value_merges_with_a_part_that_leaves_the_field_empty(tmp_path):
    rules = load(tmp_path, """  - {name: e.who, type: Event, pattern: '(?<who> alpha) beta', fields: {who: who}}
  - {name: e.what, type: Event, pattern: 'gamma (?<what> delta)', fields: {what: what, status: {value: planned}}}
""")
    [event] = rules.extract("alpha beta gamma delta.")
    assert (event.rule, event.status.value, event.status.text) == ("e.who+e.what", "planned", "alpha beta gamma delta")


def test_a_read_value_wins_over_a_stated_one_it_agrees_with(tmp_path):
    rules = load(tmp_path, """  - {name: e.who, type: Event, priority: 1, pattern: '(?<who> alpha) beta', fields: {who: who, status: {value: happened}}}
  - {name: e.what, type: Event, pattern: 'gamma (?<what> delta) (?<status> happened|planned)'}
""")
    [event] = rules.extract("alpha beta gamma delta happened.")
    assert (event.rule, event.status.text, event.status.start) == ("e.who+e.what", "happened", 23)
    # A read value that says otherwise disagrees.
    assert [r.rule for r in rules.extract("alpha beta gamma delta planned.")] == ["e.who", "e.what"]
