"""ruleie check lints: unused captures, unfilled fields, rules that match nothing or only nothing,
shadowed rules, token fields no annotator provides; --strict."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

import ruleie
from ruleie.cli import main
from ruleie.errors import Diagnostic
from ruleie.rules.lint import ALL_LINTS, NEW_LINTS, lints_for
from ruleie.rules.rulefile import LINTS, check_rule_files

HEADER = """
ruleie: 1
lexicons:
  countries: {entries: [Iran, Israel], mention: Country}
  verbs: [launch, fire]
  phrases: [United States, New York]
  nothing: {entries: [], field: lower}
types:
  Country: {kind: mention}
  Ghost: {kind: mention}
  Launch:
    fields: {attacker: mention, verb: str, n: int}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rules_file(here: Path, *rules: str, header: str = HEADER) -> Path:
    """A rule file: the header, then `rules:` with the given rules (each a YAML list, dedented)."""
    listed = "".join(textwrap.dedent(r).lstrip("\n") for r in rules)
    body = textwrap.dedent(header).lstrip("\n") + "rules:\n" + textwrap.indent(listed, "  ")
    path = here / "r.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def lint(path: Path, lints=NEW_LINTS) -> list[Diagnostic]:
    return check_rule_files(path, lints=lints)


def messages(path: Path, lints=NEW_LINTS) -> list[str]:
    return [d.message for d in lint(path, lints)]


FILLS_ALL = """
- name: all
  type: Launch
  pattern: '(?<attacker> @Country) (?<verb> [lemma in verbs]) (?<n> [num>0])'
"""


# ---------------------------------------------------------------------------
# Captures and fields


def test_a_clean_rule_file_has_no_warnings(here: Path):
    assert messages(rules_file(here, FILLS_ALL)) == []


def test_a_capture_that_fills_no_field(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: extra
          type: Launch
          pattern: '(?<attacker> @Country) (?<verbb> fired)'
        """)
    (d,) = lint(path)
    assert d.message == "capture 'verbb' fills no field: type 'Launch' has no field 'verbb' and no `fields:` entry uses it"
    assert (d.severity, d.line, d.column) == ("warning", 18, 38)
    assert d.source_line is not None and d.source_line[d.column - 1 :].startswith("(?<verbb>")
    assert d.hint == "did you mean (?<verb> …)?"


def test_a_capture_named_in_fields_is_used(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: mapped
          type: Launch
          pattern: '(?<attacker> @Country) (?<v> fired)'
          fields: {verb: v}
        """)
    assert messages(path) == []


def test_a_capture_overridden_by_fields_is_unused(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: overridden
          type: Launch
          pattern: '(?<attacker> @Country) (?<verb> fired) (?<v> [])'
          fields: {verb: v}
        """)
    assert messages(path) == ["capture 'verb' is not used: `fields:` fills verb from capture 'v' instead"]


def test_a_capture_from_a_variable_is_reported_at_the_rule(here: Path):
    header = HEADER + "vars:\n  who: '(?<speaker> @Country)'\n"
    path = rules_file(here, FILLS_ALL, """
        - name: from-var
          type: Launch
          pattern: '${who} fired'
        """, header=header)
    (d,) = lint(path)
    assert d.message.endswith("(the capture comes from a variable)")
    assert d.source_line is not None and "${who} fired" in d.source_line


def test_captures_of_mention_rules_are_kept_on_the_mention(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: ghost
          type: Ghost
          pattern: '(?<first> [word=/[A-Z]\\w+/]) (?<last> [word=/[A-Z]\\w+/])'
        """)
    assert messages(path) == []


def test_fields_no_rule_fills(here: Path):
    path = rules_file(here, """
        - name: partial
          type: Launch
          pattern: '(?<attacker> @Country) fired'
          fields: {n: {value: 1}}
        """)
    found = lint(path)
    assert [d.message for d in found] == [
        "field 'verb' of type 'Launch' is never filled: no rule of that type captures (?<verb> …) or sets it in `fields:`"
    ]
    assert (found[0].line, found[0].source_line) == (10, "  Launch:")


def test_a_record_type_no_rule_makes(here: Path):
    header = HEADER + "  Orphan:\n    fields: {x: str}\n  Event:\n    fields: {time: str}\n  Meeting: {parent: Event, fields: {who: str}}\n"
    path = rules_file(here, FILLS_ALL, """
        - name: meeting
          type: Meeting
          pattern: '(?<who> met) (?<time> today)'
        """, header=header)
    # Orphan has no rule; Event is a parent whose subtype has rules.
    assert messages(path) == ["no rule makes records of type 'Orphan', so none of its fields is ever filled"]


# ---------------------------------------------------------------------------
# Rules that match only nothing, or nothing at all


def test_a_rule_that_can_match_the_empty_sequence(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: optional
          type: Launch
          pattern: '(?<attacker> @Country)? (?<verb> fired)?'
        """)
    assert "rule 'optional' can match an empty sequence of tokens" in messages(path)[0]


def test_a_rule_that_can_only_match_the_empty_sequence_is_an_error(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: nothing
          type: Launch
          pattern: '(?= fired)'
        """)
    errors = [d for d in lint(path) if d.severity == "error"]
    assert errors and "can only match an empty sequence" in errors[0].message


@pytest.mark.parametrize(
    "pattern, reason",
    [
        ("[lower=Kyiv] (?<attacker> @Country)", "[lower=Kyiv] never holds: `lower` is the lower-cased word"),
        ("[lower=a & lower=b]", '[lower=a & lower=b] never holds: lower cannot be both "a" and "b"'),
        ("[lower=a & !lower=a]", "[lower=a & !lower=a] never holds: lower=a contradicts [!lower=a]"),
        ("[lemma=fire & lemma in phrases]", "[lemma in phrases] never holds: every entry of lexicon 'phrases' has several words, and the test is on one token"),
        ("[lower=fired & lower=/launch.*/]", "[lower=fired & lower=/launch.*/] never holds: lower=fired contradicts [lower=/launch.*/]"),
        ("[num>5 & num<=5]", "[num>5 & num<=5] never holds: no num is both [num>5] and [num<=5]"),
        ("[num=3 & num=4]", "[num=3 & num=4] never holds: num cannot be both 3 and 4"),
        ("[lower in nothing]", "[lower in nothing] never holds: lexicon 'nothing' has no entries"),
        ("[dep=nsubj]", "[dep=nsubj] never holds: no configured annotator provides the token field 'dep'"),
        ("@Ghost fired", "nothing makes @Ghost mentions before stage 1"),
        ("fired $ [num>0]", "`$` is the end of the sentence, so [num>0] cannot come after it"),
        ("fired ^ [num>0]", "`^` is the start of the sentence, so fired cannot come before it"),
        ("( [lower=A] | [lower=B] ) fired", "[lower=A] never holds: `lower` is the lower-cased word"),
        ("fired (?= [lower=X] )", "[lower=X] never holds: `lower` is the lower-cased word"),
    ],
)
def test_rules_that_can_never_match(here: Path, pattern: str, reason: str):
    path = rules_file(here, FILLS_ALL, f"""
        - name: never
          type: Launch
          pattern: '{pattern}'
        """)
    found = [m for m in messages(path) if m.startswith("rule 'never' can never match")]
    assert found == [f"rule 'never' can never match: {reason}"]


@pytest.mark.parametrize(
    "pattern",
    [
        "[lower=a | lower=B] fired",  # one alternative can match
        "( [lower=A] | fired ) [num>0]",
        "[lower=Kyiv]? fired",  # optional
        "fired (?! [lower=X] )",  # a negative lookahead of nothing always holds
        "[num>=5 & num<=5]",
        "[lower=a & lemma=b]",  # different fields
        "[lower=fire & lower in verbs]",
        "@Country $",
        "^ fired",
    ],
)
def test_rules_that_may_match_are_not_reported(here: Path, pattern: str):
    path = rules_file(here, FILLS_ALL, f"""
        - name: fine
          type: Launch
          pattern: '{pattern}'
        """)
    assert not [m for m in messages(path) if "can never match" in m]


# ---------------------------------------------------------------------------
# Shadowed rules


def test_a_rule_shadowed_by_a_higher_priority_rule(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: low
          type: Launch
          pattern: '(?<attacker> @Country)  (?<verb> fired)'
        - name: high
          type: Launch
          priority: 2
          pattern: '(?<attacker> @Country) (?<verb> fired)'
        """)
    (d,) = lint(path)
    assert d.message == (
        "rule 'low' is shadowed by rule 'high' (r.yaml:19:5): same type Launch and the same pattern, "
        "and 'high' has a higher priority (2 > 0), so 'low' never adds a record"
    )
    assert d.line == 18  # at its pattern


def test_a_rule_repeating_an_earlier_one(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: again
          type: Launch
          pattern: |
            (?<attacker> @Country)
            (?<verb> [lemma in verbs])   # same pattern, other layout
            (?<n> [num>0])
        """)
    (d,) = lint(path)
    assert "rule 'again' is shadowed by rule 'all'" in d.message and "the same priority and comes first" in d.message


def test_same_pattern_other_fields_under_keep_all_is_not_shadowed(here: Path):
    header = HEADER.replace("fields: {attacker: mention, verb: str, n: int}", "fields: {attacker: mention, verb: str, n: int}\n    conflict: keep-all")
    path = rules_file(here, FILLS_ALL, """
        - name: other-fields
          type: Launch
          pattern: '(?<attacker> @Country) (?<verb> [lemma in verbs]) (?<n> [num>0])'
          fields: {n: {value: 1}, verb: verb, attacker: attacker}
        """, header=header)
    assert not [m for m in messages(path) if "shadowed" in m]


def test_same_pattern_other_type_is_not_shadowed(here: Path):
    header = HEADER + "  Other:\n    fields: {attacker: mention, verb: str, n: int}\n"
    path = rules_file(here, FILLS_ALL, """
        - name: other-type
          type: Other
          pattern: '(?<attacker> @Country) (?<verb> [lemma in verbs]) (?<n> [num>0])'
        """, header=header)
    assert not [m for m in messages(path) if "shadowed" in m]


# ---------------------------------------------------------------------------
# Token fields


def test_a_token_field_no_annotator_provides(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: tagged
          type: Launch
          pattern: '(?<attacker> @Country) (?<verb> [lema=fire | dep=root])'
        """)
    found = [d for d in lint(path) if "no configured annotator provides the token field" in d.message and d.message.startswith("no")]
    assert [(d.message.split(" (")[0], d.hint) for d in found] == [
        ("no configured annotator provides the token field 'lema'", "did you mean 'lemma'?"),
        ("no configured annotator provides the token field 'dep'",
         "fields such as dep need an annotator that provides them (e.g. spaCy with a parser)"),
    ]
    assert found[0].source_line is not None and found[0].source_line[found[0].column - 1 :].startswith("lema=fire")


def test_a_lexicon_compared_with_a_field_no_annotator_provides(here: Path):
    header = HEADER + "  Org: {kind: mention}\n"
    header = header.replace("  verbs: [launch, fire]", "  verbs: [launch, fire]\n  orgs: {entries: [nsubj], field: dep, mention: Org}")
    path = rules_file(here, FILLS_ALL, header=header)
    assert [m for m in messages(path) if m.startswith("lexicon 'orgs'")] == [
        "lexicon 'orgs' compares entries with the token field 'dep', which no configured annotator provides "
        "(the default annotator provides entity, head, lemma, lower, np, num, pos, shape, tag, word)"
    ]


class _ParsingAnnotator:
    fields = frozenset({"word", "lower", "lemma", "shape", "num", "dep"})

    def annotate(self, text: str, doc_id: str = ""):  # pragma: no cover - not run by the lints
        return ruleie.annotate(text, doc_id)


def test_the_fields_of_a_configured_annotator_count(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: tagged
          type: Launch
          pattern: '(?<attacker> @Country) (?<verb> [dep=root])'
        """)
    assert any("'dep'" in m for m in messages(path))
    found = check_rule_files(path, lints=lints_for(_ParsingAnnotator()))
    assert not [d for d in found if "'dep'" in d.message]
    assert not [d for d in ruleie.check_rules(path, annotator=_ParsingAnnotator()) if "'dep'" in d.message]


# ---------------------------------------------------------------------------
# The set of lints and the command


def test_all_lints_extend_the_loaders_lints():
    assert ALL_LINTS[: len(LINTS)] == LINTS
    assert all(lint in ALL_LINTS for lint in NEW_LINTS)
    assert all(lint.__doc__ for lint in ALL_LINTS)


def test_check_rules_runs_every_lint(here: Path):
    path = rules_file(here, FILLS_ALL, """
        - name: never
          type: Launch
          pattern: '[lower=a & lower=b] (?<x> [])'
        """)
    found = [d.message for d in ruleie.check_rules(path)]
    assert any("can never match" in m for m in found)
    assert any("capture 'x' fills no field" in m for m in found)
    assert any("lexicon 'nothing' is never used" in m for m in found)  # a lint of the loader


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_check_warnings_pass_and_strict_fails(here: Path):
    rules_file(here, FILLS_ALL, """
        - name: extra
          type: Launch
          pattern: '(?<attacker> @Country) (?<verbb> fired)'
        """)
    code, out, err = run("check", "r.yaml")
    assert code == 0
    assert "r.yaml:18:38: warning: capture 'verbb' fills no field" in err
    assert out.startswith("ruleie check: ok (0 error(s), ")
    code, out, err = run("check", "--strict", "r.yaml")
    assert code == 2 and out == ""
    assert err.rstrip().endswith("warning(s) (--strict: warnings count as errors)")
    assert "ruleie check: 0 error(s)" in err


def test_cli_check_errors_fail_without_strict(here: Path):
    rules_file(here, FILLS_ALL, """
        - name: all
          type: Launch
          pattern: 'fired'
        """)
    code, out, err = run("check", "r.yaml")
    assert code == 2
    assert "duplicate rule name 'all'" in err and "ruleie check: 1 error(s)" in err


def test_the_shipped_pack_has_no_errors():
    assert [d.render() for d in ruleie.check_rules() if d.severity == "error"] == []
