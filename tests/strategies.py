"""Hypothesis strategies for the pattern language: ASTs, token sequences and texts.

Two families of pattern ASTs:

* ``small_patterns``: over a small alphabet of token constraints (``SMALL_ATOMS``)
  whose meaning on the one-letter tokens of ``LETTERS`` is known exactly, so a
  pattern can be translated to a Python regex over a one-character-per-token
  encoding (see ``to_regex``) or checked by a brute-force matcher;
* ``any_patterns``: the whole language (quoted words, every kind of constraint
  expression, regexes with flags, lexicons, numbers, mentions, lookaround, lazy
  and ranged quantifiers) for the ``parse(unparse(ast)) == ast`` property.

Every AST is built with the canonical constructors ``nodes.seq`` / ``nodes.alt``,
the only shapes the parser produces.
"""

from __future__ import annotations

from typing import Callable, Optional

import attrs
from hypothesis import strategies as st

from ruleie.language import nodes as n

# ---------------------------------------------------------------------------
# The small alphabet: one-letter tokens and constraints with a known meaning

# Token texts of the differential tests. "A" makes case folding matter.
LETTERS = ("a", "b", "c", "A")

# Lexicons the small atoms refer to. "L" is compared with `lower` (case-folded: "B"
# matches the token b); "W" with `word` (exact).
SMALL_LEXICONS = {"L": ["B", "c"], "W": ["A", "b"]}


def _cmp(field: str, value: n.Value, op: str = "=") -> n.Compare:
    return n.Compare(field, op, value)


# Each small atom with the letters (of LETTERS) whose token it matches.
SMALL_ATOMS: tuple[tuple[n.Node, frozenset[str]], ...] = (
    (n.Word("a"), frozenset("aA")),
    (n.Word("b"), frozenset("b")),
    (n.Word("C"), frozenset("c")),  # a word is lower-cased before it is compared
    (n.TokenTest(), frozenset(LETTERS)),
    (n.TokenTest(_cmp("lower", n.Regex("a|b"))), frozenset("aAb")),
    (n.TokenTest(n.Not(_cmp("lower", n.Literal("c")))), frozenset("aAb")),
    (n.TokenTest(_cmp("word", n.Literal("A"))), frozenset("A")),
    (n.TokenTest(_cmp("word", n.Regex("a", "i"))), frozenset("aA")),
    (n.TokenTest(n.InLexicon("lower", "L")), frozenset("bc")),
    (n.TokenTest(n.InLexicon("word", "W")), frozenset("Ab")),
    (n.TokenTest(n.And((_cmp("word", n.Regex("[ab]")), n.Not(_cmp("word", n.Literal("b")))))), frozenset("a")),
    (n.TokenTest(n.Or((_cmp("lower", n.Literal("c")), _cmp("word", n.Literal("A"))))), frozenset("cA")),
    (n.TokenTest(_cmp("lower", n.Literal("z"))), frozenset()),  # matches nothing here
)
SMALL_ATOM_LETTERS: dict[n.Node, frozenset[str]] = dict(SMALL_ATOMS)

# Mention types of the mention tests and their taxonomy (child → parent).
MENTION_TYPES = ("Person", "Org", "Actor", "Place")
REF_TYPES = ("Actor", "Person", "Org", "Place", "Thing")
TAXONOMY = {"Person": "Actor", "Org": "Actor", "Actor": None, "Place": None}


def is_a(mention_type: str, wanted: str) -> bool:
    """The taxonomy of TAXONOMY, walked by hand (the reference for ``@Type``)."""
    t: Optional[str] = mention_type
    while t is not None:
        if t == wanted:
            return True
        t = TAXONOMY.get(t)
    return False


def small_atoms(*, mentions: bool = False) -> st.SearchStrategy[n.Node]:
    atoms = st.sampled_from([a for a, _ in SMALL_ATOMS])
    if mentions:
        atoms = st.one_of(atoms, st.sampled_from(REF_TYPES).map(n.MentionRef))
    return atoms


def _repeat(body: n.Node, bounds: tuple[int, Optional[int]], lazy: bool) -> n.Node:
    lo, hi = bounds
    return n.Repeat(body, lo, hi, lazy)


QUANTIFIER_BOUNDS = st.sampled_from(
    [(0, 1), (0, None), (1, None), (0, 1), (0, None), (1, None), (2, None), (2, 2), (0, 2), (1, 3), (0, 0), (3, 3)]
)


def small_patterns(
    *,
    mentions: bool = False,
    anchors: bool = True,
    looks: bool = True,
    captures: bool = True,
    max_leaves: int = 8,
) -> st.SearchStrategy[n.Node]:
    """Random pattern ASTs over the small atoms (captures named later by ``name_captures``)."""
    leaves = small_atoms(mentions=mentions)
    if anchors:
        leaves = st.one_of(leaves, leaves, leaves, st.sampled_from([n.Anchor("^"), n.Anchor("$")]))

    def extend(children: st.SearchStrategy[n.Node]) -> st.SearchStrategy[n.Node]:
        options = [
            st.lists(children, min_size=2, max_size=4).map(lambda items: n.seq(*items)),
            st.lists(children, min_size=2, max_size=3).map(lambda options: n.alt(*options)),
            st.builds(
                _repeat,
                children.filter(lambda c: not isinstance(c, (n.Look, n.Anchor))),
                QUANTIFIER_BOUNDS,
                st.booleans(),
            ),
        ]
        if captures:
            options.append(children.map(lambda body: n.Capture("_", body)))
        if looks:
            options.append(st.builds(n.Look, children, st.booleans(), st.booleans()))
        return st.one_of(*options)

    return st.recursive(leaves, extend, max_leaves=max_leaves).map(name_captures)


_ANY_TOKEN = n.TokenTest()


def _positional(node: n.Node) -> bool:
    return isinstance(node, (n.Look, n.Anchor))


def _nullable_bodies(children: st.SearchStrategy[n.Node]) -> st.SearchStrategy[n.Node]:
    """Bodies that can match no tokens: what makes a repetition follow ``re``'s rule on empty
    iterations (the matcher's RSPLIT/LOOP/NEXT and its own closure for them). A sequence of
    one to three parts that each can match nothing (optional parts, other such repetitions,
    anchors, lookaround), some captured. (Built with ``map``, not ``filter``: a rejected draw
    makes Hypothesis print these nested strategies, which is slow.)"""
    positions = st.one_of(
        st.sampled_from([n.Anchor("^"), n.Anchor("$")]), st.builds(n.Look, children, st.booleans(), st.booleans())
    )
    nullable = st.one_of(
        children.map(lambda c: n.Repeat(c, 0, 1) if not _positional(c) else c),
        children.map(lambda c: n.Repeat(c, 0, None) if not _positional(c) else c),
        children.map(lambda c: n.alt(c, n.EMPTY)),
        children.map(lambda c: n.alt(n.EMPTY, c)),
    )
    item = st.one_of(nullable, nullable.map(lambda c: c if _positional(c) else n.Capture("_", c)), positions)

    def body(items: list[n.Node]) -> n.Node:
        node = n.seq(*items)
        if _positional(node) or n.width(node)[1] == 0:  # a repetition needs something that takes a token
            node = n.seq(*items, n.Repeat(_ANY_TOKEN, 0, 1))
        return node

    return st.lists(item, min_size=1, max_size=3).map(body)


def _loops(children: st.SearchStrategy[n.Node]) -> st.SearchStrategy[n.Node]:
    """Repetitions of nullable bodies, the body often captured as a whole."""
    body = _nullable_bodies(children)
    return st.builds(
        _repeat,
        st.one_of(body, body.map(lambda b: n.Capture("_", b))),
        st.sampled_from([(0, None), (1, None), (2, None), (0, 2), (1, 3), (2, 4), (0, 1)]),
        st.booleans(),
    )


def empty_loop_patterns(max_leaves: int = 3) -> st.SearchStrategy[n.Node]:
    """Sequences around a repetition whose body can match no tokens, one or two such
    repetitions deep, with anchors, lookaround and captures inside and around."""
    parts = small_patterns(max_leaves=max_leaves, looks=False, anchors=False, captures=False)
    atoms = small_atoms()
    inner = _loops(st.one_of(parts, atoms))
    nested = _loops(st.one_of(inner, st.builds(lambda a, b: n.seq(a, b), inner, atoms), atoms))
    others = st.one_of(small_patterns(max_leaves=max_leaves), st.sampled_from([n.Anchor("^"), n.Anchor("$")]))

    def fixed_width(node: n.Node) -> n.Node:  # Python's re takes only fixed-width lookbehind
        if isinstance(node, n.Look) and node.behind and len(set(n.width(node.body))) > 1:
            return attrs.evolve(node, behind=False)
        return node

    def pattern(before: list[n.Node], loop: n.Node, after: list[n.Node]) -> n.Node:
        node = _map(n.seq(*before, loop, *after), fixed_width)
        if not matches_something(node):
            node = n.seq(node, _ANY_TOKEN)
        return name_captures(node)

    return st.builds(pattern, st.lists(others, max_size=2), st.one_of(inner, nested), st.lists(others, max_size=2))


def _map(node: n.Node, f: Callable[[n.Node], n.Node]) -> n.Node:
    """Rebuild a tree bottom-up through f (keeping canonical seq/alt shapes)."""
    if isinstance(node, n.Seq):
        return f(n.seq(*(_map(i, f) for i in node.items)) if node.items else node)
    if isinstance(node, n.Alt):
        return f(n.alt(*(_map(o, f) for o in node.options)))
    if isinstance(node, (n.Repeat, n.Capture, n.Look)):
        body = _map(node.body, f)
        if isinstance(node, n.Repeat) and isinstance(body, (n.Look, n.Anchor)):
            return body  # a capture taken away left a position repeated, which the parser refuses
        return f(attrs.evolve(node, body=body))
    return f(node)


def strip_captures(node: n.Node) -> n.Node:
    """The node with every capture replaced by its body."""
    return _map(node, lambda c: c.body if isinstance(c, n.Capture) else c)


def name_captures(node: n.Node) -> n.Node:
    """Captures named g1, g2 … in order of their opening; none inside lookaround (the language forbids it)."""
    node = _map(node, lambda c: attrs.evolve(c, body=strip_captures(c.body)) if isinstance(c, n.Look) else c)
    counter = iter(range(1, 10_000))

    def assign(node: n.Node) -> n.Node:
        if isinstance(node, n.Capture):
            return n.Capture(f"g{next(counter)}", assign(node.body))
        if isinstance(node, n.Seq):
            return n.Seq(tuple(assign(i) for i in node.items)) if node.items else node
        if isinstance(node, n.Alt):
            return n.Alt(tuple(assign(o) for o in node.options))
        if isinstance(node, (n.Repeat, n.Look)):
            return attrs.evolve(node, body=assign(node.body))
        return node

    return assign(node)


def matches_something(node: n.Node) -> bool:
    """False for patterns the parser rejects because they can only match no tokens."""
    return n.width(node)[1] != 0


# ---------------------------------------------------------------------------
# Translation to a Python regex over the one-character-per-token encoding


def _char_class(letters: frozenset[str]) -> str:
    if not letters:
        return r"[^\s\S]"  # nothing, but one character wide (as in a lookbehind)
    if letters == frozenset(LETTERS):
        return "."
    return "[" + "".join(sorted(letters)) + "]"


def _quantifier(node: n.Repeat) -> str:
    lo, hi = node.min, node.max
    q = {(0, 1): "?", (0, None): "*", (1, None): "+"}.get((lo, hi))
    if q is None:
        q = f"{{{lo},}}" if hi is None else f"{{{lo},{hi}}}"
    return q + ("?" if node.lazy else "")


def to_regex(node: n.Node) -> str:
    """The Python regex that means ``node`` on text encoded one character per token."""
    if isinstance(node, (n.Word, n.TokenTest)):
        return _char_class(SMALL_ATOM_LETTERS[node])
    if isinstance(node, n.Anchor):
        return r"\A" if node.kind == "^" else r"\Z"
    if isinstance(node, n.Look):
        opener = "(?" + ("<" if node.behind else "") + ("!" if node.negate else "=")
        return opener + to_regex(node.body) + ")"
    if isinstance(node, n.Capture):
        return f"(?P<{node.name}>{to_regex(node.body)})"
    if isinstance(node, n.Repeat):
        return f"(?:{to_regex(node.body)})" + _quantifier(node)
    if isinstance(node, n.Seq):
        return "".join(f"(?:{to_regex(i)})" if isinstance(i, n.Alt) else to_regex(i) for i in node.items)
    if isinstance(node, n.Alt):
        return "|".join(to_regex(o) for o in node.options)
    raise TypeError(f"no regex for {node!r}")


def fits_python_re(node: n.Node) -> bool:
    """Python's re has only fixed-width lookbehind (and no mentions)."""
    for inner in n.walk(node):
        if isinstance(inner, n.MentionRef):
            return False
        if isinstance(inner, n.Look) and inner.behind:
            lo, hi = n.width(inner.body)
            if lo != hi:
                return False
    return True


def variable_lookbehind_patterns() -> st.SearchStrategy[n.Node]:
    """Patterns with a lookbehind of variable width (which Python's re cannot compile)."""
    body = st.builds(
        lambda p, atom, bounds: n.seq(p, n.Repeat(atom, *bounds)),
        small_patterns(captures=False, max_leaves=4),
        small_atoms(),
        st.sampled_from([(0, 1), (1, None), (0, None), (0, 2)]),
    )
    look = st.builds(n.Look, body, st.just(True), st.booleans())
    parts = st.lists(st.one_of(look, small_patterns(max_leaves=4)), min_size=1, max_size=3)
    return st.tuples(look, parts, st.integers(0, 3)).map(
        lambda t: name_captures(n.seq(*t[1][: t[2]], t[0], *t[1][t[2] :]))
    ).filter(matches_something)


def has_variable_lookbehind(node: n.Node) -> bool:
    return any(isinstance(i, n.Look) and i.behind and len(set(n.width(i.body))) > 1 for i in n.walk(node))


# ---------------------------------------------------------------------------
# Token sequences and texts


def letter_tokens(min_size: int = 0, max_size: int = 8) -> st.SearchStrategy[list[str]]:
    """One-letter tokens; joined with spaces the tokenizer gives one token per letter."""
    return st.lists(st.sampled_from(LETTERS), min_size=min_size, max_size=max_size)


@st.composite
def mentions_for(draw: st.DrawFn, n_tokens: int, max_mentions: int = 4) -> list[tuple[str, int, int]]:
    """Random (type, start, end) mention spans over n_tokens tokens (overlaps allowed).

    Often a mention starts where an earlier one does: ``@Type`` must then prefer the
    longest reading, which only mentions of different lengths from one token show.
    """
    if n_tokens == 0:
        return []
    spans: list[tuple[str, int, int]] = []
    for _ in range(draw(st.integers(0, max_mentions))):
        if spans and draw(st.booleans()):
            start = draw(st.sampled_from([b for _, b, _ in spans]))
        else:
            start = draw(st.integers(0, n_tokens - 1))
        end = draw(st.integers(start + 1, min(n_tokens, start + 3)))
        spans.append((draw(st.sampled_from(MENTION_TYPES)), start, end))
    return spans


@st.composite
def letters_with_mentions(
    draw: st.DrawFn, min_size: int = 0, max_size: int = 8, max_mentions: int = 4
) -> tuple[list[str], list[tuple[str, int, int]]]:
    """One-letter tokens and mentions over them (a pair, so that ``@example`` can pin both)."""
    letters = draw(letter_tokens(min_size, max_size))
    return letters, draw(mentions_for(len(letters), max_mentions))


# Words of a random text: ASCII, accented and non-Latin letters, digits, numbers with
# separators, punctuation, emoji, a combining accent; joined by one or more spaces.
TEXT_WORDS = st.one_of(
    st.sampled_from(
        ["Kyiv", "Zürich", "Ελλάδα", "Москва", "東京", "naïve", "cafe\u0301", "1,000", "2.5", "23", "U.S.",
         "don't", "Putin’s", "—", "!", "(", ")", ",", ".", "?", "😀", "a", "b", "well-known", "O'Brien"]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=6),
)


def texts(max_words: int = 12) -> st.SearchStrategy[str]:
    """Random texts, non-ASCII included, one or more sentences."""
    separators = st.sampled_from([" ", " ", " ", "  ", "\n", " \u00a0"])
    return st.lists(st.tuples(TEXT_WORDS, separators), max_size=max_words).map(
        lambda parts: "".join(w + s for w, s in parts).strip()
    )


# ---------------------------------------------------------------------------
# The whole language, for parse(unparse(ast)) == ast

FIELDS = ("word", "lower", "lemma", "shape", "tag", "entity", "x_1")
LEXICON_NAMES = ("weapons", "verbs.past", "x-y", "L")
TYPE_NAMES = ("Person", "Actor", "Org.Gov", "_T-1")
CAPTURE_NAMES = ("who", "n", "g1", "_x", "Weapon")

REGEX_SOURCES = st.sampled_from(
    ["a|b", r"[A-Z]\w+", "x/y", r"a\/b", r"\d+(?:,\d{3})*", ".*", "(?:ab)+", r"\\", r"\\/", "é|ü", "[^/]+", ""]
)
# Any characters but a line break: a quoted value cannot span lines.
ONE_LINE_TEXT = st.text(alphabet=st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=8)
NUMBERS = st.one_of(
    st.integers(-1000, 100_000).map(str),
    st.sampled_from(["2.5", "1,000", "0", "-3", "1e3", "007"]),
)


def literals() -> st.SearchStrategy[n.Literal]:
    return st.one_of(st.sampled_from(["launch", "U.S.", "PRP$", "in", "-x", "a b", '"', "\\"]), ONE_LINE_TEXT).map(
        n.Literal
    )


def regexes() -> st.SearchStrategy[n.Regex]:
    return st.builds(n.Regex, REGEX_SOURCES, st.sampled_from(["", "i"]))


def comparisons() -> st.SearchStrategy[n.Expr]:
    textual = st.builds(
        n.Compare, st.sampled_from(FIELDS), st.sampled_from(["=", "!="]), st.one_of(literals(), regexes())
    )
    numeric = st.builds(
        n.Compare,
        st.sampled_from(["num", "num", "lower"]),
        st.sampled_from(n.COMPARISON_OPS),
        NUMBERS.map(n.Literal),
    ).filter(lambda c: c.field == "num" or c.op not in ("=", "!="))
    membership = st.builds(n.InLexicon, st.sampled_from(FIELDS), st.sampled_from(LEXICON_NAMES))
    return st.one_of(textual, numeric, membership)


def expressions() -> st.SearchStrategy[n.Expr]:
    return st.recursive(
        comparisons(),
        lambda children: st.one_of(
            children.map(n.Not),
            st.lists(children, min_size=2, max_size=3).map(lambda ops: n.And(tuple(ops))),
            st.lists(children, min_size=2, max_size=3).map(lambda ops: n.Or(tuple(ops))),
        ),
        max_leaves=6,
    )


def any_atoms() -> st.SearchStrategy[n.Node]:
    words = st.one_of(
        st.sampled_from(["launched", "U.S.", "don't", "23", "well-known", "in", "Kyiv", "_"]),
        ONE_LINE_TEXT.filter(bool),
    ).map(n.Word)
    return st.one_of(
        words,
        st.builds(n.TokenTest, st.none() | expressions()),
        st.sampled_from(TYPE_NAMES).map(n.MentionRef),
        st.sampled_from([n.Anchor("^"), n.Anchor("$")]),
    )


ANY_BOUNDS = st.one_of(
    QUANTIFIER_BOUNDS,
    st.tuples(st.integers(0, 5), st.none() | st.integers(0, 5)).filter(lambda b: b[1] is None or b[0] <= b[1]),
)


def any_patterns(max_leaves: int = 10) -> st.SearchStrategy[n.Node]:
    """Random ASTs of the whole language that the parser accepts."""

    def extend(children: st.SearchStrategy[n.Node]) -> st.SearchStrategy[n.Node]:
        return st.one_of(
            st.lists(children, min_size=0, max_size=4).map(lambda items: n.seq(*items)),
            st.lists(children, min_size=2, max_size=3).map(lambda options: n.alt(*options)),
            st.builds(
                _repeat,
                children.filter(lambda c: not isinstance(c, (n.Look, n.Anchor))),
                ANY_BOUNDS,
                st.booleans(),
            ),
            st.builds(n.Capture, st.sampled_from(CAPTURE_NAMES), children),
            st.builds(n.Look, children, st.booleans(), st.booleans()),
        )

    return (
        st.recursive(any_atoms(), extend, max_leaves=max_leaves)
        .map(_unique_capture_names)
        .filter(matches_something)
    )


def _unique_capture_names(node: n.Node) -> n.Node:
    """No capture inside lookaround, and no name twice (later uses of a name are renamed)."""
    node = _map(node, lambda c: attrs.evolve(c, body=strip_captures(c.body)) if isinstance(c, n.Look) else c)
    seen: set[str] = set()

    def once(node: n.Node) -> n.Node:
        if isinstance(node, n.Capture):
            body = once(node.body)
            name = node.name
            while name in seen:
                name = f"{node.name}_{len(seen)}"
                seen.add("")  # grows len(seen) so the next try differs
            seen.add(name)
            return n.Capture(name, body)
        if isinstance(node, n.Seq):
            return n.seq(*(once(i) for i in node.items)) if node.items else node
        if isinstance(node, n.Alt):
            return n.alt(*(once(o) for o in node.options))
        if isinstance(node, (n.Repeat, n.Look)):
            return attrs.evolve(node, body=once(node.body))
        return node

    return once(node)


# Characters that matter to the grammar, and a few longer pieces, for mutating valid pattern texts.
SPECIAL_CHARACTERS = list("[]()|&!?*+{},=<>/\"\\@$^#:.- \nxé")
SPECIAL = SPECIAL_CHARACTERS + ["(?<", "(?=", "(?<!", "${", "{2,", " in "]


@st.composite
def mutated_pattern_texts(draw: st.DrawFn) -> str:
    """A valid pattern text with a few random edits: most are no longer valid."""
    text = n.unparse(draw(any_patterns(max_leaves=6)))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        if edit == "insert":
            text = text[:i] + draw(st.sampled_from(SPECIAL)) + text[i:]
        elif edit == "delete":
            text = text[:i] + text[i + 1 :]
        elif edit == "replace":
            text = text[:i] + draw(st.sampled_from(SPECIAL)) + text[i + 1 :]
        else:
            text = text[:i]
    return text

