"""Tracing a rule through a sentence: how far its program gets from one start position.

In: a ``Program``, a document context and a start; out: a ``_Run`` (where it stopped, what
failed there, one path to it). ``_elements`` maps instructions back to pattern elements.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping, Optional

import attrs

from ..language import matcher
from ..language import nodes as n
from ..language.compiler import (
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
    PASSES,
    SPLIT,
    Program,
)


# ---------------------------------------------------------------------------
# Instructions → the pattern elements they came from


def _leaves(node: n.Node) -> list[n.Node]:
    """Elements in the order the compiler emits their instructions (repetitions unrolled)."""
    if isinstance(node, (n.Word, n.TokenTest, n.MentionRef, n.Anchor, n.Look)):
        return [node]
    if isinstance(node, n.Capture):
        return _leaves(node.body)
    if isinstance(node, n.Seq):
        return [leaf for item in node.items for leaf in _leaves(item)]
    if isinstance(node, n.Alt):
        return [leaf for option in node.options for leaf in _leaves(option)]
    if isinstance(node, n.Repeat):
        copies = node.min + (0 if node.max == node.min else 1 if node.max is None else node.max - node.min)
        return _leaves(node.body) * copies
    return []


_ELEMENT_OPS = (CONSUME, MENTION, BOL, EOL, LOOK)


def _elements(node: n.Node, program: Program) -> dict[int, n.Node]:
    """pc → the pattern element of each CONSUME, MENTION, anchor and lookaround instruction."""
    pcs = [pc for pc, (op, _, _) in enumerate(program.code) if op in _ELEMENT_OPS]
    for rewrite in PASSES:  # the tree the compiler emitted code for
        node = rewrite(node)
    leaves = _leaves(node)
    if len(pcs) != len(leaves):  # not the compiler's order after all: describe instructions alone
        return {}
    return dict(zip(pcs, leaves))


def _element_text(elements: Mapping[int, n.Node], program: Program, pc: int) -> str:
    node = elements.get(pc)
    if isinstance(node, n.Word):
        return n.unparse(node)
    if node is not None:
        return n.unparse(node)
    op, a, _ = program.code[pc]
    if op == CONSUME:
        return "[]" if a == ANY_TOKEN else f"[{n.unparse_expr(program.predicates[a].expr)}]"  # type: ignore[index]
    if op == MENTION:
        return f"@{a}"
    if op == BOL:
        return "^"
    if op == EOL:
        return "$"
    return "a lookaround"


# ---------------------------------------------------------------------------
# The simulation


@attrs.define
class _Run:
    """The furthest one start position got: ``stop``, the instructions that failed
    there, and parent links to rebuild one path to them."""

    start: int
    stop: int
    failing: list[int]
    parents: dict[tuple[int, int], tuple[Optional[tuple[int, int]], Optional[tuple[Any, ...]]]]
    ends: list[tuple[int, int]]  # the (pos, pc) of the failing instructions

    def path(self) -> list[tuple[Any, ...]]:
        """Events (take / open / close) along one path from the start to the first failure."""
        if not self.ends:
            return []
        events = []
        key: Optional[tuple[int, int]] = self.ends[0]
        while key is not None:
            parent, event = self.parents[key]
            if event is not None:
                events.append(event)
            key = parent
        events.reverse()
        return events


def _simulate(program: Program, ctx: matcher.DocumentContext, lo: int, hi: int, start: int) -> _Run:
    """Set simulation from one start position (as ``matcher._accepting``), with parent links."""
    code = program.code
    truths = [ctx.truth(p) for p in program.predicates]
    parents: dict[tuple[int, int], tuple[Optional[tuple[int, int]], Optional[tuple[Any, ...]]]] = {}
    pending: dict[int, list[tuple[int, tuple[int, int], tuple[Any, ...]]]] = defaultdict(list)
    arriving: list[tuple[int, Optional[tuple[int, int]], Optional[tuple[Any, ...]]]] = [(0, None, None)]
    stop, failing, ends = start, [], []
    for pos in range(start, hi + 1):
        arriving = arriving + list(pending.pop(pos, ()))
        if not arriving:
            if not pending:
                break
            continue
        blocked: list[int] = []
        dead: list[int] = []
        stack = list(reversed(arriving))
        while stack:
            pc, parent, event = stack.pop()
            key = (pos, pc)
            if key in parents:
                continue
            parents[key] = (parent, event)
            op, a, b = code[pc]
            if op == JMP or op == LOOP:
                stack.append((a, key, None))  # type: ignore[arg-type]
            elif op == SPLIT:
                stack.append((b, key, None))  # type: ignore[arg-type]
                stack.append((a, key, None))  # type: ignore[arg-type]
            elif op == RSPLIT:
                for target in reversed(a):  # type: ignore[arg-type]
                    stack.append((target, key, None))
            elif op == NEXT:
                stack.append((b, key, None))  # type: ignore[arg-type]
                stack.append((pc + 1, key, None))
            elif op == SAVE_START:
                stack.append((pc + 1, key, ("open", a, pos)))
            elif op == SAVE_END:
                stack.append((pc + 1, key, ("close", a, pos)))
            elif op == BOL:
                if pos == lo:
                    stack.append((pc + 1, key, None))
                else:
                    dead.append(pc)
            elif op == EOL:
                if pos == hi:
                    stack.append((pc + 1, key, None))
                else:
                    dead.append(pc)
            elif op == LOOK:
                if ctx.look_holds(program.looks[a], lo, hi, pos):  # type: ignore[index]
                    stack.append((pc + 1, key, None))
                else:
                    dead.append(pc)
            elif op == MATCH:
                pass  # only an empty match can get here: the rule has no other match in this sentence
            else:
                blocked.append(pc)
        arriving = []
        for pc in blocked:
            op, a, _ = code[pc]
            if op == CONSUME:
                if pos < hi and (a == ANY_TOKEN or pos in truths[a]):  # type: ignore[index]
                    arriving.append((pc + 1, (pos, pc), ("take", pc, pos, pos + 1)))
                else:
                    dead.append(pc)
            else:
                took = False
                for end, mention_type in ctx.mentions_by_start.get(pos, ()):
                    if end <= hi and ctx.is_a(mention_type, a):  # type: ignore[arg-type]
                        took = True
                        item = (pc + 1, (pos, pc), ("take", pc, pos, end))
                        if end == pos + 1:
                            arriving.append(item)
                        else:
                            pending[end].append(item)
                if not took:
                    dead.append(pc)
        stop = pos
        failing = sorted(set(dead), key=dead.index)
        ends = [(pos, pc) for pc in failing]
    return _Run(start, stop, failing, parents, ends)
