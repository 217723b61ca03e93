"""AST → program: token constraints become predicates, the pattern becomes automaton code.

The program is what the matcher simulates (a Pike VM). Instructions are small
tuples ``(opcode, a, b)`` so the hot loop can unpack them cheaply.
"""

from __future__ import annotations

import re
from typing import Callable, Collection, Iterator, Mapping, MutableMapping, Optional, Sequence

import attrs

from . import nodes as n
from ..errors import PatternError, diagnostic_at

# Opcodes. CONSUME: one token satisfying predicate a (-1: any token). MENTION: one
# whole mention whose type is (a subtype of) a. SPLIT: try a, then b. JMP: go to a.
# SAVE_START/SAVE_END: record a capture boundary of group a. BOL/EOL: sentence
# anchors. LOOK: lookaround a holds here. MATCH: the pattern matched.
#
# Repetitions whose body can match no tokens need three more, for ``re``'s rule on
# empty iterations: once its minimum is reached, an iteration that took no tokens
# ends the repetition (keeping that iteration's captures) instead of looping.
# RSPLIT: as SPLIT (a = the two targets in priority order) for a repetition nested
# b deep among such repetitions; its body starts at pc + 1. LOOP: the end of one
# iteration of a star or plus loop: go back to its RSPLIT a, or, if the iteration
# was empty, leave it for b. NEXT: the same at the end of an optional copy of a
# counted repetition ({n,m}), going on to pc + 1 (the next copy) or b (the end).
# The matcher tells an empty iteration by tracking, within one position, the
# depth of the outermost such repetition whose iteration began at that position.
CONSUME, MENTION, SPLIT, JMP, SAVE_START, SAVE_END, BOL, EOL, LOOK, MATCH, RSPLIT, LOOP, NEXT = range(13)
OPCODE_NAMES = (
    "CONSUME", "MENTION", "SPLIT", "JMP", "SAVE_START", "SAVE_END", "BOL", "EOL", "LOOK", "MATCH",
    "RSPLIT", "LOOP", "NEXT",
)
ANY_TOKEN = -1

# Per-predicate memory of regex and numeric answers per distinct field value.
VALUE_CACHE_SIZE = 200_000

# Counted repetitions are unrolled; this bounds the size of one program.
MAX_PROGRAM_SIZE = 200_000

Instruction = tuple[int, object, object]


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


@attrs.frozen(eq=False)
class LookProgram:
    """A lookaround's body, compiled to run forward (lookbehind) or backward (lookahead)."""

    behind: bool
    negate: bool
    program: Program
    # The body run the other way, from one position outwards: to answer for a single
    # position without sweeping the whole sentence (most lookarounds are asked a few times).
    probe: Optional[Program] = None


@attrs.frozen(eq=False)
class Program:
    code: tuple[Instruction, ...]
    predicates: tuple[Predicate, ...]
    looks: tuple[LookProgram, ...]
    group_names: tuple[str, ...]  # group g (1-based) is group_names[g - 1]; slots 2g, 2g+1
    backward: bool = False
    # How every match begins: with a token satisfying one of the ``first`` predicates or
    # with a mention of one of the ``first_mentions`` types. None when a match may begin
    # with any token or be empty. Anchors and lookaround only filter, so they are looked through.
    first: Optional[tuple[int, ...]] = None
    first_mentions: tuple[str, ...] = ()
    # What every match contains somewhere: each entry is a choice of predicates and mention
    # types, one of which some unit of the match satisfies. A sentence that lacks one of
    # them cannot hold a match, so the engine never runs the program there.
    required: tuple[tuple[tuple[int, ...], tuple[str, ...]], ...] = ()
    # Whether the code has RSPLIT/LOOP/NEXT (a repetition whose body can match no tokens).
    empty_loops: bool = False

    @property
    def n_slots(self) -> int:
        return 2 * (len(self.group_names) + 1)

    def dump(self) -> str:
        """The program as readable text, one instruction a line (``ruleie parse --program``)."""
        lines = []
        for pc, (op, a, b) in enumerate(self.code):
            name = OPCODE_NAMES[op]
            if op == CONSUME:
                arg = "[]" if a == ANY_TOKEN else repr(self.predicates[a])  # type: ignore[index]
            elif op in (SAVE_START, SAVE_END):
                arg = f"{a} ({self.group_names[a - 1]})"  # type: ignore[operator]
            elif op in (SPLIT, LOOP, NEXT):
                arg = f"{a}, {b}"
            elif op == RSPLIT:
                arg = f"{a[0]}, {a[1]} (depth {b})"  # type: ignore[index]
            elif op in (JMP, MENTION, LOOK):
                arg = str(a)
            else:
                arg = ""
            lines.append(f"{pc:4d}  {name:<10} {arg}".rstrip())
        for k, look in enumerate(self.looks):
            kind = ("(?<!" if look.negate else "(?<=") if look.behind else ("(?!" if look.negate else "(?=")
            lines.append(f"look {k} {kind} …) " + ("backward" if look.program.backward else "forward"))
            lines.extend("    " + line for line in look.program.dump().splitlines())
        return "\n".join(lines)


PredicateCache = MutableMapping[tuple[object, ...], Predicate]


def compile_program(
    node: n.Node,
    *,
    lexicons: Optional[Mapping[str, Collection[str]]] = None,
    cache: Optional[PredicateCache] = None,
    source: str = "",
) -> Program:
    """Compile a pattern AST to a program.

    ``cache`` lets many patterns share predicates (a rule set passes one dict).
    Raises ``PatternError`` when a lexicon is missing or the program grows too large.
    """
    for rewrite in PASSES:
        node = rewrite(node)
    return _Compiler(lexicons or {}, cache if cache is not None else {}, source).program(node, backward=False)


def merge_token_alternatives(node: n.Node) -> n.Node:
    """Adjacent alternatives that each take one token become one token constraint.

    ``( said | [lemma=tell] | told him )`` is ``( [lower=said | lemma=tell] | told him )``:
    both options lead on to the same place after one token, so trying them in turn
    or at once gives the same matches, and the matcher then follows one thread
    instead of one per word (a 300-word alternation is otherwise 900 instructions
    at every token). Only options next to each other are merged: the order of the
    others is their priority.

    >>> from .parser import parse_pattern
    >>> n.unparse(merge_token_alternatives(parse_pattern("( said | [lemma=tell] | told him | Says ) that")))
    '( [lower=said | lemma=tell] | told him | Says ) that'
    """
    if isinstance(node, n.Alt):
        options: list[n.Node] = []
        run: list[n.Node] = []
        for option in (merge_token_alternatives(o) for o in node.options):
            if isinstance(option, (n.Word, n.TokenTest)):
                run.append(option)
                continue
            options.extend(_one_token(run))
            run = []
            options.append(option)
        options.extend(_one_token(run))
        return n.alt(*options, pos=node.pos)
    if isinstance(node, n.Seq):
        return n.Seq(tuple(merge_token_alternatives(i) for i in node.items), pos=node.pos) if node.items else node
    if isinstance(node, (n.Repeat, n.Capture, n.Look)):
        return attrs.evolve(node, body=merge_token_alternatives(node.body))
    return node


def _one_token(run: list[n.Node]) -> list[n.Node]:
    """One TokenTest for a run of single-token options (the run itself if it has one)."""
    if len(run) < 2:
        return run
    exprs: list[n.Expr] = []
    for option in run:
        if isinstance(option, n.Word):
            exprs.append(n.Compare("lower", "=", n.Literal(option.text.lower())))
        elif option.expr is None:  # type: ignore[union-attr]
            return [n.TokenTest(None, pos=run[0].pos)]  # `[]` among them: any token
        else:
            exprs.append(option.expr)  # type: ignore[union-attr]
    flat: list[n.Expr] = []
    for expr in exprs:
        flat.extend(expr.operands if isinstance(expr, n.Or) else (expr,))
    return [n.TokenTest(n.Or(tuple(dict.fromkeys(flat))) if len(set(flat)) > 1 else flat[0], pos=run[0].pos)]


# AST → AST rewrites done before code is emitted, in order. Each keeps the matches
# and captures of every pattern exactly (the property tests run through them).
PASSES: tuple[Callable[[n.Node], n.Node], ...] = (merge_token_alternatives,)


class _Compiler:
    def __init__(self, lexicons: Mapping[str, Collection[str]], cache: PredicateCache, source: str):
        self.lexicons = lexicons
        self.cache = cache
        self.source = source
        self.looks: dict[int, LookProgram] = {}  # by id of the Look node: each compiled once
        self.keep: list[n.Node] = []  # the nodes whose ids are keys above stay alive meanwhile

    def program(self, node: n.Node, *, backward: bool) -> Program:
        emitter = _Emitter(self, backward)
        groups = n.capture_names(node)
        emitter.group_numbers = {}
        for name in groups:
            emitter.group_numbers.setdefault(name, len(emitter.group_numbers) + 1)
        emitter.emit_node(node)
        emitter.emit((MATCH, None, None))
        code = tuple((op, a, b) for op, a, b in emitter.code)
        start_set = _start_set(code)
        required = tuple(
            (tuple(sorted(emitter.predicate_number(e, -1) for e in exprs)), tuple(sorted(types)))
            for exprs, types in _requirements(node)
        )
        return Program(
            code=code,
            predicates=tuple(emitter.predicates),
            looks=tuple(emitter.looks),
            group_names=tuple(emitter.group_numbers),
            backward=backward,
            first=start_set[0] if start_set else None,
            first_mentions=start_set[1] if start_set else (),
            empty_loops=any(op == RSPLIT for op, _, _ in code),
            required=required,
        )

    def predicate(self, expr: n.Expr, pos: int) -> Predicate:
        lexicon_key = tuple(
            (name, id(self.lexicons.get(name))) for name in sorted(_lexicon_names(expr))
        )
        key = (expr, lexicon_key)
        found = self.cache.get(key)
        if found is None:
            found = Predicate(expr, frozenset(n.expr_fields(expr)), self.positions_function(expr, pos))
            self.cache[key] = found
        return found

    def positions_function(self, expr: n.Expr, pos: int) -> Callable[[FieldIndex], frozenset[int]]:
        if isinstance(expr, n.Compare):
            return _compare_function(expr, self.source)
        if isinstance(expr, n.InLexicon):
            if expr.lexicon not in self.lexicons:
                raise PatternError(diagnostic_at(f"unknown lexicon '{expr.lexicon}'", self.source, max(pos, 0)))
            return _lexicon_function(expr.field, self.lexicons[expr.lexicon])
        if isinstance(expr, n.Not):
            inner = self.positions_function(expr.operand, pos)
            return lambda index: index.all_positions() - inner(index)
        if isinstance(expr, n.And):
            parts = [self.positions_function(o, pos) for o in expr.operands]

            def conjunction(index: FieldIndex) -> frozenset[int]:
                result = parts[0](index)
                for part in parts[1:]:
                    if not result:
                        break
                    result = result & part(index)
                return result

            return conjunction
        if isinstance(expr, n.Or):
            parts = [self.positions_function(o, pos) for o in expr.operands]
            return lambda index: frozenset().union(*(part(index) for part in parts))
        raise TypeError(f"not an expression: {expr!r}")


def _lexicon_names(expr: n.Expr) -> set[str]:
    if isinstance(expr, n.InLexicon):
        return {expr.lexicon}
    if isinstance(expr, n.Not):
        return _lexicon_names(expr.operand)
    if isinstance(expr, (n.And, n.Or)):
        return set().union(*(_lexicon_names(o) for o in expr.operands))
    return set()




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


# -- the regex guard -------------------------------------------------------------
#
# A token regex runs once per distinct value of a field, with Python's backtracking
# ``re``. Two things keep that bounded. Values longer than MAX_REGEX_VALUE_LENGTH
# characters never match a regex (no word is that long; a hostile 1 MB "token" is
# not tested at all). And ``regex_hazard`` refuses, when a pattern is parsed and
# compiled, the shapes that make backtracking explode: a repeated part that can
# match the same text in more than one way (``(a+)+``, ``(\w+\s?)*``, ``(a|a)*``:
# exponential), and three or more repetitions in a row that can take the same
# characters (``.*.*.*x``: a high power of the length).

MAX_REGEX_VALUE_LENGTH = 1000

try:  # Python 3.11+
    from re import _constants as _sre_c, _parser as _sre_p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_p  # type: ignore[no-redef]

_REPEATS = tuple(
    getattr(_sre_c, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sre_c, name)
)
_ZERO_WIDTH = tuple(getattr(_sre_c, name) for name in ("AT", "ASSERT", "ASSERT_NOT") if hasattr(_sre_c, name))
_CATEGORY_REGEX = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W",
}
# Characters that stand for "every character" when comparing character sets: ASCII,
# and a few of each kind beyond it (letters with case, digits, blanks, punctuation).
_SAMPLE = frozenset(map(chr, range(9, 127))) | frozenset("éÉßжЖ中٣\u00a0\u2028’“—ﬁİıſ\u212a\u0300")
# Repetitions with more choices than this count as long (``{1,8}`` does not).
_LONG_REPEAT = 8


def regex_hazard(source: str, ignore_case: bool = False) -> Optional[str]:
    """Why this token regex could backtrack for too long, or None when its shape is safe."""
    try:
        parsed = _sre_p.parse(source, re.IGNORECASE if ignore_case else 0)
    except Exception:  # not a valid regex: the parser reports that
        return None
    flags = getattr(getattr(parsed, "state", None), "flags", 0)
    fold = ignore_case or bool(flags & re.IGNORECASE) or any(
        op is _sre_c.SUBPATTERN and av[1] & re.IGNORECASE for op, av in _walk_items(parsed)  # type: ignore[index]
    )
    return _RegexShape(source, fold).hazard(parsed)


def regex_hazard_message(source: str, hazard: str) -> str:
    """The error for a regex that ``regex_hazard`` refuses."""
    shown = source if len(source) <= 40 else source[:37] + "..."
    return (
        f"regex /{shown}/ could backtrack catastrophically (its time can explode with the length of a word): "
        f"{hazard}; rewrite it so that each part can match a text in one way only"
    )


class _RegexShape:
    def __init__(self, source: str, fold: bool):
        self.fold = fold
        extra = {c for c in source if not c.isascii()}
        self.alphabet = frozenset(_SAMPLE | extra | {c.swapcase() for c in extra if len(c.swapcase()) == 1})

    # character sets over the sample alphabet

    def item_chars(self, op: object, av: object) -> frozenset[str]:
        """Every character one item can consume (any character of any string it matches)."""
        if op is _sre_c.LITERAL:
            return self._folded({chr(av)})  # type: ignore[arg-type]
        if op is _sre_c.NOT_LITERAL:
            return self.alphabet - self._folded({chr(av)})  # type: ignore[arg-type]
        if op is _sre_c.ANY:
            return self.alphabet
        if op is _sre_c.IN:
            return frozenset(c for c in self.alphabet if self._in_set(av, c))  # type: ignore[arg-type]
        if op in _REPEATS:
            return self.seq_chars(av[2])  # type: ignore[index]
        if op is _sre_c.SUBPATTERN:
            return self.seq_chars(av[-1])  # type: ignore[index]
        if op is _sre_c.BRANCH:
            return frozenset().union(*(self.seq_chars(alt) for alt in av[1]))  # type: ignore[index]
        if op in _ZERO_WIDTH:
            return frozenset()
        if hasattr(_sre_c, "ATOMIC_GROUP") and op is _sre_c.ATOMIC_GROUP:
            return self.seq_chars(av)
        return self.alphabet  # back-references and anything else: assume the worst

    def seq_chars(self, seq: Sequence) -> frozenset[str]:
        return frozenset().union(*(self.item_chars(op, av) for op, av in seq))

    def _folded(self, chars: set[str]) -> frozenset[str]:
        if not self.fold:
            return frozenset(chars)
        return frozenset(v for c in chars for v in (c, c.lower(), c.upper()) if len(v) == 1)

    def _in_set(self, items: Sequence, c: str) -> bool:
        variants = {c, c.lower(), c.upper()} if self.fold else {c}
        variants = {v for v in variants if len(v) == 1}
        negate = False
        hit = False
        for op, av in items:
            if op is _sre_c.NEGATE:
                negate = True
            elif op is _sre_c.LITERAL:
                hit = hit or chr(av) in variants
            elif op is _sre_c.RANGE:
                hit = hit or any(av[0] <= ord(v) <= av[1] for v in variants)
            elif op is _sre_c.CATEGORY:
                pattern = _CATEGORY_REGEX.get(str(av))
                hit = hit or pattern is None or any(re.fullmatch(pattern, v) for v in variants)
            else:
                hit = True  # an item this guard does not know: assume it overlaps
        return hit != negate

    # the walk

    def hazard(self, seq: Sequence, iterated: bool = False) -> Optional[str]:
        chain = self.chain_problem(seq, 2 if iterated else 3, long_only=not iterated)
        if chain:
            return chain
        for op, av in seq:
            if op in _REPEATS:
                low, high, body = av  # type: ignore[misc]
                if high == _sre_c.MAXREPEAT or high > 1:
                    problem = self.iteration_problem(body)
                    if problem:
                        return problem
                    problem = self.hazard(body, iterated=True)
                elif iterated and body.getwidth()[0] == 0:
                    problem = "an optional part that can itself match nothing, inside a repetition, as in (x(a?)?)*"
                else:
                    problem = self.hazard(body, iterated)
            elif op is _sre_c.SUBPATTERN:
                problem = self.hazard(av[-1], iterated)  # type: ignore[index]
            elif op is _sre_c.BRANCH:
                problem = None
                if iterated and self.overlapping_alternatives(av[1]):  # type: ignore[index]
                    problem = "an alternative inside a repetition whose options can match the same text, as in (a|a)*"
                for alt in av[1]:  # type: ignore[index]
                    problem = problem or self.hazard(alt, iterated)
            elif op in (getattr(_sre_c, "ASSERT", None), getattr(_sre_c, "ASSERT_NOT", None)):
                problem = self.hazard(av[1], iterated)  # type: ignore[index]
            elif hasattr(_sre_c, "ATOMIC_GROUP") and op is _sre_c.ATOMIC_GROUP:
                problem = self.hazard(av, iterated)  # type: ignore[arg-type]
            else:
                problem = None
            if problem:
                return problem
        return None

    def iteration_problem(self, body: Sequence) -> Optional[str]:
        """A repeated part must match each text one way only, or backtracking doubles per repetition."""
        low, _high = body.getwidth()
        if low == 0:
            return "a repetition of a part that can match nothing, as in (a*)*"
        inner = [(op, av) for op, av in _walk_items(body) if _variable(op, av)]
        if not inner:
            return None
        # Safe when every repetition starts or contains a character its inner repetitions
        # cannot take: the repetitions are then delimited, as in [a-z]+(-[a-z]+)*.
        taken = frozenset().union(*(self.item_chars(op, av) for op, av in inner))
        for op, av in _flatten(body):
            if op in (_sre_c.LITERAL, _sre_c.NOT_LITERAL, _sre_c.IN) and not (self.item_chars(op, av) & taken):
                return None
        return "a repetition of a part that itself repeats characters, as in (a+)+ or (\\w+\\s?)*"

    def overlapping_alternatives(self, alternatives: Sequence[Sequence]) -> bool:
        firsts = [self.first_chars(alt) for alt in alternatives]
        empty = [alt.getwidth()[0] == 0 for alt in alternatives]
        for i, a in enumerate(firsts):
            for j in range(i + 1, len(firsts)):
                if empty[i] and empty[j]:
                    return True
                if a & firsts[j] and not self.distinct_fixed(alternatives[i], alternatives[j]):
                    return True
        return False

    def distinct_fixed(self, a: Sequence, b: Sequence) -> bool:
        """Two alternatives of single characters that never match the same text (was|were)."""
        simple = (_sre_c.LITERAL, _sre_c.NOT_LITERAL, _sre_c.IN, _sre_c.ANY)
        if not all(op in simple for op, _ in list(a) + list(b)):
            return False
        if len(a) != len(b):
            return True  # fixed lengths that differ: one text each, never the same one
        return any(not (self.item_chars(*x) & self.item_chars(*y)) for x, y in zip(a, b))

    def first_chars(self, seq: Sequence) -> frozenset[str]:
        found: set[str] = set()
        for op, av in seq:
            if op in _ZERO_WIDTH:
                continue
            if op is _sre_c.SUBPATTERN:
                inner = av[-1]  # type: ignore[index]
                found |= self.first_chars(inner)
                if inner.getwidth()[0] > 0:
                    return frozenset(found)
                continue
            if op is _sre_c.BRANCH:
                found |= frozenset().union(*(self.first_chars(alt) for alt in av[1]))  # type: ignore[index]
                return frozenset(found)
            if op in _REPEATS:
                found |= self.first_chars(av[2])  # type: ignore[index]
                if av[0] > 0:  # type: ignore[index]
                    return frozenset(found)
                continue
            found |= self.item_chars(op, av)
            return frozenset(found)
        return frozenset(found)

    def chain_problem(self, seq: Sequence, limit: int, long_only: bool) -> Optional[str]:
        """``limit`` repetitions in a row that can take the same characters (what lies between them too)."""
        common: Optional[frozenset[str]] = None
        count = 0
        for op, av in _flatten(seq):
            if op in _ZERO_WIDTH:
                continue
            variable = _variable(op, av)
            if variable and long_only:  # outside a repetition only long repetitions count
                variable = op in _REPEATS and (av[1] == _sre_c.MAXREPEAT or av[1] - av[0] > _LONG_REPEAT)  # type: ignore[index]
            chars = self.item_chars(op, av)
            if variable:
                if common is not None and chars & common:
                    common = common & chars
                    count += 1
                else:
                    common, count = chars, 1
                if count >= limit:
                    if limit == 2:
                        return "two repetitions in a row inside a repetition that can take the same characters, as in (a*a*)+"
                    return "three or more repetitions in a row that can take the same characters, as in .*.*.*"
            elif common is not None and chars and not (chars & common):
                common, count = None, 0
        return None


def _variable(op: object, av: object) -> bool:
    """A repetition with a choice of counts, or alternatives of different lengths."""
    if op in _REPEATS:
        return av[0] != av[1]  # type: ignore[index]
    if op is _sre_c.BRANCH:
        widths = {alt.getwidth() for alt in av[1]}  # type: ignore[index]
        return len(widths) > 1 or any(lo != hi for lo, hi in widths)
    return False


def _flatten(seq: Sequence) -> Iterator[tuple[object, object]]:
    """Items of a sequence with plain groups opened: (a)(b) is a b."""
    for op, av in seq:
        if op is _sre_c.SUBPATTERN:
            yield from _flatten(av[-1])  # type: ignore[index]
        else:
            yield op, av


def _walk_items(seq: Sequence) -> Iterator[tuple[object, object]]:
    """Every item inside a sequence, nested ones included."""
    stack = list(seq)
    while stack:
        op, av = stack.pop()
        yield op, av
        if op in _REPEATS:
            stack.extend(av[2])  # type: ignore[index]
        elif op is _sre_c.SUBPATTERN:
            stack.extend(av[-1])  # type: ignore[index]
        elif op is _sre_c.BRANCH:
            for alt in av[1]:  # type: ignore[index]
                stack.extend(alt)
        elif op in (getattr(_sre_c, "ASSERT", None), getattr(_sre_c, "ASSERT_NOT", None)):
            stack.extend(av[1])  # type: ignore[index]


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


class _Emitter:
    def __init__(self, compiler: _Compiler, backward: bool):
        self.compiler = compiler
        self.backward = backward
        self.code: list[list[object]] = []
        self.predicates: list[Predicate] = []
        self.predicate_numbers: dict[int, int] = {}
        self.looks: list[LookProgram] = []
        self.group_numbers: dict[str, int] = {}
        self.empty_loop_depth = 0  # how many repetitions with a nullable body enclose what is emitted

    def emit(self, instruction: tuple[int, object, object]) -> int:
        if len(self.code) >= MAX_PROGRAM_SIZE:
            raise PatternError(
                diagnostic_at(
                    f"pattern too large: more than {MAX_PROGRAM_SIZE} instructions after unrolling repetitions",
                    self.compiler.source,
                    0,
                )
            )
        self.code.append(list(instruction))
        return len(self.code) - 1

    def predicate_number(self, expr: n.Expr, pos: int) -> int:
        predicate = self.compiler.predicate(expr, pos)
        number = self.predicate_numbers.get(id(predicate))
        if number is None:
            number = len(self.predicates)
            self.predicates.append(predicate)
            self.predicate_numbers[id(predicate)] = number
        return number

    def emit_node(self, node: n.Node) -> None:
        if isinstance(node, n.Word):
            expr = n.Compare("lower", "=", n.Literal(node.text.lower()))
            self.emit((CONSUME, self.predicate_number(expr, node.pos), None))
        elif isinstance(node, n.TokenTest):
            arg = ANY_TOKEN if node.expr is None else self.predicate_number(node.expr, node.pos)
            self.emit((CONSUME, arg, None))
        elif isinstance(node, n.MentionRef):
            self.emit((MENTION, node.type, None))
        elif isinstance(node, n.Anchor):
            self.emit((BOL if node.kind == "^" else EOL, None, None))
        elif isinstance(node, n.Look):
            # Lookahead runs backward from the sentence end, lookbehind forward from its start:
            # each then knows, for every position at once, whether the lookaround holds there.
            # A lookaround nested in another is met again in the outer one's probe: compile it
            # once (``reverse`` keeps Look nodes as they are), or nesting would cost 2^depth.
            look = self.compiler.looks.get(id(node))
            if look is None:
                body = node.body if node.behind else reverse(node.body)
                program = self.compiler.program(body, backward=not node.behind)
                probe = self.compiler.program(reverse(node.body) if node.behind else node.body, backward=node.behind)
                look = self.compiler.looks[id(node)] = LookProgram(node.behind, node.negate, program, probe)
                self.compiler.keep.append(node)
            self.looks.append(look)
            self.emit((LOOK, len(self.looks) - 1, None))
        elif isinstance(node, n.Capture):
            group = self.group_numbers[node.name]
            self.emit((SAVE_START, group, None))
            self.emit_node(node.body)
            self.emit((SAVE_END, group, None))
        elif isinstance(node, n.Seq):
            for item in node.items:
                self.emit_node(item)
        elif isinstance(node, n.Alt):
            jumps_to_end = []
            for i, option in enumerate(node.options):
                if i < len(node.options) - 1:
                    split = self.emit((SPLIT, None, None))
                    self.code[split][1] = len(self.code)
                    self.emit_node(option)
                    jumps_to_end.append(self.emit((JMP, None, None)))
                    self.code[split][2] = len(self.code)
                else:
                    self.emit_node(option)
            for jump in jumps_to_end:
                self.code[jump][1] = len(self.code)
        elif isinstance(node, n.Repeat):
            self.emit_repeat(node)
        else:
            raise TypeError(f"not a pattern node: {node!r}")

    def split_to(self, split: int, body: int, out: int, lazy: bool) -> None:
        targets = (out, body) if lazy else (body, out)
        if self.code[split][0] == RSPLIT:
            self.code[split][1] = targets
        else:
            self.code[split][1], self.code[split][2] = targets

    def emit_repeat(self, node: n.Repeat) -> None:
        """Counted repetitions unrolled: the minimum as copies, then optional copies or a loop.

        A body that can match no tokens gets RSPLIT/LOOP/NEXT instead of SPLIT/JMP
        for its optional iterations, for ``re``'s rule on empty iterations (see the opcodes).
        """
        for _ in range(node.min):
            self.emit_node(node.body)
        if node.max == node.min:
            return
        nullable = n.width(node.body)[0] == 0
        if nullable:
            self.empty_loop_depth += 1
        split_op = RSPLIT if nullable else SPLIT
        split_arg = self.empty_loop_depth if nullable else None
        if node.max is None:
            loop = self.emit((split_op, None, split_arg))
            self.emit_node(node.body)
            back = self.emit((LOOP, loop, None) if nullable else (JMP, loop, None))
            self.split_to(loop, loop + 1, len(self.code), node.lazy)
            ends = [back] if nullable else []
        else:
            splits, ends = [], []
            for k in range(node.max - node.min):
                split = self.emit((split_op, None, split_arg))
                splits.append(split)
                self.emit_node(node.body)
                if nullable and k < node.max - node.min - 1:
                    ends.append(self.emit((NEXT, split, None)))
            for split in splits:
                self.split_to(split, split + 1, len(self.code), node.lazy)
        for end in ends:
            self.code[end][2] = len(self.code)
        if nullable:
            self.empty_loop_depth -= 1


def reverse(node: n.Node) -> n.Node:
    """The same pattern read right to left (for running lookahead backward)."""
    if isinstance(node, n.Seq):
        return n.Seq(tuple(reverse(i) for i in reversed(node.items)), pos=node.pos)
    if isinstance(node, n.Alt):
        return n.Alt(tuple(reverse(o) for o in node.options), pos=node.pos)
    if isinstance(node, n.Repeat):
        return attrs.evolve(node, body=reverse(node.body))
    if isinstance(node, n.Capture):
        return attrs.evolve(node, body=reverse(node.body))
    return node


Requirement = tuple[frozenset[n.Expr], frozenset[str]]


def _requirements(node: n.Node) -> list[Requirement]:
    """Choices of constraints every match of ``node`` must satisfy with some token or mention.

    >>> [sorted(map(n.unparse_expr, e)) for e, _ in _requirements(n.seq(n.Word("a"), n.Repeat(n.Word("b"), 0, 1)))]
    [['lower=a']]
    """
    if isinstance(node, n.Word):
        return [(frozenset({n.Compare("lower", "=", n.Literal(node.text.lower()))}), frozenset())]
    if isinstance(node, n.TokenTest):
        return [] if node.expr is None else [(frozenset({node.expr}), frozenset())]
    if isinstance(node, n.MentionRef):
        return [(frozenset(), frozenset({node.type}))]
    if isinstance(node, n.Capture):
        return _requirements(node.body)
    if isinstance(node, n.Repeat):
        return _requirements(node.body) if node.min >= 1 else []
    if isinstance(node, n.Seq):
        return [r for item in node.items for r in _requirements(item)]
    if isinstance(node, n.Alt):
        # One requirement per option (its narrowest), joined: some option's must hold.
        chosen = []
        for option in node.options:
            found = _requirements(option)
            if not found:
                return []
            chosen.append(min(found, key=lambda r: len(r[0]) + len(r[1])))
        return [(frozenset().union(*(c[0] for c in chosen)), frozenset().union(*(c[1] for c in chosen)))]
    return []  # anchors and lookaround take no token


def _start_set(code: tuple[Instruction, ...]) -> Optional[tuple[tuple[int, ...], tuple[str, ...]]]:
    """The predicates and mention types one of which begins every match, when the program says so."""
    seen: set[int] = set()
    stack = [0]
    first: set[int] = set()
    mentions: set[str] = set()
    while stack:
        pc = stack.pop()
        if pc in seen:
            continue
        seen.add(pc)
        op, a, b = code[pc]
        if op == CONSUME:
            if a == ANY_TOKEN:
                return None
            first.add(a)  # type: ignore[arg-type]
        elif op == MENTION:
            mentions.add(a)  # type: ignore[arg-type]
        elif op in (SPLIT, LOOP):
            stack.extend((a, b))  # type: ignore[list-item]
        elif op == RSPLIT:
            stack.extend(a)  # type: ignore[arg-type]
        elif op == JMP:
            stack.append(a)  # type: ignore[arg-type]
        elif op == NEXT:
            stack.extend((pc + 1, b))  # type: ignore[list-item]
        elif op in (SAVE_START, SAVE_END, BOL, EOL, LOOK):
            # Captures and assertions take no token: the first unit lies beyond them.
            stack.append(pc + 1)
        else:  # MATCH: the pattern can match without taking a token
            return None
    return tuple(sorted(first)), tuple(sorted(mentions))
