"""Rule files: loading, checking, positions of errors, safety."""

from __future__ import annotations

import hashlib
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruleie.language import nodes as n
from ruleie.errors import Diagnostic, RuleFileError
from ruleie.language.parser import parse_pattern
from ruleie.rules.taxonomy import BUILTIN_TYPES
from ruleie.rules.rulefile import LINTS, LintContext, check_rule_files, load_rule_files
from ruleie.rules.spec import Example, FieldMapping, FieldSpec, LexiconSpec, SourceLocation, TypeSpec

FIXTURES = Path(__file__).parent / "fixtures" / "rulefiles"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory, so diagnostics name files as `x.yaml`."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def errors(paths) -> list[Diagnostic]:
    return [d for d in check_rule_files(paths) if d.severity == "error"]


def where(d: Diagnostic) -> tuple[str | None, int | None, int | None]:
    return d.file, d.line, d.column


def only_error(paths) -> Diagnostic:
    found = errors(paths)
    assert len(found) == 1, "\n".join(d.render() for d in found)
    return found[0]


# ---------------------------------------------------------------------------
# A valid multi-file rule set


@pytest.fixture
def valid(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(FIXTURES / "valid")
    return load_rule_files("main.yaml")


def test_valid_types_with_taxonomy_and_inherited_fields(valid):
    assert list(valid.types) == ["Actor", "Country", "Event", "Strike", *BUILTIN_TYPES]  # then the layer's
    assert valid.types["Actor"] == TypeSpec("Actor", kind="mention", doc="Anyone who acts.")
    # kind is inherited from the parent
    assert valid.types["Country"] == TypeSpec("Country", kind="mention", parents=("Actor",))
    event_fields = (FieldSpec("trigger"), FieldSpec("time", doc="As written."))
    assert valid.types["Event"] == TypeSpec("Event", fields=event_fields)
    assert valid.types["Strike"] == TypeSpec(
        "Strike",
        kind="record",
        parents=("Event",),
        fields=event_fields
        + (
            FieldSpec("attacker", "mention"),
            FieldSpec("weapon", "str"),
            FieldSpec("launched", "int"),
            FieldSpec("direct", "bool"),
            FieldSpec("targets", "list", "str"),
        ),
        key=("trigger", "weapon"),
        conflict="best",
        doc="A missile or drone strike.",
    )
    assert valid.types["Strike"].location == SourceLocation("main.yaml", 5, 3)
    assert valid.types["Actor"].location == SourceLocation("common.yaml", 17, 3)


def test_valid_lexicons_from_entries_and_file(valid):
    assert dict(valid.lexicons) == {
        "weapons": LexiconSpec("weapons", frozenset({"missile", "missiles", "drone", "drones", "cruise missile"})),
        "countries": LexiconSpec(
            "countries", frozenset({"Russia", "Ukraine", "Iran", "United States"}), mention="Country"
        ),
    }


def test_valid_vars(valid):
    assert dict(valid.vars) == {"number": "[num>0]", "launch_verb": ("launched", "fired", "[lemma=launch]")}


def test_valid_rules(valid):
    first, second = valid.rules
    assert first.name == "strike.launched"
    assert first.type == "Strike"
    assert (first.stage, first.priority) == (1, 0)
    assert first.node == parse_pattern(
        "(?<attacker> @Actor) (?<trigger> (launched | fired | [lemma=launch])) (?<n> [num>0])? (?<weapon> [lower in weapons])"
    )
    # Explicit mappings and the captures named like fields, in the type's field order;
    # an int field filled from a capture is read as a number.
    assert first.fields == (
        FieldMapping("trigger", capture="trigger"),
        FieldMapping("time", value="overnight"),
        FieldMapping("attacker", capture="attacker"),
        FieldMapping("weapon", capture="weapon"),
        FieldMapping("launched", capture="n", normalise="number"),
        FieldMapping("direct", value=False),
    )
    assert first.examples == (
        Example("Russia launched 23 missiles.", {"attacker": "Russia", "launched": 23, "weapon": "missiles"}),
        Example("Nothing happened.", None),
    )
    assert first.examples[0].location == SourceLocation("main.yaml", 28, 9)
    assert first.location == SourceLocation("main.yaml", 18, 5)
    assert first.pattern_location == SourceLocation("main.yaml", 21, 7)

    assert second.name == "strike.hit"
    assert (second.stage, second.priority) == (2, 5)
    assert second.fields == (
        FieldMapping("trigger", capture="trigger", normalise="lower"),
        FieldMapping("targets", capture="targets"),
    )
    assert second.pattern == "(?<trigger> hit) (?<targets> [word=/[A-Z]\\w+/])+"


def test_valid_files_and_digest(valid):
    assert valid.files == ("common.yaml", "lexicons/weapons.txt", "main.yaml")
    digest = hashlib.sha256()
    for name in valid.files:
        data = (FIXTURES / "valid" / name).read_bytes()
        digest.update(len(data).to_bytes(8, "big") + data)
    assert valid.digest == digest.hexdigest()


def test_digest_follows_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import shutil

    shutil.copytree(FIXTURES / "valid", tmp_path / "valid")
    monkeypatch.chdir(tmp_path / "valid")
    before = load_rule_files("main.yaml").digest
    assert load_rule_files(["main.yaml"]).digest == before
    with open("lexicons/weapons.txt", "a", encoding="utf-8") as handle:
        handle.write("rocket\n")
    assert load_rule_files(Path("main.yaml")).digest != before


def test_valid_set_has_only_the_expected_warning(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(FIXTURES / "valid")
    found = check_rule_files("main.yaml")
    assert [(d.severity, d.line, d.column) for d in found] == [("warning", 22, 46)]
    assert "'cruise missile'" in found[0].message


def test_absolute_paths_outside_cwd_stay_absolute():
    spec = load_rule_files(FIXTURES / "valid" / "main.yaml")
    assert all(os.path.isabs(f) or not f.startswith("..") for f in spec.files)
    assert len(spec.rules) == 2


# ---------------------------------------------------------------------------
# Golden: a broken rule file with many different errors, all reported at once


GOLDEN = FIXTURES / "broken" / "expected.txt"


def test_broken_rule_file_matches_golden(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(FIXTURES / "broken")
    found = check_rule_files("broken.yaml")
    rendered = "\n".join(d.render() for d in found) + "\n"
    if os.environ.get("RULEIE_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")
    errs = [d for d in found if d.severity == "error"]
    assert len({d.message.split("'")[0] for d in errs}) >= 8  # many different kinds of error
    assert all(d.line and d.column for d in errs)
    assert found == sorted(found, key=lambda d: (d.file, d.line, d.column))

    with pytest.raises(RuleFileError) as raised:
        load_rule_files("broken.yaml")
    assert list(raised.value.diagnostics) == errs  # every error at once, no warnings


# ---------------------------------------------------------------------------
# Pattern errors land on the offending character in every YAML scalar style

STYLES = {
    "plain": "pattern: a b [lower in wepons]",
    "plain, two lines": "pattern: a b\n      c [lower in wepons]",
    "single": "pattern: 'it''s a [lower in wepons]'",
    "single, two lines": "pattern: 'it''s\n      a [lower in wepons]'",
    "double with escapes": 'pattern: "[word=\\"x\\"] \\u00e9\\t [lower in wepons]"',
    "double, line continuation": 'pattern: "a \\\n      b [lower in wepons]"',
    "literal": "pattern: |  # a comment\n      a b\n        c [lower in wepons]  # why\n      d",
    "literal strip": "pattern: |-\n      a\n      [lower in wepons]",
    "folded": "pattern: >\n      a b\n\n      c [lower in wepons]",
    "flow mapping": "{pattern: \"x [lower in wepons]\"}",
}


@pytest.mark.parametrize("style", list(STYLES))
def test_pattern_error_position_in_every_scalar_style(here: Path, style: str):
    body = STYLES[style]
    if body.startswith("{"):
        rule = f"  - {body[:-1]}, name: r, type: T}}"
    else:
        rule = "  - name: r\n    type: T\n    " + body
    text = "ruleie: 1\nlexicons: {weapons: [missile]}\ntypes: {T: {}}\nrules:\n" + rule + "\n"
    (here / "s.yaml").write_text(text, encoding="utf-8")
    d = only_error("s.yaml")
    assert d.message == "unknown lexicon 'wepons' (did you mean 'weapons'?)"
    offset = text.index("wepons")
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    assert where(d) == ("s.yaml", line, column)
    assert d.source_line == text.split("\n")[line - 1]


@pytest.mark.parametrize(
    "body, marker",
    [
        ("pattern: a ( b", "b"),  # end of pattern: just after its last character
        ("pattern: |\n      a ( b\n", "b"),
        ("pattern: 'a ( b'", "b"),
        ('pattern: "[word=\\"x\\"] ( b"', "b"),
        ('pattern: "a\\" b"', '\\"'),  # the pattern's unterminated quote is YAML's escape \"
        ("pattern: a b )", ")"),
        ("pattern: >-\n      a\n      b )", ")"),
        ('pattern: "a \\"b\\" )"', ")"),
    ],
)
def test_syntax_error_positions(here: Path, body: str, marker: str):
    text = "ruleie: 1\ntypes: {T: {}}\nrules:\n  - name: r\n    type: T\n    " + body + "\n"
    (here / "s.yaml").write_text(text, encoding="utf-8")
    d = only_error("s.yaml")
    offset = text.rindex(marker) + (1 if marker == "b" else 0)  # `unclosed (` points after the end
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    assert (d.line, d.column) == (line, column), d.render()


def test_variable_errors_are_positioned_in_the_variable(here: Path):
    write(
        here,
        "v.yaml",
        """
        ruleie: 1
        vars:
          good: '[lemma=say]'
          bad: ["ok", 'a [lower in nowhere]']
          selfish: '${selfish} x'
          uses_missing: '${god}'
        """,
    )
    found = errors("v.yaml")
    assert [(d.line, d.column, d.message) for d in found] == [
        (4, 28, "in variable 'bad': unknown lexicon 'nowhere'"),
        (5, 3, "variable 'selfish' refers to itself"),
        (6, 18, "in variable 'uses_missing': unknown variable 'god' (did you mean 'good'?)"),
    ]


def test_zero_width_variables_and_mentions_in_variables(here: Path):
    write(
        here,
        "z.yaml",
        """
        ruleie: 1
        types: {P: {kind: mention}, R: {}}
        vars:
          start: '^'
          before_p: '(?= @P)'
          who: '@Pp'
        rules:
          - {name: r, type: R, pattern: '${start} a ${before_p} []'}
          - {name: p, type: P, pattern: 'b'}
        """,
    )
    d = only_error("z.yaml")
    assert (d.line, d.column, d.message) == (6, 9, "unknown type '@Pp' (did you mean 'P'?)")
    write(here, "z.yaml", (here / "z.yaml").read_text().replace("@Pp", "@P"))
    spec = load_rule_files("z.yaml")
    assert spec.rules[0].node == n.Seq(
        (n.Anchor("^"), n.Word("a"), n.Look(n.MentionRef("P")), n.TokenTest())
    )


# ---------------------------------------------------------------------------
# Includes


def test_include_cycle_shows_the_chain(here: Path):
    write(here, "a.yaml", "ruleie: 1\ninclude: [sub/b.yaml]\n")
    write(here, "sub/b.yaml", "ruleie: 1\ninclude:\n  - ../c.yaml\n")
    write(here, "c.yaml", "ruleie: 1\ninclude: [./a.yaml]\n")
    d = only_error("a.yaml")
    assert d.message == "include cycle: a.yaml -> sub/b.yaml -> c.yaml -> a.yaml"
    assert where(d) == ("c.yaml", 2, 11)


def test_file_included_by_two_paths_is_loaded_once(here: Path):
    write(here, "types.yaml", "ruleie: 1\ntypes: {T: {}}\nrules: [{name: t, type: T, pattern: x}]\n")
    os.symlink(here / "types.yaml", here / "alias.yaml")
    write(here, "sub/a.yaml", "ruleie: 1\ninclude: ../types.yaml\n")
    write(here, "main.yaml", "ruleie: 1\ninclude: [sub/a.yaml, types.yaml, sub/../alias.yaml]\n")
    spec = load_rule_files(["main.yaml", "types.yaml"])
    assert spec.files == ("types.yaml", "sub/a.yaml", "main.yaml")
    assert [r.name for r in spec.rules] == ["t"]


def test_includes_come_first_and_names_are_shared(here: Path):
    write(here, "lib.yaml", "ruleie: 1\nlexicons: {w: [x]}\nvars: {v: '[lower in w]'}\ntypes: {T: {}}\n")
    write(here, "main.yaml", "ruleie: 1\ninclude: [lib.yaml]\nrules: [{name: r, type: T, pattern: '${v} y'}]\n")
    spec = load_rule_files("main.yaml")
    assert spec.files == ("lib.yaml", "main.yaml")
    assert spec.rules[0].node == n.Seq((n.TokenTest(n.InLexicon("lower", "w")), n.Word("y")))


def test_missing_include_and_lexicon_files_are_reported_where_named(here: Path):
    write(
        here,
        "m.yaml",
        """
        ruleie: 1
        include:
          - gone.yaml
        lexicons:
          w: {file: words/gone.txt}
          v: {file: /etc/hostname}
        """,
    )
    found = errors("m.yaml")
    assert [(d.line, d.column, d.message) for d in found] == [
        (3, 5, "cannot read included file 'gone.yaml': no such file"),
        (5, 13, "cannot read lexicon file 'words/gone.txt': no such file"),
        (6, 13, "lexicon file '/etc/hostname' must be a path relative to this file"),
    ]


def test_missing_top_level_file(here: Path):
    d = only_error(["nothing.yaml"])
    assert d.render() == "nothing.yaml: error: cannot read rule file 'nothing.yaml': no such file"
    with pytest.raises(RuleFileError):
        load_rule_files("nothing.yaml")


def test_lexicon_file_format(here: Path):
    (here / "w.txt").write_bytes("\ufeff# heading\nmissile\n\n  cruise   missile  # a phrase\nC#\r\nrocket\n".encode())
    write(here, "l.yaml", "ruleie: 1\nlexicons: {w: {file: w.txt, field: lemma, entries: [drone]}}\n")
    spec = load_rule_files("l.yaml")
    assert spec.lexicons["w"] == LexiconSpec(
        "w", frozenset({"missile", "cruise missile", "C#", "rocket", "drone"}), field="lemma"
    )
    assert spec.files == ("l.yaml", "w.txt")


# ---------------------------------------------------------------------------
# Unknown keys and wrong value types


@pytest.mark.parametrize(
    "text, line, column, message",
    [
        ("ruleie: 1\nrule: []\n", 2, 1, "unknown key 'rule' in the rule file (did you mean 'rules'?)"),
        (
            "ruleie: 1\ntypes: {T: {}}\nrules:\n  - name: r\n    type: T\n    patern: x\n",
            6,
            5,
            "unknown key 'patern' in rule (did you mean 'pattern'?)",
        ),
        ("ruleie: 1\ntypes:\n  T: {knd: record}\n", 3, 7, "unknown key 'knd' in type 'T' (did you mean 'kind'?)"),
        ("ruleie: 1\ntypes:\n  T: {fields: {a: {typ: int}}}\n", 3, 20, "unknown key 'typ' in field 'a' (did you mean 'type'?)"),
        ("ruleie: 1\nlexicons:\n  w: {entrys: [a]}\n", 3, 7, "unknown key 'entrys' in lexicon 'w' (did you mean 'entries'?)"),
        (
            "ruleie: 1\ntypes: {T: {fields: {a: int}}}\nrules:\n  - {name: r, type: T, pattern: '(?<x> y)', fields: {a: {captur: x}}}\n",
            4,
            58,
            "unknown key 'captur' in the mapping of field 'a' (did you mean 'capture'?)",
        ),
        (
            "ruleie: 1\ntypes: {T: {}}\nrules:\n  - {name: r, type: T, pattern: y, examples: [{txt: y}]}\n",
            4,
            48,
            "unknown key 'txt' in example (did you mean 'text'?)",
        ),
    ],
)
def test_unknown_keys_with_did_you_mean(here: Path, text: str, line: int, column: int, message: str):
    (here / "k.yaml").write_text(text, encoding="utf-8")
    found = errors("k.yaml")
    assert (line, column, message) in [(d.line, d.column, d.message) for d in found], "\n".join(
        d.render() for d in found
    )


@pytest.mark.parametrize(
    "rules, message",
    [
        ("  - just text", "a rule must be a mapping with name, type and pattern, not the text 'just text'"),
        ("  - {name: r, type: T, pattern: x, fields: [a]}", "fields of a rule must be a mapping, not a list"),
        ("  - {name: r, type: T, pattern: x, stage: high}", "stage must be a whole number, not the text 'high'"),
        ("  - {name: r, type: T, pattern: x, stage: -1}", "stage must be 0 or more"),
        ("  - {name: r, type: T, pattern: x, priority: true}", "priority must be a whole number, not the boolean true"),
        ("  - {name: r, type: T, pattern: [x]}", "pattern must be text, not a list"),
        ("  - {name: r, type: T, pattern: }", "pattern must be text, not empty"),
        ("  - {name: r, type: T, pattern: x, examples: {text: x}}", "examples must be a list of {text: …, expect: …}, not a mapping"),
        ("  - {name: r, type: T, pattern: x, examples: [{text: x, expect: 3}]}", "expect must be a mapping of field values, or none, not the number 3"),
        ("  - {name: r, type: T, pattern: '(?<a> x)', fields: {n: 3}}", "the mapping of field 'n' must be a capture name, {capture: name, normalise: …, default: …} or {value: constant}, not the number 3"),
        ("  - {name: r, type: T, pattern: '(?<a> x)', fields: {n: {value: '3'}}}", "the constant for field 'n' must be a whole number, not the text '3'"),
        ("  - {name: r, type: T, pattern: '(?<a> x)', fields: {n: {capture: a, value: 3}}}", "the mapping of field 'n' needs exactly one of `capture:` or `value:`"),
        ("  - {name: r, type: T, pattern: '(?<a> x)', fields: {n: {capture: a, normalise: digits}}}", "unknown normaliser 'digits'"),
        ("  - {name: r, type: T, pattern: '(?<a> x)', fields: {n: {capture: b}}}", "capture 'b' is not in the pattern"),
        ("  - {name: r, type: T, pattern: '(?<a> x) | (?<b> y)', fields: {n: {capture: [a, c]}}}", "capture 'c' is not in the pattern"),
        ("  - {name: r, type: T, pattern: x, fields: {m: {value: yes}}}", "'m' is not a field of type 'T'"),
        ("  - {type: T, pattern: x}", "a rule has no `name:`"),
        ("  - {name: two words, type: T, pattern: x}", "rule name 'two words' must not contain blanks"),
        ("  - {name: r, type: U, pattern: x}", "unknown type 'U'"),
        ("  - {name: r, type: Tt, pattern: x}", "unknown type 'Tt' (did you mean 'T'?)"),
        ("  - {name: r, type: T, pattern: '@Tt x'}", "unknown type '@Tt' (did you mean 'T'?)"),
    ],
)
def test_wrong_values_in_rules_are_errors(here: Path, rules: str, message: str):
    text = "ruleie: 1\ntypes: {T: {fields: {n: int}}}\nrules:\n" + rules + "\n"
    (here / "w.yaml").write_text(text, encoding="utf-8")
    d = only_error("w.yaml")
    assert d.message == message
    assert d.line == 4 and d.column is not None


@pytest.mark.parametrize(
    "text, message",
    [
        ("ruleie: 1\ninclude: {a: b}\n", "include must be a name or a list of names, not a mapping"),
        ("ruleie: 1\ninclude: [[a]]\n", "an entry of include must be text, not a list"),
        ("ruleie: 1\nrules: {a: 1}\n", "rules must be a list of rules (each `- name: …`), not a mapping"),
        ("ruleie: 1\ntypes: [T]\n", "types must be a mapping, not a list"),
        ("ruleie: 1\ntypes: {T: {kind: event}}\n", "unknown kind 'event': a type is a record or a mention"),
        ("ruleie: 1\ntypes: {T: {fields: {a: integer}}}\n", "unknown field type 'integer' (did you mean 'int'?)"),
        ("ruleie: 1\ntypes: {T: {fields: {a-b: int}}}\n", "field name 'a-b' is not a valid name: a letter or _ then letters, digits or _, as in a capture (?<name> …)"),
        ("ruleie: 1\ntypes: {T: {conflict: merg}}\n", "unknown conflict policy 'merg' (did you mean 'merge'?)"),
        ("ruleie: 1\ntypes: {T: {propagate: true}}\n", "`propagate:` applies to mention types only, and 'T' is a record type"),
        ("ruleie: 1\ntypes: {T: {key: [a]}}\n", "key field 'a' is not a field of type 'T'"),
        ("ruleie: 1\nlexicons: {w: 3}\n", "lexicon 'w' must be a list of entries or a mapping with entries or file, not the number 3"),
        ("ruleie: 1\nlexicons: {w: {field: lower}}\n", "lexicon 'w' needs `entries:` or `file:`"),
        ("ruleie: 1\nlexicons: {w: [a, [b]]}\n", "an entry of lexicon 'w' must be text, not a list"),
        ("ruleie: 1\ntypes: {R: {}}\nlexicons: {w: {entries: [a], mention: R}}\n", "lexicon 'w' makes mentions of 'R', which is a record type"),
        ("ruleie: 1\nvars: {v: {a: b}}\n", "variable 'v' must be text, not a mapping"),
        ("ruleie: 1\nvars: {v: []}\n", "variable 'v' is an empty list"),
        ("ruleie: 1\ntypes: {T: {}}\ntypes: {U: {}}\n", "duplicate key 'types' in the rule file (first at line 2)"),
        ("ruleie: '1'\n", "the format version `ruleie` must be a whole number, not the text '1'"),
        ("ruleie: 2\n", "unsupported rule file format version 2: this ruleie reads version 1"),
        ("types: {T: {}}\n", "missing `ruleie: 1`: every rule file states its format version"),
        ("- ruleie: 1\n", "a rule file must be a mapping of keys (ruleie, include, lexicons, vars, types, rules), not a list"),
        ("# only a comment\n", "empty rule file: a rule file starts with `ruleie: 1`"),
        ("ruleie: 1\n---\nruleie: 1\n", "a rule file holds exactly one YAML document, and a second one starts here"),
    ],
)
def test_wrong_values_at_file_level_are_errors(here: Path, text: str, message: str):
    (here / "f.yaml").write_text(text, encoding="utf-8")
    d = only_error("f.yaml")
    assert d.message == message
    assert d.file == "f.yaml" and d.line is not None and d.column is not None


def test_type_taxonomy_errors(here: Path):
    write(
        here,
        "t.yaml",
        """
        ruleie: 1
        types:
          A: {parent: B}
          B: {parent: [C]}
          C: {parent: A}
          M: {kind: mention}
          R: {parent: [M, Nope]}
          X: {fields: {a: int}}
          Y: {fields: {a: str}}
          Z: {parent: [X, Y]}
          W: {parent: X, fields: {a: bool}}
        """,
    )
    found = errors("t.yaml")
    assert [(d.line, d.column, d.message) for d in found] == [
        (5, 15, "type taxonomy cycle: A -> B -> C -> A"),
        (7, 19, "unknown parent type 'Nope'"),
        (10, 3, "type 'Z' inherits field 'a' as int from 'X' and as str from 'Y'"),
        (11, 27, "field 'a' is bool here but int in parent type 'X'"),
    ]


def test_duplicate_names_show_both_places(here: Path):
    write(here, "a.yaml", "ruleie: 1\ntypes: {T: {}}\nrules:\n  - {name: r, type: T, pattern: x}\n")
    write(here, "b.yaml", "ruleie: 1\ninclude: [a.yaml]\ntypes: {T: {}}\nrules:\n  - name: r\n    type: T\n    pattern: y\n")
    found = errors("b.yaml")
    assert [(where(d), d.message) for d in found] == [
        (("b.yaml", 3, 9), "duplicate type 'T': already defined at a.yaml:2:9"),
        (("b.yaml", 5, 11), "duplicate rule name 'r': already defined at a.yaml:4:12"),
    ]


def test_diagnostics_sorted_by_file_then_line(here: Path):
    write(here, "b.yaml", "ruleie: 1\nrules: 1\ntypes: 2\n")
    write(here, "a.yaml", "ruleie: 1\ninclude: [b.yaml]\nvars: 3\nlexicons: 4\n")
    found = errors("a.yaml")
    assert [(d.file, d.line) for d in found] == [("a.yaml", 3), ("a.yaml", 4), ("b.yaml", 2), ("b.yaml", 3)]


# ---------------------------------------------------------------------------
# YAML problems and safety


def test_yaml_syntax_error_has_position_and_caret(here: Path):
    write(here, "y.yaml", "ruleie: 1\ntypes:\n  T: {kind: record\n  U: {}\n")
    d = only_error("y.yaml")
    assert d.message.startswith("YAML syntax error: ")
    assert (d.line, d.column) == (4, 4)
    assert d.render().splitlines()[1:3] == ["      U: {}", "       ^"]


def test_tabs_get_a_hint(here: Path):
    (here / "t.yaml").write_text("ruleie: 1\ntypes:\n\tT: {}\n", encoding="utf-8")
    d = only_error("t.yaml")
    assert (d.line, d.column, d.hint) == (3, 1, "YAML indents with spaces, never tabs")


def test_alias_bomb_is_rejected_at_the_first_anchor(here: Path):
    lines = ["ruleie: 1", "vars:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        prev, cur = f"l{i - 1}" if i > 1 else "a", f"l{i}"
        lines.append(f"  {cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    (here / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = only_error("bomb.yaml")
    assert d.message == "YAML anchors (&a) are not allowed in rule files"
    assert (d.line, d.column) == (3, 6)


def test_alias_is_rejected(here: Path):
    (here / "alias.yaml").write_text("ruleie: 1\nvars:\n  a: x\n  b: *a\n", encoding="utf-8")
    d = only_error("alias.yaml")
    assert (d.line, d.column, d.message) == (4, 6, "YAML aliases (*a) are not allowed in rule files")


def test_python_tag_is_rejected_and_never_constructed(here: Path):
    marker = here / "pwned"
    write(
        here,
        "evil.yaml",
        f"""
        ruleie: 1
        vars:
          x: !!python/object/apply:os.system ["touch {marker}"]
        """,
    )
    d = only_error("evil.yaml")
    assert d.message.startswith("YAML tag '!!python/object/apply:os.system' is not allowed")
    assert (d.line, d.column) == (3, 6)
    assert not marker.exists()


def test_deep_nesting_is_rejected(here: Path):
    (here / "deep.yaml").write_text("ruleie: 1\ndoc: " + "[" * 200 + "]" * 200 + "\n", encoding="utf-8")
    d = only_error("deep.yaml")
    assert d.message == "YAML nested more than 64 levels deep"


def test_non_utf8_file_names_the_byte_offset(here: Path):
    (here / "latin.yaml").write_bytes("ruleie: 1\n# café\n".encode("latin-1"))
    d = only_error("latin.yaml")
    assert d.message == "not valid UTF-8: byte 0xe9 at byte offset 15 cannot be decoded"
    assert where(d) == ("latin.yaml", 2, 6)


def test_non_utf8_lexicon_file(here: Path):
    (here / "w.txt").write_bytes(b"ok\nna\xefve\n")
    write(here, "l.yaml", "ruleie: 1\nlexicons: {w: {file: w.txt}}\n")
    d = only_error("l.yaml")
    assert where(d) == ("w.txt", 2, 3)
    assert "byte offset 5" in d.message


def test_control_characters_are_errors(here: Path):
    (here / "c.yaml").write_text("ruleie: 1\ndoc: a\x07b\n", encoding="utf-8")
    d = only_error("c.yaml")
    assert (d.line, d.column, d.message) == (2, 7, "control character U+0007 is not allowed in a rule file")


def test_crlf_files_and_bom(here: Path):
    (here / "w.yaml").write_bytes(b"\xef\xbb\xbfruleie: 1\r\ntypes: {T: {}}\r\nrules:\r\n  - {name: r, type: T, pattern: 'a ('}\r\n")
    d = only_error("w.yaml")
    assert (d.line, d.column) == (4, 37)


# ---------------------------------------------------------------------------
# Warnings and lints


def test_warnings_do_not_raise(here: Path):
    write(
        here,
        "warn.yaml",
        """
        ruleie: 1
        lexicons:
          unused: [a]
          places: [kyiv, new york]
        types: {T: {}}
        rules:
          - name: r
            type: T
            pattern: '[lower=Kyiv] [lower in places] [lower!=Odesa]'
        """,
    )
    spec = load_rule_files("warn.yaml")  # no exception
    assert [r.name for r in spec.rules] == ["r"]
    found = check_rule_files("warn.yaml")
    assert all(d.severity == "warning" for d in found)
    assert [(d.line, d.column, d.message) for d in found] == [
        (3, 3, "lexicon 'unused' is never used: no pattern says [… in unused] and it makes no mentions"),
        (9, 22, "[lower=Kyiv] can never match: `lower` is the lower-cased word"),
        (9, 38, "lexicon 'places' has 1 multi-word entry ('new york') that can never match inside a token constraint: [lower in places] tests one token"),
        (9, 54, "[lower!=Odesa] is always true: `lower` is the lower-cased word"),
    ]


def test_lints_see_each_problem_once_where_it_is_written(here: Path):
    write(
        here,
        "v.yaml",
        """
        ruleie: 1
        vars:
          city: '[lower=Kyiv]'
        types: {T: {}}
        rules:
          - {name: r1, type: T, pattern: '${city} a'}
          - {name: r2, type: T, pattern: 'b ${city}'}
        """,
    )
    found = check_rule_files("v.yaml")
    assert [(d.line, d.column) for d in found] == [(3, 17)]


def test_mentions_need_an_earlier_stage(here: Path):
    write(
        here,
        "s.yaml",
        """
        ruleie: 1
        types:
          Actor: {kind: mention}
          Person: {parent: Actor}
          Place: {kind: mention}
          Country: {kind: mention, parent: Place}
          R: {}
        lexicons:
          countries: {entries: [Iran], mention: Country}
        rules:
          - {name: person, type: Person, pattern: '[word=/[A-Z]\\w+/]'}
          - {name: early, type: R, stage: 0, pattern: '@Actor x'}
          - {name: late, type: R, pattern: '@Actor @Place'}
        """,
    )
    found = check_rule_files("s.yaml")
    assert [(d.line, d.column, d.message.split(":")[0]) for d in found] == [(12, 48, "nothing produces @Actor before stage 0")]


def test_custom_lint_gets_sites_and_positions(here: Path):
    write(
        here,
        "c.yaml",
        """
        ruleie: 1
        vars: {v: '[lemma=x]'}
        types: {T: {}}
        rules:
          - name: r
            type: T
            pattern: |
              a ${v}
                [lemma=y]
        """,
    )

    def lemma_lint(ctx: LintContext):
        for site in ctx.sites:
            for node in site.own_nodes():
                if isinstance(node, n.TokenTest):
                    yield site.diagnostic(f"{site.kind} {site.name}: lemma test", node.pos)

    found = check_rule_files("c.yaml", lints=LINTS + (lemma_lint,))
    assert [(d.line, d.column, d.message) for d in found] == [
        (2, 12, "var v: lemma test"),
        (9, 9, "rule r: lemma test"),
    ]
    assert check_rule_files("c.yaml", lints=()) == []


# ---------------------------------------------------------------------------
# Field mappings, defaults, examples


def test_field_mapping_forms(here: Path):
    write(
        here,
        "m.yaml",
        """
        ruleie: 1
        types:
          Meeting:
            fields:
              participants: list[mention]
              counts: list[int]
              direct: bool
              note: str
              n: int
        rules:
          - name: m
            type: Meeting
            pattern: '(?<a> x) (?<b> y) (?<counts> [num>0])+ (?<q> z)? ((?<n> w) | (?<m> v))'
            fields:
              participants: {capture: [a, b]}
              direct: {capture: q, normalise: bool, default: false}
              note: {value: "yes"}
              n: {capture: [n, m], normalise: strip}
            examples:
              - text: x y 2 3 w
                expect: {participants: [x, y], counts: 2, direct: no, text: x y 2 3 w}
              - text: x
        """,
    )
    rule = load_rule_files("m.yaml").rules[0]
    assert rule.fields == (
        FieldMapping("participants", capture=("a", "b")),
        FieldMapping("counts", capture="counts", normalise="number"),
        FieldMapping("direct", capture="q", normalise="bool", default=False),
        FieldMapping("note", value="yes"),
        FieldMapping("n", capture=("n", "m"), normalise="strip"),
    )
    assert rule.examples == (
        Example("x y 2 3 w", {"participants": ["x", "y"], "counts": 2, "direct": False, "text": "x y 2 3 w"}),
        Example("x", {}),
    )


def test_stage_defaults_follow_the_kind(here: Path):
    write(
        here,
        "s.yaml",
        """
        ruleie: 1
        types: {M: {kind: mention}, R: {}}
        rules:
          - {name: m, type: M, pattern: a}
          - {name: r, type: R, pattern: '@M'}
        """,
    )
    assert [(r.name, r.stage) for r in load_rule_files("s.yaml").rules] == [("m", 0), ("r", 1)]


# ---------------------------------------------------------------------------
# Whatever the data, checking never raises

_KEYS = (
    "ruleie include lexicons vars types rules doc name type pattern stage priority fields examples text expect "
    "kind parent key conflict propagate entries file field mention capture normalise default value T Strike "
    "weapon n a b none"
).split()
_TEXTS = st.sampled_from(
    ["", "x", "T", "Strike", "a (", "(?<n> x)", "[lower in w]", "${v}", "@T", "int", "list[mention]", "merge", "none",
     "number", "high", "w.txt", "../x.yaml", "mention", "record", "[lower=Kyiv]", "é\"'", "a\nb"]
)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=16), _TEXTS)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)),
    max_leaves=20,
)
_RULE_FILES = st.fixed_dictionaries(
    {"ruleie": st.sampled_from([1, 1, 1, 2, "1"])},
    optional={
        "lexicons": st.dictionaries(st.sampled_from(["w", "v"]), _VALUES, max_size=2),
        "vars": st.dictionaries(st.sampled_from(["v", "u"]), _VALUES, max_size=2),
        "types": st.dictionaries(st.sampled_from(["T", "Strike"]), _VALUES, max_size=2),
        "rules": st.lists(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6), max_size=3),
        "include": _VALUES,
        "junk": _VALUES,
    },
)


@given(data=_RULE_FILES, style=st.sampled_from([None, "'", '"', "|"]), flow=st.booleans())
def test_checking_any_data_never_raises(tmp_path_factory: pytest.TempPathFactory, data, style, flow):
    import yaml

    directory = tmp_path_factory.mktemp("fuzz")
    path = directory / "f.yaml"
    path.write_text(yaml.safe_dump(data, default_style=style, default_flow_style=flow, allow_unicode=True), encoding="utf-8")
    found = check_rule_files(path)
    for d in found:
        assert d.file is not None and d.message
        assert d.line is not None and d.column is not None, d.render()
        d.render()
    try:
        load_rule_files(path)
    except RuleFileError as error:
        assert error.diagnostics == tuple(d for d in found if d.severity == "error")


@given(
    value=st.text(alphabet=st.sampled_from(list("ab( )[]=\"'\\#:-é\t\n|>@$\u2603")), min_size=1, max_size=40),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.sampled_from([8, 20, 80]),
    indent=st.sampled_from([0, 4]),
)
def test_every_non_blank_character_maps_to_itself_in_the_source(value, style, width, indent):
    """The walk behind pattern positions: character i of a scalar's value is found at offsets[i] in the file."""
    import yaml

    from ruleie.rules.yamlpos import scalar_offsets as _scalar_offsets

    data = {"rules": [{"pattern": value}]} if indent else {"pattern": value}
    text = yaml.safe_dump(data, default_style=style, width=width, indent=max(indent, 2), allow_unicode=True)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if indent:
        node = node.value[0][1].value[0]
    scalar = node.value[0][1]
    value = scalar.value  # PyYAML's emitter does not round-trip every folded text; test what was read
    offsets = _scalar_offsets(text, scalar)
    assert len(offsets) == len(value) + 1
    for i, ch in enumerate(value):
        if ch in " \t\n":
            continue
        found = text[offsets[i]]
        assert found == ch or (scalar.style == '"' and found == "\\"), (i, ch, found, scalar.style, text)
    non_blank = [offsets[i] for i, ch in enumerate(value) if ch not in " \t\n"]
    assert non_blank == sorted(non_blank)


def test_include_depth_is_bounded(here: Path):
    for i in range(80):
        write(here, f"i{i}.yaml", f"ruleie: 1\ninclude: [i{i + 1}.yaml]\n")
    write(here, "i80.yaml", "ruleie: 1\n")
    d = only_error("i0.yaml")
    assert (d.file, d.line, d.column, d.message) == ("i63.yaml", 2, 11, "includes nested more than 64 files deep")


def test_empty_sections_are_allowed(here: Path):
    write(here, "e.yaml", "ruleie: 1\ninclude:\nlexicons:\nvars:\ntypes:\nrules:\n  # all commented out\n")
    spec = load_rule_files("e.yaml")
    assert (dict(spec.types), spec.rules, spec.files) == (dict(BUILTIN_TYPES), (), ("e.yaml",))
