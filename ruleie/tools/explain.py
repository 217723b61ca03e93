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

The simulation and the instruction → element map are in ``explain_trace.py``, the text
and JSON forms in ``explain_format.py``.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any, Iterable, Optional, Sequence, Union

import attrs

from ..language import matcher
from ..language import nodes as n
from ..language.compiler import (
    ANY_TOKEN,
    BOL,
    CONSUME,
    EOL,
    LOOK,
    MENTION,
    Program,
    _Compiler,
    compile_program,
)
from ..text.document import Document, Mention
from ..engine.ruleset import RuleSet, _propagate, _settle_mentions, _settle_more, cap_sentences
from ..errors import PatternError
from ..rules.spec import ContextSpec
from ..language.parser import parse_pattern
from .explain_format import _format, _miss_summary, _to_dict
from .explain_trace import _element_text, _elements, _leaves, _Run, _simulate  # _leaves: re-exported

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
        return _format(self, show_all=show_all, detail=detail, max_misses=MAX_MISSES_SHOWN)

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
        self.out_of_context: set[tuple[str, int, int]] = set()  # matches the rule's ``context:`` turned down

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
                        if compiled.context is not None and not rules.context_allows(compiled, ctx, doc, (lo, hi)):
                            self.out_of_context.add((rule.name, raw.start, raw.end))
                            continue
                        if compiled.makes_mentions:
                            found.append(rules._mention(compiled, raw, doc, (lo, hi)))
            if found:
                mentions = _settle_more(mentions, found, types)
                mentions = _settle_more(mentions, _propagate(doc, mentions, types), types)
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
        # The core fields, the linguistic layer's (np: B/I in a noun phrase), then an annotator's own.
        fields = ("word", "lower", "lemma", "shape", "num", "pos", "tag", "np", "entity") + tuple(sorted(doc.extra_fields))
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
        if (rule.name, raw.start, raw.end) in self.out_of_context:
            kept, note = False, _context_note(self.rules, rule.name)
        elif rule.kind == "mention":
            kept = any(m.rule == rule.name and (m.start, m.end) == (raw.start, raw.end) for m in final_mentions)
            if not kept:
                winners = sorted({m.rule for m in final_mentions if m.type == rule.type and m.start < raw.end and raw.start < m.end})
                note = _dropped_note(self.rules, rule.type, winners)
        elif rule.kind == "record":
            cs, ce = self.doc.char_span(raw.start, raw.end, hi)
            kept = any(rule.name in r.rule.split("+") and r.start <= cs and ce <= r.end for r in records)
            if not kept:
                winners = sorted({r.rule for r in records if r.type == rule.type and r.start < ce and cs < r.end})
                note = _dropped_note(self.rules, rule.type, winners, rule.name)
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


def _context_of(rules: RuleSet, rule_name: str) -> Optional[ContextSpec]:
    """The ``context:`` of the rule named, or None (no such rule, or no context)."""
    return next((r.spec.context for r in rules.rules if r.name == rule_name), None)


def _context_note(rules: RuleSet, rule_name: str) -> str:
    """Why a rule's ``context:`` turned a match down, in the rule file's words."""
    context = _context_of(rules, rule_name)
    assert context is not None
    window = "its sentence"
    if context.before or context.after:
        window += f" and the {context.before} before" if context.before else ""
        window += f" and the {context.after} after" if context.after else ""
    wants = []
    if context.requires is not None:
        wants.append(f"requires {context.requires.strip()!r}")
    if context.excludes is not None:
        wants.append(f"excludes {context.excludes.strip()!r}")
    return f"its context ({' and '.join(wants)} in {window}) turned it down"


def _dropped_note(rules: RuleSet, type_name: str, winners: list[str], rule_name: str = "") -> str:
    spec = rules.types.get(type_name)
    policy = spec.conflict if spec is not None else "drop-contained"
    if winners:
        return f"the conflict policy of {type_name} ({policy}) kept {', '.join(winners)} instead"
    context = _context_of(rules, rule_name)
    if context is not None and context.follows:
        return (f"it is not in the output: no {context.follows} record lies in the {context.before} sentence(s) "
                f"before its own (`context: follows: {context.follows}`), or the conflict policy of {type_name} "
                f"({policy}) dropped it")
    if spec is not None and spec.key:
        return f"it is not in the output: the conflict policy of {type_name} ({policy}) dropped it, or it fills none of the key fields ({', '.join(spec.key)})"
    return f"it is not in the output: the conflict policy of {type_name} ({policy}) dropped it"


def _show_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _positions(positions: Sequence[int]) -> str:
    unique = sorted(set(positions))
    shown = ", ".join(str(p) for p in unique[:5]) + (", …" if len(unique) > 5 else "")
    return ("token " if len(unique) == 1 else "tokens ") + shown

