"""The fast pattern reader (parser._FastReader) against lark, on many generated patterns.

The fast reader must build exactly lark's tree (rules, token types, values and offsets)
whenever it reads a pattern, and leave every other text to lark; parse_pattern must then
give the same nodes (positions included) or the same errors either way.
"""

from __future__ import annotations

import random
from pathlib import Path

import attrs
import pytest
import yaml
from lark.exceptions import UnexpectedInput

from ruleie.errors import PatternError, PatternSyntaxError
from ruleie.language import parser as P
from ruleie.language.parser import SYNTAX_ERRORS, parse_pattern

ROOT = Path(__file__).resolve().parent.parent


def node_shape(node: object) -> object:
    """A node with every attribute, positions included (equality ignores them)."""
    if attrs.has(type(node)):
        return (type(node).__name__, tuple((a.name, node_shape(getattr(node, a.name))) for a in attrs.fields(type(node))))
    if isinstance(node, (tuple, list)):
        return tuple(node_shape(x) for x in node)
    return node


def outcome(text: str, fast: bool, **kwargs: object) -> object:
    old = P.FAST_READER
    P.FAST_READER = fast
    try:
        return ("ok", node_shape(parse_pattern(text, **kwargs)))  # type: ignore[arg-type]
    except (PatternError, PatternSyntaxError) as error:
        return (type(error).__name__, [(d.message, d.line, d.column, d.offset, d.severity) for d in error.diagnostics])
    finally:
        P.FAST_READER = old


VARIABLES = {"verbs": "said | told", "a.b": ["x y", "[lower=z]"], "v": "( a"}
LEXICON_NAMES = {"weapons", "cities.big", "x"}


def lark_way(text: str, variables: dict, lexicons: object) -> object:  # type: ignore[type-arg]
    """The node parse_pattern builds from lark's tree, or None on a syntax error or any problem."""
    try:
        tree = P._raw_parse(text)
        P._check_nesting(tree, text, None)
    except (UnexpectedInput, PatternSyntaxError):
        return None
    builder = P._Builder(text, variables, lexicons, None, frozenset())  # type: ignore[arg-type]
    node = builder.pattern(tree.children[0])
    return None if builder.problems else node


def check_text(text: str, variables: object = None, lexicons: object = None) -> bool:
    """The fast reader reads exactly the texts the lark way reads without a problem, into the
    same nodes (positions included); True when it read this one."""
    variables = VARIABLES if variables is None else variables
    fast = P._read_fast(text, variables, lexicons, None, frozenset())  # type: ignore[arg-type]
    slow = lark_way(text, variables, lexicons)  # type: ignore[arg-type]
    assert (fast is None) == (slow is None), (text, fast, slow)
    if fast is not None:
        assert node_shape(fast) == node_shape(slow), text
    return fast is not None


# -- generators ------------------------------------------------------------

SEPARATORS = [" ", " ", " ", "  ", "", "\t", "\n", " # note\n", "\u00a0", "\u2003", "#x\n  "]
WORDS = ["said", "U.S.", "don't", "23", "well-known", "a", "in", "x1", "é", "Kyiv", "_", "e.g.", "naïve", "ab’c"]
STRINGS = ['"x"', '"U.S. Army"', '""', '"a\\"b"', '"#"', '"a b"', '"\\\\"']
VALUES = ["x", "-3", "PRP$", "U.S.", "1,000", "in", "a-b", "é", "0.5", "NN"]
REGEXES = ["/x/", "/[A-Z]\\w+/", "/a|b/i", "/a\\/b/", "/#/", "/(a)/", "/x+/", "//", "/a b/"]
FIELDS = ["lower", "lemma", "word", "num", "shape", "tag", "in", "_f", "x9"]
LEXICONS = ["weapons", "cities.big", "a-b", "in", "x"]
OPS = ["=", "!=", "<", "<=", ">", ">="]


def sep(rng: random.Random) -> str:
    return rng.choice(SEPARATORS)


def gen_expr(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth > 0 and roll < 0.15:
        return "!" + sep(rng) + gen_expr(rng, depth - 1)
    if depth > 0 and roll < 0.25:
        return "(" + sep(rng) + gen_expr(rng, depth - 1) + sep(rng) + ")"
    if depth > 0 and roll < 0.45:
        joiner = rng.choice(["&", "|"])
        parts = [gen_expr(rng, depth - 1) for _ in range(rng.randint(2, 3))]
        return (sep(rng) + joiner + sep(rng)).join(parts)
    field = rng.choice(FIELDS)
    if rng.random() < 0.2:
        return field + rng.choice([" ", "  ", "\n"]) + "in" + rng.choice([" ", "", "\t"]) + rng.choice(LEXICONS)
    value = rng.choice(VALUES + STRINGS + REGEXES)
    return field + sep(rng) + rng.choice(OPS) + sep(rng) + value


def gen_atom(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth > 0 and roll < 0.2:
        opener = rng.choice(["(", "(?<who>", "(?<_x1>", "(?=", "(?!", "(?<=", "(?<!"])
        return opener + sep(rng) + gen_alt(rng, depth - 1) + sep(rng) + ")"
    if roll < 0.45:
        return "[" + sep(rng) + ("" if rng.random() < 0.15 else gen_expr(rng, 2)) + sep(rng) + "]"
    if roll < 0.55:
        return rng.choice(STRINGS)
    if roll < 0.6:
        return rng.choice(["@Person", "@Org.x", "@_a-b"])
    if roll < 0.65:
        return rng.choice(["^", "$", "${verbs}", "${a.b}"])
    return rng.choice(WORDS)


def gen_quantified(rng: random.Random, depth: int) -> str:
    atom = gen_atom(rng, depth)
    if rng.random() < 0.3:
        q = rng.choice(["?", "*", "+", "{2}", "{1,3}", "{,2}", "{2,}", "{ 1 , 2 }", "{}", "{3,1}"])
        if rng.random() < 0.3:
            q += sep(rng) + "?"
        return atom + rng.choice(["", "", " "]) + q
    return atom


def gen_alt(rng: random.Random, depth: int) -> str:
    options = []
    for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
        items = [gen_quantified(rng, depth) for _ in range(rng.randint(0 if rng.random() < 0.05 else 1, 4))]
        options.append(sep(rng).join(items) if items else "")
    return (sep(rng) + "|" + sep(rng)).join(options)


FRAGMENTS = (
    WORDS + STRINGS + VALUES + REGEXES + OPS
    + ["[", "]", "(", ")", "(?<n>", "(?=", "(?!", "(?<=", "(?<!", "(?", "(?<", "|", "&", "!", "?", "*", "+",
       "{2}", "{", "}", "^", "$", "${v}", "${", "@P", "@", "#c\n", "#", '"', "/", "in", "=", "%", ",", "'", "\\", ".", "-"]
)


def gen_soup(rng: random.Random) -> str:
    return "".join(rng.choice(FRAGMENTS) + rng.choice(["", "", " "]) for _ in range(rng.randint(0, 8)))


def mutate(rng: random.Random, text: str) -> str:
    if not text:
        return rng.choice(FRAGMENTS)
    i = rng.randrange(len(text) + 1)
    kind = rng.random()
    if kind < 0.33:
        return text[:i] + text[i + 1 :]
    if kind < 0.66:
        return text[:i] + rng.choice(FRAGMENTS) + text[i:]
    return text[:i] + rng.choice(" ]|)(&!?") + text[i + 1 :]


# -- tests -----------------------------------------------------------------


def fast(text: str) -> object:
    return P._read_fast(text, {}, None, None, frozenset())


def test_the_fast_reader_is_on_for_the_shipped_grammar():
    """Fails when the grammar changes: re-check the reader against it and update its hash."""
    assert P._fast_reader_ready() is not None
    assert fast("[lower=x] (?<a> b | c )+?") is not None


def test_the_fast_reader_uses_the_grammars_own_terminals():
    compiled = {t.name: t.pattern.to_regexp() for t in P._lark().terminals if not t.pattern.flags}
    for name, regex in P._FAST_TERMINALS.items():
        assert compiled[name] == regex, name


@pytest.mark.parametrize("seed", range(4))
def test_generated_patterns_read_as_lark_reads_them(seed):
    rng = random.Random(seed)
    read = 0
    total = 1500
    for _ in range(total):
        read += check_text(gen_alt(rng, 3), lexicons=LEXICON_NAMES if seed % 2 else None)
    assert read > total * 0.2  # many generated patterns are valid: the fast path takes them


@pytest.mark.parametrize("seed", range(4))
def test_token_soup_and_mutations_read_as_lark_reads_them(seed):
    rng = random.Random(1000 + seed)
    for _ in range(1500):
        check_text(gen_soup(rng))
        check_text(mutate(rng, gen_alt(rng, 2)), lexicons=LEXICON_NAMES)


def test_error_examples_and_deep_nesting_are_left_to_lark():
    for examples in SYNTAX_ERRORS.values():
        for example in examples:
            assert fast(example) is None, example
    deep = "(" * (P.MAX_NESTING + 1) + "a" + ")" * (P.MAX_NESTING + 1)
    assert fast(deep) is None
    assert outcome(deep, True) == outcome(deep, False)
    assert outcome(deep, True)[0] == "PatternSyntaxError"
    assert check_text("(" * P.MAX_NESTING + "a" + ")" * P.MAX_NESTING)
    assert not check_text("(" * (P.MAX_NESTING + 1) + "a" + ")" * (P.MAX_NESTING + 1))
    assert fast("[" + "!" * (P.MAX_NESTING + 5) + "a=b]") is None


@pytest.mark.parametrize("seed", range(3))
def test_parse_pattern_gives_the_same_nodes_and_errors_either_way(seed):
    rng = random.Random(2000 + seed)
    for _ in range(700):
        text = gen_alt(rng, 3) if rng.random() < 0.6 else mutate(rng, gen_alt(rng, 2))
        kwargs = {"vars": VARIABLES, "lexicons": LEXICON_NAMES, "file": "r.yaml"}
        assert outcome(text, True, **kwargs) == outcome(text, False, **kwargs), text


def _shipped_patterns() -> list[str]:
    texts: list[str] = []

    def visit(value: object, key: object = None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                visit(v, k)
        elif isinstance(value, list):
            for v in value:
                visit(v, key)
        elif isinstance(value, str) and key in ("pattern", "vars") or isinstance(value, str) and key is not None and len(value) < 300:
            texts.append(value)

    for path in sorted((ROOT / "rules").glob("**/*.yaml")):
        try:
            visit(yaml.safe_load(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue
    return texts


def test_shipped_rule_texts_read_as_lark_reads_them():
    texts = _shipped_patterns()
    assert texts
    for text in texts:
        check_text(text)


@pytest.mark.parametrize("field", FIELDS + ["", "1a", "a-b"])
def test_one_comparison_constraints_in_every_spelling(field):
    """The reader takes `[field=value]` without blanks in one match: every neighbour checked."""
    rng = random.Random(3000)
    values = VALUES + STRINGS + REGEXES + ["x]", "a'", "-", "-x", "x$", "/x/i]", '"a]"', "1.5.", "/", '"']
    tails = ["]", "] ", "]]", " ]", "&x=y]", " | y=z]", "#c\n]", "]*", "]{2}", "", "]a", "] (", ")]", "x]"]
    for op in OPS + ["", "==", "=<", "!", "in "]:
        for value in values:
            for tail in rng.sample(tails, 4):
                check_text("[" + field + op + value + tail, lexicons=LEXICON_NAMES)
                check_text("a [" + field + op + value + tail + " b", lexicons=LEXICON_NAMES)


def test_word_list_regexes_are_valid_and_never_hazards():
    """The parser and the compiler check neither for a list of words (predicates.is_word_list)."""
    import re

    from ruleie.language.predicates import is_word_list
    from ruleie.language.regex_guard import regex_hazard

    rng = random.Random(4000)
    pieces = ["a", "b", "ab", "said", "s", "-", "'", "’", " ", "\\.", "1", "_", "é", "x-y", "aa", "a a", "Z"]
    for _ in range(3000):
        words = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.3:
            words += [w + rng.choice(pieces) for w in words]  # shared prefixes, which re factors out
        source = "|".join(words)
        assert is_word_list(source)
        re.compile(source)
        assert regex_hazard(source, False) is None, source
    assert not is_word_list("said|told", "i") and not is_word_list("a+") and not is_word_list("a||b")
