"""Rule set × text → explanation: which rules matched, and how far the others got (``ruleie explain``).

The engine answers "what was found"; this module answers "why (not)". It runs the
stages exactly as ``RuleSet.extract_document`` does, keeping what the engine throws
away: every raw match of every rule, the mentions each stage saw, and, for a rule
that did not match a sentence, its longest partial match.

How far a rule got is found by simulating its program with the matcher's set
semantics (as ``matcher._accepting`` does) from every start position of the
sentence, remembering one way each (position, instruction) was reached. The
furthest position any thread reached is where the rule stopped; the CONSUME and
MENTION instructions still alive there (and anchors or lookarounds that failed
there) are what it needed next, and each CONSUME's constraint is evaluated part
by part on the token to name the part that failed:

>>> from ruleie.engine.ruleset import RuleSet
>>> from ruleie.rules.spec import RuleSetSpec
>>> no_rules = RuleSet(RuleSetSpec(types={}, lexicons={}, vars={}, rules=()))
>>> ex = explain_pattern(no_rules, "(?<who> [shape=Xxxx]) [lemma=launch]", "Iran fired missiles at Israel.")
>>> print(ex.sentences[0].misses[0].partial.failures[0].describe())
token 1 "fired": [lemma=launch] failed, lemma is "fire"
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

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
    _Compiler,
    compile_program,
)
from ..text.document import Document, Mention
from ..engine.ruleset import RuleSet, _propagate, _settle_mentions, cap_sentences
from ..errors import PatternError
from ..language.parser import parse_pattern

__all__ = [
    "CaptureSpan",
    "Explanation",
    "Failure",
    "MentionInfo",
    "NoMatch",
    "PartialMatch",
    "RuleMatch",
    "SentenceExplanation",
    "Step",
    "explain",
    "explain_pattern",
    "why_not",
]

# The name the ad-hoc pattern of ``explain_pattern`` goes by in the output.
PATTERN_RULE = "pattern"
# Without --all or --rule, the rules that did not match a sentence but got furthest are
# shown in full, this many of them; the others are named on one line.
MAX_MISSES_SHOWN = 8


# ---------------------------------------------------------------------------
# What an explanation holds: plain values, printable as text or JSON


@attrs.frozen
class CaptureSpan:
    """A capture of a (partial) match: tokens ``[start, end)``; ``closed`` False when the
    partial match stopped inside the capture."""

    name: str
    start: int
    end: int
    text: str
    closed: bool = True


@attrs.frozen
class RuleMatch:
    """One match of a rule in a sentence, and whether its record or mention made it to the output."""

    rule: str
    type: str
    kind: str  # "record", "mention" or "pattern"
    stage: int
    start: int
    end: int
    text: str
    captures: tuple[CaptureSpan, ...] = ()
    kept: Optional[bool] = None  # None for an ad-hoc pattern
    note: str = ""  # why it was not kept


@attrs.frozen
class Step:
    """One element of a partial match and the tokens ``[start, end)`` it took."""

    element: str
    start: int
    end: int
    text: str


@attrs.frozen
class Failure:
    """An element the partial match needed at token ``token``, and why it failed there."""

    token: int
    word: Optional[str]  # None at the end of the sentence
    element: str  # the element as written in canonical form: [lemma=launch], @Actor, $
    constraint: str  # the failing part of the element (the element itself when it is one test)
    reason: str  # 'lemma is "fire"', 'no mention starts here', …

    def describe(self) -> str:
        """``token 7 "fired": [lemma=launch] failed, lemma is "fire"``."""
        where = "the end of the sentence" if self.word is None else f'token {self.token} "{self.word}"'
        return f"{where}: {self.constraint} failed, {self.reason}"


@attrs.frozen
class PartialMatch:
    """The longest partial match of a rule in a sentence: tokens ``[start, stop)`` matched,
    then nothing alive could take token ``stop``."""

    start: int
    stop: int
    text: str
    steps: tuple[Step, ...]
    captures: tuple[CaptureSpan, ...]
    failures: tuple[Failure, ...]

    @property
    def length(self) -> int:
        return self.stop - self.start


@attrs.frozen
class NoMatch:
    """A rule that did not match a sentence. ``partial`` is None when no token of the
    sentence could begin it; ``first`` then lists what its first element needed."""

    rule: str
    type: str
    kind: str
    stage: int
    partial: Optional[PartialMatch]
    first: tuple[Failure, ...] = ()

    @property
    def started(self) -> bool:
        return self.partial is not None


@attrs.frozen
class MentionInfo:
    """A mention the rules could use: its type, tokens, the rule (or lexicon) that made it
    and when (``stage`` -2: came with the document, -1: lexicons, else a rule stage)."""

    type: str
    start: int
    end: int
    text: str
    rule: str
    stage: int


@attrs.frozen
class SentenceExplanation:
    index: int
    start: int
    end: int
    text: str
    matches: tuple[RuleMatch, ...]
    misses: tuple[NoMatch, ...]


@attrs.frozen(eq=False)
class Explanation:
    """Everything ``ruleie explain`` prints for one text."""

    doc: Document
    rules_label: str  # what was explained: "rules/news.yaml (61 rules)" or the pattern
    fields: tuple[str, ...]  # the token fields, in table order
    mentions: tuple[MentionInfo, ...]
    sentences: tuple[SentenceExplanation, ...]
    pattern: Optional[str] = None

    def format(self, *, show_all: bool = False, detail: bool = False) -> str:
        """Readable text. ``detail``: every rule that did not match, with its partial match;
        otherwise rules that never started are summed up in one line (``show_all`` lists them)."""
        return _format(self, show_all=show_all, detail=detail)

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data (``ruleie explain --json``)."""
        return _to_dict(self)


# ---------------------------------------------------------------------------
# Entry points


@attrs.frozen(eq=False)
class _Rule:
    """What explain needs of a rule: the engine's CompiledRule, or the ad-hoc pattern."""

    name: str
    type: str
    kind: str
    stage: int
    program: Program
    node: n.Node


def explain(
    rules: RuleSet,
    text: Union[str, Document],
    *,
    rule_names: Optional[Iterable[str]] = None,
    rules_label: str = "",
) -> Explanation:
    """Explain every rule of ``rules`` (or only ``rule_names``) on one text.

    Raises ``KeyError`` naming an unknown rule.
    """
    wanted = None if rule_names is None else list(rule_names)
    known = {r.name for r in rules.rules}
    for name in wanted or ():
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            raise KeyError(f"no rule named '{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    label = rules_label or f"{len(rules.rules)} rules"
    return _Explainer(rules, _document(rules, text)).run(wanted, None, label)


def explain_pattern(
    rules: RuleSet, pattern: str, text: Union[str, Document]
) -> Explanation:
    """Explain one pattern on a text, with the lexicons, variables and mentions of ``rules``.

    The pattern runs after every stage, so ``@Type`` sees every mention the rules make.
    Raises ``PatternSyntaxError`` or ``PatternError`` for a bad pattern.
    """
    spec = rules.spec
    node = parse_pattern(pattern, vars=dict(spec.vars), lexicons=set(spec.lexicons))
    unknown = [x for x in n.walk(node) if isinstance(x, n.MentionRef) and x.type not in spec.types]
    if unknown:
        from ..errors import diagnostic_at

        problems = []
        for ref in unknown:
            close = difflib.get_close_matches(ref.type, sorted(spec.types), n=1)
            hint = f"did you mean '@{close[0]}'?" if close else "known types: " + ", ".join(sorted(spec.types))
            problems.append(diagnostic_at(f"unknown type '@{ref.type}'", pattern, max(ref.pos, 0), hint=hint))
        raise PatternError(problems)
    lexicons = {name: lex.entries for name, lex in spec.lexicons.items()}
    program = compile_program(node, lexicons=lexicons, source=pattern)
    last = max((stage for stage, _ in rules.stages), default=0)
    adhoc = _Rule(PATTERN_RULE, "-", "pattern", last + 1, program, node)
    return _Explainer(rules, _document(rules, text)).run([], adhoc, pattern)


def why_not(rules: RuleSet, rule_name: str, text: str) -> str:
    """One sentence on why a rule produced nothing for a text (for ``ruleie test`` failures).

    For instance ``the rule did not match: it got as far as "Russia launched a" (tokens 0-2)
    and stopped at token 3 "new": @Weapon failed, no mention starts here``, or ``the rule
    matched "…" but the conflict policy of Strike (merge) kept … instead``.
    """
    explanation = explain(rules, text, rule_names=[rule_name])
    best: Optional[NoMatch] = None
    for sentence in explanation.sentences:
        for m in sentence.matches:
            if m.rule == rule_name:
                if m.kept:
                    return f'the rule matched "{m.text}"'
                return f'the rule matched "{m.text}" but {m.note or "its result is not in the output"}'
        for miss in sentence.misses:
            if best is None or _progress(miss) > _progress(best):
                best = miss
    if best is None:
        return "the rule did not match"
    return "the rule did not match: " + _miss_summary(best)


def _progress(miss: NoMatch) -> int:
    return -1 if miss.partial is None else miss.partial.length


def _document(rules: RuleSet, text: Union[str, Document]) -> Document:
    doc = text if isinstance(text, Document) else rules.annotate(text, "explain")
    # Sentences as the engine sees them: overlong ones are cut into pieces.
    return cap_sentences(doc, getattr(rules, "max_sentence_tokens", 0))


# ---------------------------------------------------------------------------
# Running the stages, as the engine does, and keeping what it finds


class _Explainer:
    def __init__(self, rules: RuleSet, doc: Document):
        self.rules = rules
        self.doc = doc
        lexicons = {name: lex.entries for name, lex in rules.spec.lexicons.items()}
        self.compiler = _Compiler(lexicons, {}, "")
        self.holds_cache: dict[int, frozenset[int]] = {}
        self.keep: list[object] = []

    def run(self, wanted: Optional[list[str]], adhoc: Optional[_Rule], label: str) -> Explanation:
        rules, doc = self.rules, self.doc
        types = rules.types
        stage_of: dict[tuple[str, int, int], int] = {}
        mentions = list(doc.mentions)
        for m in mentions:
            stage_of.setdefault((m.type, m.start, m.end), -2)
        lexicon_mentions = rules._lexicon_mentions(doc)
        for m in lexicon_mentions:
            stage_of.setdefault((m.type, m.start, m.end), -1)
        mentions = _settle_mentions(mentions + lexicon_mentions, types)
        ctx = matcher.DocumentContext(doc.with_mentions(mentions), rules.ancestors)
        raw_matches: list[tuple[_Rule, matcher.RawMatch, tuple[int, int]]] = []
        contexts: dict[str, matcher.DocumentContext] = {}
        selected = wanted
        explained: list[_Rule] = []
        for stage, stage_rules in rules.stages:
            found: list[Mention] = []
            for compiled in stage_rules:
                rule = _Rule(compiled.name, compiled.type.name, compiled.type.kind, stage, compiled.program, compiled.spec.node)
                if selected is None or compiled.name in selected:
                    explained.append(rule)
                    contexts[rule.name] = ctx
                for lo, hi in doc.sentences:
                    for raw in matcher.finditer(compiled.program, ctx, lo, hi):
                        if raw.end == raw.start:
                            continue
                        raw_matches.append((rule, raw, (lo, hi)))
                        if compiled.makes_mentions:
                            found.append(rules._mention(compiled, raw, doc, (lo, hi)))
            if found:
                mentions = _settle_mentions(mentions + found, types)
                mentions = _settle_mentions(mentions + _propagate(doc, mentions, types), types)
                for m in mentions:
                    stage_of.setdefault((m.type, m.start, m.end), stage)
                ctx = ctx.with_mentions(doc.with_mentions(mentions))
        if adhoc is not None:
            explained.append(adhoc)
            contexts[adhoc.name] = ctx
            for lo, hi in doc.sentences:
                for raw in matcher.finditer(adhoc.program, ctx, lo, hi):
                    if raw.end > raw.start:
                        raw_matches.append((adhoc, raw, (lo, hi)))
        records, final_mentions = rules.extract_document(doc)
        explained_names = {r.name for r in explained}

        sentences = []
        for index, (lo, hi) in enumerate(doc.sentences):
            matches = []
            matched_rules = set()
            for rule, raw, (slo, shi) in raw_matches:
                if (slo, shi) != (lo, hi) or rule.name not in explained_names:
                    continue
                matched_rules.add(rule.name)
                matches.append(self.rule_match(rule, raw, hi, records, final_mentions))
            misses = []
            for rule in explained:
                if rule.name not in matched_rules:
                    misses.append(self.no_match(rule, contexts[rule.name], lo, hi))
            misses.sort(key=lambda m: -_progress(m))  # stable: rule order among equals
            cs, ce = doc.char_span(lo, hi)
            sentences.append(SentenceExplanation(index, lo, hi, doc.text[cs:ce], tuple(matches), tuple(misses)))

        infos = tuple(
            MentionInfo(m.type, m.start, m.end, self.text(m.start, m.end), m.rule, stage_of.get((m.type, m.start, m.end), -2))
            for m in mentions
        )
        fields = ("word", "lower", "lemma", "shape", "num") + tuple(sorted(doc.extra_fields))
        pattern = label if adhoc is not None else None
        return Explanation(doc, label, tuple(dict.fromkeys(fields)), infos, tuple(sentences), pattern)

    # -- helpers -------------------------------------------------------------

    def text(self, start: int, end: int, sentence_end: Optional[int] = None) -> str:
        cs, ce = self.doc.char_span(start, end, sentence_end)
        return self.doc.text[cs:ce]

    def word(self, i: int) -> str:
        return self.doc.text[self.doc.starts[i] : self.doc.ends[i]]

    def rule_match(
        self, rule: _Rule, raw: matcher.RawMatch, hi: int, records: Sequence[Any], final_mentions: Sequence[Mention]
    ) -> RuleMatch:
        captures = []
        for g, name in enumerate(rule.program.group_names, start=1):
            for s, e in raw.occurrences(g):
                captures.append(CaptureSpan(name, s, e, self.text(s, e, hi)))
        captures.sort(key=lambda c: (c.start, c.end))
        kept: Optional[bool] = None
        note = ""
        if rule.kind == "mention":
            kept = any(m.rule == rule.name and (m.start, m.end) == (raw.start, raw.end) for m in final_mentions)
            if not kept:
                winners = sorted({m.rule for m in final_mentions if m.type == rule.type and m.start < raw.end and raw.start < m.end})
                note = _dropped_note(self.rules, rule.type, winners)
        elif rule.kind == "record":
            cs, ce = self.doc.char_span(raw.start, raw.end, hi)
            kept = any(rule.name in r.rule.split("+") and r.start <= cs and ce <= r.end for r in records)
            if not kept:
                winners = sorted({r.rule for r in records if r.type == rule.type and r.start < ce and cs < r.end})
                note = _dropped_note(self.rules, rule.type, winners)
        return RuleMatch(
            rule.name, rule.type, rule.kind, rule.stage, raw.start, raw.end, self.text(raw.start, raw.end, hi),
            tuple(captures), kept, note,
        )

    def holds(self, expr: n.Expr, ctx: matcher.DocumentContext, i: int) -> bool:
        """Whether token i satisfies ``expr``, by the compiler's own predicate code."""
        key = id(expr)
        positions = self.holds_cache.get(key)
        if positions is None:
            positions = self.compiler.positions_function(expr, 0)(ctx)
            self.holds_cache[key] = positions
            self.keep.append(expr)
        return i in positions

    # -- how far a rule got --------------------------------------------------

    def no_match(self, rule: _Rule, ctx: matcher.DocumentContext, lo: int, hi: int) -> NoMatch:
        elements = _elements(rule.node, rule.program)
        best: Optional[_Run] = None
        firsts: dict[str, Failure] = {}
        for start in range(lo, hi):
            run = _simulate(rule.program, ctx, lo, hi, start)
            if run.stop > start and (best is None or run.stop - start > best.stop - best.start):
                best = run
            if run.stop == start:
                for pc in run.failing:
                    failure = self.first_failure(rule, elements, ctx, pc, lo, hi)
                    firsts.setdefault(failure.element, failure)
        if best is None:
            # What the first token must be says more than an anchor or lookaround that
            # failed at some other start: keep those only when nothing else failed.
            consuming = {k: f for k, f in firsts.items() if not (f.element.startswith("(?") or f.element in ("^", "$"))}
            firsts = consuming or firsts
            if not firsts:  # nothing failed, so every thread reached MATCH without taking a token
                whole = "the whole pattern"
                firsts[whole] = Failure(lo, None, whole, whole, "it matches only an empty sequence here, and empty matches never count")
            return NoMatch(rule.name, rule.type, rule.kind, rule.stage, None, tuple(firsts.values()))
        return NoMatch(rule.name, rule.type, rule.kind, rule.stage, self.partial(rule, elements, ctx, best, hi))

    def partial(self, rule: _Rule, elements: dict[int, n.Node], ctx: matcher.DocumentContext, run: _Run, hi: int) -> PartialMatch:
        failures: dict[str, Failure] = {}
        for pc in run.failing:
            failure = self.failure(rule, elements, ctx, pc, run.stop, hi)
            failures.setdefault(failure.describe(), failure)
        steps: list[Step] = []
        opened: dict[int, list[int]] = defaultdict(list)
        captures: list[CaptureSpan] = []
        for event in run.path():
            kind = event[0]
            if kind == "take":
                _, pc, s, e = event
                steps.append(Step(_element_text(elements, rule.program, pc), s, e, self.text(s, e)))
            elif kind == "open":
                opened[event[1]].append(event[2])
            elif kind == "close" and opened[event[1]]:
                s = opened[event[1]].pop()
                name = rule.program.group_names[event[1] - 1]
                captures.append(CaptureSpan(name, s, event[2], self.text(s, event[2], hi)))
        for group, starts in opened.items():
            for s in starts:
                if s == run.stop:
                    continue  # opened just where the match stopped: it took nothing
                name = rule.program.group_names[group - 1]
                captures.append(CaptureSpan(name, s, run.stop, self.text(s, run.stop, hi), closed=False))
        captures.sort(key=lambda c: (c.start, c.end))
        return PartialMatch(
            run.start, run.stop, self.text(run.start, run.stop, hi), tuple(steps), tuple(captures), tuple(failures.values())
        )

    def first_failure(
        self, rule: _Rule, elements: dict[int, n.Node], ctx: matcher.DocumentContext, pc: int, lo: int, hi: int
    ) -> Failure:
        """Why an element that a match must begin with matched nowhere in the sentence."""
        op, a, _ = rule.program.code[pc]
        element = _element_text(elements, rule.program, pc)
        reason = ""
        if op == CONSUME:
            hits = [i for i in range(lo, hi) if a == ANY_TOKEN or i in ctx.truth(rule.program.predicates[a])]  # type: ignore[index]
            if not hits:
                reason = "no token in this sentence satisfies it"
            else:
                reason = f"only {_positions(hits)} satisfy it, and what must come before fails there"
        elif op == MENTION:
            found = [s for s in range(lo, hi) for _, t in ctx.mentions_by_start.get(s, ()) if ctx.is_a(t, a)]  # type: ignore[arg-type]
            reason = f"no @{a} mention in this sentence" if not found else f"@{a} mentions are at {_positions(found)}, where what must come before fails"
        elif op == BOL:
            reason = "holds only at the start of the sentence"
        elif op == EOL:
            reason = "holds only at the end of the sentence"
        elif op == LOOK:
            reason = "does not hold where the rule could begin"
        return Failure(lo, None, element, element, reason)

    def failure(
        self, rule: _Rule, elements: dict[int, n.Node], ctx: matcher.DocumentContext, pc: int, pos: int, hi: int
    ) -> Failure:
        op, a, _ = rule.program.code[pc]
        element = _element_text(elements, rule.program, pc)
        word = self.word(pos) if pos < hi else None
        if op == CONSUME:
            if pos >= hi:
                return Failure(pos, None, element, element, "the sentence has no more tokens")
            expr = rule.program.predicates[a].expr  # type: ignore[index]
            failing = self.failing_part(expr, ctx, pos)
            constraint = f"[{n.unparse_expr(failing)}]"
            return Failure(pos, word, element, constraint, self.values_of(failing, pos))
        if op == MENTION:
            here = [(end, t) for end, t in ctx.mentions_by_start.get(pos, ())]
            if pos >= hi:
                return Failure(pos, None, element, element, "the sentence has no more tokens")
            if not here:
                return Failure(pos, word, element, element, "no mention starts here")
            shown = ", ".join(f'{t} "{self.text(pos, end)}"' + (" (ends after the sentence)" if end > hi else "") for end, t in here)
            return Failure(pos, word, element, element, f"the mentions starting here are {shown}")
        if op == BOL:
            return Failure(pos, word, element, element, "this is not the start of the sentence")
        if op == EOL:
            return Failure(pos, word, element, element, "this is not the end of the sentence")
        if op == LOOK:
            look = rule.program.looks[a]  # type: ignore[index]
            side = "before" if look.behind else "after"
            verb = "matches" if look.negate else "does not match"
            return Failure(pos, word, element, element, f"what comes {side} {verb}")
        return Failure(pos, word, element, element, "")

    def failing_part(self, expr: n.Expr, ctx: matcher.DocumentContext, i: int) -> n.Expr:
        """The smallest part of a constraint that makes it false on token i."""
        if isinstance(expr, n.And):
            for operand in expr.operands:
                if not self.holds(operand, ctx, i):
                    return self.failing_part(operand, ctx, i)
        return expr

    def values_of(self, expr: n.Expr, i: int) -> str:
        fields = sorted(n.expr_fields(expr))
        parts = []
        for field in fields:
            column = self.doc.column(field)
            if column is None:
                parts.append(f"the annotator provides no {field}")
                continue
            value = column[i]
            parts.append(f"{field} is not set" if value is None else f"{field} is {_show_value(value)}")
        return ", ".join(parts)


def _dropped_note(rules: RuleSet, type_name: str, winners: list[str]) -> str:
    spec = rules.types.get(type_name)
    policy = spec.conflict if spec is not None else "drop-contained"
    if winners:
        return f"the conflict policy of {type_name} ({policy}) kept {', '.join(winners)} instead"
    if spec is not None and spec.key:
        return f"it is not in the output: the conflict policy of {type_name} ({policy}) dropped it, or it fills none of the key fields ({', '.join(spec.key)})"
    return f"it is not in the output: the conflict policy of {type_name} ({policy}) dropped it"


def _show_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)




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


# ---------------------------------------------------------------------------
# Text output


def _span(start: int, end: int) -> str:
    if end - start <= 1:
        return f"token {start}"
    return f"tokens {start}-{end - 1}"


def _positions(positions: Sequence[int]) -> str:
    unique = sorted(set(positions))
    shown = ", ".join(str(p) for p in unique[:5]) + (", …" if len(unique) > 5 else "")
    return ("token " if len(unique) == 1 else "tokens ") + shown


def _stage_text(stage: int) -> str:
    if stage == -2:
        return "from the document"
    if stage == -1:
        return "lexicons, before stage 0"
    return f"stage {stage}"


def _miss_summary(miss: NoMatch) -> str:
    if miss.partial is None:
        needs = "; ".join(f"{f.constraint} ({f.reason})" for f in miss.first) or "nothing could begin it"
        return f"no token here can begin it: {needs}"
    p = miss.partial
    if p.failures and p.failures[0].word is None:
        needed = " or ".join(f.constraint for f in p.failures)
        return f'it got as far as "{p.text}" ({_span(p.start, p.stop)}) and reached the end of the sentence, still needing {needed}'
    if not p.failures:
        return f'it got as far as "{p.text}" ({_span(p.start, p.stop)}) and nothing more could match'
    rest = "".join(f"; {f.constraint} failed, {f.reason}" for f in p.failures[1:])
    return f'it got as far as "{p.text}" ({_span(p.start, p.stop)}) and stopped at {p.failures[0].describe()}{rest}'


def _token_table(ex: Explanation, lo: int, hi: int, indent: str) -> list[str]:
    columns = ex.doc._all_columns()
    header = ["#"] + list(ex.fields)
    rows = []
    for i in range(lo, hi):
        row = [str(i)]
        for field in ex.fields:
            value = columns.get(field)
            v = None if value is None else value[i]
            row.append("-" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
        rows.append(row)
    widths = [max(len(r[k]) for r in [header] + rows) for k in range(len(header))]
    lines = []
    for r in [header] + rows:
        cells = [r[0].rjust(widths[0])] + [c.ljust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _grouped_steps(steps: Sequence[Step]) -> list[tuple[str, int, int, int]]:
    """Consecutive steps of one element (a repetition) as one: (element, start, end, count)."""
    grouped: list[tuple[str, int, int, int]] = []
    for step in steps:
        if grouped and grouped[-1][0] == step.element and grouped[-1][2] == step.start:
            element, start, _, count = grouped[-1]
            grouped[-1] = (element, start, step.end, count + 1)
        else:
            grouped.append((step.element, step.start, step.end, 1))
    return grouped


def _text_of(doc: Document, start: int, end: int) -> str:
    cs, ce = doc.char_span(start, end)
    return doc.text[cs:ce]


def _stop_lines(p: PartialMatch, indent: str) -> list[str]:
    """Where a partial match stopped and what failed there: one line for one failure."""
    if not p.failures:
        return [f"{indent}stopped at {_span(p.stop, p.stop + 1)}: nothing more could match"]
    first = p.failures[0]
    if first.word is None:
        needed = " or ".join(f.constraint for f in p.failures)
        return [f"{indent}reached the end of the sentence, still needing {needed}"]
    if len(p.failures) == 1:
        return [f"{indent}stopped at {first.describe()}"]
    lines = [f'{indent}stopped at token {first.token} "{first.word}", where all of these failed:']
    # Mention references that failed for one reason share a line: "@A, @B failed, no mention starts here".
    by_reason: dict[str, list[str]] = {}
    for f in p.failures:
        key = f.reason if f.constraint.startswith("@") else f"{f.constraint}\0{f.reason}"
        by_reason.setdefault(key, []).append(f.constraint)
    for key, constraints in by_reason.items():
        lines.append(f"{indent}  {', '.join(constraints)} failed, {key.split(chr(0))[-1]}")
    return lines


def _format(ex: Explanation, *, show_all: bool, detail: bool) -> str:
    out: list[str] = []
    if ex.pattern is not None:
        out.append(f"Pattern: {ex.pattern}")
    else:
        out.append(f"Rules: {ex.rules_label}")
    for sentence in ex.sentences:
        out.append("")
        out.append(f"Sentence {sentence.index + 1} ({_span(sentence.start, sentence.end)}): {sentence.text}")
        out.append("")
        out.append("  Tokens:")
        out.extend(_token_table(ex, sentence.start, sentence.end, "    "))
        here = [m for m in ex.mentions if sentence.start <= m.start < sentence.end]
        out.append("")
        if here:
            out.append("  Mentions (from lexicons and earlier stages):")
            width_type = max(len(m.type) for m in here)
            width_span = max(len(_span(m.start, m.end)) for m in here)
            for m in here:
                out.append(
                    f"    {m.type.ljust(width_type)}  {_span(m.start, m.end).ljust(width_span)}  "
                    f'"{m.text}"  by {m.rule or "?"} ({_stage_text(m.stage)})'
                )
        else:
            out.append("  Mentions: none")
        out.append("")
        if sentence.matches:
            out.append("  Matched:")
            for m in sentence.matches:
                name = "the pattern" if m.kind == "pattern" else m.rule
                target = "" if m.kind == "pattern" else f" -> {m.type} {m.kind}"
                status = ""
                if m.kept is True:
                    status = "  [in the output]"
                elif m.kept is False:
                    status = "  [not in the output]"
                out.append(f'    {name}{target}, {_span(m.start, m.end)}: "{m.text}"{status}')
                if m.kept is False and m.note:
                    out.append(f"        {m.note}")
                if m.captures:
                    width = max(len(c.name) for c in m.captures)
                    for c in m.captures:
                        out.append(f'        {c.name.ljust(width)}  {_span(c.start, c.end)}: "{c.text}"')
        else:
            out.append("  Matched: nothing")
        misses = list(sentence.misses)
        if not misses:
            continue
        started = [m for m in misses if m.started]
        never = [m for m in misses if not m.started]
        shown = started + never if (detail or show_all) else started[:MAX_MISSES_SHOWN]
        rest = [m for m in misses if m not in shown]
        out.append("")
        out.append("  Did not match" + (" (those that got furthest first):" if len(shown) > 1 else ":"))
        for miss in shown:
            out.append("    the pattern" if miss.kind == "pattern" else f"    {miss.rule} ({miss.type}, stage {miss.stage})")
            if miss.partial is None:
                out.append("        no token in this sentence can begin it; its first element needs:")
                for f in miss.first:
                    out.append(f"          {f.constraint}: {f.reason}")
                continue
            p = miss.partial
            out.append(f'        longest partial match: {_span(p.start, p.stop)}: "{p.text}"')
            if detail and p.steps:
                rows = [
                    (_span(start, end), f'"{_text_of(ex.doc, start, end)}"', element + (f" ({count} times)" if count > 1 else ""))
                    for element, start, end, count in _grouped_steps(p.steps)
                ]
                w0 = max(len(r[0]) for r in rows)
                w1 = max(len(r[1]) for r in rows)
                for span, text, element in rows:
                    out.append(f"          {span.ljust(w0)}  {text.ljust(w1)}  {element}")
            if p.captures:
                shown = ", ".join(
                    f'{c.name} = "{c.text}"' + ("" if c.closed else " (unfinished)") for c in p.captures
                )
                out.append(f"          captures: {shown}")
            out.extend(_stop_lines(p, "        "))
        if rest:
            names = ", ".join(m.rule for m in rest)
            out.append(
                f"    {len(rest)} more rule{'s' if len(rest) != 1 else ''} did not match "
                f"(--all, or --rule NAME, shows why): {names}"
            )
    return "\n".join(out)


# ---------------------------------------------------------------------------
# JSON output


def _capture_dict(c: CaptureSpan) -> dict[str, Any]:
    d: dict[str, Any] = {"name": c.name, "start": c.start, "end": c.end, "text": c.text}
    if not c.closed:
        d["closed"] = False
    return d


def _failure_dict(f: Failure) -> dict[str, Any]:
    return {
        "token": f.token,
        "word": f.word,
        "element": f.element,
        "constraint": f.constraint,
        "reason": f.reason,
        "message": f.describe(),
    }


def _json_value(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def _to_dict(ex: Explanation) -> dict[str, Any]:
    doc = ex.doc
    columns = doc._all_columns()
    tokens = []
    for i in range(len(doc)):
        fields = {f: _json_value(columns[f][i]) for f in ex.fields if f in columns}
        tokens.append({"index": i, "start": doc.starts[i], "end": doc.ends[i], **fields})
    sentences = []
    for s in ex.sentences:
        sentences.append(
            {
                "index": s.index,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "matches": [
                    {
                        "rule": m.rule,
                        "type": m.type,
                        "kind": m.kind,
                        "stage": m.stage,
                        "start": m.start,
                        "end": m.end,
                        "text": m.text,
                        "kept": m.kept,
                        "note": m.note or None,
                        "captures": [_capture_dict(c) for c in m.captures],
                    }
                    for m in s.matches
                ],
                "misses": [
                    {
                        "rule": m.rule,
                        "type": m.type,
                        "kind": m.kind,
                        "stage": m.stage,
                        "started": m.started,
                        "first": [_failure_dict(f) for f in m.first],
                        "partial": None
                        if m.partial is None
                        else {
                            "start": m.partial.start,
                            "stop": m.partial.stop,
                            "text": m.partial.text,
                            "steps": [attrs.asdict(st) for st in m.partial.steps],
                            "captures": [_capture_dict(c) for c in m.partial.captures],
                            "failures": [_failure_dict(f) for f in m.partial.failures],
                        },
                    }
                    for m in s.misses
                ],
            }
        )
    return {
        "text": doc.text,
        "rules": None if ex.pattern is not None else ex.rules_label,
        "pattern": ex.pattern,
        "fields": list(ex.fields),
        "tokens": tokens,
        "mentions": [
            {"type": m.type, "start": m.start, "end": m.end, "text": m.text, "rule": m.rule, "stage": m.stage}
            for m in ex.mentions
        ],
        "sentences": sentences,
    }

