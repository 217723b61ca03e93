"""Pattern text → AST: the Lark grammar in grammars/pattern.lark, read into ``nodes``.

Nothing from lark leaves this module: trees become ``nodes`` values and lark's
exceptions become ``PatternSyntaxError`` with the language's own words.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Callable, Collection, Mapping, Optional, Sequence, TypeVar, Union

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import nodes as n
from .compiler import regex_hazard, regex_hazard_message
from .predicates import compiled_regex, is_word_list
from ..errors import Diagnostic, PatternError, PatternSyntaxError, diagnostic_at
from ..resources import grammar_text

# Counted repetitions are expanded by the compiler, so a bound keeps programs small.
MAX_REPEAT = 1000
# Deeper nesting than this is surely a mistake (or hostile), and would strain recursion.
MAX_NESTING = 100

VarValue = Union[str, Sequence[str], n.Node]

# What each grammar terminal is called in an error message.
TERMINAL_NAMES: dict[str, str] = {
    "WORD": "a word",
    "STRING": "a quoted word",
    "VALUE": "a value",
    "REGEX": "a /regex/",
    "FIELD": "a field name (word, lower, lemma, shape, num, …)",
    "LEXICON_NAME": "a lexicon name",
    "MENTION": "a mention such as @Person",
    "VARIABLE": "a variable such as ${name}",
    "CAPTURE_OPEN": "a capture `(?<name>`",
    "LOOKAHEAD": "`(?=`",
    "NEG_LOOKAHEAD": "`(?!`",
    "LOOKBEHIND": "`(?<=`",
    "NEG_LOOKBEHIND": "`(?<!`",
    "REPEAT": "a repetition such as {2,3}",
    "OP": "a comparison (= != < <= > >=)",
    "IN": "`in`",
    "BAR": "`|`",
    "AMP": "`&`",
    "BANG": "`!`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LBRACKET": "`[`",
    "RBRACKET": "`]`",
    "QUESTION": "`?`",
    "STAR": "`*`",
    "PLUS": "`+`",
    "CARET": "`^`",
    "DOLLAR": "`$`",
    "$END": "the end of the pattern",
}

_NOTHING_TO_REPEAT = "nothing to repeat: a quantifier must follow a word, a token constraint, a group or a mention"
_MULTIPLE_REPEAT = "multiple repeat: to repeat a quantified part, put it in a group, as in ( a+ )*"
_QUANTIFIERS = frozenset({"QUESTION", "STAR", "PLUS", "REPEAT"})
_OPERATOR_OUTSIDE = "`&` and `!` combine constraints inside one token, as in [lemma=x & !tag=DT]"

# Malformed patterns and the message each must produce. This table is both the
# source of the messages (as lark's match_examples: an error takes the message of
# the example that failed in the same parser state on the same kind of token) and
# a test: tests/test_parser.py checks every example gives its message. The first
# three entries above are recognised from the text instead (``_syntax_message``):
# each pair of quantifiers leaves the parser in a state of its own.
SYNTAX_ERRORS: dict[str, list[str]] = {
    "unclosed `[`: expected `]` to end the token constraint": [
        "[lemma=launch",
        "a [lower=x & word=y",
        "[]a [",
    ],
    "unclosed `(`: expected `)`": ["( a b", "(?<who> a", "(?= a", "(?<! a b", "a ( b | c", "a (", "a b ( c"],
    "unmatched `)`: there is no `(` to close": ["a )", "a b ) c", ")"],
    "unmatched `]`: there is no `[` to close": ["a ]", "]", "[a=b]]", "[]]"],
    _NOTHING_TO_REPEAT: [
        "*",
        "a | +",
        "( ?",
        "{2}",
        "(?<x> *?",
        "(?= {,2}",
    ],
    _MULTIPLE_REPEAT: [
        "a**",
        "a+*",
        "a{2}+",
        "[]*{3}",
        "a???",
        "a*?+",
        "@X{2}?{3}",
        "( a )?  *",
    ],
    "expected a field name after `[`, such as [lemma=launch] or [word=/x/]": [
        "[=x]",
        '["x"]',
        "[/x/]",
        "[lemma=x & =]",
    ],
    "expected a comparison (= != < <= > >=) or `in` after the field name": [
        "[lemma]",
        "[lemma x]",
        "[lemma & word=x]",
    ],
    "expected a value after the comparison: a bare word, a quoted string or a /regex/": [
        "[lemma=]",
        "[lemma=&]",
        "[lemma= | x]",
    ],
    "expected a lexicon name after `in`": ["[lower in ]", '[lower in "x"]', "[lower in /x/]"],
    "expected `&`, `|` or `]` after a constraint": [
        "[lemma=x lemma=y]",
        "[lemma=x word]",
        "[(lemma=x) y]",
        '[lemma="x" word=y]',
        "[lemma=/x/ word=y]",
        "[lower in x y]",
    ],
    "expected a constraint after `&`, `|` or `!`": ["[lemma=x &]", "[lemma=x | ]", "[!]", "[a=b & !]"],
    _OPERATOR_OUTSIDE: ["a & b", "!a", "a | !b", "( a ) & [b=c]"],
}

_UNEXPECTED_CHARACTER_HINTS = {
    '"': "unterminated quoted string: a quoted word ends with `\"`",
    "/": "unterminated regex: a regex is written /…/ and a `/` inside it as `\\/`",
    "@": "expected a type name after `@`, as in @Person",
    "$": "expected a variable name in ${…}, as in ${verbs}",
    "{": "malformed repetition: write {n}, {n,}, {,m} or {n,m} with whole numbers",
}


@lru_cache(maxsize=1)
def _lark() -> lark.Lark:
    return lark.Lark(grammar_text(), parser="lalr", maybe_placeholders=False)


def _describe_expected(expected: Collection[str]) -> str:
    names = sorted({TERMINAL_NAMES.get(t, t.lower()) for t in expected})
    if not names:
        return "nothing more"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _error_key(error: UnexpectedInput, text: str) -> tuple[object, ...]:
    """What identifies a kind of syntax error: the parser state and what was found there.

    Like lark's ``match_examples``, but the offending character is part of the
    key, so that ``a %`` and ``a ]`` (same state) get different messages.
    """
    state = getattr(error, "state", None)
    state = getattr(state, "position", state)  # lark gives a ParserState or a state number
    if isinstance(error, UnexpectedToken):
        return ("token", state, error.token.type)
    if isinstance(error, UnexpectedCharacters):
        return ("char", state, text[error.pos_in_stream : error.pos_in_stream + 1])
    return ("eof", state)


@lru_cache(maxsize=1)
def _example_messages() -> dict[tuple[object, ...], str]:
    table: dict[tuple[object, ...], str] = {}
    for message, examples in SYNTAX_ERRORS.items():
        for example in examples:
            try:
                _raw_parse(example)
            except UnexpectedInput as error:
                table.setdefault(_error_key(error, example), message)
    return table


def _raw_parse(text: str) -> lark.Tree:
    return _lark().parse(text)


# ---------------------------------------------------------------------------
# The fast reader: the nodes the lark parse gives, without lark
#
# Parsing a pattern with lark's LALR parser costs about 0.2 ms, most of a cold load of
# a large rule set. This reader goes over the text by recursive descent, trying the
# grammar's own terminal regexes where lark's contextual lexer would, and builds the
# nodes ``_Builder`` makes from lark's tree (the same nodes, positions included) for
# patterns that parse and read without any problem and are nested at most MAX_NESTING
# deep. On anything else (a syntax error, a problem to report, deeper nesting) it gives
# up and the text goes the lark way, which reports it. tests/test_fast_reader.py
# checks both ways agree on many generated patterns, valid and not. The reader follows
# grammars/pattern.lark as it is: another grammar turns it off (``_fast_reader_ready``).

# Set to False to read everything the lark way (the differential tests compare the two).
FAST_READER = True

# The sha256 of the grammar text this reader follows.
_FAST_GRAMMAR_SHA256 = "7ca5a318756619557b9970e25a6d238ce4674c76b72372b64af121942bb84b2d"


class _GiveUp(Exception):
    """The fast reader met something it does not read: the lark way reads the text instead."""


# The terminals the reader uses, as lark compiles them from grammars/pattern.lark
# (``Lark.terminals``: tests/test_fast_reader.py checks they are the same). Written out
# so that reading needs no lark parser built at all.
_FAST_TERMINALS = {
    "WORD": "\\w(?:[\\w'’.\\-]*[\\w.])?",
    "STRING": '"(?:[^"\\\\\n]|\\\\.)*"',
    "VALUE": "-?\\w(?:[\\w'’.\\-$]*[\\w.$])?",
    "REGEX": "\\/(?:[^\\/\\\\\n]|\\\\.)*\\/[A-Za-z]*",
    "FIELD": "[A-Za-z_]\\w*",
    "LEXICON_NAME": "[A-Za-z_][\\w.\\-]*",
    "MENTION": "@[A-Za-z_][\\w.\\-]*",
    "VARIABLE": "\\$\\{[A-Za-z_][\\w.\\-]*\\}",
    "CAPTURE_OPEN": "\\(\\?<[A-Za-z_]\\w*>",
    "REPEAT": "\\{[ \t]*\\d*[ \t]*(?:,[ \t]*\\d*[ \t]*)?\\}",
    "OP": "!=|<=|>=|=|<|>",
    "COMMENT": "#[^\n]*",
    "WHITESPACE": "\\s+",
}


@lru_cache(maxsize=1)
def _fast_reader_ready() -> Optional[dict[str, "re.Pattern[str]"]]:
    """The terminal regexes, compiled, when the grammar is the one the reader follows."""
    import hashlib

    if hashlib.sha256(grammar_text().encode("utf-8")).hexdigest() != _FAST_GRAMMAR_SHA256:
        return None
    terminals = {name: re.compile(regex) for name, regex in _FAST_TERMINALS.items()}
    # WHITESPACE and COMMENT are ignored in every parser state, and no other terminal
    # begins with a blank or `#`: skipping them before each token is what lark does.
    terminals["_SKIP"] = re.compile("(?:" + _FAST_TERMINALS["WHITESPACE"] + "|" + _FAST_TERMINALS["COMMENT"] + ")*")
    # `[` FIELD OP (VALUE | STRING | REGEX) `]` with nothing in between (see ``token_test``).
    terminals["_SIMPLE_TEST"] = re.compile(
        "\\[(" + _FAST_TERMINALS["FIELD"] + ")(" + _FAST_TERMINALS["OP"] + ")("
        + "|".join(_FAST_TERMINALS[t] for t in ("VALUE", "STRING", "REGEX")) + ")\\]"
    )
    return terminals


def _read_fast(
    text: str,
    vars: Mapping[str, VarValue],
    lexicons: Optional[Collection[str]],
    file: Optional[str],
    active_vars: frozenset[str],
) -> Optional[n.Node]:
    """The node parsing ``text`` gives when it parses without a problem; None: go the lark way."""
    terminals = _fast_reader_ready()
    if terminals is None:
        return None
    builder = _Builder(text, vars, lexicons, file, active_vars)
    try:
        node = _FastReader(text, terminals, builder).start()
    except (_GiveUp, RecursionError):
        return None
    return None if builder.problems else node


class _Tok:
    """The little of a ``lark.Token`` that ``_Builder``'s methods read."""

    __slots__ = ("type", "value", "start_pos")

    def __init__(self, kind: str, value: str, start_pos: int):
        self.type = kind
        self.value = value
        self.start_pos = start_pos


class _FastReader:
    """Recursive descent over grammars/pattern.lark, building what ``_Builder`` builds.

    Each method mirrors the ``_Builder`` method of the same name. A node's position is
    that of the first token of its grammar rule (``_start``): where the reader stood,
    blanks and comments skipped, when the rule began (the end of the text if the rule
    took no token).
    """

    def __init__(self, text: str, terminals: dict[str, "re.Pattern[str]"], builder: "_Builder"):
        self.text = text
        self.end = len(text)
        self.pos = 0
        self.depth = 0  # as _check_nesting counts
        self.builder = builder
        self.skip_re = terminals["_SKIP"].match
        self.word = terminals["WORD"].match
        self.string = terminals["STRING"].match
        self.value = terminals["VALUE"].match
        self.regex = terminals["REGEX"].match
        self.field = terminals["FIELD"].match
        self.lexicon = terminals["LEXICON_NAME"].match
        self.mention = terminals["MENTION"].match
        self.variable = terminals["VARIABLE"].match
        self.capture = terminals["CAPTURE_OPEN"].match
        self.repeat = terminals["REPEAT"].match
        self.op = terminals["OP"].match
        self.simple_test = terminals["_SIMPLE_TEST"].match

    def advance(self, to: int) -> None:
        """Go on from ``to``, past whitespace and comments: ``pos`` is always where the next token begins."""
        self.pos = self.skip_re(self.text, to).end()

    def take(self, match: "Optional[re.Match[str]]") -> str:
        if match is None:
            raise _GiveUp
        self.advance(match.end())
        return match.group()

    def close(self, char: str) -> None:
        p = self.pos
        if p >= self.end or self.text[p] != char:
            raise _GiveUp
        self.advance(p + 1)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _GiveUp  # the lark way says where

    def checked(self, node: _T) -> _T:
        if self.builder.problems:
            raise _GiveUp
        return node

    # -- sequences ---------------------------------------------------------

    def start(self) -> n.Node:
        self.advance(0)
        node = self.alternation()
        if self.pos != self.end:
            raise _GiveUp  # a stray `)` or `]`: an error
        return node

    def alternation(self) -> n.Node:
        text, end = self.text, self.end
        first = self.pos
        options = [self.sequence()]
        while True:
            p = self.pos
            if p < end and text[p] == "|":
                self.advance(p + 1)
                options.append(self.sequence())
            else:
                break
        return n.alt(*options, pos=first if self.pos > first else end)

    def sequence(self) -> n.Node:
        text, end = self.text, self.end
        first = self.pos
        items = []
        while True:
            p = self.pos
            if p >= end or text[p] in "|)":
                break
            items.append(self.quantified(p))
        start = first if items else end
        node = n.seq(*items, pos=start)
        if isinstance(node, n.Seq) and node.pos < 0:
            node = n.Seq(node.items, pos=start)
        return node

    def quantified(self, p: int) -> n.Node:
        text, end = self.text, self.end
        atom = self.atom(p)
        p = self.pos
        c = text[p] if p < end else ""
        if not c or c not in "?*+{":
            return atom
        if isinstance(atom, (n.Anchor, n.Look)):
            raise _GiveUp  # nothing to repeat
        if c == "{":
            token = _Tok("REPEAT", self.take(self.repeat(text, p)), p)
            lo, hi = self.checked(self.builder.quantifier_bounds(token))
            if hi is not None and hi < lo:
                raise _GiveUp
        else:
            self.advance(p + 1)
            lo, hi = _QUANTIFIER_BOUNDS[c]
        q = self.pos
        lazy = q < end and text[q] == "?"
        if lazy:
            self.advance(q + 1)
        return n.Repeat(atom, lo, hi, lazy, pos=p)

    def atom(self, p: int) -> n.Node:
        text = self.text
        c = text[p]
        if c == "[":
            return self.token_test(p)
        if c == "(":
            # As lark's lexer tries them: a capture, then the longest lookaround opener, then `(`.
            match = self.capture(text, p)
            opener = text[p : p + 4]
            if opener not in _LOOK_OPENERS:
                opener = opener[:3]
            self.enter()
            if match is not None:
                self.advance(match.end())
                node: n.Node = n.Capture(match.group()[3:-1], self.alternation(), pos=p)
            elif opener in _LOOK_OPENERS:
                self.advance(p + len(opener))
                behind, negate = _LOOK_OPENERS[opener]
                node = n.Look(self.alternation(), behind, negate, pos=p)
            else:
                self.advance(p + 1)
                node = self.alternation()
            self.close(")")
            self.depth -= 1
            return node
        if c == '"':
            word = _unquote(self.take(self.string(text, p)))
            if not word:
                raise _GiveUp  # an empty quoted word
            return n.Word(word, pos=p)
        if c == "@":
            return n.MentionRef(self.take(self.mention(text, p))[1:], pos=p)
        if c == "^" or c == "$":
            match = self.variable(text, p) if c == "$" else None
            if match is None:
                self.advance(p + 1)
                return n.Anchor(c, pos=p)
            name = self.take(match)[2:-1]
            builder = self.builder
            if name not in builder.vars or name in builder.active_vars:
                raise _GiveUp
            return self.checked(builder.expand_variable(name, builder.vars[name], p))
        return n.Word(self.take(self.word(text, p)), pos=p)  # no match: not an atom

    # -- token constraints -------------------------------------------------

    def token_test(self, p: int) -> n.Node:
        self.enter()
        simple = self.simple_test(self.text, p)
        if simple is not None:
            # `[field=value]` written without blanks, the commonest constraint: the tokens
            # or_expr, and_expr and not_expr would take one by one, in one match. Each
            # part ends where the next begins (no terminal of one can take a character of
            # the next), so the match is theirs.
            field, op, value = simple.group(1, 2, 3)
            start = simple.start(3)
            kind = "STRING" if value[0] == '"' else "REGEX" if value[0] == "/" else "VALUE"
            expr = self.builder.comparison(_Tok("FIELD", field, p + 1), op, _Tok(kind, value, start))  # type: ignore[arg-type]
            self.advance(simple.end())
            self.depth -= 1
            return n.TokenTest(self.checked(expr), pos=p)
        self.advance(p + 1)
        q = self.pos
        if q < self.end and self.text[q] == "]":
            self.advance(q + 1)
            node = n.TokenTest(None, pos=p)
        else:
            node = n.TokenTest(self.or_expr(), pos=p)
            self.close("]")
        self.depth -= 1
        return node

    def or_expr(self) -> n.Expr:
        text, end = self.text, self.end
        first = self.pos
        operands = [self.and_expr()]
        while True:
            p = self.pos
            if p < end and text[p] == "|":
                self.advance(p + 1)
                operands.append(self.and_expr())
            else:
                return operands[0] if len(operands) == 1 else n.Or(tuple(operands), pos=first)

    def and_expr(self) -> n.Expr:
        text, end = self.text, self.end
        first = self.pos
        operands = [self.not_expr()]
        while True:
            p = self.pos
            if p < end and text[p] == "&":
                self.advance(p + 1)
                operands.append(self.not_expr())
            else:
                return operands[0] if len(operands) == 1 else n.And(tuple(operands), pos=first)

    def not_expr(self) -> n.Expr:
        text, end = self.text, self.end
        p = self.pos
        c = text[p] if p < end else ""
        if c == "!":
            self.enter()
            self.advance(p + 1)
            node: n.Expr = n.Not(self.not_expr(), pos=p)
            self.depth -= 1
            return node
        if c == "(":
            self.enter()
            self.advance(p + 1)
            node = self.or_expr()
            self.close(")")
            self.depth -= 1
            return node
        field = _Tok("FIELD", self.take(self.field(text, p)), p)
        p = self.pos
        match = self.op(text, p)
        if match is not None:
            op = self.take(match)
            p = self.pos
            c = text[p] if p < end else ""
            if c == '"':
                value = _Tok("STRING", self.take(self.string(text, p)), p)
            elif c == "/":
                value = _Tok("REGEX", self.take(self.regex(text, p)), p)
            else:
                value = _Tok("VALUE", self.take(self.value(text, p)), p)
            return self.checked(self.builder.comparison(field, op, value))  # type: ignore[arg-type]
        if text.startswith("in", p):
            self.advance(p + 2)
            name = self.take(self.lexicon(text, self.pos))
            lexicons = self.builder.lexicons
            if lexicons is not None and name not in lexicons:
                raise _GiveUp  # an unknown lexicon
            return n.InLexicon(field.value, name, pos=field.start_pos)
        raise _GiveUp


_T = TypeVar("_T")
_QUANTIFIER_BOUNDS: dict[str, tuple[int, Optional[int]]] = {"?": (0, 1), "*": (0, None), "+": (1, None)}
# The four lookaround openers: (behind, negate).
_LOOK_OPENERS = {"(?=": (False, False), "(?!": (False, True), "(?<=": (True, False), "(?<!": (True, True)}


def _syntax_message(error: UnexpectedInput, text: str) -> tuple[str, int]:
    """A message in the language's words for a lark error, and the offset it points at."""
    offset = getattr(error, "pos_in_stream", None)
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        offset = len(text)
    if offset is None:
        offset = len(text)
    # `(?` that opens none of the known groups: lark sees `(` then `?`.
    if text[offset : offset + 1] == "?" and text[:offset].endswith("("):
        return (
            "unknown group: use (?<name> …) for a capture, (?= …) or (?! …) for lookahead, "
            "(?<= …) or (?<! …) for lookbehind, and ( … ) for a plain group",
            offset - 1,
        )
    if isinstance(error, UnexpectedCharacters):
        char = text[offset : offset + 1]
        # `${` that does not continue as a variable: lark has already taken `$` as an anchor.
        if char == "{" and text[:offset].endswith("$"):
            return _UNEXPECTED_CHARACTER_HINTS["$"], offset - 1
        if char in _UNEXPECTED_CHARACTER_HINTS:
            return _UNEXPECTED_CHARACTER_HINTS[char], offset
    if isinstance(error, UnexpectedToken) and error.token.type in _QUANTIFIERS:
        # Decided from the text rather than from examples: every pair of quantifiers
        # (a*+, a??*, a{2}{3} …) leaves the parser in a state of its own.
        before = text[:offset].rstrip()
        if before.endswith(("?", "*", "+", "}")):
            return _MULTIPLE_REPEAT, offset
        return _NOTHING_TO_REPEAT, offset
    if (
        isinstance(error, UnexpectedToken)
        and error.token.type in ("AMP", "BANG")
        and "WORD" in (error.accepts or error.expected)  # a word may come: outside [ … ]
    ):
        return _OPERATOR_OUTSIDE, offset
    label = _example_messages().get(_error_key(error, text))
    if label is not None:
        return label, offset
    if isinstance(error, UnexpectedCharacters):
        char = text[offset : offset + 1]
        if "WORD" not in (error.allowed or ()):  # inside [ … ]: part of a value, most likely
            return f"unexpected character {char!r}: quote a value that has it, as in [word=\"{char}\"]", offset
        return (
            f"unexpected character {char!r}: to match it as a word, quote it: \"{char}\"",
            offset,
        )
    if isinstance(error, UnexpectedToken):
        got = "end of the pattern" if error.token.type == "$END" else f"`{error.token}`"
        return f"unexpected {got}: expected {_describe_expected(error.accepts or error.expected)}", offset
    if isinstance(error, UnexpectedEOF):
        return f"unexpected end of the pattern: expected {_describe_expected(error.expected)}", offset
    return "syntax error", offset


# Grammar rules that open one more level of nesting in the language (a group, a
# token constraint, a `!` or a parenthesis inside one).
_NESTING_RULES = frozenset({"group", "capture", "lookaround", "token_test", "not_expr"})


def _check_nesting(tree: lark.Tree, text: str, file: Optional[str]) -> None:
    """Reject patterns nested deeper than MAX_NESTING before the recursive reader sees them.

    Walks lark's tree with an explicit stack: lark itself parses any depth, but the
    reader, the checks and the compiler recurse, and 5000 `!` in a row must give an
    error, not a RecursionError. Counting on the tree (not on the characters) keeps
    brackets inside quoted words, regexes and comments out of the count.
    """
    stack: list[tuple[lark.Tree, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in _NESTING_RULES and not (node.data == "not_expr" and isinstance(node.children[0], lark.Tree)):
            depth += 1
            if depth > MAX_NESTING:
                raise PatternSyntaxError(
                    diagnostic_at(
                        f"pattern nested more than {MAX_NESTING} levels deep", text, _start(node, text), file=file
                    )
                )
        stack.extend((child, depth) for child in node.children if isinstance(child, lark.Tree))


def parse_pattern(
    text: str,
    *,
    vars: Optional[Mapping[str, VarValue]] = None,
    lexicons: Optional[Collection[str]] = None,
    file: Optional[str] = None,
) -> n.Node:
    """Parse pattern text into an AST, inserting ``${var}`` sub-patterns.

    ``lexicons``, when given, are the names that ``in`` may refer to.
    Raises ``PatternSyntaxError`` or ``PatternError`` (all problems at once).

    >>> n.unparse(parse_pattern("(?<who> [word=/[A-Z]\\\\w+/]) launched"))
    '(?<who> [word=/[A-Z]\\\\w+/] ) launched'
    """
    if not isinstance(text, str):
        raise PatternError(Diagnostic(f"a pattern must be text, not {type(text).__name__}", file=file))
    node = _read_fast(text, vars or {}, lexicons, file, frozenset()) if FAST_READER else None
    problems: list[Diagnostic] = []
    if node is None:  # the lark way: the reference, and every error message
        try:
            tree = _raw_parse(text)
        except UnexpectedInput as error:
            message, offset = _syntax_message(error, text)
            raise PatternSyntaxError(diagnostic_at(message, text, offset, file=file)) from None
        _check_nesting(tree, text, file)
        builder = _Builder(text, vars or {}, lexicons, file, frozenset())
        node = builder.pattern(tree.children[0])
        problems.extend(builder.problems)
    if not problems:
        problems.extend(check_pattern(node, text, file))
    if problems:
        raise PatternError(problems)
    return node


def check_pattern(node: n.Node, text: str, file: Optional[str] = None) -> list[Diagnostic]:
    """Semantic checks on a whole pattern: captures, empty matches."""
    problems: list[Diagnostic] = []
    _check_captures(node, text, file, problems)
    lo, hi = n.width(node)
    if hi == 0:
        problems.append(
            diagnostic_at(
                "this pattern can only match an empty sequence of tokens, which never makes a record",
                text,
                max(node.pos, 0),
                file=file,
            )
        )
    return problems


def _check_captures(node: n.Node, text: str, file: Optional[str], problems: list[Diagnostic]) -> frozenset[str]:
    """The capture names a node binds on one path; reports a name bound twice on one path."""
    if isinstance(node, n.Capture):
        inner = _check_captures(node.body, text, file, problems)
        if node.name in inner:
            problems.append(
                diagnostic_at(f"capture name '{node.name}' is used twice on one path", text, node.pos, file=file)
            )
        return inner | {node.name}
    if isinstance(node, n.Seq):
        seen: frozenset[str] = frozenset()
        for item in node.items:
            names = _check_captures(item, text, file, problems)
            for twice in sorted(seen & names):
                where = next((c.pos for c in n.walk(item) if isinstance(c, n.Capture) and c.name == twice), item.pos)
                problems.append(
                    diagnostic_at(f"capture name '{twice}' is used twice on one path", text, where, file=file)
                )
            seen |= names
        return seen
    if isinstance(node, n.Alt):
        result: frozenset[str] = frozenset()
        for option in node.options:
            result |= _check_captures(option, text, file, problems)
        return result
    if isinstance(node, n.Look):
        for inner in n.walk(node.body):
            if isinstance(inner, n.Capture):
                problems.append(
                    diagnostic_at(
                        "captures inside lookaround are not supported: lookaround only tests, it takes no tokens",
                        text,
                        inner.pos,
                        file=file,
                    )
                )
        return frozenset()
    if isinstance(node, n.Repeat):
        return _check_captures(node.body, text, file, problems)
    return frozenset()


def _did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Builder:
    """Reads a lark parse tree into nodes, collecting semantic problems as it goes."""

    def __init__(
        self,
        text: str,
        vars: Mapping[str, VarValue],
        lexicons: Optional[Collection[str]],
        file: Optional[str],
        active_vars: frozenset[str],
    ):
        self.text = text
        self.vars = vars
        self.lexicons = lexicons
        self.file = file
        self.active_vars = active_vars
        self.problems: list[Diagnostic] = []

    def problem(self, message: str, offset: int) -> None:
        self.problems.append(diagnostic_at(message, self.text, offset, file=self.file))

    # -- sequences ---------------------------------------------------------

    def pattern(self, tree: lark.Tree) -> n.Node:
        return self.alternation(tree)

    def alternation(self, tree: lark.Tree) -> n.Node:
        options = [self.sequence(c) for c in tree.children if isinstance(c, lark.Tree)]
        # n.alt flattens `( a | b ) | c` into one Alt, as n.seq does for sequences:
        # both spell the same pattern, and canonical trees print back to themselves.
        return n.alt(*options, pos=_start(tree, self.text))

    def sequence(self, tree: lark.Tree) -> n.Node:
        items = [self.quantified(c) for c in tree.children]
        node = n.seq(*items, pos=_start(tree, self.text))
        if isinstance(node, n.Seq) and node.pos < 0:
            node = n.Seq(node.items, pos=_start(tree, self.text))
        return node

    def quantified(self, tree: lark.Tree) -> n.Node:
        atom = self.atom(tree.children[0])
        if len(tree.children) == 1:
            return atom
        quant = tree.children[1]
        base, *lazy = quant.children
        pos = base.start_pos
        if isinstance(atom, n.Anchor) and base.type == "REPEAT" and base.start_pos == atom.pos + 1:
            # `${1}`, `${}`: a variable reference with a bad name, not `$` repeated.
            self.problem(_UNEXPECTED_CHARACTER_HINTS["$"], atom.pos)
            return atom
        if isinstance(atom, (n.Anchor, n.Look)):
            what = atom.kind if isinstance(atom, n.Anchor) else "a lookaround"
            self.problem(f"nothing to repeat: {what} matches a position, not a token", pos)
            return atom
        lo, hi = self.quantifier_bounds(base)
        if hi is not None and hi < lo:
            self.problem(f"repetition {{{lo},{hi}}}: the maximum is smaller than the minimum", pos)
            hi = lo
        return n.Repeat(atom, lo, hi, bool(lazy), pos=pos)

    def quantifier_bounds(self, token: lark.Token) -> tuple[int, Optional[int]]:
        if token.type == "QUESTION":
            return 0, 1
        if token.type == "STAR":
            return 0, None
        if token.type == "PLUS":
            return 1, None
        body = token.value[1:-1].replace(" ", "").replace("\t", "")
        if "," in body:
            lo_text, hi_text = body.split(",", 1)
        else:
            lo_text = hi_text = body
        if not lo_text and not hi_text:
            self.problem("empty repetition: write {n}, {n,}, {,m} or {n,m}", token.start_pos)
            return 0, None
        lo = int(lo_text) if lo_text else 0
        hi = int(hi_text) if hi_text else None
        for bound in (lo, hi):
            if bound is not None and bound > MAX_REPEAT:
                self.problem(
                    f"repetition count {bound} is too large (at most {MAX_REPEAT}); use + or * for unbounded",
                    token.start_pos,
                )
                return min(lo, MAX_REPEAT), None
        return lo, hi

    def atom(self, tree: lark.Tree) -> n.Node:
        handler: Callable[[lark.Tree], n.Node] = getattr(self, "atom_" + tree.data)
        return handler(tree)

    def atom_word(self, tree: lark.Tree) -> n.Node:
        token = tree.children[0]
        text = _unquote(token.value) if token.type == "STRING" else token.value
        if not text:
            self.problem('an empty quoted word "" can never match a token', token.start_pos)
        return n.Word(text, pos=token.start_pos)

    def atom_token_test(self, tree: lark.Tree) -> n.Node:
        pos = tree.children[0].start_pos
        constraint = next((c for c in tree.children if isinstance(c, lark.Tree)), None)
        if constraint is None:
            return n.TokenTest(None, pos=pos)
        return n.TokenTest(self.expr(constraint.children[0]), pos=pos)

    def atom_group(self, tree: lark.Tree) -> n.Node:
        return self.alternation(tree.children[1])

    def atom_capture(self, tree: lark.Tree) -> n.Node:
        opener = tree.children[0]
        name = opener.value[3:-1]
        return n.Capture(name, self.alternation(tree.children[1]), pos=opener.start_pos)

    def atom_lookaround(self, tree: lark.Tree) -> n.Node:
        opener = tree.children[0]
        behind = opener.type in ("LOOKBEHIND", "NEG_LOOKBEHIND")
        negate = opener.type in ("NEG_LOOKAHEAD", "NEG_LOOKBEHIND")
        return n.Look(self.alternation(tree.children[1]), behind, negate, pos=opener.start_pos)

    def atom_mention(self, tree: lark.Tree) -> n.Node:
        token = tree.children[0]
        return n.MentionRef(token.value[1:], pos=token.start_pos)

    def atom_anchor(self, tree: lark.Tree) -> n.Node:
        token = tree.children[0]
        return n.Anchor(token.value, pos=token.start_pos)

    def atom_variable(self, tree: lark.Tree) -> n.Node:
        token = tree.children[0]
        name = token.value[2:-1]
        pos = token.start_pos
        if name not in self.vars:
            self.problem(f"unknown variable '{name}'{_did_you_mean(name, self.vars)}", pos)
            return n.TokenTest(None, pos=pos)
        if name in self.active_vars:
            self.problem(f"variable '{name}' refers to itself", pos)
            return n.TokenTest(None, pos=pos)
        return self.expand_variable(name, self.vars[name], pos)

    def expand_variable(self, name: str, value: VarValue, pos: int) -> n.Node:
        if isinstance(value, (n.Word, n.TokenTest, n.MentionRef, n.Anchor, n.Look, n.Capture, n.Repeat, n.Seq, n.Alt)):
            return value
        texts = [value] if isinstance(value, str) else list(value)
        options: list[n.Node] = []
        for sub_text in texts:
            if not isinstance(sub_text, str):
                self.problem(f"variable '{name}' must be a pattern string or a list of them", pos)
                return n.TokenTest(None, pos=pos)
            try:
                options.append(self.parse_variable_text(name, sub_text))
            except (PatternSyntaxError, PatternError) as error:
                for d in error.diagnostics:
                    self.problem(f"in variable '{name}' ({sub_text!r}): {d.message}", pos)
                return n.TokenTest(None, pos=pos)
        if not options:
            self.problem(f"variable '{name}' is an empty list", pos)
            return n.TokenTest(None, pos=pos)
        return n.alt(*options)

    def parse_variable_text(self, name: str, sub_text: str) -> n.Node:
        active = self.active_vars | {name}
        fast = _read_fast(sub_text, self.vars, self.lexicons, None, active) if FAST_READER else None
        if fast is not None:
            return fast
        try:
            tree = _raw_parse(sub_text)
        except UnexpectedInput as error:
            message, offset = _syntax_message(error, sub_text)
            raise PatternSyntaxError(diagnostic_at(message, sub_text, offset)) from None
        _check_nesting(tree, sub_text, None)
        inner = _Builder(sub_text, self.vars, self.lexicons, None, active)
        node = inner.pattern(tree.children[0])
        if inner.problems:
            raise PatternError(inner.problems)
        return node  # equality ignores positions; its errors are reported at the ${…} reference

    # -- token constraints -------------------------------------------------

    def expr(self, tree: lark.Tree) -> n.Expr:
        kind = tree.data
        if kind == "or_expr":
            operands = [self.expr(c) for c in tree.children if isinstance(c, lark.Tree)]
            return operands[0] if len(operands) == 1 else n.Or(tuple(operands), pos=_start(tree, self.text))
        if kind == "and_expr":
            operands = [self.expr(c) for c in tree.children if isinstance(c, lark.Tree)]
            return operands[0] if len(operands) == 1 else n.And(tuple(operands), pos=_start(tree, self.text))
        if kind == "not_expr":
            first = tree.children[0]
            if isinstance(first, lark.Token) and first.type == "BANG":
                return n.Not(self.expr(tree.children[1]), pos=first.start_pos)
            if isinstance(first, lark.Token) and first.type == "LPAR":
                return self.expr(tree.children[1])
            return self.expr(first)
        if kind == "comparison":
            field, op, value_tree = tree.children
            value_token = value_tree.children[0]
            return self.comparison(field, op.value, value_token)
        if kind == "membership":
            field, _in, lexicon = tree.children
            if self.lexicons is not None and lexicon.value not in self.lexicons:
                self.problem(
                    f"unknown lexicon '{lexicon.value}'{_did_you_mean(lexicon.value, self.lexicons)}",
                    lexicon.start_pos,
                )
            return n.InLexicon(field.value, lexicon.value, pos=field.start_pos)
        raise AssertionError(f"grammar rule without a reader: {kind}")

    def comparison(self, field: lark.Token, op: str, token: lark.Token) -> n.Expr:
        value: n.Value
        if token.type == "REGEX":
            body, _, flags = token.value[1:].rpartition("/")
            source = n.unescape_regex_slashes(body)
            bad_flags = sorted(set(flags) - {"i"})
            if bad_flags:
                self.problem(f"unknown regex flag '{bad_flags[0]}': the only flag is i (ignore case)", token.start_pos)
                flags = "i" if "i" in flags else ""
            if not is_word_list(source, flags):  # /said|told/ is always a valid regex, and never a hazard
                self.check_regex(source, flags, token)
            if op not in ("=", "!="):
                self.problem(f"a regex can only be compared with = or !=, not {op}", token.start_pos)
            value = n.Regex(source, "i" if "i" in flags else "")
        else:
            text = _unquote(token.value) if token.type == "STRING" else token.value
            value = n.Literal(text)
            if op not in ("=", "!=") or field.value == "num":
                if _number(text) is None:
                    self.problem(
                        f"{field.value}{op} compares numbers, and {text!r} is not a number", token.start_pos
                    )
        return n.Compare(field.value, op, value, pos=field.start_pos)

    def check_regex(self, source: str, flags: str, token: lark.Token) -> None:
        """Report a regex ``re`` refuses, or one that could backtrack catastrophically."""
        try:
            compiled_regex(source, bool(flags))
        except re.error as error:
            where = token.start_pos + 1 + (error.pos or 0)
            self.problem(f"invalid regex: {error.msg}", where)
        except RecursionError:  # Python's regex parser recurses once per group
            self.problem("invalid regex: groups nested too deeply", token.start_pos)
        except OverflowError as error:  # a{1,4294967296}: not an re.error
            self.problem(f"invalid regex: {error}", token.start_pos)
        else:
            hazard = regex_hazard(source, bool(flags))
            if hazard is not None:
                self.problem(regex_hazard_message(source, hazard), token.start_pos)


def _number(text: str) -> Optional[float]:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1], flags=re.S)


def _start(tree: lark.Tree, text: str) -> int:
    """Where a subtree begins: its first token's offset (the end of the text when it has none).

    Read from the tokens rather than from lark's propagated positions, which would
    double the cost of every parse (rule sets of thousands of patterns feel it).
    """
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, lark.Token):
            return item.start_pos if item.start_pos is not None else len(text)
        if isinstance(item, lark.Tree):
            stack.extend(reversed(item.children))
    return len(text)
