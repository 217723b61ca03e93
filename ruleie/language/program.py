"""The compiled form of a pattern: the instruction set, ``Program`` and ``LookProgram``.

``compiler.py`` turns a pattern AST into a ``Program``; ``matcher.py`` runs it.
"""

from __future__ import annotations

from typing import Optional

import attrs

from .predicates import Predicate

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
# counted repetition ({n,m}), going on to pc + 1 (the next copy) or b (the end); the
# last copy has one too (pc + 1 is then the end as well), so that leaving the repetition
# after an empty last iteration forgets that iteration like every other exit.
# The matcher tells an empty iteration by tracking, within one position, the
# depth of the outermost such repetition whose iteration began at that position.
CONSUME, MENTION, SPLIT, JMP, SAVE_START, SAVE_END, BOL, EOL, LOOK, MATCH, RSPLIT, LOOP, NEXT = range(13)
OPCODE_NAMES = (
    "CONSUME", "MENTION", "SPLIT", "JMP", "SAVE_START", "SAVE_END", "BOL", "EOL", "LOOK", "MATCH",
    "RSPLIT", "LOOP", "NEXT",
)
ANY_TOKEN = -1

Instruction = tuple[int, object, object]


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
    # The same, for every match that does not begin at the sentence edge the program runs
    # towards (its end forward, its start backward: where "$" or "^" can hold before a unit
    # is taken). A lookaround's probe from any other position that cannot take one of these
    # first fails at once ("(?= "," | and | $)" asked at every word of a content).
    edge_first: Optional[tuple[tuple[int, ...], tuple[str, ...]]] = None
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
