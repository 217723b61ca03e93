"""Conflict policies (keep-all, drop-contained, best, merge) and mention preference, through the engine.

Each test writes a small rule file of its own and loads it with ``ruleie.load_rules``;
the records that come out show every tie-break: equal spans, equal priorities, rule
order, nesting, touching spans. The O(n log n) ``_drop_contained`` and ``_best`` are
also checked against brute-force quadratic versions of their documented rules on
random spans, priorities and rule orders (ties included).
"""

from __future__ import annotations

from pathlib import Path
import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import ruleie
from ruleie.engine import ruleset as engine


def load(tmp_path: Path, text: str) -> ruleie.RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text("ruleie: 1\n" + text, encoding="utf-8")
    return ruleie.load_rules(path)


def found(rules: ruleie.RuleSet, text: str) -> list[tuple[str, str]]:
    """(rule, text) of every record, in output order."""
    return [(r.rule, r.text) for r in rules.extract(text)]


def hit_rules(policy: str, *rules: str, fields: str = "{x: str, y: str}") -> str:
    """A rule file with one record type Hit under ``policy`` and the given rule lines."""
    return f"types:\n  Hit: {{kind: record, fields: {fields}, conflict: {policy}}}\nrules:\n" + "".join(
        f"  - {r}\n" for r in rules
    )


TEXT = "alpha beta gamma delta."


# ---------------------------------------------------------------------------
# keep-all


def test_keep_all_keeps_nested_overlapping_and_equal_spans_in_document_order(tmp_path):
    rules = load(tmp_path, hit_rules(
        "keep-all",
        "{name: r1, type: Hit, pattern: 'beta gamma'}",
        "{name: r2, type: Hit, pattern: '(?<x> alpha) beta gamma'}",
        "{name: r3, type: Hit, priority: 5, pattern: 'gamma'}",
        "{name: r4, type: Hit, pattern: 'alpha (?<y> beta) gamma'}",
        "{name: r5, type: Hit, pattern: 'gamma delta'}",
    ))
    # Output order: start, end, type, then rule order (r2 before r4 on the same span).
    assert found(rules, TEXT) == [
        ("r2", "alpha beta gamma"),
        ("r4", "alpha beta gamma"),
        ("r1", "beta gamma"),
        ("r3", "gamma"),
        ("r5", "gamma delta"),
    ]


def test_exact_duplicates_are_removed_and_the_better_ranked_rule_stays(tmp_path):
    # Same type, span and fields: one record; the higher priority wins, then the earlier rule.
    rules = load(tmp_path, hit_rules(
        "keep-all",
        "{name: low, type: Hit, pattern: 'alpha beta'}",
        "{name: high, type: Hit, priority: 2, pattern: 'alpha beta'}",
        "{name: high.later, type: Hit, priority: 2, pattern: 'alpha []'}",
    ))
    assert found(rules, TEXT) == [("high", "alpha beta")]


# ---------------------------------------------------------------------------
# drop-contained


def test_drop_contained_drops_what_lies_inside_another_whatever_its_priority(tmp_path):
    rules = load(tmp_path, hit_rules(
        "drop-contained",
        "{name: outer, type: Hit, pattern: 'alpha beta gamma'}",
        "{name: inner, type: Hit, priority: 9, pattern: 'beta'}",
        "{name: same.start, type: Hit, priority: 9, pattern: 'alpha beta'}",
        "{name: same.end, type: Hit, priority: 9, pattern: 'beta gamma'}",
        "{name: across, type: Hit, pattern: 'gamma delta'}",
    ))
    # Partly overlapping records both stay: only containment drops.
    assert found(rules, TEXT) == [("outer", "alpha beta gamma"), ("across", "gamma delta")]


@pytest.mark.parametrize(
    "first, second, winner",
    [
        # Equal spans, different fields (else they are duplicates): the higher priority stays ...
        ("{name: low, type: Hit, pattern: '(?<x> alpha) beta'}",
         "{name: high, type: Hit, priority: 1, pattern: 'alpha (?<y> beta)'}", "high"),
        ("{name: high, type: Hit, priority: 1, pattern: '(?<x> alpha) beta'}",
         "{name: low, type: Hit, pattern: 'alpha (?<y> beta)'}", "high"),
        # ... and with equal priorities, the earlier rule.
        ("{name: early, type: Hit, pattern: '(?<x> alpha) beta'}",
         "{name: late, type: Hit, pattern: 'alpha (?<y> beta)'}", "early"),
        ("{name: early, type: Hit, priority: -1, pattern: 'alpha (?<y> beta)'}",
         "{name: late, type: Hit, priority: -1, pattern: '(?<x> alpha) beta'}", "early"),
    ],
)
def test_drop_contained_equal_spans_keep_the_better_ranked_record(tmp_path, first, second, winner):
    rules = load(tmp_path, hit_rules("drop-contained", first, second))
    assert found(rules, TEXT) == [(winner, "alpha beta")]


def test_drop_contained_a_dropped_equal_span_does_not_shield_what_it_contains(tmp_path):
    rules = load(tmp_path, hit_rules(
        "drop-contained",
        "{name: a, type: Hit, priority: 1, pattern: '(?<x> alpha) beta'}",
        "{name: b, type: Hit, pattern: 'alpha (?<y> beta)'}",
        "{name: c, type: Hit, priority: 7, pattern: 'beta'}",
    ))
    assert found(rules, TEXT) == [("a", "alpha beta")]


# ---------------------------------------------------------------------------
# best


@pytest.mark.parametrize(
    "rule_lines, expected",
    [
        # Priority first, whatever the length.
        (["{name: short, type: Hit, priority: 1, pattern: 'alpha beta'}",
          "{name: long, type: Hit, pattern: 'beta gamma delta'}"],
         [("short", "alpha beta")]),
        # Equal priority: the longer record.
        (["{name: short, type: Hit, pattern: 'alpha beta'}",
          "{name: long, type: Hit, pattern: 'beta gamma delta'}"],
         [("long", "beta gamma delta")]),
        # Equal priority and length: the earlier rule, wherever its span lies.
        (["{name: first, type: Hit, pattern: 'beta gamma'}",
          "{name: second, type: Hit, pattern: 'alpha beta'}"],
         [("first", "beta gamma")]),
        (["{name: first, type: Hit, pattern: 'alpha beta'}",
          "{name: second, type: Hit, pattern: 'beta gamma'}"],
         [("first", "alpha beta")]),
        # Touching spans do not overlap; a record overlapping a dropped one can stay.
        (["{name: mid, type: Hit, priority: 2, pattern: 'beta gamma'}",
          "{name: left, type: Hit, priority: 1, pattern: 'alpha beta'}",
          "{name: right, type: Hit, pattern: 'delta'}",
          "{name: all, type: Hit, pattern: 'alpha beta gamma delta'}"],
         [("mid", "beta gamma"), ("right", "delta")]),
        # Equal spans with different fields: priority, then rule order.
        (["{name: a, type: Hit, pattern: '(?<x> alpha) beta'}",
          "{name: b, type: Hit, priority: 1, pattern: 'alpha (?<y> beta)'}"],
         [("b", "alpha beta")]),
        (["{name: a, type: Hit, pattern: '(?<x> alpha) beta'}",
          "{name: b, type: Hit, pattern: 'alpha (?<y> beta)'}"],
         [("a", "alpha beta")]),
    ],
)
def test_best_is_greedy_by_priority_then_length_then_rule_order(tmp_path, rule_lines, expected):
    rules = load(tmp_path, hit_rules("best", *rule_lines))
    assert found(rules, TEXT) == expected


# ---------------------------------------------------------------------------
# best with anchor fields


def anchored(*rules: str, anchor: str = "[x]", policy: str = "best") -> str:
    """A rule file with one record type Hit under ``policy`` with ``anchor`` and the given rule lines."""
    return (
        f"types:\n  Hit: {{kind: record, fields: {{x: str, y: str}}, conflict: {policy}, anchor: {anchor}}}\nrules:\n"
        + "".join(f"  - {r}\n" for r in rules)
    )


@pytest.mark.parametrize(
    "rule_lines, expected",
    [
        # Overlapping records whose anchors do not overlap are two claims: both stay
        # (under plain best the first rule's record alone would stay).
        (["{name: r1, type: Hit, pattern: '(?<x> alpha) beta gamma'}",
          "{name: r2, type: Hit, pattern: 'beta (?<x> gamma) delta'}"],
         [("r1", "alpha beta gamma"), ("r2", "beta gamma delta")]),
        # One anchor, two readings: the longer wins ...
        (["{name: short, type: Hit, pattern: '(?<x> beta) gamma'}",
          "{name: long, type: Hit, pattern: 'alpha (?<x> beta) gamma'}"],
         [("long", "alpha beta gamma")]),
        # ... unless the shorter has the higher priority ...
        (["{name: short, type: Hit, priority: 1, pattern: '(?<x> beta) gamma'}",
          "{name: long, type: Hit, pattern: 'alpha (?<x> beta) gamma'}"],
         [("short", "beta gamma")]),
        # ... and on equal priority and length, the earlier rule wins.
        (["{name: a, type: Hit, pattern: 'alpha (?<x> beta)'}",
          "{name: b, type: Hit, pattern: 'alpha (?<x> beta) (?<y> gamma)'}",
          "{name: c, type: Hit, pattern: '(?<y> alpha) (?<x> beta)'}"],
         [("b", "alpha beta gamma")]),
        (["{name: a, type: Hit, pattern: '(?<x> alpha beta)'}",
          "{name: b, type: Hit, pattern: 'alpha (?<x> beta)'}"],
         [("a", "alpha beta")]),
        # Anchors that only touch do not overlap.
        (["{name: r1, type: Hit, pattern: '(?<x> alpha beta) gamma'}",
          "{name: r2, type: Hit, pattern: 'alpha beta (?<x> gamma)'}"],
         [("r1", "alpha beta gamma"), ("r2", "alpha beta gamma")]),
        # A record that fills no anchor field competes with every record it overlaps.
        (["{name: r1, type: Hit, pattern: '(?<x> alpha) beta gamma'}",
          "{name: r2, type: Hit, pattern: 'beta (?<x> gamma) delta'}",
          "{name: bare, type: Hit, pattern: 'beta (?<y> gamma)'}"],
         [("r1", "alpha beta gamma"), ("r2", "beta gamma delta")]),
        (["{name: r1, type: Hit, pattern: '(?<x> alpha) beta gamma'}",
          "{name: r2, type: Hit, pattern: 'beta (?<x> gamma) delta'}",
          "{name: bare, type: Hit, priority: 1, pattern: 'beta (?<y> gamma)'}"],
         [("bare", "beta gamma")]),
        # Records whose spans do not overlap never compete, anchors or not.
        (["{name: left, type: Hit, pattern: 'alpha (?<y> beta)'}",
          "{name: right, type: Hit, pattern: 'gamma delta'}"],
         [("left", "alpha beta"), ("right", "gamma delta")]),
        # A third record is tested against every kept record it overlaps, also one kept
        # before a shorter one that starts later: here it shares the long record's anchor.
        (["{name: long, type: Hit, priority: 2, pattern: '(?<x> alpha) beta gamma delta'}",
          "{name: mid, type: Hit, priority: 1, pattern: '(?<x> gamma) delta'}",
          "{name: third, type: Hit, pattern: '(?<x> alpha) beta'}",
          "{name: fourth, type: Hit, pattern: 'beta (?<x> delta)'}"],
         [("long", "alpha beta gamma delta"), ("mid", "gamma delta")]),
    ],
)
def test_best_with_an_anchor_keeps_records_whose_anchors_differ(tmp_path, rule_lines, expected):
    rules = load(tmp_path, anchored(*rule_lines))
    assert found(rules, TEXT) == expected


def test_best_with_several_anchor_fields_compares_their_spans_together(tmp_path):
    # A record claims the spans of all its anchor fields; two records compete when a span
    # one claims overlaps a span the other claims, in the same field or not.
    rules = load(tmp_path, anchored(
        "{name: r1, type: Hit, pattern: '(?<x> alpha) (?<y> beta) gamma'}",
        "{name: r2, type: Hit, pattern: 'beta (?<x> gamma) (?<y> delta)'}",   # claims gamma, delta: r1 claims neither
        "{name: r3, type: Hit, pattern: '(?<x> beta) gamma'}",                 # beta: r1's y
        "{name: r4, type: Hit, pattern: '(?<y> alpha) beta'}",                 # alpha: r1's x
        anchor="[x, y]",
    ))
    assert found(rules, TEXT) == [("r1", "alpha beta gamma"), ("r2", "beta gamma delta")]


def test_best_without_an_anchor_is_unchanged(tmp_path):
    lines = ("{name: r1, type: Hit, pattern: '(?<x> alpha) beta gamma'}",
             "{name: r2, type: Hit, pattern: 'beta (?<x> gamma) delta'}")
    assert found(load(tmp_path, hit_rules("best", *lines)), TEXT) == [("r1", "alpha beta gamma")]


def test_a_statement_type_with_a_verb_anchor_keeps_two_reports_of_one_speaker(tmp_path):
    rules = load(tmp_path, """types:
  Said:
    kind: record
    fields: {speaker: str, verb: str, content: str}
    conflict: best
    anchor: [verb, content]
rules:
  - name: said
    type: Said
    pattern: '^ (?<speaker> [tag=PRP]) (?<verb> said) (?<content> []+?) (?= and | [word=/[.]/] $)'
  - name: and-told
    type: Said
    pattern: '^ (?<speaker> [tag=PRP]) []+? and (?<verb> told) reporters (?<content> []+?) (?= [word=/[.]/] $)'
  - name: whole
    type: Said
    priority: -1
    pattern: '^ (?<speaker> [tag=PRP]) (?<verb> said) (?<content> []+?) (?= [word=/[.]/] $)'
""")
    records = rules.extract("He said the talks failed and told reporters he would leave.")
    assert [(r.rule, r.verb.text, r.content.text) for r in records] == [
        ("said", "said", "the talks failed"),
        ("and-told", "told", "he would leave"),
    ]


@pytest.mark.parametrize(
    "types, message",
    [
        ("Hit: {kind: record, fields: {x: str}, conflict: best, anchor: [z]}", "anchor field 'z' is not a field"),
        ("Hit: {kind: record, fields: {x: str}, conflict: keep-all, anchor: [x]}", "under `conflict: best` or `merge`"),
        ("Hit: {kind: record, fields: {x: str}, anchor: x}", "under `conflict: best` or `merge`"),
        ("Hit: {kind: mention, anchor: [x]}", "record types"),
    ],
)
def test_an_anchor_needs_fields_of_a_record_type_under_best_or_merge(tmp_path, types, message):
    path = tmp_path / "rules.yaml"
    path.write_text(f"ruleie: 1\ntypes:\n  {types}\n", encoding="utf-8")
    with pytest.raises(ruleie.RuleFileError) as err:
        ruleie.load_rules(path)
    assert message in str(err.value)



# ---------------------------------------------------------------------------
# merge


MERGE_TYPES = """types:
  Event:
    kind: record
    fields: {who: str, what: str, where: str}
    key: [who, what]
    conflict: merge
rules:
"""


def test_merge_joins_parts_that_do_not_disagree_within_one_sentence(tmp_path):
    rules = load(tmp_path, MERGE_TYPES + """  - {name: e.who, type: Event, pattern: '(?<who> alpha) beta'}
  - {name: e.what, type: Event, pattern: 'gamma (?<what> delta)'}
""")
    # The second sentence's "alpha beta" is not merged across the sentence end; it
    # fills a key field, so it stays on its own.
    merged, alone = rules.extract(TEXT + " alpha beta.")
    assert (merged.rule, merged.text) == ("e.who+e.what", "alpha beta gamma delta")
    assert (merged.who.text, merged.what.text) == ("alpha", "delta")
    assert (alone.rule, alone.text, alone.what) == ("e.who", "alpha beta", None)
    assert found(rules, "Alpha beta. Gamma delta.") == [("e.who", "Alpha beta"), ("e.what", "Gamma delta")]


def test_merge_order_of_parts_and_field_values_follow_priority_then_rule_order(tmp_path):
    rules = load(tmp_path, MERGE_TYPES + """  - {name: e.one, type: Event, pattern: '(?<who> alpha) (?<where> beta)'}
  - {name: e.two, type: Event, priority: 1, pattern: 'alpha (?<where> beta gamma) (?<what> delta)'}
""")
    [event] = rules.extract(TEXT)
    # Both fill `where` with overlapping spans: compatible; the better-ranked part's value wins.
    assert event.rule == "e.two+e.one"
    assert (event.who.text, event.what.text, event.where.text) == ("alpha", "delta", "beta gamma")
    assert event.text == "alpha beta gamma delta"


def test_merge_keeps_parts_that_disagree_apart(tmp_path):
    rules = load(tmp_path, MERGE_TYPES + """  - {name: e.a, type: Event, pattern: '(?<who> alpha) beta'}
  - {name: e.b, type: Event, pattern: '(?<who> gamma) delta'}
  - {name: e.c, type: Event, pattern: 'beta (?<what> gamma)'}
""")
    # e.a and e.b fill `who` with spans that do not overlap: they disagree. e.c merges
    # into the first group it is compatible with, in rank order: e.a's.
    assert found(rules, TEXT) == [("e.a+e.c", "alpha beta gamma"), ("e.b", "gamma delta")]


def test_merge_drops_a_merged_record_that_fills_no_key_field(tmp_path):
    rules = load(tmp_path, MERGE_TYPES + """  - {name: e.where, type: Event, pattern: '(?<where> alpha)'}
""")
    assert found(rules, TEXT) == []


TALKS_TYPES = """types:
  Talks:
    kind: record
    fields: {trigger: str, sides: "list[str]", where: str}
    key: [sides]
    conflict: merge
    ANCHOR
rules:
"""


def talks(*rules: str, anchor: str = "anchor: [trigger]") -> str:
    return TALKS_TYPES.replace("ANCHOR", anchor) + "".join(f"  - {r}\n" for r in rules)


def sides(rules: ruleie.RuleSet, text: str = TEXT) -> list[tuple[str, list[str]]]:
    return [(r.rule, [s.text for s in r.sides]) for r in rules.extract(text)]


def test_merge_with_an_anchor_joins_the_list_fields_of_parts_on_one_trigger(tmp_path):
    lines = ("{name: t.left, type: Talks, pattern: '(?<sides> alpha) (?<trigger> beta)'}",
             "{name: t.right, type: Talks, pattern: '(?<trigger> beta) (?<sides> gamma)'}")
    # One trigger, two readings of who took part: one record naming both sides.
    assert sides(load(tmp_path, talks(*lines))) == [("t.left+t.right", ["alpha", "gamma"])]
    # Without the anchor the sides disagree and the parts stay apart.
    assert sides(load(tmp_path, talks(*lines, anchor=""))) == [("t.left", ["alpha"]), ("t.right", ["gamma"])]


def test_merge_with_an_anchor_keeps_parts_on_different_triggers_apart(tmp_path):
    rules = load(tmp_path, talks("{name: t.left, type: Talks, pattern: '(?<sides> alpha) (?<trigger> beta)'}",
                                 "{name: t.right, type: Talks, pattern: '(?<trigger> gamma) (?<sides> delta)'}"))
    assert sides(rules) == [("t.left", ["alpha"]), ("t.right", ["delta"])]


def test_merge_with_an_anchor_still_keeps_apart_parts_whose_other_fields_disagree(tmp_path):
    left = "{name: t.left, type: Talks, pattern: '(?<sides> alpha) (?<trigger> beta) (?<where> gamma)'}"
    far = "{name: t.far, type: Talks, pattern: '(?<trigger> beta) gamma (?<where> delta) (?<sides> [])'}"
    # one trigger, but two places: two records
    assert sides(load(tmp_path, talks(left, far)), "alpha beta gamma delta zeta.") == [
        ("t.left", ["alpha"]), ("t.far", ["zeta"])]


def test_merge_with_an_anchor_a_stated_trigger_anchors_nothing(tmp_path):
    left = "{name: t.left, type: Talks, pattern: '(?<sides> alpha) (?<trigger> beta)'}"
    stated = "{name: t.stated, type: Talks, pattern: '(?<sides> delta)', fields: {sides: sides, trigger: {value: beta}}}"
    assert sides(load(tmp_path, talks(left, stated))) == [("t.left", ["alpha"]), ("t.stated", ["delta"])]


def test_merge_with_an_anchor_lists_an_item_once_in_document_order(tmp_path):
    rules = load(tmp_path, talks(
        "{name: t.one, type: Talks, priority: 1, pattern: '(?<trigger> gamma) (?<sides> delta)'}",
        "{name: t.two, type: Talks, pattern: '(?<a> alpha beta) (?<trigger> gamma) (?<b> delta)', "
        "fields: {trigger: trigger, sides: {capture: [a, b]}}}"))
    [(rule, items)] = sides(rules)
    assert rule == "t.one+t.two" and items == ["alpha beta", "delta"]


INHERIT_RULES = MERGE_TYPES + """  - {name: e.full, type: Event, pattern: '(?<who> alpha) (?<what> beta)'}
  - {name: e.later, type: Event, pattern: 'then (?<what> gamma)', fields: {who: {from_earlier: 2}, what: what}}
  - {name: e.plain, type: Event, pattern: 'so (?<what> delta)'}
"""


@pytest.mark.parametrize("text,expected", [
    # the record before, one sentence back
    ("Alpha beta. Then gamma.", [("e.full", "Alpha", "beta"), ("e.later", "Alpha", "gamma")]),
    # two sentences back is still in reach; three is not
    ("Alpha beta. Zeta. Then gamma.", [("e.full", "Alpha", "beta"), ("e.later", "Alpha", "gamma")]),
    ("Alpha beta. Zeta. Eta. Then gamma.", [("e.full", "Alpha", "beta"), ("e.later", None, "gamma")]),
    # nothing before: the field stays empty
    ("Then gamma. Alpha beta.", [("e.later", None, "gamma"), ("e.full", "Alpha", "beta")]),
    # a rule without from_earlier takes nothing
    ("Alpha beta. So delta.", [("e.full", "Alpha", "beta"), ("e.plain", None, "delta")]),
    # a record that took the value passes it on
    ("Alpha beta. Then gamma. Zeta. Then gamma.",
     [("e.full", "Alpha", "beta"), ("e.later", "Alpha", "gamma"), ("e.later", "Alpha", "gamma")]),
])
def test_from_earlier_takes_an_empty_field_from_the_latest_record_in_reach(tmp_path, text, expected):
    rules = load(tmp_path, INHERIT_RULES)
    got = [(r.rule, r.who.text if r.who else None, r.what.text) for r in rules.extract(text)]
    assert got == expected


def test_from_earlier_keeps_the_earlier_span_and_never_takes_from_its_own_sentence(tmp_path):
    rules = load(tmp_path, INHERIT_RULES)
    text = "Alpha beta. Then gamma."
    _, later = rules.extract(text)
    # the value is the earlier record's, span and all: it slices back to the text
    assert (later.who.start, later.who.end) == (0, 5) and text[later.who.start:later.who.end] == "Alpha"
    # nor from a record of its own sentence (there the merge policy decides what belongs together)
    full, later = rules.extract("Alpha beta then gamma.")
    assert (later.rule, later.who) == ("e.later", None)


def test_from_earlier_makes_a_keyless_record_a_record(tmp_path):
    # a record that fills no key field is dropped; one that takes a key field from before stays
    rules = load(tmp_path, MERGE_TYPES + """  - {name: e.full, type: Event, pattern: '(?<who> alpha) (?<what> beta)'}
  - {name: e.where, type: Event, pattern: 'in (?<where> gamma)', fields: {who: {from_earlier: 1}, where: where}}
""")
    assert [(r.rule, r.who.text if r.who else None) for r in rules.extract("Alpha beta. In gamma.")] == [
        ("e.full", "Alpha"), ("e.where", "Alpha")]
    assert [r.rule for r in rules.extract("In gamma.")] == []


def test_a_duplicate_record_keeps_the_reach_of_every_rule_that_made_it(tmp_path):
    # two rules make the same record; the one that looks further back still lends it its reach
    rules = load(tmp_path, MERGE_TYPES + """  - {name: e.full, type: Event, pattern: '(?<who> alpha) (?<what> beta)'}
  - {name: e.near, type: Event, pattern: 'then (?<what> gamma)', fields: {who: {from_earlier: 1}, what: what}}
  - {name: e.far, type: Event, pattern: 'then (?<what> gamma)', fields: {who: {from_earlier: 3}, what: what}}
""")
    got = [(r.rule, r.who.text if r.who else None) for r in rules.extract("Alpha beta. Zeta. Eta. Then gamma.")]
    assert got == [("e.full", "Alpha"), ("e.near+e.far", "Alpha")]
    # and a record both make in reach of each names both rules
    assert [r.rule for r in rules.extract("Alpha beta. Then gamma.")] == ["e.full", "e.near+e.far"]


@pytest.mark.parametrize("mapping,message", [
    ("{from_earlier: 0}", "a whole number of sentences from 1 to 5"),
    ("{from_earlier: two}", "a whole number of sentences from 1 to 5"),
    ("{value: x, from_earlier: 1}", "`from_earlier:` goes with `capture:`"),
])
def test_a_bad_from_earlier_is_a_positioned_error(tmp_path, mapping, message):
    with pytest.raises(ruleie.RuleFileError) as caught:
        load(tmp_path, MERGE_TYPES + f"  - {{name: e, type: Event, pattern: '(?<what> beta)', fields: {{who: {mapping}}}}}\n")
    assert message in str(caught.value) and "rules.yaml:" in str(caught.value)


# ---------------------------------------------------------------------------
# Mentions: nested mentions of different lengths, and the longest reading of @Type


MENTION_TYPES = """types:
  Actor: {kind: mention}
  Given: {kind: mention, parent: Actor}
  Full: {kind: mention, parent: Actor}
  Name: {kind: mention, conflict: keep-all}
  Act:
    kind: record
    fields: {who: mention, rest: str}
    conflict: keep-all
rules:
  - {name: given, type: Given, stage: 0, pattern: 'john'}
  - {name: full, type: Full, stage: 0, pattern: 'john smith'}
  - {name: name.short, type: Name, stage: 0, pattern: 'new'}
  - {name: name.mid, type: Name, stage: 0, pattern: 'new york'}
  - {name: name.long, type: Name, stage: 0, pattern: 'new york city'}
"""


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        # Both readings of @Actor fit: the longest is taken.
        ("(?<who> @Actor)", "John Smith spoke.", [("John Smith", None)]),
        ("(?<who> @Actor) (?<rest> []*)", "John Smith spoke.", [("John Smith", "spoke.")]),
        ("(?<who> @Actor) (?<rest> []?)", "John Smith spoke.", [("John Smith", "spoke")]),
        # Only the shorter one lets the rest match: it is still found.
        ("(?<who> @Actor) (?<rest> smith)", "John Smith spoke.", [("John", "Smith")]),
        # Three nested mentions of one type (kept by keep-all): the longest, then what fits.
        ("(?<who> @Name)", "New York City and New York.", [("New York City", None), ("New York", None)]),
        ("(?<who> @Name) (?<rest> york)", "New York City.", [("New", "York")]),
        ("(?<who> @Name) (?<rest> city)", "New York City.", [("New York", "City")]),
        ("(?<who> @Name) (?<rest> [lower=/c.*/]?)", "New York City.", [("New York City", None)]),
    ],
)
def test_a_mention_reference_prefers_the_longest_of_nested_mentions(tmp_path, pattern, text, expected):
    rules = load(tmp_path, MENTION_TYPES + f"  - {{name: act, type: Act, pattern: '{pattern}'}}\n")
    records = rules.extract(text)
    assert [(r.who.text, r.rest.text if r.rest else None) for r in records] == expected


def test_mention_types_settle_their_own_conflicts_before_later_stages(tmp_path):
    rules = load(tmp_path, MENTION_TYPES + "  - {name: act, type: Act, pattern: '(?<who> @Given | @Full)'}\n")
    # Given "John" and Full "John Smith" are different types: neither drops the other, and
    # the alternation takes its first option that matches (re's rule), @Given.
    assert [r.who.text for r in rules.extract("John Smith spoke.")] == ["John"]
    _, mentions = rules.extract_document(rules.annotate("New York City."))
    # Name is keep-all: the three nested Name mentions all stay, longest first at one start.
    assert [(m.type, m.start, m.end) for m in mentions if m.type == "Name"] == [
        ("Name", 0, 3), ("Name", 0, 2), ("Name", 0, 1)]


def test_drop_contained_mentions_keep_only_the_outermost(tmp_path):
    rules = load(tmp_path, MENTION_TYPES.replace("Name: {kind: mention, conflict: keep-all}", "Name: {kind: mention}")
                 + "  - {name: act, type: Act, pattern: '(?<who> @Name) (?<rest> [])'}\n")
    _, mentions = rules.extract_document(rules.annotate("New York City."))
    assert [(m.type, m.start, m.end) for m in mentions if m.type == "Name"] == [("Name", 0, 3)]
    # With only the outer mention left, nothing follows it but the full stop.
    assert [(r.who.text, r.rest.text) for r in rules.extract("New York City.")] == [("New York City", ".")]


# ---------------------------------------------------------------------------
# The O(n log n) policies against brute-force quadratic versions of their rules


@attrs.frozen(eq=False)
class Item:
    start: int
    end: int
    priority: int
    order: int
    label: int  # identity for messages


def span(x: Item) -> tuple[int, int]:
    return x.start, x.end


def rank(x: Item) -> tuple[int, int]:
    return x.priority, x.order


def brute_drop_contained(items: list[Item]) -> list[Item]:
    """Drop an item whose span lies inside another's; of equal spans, one that another outranks."""

    def outranks(a: Item, b: Item) -> bool:
        return (-a.priority, a.order) < (-b.priority, b.order)

    kept = [
        x for x in items
        if not any(
            y is not x and y.start <= x.start and x.end <= y.end and (span(y) != span(x) or outranks(y, x))
            for y in items
        )
    ]
    return sorted(kept, key=lambda x: (x.start, -x.end))  # stable: input order among equal spans


def brute_best(items: list[Item]) -> list[Item]:
    """Greedy by priority, then length, then rule order (then start), skipping overlaps."""
    ordered = sorted(items, key=lambda x: (-x.priority, -(x.end - x.start), x.order, x.start))
    kept: list[Item] = []
    for x in ordered:
        if all(x.end <= y.start or y.end <= x.start for y in kept):
            kept.append(x)
    return kept


@st.composite
def items(draw: st.DrawFn, empty: bool = False) -> list[Item]:
    """Spans over a few positions (so equal, nested, touching and overlapping spans are common)
    with few priorities and rule orders (so equal ranks are common too)."""
    width = draw(st.integers(1, 12))
    out = []
    for label in range(draw(st.integers(0, 14))):
        start = draw(st.integers(0, width - 1))
        end = draw(st.integers(start if empty else start + 1, width))
        out.append(Item(start, end, draw(st.integers(-1, 2)), draw(st.integers(0, 4)), label))
    return out


def labels(found: list[Item]) -> list[tuple[int, int, int, int, int]]:
    return [(x.label, x.start, x.end, x.priority, x.order) for x in found]


@given(items())
@example([Item(0, 2, 0, 1, 0), Item(0, 2, 1, 2, 1)])  # equal spans: the higher priority stays
@example([Item(0, 2, 0, 1, 0), Item(0, 2, 0, 0, 1)])  # equal spans and priority: the earlier rule
@example([Item(0, 2, 0, 0, 0), Item(0, 2, 0, 0, 1), Item(1, 2, 5, 0, 2)])  # equal ranks: both stay
def test_drop_contained_matches_the_quadratic_rule(found_items: list[Item]) -> None:
    assert labels(engine._apply_policy(found_items, "drop-contained", span, rank)) == labels(
        brute_drop_contained(found_items))


@given(items())
@example([Item(0, 3, 0, 0, 0), Item(1, 2, 1, 1, 1), Item(2, 4, 1, 2, 2)])
@example([Item(0, 1, 0, 0, 0), Item(1, 2, 0, 0, 1), Item(0, 2, 0, 0, 2)])
def test_best_matches_the_quadratic_rule(found_items: list[Item]) -> None:
    assert labels(engine._apply_policy(found_items, "best", span, rank)) == labels(brute_best(found_items))


@attrs.frozen(eq=False)
class Claim:
    """A record-like item for anchored best: a span, a rank and an anchor field ``x``."""
    start: int
    end: int
    priority: int
    order: int
    label: int
    x: object  # a FieldValue or None


@st.composite
def claims(draw: st.DrawFn) -> list[Claim]:
    out = []
    for item in draw(items()):
        if draw(st.booleans()):
            a = draw(st.integers(item.start, item.end - 1))
            b = draw(st.integers(a + 1, item.end))
            x = ruleie.FieldValue("", a, b)
        else:
            x = None
        out.append(Claim(item.start, item.end, item.priority, item.order, item.label, x))
    return out


def brute_best_anchored(found_claims: list[Claim]) -> list[Claim]:
    """Greedy as brute_best; two records compete when their spans overlap and one has no
    anchor or their anchors overlap."""
    def overlap(a, b) -> bool:
        return a.start < b.end and b.start < a.end

    ordered = sorted(found_claims, key=lambda c: (-c.priority, -(c.end - c.start), c.order, c.start))
    kept: list[Claim] = []
    for c in ordered:
        if not any(overlap(c, k) and (c.x is None or k.x is None or overlap(c.x, k.x)) for k in kept):
            kept.append(c)
    return kept


@given(claims())
# Spans that only touch do not overlap, also when the records have no anchor (here an
# empty record kept first, at the end of the next one).
@example([Claim(2, 2, 1, 0, 0, None), Claim(0, 2, 0, 1, 1, None)])
def test_best_anchored_matches_the_quadratic_rule(found_claims: list[Claim]) -> None:
    kept = engine._best_anchored(found_claims, ("x",), lambda c: (c.priority, c.order))
    assert [c.label for c in kept] == [c.label for c in brute_best_anchored(found_claims)]


@given(items(empty=True))
# An empty span kept at the end of x (never overlapping it) is the first kept span the
# overlap test looks at; the one before it overlaps x, and must be looked at too.
@example([Item(0, 3, 2, 0, 0), Item(5, 5, 1, 0, 1), Item(2, 5, 0, 0, 2)])
def test_policies_match_the_quadratic_rules_with_empty_spans_too(found_items: list[Item]) -> None:
    """No engine record or mention is empty, but the functions promise their rule for any span."""
    assert labels(engine._apply_policy(found_items, "drop-contained", span, rank)) == labels(
        brute_drop_contained(found_items))
    assert labels(engine._apply_policy(found_items, "best", span, rank)) == labels(brute_best(found_items))


@given(items())
def test_keep_all_keeps_everything_in_input_order(found_items: list[Item]) -> None:
    assert engine._apply_policy(found_items, "keep-all", span, rank) == found_items


def _no_rank(x: Item) -> tuple[int, int]:
    return (0, 0)


@given(items())
def test_mentions_policy_without_ranks_keeps_every_equal_span(found_items: list[Item]) -> None:
    """Mentions are settled with one rank for all: of equal spans none outranks another."""
    kept = engine._apply_policy(found_items, "drop-contained", span, _no_rank)
    spans = {span(x) for x in kept}
    assert [x for x in kept] == [x for x in sorted(found_items, key=lambda x: (x.start, -x.end)) if span(x) in spans]


# ---------------------------------------------------------------------------
# Mentions of a type the rule set does not declare, and mention types under `best`


def test_mentions_of_an_undeclared_type_are_settled_by_drop_contained(tmp_path):
    """A pre-annotated document may carry mentions of any type (a spaCy Doc's entities);
    the types the rule set does not declare get the default policy."""
    from ruleie.text.document import Mention

    rules = load(tmp_path, MENTION_TYPES)
    doc = rules.annotate("one two three four five.").with_mentions(
        [Mention("Foo", 0, 3), Mention("Foo", 1, 2), Mention("Foo", 2, 4), Mention("Bar", 1, 2)])
    _, mentions = rules.extract_document(doc)
    # (1, 2) lies inside (0, 3): dropped; (2, 4) only overlaps it: kept (best would drop it).
    # Policies apply per type: Bar's (1, 2) stays.
    assert [(m.type, m.start, m.end) for m in mentions if m.type in ("Foo", "Bar")] == [
        ("Foo", 0, 3), ("Bar", 1, 2), ("Foo", 2, 4)]


def test_a_mention_type_under_best_keeps_the_longest_then_the_earliest(tmp_path):
    rules = load(tmp_path, """types:
  Place: {kind: mention, conflict: best}
rules:
  - {name: p1, type: Place, stage: 0, pattern: 'york city'}
  - {name: p2, type: Place, stage: 0, pattern: 'new york'}
  - {name: p3, type: Place, stage: 0, pattern: 'city hall'}
  - {name: p4, type: Place, stage: 0, pattern: 'in new york city'}
""")
    _, mentions = rules.extract_document(rules.annotate("They met in New York City hall."))
    # All mentions rank alike: the longest first ("in New York City"), then nothing that overlaps it.
    assert [(m.start, m.end) for m in mentions if m.type == "Place"] == [(2, 6)]
    _, mentions = rules.extract_document(rules.annotate("New York City hall."))
    # Equal lengths: the earliest start, then what does not overlap it ("city hall").
    assert [(m.start, m.end) for m in mentions if m.type == "Place"] == [(0, 2), (2, 4)]


# ---------------------------------------------------------------------------
# merge: list fields, the document id, groups of one part among others


LIST_MERGE = """types:
  Meeting:
    kind: record
    fields: {people: "list", place: str}
    key: [people]
    conflict: merge
rules:
"""
PEOPLE = "fields: {people: {capture: [a, b]}}"


def test_merge_compares_list_fields_item_by_item(tmp_path):
    rules = load(tmp_path, LIST_MERGE + """  - {name: m.pair, type: Meeting, pattern: '(?<a> alpha) and (?<b> beta)', %s}
  - {name: m.one, type: Meeting, pattern: '(?<a> beta) met (?<place> [])', fields: {people: a}}
  - {name: m.other, type: Meeting, priority: -1, pattern: '(?<a> gamma) met', fields: {people: a}}
""" % PEOPLE)
    records = rules.extract("alpha and beta met there. gamma met alpha and beta met here.", doc_id="d9")
    # Sentence 1: m.pair's list overlaps m.one's in "beta": one record, its doc id kept.
    # Sentence 2: m.other ("gamma") shares no span with the others: it stays apart.
    assert [(r.rule, r.text, r.doc) for r in records] == [
        ("m.pair+m.one", "alpha and beta met there", "d9"),
        ("m.other", "gamma met", "d9"),
        ("m.pair+m.one", "alpha and beta met here", "d9"),
    ]
    assert [p.text for p in records[0].people] == ["alpha", "beta"]
    assert records[0].place.text == "there"


def test_merge_keeps_a_lone_best_ranked_part_and_merges_the_rest(tmp_path):
    rules = load(tmp_path, MERGE_TYPES + """  - {name: e.lone, type: Event, priority: 1, pattern: '(?<who> delta)'}
  - {name: e.a, type: Event, pattern: '(?<who> alpha) beta'}
  - {name: e.b, type: Event, pattern: '(?<who> alpha beta) (?<what> gamma)'}
""")
    # e.lone ranks first and stays alone (its `who` disagrees with the others'); e.a and e.b
    # (whose `who` overlap) merge after it.
    assert found(rules, TEXT) == [("e.a+e.b", "alpha beta gamma"), ("e.lone", "delta")]


@pytest.mark.parametrize("higher", ["left", "right"])
def test_merge_parts_whose_fields_only_touch_disagree(tmp_path, higher):
    """Spans that end where the other begins do not overlap: the parts stay apart, whichever ranks first."""
    left, right = ("priority: 1, " if higher == "left" else ""), ("priority: 1, " if higher == "right" else "")
    rules = load(tmp_path, MERGE_TYPES + f"""  - {{name: e.l, type: Event, {left}pattern: '(?<who> alpha) [word=","]'}}
  - {{name: e.r, type: Event, {right}pattern: 'alpha (?<who> [word=","]) beta'}}
""")
    assert sorted(found(rules, "alpha, beta gamma.")) == [("e.l", "alpha,"), ("e.r", "alpha, beta")]


# ---------------------------------------------------------------------------
# Unit properties: which rules of a stage run, and when two field values agree


@attrs.frozen
class FakeRule:
    order: int


@st.composite
def stage_layouts(draw: st.DrawFn) -> tuple[list[int], set[int]]:
    """The rule numbers of one stage (ascending, mostly consecutive, sometimes with gaps where
    rules of other stages sit) and a few hit rule numbers around them, often fewer than a
    quarter of the stage (the engine then looks them up instead of walking the stage)."""
    order = draw(st.integers(0, 10))
    orders = []
    for _ in range(draw(st.integers(0, 24))):
        orders.append(order)
        order += 1 + draw(st.sampled_from([0, 0, 0, 0, 1, 3]))
    low, high = (orders[0], orders[-1]) if orders else (0, 0)
    hits = draw(st.sets(st.integers(low - 2, high + 3), max_size=draw(st.sampled_from([1, 2, 3, 8]))))
    return orders, hits


@given(stage_layouts())
@example(([5, 6, 7, 8, 9], {6}))  # a later stage of consecutive rules, one hit
@example(([0, 1, 2, 3, 6], {6}))  # a gap before the last rule
@example(([0, 1, 2, 3, 4], {0}))  # the stage's first rule
@example(([0, 1, 2, 3, 4], {5}))  # the first rule of the next stage
def test_in_stage_runs_exactly_the_stage_rules_that_were_hit(layout: tuple[list[int], set[int]]) -> None:
    """Either way of finding them (look the hits up, or walk the stage) gives the rules of
    the stage whose number was hit, in rule order."""
    orders, hits = layout
    rules = tuple(FakeRule(o) for o in sorted(orders))
    assert engine._in_stage(rules, hits) == [r for r in rules if r.order in hits]


@attrs.frozen
class Span:
    start: int
    end: int


spans = st.builds(lambda s, n: Span(s, s + n), st.integers(0, 8), st.integers(0, 3))
field_values = st.one_of(st.none(), spans, st.lists(spans, min_size=1, max_size=3).map(tuple))


@given(field_values, field_values)
@example(Span(0, 5), Span(5, 6))
@example(Span(5, 6), Span(0, 5))
@example((Span(0, 2), Span(4, 6)), (Span(5, 6),))
def test_two_field_values_agree_when_empty_or_some_spans_overlap(a, b) -> None:
    def items(v):
        return v if isinstance(v, tuple) else (v,)

    expected = a is None or b is None or any(x.start < y.end and y.start < x.end for x in items(a) for y in items(b))
    assert engine._compatible(a, b) == expected


# ---------------------------------------------------------------------------
# merge: values a rule states (``{value: …}``) beside values read from the text
# (mutants of _merge_records that survived scripts/mutation_test.py policies)


STATED_TYPES = """types:
  Event:
    kind: record
    fields: {who: str, what: str, when: str}
    key: [who, what]
    conflict: merge
rules:
"""


def test_merge_a_stated_value_alone_spans_the_merged_record(tmp_path):
    rules = load(tmp_path, STATED_TYPES + """  - name: e.stated
    type: Event
    priority: 1
    pattern: '(?<who> alpha) beta'
    fields: {when: {value: overnight}}
  - {name: e.other, type: Event, pattern: 'beta (?<what> gamma)'}
""")
    [event] = rules.extract(TEXT)
    assert (event.rule, event.text) == ("e.stated+e.other", "alpha beta gamma")
    # The stated value spanned its part ("alpha beta"); in the merged record it spans the
    # whole record, keeps its value and stays marked as stated.
    when = event.when
    assert (when.text, when.start, when.end, when.value) == ("alpha beta gamma", 0, 16, "overnight")
    assert when.given is True
    assert (event.who.text, event.what.text) == ("alpha", "gamma")


def test_merge_a_value_read_from_the_text_wins_over_a_stated_one(tmp_path):
    # The better-ranked part states `when: delta`; the other reads "delta" from the text.
    # They agree (the stated value equals the text read), and the read value is kept, with
    # its own span, although the stated one comes first in rank order.
    rules = load(tmp_path, STATED_TYPES + """  - name: e.stated
    type: Event
    priority: 1
    pattern: '(?<who> alpha) beta'
    fields: {when: {value: delta}}
  - {name: e.read, type: Event, pattern: 'beta (?<what> gamma) (?<when> delta)'}
""")
    [event] = rules.extract(TEXT)
    assert (event.rule, event.text) == ("e.stated+e.read", "alpha beta gamma delta")
    assert (event.when.text, event.when.start, event.when.end) == ("delta", 17, 22)
    assert event.when.given is False


def test_a_stated_field_value_agrees_by_value_not_by_span() -> None:
    """A value a rule states (``given``) spans its whole match, so it is compared by value (a
    read value by its normalised value, else its text); two read values by their spans."""
    from ruleie.engine.records import FieldValue

    stated = FieldValue("alpha beta gamma", 0, 16, value="delta", given=True)
    assert engine._compatible(stated, FieldValue("delta", 17, 22))  # far apart, same text
    assert engine._compatible(FieldValue("delta", 17, 22), stated)
    assert not engine._compatible(stated, FieldValue("beta", 6, 10))  # inside its span, other text
    assert engine._compatible(stated, FieldValue("x", 30, 31, value="delta"))  # a normalised value
    assert not engine._compatible(stated, FieldValue("delta", 30, 35, value="other"))
    assert engine._compatible(stated, FieldValue("", 40, 50, value="delta", given=True))
    assert not engine._compatible(stated, FieldValue("", 0, 16, value="else", given=True))
    # Neither stated: spans decide, whatever the text.
    assert not engine._compatible(FieldValue("delta", 0, 5), FieldValue("delta", 17, 22))
    assert engine._compatible(FieldValue("alpha", 0, 5), FieldValue("pha b", 2, 7))


def test_best_anchored_reads_every_item_of_a_list_anchor() -> None:
    """A list field's claim is all its items' spans."""
    fv = ruleie.FieldValue
    a = Claim(0, 6, 1, 0, 0, (fv("", 0, 1), fv("", 4, 5)))
    b = Claim(3, 8, 0, 1, 1, (fv("", 4, 5),))  # claims a's second item: competes with a
    c = Claim(2, 9, 0, 2, 2, (fv("", 7, 8),))  # overlaps a, claims nothing a claims: stays
    kept = engine._best_anchored([a, b, c], ("x",), lambda c: (c.priority, c.order))
    assert [k.label for k in kept] == [0, 2]


# ---------------------------------------------------------------------------
# Settling the mentions a stage adds: only the types it brings are settled again, and the
# result is that of settling everything at once.

SETTLE_SPECS = {
    "A": engine.TypeSpec("A", kind="mention", conflict="drop-contained"),
    "B": engine.TypeSpec("B", kind="mention", conflict="keep-all"),
    "C": engine.TypeSpec("C", kind="mention", conflict="best"),
}

random_mentions = st.lists(
    st.builds(
        lambda t, s, n, rule: ruleie.Mention(t, s, s + n, rule=rule),
        st.sampled_from(["A", "B", "C", "D"]),  # D: a type no spec declares
        st.integers(0, 12), st.integers(1, 4), st.sampled_from(["r1", "r2"]),
    ),
    max_size=14,
)


@given(before=random_mentions, added=random_mentions)
def test_settling_what_a_stage_adds_equals_settling_everything(before, added):
    settled = engine._settle_mentions(before, SETTLE_SPECS)
    assert engine._settle_more(settled, added, SETTLE_SPECS) == engine._settle_mentions(settled + added, SETTLE_SPECS)
