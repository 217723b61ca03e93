"""Token constraints → predicates: which token positions of a document satisfy ``[…]``.

In: a constraint (``n.Expr``) and the lexicons; out: a ``Predicate`` whose ``positions``
takes a ``FieldIndex`` (each field's values → positions) and returns the satisfying positions.
"""

from __future__ import annotations

import re
from typing import Callable, Collection, Mapping, Optional

import attrs

from . import nodes as n
from .regex_guard import MAX_REGEX_VALUE_LENGTH, regex_hazard, regex_hazard_message
from ..errors import PatternError, diagnostic_at

# Per-predicate memory of regex and numeric answers per distinct field value.
VALUE_CACHE_SIZE = 200_000


@attrs.frozen(eq=False)
class Predicate:
    """A compiled token constraint: which token positions of a document satisfy it.

    ``positions(index)`` takes a ``FieldIndex`` (value → positions, per field) and
    returns the set of satisfying token indices. Equal constraints over the same
    lexicons share one Predicate, so a document computes each only once.
    """

    expr: n.Expr
    fields: frozenset[str]
    positions: Callable[["FieldIndex"], frozenset[int]]

    def __repr__(self) -> str:
        return f"Predicate([{n.unparse_expr(self.expr)}])"


class FieldIndex:
    """What a predicate may ask of a document: each field's distinct values and their positions."""

    def values(self, field: str) -> Mapping[object, list[int]]:  # pragma: no cover - interface
        raise NotImplementedError

    def all_positions(self) -> frozenset[int]:  # pragma: no cover - interface
        raise NotImplementedError

    def folded_values(self, field: str) -> Mapping[object, list[int]]:  # pragma: no cover - interface
        """As ``values``, with text values lower-cased (positions of equal folds joined)."""
        raise NotImplementedError


def positions_function(
    expr: n.Expr, pos: int, lexicons: Mapping[str, Collection[str]], source: str = ""
) -> Callable[[FieldIndex], frozenset[int]]:
    """The positions function of a constraint, built from those of its parts.

    Raises ``PatternError`` at ``pos`` in ``source`` for a lexicon not in ``lexicons``.
    """
    if isinstance(expr, n.Compare):
        return _compare_function(expr, source)
    if isinstance(expr, n.InLexicon):
        if expr.lexicon not in lexicons:
            raise PatternError(diagnostic_at(f"unknown lexicon '{expr.lexicon}'", source, max(pos, 0)))
        return _lexicon_function(expr.field, lexicons[expr.lexicon])
    if isinstance(expr, n.Not):
        inner = positions_function(expr.operand, pos, lexicons, source)
        return lambda index: index.all_positions() - inner(index)
    if isinstance(expr, n.And):
        parts = [positions_function(o, pos, lexicons, source) for o in expr.operands]

        def conjunction(index: FieldIndex) -> frozenset[int]:
            result = parts[0](index)
            for part in parts[1:]:
                if not result:
                    break
                result = result & part(index)
            return result

        return conjunction
    if isinstance(expr, n.Or):
        parts = [positions_function(o, pos, lexicons, source) for o in expr.operands]
        return lambda index: frozenset().union(*(part(index) for part in parts))
    raise TypeError(f"not an expression: {expr!r}")


def _compare_function(expr: n.Compare, source: str = "") -> Callable[[FieldIndex], frozenset[int]]:
    field, op, value = expr.field, expr.op, expr.value
    negate = op == "!="
    if isinstance(value, n.Regex):
        hazard = regex_hazard(value.source, "i" in value.flags)
        if hazard is not None:
            raise PatternError(diagnostic_at(regex_hazard_message(value.source, hazard), source, max(expr.pos, 0)))
    words = literal_alternatives(value) if isinstance(value, n.Regex) else None
    if words is not None and field != "num":

        def word_positions(index: FieldIndex) -> frozenset[int]:
            values = index.values(field)
            if negate:
                return frozenset(p for v, ps in values.items() if v is not None and v not in words for p in ps)
            if len(words) < len(values):
                return frozenset(p for w in words for p in values.get(w, ()))
            return frozenset(p for v, ps in values.items() if v in words for p in ps)

        return word_positions
    if isinstance(value, n.Regex):
        regex = re.compile(value.source, re.IGNORECASE if "i" in value.flags else 0)

        def test(v: object) -> bool:
            return isinstance(v, str) and len(v) <= MAX_REGEX_VALUE_LENGTH and regex.fullmatch(v) is not None

    elif field == "num" or op not in ("=", "!="):
        target = _as_number(value.text)
        check = _NUMERIC_TESTS[op]
        negate = False  # != is a numeric test of its own here

        def test(v: object) -> bool:
            number = _as_number(v)
            return number is not None and target is not None and check(number, target)

    else:
        wanted = value.text

        def equal_positions(index: FieldIndex) -> frozenset[int]:
            values = index.values(field)
            if negate:
                return frozenset(p for v, ps in values.items() if v is not None and v != wanted for p in ps)
            return frozenset(values.get(wanted, ()))

        return equal_positions

    # Documents share most of their words: remember each value's answer across documents
    # (bounded, so a stream of new words cannot grow it without end).
    known: dict[object, bool] = {}

    def scan(index: FieldIndex) -> frozenset[int]:
        values = index.values(field)
        positions: list[int] = []
        for v, ps in values.items():
            if v is None:
                continue
            answer = known.get(v)
            if answer is None:
                answer = test(v) != negate
                if len(known) < VALUE_CACHE_SIZE:
                    known[v] = answer
            if answer:
                positions.extend(ps)
        return frozenset(positions)

    return scan


def _lexicon_function(field: str, entries: Collection[str]) -> Callable[[FieldIndex], frozenset[int]]:
    fold = field in ("lower", "lemma")
    # Fold once at compile time; documents are many, lexicons few.
    entry_set = frozenset(e.lower() for e in entries) if fold else frozenset(entries)

    def member_positions(index: FieldIndex) -> frozenset[int]:
        values = index.folded_values(field) if fold else index.values(field)
        if len(values) <= len(entry_set):
            hits = (ps for v, ps in values.items() if v in entry_set)
        else:
            hits = (values[e] for e in entry_set if e in values)
        return frozenset(p for ps in hits for p in ps)

    return member_positions


def _as_number(value: object) -> Optional[float]:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


_NUMERIC_TESTS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


_LITERAL_ALTERNATIVE = re.compile(r"(?:[\w'’ -]|\\\.)+")


def literal_alternatives(regex: n.Regex) -> Optional[frozenset[str]]:
    """The words a regex such as ``/the|a|an/`` fully matches, when it is just such a list.

    Rule authors write many of these; a set lookup per word beats a regex per value.

    >>> sorted(literal_alternatives(n.Regex("said|told|gen\\.")))
    ['gen.', 'said', 'told']
    >>> literal_alternatives(n.Regex("said?")) is None
    True
    """
    parts = regex.source.split("|")
    if not all(_LITERAL_ALTERNATIVE.fullmatch(p) for p in parts):
        return None
    words = {p.replace("\\.", ".") for p in parts}
    if "i" in regex.flags:
        return None  # case-insensitive: the set would have to hold every casing
    return frozenset(words)
