"""Token regex → whether Python's backtracking ``re`` could run too long on it.

In: a regex source (from ``[field=/…/]``); out: ``regex_hazard``, the dangerous shape or None,
and ``regex_hazard_message``, the error the parser and the compiler report for it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, Optional, Sequence

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
