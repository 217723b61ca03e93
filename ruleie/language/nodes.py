"""The pattern AST: immutable nodes that the parser builds and the compiler reads.

Every node prints back to canonical pattern text with ``unparse``; ``parse(unparse(n)) == n``.
Source offsets are kept for error messages but never take part in equality.
"""

from __future__ import annotations

import re
from typing import Optional, Union

import attrs

# A bare word in a pattern: letters, digits, _, and inner ' ’ . - (U.S., don't, well-known, 23).
BARE_WORD_RE = re.compile(r"\w(?:[\w'’.\-]*[\w.])?")
# A bare value inside [ … ]: as a word, plus a leading minus sign and a $ (tags such as PRP$).
BARE_VALUE_RE = re.compile(r"-?\w(?:[\w'’.\-$]*[\w.$])?")
FIELD_RE = re.compile(r"[A-Za-z_]\w*")
NAME_RE = re.compile(r"[A-Za-z_][\w.\-]*")

COMPARISON_OPS = ("=", "!=", "<", "<=", ">", ">=")


def _pos() -> int:
    return attrs.field(default=-1, eq=False, repr=False, kw_only=True)


# ---------------------------------------------------------------------------
# Token constraints: the boolean expressions inside [ … ]


@attrs.frozen
class Literal:
    """A bare or quoted value: compared as written."""

    text: str


@attrs.frozen
class Regex:
    """A /regex/flags value: the whole field must match.

    ``source`` is kept with ``\\/`` written as ``/`` (the same regex): pattern text
    can only say ``\\/``, so this one spelling is what ``parse(unparse(r))`` gives back.
    """

    source: str = attrs.field(converter=lambda s: unescape_regex_slashes(s))
    flags: str = ""


Value = Union[Literal, Regex]


@attrs.frozen
class Compare:
    """``field op value``: ``lemma=launch``, ``word=/[A-Z]\\w+/``, ``num>=10``."""

    field: str
    op: str = attrs.field(validator=attrs.validators.in_(COMPARISON_OPS))
    value: Value
    pos: int = _pos()


@attrs.frozen
class InLexicon:
    """``field in lexicon``: the field's value is an entry of the named lexicon."""

    field: str
    lexicon: str
    pos: int = _pos()


@attrs.frozen
class Not:
    operand: Expr
    pos: int = _pos()


@attrs.frozen
class And:
    operands: tuple[Expr, ...] = attrs.field(validator=attrs.validators.min_len(2))
    pos: int = _pos()


@attrs.frozen
class Or:
    operands: tuple[Expr, ...] = attrs.field(validator=attrs.validators.min_len(2))
    pos: int = _pos()


Expr = Union[Compare, InLexicon, Not, And, Or]


# ---------------------------------------------------------------------------
# Patterns over token sequences


@attrs.frozen
class Word:
    """Word shorthand: ``launched`` or ``"U.S."`` means ``[lower=…]`` of the lower-cased word."""

    text: str
    pos: int = _pos()


@attrs.frozen
class TokenTest:
    """``[ expr ]``: one token satisfying ``expr``; ``[]`` (expr None) is any token."""

    expr: Optional[Expr] = None
    pos: int = _pos()


@attrs.frozen
class MentionRef:
    """``@Type``: one whole mention of ``Type`` (or a subtype) found by an earlier stage."""

    type: str
    pos: int = _pos()


@attrs.frozen
class Anchor:
    """``^`` (start of sentence) or ``$`` (end of sentence)."""

    kind: str = attrs.field(validator=attrs.validators.in_(("^", "$")))
    pos: int = _pos()


@attrs.frozen
class Look:
    """Lookaround: ``(?= …)`` ``(?! …)`` ``(?<= …)`` ``(?<! …)``."""

    body: Node
    behind: bool = False
    negate: bool = False
    pos: int = _pos()


@attrs.frozen
class Capture:
    """``(?<name> …)``: the tokens the body takes become the field ``name``."""

    name: str
    body: Node
    pos: int = _pos()


@attrs.frozen
class Repeat:
    """A quantified node; ``max`` None means unbounded."""

    body: Node
    min: int = attrs.field(validator=attrs.validators.ge(0))
    max: Optional[int] = attrs.field(default=None)
    lazy: bool = False
    pos: int = _pos()

    @max.validator
    def _check_max(self, _attribute: object, value: Optional[int]) -> None:
        if value is not None and value < self.min:
            raise ValueError(f"repeat max {value} < min {self.min}")


@attrs.frozen
class Seq:
    """A sequence of two or more nodes; the empty sequence has no items."""

    items: tuple[Node, ...]
    pos: int = _pos()


@attrs.frozen
class Alt:
    """Alternatives, tried left to right."""

    options: tuple[Node, ...] = attrs.field(validator=attrs.validators.min_len(2))
    pos: int = _pos()


Node = Union[Word, TokenTest, MentionRef, Anchor, Look, Capture, Repeat, Seq, Alt]

EMPTY = Seq(())


def seq(*items: Node, pos: int = -1) -> Node:
    """A sequence in canonical form: nested sequences flattened, a single item stands alone."""
    flat: list[Node] = []
    for item in items:
        if isinstance(item, Seq):
            flat.extend(item.items)
        else:
            flat.append(item)
    if len(flat) == 1:
        return flat[0]
    return Seq(tuple(flat), pos=pos)


def alt(*options: Node, pos: int = -1) -> Node:
    """Alternatives in canonical form: nested alternatives flattened, a single option stands alone."""
    flat: list[Node] = []
    for option in options:
        if isinstance(option, Alt):
            flat.extend(option.options)
        else:
            flat.append(option)
    if len(flat) == 1:
        return flat[0]
    return Alt(tuple(flat), pos=pos)


# ---------------------------------------------------------------------------
# Printing back to source


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def escape_regex_slashes(source: str) -> str:
    """Write a regex between slashes: an unescaped ``/`` becomes ``\\/``."""
    return re.sub(r"\\.|/", lambda m: "\\/" if m.group(0) == "/" else m.group(0), source)


def unescape_regex_slashes(source: str) -> str:
    """Inverse of ``escape_regex_slashes``: ``\\/`` becomes ``/``, other escapes stay."""
    return re.sub(r"\\(.)", lambda m: "/" if m.group(1) == "/" else m.group(0), source, flags=re.S)


def _value_text(value: Value) -> str:
    if isinstance(value, Regex):
        return "/" + escape_regex_slashes(value.source) + "/" + value.flags
    if BARE_VALUE_RE.fullmatch(value.text) and value.text != "in":
        return value.text
    return quote(value.text)


def unparse_expr(expr: Expr) -> str:
    """Canonical text of a token constraint expression (without the brackets)."""
    if isinstance(expr, Compare):
        return f"{expr.field}{expr.op}{_value_text(expr.value)}"
    if isinstance(expr, InLexicon):
        return f"{expr.field} in {expr.lexicon}"
    if isinstance(expr, Not):
        inner = unparse_expr(expr.operand)
        return f"!({inner})" if isinstance(expr.operand, (And, Or)) else f"!{inner}"
    # An operand of the same kind is parenthesized too: the parser flattens
    # `a & b & c` into one And, so `a & (b & c)` is how a nested And prints back.
    if isinstance(expr, And):
        return " & ".join(
            f"({unparse_expr(o)})" if isinstance(o, (And, Or)) else unparse_expr(o) for o in expr.operands
        )
    if isinstance(expr, Or):
        return " | ".join(f"({unparse_expr(o)})" if isinstance(o, Or) else unparse_expr(o) for o in expr.operands)
    raise TypeError(f"not an expression: {expr!r}")


def _quantifier_text(node: Repeat) -> str:
    lo, hi = node.min, node.max
    if (lo, hi) == (0, 1):
        q = "?"
    elif (lo, hi) == (0, None):
        q = "*"
    elif (lo, hi) == (1, None):
        q = "+"
    elif hi is None:
        q = f"{{{lo},}}"
    elif lo == hi:
        q = f"{{{lo}}}"
    elif lo == 0:
        q = f"{{,{hi}}}"
    else:
        q = f"{{{lo},{hi}}}"
    return q + ("?" if node.lazy else "")


def unparse(node: Node) -> str:
    """Canonical pattern text of a node.

    >>> unparse(seq(Word("Russia"), Repeat(TokenTest(), 0, None, lazy=True), Word("launched")))
    'Russia []*? launched'
    """
    if isinstance(node, Word):
        return node.text if BARE_WORD_RE.fullmatch(node.text) else quote(node.text)
    if isinstance(node, TokenTest):
        return "[]" if node.expr is None else f"[{unparse_expr(node.expr)}]"
    if isinstance(node, MentionRef):
        return f"@{node.type}"
    if isinstance(node, Anchor):
        return node.kind
    if isinstance(node, Look):
        opener = "(?" + ("<" if node.behind else "") + ("!" if node.negate else "=")
        return f"{opener} {unparse(node.body)} )"
    if isinstance(node, Capture):
        return f"(?<{node.name}> {unparse(node.body)} )"
    if isinstance(node, Repeat):
        body = unparse(node.body)
        if isinstance(node.body, (Seq, Alt, Repeat)):
            body = f"( {body} )"
        return body + _quantifier_text(node)
    if isinstance(node, Seq):
        if not node.items:
            return "( )"
        return " ".join(f"( {unparse(i)} )" if isinstance(i, Alt) else unparse(i) for i in node.items)
    if isinstance(node, Alt):
        return " | ".join(unparse(o) for o in node.options)
    raise TypeError(f"not a pattern node: {node!r}")


# ---------------------------------------------------------------------------
# Facts about nodes used by checks and the compiler


def width(node: Node) -> tuple[int, Optional[int]]:
    """The least and greatest number of token *units* a node can take (mentions count 1; None: unbounded)."""
    if isinstance(node, (Word, TokenTest, MentionRef)):
        return 1, 1
    if isinstance(node, (Anchor, Look)):
        return 0, 0
    if isinstance(node, Capture):
        return width(node.body)
    if isinstance(node, Repeat):
        lo, hi = width(node.body)
        top = None if node.max is None or hi is None else hi * node.max
        if hi == 0:
            top = 0
        return lo * node.min, top
    if isinstance(node, Seq):
        lo_sum, hi_sum = 0, 0
        unbounded = False
        for item in node.items:
            lo, hi = width(item)
            lo_sum += lo
            if hi is None:
                unbounded = True
            else:
                hi_sum += hi
        return lo_sum, None if unbounded else hi_sum
    if isinstance(node, Alt):
        widths = [width(o) for o in node.options]
        los = [w[0] for w in widths]
        his = [w[1] for w in widths]
        return min(los), None if any(h is None for h in his) else max(h for h in his if h is not None)
    raise TypeError(f"not a pattern node: {node!r}")


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Look, Capture, Repeat)):
        return (node.body,)
    if isinstance(node, Seq):
        return node.items
    if isinstance(node, Alt):
        return node.options
    return ()


def walk(node: Node):
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        # children(current), inline: rule sets of thousands of patterns walk often
        if isinstance(current, (Look, Capture, Repeat)):
            stack.append(current.body)
        elif isinstance(current, Seq):
            stack.extend(reversed(current.items))
        elif isinstance(current, Alt):
            stack.extend(reversed(current.options))


def capture_names(node: Node) -> list[str]:
    """Capture names in order of their opening parenthesis (group numbering, as in ``re``)."""
    names: list[str] = []
    stack = [node]
    while stack:  # walk(node), without a generator
        current = stack.pop()
        if isinstance(current, Capture):
            names.append(current.name)
            stack.append(current.body)
        elif isinstance(current, (Look, Repeat)):
            stack.append(current.body)
        elif isinstance(current, Seq):
            stack.extend(reversed(current.items))
        elif isinstance(current, Alt):
            stack.extend(reversed(current.options))
    return names


def expr_fields(expr: Expr) -> set[str]:
    """The token fields a constraint reads.

    >>> sorted(expr_fields(And((Compare("lemma", "=", Literal("x")), Not(InLexicon("lower", "w"))))))
    ['lemma', 'lower']
    """
    if isinstance(expr, (Compare, InLexicon)):
        return {expr.field}
    if isinstance(expr, Not):
        return expr_fields(expr.operand)
    return set().union(*(expr_fields(o) for o in expr.operands))


