"""Token constraints → predicates: which token positions of a document satisfy ``[…]``.

In: a constraint (``n.Expr``) and the lexicons; out: a ``Predicate`` whose ``positions``
takes a ``FieldIndex`` (each field's values → positions) and returns the satisfying positions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import Callable, Collection, Mapping, Optional

import attrs

from . import nodes as n
from .regex_guard import MAX_REGEX_VALUE_LENGTH, regex_hazard, regex_hazard_message
from ..errors import PatternError, diagnostic_at

# Per-predicate memory of regex and numeric answers per distinct field value.
VALUE_CACHE_SIZE = 200_000


@lru_cache(maxsize=16_384)
def compiled_regex(source: str, ignore_case: bool = False) -> "re.Pattern[str]":
    """``re.compile`` of a token regex, remembered: the parser checks every regex and the
    compiler compiles it again, and rule sets hold more distinct regexes than ``re`` keeps."""
    return re.compile(source, re.IGNORECASE if ignore_case else 0)


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
    # The same constraint as tests of single values (``value_plan``): what the compiled
    # matcher core evaluates. None: it asks ``positions``.
    plan: Optional["ValuePlan"] = None
    # The lexicons the constraint reads (name → entries): what ``positions`` is made from
    # again when a pickled predicate is read back.
    lexicons: Mapping[str, Collection[str]] = attrs.field(factory=dict)

    def __repr__(self) -> str:
        return f"Predicate([{n.unparse_expr(self.expr)}])"

    def __reduce__(self) -> tuple[object, ...]:
        # ``positions`` is a closure: it is made again, on first use, from the constraint
        # (checked when it was first compiled; most are never asked on the compiled core).
        return _restore_predicate, (self.expr, self.fields, self.plan, self.lexicons)


class _PositionsOnFirstUse:
    """A read-back predicate's ``positions``: ``positions_function`` made on the first call."""

    __slots__ = ("expr", "lexicons", "function")

    def __init__(self, expr: n.Expr, lexicons: Mapping[str, Collection[str]]):
        self.expr = expr
        self.lexicons = lexicons
        self.function: Optional[Callable[[FieldIndex], frozenset[int]]] = None

    def __call__(self, index: "FieldIndex") -> frozenset[int]:
        if self.function is None:
            self.function = positions_function(self.expr, 0, self.lexicons)
        return self.function(index)


def _restore_predicate(
    expr: n.Expr, fields: frozenset[str], plan: Optional["ValuePlan"], lexicons: Mapping[str, Collection[str]]
) -> Predicate:
    return Predicate(expr, fields, _PositionsOnFirstUse(expr, lexicons), plan, lexicons)


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
    words = literal_alternatives(value) if isinstance(value, n.Regex) else None
    if isinstance(value, n.Regex) and words is None:  # a list of words is never a hazard (is_word_list)
        hazard = regex_hazard(value.source, "i" in value.flags)
        if hazard is not None:
            raise PatternError(diagnostic_at(regex_hazard_message(value.source, hazard), source, max(expr.pos, 0)))
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
        regex = compiled_regex(value.source, "i" in value.flags)

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


# A constraint as a formula over tests of one field's value, in postfix order. A test
# holds at a token whose value of the field is not None and
#   ("test", field, f): passes f(value);
#   ("equal", field, wanted, negate): equals wanted (negate: differs from it);
#   ("member", field, values, fold, negate): is in the set values, lower-cased first
#       when fold and a string (negate: is not in it);
# ("not",), ("and", k), ("or", k) combine the last one or k results.
# It means exactly what ``positions_function`` computes, token by token; the compiled
# core evaluates it over per-document value ids, remembering each test's answer per
# distinct value (tests/test_corevm.py checks the two agree on every kind of constraint).
ValueStep = tuple[object, ...]
ValuePlan = tuple[ValueStep, ...]


def value_plan(expr: n.Expr, lexicons: Mapping[str, Collection[str]]) -> Optional[ValuePlan]:
    """The constraint as a ``ValuePlan``; None if a lexicon is missing (compiling reports it)."""
    steps: list[ValueStep] = []

    def emit(e: n.Expr) -> bool:
        if isinstance(e, n.Compare):
            steps.append(_compare_step(e))
        elif isinstance(e, n.InLexicon):
            if e.lexicon not in lexicons:
                return False
            fold = e.field in ("lower", "lemma")
            entries = lexicons[e.lexicon]
            steps.append(("member", e.field, frozenset(x.lower() for x in entries) if fold else frozenset(entries),
                          fold, False))
        elif isinstance(e, n.Not):
            if not emit(e.operand):
                return False
            steps.append(("not",))
        elif isinstance(e, (n.And, n.Or)):
            for operand in e.operands:
                if not emit(operand):
                    return False
            steps.append(("and" if isinstance(e, n.And) else "or", len(e.operands)))
        else:
            raise TypeError(f"not an expression: {e!r}")
        return True

    return tuple(steps) if emit(expr) else None


def _compare_step(expr: n.Compare) -> ValueStep:
    """``_compare_function`` as a plan step."""
    field, op, value = expr.field, expr.op, expr.value
    negate = op == "!="
    words = literal_alternatives(value) if isinstance(value, n.Regex) else None
    if words is not None and field != "num":
        return ("member", field, words, False, negate)
    if isinstance(value, n.Regex) and field != "num":
        words = regex_language(value)
        if words is not None:  # /attacks?|raids?/: a set lookup, not a regex per new value
            return ("member", field, words, False, negate)
    if isinstance(value, n.Regex) or field == "num" or op not in ("=", "!="):
        return ("test", field, _compare_test(expr))
    return ("equal", field, value.text, negate)


# A regex is read as a word list (``regex_language``) when it means at most this many words.
MAX_REGEX_LANGUAGE = 256


def regex_language(regex: n.Regex) -> Optional[frozenset[str]]:
    """Every string the regex fully matches, when there are few (``/attacks?|[A-Z]\\./``).

    Only literals, character classes of literals and ranges, alternation, groups and
    bounded repetition are read; anything else (``\\w``, ``.``, negated classes, case
    folding, anchors) gives None, as does a language of more than MAX_REGEX_LANGUAGE
    words or a word longer than a regex is ever tried on.

    >>> sorted(regex_language(n.Regex("raids?|[AB]\\.")))
    ['A.', 'B.', 'raid', 'raids']
    >>> regex_language(n.Regex("[a-z]+")) is None
    True
    """
    if "i" in regex.flags:
        return None
    try:
        parsed = _sre_parser.parse(regex.source)
    except Exception:  # noqa: BLE001 - not a regex the guard let through: leave it to re
        return None
    if getattr(getattr(parsed, "state", None), "flags", 0) & (re.IGNORECASE | re.VERBOSE):
        return None
    words = _language(list(parsed))
    if words is None or any(len(w) > MAX_REGEX_VALUE_LENGTH for w in words):
        return None
    return frozenset(words)


def _language(items: list) -> Optional[set[str]]:  # type: ignore[type-arg]
    """The strings a sequence of parsed regex items matches, or None (see ``regex_language``)."""
    c = _sre_constants
    words = {""}
    for op, av in items:
        if op is c.LITERAL:
            options: Optional[set[str]] = {chr(av)}
        elif op is c.IN:
            options = set()
            for kind, arg in av:
                if kind is c.LITERAL:
                    options.add(chr(arg))
                elif kind is c.RANGE and arg[1] - arg[0] < MAX_REGEX_LANGUAGE:
                    options.update(chr(x) for x in range(arg[0], arg[1] + 1))
                else:
                    return None
        elif op is c.BRANCH:
            options = set()
            for branch in av[1]:
                found = _language(list(branch))
                if found is None:
                    return None
                options |= found
        elif op is c.SUBPATTERN:
            if av[1] or av[2]:  # flags added or removed inside the group
                return None
            options = _language(list(av[3]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, high, body = av
            inner = _language(list(body))
            if inner is None or high > MAX_REGEX_LANGUAGE:
                return None
            options, power = set(), {""}
            for count in range(high + 1):
                if count >= low:
                    options |= power
                if count < high:
                    power = {a + b for a in power for b in inner}
                    if len(power) > MAX_REGEX_LANGUAGE:
                        return None
        else:
            return None
        if options is None:
            return None
        words = {a + b for a in words for b in options}
        if len(words) > MAX_REGEX_LANGUAGE:
            return None
    return words


def _compare_test(expr: n.Compare) -> Callable[[object], bool]:
    """``_compare_function`` for one (non-None) value: regexes and numeric comparisons."""
    field, op, value = expr.field, expr.op, expr.value
    if isinstance(value, n.Regex):
        return RegexTest(value.source, "i" in value.flags, op == "!=")
    if field == "num" or op not in ("=", "!="):
        return NumericTest(op, value.text)
    raise ValueError(f"not a regex or numeric comparison: {n.unparse_expr(expr)}")


class RegexTest:
    """Whether a value fully matches a token regex (or, negated, does not); picklable."""

    __slots__ = ("source", "ignore_case", "negate", "regex_parts")

    def __init__(self, source: str, ignore_case: bool, negate: bool):
        self.source, self.ignore_case, self.negate = source, ignore_case, negate
        # The compiled core runs the same test from these parts, without a Python call per value.
        self.regex_parts = (compiled_regex(source, ignore_case).fullmatch, negate, MAX_REGEX_VALUE_LENGTH)

    def __call__(self, v: object) -> bool:
        fullmatch = self.regex_parts[0]
        return (isinstance(v, str) and len(v) <= MAX_REGEX_VALUE_LENGTH and fullmatch(v) is not None) != self.negate

    def __reduce__(self) -> tuple[object, ...]:
        return RegexTest, (self.source, self.ignore_case, self.negate)


class NumericTest:
    """Whether a value, read as a number, compares with ``op`` to the rule's number; picklable."""

    __slots__ = ("op", "text", "target", "check")

    def __init__(self, op: str, text: str):
        self.op, self.text = op, text
        self.target = _as_number(text)
        self.check = _NUMERIC_TESTS[op]

    def __call__(self, v: object) -> bool:
        number = _as_number(v)
        return number is not None and self.target is not None and self.check(number, self.target)

    def __reduce__(self) -> tuple[object, ...]:
        return NumericTest, (self.op, self.text)


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
    if "i" in regex.flags:
        return None  # case-insensitive: the set would have to hold every casing
    parts = regex.source.split("|")
    if not all(_LITERAL_ALTERNATIVE.fullmatch(p) for p in parts):
        return None
    return frozenset(p.replace("\\.", ".") for p in parts)


def is_word_list(source: str, flags: str = "") -> bool:
    """Whether a regex is a list of words (``literal_alternatives``): such a regex is always
    valid and never a hazard (it repeats nothing), so it needs neither ``re.compile`` nor
    ``regex_hazard`` to be checked (tests/test_fast_reader.py checks both on many)."""
    return "i" not in flags and all(_LITERAL_ALTERNATIVE.fullmatch(p) for p in source.split("|"))
