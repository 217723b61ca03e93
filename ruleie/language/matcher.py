"""Program × document → matches: a Pike VM over the tokens of one sentence.

Threads advance in lock-step, one token at a time, in priority order, so one
search costs O(tokens × program size) whatever the pattern: no backtracking.
Lookaround is decided for every position of a sentence at once by a set-based
simulation (lookbehind forward, lookahead backward), then read in O(1).
"""

from __future__ import annotations

from bisect import bisect_left
from contextlib import contextmanager
from functools import lru_cache
from collections import defaultdict
from typing import Iterator, Mapping, Optional, Sequence

import attrs

from .compiler import (
    ANY_TOKEN,
    BOL,
    CONSUME,
    EOL,
    JMP,
    LOOK,
    LOOP,
    MATCH,
    MENTION,
    NEXT,
    RSPLIT,
    SAVE_END,
    SAVE_START,
    SPLIT,
    FieldIndex,
    LookProgram,
    Predicate,
    Program,
)
from ..text.document import Document
from . import corevm

# A capture history is a linked list (group, start, end, previous): threads share tails cheaply.
History = Optional[tuple[int, int, int, "History"]]


@attrs.frozen
class RawMatch:
    """One match in token positions: [start, end), capture slots and every capture occurrence."""

    start: int
    end: int
    slots: tuple[int, ...]  # 2g, 2g+1: last start/end of group g; -1 where the group did not take part
    history: tuple[tuple[int, int, int], ...]  # (group, start, end) of every occurrence, in order

    def group_span(self, group: int) -> tuple[int, int]:
        return self.slots[2 * group], self.slots[2 * group + 1]

    def occurrences(self, group: int) -> list[tuple[int, int]]:
        return [(s, e) for g, s, e in self.history if g == group]


def ancestors_table(taxonomy: Mapping[str, object] | None) -> dict[str, frozenset[str]]:
    """Type → itself and every supertype, from a child → parent(s) mapping."""
    parents: dict[str, tuple[str, ...]] = {}
    for child, parent in (taxonomy or {}).items():
        if parent is None:
            parents[child] = ()
        elif isinstance(parent, str):
            parents[child] = (parent,)
        else:
            parents[child] = tuple(parent)  # type: ignore[arg-type]
    # A walk per type, without sharing results between types: a result cut short by a cycle
    # must not be kept for another type of that cycle (a taxonomy given to ``compile`` may
    # have cycles; rule files may not). Taxonomies are small.
    table: dict[str, frozenset[str]] = {}
    for t in parents:
        found, todo = {t}, [t]
        while todo:
            for p in parents.get(todo.pop(), ()):
                if p not in found:
                    found.add(p)
                    todo.append(p)
        table[t] = frozenset(found)
    return table


class _LazyTruths(dict):  # type: ignore[type-arg]
    """A program's predicate positions, computed on first use (a dict with ``__missing__``)."""

    def __init__(self, ctx: DocumentContext, predicates: tuple[Predicate, ...]):
        super().__init__()
        self._ctx = ctx
        self._predicates = predicates

    def __missing__(self, k: int) -> frozenset[int]:
        found = self[k] = self._ctx.truth(self._predicates[k])
        return found


class DocumentContext(FieldIndex):
    """Everything the matcher caches for one document: field indexes, predicate hits, lookaround."""

    def __init__(self, doc: Document, ancestors: Mapping[str, frozenset[str]] | None = None):
        self.doc = doc
        self.n_tokens = len(doc)
        self._ancestors = ancestors or {}
        self._values: dict[str, Mapping[object, list[int]]] = {}
        self._truth: dict[int, frozenset[int]] = {}
        self._keep: list[object] = []  # keeps predicates and programs alive while their id() is a key
        self._looks: dict[tuple[int, int, int], frozenset[int]] = {}
        self._candidates: dict[int, tuple[list[int], frozenset[int]]] = {}
        self._program_truths: dict[int, _LazyTruths] = {}
        self._mention_starts: dict[str, frozenset[int]] = {}
        self._look_probes: dict[tuple[int, int, int], dict[int, bool]] = {}
        self._probe_starts: dict[int, frozenset[int]] = {}
        self._sentence_table: Optional[list[int]] = None
        self._all: Optional[frozenset[int]] = None
        self._rows: dict[Predicate, bytes] = {}  # the compiled core's predicate bitsets (corevm.row)
        self._field_ids: dict[str, object] = {}  # its value ids per field (the compiled core's FieldIds)
        self._core_doc: object = None  # the compiled core's view of this context (corevm.document)
        self.mentions_by_start: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.mentions_by_end: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for m in doc.mentions:
            if m.end <= m.start:
                continue  # an empty mention is no "whole mention" to match (and would never end)
            self.mentions_by_start[m.start].append((m.end, m.type))
            self.mentions_by_end[m.end].append((m.start, m.type))
        # Longer mentions first: a mention reference prefers the longest reading, deterministically.
        for starts in self.mentions_by_start.values():
            starts.sort(key=lambda e: (-e[0], e[1]))
        for ends in self.mentions_by_end.values():
            ends.sort(key=lambda e: (e[0], e[1]))

    def with_mentions(self, doc: Document) -> DocumentContext:
        """A context for the same tokens with another set of mentions; field caches are shared."""
        other = DocumentContext(doc, self._ancestors)
        other._values = self._values
        other._truth = self._truth
        other._rows = self._rows
        other._field_ids = self._field_ids
        other._keep = self._keep
        other._all = self._all
        return other

    # FieldIndex
    def values(self, field: str) -> Mapping[object, list[int]]:
        found = self._values.get(field)
        if found is None:
            column = self.doc.column(field)
            index: dict[object, list[int]] = {}
            if column is not None:
                for i, v in enumerate(column):
                    if v is not None:
                        index.setdefault(v, []).append(i)
            self._values[field] = found = index
        return found

    def folded_values(self, field: str) -> Mapping[object, list[int]]:
        key = "\0folded\0" + field
        found = self._values.get(key)
        if found is None:
            values = self.values(field)
            if all(not isinstance(v, str) or v == v.lower() for v in values):
                found = values  # lower and lemma columns are lower-case already
            else:
                folded: dict[object, list[int]] = {}
                for v, ps in values.items():
                    folded.setdefault(v.lower() if isinstance(v, str) else v, []).extend(ps)
                found = folded
            self._values[key] = found
        return found

    def all_positions(self) -> frozenset[int]:
        if self._all is None:
            self._all = frozenset(range(self.n_tokens))
        return self._all

    def truth(self, predicate: Predicate) -> frozenset[int]:
        key = id(predicate)
        found = self._truth.get(key)
        if found is None:
            found = predicate.positions(self)
            self._truth[key] = found
            self._keep.append(predicate)
        return found

    def mention_starts(self, wanted: str) -> frozenset[int]:
        """Token positions where a mention of type ``wanted`` (or a subtype) begins."""
        found = self._mention_starts.get(wanted)
        if found is None:
            found = frozenset(
                start
                for start, here in self.mentions_by_start.items()
                if any(self.is_a(mention_type, wanted) for _end, mention_type in here)
            )
            self._mention_starts[wanted] = found
        return found

    def sentence_numbers(self, positions: frozenset[int]) -> set[int]:
        """The numbers of the sentences that hold these token positions."""
        table = self._sentence_table
        if table is None:
            table = self._sentence_table = [0] * self.n_tokens
            for number, (s, e) in enumerate(self.doc.sentences):
                table[s:e] = [number] * (e - s)
        return {table[p] for p in positions}

    def truths(self, program: Program) -> dict[int, frozenset[int]]:
        """Predicate number → positions, for one program, filled in only as the matcher asks:
        most searches die at their first token, and need no other predicate."""
        key = id(program)
        found = self._program_truths.get(key)
        if found is None:
            found = _LazyTruths(self, program.predicates)
            self._program_truths[key] = found
            self._keep.append(program)
        return found

    def candidates(self, program: Program) -> Optional[tuple[list[int], frozenset[int]]]:
        """Sorted token positions of the whole document where a match of ``program`` can
        begin (and the same as a set), or None when any position can.

        Computed once per document: ``search`` runs once per match and per sentence,
        and must not look at every token of the document each time.
        """
        if program.first is None:
            return None
        key = id(program)
        found = self._candidates.get(key)
        if found is None:
            hits: set[int] = set()
            for k in program.first:
                hits |= self.truth(program.predicates[k])
            for wanted in program.first_mentions:
                hits |= self.mention_starts(wanted)
            found = (sorted(hits), frozenset(hits))
            self._candidates[key] = found
            self._keep.append(program)
        return found

    def probe_starts(self, probe: Program) -> frozenset[int]:
        """Positions away from the sentence edge from which a lookaround's probe can take
        its first unit (``Program.edge_first``: a token or a mention from there, forward;
        one ending there, backward); every position when that is not known. May hold
        positions where the probe still fails at once."""
        key = id(probe)
        found = self._probe_starts.get(key)
        if found is None:
            if probe.edge_first is None:
                found = frozenset(range(self.n_tokens + 1))
            else:
                predicates, mention_types = probe.edge_first
                shift = 1 if probe.backward else 0  # backward, the first token is the one before
                by_edge = self.mentions_by_end if probe.backward else self.mentions_by_start
                found = frozenset(
                    {t + shift for k in predicates for t in self.truth(probe.predicates[k])}
                    | {
                        edge
                        for edge, here in by_edge.items()
                        if any(self.is_a(t, w) for _other, t in here for w in mention_types)
                    }
                )
            self._probe_starts[key] = found
            self._keep.append(probe)
        return found

    def is_a(self, mention_type: str, wanted: str) -> bool:
        if mention_type == wanted:
            return True
        return wanted in self._ancestors.get(mention_type, ())

    def look_holds(self, look: LookProgram, lo: int, hi: int, pos: int) -> bool:
        key = (id(look), lo, hi)
        positions = self._looks.get(key)
        if positions is None:
            asked = self._look_probes.setdefault(key, {})
            answer = asked.get(pos)
            probe = look.probe
            if (
                answer is None
                and probe is not None
                and pos != (lo if probe.backward else hi)
                and pos not in self.probe_starts(probe)
            ):
                # The body cannot take its first unit here: no match, known at once. Such
                # answers do not count towards the sweep (the lazy content of a rule asks
                # "(?= "," | and | $ …)" at every word, and most words begin none of it).
                return look.negate
            if answer is None:
                if look.probe is None or len(asked) >= PROBES_BEFORE_SWEEP:
                    # Asked about many positions of this sentence: answer them all in one sweep.
                    positions = frozenset(_accepting(look.program, self, lo, hi, None))
                    self._looks[key] = positions
                    return (pos in positions) != look.negate
                answer = asked[pos] = bool(_accepting(look.probe, self, lo, hi, pos, first_only=True))
            return answer != look.negate
        return (pos in positions) != look.negate


# -- Strategy thresholds ---------------------------------------------------------------
# The matcher chooses between strategies by these two numbers; results never depend on
# them. Tests lower them with ``strategy_thresholds`` so that short generated inputs
# take every path (tests/test_matcher_strategies.py, docs/testing.md).

# A lookaround asked about more positions of one sentence than this is answered for all
# of them at once (O(n·m)); until then each position is probed outwards from itself.
# 0: always sweep.
PROBES_BEFORE_SWEEP = 8

# Beyond this many paths from one instruction, the closure is walked at match time instead.
# 0: always walk (the precomputed ``closure_table`` is then never used).
MAX_CLOSURE_PATHS = 64


@contextmanager
def strategy_thresholds(
    *, probes_before_sweep: Optional[int] = None, max_closure_paths: Optional[int] = None
) -> Iterator[None]:
    """Set the strategy thresholds for the duration of a ``with`` block (tests only; not
    thread-safe). ``closure_table`` is cleared on entry and exit, since it depends on
    ``MAX_CLOSURE_PATHS``. DocumentContexts made inside the block must not be used after it."""
    global PROBES_BEFORE_SWEEP, MAX_CLOSURE_PATHS
    saved = PROBES_BEFORE_SWEEP, MAX_CLOSURE_PATHS
    if probes_before_sweep is not None:
        PROBES_BEFORE_SWEEP = probes_before_sweep
    if max_closure_paths is not None:
        MAX_CLOSURE_PATHS = max_closure_paths
    closure_table.cache_clear()
    try:
        yield
    finally:
        PROBES_BEFORE_SWEEP, MAX_CLOSURE_PATHS = saved
        closure_table.cache_clear()


ClosurePath = tuple[int, tuple[tuple[int, int], ...], tuple[tuple[int, object], ...]]


@lru_cache(maxsize=8192)
def closure_table(program: Program) -> tuple[Optional[tuple[ClosurePath, ...]], ...]:
    """For each instruction, the paths through non-consuming instructions to the ones that
    consume (or MATCH), in priority order: (target, capture marks (end?, group), assertions).

    ``search`` follows these instead of walking SPLIT/JMP/SAVE one by one at every step.
    None for an instruction with too many paths (many optional parts in a row).
    """
    code = program.code
    table: list[Optional[tuple[ClosurePath, ...]]] = []
    for start in range(len(code)):
        paths: list[ClosurePath] = []
        seen: set[tuple[int, tuple[tuple[int, object], ...]]] = set()
        stack: list[tuple[int, tuple[tuple[int, int], ...], tuple[tuple[int, object], ...]]] = [(start, (), ())]
        while stack and len(paths) <= MAX_CLOSURE_PATHS:
            pc, marks, conditions = stack.pop()
            if (pc, conditions) in seen:
                continue
            seen.add((pc, conditions))
            op, a, b = code[pc]
            if op == JMP:
                stack.append((a, marks, conditions))  # type: ignore[arg-type]
            elif op == SPLIT:
                stack.append((b, marks, conditions))  # type: ignore[arg-type]
                stack.append((a, marks, conditions))  # type: ignore[arg-type]
            elif op == SAVE_START:
                stack.append((pc + 1, marks + ((0, a),), conditions))  # type: ignore[operator]
            elif op == SAVE_END:
                stack.append((pc + 1, marks + ((1, a),), conditions))  # type: ignore[operator]
            elif op in (BOL, EOL, LOOK):
                stack.append((pc + 1, marks, tuple(sorted(set(conditions) | {(op, a)}, key=repr))))
            else:
                paths.append((pc, marks, conditions))
        table.append(tuple(paths) if len(paths) <= MAX_CLOSURE_PATHS else None)
    return tuple(table)


def _start_candidates(program: Program, ctx: DocumentContext, lo: int, hi: int) -> Optional[list[int]]:
    """Sorted token positions of [lo, hi) where a match can start, or None when any position can."""
    found = ctx.candidates(program)
    if found is None:
        return None
    positions = found[0]
    return positions[bisect_left(positions, lo) : bisect_left(positions, hi)]


def search(
    program: Program, ctx: DocumentContext, lo: int, hi: int, start: int, must_advance: bool = False
) -> Optional[RawMatch]:
    """The leftmost, highest-priority match in tokens [lo, hi) starting at or after ``start``.

    ``must_advance`` forbids an empty match at ``start`` (``re``'s rule after an empty match).
    """
    code = program.code
    truths = ctx.truths(program)
    table = None if program.empty_loops else closure_table(program)
    # Where in the document a match may begin (None: anywhere); positions ≥ hi are past this sentence.
    found = ctx.candidates(program)
    candidates, can_begin = found if found is not None else (None, None)
    init = (-1,) * program.n_slots

    def closure(threads: list, visited: set, pc: int, slots: tuple, hist: History, pos: int) -> None:
        """Follow every non-consuming instruction from pc at pos, in priority order (Pike VM)."""
        paths = table[pc] if table is not None else None
        if paths is not None:
            # The same walk, precomputed: each path's target, its capture marks and the
            # assertions it passes. Deduplicating on targets alone gives the same threads:
            # a node met again leads only to targets met already, in higher priority.
            for target, marks, conditions in paths:
                if target in visited:
                    continue
                if conditions and not all(
                    (pos == lo) if kind == BOL else (pos == hi) if kind == EOL
                    else ctx.look_holds(program.looks[arg], lo, hi, pos)
                    for kind, arg in conditions
                ):
                    continue
                visited.add(target)
                s, h = slots, hist
                for end, g in marks:
                    k = 2 * g + end
                    if end:
                        h = (g, s[k - 1], pos, h)
                    s = s[:k] + (pos,) + s[k + 1 :]
                threads.append((target, s, h, 0))
            return
        stack = [(pc, slots, hist)]
        while stack:
            pc, slots, hist = stack.pop()
            if pc in visited:
                continue
            visited.add(pc)
            op, a, b = code[pc]
            if op == JMP:
                stack.append((a, slots, hist))
            elif op == SPLIT:
                stack.append((b, slots, hist))
                stack.append((a, slots, hist))
            elif op == SAVE_START:
                k = 2 * a
                stack.append((pc + 1, slots[:k] + (pos,) + slots[k + 1 :], hist))
            elif op == SAVE_END:
                k = 2 * a + 1
                stack.append((pc + 1, slots[:k] + (pos,) + slots[k + 1 :], (a, slots[k - 1], pos, hist)))
            elif op == BOL:
                if pos == lo:
                    stack.append((pc + 1, slots, hist))
            elif op == EOL:
                if pos == hi:
                    stack.append((pc + 1, slots, hist))
            elif op == LOOK:
                if ctx.look_holds(program.looks[a], lo, hi, pos):
                    stack.append((pc + 1, slots, hist))
            else:
                threads.append((pc, slots, hist, 0))

    if program.empty_loops:
        closure = _closure_with_empty_loops(program, ctx, lo, hi)

    pos = start
    if candidates is not None:
        i = bisect_left(candidates, pos)
        if i == len(candidates) or candidates[i] >= hi:
            # No token can begin a match; only an empty match could, and first-set programs have none.
            return None
        pos = candidates[i]
    clist: list = []
    closure(clist, set(), 0, (pos,) + init[1:], None, pos)
    matched: Optional[tuple[tuple[int, ...], History, int]] = None
    while True:
        nlist: list = []
        nvisited: set = set()
        waiting: set = set()
        for pc, slots, hist, wait in clist:
            if wait:
                if wait == pos + 1:
                    closure(nlist, nvisited, pc, slots, hist, pos + 1)
                elif (pc, wait) not in waiting:
                    waiting.add((pc, wait))
                    nlist.append((pc, slots, hist, wait))
                continue
            op, a, b = code[pc]
            if op == CONSUME:
                if pos < hi and (a == ANY_TOKEN or pos in truths[a]):
                    closure(nlist, nvisited, pc + 1, slots, hist, pos + 1)
            elif op == MENTION:
                for end, mention_type in ctx.mentions_by_start.get(pos, ()):
                    if end <= hi and ctx.is_a(mention_type, a):
                        if end == pos + 1:
                            closure(nlist, nvisited, pc + 1, slots, hist, pos + 1)
                        elif (pc + 1, end) not in waiting:
                            waiting.add((pc + 1, end))
                            nlist.append((pc + 1, slots, hist, end))
            elif op == MATCH:
                if must_advance and pos == start and slots[0] == start:
                    continue
                matched = (slots, hist, pos)
                break  # lower-priority threads lose to this match
        if pos >= hi:
            break
        pos += 1
        if matched is None:
            if not nlist and candidates is not None:
                # Nothing in flight: jump to the next token that can begin a match.
                i = bisect_left(candidates, pos)
                if i == len(candidates) or candidates[i] >= hi:
                    break
                if candidates[i] != pos:
                    pos = candidates[i]
                    nvisited = set()
            # A new thread starting here, with the lowest priority (leftmost wins);
            # not where no match can begin: it would only make dead threads.
            if can_begin is None or pos in can_begin:
                closure(nlist, nvisited, 0, (pos,) + init[1:], None, pos)
        elif not nlist:
            break
        clist = nlist
    if matched is None:
        return None
    slots, hist, end = matched
    occurrences: list[tuple[int, int, int]] = []
    while hist is not None:
        g, s, e, hist = hist
        occurrences.append((g, s, e))
    occurrences.reverse()
    return RawMatch(slots[0], end, (slots[0], end) + slots[2:], tuple(occurrences))


def _closure_with_empty_loops(program: Program, ctx: DocumentContext, lo: int, hi: int):  # type: ignore[no-untyped-def]
    """The closure of ``search`` for programs with RSPLIT/LOOP/NEXT (``re``'s empty iterations).

    Besides pc, a thread within one position carries ``e``: the depth of the outermost
    repetition with a nullable body whose current iteration began at this position (0:
    none). Iterations begun here at depth ≥ e took no tokens so far, so LOOP/NEXT of a
    repetition at depth d ≥ e leave it rather than iterate again. A thread's future then
    depends on (pc, e), so the visited set holds pc + e·len(code). The e of a thread
    that consumes a token is 0 again, so only threads (pc) go from one position to the next.
    """
    code = program.code
    width = len(code)

    def closure(threads: list, visited: set, pc: int, slots: tuple, hist: History, pos: int) -> None:
        stack = [(pc, slots, hist, 0)]
        while stack:
            pc, slots, hist, e = stack.pop()
            op, a, b = code[pc]
            key = pc if op == CONSUME or op == MENTION or op == MATCH else pc + e * width
            if key in visited:
                continue
            visited.add(key)
            if op == JMP:
                stack.append((a, slots, hist, e))
            elif op == SPLIT:
                stack.append((b, slots, hist, e))
                stack.append((a, slots, hist, e))
            elif op == RSPLIT:
                # Into the body (pc + 1): an iteration begins here. To the exit: this
                # repetition (depth b) is left, so its iteration no longer counts.
                for target in reversed(a):
                    if target == pc + 1:
                        stack.append((target, slots, hist, e or b))
                    else:
                        stack.append((target, slots, hist, 0 if e == b else e))
            elif op == LOOP or op == NEXT:
                depth = code[a][2]
                if e and e <= depth:  # the iteration began at this position: it was empty
                    stack.append((b, slots, hist, 0 if e == depth else e))
                else:
                    stack.append((a if op == LOOP else pc + 1, slots, hist, e))
            elif op == SAVE_START:
                k = 2 * a
                stack.append((pc + 1, slots[:k] + (pos,) + slots[k + 1 :], hist, e))
            elif op == SAVE_END:
                k = 2 * a + 1
                stack.append((pc + 1, slots[:k] + (pos,) + slots[k + 1 :], (a, slots[k - 1], pos, hist), e))
            elif op == BOL:
                if pos == lo:
                    stack.append((pc + 1, slots, hist, e))
            elif op == EOL:
                if pos == hi:
                    stack.append((pc + 1, slots, hist, e))
            elif op == LOOK:
                if ctx.look_holds(program.looks[a], lo, hi, pos):
                    stack.append((pc + 1, slots, hist, e))
            else:
                threads.append((pc, slots, hist, 0))

    return closure


def finditer(program: Program, ctx: DocumentContext, lo: int, hi: int) -> Iterator[RawMatch]:
    """Matches in [lo, hi) as ``re.finditer`` finds them (empty ones included; callers drop them).

    Runs on the compiled core when it is in use (``corevm``), else on ``python_finditer``.
    """
    if corevm.active():
        for start, end, slots, history in corevm.finditer(program, ctx, lo, hi, PROBES_BEFORE_SWEEP):
            yield RawMatch(start, end, slots, history)
        return
    yield from python_finditer(program, ctx, lo, hi)


def python_finditer(program: Program, ctx: DocumentContext, lo: int, hi: int) -> Iterator[RawMatch]:
    """``finditer`` on the Python core: the reference the compiled core is tested against."""
    pos = lo
    must_advance = False
    while pos <= hi:
        m = search(program, ctx, lo, hi, pos, must_advance)
        if m is None:
            return
        yield m
        must_advance = m.end == m.start
        pos = m.end


def _accepting(
    program: Program, ctx: DocumentContext, lo: int, hi: int, single_start: Optional[int], first_only: bool = False
) -> set[int]:
    """Positions where the program reaches MATCH, by set simulation without captures.

    Forward programs start at ``single_start``, or at every position when it is None
    (lookbehind); backward programs start at every position, from the sentence end
    (lookahead). Cost: O((hi - lo) × program size).
    """
    code = program.code
    truths = ctx.truths(program)
    backward = program.backward
    accepted: set[int] = set()
    pending: dict[int, set[int]] = defaultdict(set)  # position → pcs that arrive there inside a mention

    def closure(pcs: Sequence[int], pos: int, out: set[int], visited: set[int]) -> None:
        stack = list(pcs)
        while stack:
            pc = stack.pop()
            if pc in visited:
                continue
            visited.add(pc)
            op, a, b = code[pc]
            if op == JMP or op == LOOP:
                stack.append(a)  # a LOOP's exit is reached through its RSPLIT as well
            elif op == SPLIT:
                stack.append(a)
                stack.append(b)
            elif op == RSPLIT:
                stack.extend(a)
            elif op == NEXT:
                stack.append(pc + 1)
                stack.append(b)
            elif op in (SAVE_START, SAVE_END):
                stack.append(pc + 1)
            elif op == BOL:
                if pos == lo:
                    stack.append(pc + 1)
            elif op == EOL:
                if pos == hi:
                    stack.append(pc + 1)
            elif op == LOOK:
                if ctx.look_holds(program.looks[a], lo, hi, pos):
                    stack.append(pc + 1)
            elif op == MATCH:
                accepted.add(pos)
            else:
                out.add(pc)

    positions = range(hi, lo - 1, -1) if backward else range(lo, hi + 1)
    if single_start is not None:
        positions = range(single_start, lo - 1, -1) if backward else range(single_start, hi + 1)
    step = -1 if backward else 1
    current: set[int] = set()
    for pos in positions:
        visited: set[int] = set()
        nodes: set[int] = set()
        arriving = list(current) + list(pending.pop(pos, ()))
        if single_start is None or pos == single_start:
            arriving.append(0)
        closure(arriving, pos, nodes, visited)
        if first_only and accepted:
            return accepted
        current = set()
        if not nodes:
            if single_start is not None and not pending:
                break
            continue
        for pc in nodes:
            op, a, b = code[pc]
            if op == CONSUME:
                token = pos - 1 if backward else pos
                if lo <= token < hi and (a == ANY_TOKEN or token in truths[a]):
                    current.add(pc + 1)
            elif op == MENTION:
                spans = ctx.mentions_by_end.get(pos, ()) if backward else ctx.mentions_by_start.get(pos, ())
                for other, mention_type in spans:
                    if lo <= other <= hi and ctx.is_a(mention_type, a):
                        if other == pos + step:
                            current.add(pc + 1)
                        else:
                            pending[other].add(pc + 1)
    return accepted


def all_spans(program: Program, ctx: DocumentContext, lo: int, hi: int) -> list[tuple[int, int]]:
    """Every non-empty token span [s, e) of [lo, hi) where the whole pattern matches.

    Runs on the compiled core when it is in use (``corevm``), else on ``python_all_spans``.
    """
    if corevm.active():
        return corevm.all_spans(program, ctx, lo, hi, PROBES_BEFORE_SWEEP)
    return python_all_spans(program, ctx, lo, hi)


def python_all_spans(program: Program, ctx: DocumentContext, lo: int, hi: int) -> list[tuple[int, int]]:
    """``all_spans`` on the Python core: the reference the compiled core is tested against."""
    candidates = _start_candidates(program, ctx, lo, hi)
    starts = candidates if candidates is not None else range(lo, hi)
    spans = []
    for s in starts:
        for e in sorted(_accepting(program, ctx, lo, hi, s)):
            if e > s:
                spans.append((s, e))
    return spans
