"""Tests of pattern text → AST: the error table, semantic errors, round trips, fuzzing."""

from __future__ import annotations

import doctest
import re
from typing import Any, Optional

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import ruleie
import strategies as s
from ruleie.language import nodes as n
from ruleie.language import parser
from ruleie.errors import PatternError, PatternSyntaxError, RuleieError
from ruleie.language.parser import MAX_NESTING, SYNTAX_ERRORS, parse_pattern
from ruleie.resources import grammar_text

# Every terminal of the grammar, and lark's own names: none may reach a user.
TERMINALS = sorted(set(re.findall(r"^([A-Z_]+)\s*:", grammar_text(), re.M)) | {"$END", "__ANON"})


def leaked_terminals(message: str, source: str) -> list[str]:
    """Terminal names in an error message that the user did not write themselves."""
    return [
        t
        for t in TERMINALS
        if re.search(r"(?<![\w$])" + re.escape(t) + r"(?!\w)", message) and t not in source
    ]


def error_of(text: str, **kwargs: Any) -> RuleieError:
    with pytest.raises(RuleieError) as info:
        parse_pattern(text, **kwargs)
    return info.value


def check_rendering(error: RuleieError, text: str, file: Optional[str] = None) -> None:
    """Every diagnostic has a 1-based position inside the text and renders with its line and a caret."""
    lines = text.split("\n")
    rendered = str(error).split("\n")
    for d in error.diagnostics:
        assert d.line is not None and d.column is not None, d
        assert 1 <= d.line <= len(lines)
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1
        assert d.source_line == lines[d.line - 1].rstrip("\r")
        header = f"{file or '<pattern>'}:{d.line}:{d.column}: error: {d.message}"
        assert header in rendered
        at = rendered.index(header)
        shown = d.source_line.expandtabs(1).translate({ord(c): " " for c in OTHER_LINE_BREAKS})
        assert rendered[at + 1] == "    " + shown
        assert rendered[at + 2] == "    " + " " * (d.column - 1) + "^"
        assert not leaked_terminals(d.message, text), d.message


# ---------------------------------------------------------------------------
# The error table is the test


TABLE = [(message, example) for message, examples in SYNTAX_ERRORS.items() for example in examples]


@pytest.mark.parametrize("message, text", TABLE, ids=[t for _, t in TABLE])
def test_every_table_example_gives_its_message(message: str, text: str) -> None:
    error = error_of(text)
    assert isinstance(error, PatternSyntaxError)
    assert [d.message for d in error.diagnostics] == [message]
    check_rendering(error, text)


QUANTIFIERS = ["?", "*", "+", "{2}", "{2,}", "{,3}", "{1,2}"]
LAZY = [q + "?" for q in QUANTIFIERS]
ATOMS = ["a", "[]", "( a b )", "@Person", '"x"', "(?<x> a )", "${v}"]


@pytest.mark.parametrize("atom", ATOMS)
@pytest.mark.parametrize("first", QUANTIFIERS + LAZY)
@pytest.mark.parametrize("second", ["*", "+", "{3}", "{2,}?", "*?"])
def test_every_pair_of_quantifiers_is_a_multiple_repeat(atom: str, first: str, second: str) -> None:
    text = f"{atom}{first}{second}"
    error = error_of(text, vars={"v": "b"})
    assert error.message == parser._MULTIPLE_REPEAT
    assert error.column == len(atom) + len(first) + 1


@pytest.mark.parametrize("before", ["", "a | ", "( ", "(?<x> ", "(?= ", "(?<! ", "a ( b | ", "a\n  | "])
@pytest.mark.parametrize("quantifier", QUANTIFIERS + LAZY)
def test_a_quantifier_with_nothing_before_it(before: str, quantifier: str) -> None:
    error = error_of(before + quantifier)
    assert error.message == parser._NOTHING_TO_REPEAT
    assert (error.line, error.column) == (before.count("\n") + 1, len(before.split("\n")[-1]) + 1)


@pytest.mark.parametrize("text", ["^*", "$+", "(?= a )*", "( ^ )?", "a (?<! b ){2}"])
def test_positions_cannot_be_repeated(text: str) -> None:
    error = error_of(text)
    assert isinstance(error, PatternError)
    assert error.message.startswith("nothing to repeat: ")
    assert "matches a position, not a token" in error.message


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("a % b", "unexpected character '%': to match it as a word, quote it: \"%\"", 3),
        ("[shape=dd,ddd]", "unexpected character ',': quote a value that has it, as in [word=\",\"]", 10),
        ('[lemma="x]', "unterminated quoted string: a quoted word ends with `\"`", 8),
        ("[word=/x]", "unterminated regex: a regex is written /…/ and a `/` inside it as `\\/`", 7),
        ("@ x", "expected a type name after `@`, as in @Person", 1),
        ("a ${", "expected a variable name in ${…}, as in ${verbs}", 3),
        ("${1}", "expected a variable name in ${…}, as in ${verbs}", 1),
        ("a{x}", "malformed repetition: write {n}, {n,}, {,m} or {n,m} with whole numbers", 2),
        ("(?P<x> a )", "unknown group: use (?<name> …) for a capture, (?= …) or (?! …) for lookahead, "
         "(?<= …) or (?<! …) for lookbehind, and ( … ) for a plain group", 1),
    ],
)
def test_hints_for_unexpected_characters(text: str, message: str, column: int) -> None:
    error = error_of(text)
    assert (error.message, error.column) == (message, column)
    check_rendering(error, text)


# ---------------------------------------------------------------------------
# Semantic errors: the pattern parses but means nothing


SEMANTIC_ERRORS = [
    # pattern, keyword arguments, message, line, column
    ("x ${verb}", {"vars": {"verbs": "said"}}, "unknown variable 'verb' (did you mean 'verbs'?)", 1, 3),
    ("x ${zzz}", {"vars": {"verbs": "said"}}, "unknown variable 'zzz'", 1, 3),
    ("a\n  [lower in weapon]", {"lexicons": ["weapons"]}, "unknown lexicon 'weapon' (did you mean 'weapons'?)", 2, 13),
    ("[]{3,1}", {}, "repetition {3,1}: the maximum is smaller than the minimum", 1, 3),
    ("(?<x> a ) (?<x> b )", {}, "capture name 'x' is used twice on one path", 1, 11),
    ("(?<x> a (?<x> b ) )", {}, "capture name 'x' is used twice on one path", 1, 1),
    ("^ $", {}, "this pattern can only match an empty sequence of tokens, which never makes a record", 1, 1),
    ("(?= a ) ( )", {}, "this pattern can only match an empty sequence of tokens, which never makes a record", 1, 1),
    (
        "b (?= (?<x> a ) )",
        {},
        "captures inside lookaround are not supported: lookaround only tests, it takes no tokens",
        1,
        7,
    ),
    ("[word=/a/x]", {}, "unknown regex flag 'x': the only flag is i (ignore case)", 1, 7),
    ("a{5000}", {}, "repetition count 5000 is too large (at most 1000); use + or * for unbounded", 1, 2),
    ("a {2, 99999999999999999999}", {}, "repetition count 99999999999999999999 is too large (at most 1000); "
     "use + or * for unbounded", 1, 3),
    ("a{}", {}, "empty repetition: write {n}, {n,}, {,m} or {n,m}", 1, 2),
    ("[num=abc]", {}, "num= compares numbers, and 'abc' is not a number", 1, 6),
    ("[lemma>=x]", {}, "lemma>= compares numbers, and 'x' is not a number", 1, 9),
    ("[word>/x/]", {}, "a regex can only be compared with = or !=, not >", 1, 7),
    ('a ""', {}, 'an empty quoted word "" can never match a token', 1, 3),
    ("${a}", {"vars": {"a": "${a}"}}, "in variable 'a' ('${a}'): variable 'a' refers to itself", 1, 1),
    ("b\n ${a}", {"vars": {"a": "x )"}}, "in variable 'a' ('x )'): unmatched `)`: there is no `(` to close", 2, 2),
    ("${a}", {"vars": {"a": []}}, "variable 'a' is an empty list", 1, 1),
]


@pytest.mark.parametrize("text, kwargs, message, line, column", SEMANTIC_ERRORS)
def test_semantic_errors(text: str, kwargs: dict, message: str, line: int, column: int) -> None:
    error = error_of(text, **kwargs)
    assert isinstance(error, PatternError)
    assert (error.message, error.line, error.column) == (message, line, column)
    check_rendering(error, text)


def test_invalid_regex_points_into_the_regex() -> None:
    error = error_of("a [word=/ab(c/]")
    assert isinstance(error, PatternError)
    assert error.message.startswith("invalid regex: missing ), unterminated subpattern")
    assert error.column == 12  # at the "(" that is not closed
    check_rendering(error, "a [word=/ab(c/]")


def test_all_problems_are_reported_at_once() -> None:
    text = "[lower in wepons] ${nope}\n\t[num=abc] a{3,1}"
    error = error_of(text, lexicons=["weapons"], vars={"yes": "x"})
    assert [(d.line, d.column, d.message) for d in error.diagnostics] == [
        (1, 11, "unknown lexicon 'wepons' (did you mean 'weapons'?)"),
        (1, 19, "unknown variable 'nope'"),
        (2, 7, "num= compares numbers, and 'abc' is not a number"),
        (2, 13, "repetition {3,1}: the maximum is smaller than the minimum"),
    ]
    check_rendering(error, text)


def test_the_file_name_goes_in_front() -> None:
    error = error_of("a\n b )", file="rules/strike.yaml")
    assert str(error).splitlines()[0] == "rules/strike.yaml:2:4: error: unmatched `)`: there is no `(` to close"
    check_rendering(error, "a\n b )", file="rules/strike.yaml")


@pytest.mark.parametrize(
    "text, line, column",
    [("a\nb\n  c )", 3, 5), ("# a comment ( [\na (\n", 3, 1), ("a [lemma=x\n  & word=y", 2, 11), ("a\r\n]", 2, 1)],
)
def test_multi_line_patterns_report_the_right_line(text: str, line: int, column: int) -> None:
    error = error_of(text)
    assert (error.line, error.column) == (line, column)


def test_a_pattern_must_be_text() -> None:
    with pytest.raises(PatternError, match="a pattern must be text, not int"):
        parse_pattern(3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Nesting: deep but legal patterns work end to end; deeper ones are an error, not a crash


@pytest.mark.parametrize(
    "opener, closer",
    [("( ", " )"), ("(?<g{}> ", " )"), ("(?= ", " ) a"), ("(?<! ", " ) a")],
)
def test_nesting_up_to_the_limit(opener: str, closer: str) -> None:
    def nest(depth: int) -> str:
        text = "a"
        for i in range(depth):
            text = opener.replace("{}", str(i)) + text + closer
        return text

    text = nest(MAX_NESTING)
    pattern = ruleie.compile(text)
    list(pattern.finditer("a a b a"))
    pattern.all_spans("a a b a")
    assert parse_pattern(pattern.canonical) == pattern.node
    error = error_of(nest(MAX_NESTING + 1))
    assert error.message == f"pattern nested more than {MAX_NESTING} levels deep"


@pytest.mark.parametrize(
    "text",
    ["[" + "!" * 5000 + "a=b]", "[" + "(" * 300 + "a=b" + ")" * 300 + "]", "(" * 5000 + "a" + ")" * 5000],
)
def test_very_deep_nesting_is_an_error_not_a_crash(text: str) -> None:
    error = error_of(text)
    assert error.message == f"pattern nested more than {MAX_NESTING} levels deep"


def test_brackets_inside_strings_and_regexes_do_not_count_as_nesting() -> None:
    text = '[word="' + "(" * 300 + '" | word=/' + r"\(" * 300 + "/] # " + "(" * 300
    assert isinstance(parse_pattern(text), n.TokenTest)


def test_deep_constraint_expressions_work_end_to_end() -> None:
    text = "[" + "!" * (MAX_NESTING - 1) + "lower=a]"
    pattern = ruleie.compile(text)
    assert [m.group() for m in pattern.finditer("a b")] == ["b"]  # an odd number of negations
    assert parse_pattern(pattern.canonical) == pattern.node


# ---------------------------------------------------------------------------
# The AST prints back to source


CANONICAL = [
    ("Russia []*? launched", "Russia []*? launched"),
    ("[a=b & (c=d | e=f)]", "[a=b & (c=d | e=f)]"),
    ("[a=b & (c=d & e=f)]", "[a=b & (c=d & e=f)]"),
    ("[(a=b | c=d) | e=f]", "[(a=b | c=d) | e=f]"),
    ("[a=b & c=d & e=f]", "[a=b & c=d & e=f]"),
    ("[!(a=b | c=d)]", "[!(a=b | c=d)]"),
    ("[!!a=b]", "[!!a=b]"),
    ("[(a=b)]", "[a=b]"),
    ("a{2,2}", "a{2}"),
    ("a{0,}", "a*"),
    ("a{1,}?", "a+?"),
    ("a{,1}", "a?"),
    ("a{ 2 , 5 }", "a{2,5}"),
    ("(?<x>a|b)", "(?<x> a | b )"),
    ('[word="U.S."]', "[word=U.S.]"),
    ('[tag="PRP$"]', "[tag=PRP$]"),
    ('[lower="in"]', '[lower="in"]'),
    ('"launched"', "launched"),
    ('"New York"', '"New York"'),
    ('"say \\"no\\""', '"say \\"no\\""'),
    ("[lower=/a\\/b/i]", "[lower=/a\\/b/i]"),
    ("[lower=/a\\/b/ii]", "[lower=/a\\/b/i]"),
    ("( a b ) c", "a b c"),
    ("( a | b ) c", "( a | b ) c"),
    ("(a|b)|c", "a | b | c"),
    ("a | (b | (c | d))", "a | b | c | d"),
    ("(a b) (c (d))", "a b c d"),
    ("# a comment\na # another\n b", "a b"),
    ("a |", "a | ( )"),
    ("( ( a )* )+", "( a* )+"),
    ("[num>=1,000]".replace(",000", ""), "[num>=1]"),
    ('[num>="1,000"]', '[num>="1,000"]'),
    ("[num=-3]", "[num=-3]"),
    ("@Person+ (?<who> @Actor )", "@Person+ (?<who> @Actor )"),
    ("(?<= ^ a ) (?! b | c ) d $", "(?<= ^ a ) (?! b | c ) d $"),
]


@pytest.mark.parametrize("text, canonical", CANONICAL)
def test_canonical_form(text: str, canonical: str) -> None:
    node = parse_pattern(text)
    assert n.unparse(node) == canonical
    assert parse_pattern(canonical) == node


@pytest.mark.parametrize(
    "text, vars, canonical",
    [
        ("${v}", {"v": ["held talks", "met"]}, "held talks | met"),
        ("a ${v}+", {"v": "b | c"}, "a ( b | c )+"),
        ("${v} ${w}", {"v": "[lemma=say]", "w": ["${v} that", "x"]}, "[lemma=say] ( [lemma=say] that | x )"),
        ("${v}", {"v": n.Word("already")}, "already"),
    ],
)
def test_variables_are_inserted_as_sub_patterns(text: str, vars: dict, canonical: str) -> None:
    assert n.unparse(parse_pattern(text, vars=vars)) == canonical


@given(s.any_patterns())
@example(n.TokenTest(n.Compare("word", "=", n.Regex(r"a\/b"))))
@example(n.TokenTest(n.And((n.Compare("a", "=", n.Literal("x")), n.And((n.Compare("b", "=", n.Literal("y")),
                                                                        n.Compare("c", "=", n.Literal("z"))))))))
@example(n.alt(n.Word("a"), n.EMPTY))
@example(n.seq(n.Word("a"), n.Repeat(n.EMPTY, 0, None)))
@example(n.Word('say "no" \\ now'))
def test_parse_unparse_round_trip(node: n.Node) -> None:
    text = n.unparse(node)
    assert parse_pattern(text) == node
    assert n.unparse(parse_pattern(text)) == text


@given(s.regexes())
def test_regex_sources_are_kept_with_plain_slashes(regex: n.Regex) -> None:
    assert "\\/" not in regex.source.replace("\\\\", "")
    assert n.Regex(regex.source, regex.flags) == regex


# ---------------------------------------------------------------------------
# Any text either parses or gives a positioned error in the language's words


def parse_or_error(text: str) -> None:
    try:
        parse_pattern(text, lexicons=["weapons", "L"])
    except (PatternSyntaxError, PatternError) as error:
        check_rendering(error, text)


# Characters that str.splitlines() takes for line breaks besides "\n": a diagnostic counts lines
# at "\n" only and shows these as spaces in the quoted source line.
OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@given(st.text())
@example("[" * 200)
@example("a\n\n[")
@example("a\r\n]")
@example("[lower=/\\/")
@example("{,}")
@example("(?<x> a )(?<x> b )")
def test_any_text_parses_or_gives_a_positioned_error(text: str) -> None:
    parse_or_error(text)


@pytest.mark.parametrize("text", ["\u2028a )", "a\rb )", "a\x0cb )"])
def test_other_line_break_characters_show_the_right_source_line(text: str) -> None:
    parse_or_error(text)


@given(st.text(alphabet=st.sampled_from(s.SPECIAL_CHARACTERS + list("abc019_@$ \t"))))
def test_texts_of_grammar_characters_parse_or_give_a_positioned_error(text: str) -> None:
    parse_or_error(text)


@given(s.mutated_pattern_texts())
def test_mutated_patterns_parse_or_give_a_positioned_error(text: str) -> None:
    parse_or_error(text)


# ---------------------------------------------------------------------------
# Docstring examples cannot rot


@pytest.mark.parametrize("module", [n, parser])
def test_docstring_examples(module: object) -> None:
    failures, _ = doctest.testmod(module)  # type: ignore[arg-type]
    assert failures == 0
