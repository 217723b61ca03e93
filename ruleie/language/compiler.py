"""AST → program: token constraints become predicates, the pattern becomes automaton code.

The program is what the matcher simulates (a Pike VM). Instructions are small
tuples ``(opcode, a, b)`` so the hot loop can unpack them cheaply. The instruction set
and ``Program`` are in ``program.py``, token predicates in ``predicates.py`` and the
regex guard in ``regex_guard.py``; their names are importable from here too.
"""

from __future__ import annotations

import re
from typing import Callable, Collection, Mapping, MutableMapping, Optional, Union

import attrs

from . import nodes as n
from ..errors import PatternError, diagnostic_at

# The names of the parts, re-exported: most importers take them from the compiler.
from .predicates import (
    VALUE_CACHE_SIZE,
    FieldIndex,
    Predicate,
    _as_number,
    literal_alternatives,
    positions_function,
    value_plan,
)
from .program import (
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
    OPCODE_NAMES,
    RSPLIT,
    SAVE_END,
    SAVE_START,
    SPLIT,
    Instruction,
    LookProgram,
    Program,
)
from .regex_guard import MAX_REGEX_VALUE_LENGTH, regex_hazard, regex_hazard_message

# Counted repetitions are unrolled; this bounds the size of one program.
MAX_PROGRAM_SIZE = 200_000

# What patterns compiled together share: predicates, and lookaround programs (keys begin "look").
PredicateCache = MutableMapping[tuple[object, ...], Union[Predicate, LookProgram]]


def compile_program(
    node: n.Node,
    *,
    lexicons: Optional[Mapping[str, Collection[str]]] = None,
    cache: Optional[PredicateCache] = None,
    source: str = "",
) -> Program:
    """Compile a pattern AST to a program.

    ``cache`` lets many patterns share predicates and lookarounds (a rule set passes one dict).
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
    # Unchanged parts are kept as they are (most patterns have no alternatives to merge).
    if isinstance(node, n.Seq):
        items = tuple(merge_token_alternatives(i) for i in node.items)
        return node if all(a is b for a, b in zip(items, node.items)) else n.Seq(items, pos=node.pos)
    if isinstance(node, (n.Repeat, n.Capture, n.Look)):
        body = merge_token_alternatives(node.body)
        return node if body is node.body else attrs.evolve(node, body=body)
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
        # Predicates, and lookarounds by what they are (the node, positions aside, and the
        # lexicons it reads): a lookaround spelled out twice, in a rule or across the rule set
        # (a variable such as "not denied" in many rules), is one LookProgram, whose answers
        # for a sentence the matchers then compute once.
        self.cache = cache
        self.source = source
        # The same constraint node comes back many times in one pattern (a repetition is
        # unrolled, a variable spelled out): found by identity before any hashing of its tree.
        self._by_node: dict[int, tuple[n.Expr, Predicate]] = {}

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
        edge_start = _start_set(code, edge=BOL if backward else EOL)
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
            edge_first=edge_start,
            empty_loops=any(op == RSPLIT for op, _, _ in code),
            required=required,
        )

    def predicate(self, expr: n.Expr, pos: int) -> Predicate:
        seen = self._by_node.get(id(expr))
        if seen is not None and seen[0] is expr:
            return seen[1]
        found = self._predicate(expr, pos)
        self._by_node[id(expr)] = (expr, found)  # holds expr: its id is not reused meanwhile
        return found

    def _predicate(self, expr: n.Expr, pos: int) -> Predicate:
        if isinstance(expr, n.Compare):  # most constraints: no lexicon
            key: tuple[object, ...] = (expr, ())
        else:
            key = (expr, self.lexicon_key(_lexicon_names(expr)))
        found = self.cache.get(key)
        if found is None:
            names = _lexicon_names(expr) if key[1] else ()
            found = Predicate(
                expr, frozenset(n.expr_fields(expr)), self.positions_function(expr, pos), value_plan(expr, self.lexicons),
                {name: self.lexicons[name] for name in names if name in self.lexicons},
            )
            self.cache[key] = found
        return found

    def lexicon_key(self, names: Collection[str]) -> tuple[tuple[str, int], ...]:
        """Which lexicons ``names`` are here: part of a cache key (rule files may differ)."""
        return tuple((name, id(self.lexicons.get(name))) for name in sorted(names))

    def positions_function(self, expr: n.Expr, pos: int) -> Callable[[FieldIndex], frozenset[int]]:
        return positions_function(expr, pos, self.lexicons, self.source)


def _node_lexicon_names(node: n.Node) -> set[str]:
    """The lexicons the token constraints anywhere under ``node`` read."""
    return set().union(*(_lexicon_names(x.expr) for x in n.walk(node) if isinstance(x, n.TokenTest) and x.expr is not None))


def _lexicon_names(expr: n.Expr) -> set[str]:
    if isinstance(expr, n.InLexicon):
        return {expr.lexicon}
    if isinstance(expr, n.Not):
        return _lexicon_names(expr.operand)
    if isinstance(expr, (n.And, n.Or)):
        return set().union(*(_lexicon_names(o) for o in expr.operands))
    return set()


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
            key = ("look", node, self.compiler.lexicon_key(_node_lexicon_names(node)))
            look = self.compiler.cache.get(key)
            if look is None:
                body = node.body if node.behind else reverse(node.body)
                program = self.compiler.program(body, backward=not node.behind)
                probe = self.compiler.program(reverse(node.body) if node.behind else node.body, backward=node.behind)
                look = self.compiler.cache[key] = LookProgram(node.behind, node.negate, program, probe)
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
                if nullable:
                    # After every optional copy, the last one too: an iteration that began at
                    # this position and took no tokens must be forgotten on leaving the
                    # repetition, or an enclosing loop takes its next iteration for a
                    # non-empty one (one capture occurrence too many).
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
        # One requirement per option (its narrowest), joined: some option's must hold. Among
        # equally narrow ones, the one whose words are rarest by a rough measure (no common
        # word, longest shortest word): "conversation" rules out more documents than "had".
        chosen = []
        for option in node.options:
            found = _requirements(option)
            if not found:
                return []
            chosen.append(min(found, key=lambda r: (len(r[0]) + len(r[1]), -_rarity(r))))
        return [(frozenset().union(*(c[0] for c in chosen)), frozenset().union(*(c[1] for c in chosen)))]
    return []  # anchors and lookaround take no token


def _rarity(requirement: Requirement) -> int:
    """A rough rank of how few documents hold a token meeting the requirement: the length of
    the shortest word its tests accept, 1 when one is a common word, 0 when unknown (a
    mention, a pattern with a class or a wildcard).

    >>> _rarity((frozenset({n.Compare("lower", "=", n.Regex("conversation|talks"))}), frozenset()))
    5
    >>> _rarity((frozenset({n.Compare("lower", "=", n.Regex("held|had"))}), frozenset()))
    1
    >>> _rarity((frozenset({n.Compare("lower", "=", n.Regex("[a-z]+ing"))}), frozenset()))
    0
    """
    exprs, types = requirement
    if types or not exprs:
        return 0
    return min(_expr_rarity(e) for e in exprs)


# Words in nearly every news document: a requirement of one of them rules out nothing.
_COMMON_WORDS = frozenset(
    "a an the of in on at to for by with from as and or but not no that this these those it its "
    "he she they we his her their is are was were be been being has have had do does did will would "
    "can could may might should said says say told also after before over into about up out down".split()
)


def _word_stems(regex: n.Regex) -> Optional[frozenset[str]]:
    """The words of a list such as ``/meetings?|talks/``, each without its optional letters
    ("meeting", "talks"); None for any other regex (a class, a wildcard: no telling)."""
    words = literal_alternatives(regex)
    if words is not None:
        return words
    parts = regex.source.split("|")
    # (one letter and its "?" per step: a pattern that cannot backtrack, on any source)
    if "i" in regex.flags or not all(re.fullmatch(r"(?:[a-z'’-]\??)+", part) for part in parts):
        return None
    return frozenset(re.sub(r".\?", "", part) for part in parts)


def _expr_rarity(expr: n.Expr) -> int:
    if isinstance(expr, n.Compare) and expr.op == "=" and expr.field in ("lower", "word", "lemma"):
        words = (
            frozenset({expr.value.text}) if isinstance(expr.value, n.Literal)
            else _word_stems(expr.value) if isinstance(expr.value, n.Regex) else None
        )
        if not words:
            return 0
        return 1 if any(w.lower() in _COMMON_WORDS for w in words) else min(map(len, words))
    if isinstance(expr, n.InLexicon):
        return 2  # (its entries are not known here: between a common word and a rare one)
    if isinstance(expr, n.Or):
        return min(_expr_rarity(o) for o in expr.operands)
    if isinstance(expr, n.And):
        return max(_expr_rarity(o) for o in expr.operands)
    return 0


def _start_set(
    code: tuple[Instruction, ...], edge: Optional[int] = None
) -> Optional[tuple[tuple[int, ...], tuple[str, ...]]]:
    """The predicates and mention types one of which begins every match, when the program says so.

    With ``edge`` (EOL or BOL): one of which begins every match that does not meet that
    anchor before its first unit (matches that do can only begin at the sentence's edge).
    """
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
        elif op == edge:
            continue  # this path begins at the edge, or nowhere
        elif op in (SAVE_START, SAVE_END, BOL, EOL, LOOK):
            # Captures and assertions take no token: the first unit lies beyond them.
            stack.append(pc + 1)
        else:  # MATCH: the pattern can match without taking a token
            return None
    return tuple(sorted(first)), tuple(sorted(mentions))
