"""Independent oracles for the matcher, and helpers to run ruleie and them on one-letter texts.

* ``Reference``: a backtracking matcher over the AST with ``re``'s rules, written to be
  obviously correct, not fast (exponential on long inputs: use it on short ones).
* ``SpanOracle``: for every position, the set of positions where a node can end, by
  memoised set recursion (polynomial: usable on sentences of hundreds of tokens).
  It knows nothing of priorities: it judges the all-matches mode and where a
  leftmost match may begin and end.
* Python's ``re`` on the one-character-per-token encoding (``strategies.to_regex``).

None of them shares code with ``ruleie.language``.
"""

from __future__ import annotations

import re
import signal
import threading
from contextlib import contextmanager
from itertools import islice
from typing import Iterator, Optional, Sequence

import ruleie
from ruleie.language import matcher
from ruleie.language import nodes as n
from ruleie.text.document import Mention

import strategies as s

# A capture history: (name, start, end) of every capture occurrence, in the order they close.
Caps = tuple[tuple[str, int, int], ...]


# ---------------------------------------------------------------------------
# The matcher's strategies: every differential property runs under each of them


try:  # the compiled matcher core (ruleie/language/_corevm.pyx), where it exists
    from ruleie.language import corevm as _corevm
except ImportError:  # a tree from before the compiled core
    _corevm = None  # type: ignore[assignment]

# name → (matcher core, keyword arguments of ``matcher.strategy_thresholds``). The Python
# core is the reference the compiled core is compared with (test_corevm.py), so every
# differential property runs on it explicitly, whichever core is the default, and on the
# compiled core too.
STRATEGIES: dict[str, tuple[str, dict[str, int]]] = {
    # The shipped thresholds: short inputs only ever probe and use the closure table.
    "python": ("python", {}),
    # Every lookaround answered by the sweep, every closure walked at match time.
    "python-sweep-walk": ("python", {"probes_before_sweep": 0, "max_closure_paths": 0}),
    # One probe per lookaround and sentence, then the sweep; table and walk side by side.
    "python-mixed": ("python", {"probes_before_sweep": 1, "max_closure_paths": 1}),
    "compiled": ("compiled", {}),
    "compiled-sweep": ("compiled", {"probes_before_sweep": 0}),
    "compiled-mixed": ("compiled", {"probes_before_sweep": 1}),
}
# For long sentences: never sweep (each position probed), to compare with the sweep.
PROBE_ONLY = {"probes_before_sweep": 10**9}


def compiled_core_available() -> bool:
    return _corevm is not None and _corevm.available()


@contextmanager
def core(name: str) -> Iterator[None]:
    """Run a block on one matcher core; the compiled one skips the test where it is not built
    (test_corevm.py makes that an error under RULEIE_CORE=compiled, as CI sets)."""
    if _corevm is None:
        if name != "python":
            import pytest

            pytest.skip("no compiled matcher core in this tree")
        yield
        return
    if name == "compiled" and not _corevm.available():
        import pytest

        pytest.skip("the compiled matcher core is not built (pip install . with a C compiler)")
    with _corevm.using(name):
        yield


def available_strategies() -> list[str]:
    """The strategies this tree can run (the compiled ones need the built extension)."""
    return [name for name, (core_name, _) in STRATEGIES.items() if core_name == "python" or compiled_core_available()]


def strategy_params() -> list:
    """STRATEGIES as pytest parameters; the compiled ones skip, saying why, where it is not built."""
    import pytest

    missing = pytest.mark.skip(reason="the compiled matcher core is not built (pip install . with a C compiler)")
    return [
        pytest.param(name, marks=() if core_name == "python" or compiled_core_available() else missing)
        for name, (core_name, _) in STRATEGIES.items()
    ]


def core_params() -> list:
    """The two matcher cores as pytest parameters (the compiled one skips, saying why, if not built)."""
    import pytest

    missing = pytest.mark.skip(reason="the compiled matcher core is not built (pip install . with a C compiler)")
    return ["python", pytest.param("compiled", marks=() if compiled_core_available() else missing)]


@contextmanager
def strategy(name: str) -> Iterator[None]:
    core_name, thresholds = STRATEGIES[name]
    with core(core_name), matcher.strategy_thresholds(**thresholds):
        yield


# ---------------------------------------------------------------------------
# The backtracking reference


class TooSlow(Exception):
    """The reference ran out of its step budget."""


class Reference:
    """Backtracking over the AST with ``re``'s rules, read over tokens.

    ``run`` yields every way a node can match from a position, best first: the
    order in which ``re``'s backtracking tries them. Repetitions follow ``re``'s
    rule for empty iterations: once the minimum is reached, an iteration that
    took no tokens ends the loop (its captures kept) instead of looping forever.
    """

    def __init__(
        self, letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = (), budget: Optional[int] = None
    ):
        self.letters = list(letters)
        self.lo, self.hi = 0, len(self.letters)
        self.mentions: dict[int, list[tuple[int, str]]] = {}
        for mention_type, start, end in mentions:
            self.mentions.setdefault(start, []).append((end, mention_type))
        for found in self.mentions.values():
            found.sort(key=lambda m: (-m[0], m[1]))  # the longest mention first, as the matcher documents
        # Backtracking is exponential on nested loops of optional parts: with a budget,
        # ``run`` raises ``TooSlow`` after that many steps (the caller then judges otherwise).
        self.budget = budget

    def run(self, node: n.Node, pos: int, caps: Caps) -> Iterator[tuple[int, Caps]]:
        if self.budget is not None:
            self.budget -= 1
            if self.budget < 0:
                raise TooSlow()
        if isinstance(node, (n.Word, n.TokenTest)):
            if pos < self.hi and self.letters[pos] in s.SMALL_ATOM_LETTERS[node]:
                yield pos + 1, caps
        elif isinstance(node, n.MentionRef):
            for end, mention_type in self.mentions.get(pos, ()):
                if end <= self.hi and s.is_a(mention_type, node.type):
                    yield end, caps
        elif isinstance(node, n.Anchor):
            if pos == (self.lo if node.kind == "^" else self.hi):
                yield pos, caps
        elif isinstance(node, n.Look):
            if node.behind:
                holds = any(e == pos for start in range(self.lo, pos + 1) for e, _ in self.run(node.body, start, ()))
            else:
                holds = any(True for _ in self.run(node.body, pos, ()))
            if holds != node.negate:
                yield pos, caps
        elif isinstance(node, n.Capture):
            for end, inner in self.run(node.body, pos, caps):
                yield end, inner + ((node.name, pos, end),)
        elif isinstance(node, n.Seq):
            yield from self._seq(node.items, 0, pos, caps)
        elif isinstance(node, n.Alt):
            for option in node.options:
                yield from self.run(option, pos, caps)
        elif isinstance(node, n.Repeat):
            yield from self._repeat(node, 0, pos, caps, None)
        else:
            raise TypeError(node)

    def _seq(self, items: Sequence[n.Node], i: int, pos: int, caps: Caps) -> Iterator[tuple[int, Caps]]:
        if i == len(items):
            yield pos, caps
            return
        for end, inner in self.run(items[i], pos, caps):
            yield from self._seq(items, i + 1, end, inner)

    def _repeat(
        self, node: n.Repeat, count: int, pos: int, caps: Caps, last_start: Optional[int]
    ) -> Iterator[tuple[int, Caps]]:
        # As sre's MAX_UNTIL / MIN_UNTIL: `count` iterations are done; `last_start` is
        # where the last optional iteration began (None before the first one).
        if count < node.min:
            for end, inner in self.run(node.body, pos, caps):
                yield from self._repeat(node, count + 1, end, inner, last_start)
            return
        more = (node.max is None or count < node.max) and pos != last_start
        if node.lazy:
            yield pos, caps
        if more:
            for end, inner in self.run(node.body, pos, caps):
                yield from self._repeat(node, count + 1, end, inner, pos)
        if not node.lazy:
            yield pos, caps

    def search(self, node: n.Node, start: int, must_advance: bool) -> Optional[tuple[int, int, Caps]]:
        for begin in range(start, self.hi + 1):
            for end, caps in self.run(node, begin, ()):
                if must_advance and end == start:
                    continue  # re.finditer's rule: no empty match where the last one was
                return begin, end, caps
        return None

    def finditer(self, node: n.Node) -> Iterator[tuple[int, int, Caps]]:
        pos, must_advance = self.lo, False
        while pos <= self.hi:
            found = self.search(node, pos, must_advance)
            if found is None:
                return
            yield found
            must_advance = found[0] == found[1]
            pos = found[1]

    def all_spans(self, node: n.Node) -> list[tuple[int, int]]:
        return sorted({(b, e) for b in range(self.lo, self.hi) for e, _ in self.run(node, b, ()) if e > b})


# ---------------------------------------------------------------------------
# The set oracle: where can a node end, from each position (bitsets of positions)


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class SpanOracle:
    """``ends(node, pos)``: the positions p such that ``node`` matches tokens [pos, p), as a bitmask.

    Set semantics (no priorities, no captures): the all-matches mode is exactly
    ``{(b, e) | e in ends(root, b), e > b}``. A repetition reaches the union of the
    positions after min..max iterations; ``re``'s rule on empty iterations never
    changes that set (an empty iteration can always be left out). Lookahead holds
    where its body matches from there; lookbehind where it matches from some earlier
    start to there. Memoised per (node, position): O(nodes × n²) set operations.
    """

    def __init__(self, letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = ()):
        self.letters = list(letters)
        self.lo, self.hi = 0, len(self.letters)
        self.mentions: dict[int, list[tuple[int, str]]] = {}
        for mention_type, start, end in mentions:
            if end > start:
                self.mentions.setdefault(start, []).append((end, mention_type))
        self._memo: dict[tuple[int, int], int] = {}
        self._keep: list[n.Node] = []

    def ends(self, node: n.Node, pos: int) -> int:
        key = (id(node), pos)
        found = self._memo.get(key)
        if found is None:
            self._keep.append(node)
            found = self._memo[key] = self._ends(node, pos)
        return found

    def _step(self, node: n.Node, starts: int) -> int:
        out = 0
        for p in _bits(starts):
            out |= self.ends(node, p)
        return out

    def _ends(self, node: n.Node, pos: int) -> int:
        if isinstance(node, (n.Word, n.TokenTest)):
            return 1 << (pos + 1) if pos < self.hi and self.letters[pos] in s.SMALL_ATOM_LETTERS[node] else 0
        if isinstance(node, n.MentionRef):
            out = 0
            for end, mention_type in self.mentions.get(pos, ()):
                if end <= self.hi and s.is_a(mention_type, node.type):
                    out |= 1 << end
            return out
        if isinstance(node, n.Anchor):
            return 1 << pos if pos == (self.lo if node.kind == "^" else self.hi) else 0
        if isinstance(node, n.Look):
            if node.behind:
                holds = any(self.ends(node.body, start) >> pos & 1 for start in range(self.lo, pos + 1))
            else:
                holds = self.ends(node.body, pos) != 0
            return 1 << pos if holds != node.negate else 0
        if isinstance(node, n.Capture):
            return self.ends(node.body, pos)
        if isinstance(node, n.Seq):
            current = 1 << pos
            for item in node.items:
                current = self._step(item, current)
            return current
        if isinstance(node, n.Alt):
            out = 0
            for option in node.options:
                out |= self.ends(option, pos)
            return out
        if isinstance(node, n.Repeat):
            current = 1 << pos
            for _ in range(node.min):
                current = self._step(node.body, current)
            reached = current
            if node.max is None:
                frontier = current
                while frontier:
                    frontier = self._step(node.body, frontier) & ~reached
                    reached |= frontier
            else:
                for _ in range(node.max - node.min):
                    current = self._step(node.body, current)
                    reached |= current
            return reached
        raise TypeError(node)

    def all_spans(self, node: n.Node) -> list[tuple[int, int]]:
        return [(b, e) for b in range(self.lo, self.hi) for e in _bits(self.ends(node, b)) if e > b]

    def first_start(self, node: n.Node, start: int, must_advance: bool) -> Optional[int]:
        """Where a leftmost search from ``start`` must find its match (None: no match)."""
        for b in range(start, self.hi + 1):
            ends = self.ends(node, b)
            if must_advance and b == start:
                ends &= ~(1 << start)
            if ends:
                return b
        return None


# ---------------------------------------------------------------------------
# Character offsets of the one-letter texts


def char_span(span: tuple[int, int], n_tokens: int) -> tuple[int, int]:
    """Token span → character span in " ".join(letters): token i is at 2i (empty spans as documented)."""
    start, end = span
    if start < 0:
        return (-1, -1)
    if start < end:
        return (2 * start, 2 * end - 1)
    at = 2 * n_tokens - 1 if start == n_tokens and n_tokens else 2 * start
    return (at, at)


def last_spans(caps: Caps, names: Sequence[str], n_tokens: int) -> dict[str, tuple[int, int]]:
    last = {name: (-1, -1) for name in names}
    for name, start, end in caps:
        last[name] = char_span((start, end), n_tokens)
    return last


def all_occurrences(caps: Caps, names: Sequence[str], n_tokens: int) -> dict[str, list[tuple[int, int]]]:
    return {name: [char_span((b, e), n_tokens) for g, b, e in caps if g == name] for name in names}


# ---------------------------------------------------------------------------
# Running ruleie and the oracles


def compile_small(node: n.Node) -> ruleie.Pattern:
    return ruleie.compile(n.unparse(node), lexicons=s.SMALL_LEXICONS, taxonomy=s.TAXONOMY)


def document(letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = ()) -> ruleie.Document:
    doc = ruleie.annotate(" ".join(letters))
    assert len(doc) == len(letters) and len(doc.sentences) <= 1
    return doc.with_mentions([Mention(t, b, e) for t, b, e in mentions]) if mentions else doc


def sentences_document(sentences: Sequence[Sequence[str]]) -> ruleie.Document:
    """One-letter tokens laid out by hand, so that the document's sentences are exactly these."""
    letters = [letter for sentence in sentences for letter in sentence]
    bounds, at = [], 0
    for sentence in sentences:
        bounds.append((at, at + len(sentence)))
        at += len(sentence)
    starts = [2 * i for i in range(len(letters))]
    return ruleie.Document("", " ".join(letters), starts, [b + 1 for b in starts], tuple(bounds))


def raw_matches(pattern: ruleie.Pattern, doc: ruleie.Document) -> list[matcher.RawMatch]:
    """``matcher.finditer`` over every sentence, empty matches included, checked to terminate.

    ``re.finditer`` reports at most two matches per position (an empty one, then one
    that must advance), so more than 2·(n + 1) means it no longer advances: the test
    fails at once instead of hanging.
    """
    ctx = matcher.DocumentContext(doc, pattern._ancestors)
    found: list[matcher.RawMatch] = []
    for lo, hi in doc.sentences or ((0, 0),):
        limit = 2 * (hi - lo + 1)
        these = list(islice(matcher.finditer(pattern.program, ctx, lo, hi), limit + 1))
        assert len(these) <= limit, f"finditer does not advance: {these[:6]} …"
        for m in these:  # slots: both -1 (the group did not take part) or a span of the match's sentence
            for g in range(len(pattern.program.group_names) + 1):
                b, e = m.group_span(g)
                assert (b, e) == (-1, -1) or lo <= b <= e <= hi, (g, m)
        found.extend(these)
    return found


def ruleie_found(node: n.Node, letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = ()) -> list[tuple]:
    names = n.capture_names(node)
    pattern = compile_small(node)
    doc = document(letters, mentions)
    raw_matches(pattern, doc)  # fails instead of hanging if finditer stops advancing
    return [
        (m.span(), {g: m.span(g) for g in names}, {g: m.spans(g) for g in names})
        for m in pattern.finditer(doc)
    ]


def reference_found(
    node: n.Node, letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = (), budget: Optional[int] = None
) -> list[tuple]:
    names = n.capture_names(node)
    k = len(letters)
    return [
        (char_span((b, e), k), last_spans(caps, names, k), all_occurrences(caps, names, k))
        for b, e, caps in Reference(letters, mentions, budget).finditer(node)
        if e > b
    ]


def re_found(node: n.Node, letters: Sequence[str], seconds: Optional[float] = None) -> list[tuple]:
    """Python's ``re`` on the one-character-per-token encoding. ``re`` backtracks: nested
    loops that can match nothing take it exponential time on a few letters, inside C code
    that a watchdog thread (pytest-timeout's thread method) cannot interrupt. With
    ``seconds``, a SIGALRM timer (which ``re`` does heed) stops it: ``TooSlow``."""
    names = n.capture_names(node)
    k = len(letters)
    regex, text = s.to_regex(node), "".join(letters)
    if seconds is None or not _can_alarm():
        matches = list(re.finditer(regex, text))
    else:
        def expire(signum, frame):
            raise TooSlow(f"re took more than {seconds} s")
        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            matches = list(re.finditer(regex, text))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return [
        (char_span(m.span(), k), {g: char_span(m.span(g), k) for g in names})
        for m in matches
        if m.end() > m.start()
    ]


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def without_lists(found: list[tuple]) -> list[tuple]:
    return [(span, last) for span, last, *_ in found]

