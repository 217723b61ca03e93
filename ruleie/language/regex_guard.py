"""Token regex → whether Python's backtracking ``re`` could run too long on it.

In: a regex source (from ``[field=/…/]``); out: ``regex_hazard``, the dangerous shape or None,
and ``regex_hazard_message``, the error the parser and the compiler report for it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, Iterator, Optional, Sequence

import attrs

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
_COMPOSITE = _REPEATS + tuple(
    getattr(_sre_c, name) for name in ("SUBPATTERN", "BRANCH", "ATOMIC_GROUP", "ASSERT", "ASSERT_NOT") if hasattr(_sre_c, name)
)
_CATEGORY_REGEX = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W",
}
# Characters that stand for "every character" when comparing character sets: ASCII,
# and a few of each kind beyond it (letters with case, digits, blanks, punctuation).
_SAMPLE = frozenset(map(chr, range(9, 127))) | frozenset("éÉßжЖ中٣\u00a0\u2028’“—ﬁİıſ\u212a\u0300")
# Repetitions with more choices than this count as long (``{1,8}`` does not).
_LONG_REPEAT = 8


@lru_cache(maxsize=4096)  # rule sets repeat their regexes; each check is about a millisecond
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
        self._chars: dict[tuple[object, int], tuple[object, frozenset[str]]] = {}
        extra = {c for c in source if not c.isascii()}
        self.alphabet = frozenset(_SAMPLE | extra | {c.swapcase() for c in extra if len(c.swapcase()) == 1})

    # character sets over the sample alphabet

    def item_chars(self, op: object, av: object) -> frozenset[str]:
        """Every character one item can consume (any character of any string it matches)."""
        key = (op, id(av))
        if key not in self._chars:
            self._chars[key] = (av, self._item_chars(op, av))  # av kept alive: its id stays its own
        return self._chars[key][1]

    def _item_chars(self, op: object, av: object) -> frozenset[str]:
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

    def representative_chars(self, seq: Sequence) -> list[str]:
        """One character for each class of characters that every item of seq treats alike."""
        leaves = [self.item_chars(op, av) for op, av in _walk_items(seq, into_atomic=True) if op not in _COMPOSITE]
        classes: dict[tuple[bool, ...], str] = {}
        for c in sorted(frozenset().union(*leaves)):
            classes.setdefault(tuple(c in chars for chars in leaves), c)
        return list(classes.values())

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
        # Safe when every repetition contains a character its inner repetitions cannot
        # take: the repetitions are then delimited, as in [a-z]+(-[a-z]+)*. Unless the
        # seam is ambiguous: what follows the last delimiter of one repetition runs into
        # what precedes the first delimiter of the next, and in (a?ba?)* the a between
        # two b's can end one repetition or start the next.
        taken = frozenset().union(*(self.item_chars(op, av) for op, av in inner))
        items = list(_flatten(body))
        delimiters = [
            i for i, (op, av) in enumerate(items)
            if op in (_sre_c.LITERAL, _sre_c.NOT_LITERAL, _sre_c.IN) and not (self.item_chars(op, av) & taken)
        ]
        if delimiters:
            seam = items[delimiters[-1] + 1:] + items[:delimiters[0]]
            if self.chain_problem(seam, 2, long_only=False):
                return "a repetition whose end and the next repetition's start can take the same characters, as in (a?ba?)*"
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
        for c in self.representative_chars(seq):
            if self._run(seq, c, long_only).best >= limit:
                if limit == 2:
                    return "two repetitions in a row inside a repetition that can take the same characters, as in (a*a*)+"
                return "three or more repetitions in a row that can take the same characters, as in .*.*.*"
        return None

    # A run, for one character c, counts repetitions in a row that can take c; only a
    # part that must take some other character ends it (an optional b? separates
    # nothing). Alternatives and optional groups are opened, so .*(.*x|y).* is a run of 3.

    def _run(self, seq: Sequence, c: str, long_only: bool) -> "_Run":
        run = _Run.EMPTY
        for op, av in seq:
            run = run.then(self._item_run(op, av, c, long_only))
        return run

    def _item_run(self, op: object, av: object, c: str, long_only: bool) -> "_Run":
        if op in _ZERO_WIDTH:
            return _Run.EMPTY
        if op is _sre_c.SUBPATTERN:
            return self._run(av[-1], c, long_only)  # type: ignore[index]
        if hasattr(_sre_c, "ATOMIC_GROUP") and op is _sre_c.ATOMIC_GROUP:
            return self._run(av, c, long_only)  # type: ignore[arg-type]
        takes_c = c in self.item_chars(op, av)
        if op is _sre_c.BRANCH or (op in _REPEATS and av[1] == 1 and av[0] == 0):  # type: ignore[index]
            if op is _sre_c.BRANCH:
                run = _Run.either([self._run(alt, c, long_only) for alt in av[1]])  # type: ignore[index]
            else:
                run = self._run(av[2], c, long_only).optional()  # type: ignore[index]
            if takes_c and not long_only and _variable(op, av):
                run = run.at_least(_Run.one())  # inside a repetition a? and (a|ab) are choices too
            return run
        counted = _variable(op, av) and (not long_only or _long_variable(op, av))
        if counted and takes_c:
            return _Run.one()
        if takes_c or not _always_consumes(op, av):
            return _Run.EMPTY
        return _Run.SEPARATOR


@attrs.frozen
class _Run:
    """For one character: the repetitions that can take it at the start of a part, the most in
    a row anywhere in it, and at its end; ``through``, when nothing in the part ends a run,
    how many it adds to a run passing across it."""

    start: int
    best: int
    end: int
    through: Optional[int]

    EMPTY: ClassVar["_Run"]
    SEPARATOR: ClassVar["_Run"]

    @staticmethod
    def one() -> "_Run":
        return _Run(1, 1, 1, 1)

    def then(self, nxt: "_Run") -> "_Run":
        return _Run(
            start=self.start if self.through is None else max(self.start, self.through + nxt.start),
            best=max(self.best, nxt.best, self.end + nxt.start),
            end=nxt.end if nxt.through is None else max(nxt.end, nxt.through + self.end),
            through=None if self.through is None or nxt.through is None else self.through + nxt.through,
        )

    def optional(self) -> "_Run":
        return _Run(self.start, self.best, self.end, self.through if self.through is not None else 0)

    @staticmethod
    def either(runs: Sequence["_Run"]) -> "_Run":
        throughs = [r.through for r in runs if r.through is not None]
        return _Run(
            max(r.start for r in runs), max(r.best for r in runs), max(r.end for r in runs),
            max(throughs) if throughs else None,
        )

    def at_least(self, other: "_Run") -> "_Run":
        through = None if self.through is None and other.through is None else max(self.through or 0, other.through or 0)
        return _Run(max(self.start, other.start), max(self.best, other.best), max(self.end, other.end), through)


_Run.EMPTY = _Run(0, 0, 0, 0)
_Run.SEPARATOR = _Run(0, 0, 0, None)


def _variable(op: object, av: object) -> bool:
    """A repetition with a choice of counts, or alternatives of different lengths."""
    if op in _REPEATS:
        return av[0] != av[1]  # type: ignore[index]
    if op is _sre_c.BRANCH:
        widths = {alt.getwidth() for alt in av[1]}  # type: ignore[index]
        return len(widths) > 1 or any(lo != hi for lo, hi in widths)
    return False


def _always_consumes(op: object, av: object) -> bool:
    """Whether an item takes at least one character every time it matches."""
    if op in _REPEATS:
        return av[0] > 0 and av[2].getwidth()[0] > 0  # type: ignore[index]
    if op is _sre_c.BRANCH:
        return all(alt.getwidth()[0] > 0 for alt in av[1])  # type: ignore[index]
    return True


def _long_variable(op: object, av: object) -> bool:
    """A long repetition, or an optional part or alternative that holds one: (a*|b)."""
    if op in _REPEATS:
        low, high, body = av  # type: ignore[misc]
        if high == _sre_c.MAXREPEAT or high - low > _LONG_REPEAT:
            return True
        return low != high and any(_long_variable(o, a) for o, a in _flatten(body))
    if op is _sre_c.BRANCH:
        return any(_long_variable(o, a) for alt in av[1] for o, a in _flatten(alt))  # type: ignore[index]
    return False


def _flatten(seq: Sequence) -> Iterator[tuple[object, object]]:
    """Items of a sequence with plain groups opened: (a)(b) is a b."""
    for op, av in seq:
        if op is _sre_c.SUBPATTERN:
            yield from _flatten(av[-1])  # type: ignore[index]
        else:
            yield op, av


def _walk_items(seq: Sequence, into_atomic: bool = False) -> Iterator[tuple[object, object]]:
    """Every item inside a sequence, nested ones included (in atomic groups, which never
    backtrack, only when asked)."""
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
        elif into_atomic and op is getattr(_sre_c, "ATOMIC_GROUP", None):
            stack.extend(av)  # type: ignore[arg-type]
