"""Rule-file positions: where a problem in a rule file is shown (line and column).

These pin what mutation testing (scripts/mutation_test.py positions, docs/testing.md)
found unguarded in ruleie/rules/yamlpos.py and ruleie/rules/checker.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ruleie.rules.lint import ALL_LINTS
from ruleie.rules.rulefile import check_rule_files, load_rule_files
from ruleie.rules.yamlpos import compose_document, decode_source, first_character, scalar_offsets

BLANKS = " \t\n\r"
# YAML's double-quoted escapes: `\` and a letter, or x, u, U and that many hex digits.
HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


def scalar_of(text: str) -> yaml.ScalarNode:
    """The scalar of a document that is one (`"a b"`), else the value of its first key."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    return root if isinstance(root, yaml.ScalarNode) else root.value[0][1]


def written_between_the_quotes(text: str, scalar: yaml.ScalarNode) -> dict[int, str]:
    """Each thing written inside a double-quoted scalar, by where it begins: one character,
    an escape (`\\"`, `\\x41`) or an escaped line break (a backslash ending the line)."""
    found, j, stop = {}, scalar.start_mark.index + 1, scalar.end_mark.index - 1
    while j < stop:
        size = 2 + HEX_DIGITS.get(text[j + 1], 0) if text[j] == "\\" else 1
        found[j] = text[j : j + size]
        j += size
    return found


def stands_for(written: str):
    """The character a double-quoted escape or character stands for, as YAML reads it."""
    return None if written == "\\\n" else yaml.safe_load('"' + written + '"')


def check_offsets(text: str, scalar: yaml.ScalarNode) -> list[int]:
    """What every scalar style promises, for each character of the value:

    - it is placed inside the scalar (between its quotes; after a block header's line);
    - a non-blank character at the source character that makes it: itself, or in double
      quotes the escape (`\\"`, `\\u00e9`) that stands for it, where the escape begins;
    - a blank at the same blank (or an escape of it) or, where YAML made it of a line
      break, at something shown (the next line's indentation or first character): never
      at another kind of blank (a folded space is not shown at the line break); a tab,
      which YAML never makes of a line break, at a tab or at its own escape;
    - never before the character before it, and after every non-blank one before it;

    and the end just after the last non-blank character (inside the scalar when there is
    none), and first_character agreeing with offsets[0]."""
    value, style = scalar.value, scalar.style
    offsets = scalar_offsets(text, scalar)
    assert len(offsets) == len(value) + 1
    start, end = scalar.start_mark.index, scalar.end_mark.index
    quoted = style in ("'", '"')
    lo = text.index("\n", start) + 1 if style in ("|", ">") else start + 1 if quoted else start
    hi = end - 1 if quoted else end  # a quoted scalar ends at its closing quote
    written = written_between_the_quotes(text, scalar) if style == '"' else None
    last_non_blank = None
    for i, ch in enumerate(value):
        o = offsets[i]
        assert isinstance(o, int) and lo <= o <= hi, (i, ch, offsets, text)
        assert i == 0 or o >= offsets[i - 1], (i, offsets, text)
        assert last_non_blank is None or o > last_non_blank, (i, offsets, text)
        if written is None:
            made_here = text[o] == ch
        else:  # in double quotes, where something written begins (not inside an escape)
            made_here = o in written and stands_for(written[o]) == ch
        if ch not in BLANKS:
            assert made_here, (i, ch, o, text[o], offsets, text)
            last_non_blank = o
        elif ch in " \n":  # a space or line break YAML may have made of a line break
            assert made_here or text[o] == ch or text[o] not in BLANKS, (i, ch, o, text[o], offsets, text)
        else:  # a tab is always written, as itself or as its own escape
            assert made_here, (
                i, ch, o, text[o], offsets, text)
    if last_non_blank is not None:
        assert offsets[-1] == last_non_blank + 1, (offsets, text)
    elif value:
        assert lo <= offsets[-1] <= hi, (offsets, text)
    assert first_character(text, scalar) == offsets[0]
    return offsets


# Every style, with the escapes and folds each has (the generated texts below rarely hold them).
PINNED = [
    "pattern: abc d\n",
    "pattern: 'it''s a ''b'''\n",
    "pattern: '  lead and trail  '\n",
    'pattern: "a\\"b\\u00e9c\\td \\\\ e\\x41"\n',
    'pattern: "x\\\n    y"\n',  # an escaped line break: it and the indentation vanish
    # ... with no indentation, an odd one, a tab, and a first letter that is no blank
    'pattern: "a\\\nb"\n',
    'pattern: "a\\\n   b"\n',
    'pattern: "a\\\n\tb"\n',
    'pattern: "a\\\n Xb"\n',
    # A tag comes before the value: the scalar's start is the tag's, which is no part of it.
    "pattern: !!str 'ab'\n",
    "pattern: !!str 'a(b a'\n",
    'pattern: !!str "a\\tb"\n',
    "pattern: !!str ab\n",
    "pattern: |-  # a comment on the header\n  first line\n    indented\n  last\n",
    "pattern: >\n  folded\n  lines\n\n  paragraph\n",
    # The header's comment holds the value's first letters: they are not the value.
    "pattern: |  # first ends with f\n  first\n  second\n",
    "pattern: >-  # folded ends with f\n  folded\n  f\n",
    "pattern: 'one\n  two'\n",
    "pattern: plain\n  continued\n",
    "pattern: ''\n",
    'pattern: " "\n',
    'pattern: "one\n  two"\n',
    # Values of nothing but blanks: their end is inside the quotes too.
    'pattern: "\\n\\t  "\n',
    "pattern: '  '\n",
    # An escape right before the closing quote.
    'pattern: "a\\""\n',
    'pattern: "a\\x41"\n',
    # A line break folded into a trailing space, with nothing after it but the closing quote.
    '"a\n"\n',
    "'a\n'\n",
    "pattern: 'a (\n'\n",
    '"\\x41\n"\n',
    # A line folded with no indentation, right before an escape.
    '"a\n\\x41"\n',
    '"a\n\\tb"\n',
    '"a\n\\u00e9\\\\"\n',
    # The last line of the file, without a line end.
    "pattern: 'ab'",
    'pattern: "ab"',
    "pattern: plain",
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
    value=st.text(alphabet=st.sampled_from(list("ab( )[]=\"'\\#:-é\t\n|>@$\u2603\x07")), min_size=1, max_size=40),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.sampled_from([8, 20, 80]),
    indent=st.sampled_from([None, 0, 4]),
    line_end=st.booleans(),
)
@example(value="it's", style="'", width=80, indent=0, line_end=True)
@example(value='a"b\tc', style='"', width=80, indent=0, line_end=True)
@example(value="\u2603 \u00e9", style='"', width=80, indent=4, line_end=True)
@example(value="aaaa aaaa \x07", style='"', width=8, indent=None, line_end=True)
def test_scalar_offsets_in_every_style(value: str, style, width: int, indent, line_end: bool) -> None:
    """check_offsets over values YAML writes in every style: a document that is the scalar
    (its folded lines start in the first column), a key's value and a value in a list;
    `\\x07` is written as an escape; the file may end without a line end."""
    data = value if indent is None else {"rules": [{"pattern": value}]} if indent else {"pattern": value}
    text = yaml.safe_dump(data, default_style=style, width=width, indent=max(indent or 0, 2), allow_unicode=True)
    if not line_end:
        text = text.rstrip("\n")
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if indent:
        node = node.value[0][1].value[0]
    check_offsets(text, node if indent is None else node.value[0][1])


@pytest.mark.parametrize("text, escape", [
    ('pattern: "a\\\n  \\nb"\n', "\\n"),       # not at the escaped line break's newline
    ('pattern: "a\\\n  \\ \\tb"\n', "\\t"),   # not at the escaped space; the space not in the indentation
])
def test_a_blank_written_as_an_escape_after_an_escaped_line_break_is_placed_at_its_escape(text: str,
                                                                                         escape: str) -> None:
    scalar = scalar_of(text)
    offsets = check_offsets(text, scalar)
    where = text.index(escape, text.index("\\\n") + 2)
    assert offsets[scalar.value.index(yaml.safe_load('"' + escape + '"'))] == where


def test_an_empty_quoted_value_is_placed_at_its_opening_quote() -> None:
    """Its only offset, its end, is the scalar's start: where the loader says that a value
    must not be empty (checked below), not the closing quote."""
    for text in ("pattern: ''\n", 'pattern: ""\n', "pattern: ''", 'pattern: ""'):
        assert scalar_offsets(text, scalar_of(text)) == [len("pattern: ")], text


def test_an_empty_pattern_is_reported_at_its_opening_quote(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    line = "  - {name: r, type: R, pattern: ''}"
    path.write_text(f"ruleie: 1\ntypes: {{R: {{}}}}\nrules:\n{line}\n", encoding="utf-8")
    d = only_error(path)
    assert (d.line, d.column, d.message) == (4, line.index("''") + 1, "pattern must not be empty"), d.render()


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
        # Variables that take no token, parsed behind a prefix that the offsets must leave out.
        ("'(?= @Nope)'", 11),
        ("'(?<= [] @Nope) $'", 15),
    ],
)
def test_an_unknown_type_in_a_variable_is_placed_at_its_name(tmp_path: Path, var: str, column: int) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"ruleie: 1\ntypes: {{P: {{kind: mention}}, R: {{}}}}\nvars:\n  v: {var}\n"
                    "rules:\n  - {name: r, type: R, pattern: 'a ${v}'}\n", encoding="utf-8")
    d = only_error(path)
    assert (d.line, d.column, d.message) == (4, column, "unknown type '@Nope'"), d.render()


def test_a_variable_with_an_unknown_type_stands_for_any_token(tmp_path: Path) -> None:
    """Reported once, at the variable; the rules that use it are checked as if it were `[]`
    (here: r2 only repeats r, whatever its stage, as `a []` has no mention to see)."""
    rules = ("rules:\n  - {name: r, type: R, pattern: 'a ${v}', stage: 1}\n"
             "  - {name: r2, type: R, pattern: 'a ${v}', stage: 2}\n")
    path = tmp_path / "r.yaml"
    found = {}
    for var in ("'@Nope'", "'[]'"):
        path.write_text(f"ruleie: 1\ntypes: {{P: {{kind: mention}}, R: {{}}}}\nvars:\n  v: {var}\n{rules}",
                        encoding="utf-8")
        found[var] = [(d.severity, d.line, d.column, d.message) for d in check_rule_files(path, lints=ALL_LINTS)]
    assert found["'@Nope'"] == [("error", 4, 7, "unknown type '@Nope'")] + found["'[]'"]
    assert any("rule 'r2' is shadowed by rule 'r'" in m for *_, m in found["'[]'"])


def test_no_lexicon_is_called_unused_while_some_pattern_did_not_load(tmp_path: Path) -> None:
    """However many patterns are missing and however (one does not parse, one is not given):
    the ones that did not load might use it."""
    path = tmp_path / "r.yaml"
    path.write_text("ruleie: 1\ntypes: {R: {}}\nlexicons:\n  words: [a, b]\nrules:\n"
                    "  - {name: r1, type: R, pattern: '[lower in words] ('}\n"
                    "  - {name: r2, type: R}\n", encoding="utf-8")
    found = [(d.severity, d.line, d.message) for d in check_rule_files(path, lints=ALL_LINTS)]
    assert found == [("error", 6, "unclosed `(`: expected `)`"), ("error", 7, "rule 'r2' has no `pattern:`")]


def test_a_pattern_error_on_the_last_line_without_a_line_end_is_placed(tmp_path: Path) -> None:
    for pattern, column in (("'a ( b'", 20), ('"a ( b"', 20), ("a ( b", 19)):  # just after the b
        path = tmp_path / "r.yaml"
        path.write_text(f"ruleie: 1\ntypes: {{R: {{}}}}\nrules:\n  - name: r\n    type: R\n    pattern: {pattern}",
                        encoding="utf-8")
        d = only_error(path)
        assert (d.line, d.column) == (6, column), d.render()


def test_running_out_of_python_recursion_while_composing_is_one_error_at_the_start(tmp_path: Path) -> None:
    """Nesting is refused at MAX_YAML_DEPTH levels, well inside Python's recursion limit; a
    host with a lower limit (or a deep caller) still gets a diagnostic, not a traceback."""
    # A comment that looks like an anchor takes the checking (pure Python) composer.
    deep = "# &: see above\nruleie: 1\nx: " + "[" * 60 + "]" * 60 + "\n"
    shallow = "# &: see above\nruleie: 1\nx: [[1]]\n"
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)  # room for a shallow document, not for 60 levels
    try:
        shallow_result = compose_document(decode_source(shallow.encode(), "r.yaml", "r.yaml"))
        root, problems = compose_document(decode_source(deep.encode(), "r.yaml", "r.yaml"))
    finally:
        sys.setrecursionlimit(limit)
    assert shallow_result[0] is not None and shallow_result[1] == []
    assert root is None
    assert [(d.file, d.line, d.column, d.offset, d.message, d.severity) for d in problems] == [
        ("r.yaml", 1, 1, 0, "YAML nested too deeply", "error")]


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


def test_a_location_is_where_a_diagnostic_at_the_same_index_is_shown() -> None:
    """Source.location is Source.diag's line and column without the rest; both clamp an
    index outside the text to its first or last position."""
    src = decode_source("ruleie: 1\n\nrules:\n  - x\n".encode("utf-8"), "dir/f.yaml", "f.yaml")
    for index in range(-2, len(src.text) + 3):
        d = src.diag(index, "m")
        assert (src.location(index).file, src.location(index).line, src.location(index).column) == (
            "f.yaml", d.line, d.column), index
    assert (src.location(0).line, src.location(0).column) == (1, 1)


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
