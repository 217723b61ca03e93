"""Rule-file positions: where a problem in a rule file is shown (line and column).

These pin what mutation testing (scripts/mutation_test.py positions, docs/testing.md)
found unguarded in ruleie/rules/yamlpos.py and ruleie/rules/checker.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ruleie.rules.rulefile import check_rule_files, load_rule_files
from ruleie.rules.yamlpos import decode_source, first_character, scalar_offsets

BLANKS = " \t\n\r"


def scalar_of(text: str) -> yaml.ScalarNode:
    """The value of the one key of a one-key YAML mapping."""
    return yaml.compose(text, Loader=yaml.SafeLoader).value[0][1]


def check_offsets(text: str, scalar: yaml.ScalarNode) -> list[int]:
    """What every scalar style promises: each non-blank character of the value found at its
    offset (an escape where it begins), in order, a blank somewhere inside the scalar, the end
    just after the last non-blank character, and first_character agreeing with offsets[0]."""
    value = scalar.value
    offsets = scalar_offsets(text, scalar)
    assert len(offsets) == len(value) + 1
    start, end = scalar.start_mark.index, scalar.end_mark.index
    for i, ch in enumerate(value):
        assert start <= offsets[i] <= end, (i, ch, offsets)
        if ch in BLANKS:
            continue
        found = text[offsets[i]]
        assert found == ch or (scalar.style == '"' and found == "\\"), (i, ch, found, text)
    non_blank = [offsets[i] for i, ch in enumerate(value) if ch not in BLANKS]
    assert non_blank == sorted(set(non_blank))  # strictly rising: one source character each
    if scalar.style in ("|", ">") and non_blank:  # the header line (`|-  # comment`) holds no character of the value
        assert non_blank[0] > text.index("\n", start), (offsets, text)
    if non_blank:
        assert offsets[-1] == non_blank[-1] + 1
    assert first_character(text, scalar) == offsets[0]
    return offsets


# Every style, with the escapes and folds each has (the generated texts below rarely hold them).
PINNED = [
    "pattern: abc d\n",
    "pattern: 'it''s a ''b'''\n",
    "pattern: '  lead and trail  '\n",
    'pattern: "a\\"b\\u00e9c\\td \\\\ e\\x41"\n',
    'pattern: "x\\\n    y"\n',  # an escaped line break: it and the indentation vanish
    "pattern: |-  # a comment on the header\n  first line\n    indented\n  last\n",
    "pattern: >\n  folded\n  lines\n\n  paragraph\n",
    # The header's comment holds the value's first letters: they are not the value.
    "pattern: |  # first ends with f\n  first\n  second\n",
    "pattern: >-  # folded ends with f\n  folded\n  f\n",
    "pattern: 'one\n  two'\n",
    "pattern: plain\n  continued\n",
    "pattern: ''\n",
    'pattern: " "\n',
]


@pytest.mark.parametrize("text", PINNED)
def test_every_character_of_a_scalar_in_each_style_is_placed(text: str) -> None:
    check_offsets(text, scalar_of(text))


def test_escapes_map_to_where_they_begin() -> None:
    text = 'pattern: "a\\"b\\u00e9c"\n'
    assert scalar_offsets(text, scalar_of(text)) == [10, 11, 13, 14, 20, 21]
    text = "pattern: 'it''s'\n"
    assert scalar_offsets(text, scalar_of(text)) == [10, 11, 12, 14, 15]
    text = "pattern: |-  # c\n  ab\n  c\n"
    assert scalar_offsets(text, scalar_of(text)) == [19, 20, 21, 24, 25]


@settings(max_examples=400)
@given(
    value=st.text(alphabet=st.sampled_from(list("ab( )[]=\"'\\#:-é\t\n|>@$\u2603")), min_size=1, max_size=40),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.sampled_from([8, 20, 80]),
    indent=st.sampled_from([0, 4]),
)
@example(value="it's", style="'", width=80, indent=0)
@example(value='a"b\tc', style='"', width=80, indent=0)
@example(value="\u2603 \u00e9", style='"', width=80, indent=4)
def test_scalar_offsets_in_every_style(value: str, style, width: int, indent: int) -> None:
    """As test_rulefile's property, with first_character, the end offset and blanks checked,
    and more examples (mutants of scalar_offsets and first_character survived 25)."""
    data = {"rules": [{"pattern": value}]} if indent else {"pattern": value}
    text = yaml.safe_dump(data, default_style=style, width=width, indent=max(indent, 2), allow_unicode=True)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if indent:
        node = node.value[0][1].value[0]
    check_offsets(text, node.value[0][1])


# ---------------------------------------------------------------------------
# Through the rule-file loader: a problem in a pattern at its line and column


def only_error(path: Path):
    found = [d for d in check_rule_files(path) if d.severity == "error"]
    assert len(found) == 1, [d.render() for d in found]
    return found[0]


@pytest.mark.parametrize(
    "pattern_line, line, column",
    [
        ("    pattern: a ( b", 6, 19),  # unclosed: placed just after the last character
        ("    pattern: 'it''s ( b'", 6, 24),
        ('    pattern: "\\u00e9 \\x41 ( b"', 6, 30),
        ("    pattern: |-\n      a\n      b ( c", 8, 12),
        ("    pattern: >-\n      a\n      b ( c", 8, 12),
    ],
)
def test_a_pattern_syntax_error_is_placed_in_every_scalar_style(tmp_path: Path, pattern_line: str, line: int,
                                                                 column: int) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"ruleie: 1\ntypes: {{R: {{}}}}\nrules:\n  - name: r\n    type: R\n{pattern_line}\n",
                    encoding="utf-8")
    d = only_error(path)
    assert (d.line, d.column) == (line, column), d.render()


@pytest.mark.parametrize(
    "var, column",
    [
        ("'@Nope'", 7),
        ("'[]? @Nope'", 11),
        ("'([]? ) @Nope'", 14),
        # Variables that can match nothing.
        ("'[]? @Nope?'", 11),
        ("'(@Nope)?'", 8),
        ("'@Nope*'", 7),
    ],
)
def test_an_unknown_type_in_a_variable_is_placed_at_its_name(tmp_path: Path, var: str, column: int) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"ruleie: 1\ntypes: {{P: {{kind: mention}}, R: {{}}}}\nvars:\n  v: {var}\n"
                    "rules:\n  - {name: r, type: R, pattern: 'a ${v}'}\n", encoding="utf-8")
    d = only_error(path)
    assert (d.line, d.column, d.message) == (4, column, "unknown type '@Nope'"), d.render()


def test_a_rule_pattern_location_points_at_its_first_character_in_every_style(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("""ruleie: 1
types: {R: {}}
rules:
  - {name: plain, type: R, pattern: a b}
  - {name: single, type: R, pattern: 'a b'}
  - {name: double, type: R, pattern: "a b"}
  - {name: escaped, type: R, pattern: "\\x61 b"}
  - {name: blank, type: R, pattern: ' a b'}
  - name: block
    type: R
    pattern: |
      a b
""", encoding="utf-8")
    spec = load_rule_files(path)
    assert [(r.name, r.pattern_location.line, r.pattern_location.column) for r in spec.rules] == [
        ("plain", 4, 37), ("single", 5, 39), ("double", 6, 39), ("escaped", 7, 40), ("blank", 8, 38),
        ("block", 12, 7)]


def test_a_byte_that_is_not_utf8_is_placed_at_its_line_and_column() -> None:
    from ruleie.rules.yamlpos import NotUtf8

    with pytest.raises(NotUtf8) as raised:
        decode_source("ruleie: 1\nrules:\n  - é\xff".encode("utf-8").replace(b"\xc3\xbf", b"\xff"), "f.yaml", "f.yaml")
    d = raised.value.diagnostic
    assert (d.line, d.column, d.offset, d.source_line) == (3, 6, 23, "  - é\ufffd")


@pytest.mark.parametrize(
    "text, line, column, offset, message, hint",
    [
        # Line 1 starts at offset 0: columns there count from it too.
        ("ruleie: 2\n", 1, 9, 8, "unsupported rule file format version 2: this ruleie reads version 1", None),
        ("# nothing here\n", 1, 1, 0, "empty rule file: a rule file starts with `ruleie: 1`", None),
        ("", 1, 1, 0, "empty rule file: a rule file starts with `ruleie: 1`", None),
        # A YAML error with a context: where the context began, as a hint.
        ("ruleie: 1\ntypes: {R: {}\nrules: []\n", 3, 1, 24,
         "YAML syntax error: expected ',' or '}', but got '<scalar>'", "while parsing a flow mapping at line 2, column 8"),
        ("ruleie: 1\nx: a: b\n", 2, 5, 14, "YAML syntax error: mapping values are not allowed here", None),
        ("ruleie: 1\n---\nruleie: 1\n", 2, 1, 10,
         "a rule file holds exactly one YAML document, and a second one starts here",
         "split it into two files and include one from the other"),
        ("ruleie: 1\nvars: {a: &x 'b', c: *x}\n", 2, 11, 20, "YAML anchors (&x) are not allowed in rule files",
         "repeat the text, or share a pattern through `vars:`"),
        ("ruleie: 1\nvars: {a: 'b\x07'}\n", 2, 13, 22, "control character U+0007 is not allowed in a rule file", None),
    ],
)
def test_a_yaml_problem_is_placed_and_explained(tmp_path: Path, text: str, line: int, column: int, offset: int,
                                                message: str, hint) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    d = only_error(path)
    assert (d.line, d.column, d.offset, d.message, d.hint) == (line, column, offset, message, hint), d.render()


@pytest.mark.parametrize(
    "data, line, column, offset, source_line",
    [
        # A middle line, Windows line ends, more lines after it.
        (b"ruleie: 1\r\nrules: \xff AX\r\nmore: 1\r\nlast: 2\r\n", 2, 8, 18, "rules: \ufffd AX"),
        (b"ruleie: 1\r\nrules: \xff \r\nmore: 1\r\n", 2, 8, 18, "rules: \ufffd "),  # only the line end goes
        # The file starts with an empty line.
        (b"\nx: \xff\ny: 1\n", 2, 4, 4, "x: \ufffd"),
        # The first line, and the last line without a line end.
        (b"\xff: 1\n", 1, 1, 0, "\ufffd: 1"),
        (b"a: 1\nb: \xc3\xa9\xff", 2, 5, 10, "b: \u00e9\ufffd"),
    ],
)
def test_a_byte_that_is_not_utf8_is_placed_on_its_line(data: bytes, line: int, column: int, offset: int,
                                                       source_line: str) -> None:
    from ruleie.rules.yamlpos import NotUtf8

    with pytest.raises(NotUtf8) as raised:
        decode_source(data, "dir/f.yaml", "f.yaml")
    d = raised.value.diagnostic
    assert (d.file, d.severity, d.line, d.column, d.offset, d.source_line) == ("f.yaml", "error", line, column, offset,
                                                                                source_line)
    assert d.message == f"not valid UTF-8: byte 0x{data[offset]:02x} at byte offset {offset} cannot be decoded"
    assert d.hint == "save the file as UTF-8"


def test_every_line_end_becomes_a_newline() -> None:
    src = decode_source("\ufeffa: 1\r\nb: 2\rc: 3\n".encode("utf-8"), "f.yaml", "f.yaml")
    assert src.text == "a: 1\nb: 2\nc: 3\n"
    assert src.lines == ["a: 1", "b: 2", "c: 3", ""]


def test_a_quoted_scalar_that_begins_with_an_escaped_line_break() -> None:
    """Its first character is on the next line, not after the quote, even where the file
    happens to begin with the value (first_character's shortcut must check the right place)."""
    text = 'ab: 1\npattern: "\\\n  ab"\n'
    scalar = yaml.compose(text, Loader=yaml.SafeLoader).value[1][1]
    assert scalar.value == "ab"
    assert check_offsets(text, scalar)[0] == text.index("ab\"")
