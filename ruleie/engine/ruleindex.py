"""The rule set as one program: an index from the tokens a match can begin with to the rules.

Most rules can only begin at a token with a known value ("launched", an entry of a
lexicon) or at a mention of a known type. The index maps each such anchor to its
rules, so a document is checked against all rules by looking up each of its
distinct token values once: the cost follows the document's size, not the number
of rules. Rules without a usable anchor (a regex or a negation first, ``[]``)
are checked by evaluating their first predicates.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping, Optional, Sequence

from ..language import nodes as n
from ..language.compiler import Predicate, Program, literal_alternatives
from ..language import corevm
from ..language.matcher import DocumentContext

Anchors = Optional[frozenset[tuple[str, object]]]


def expr_anchors(expr: n.Expr, lexicons: Mapping[str, Iterable[str]]) -> Anchors:
    """(field, value) pairs one of which a token satisfying ``expr`` must have, or None if unknown.

    >>> sorted(expr_anchors(n.Or((n.Compare("lower", "=", n.Literal("met")),
    ...                           n.Compare("lemma", "=", n.Literal("meet")))), {}))
    [('lemma', 'meet'), ('lower', 'met')]
    """
    if isinstance(expr, n.Compare):
        if expr.op != "=" or expr.field == "num":
            return None
        if isinstance(expr.value, n.Literal):
            return frozenset({(expr.field, expr.value.text)})
        words = literal_alternatives(expr.value)
        return None if words is None else frozenset((expr.field, w) for w in words)
    if isinstance(expr, n.InLexicon):
        entries = lexicons.get(expr.lexicon)
        if entries is None:
            return None
        fold = expr.field in ("lower", "lemma")
        # The columns of lower and lemma hold lower-case values; a lexicon matches them case-insensitively.
        return frozenset((expr.field, e.lower() if fold else e) for e in entries)
    if isinstance(expr, n.Or):
        parts = [expr_anchors(o, lexicons) for o in expr.operands]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)  # type: ignore[arg-type]
    if isinstance(expr, n.And):
        # Any operand's anchors are necessary; the smallest set filters best.
        known = [p for p in (expr_anchors(o, lexicons) for o in expr.operands) if p is not None]
        return min(known, key=len) if known else None
    return None


class RuleIndex:
    """Which rules of a set can match somewhere in a document."""

    def __init__(self, programs: Sequence[Program], lexicons: Mapping[str, Iterable[str]]):
        self.size = len(programs)
        self.by_value: dict[str, dict[object, list[int]]] = defaultdict(dict)
        self.by_predicate: dict[int, tuple[Predicate, list[int]]] = {}
        self.by_mention: dict[str, list[int]] = defaultdict(list)
        self.always: list[int] = []
        # Per rule, the literal choices every match needs besides its first unit (each
        # field → the values one of which some token must have); a document missing one
        # cannot hold a match.
        self.needs: list[tuple[dict[str, frozenset[object]], ...]] = []
        # Rules share their predicates: each one's anchors are worked out once.
        self._anchors: dict[int, tuple[Predicate, Anchors]] = {}
        for number, program in enumerate(programs):
            self._add(number, program, lexicons)
            needs = []
            for predicates, mention_types in program.required:
                if mention_types:
                    continue
                parts = [self._predicate_anchors(program.predicates[k], lexicons) for k in predicates]
                if parts and all(p is not None for p in parts):
                    by_field: dict[str, set[object]] = defaultdict(set)
                    for field, value in frozenset().union(*parts):  # type: ignore[arg-type]
                        by_field[field].add(value)
                    needs.append({field: frozenset(values) for field, values in by_field.items()})
            self.needs.append(tuple(needs))
        del self._anchors

    def _predicate_anchors(self, predicate: Predicate, lexicons: Mapping[str, Iterable[str]]) -> Anchors:
        known = self._anchors.get(id(predicate))
        if known is None:  # the entry holds the predicate, so its id is not reused meanwhile
            known = self._anchors[id(predicate)] = (predicate, expr_anchors(predicate.expr, lexicons))
        return known[1]

    def _add(self, number: int, program: Program, lexicons: Mapping[str, Iterable[str]]) -> None:
        if program.first is None:
            self.always.append(number)
            return
        for mention_type in getattr(program, "first_mentions", ()):
            self.by_mention[mention_type].append(number)
        for k in program.first:
            predicate = program.predicates[k]
            anchors = self._predicate_anchors(predicate, lexicons)
            if anchors is None:
                entry = self.by_predicate.setdefault(id(predicate), (predicate, []))
                entry[1].append(number)
                continue
            for field, value in anchors:
                self.by_value[field].setdefault(value, []).append(number)

    def token_candidates(self, ctx: DocumentContext) -> set[int]:
        """Rules whose first token occurs in the document (mention anchors aside)."""
        hit: set[int] = set(self.always)
        for field, table in self.by_value.items():
            values = ctx.values(field)
            if len(values) <= len(table):
                for value in values:
                    rules = table.get(value)
                    if rules:
                        hit.update(rules)
            else:
                for value, rules in table.items():
                    if value in values:
                        hit.update(rules)
        compiled = corevm.active()
        for predicate, rules in self.by_predicate.values():
            # On the compiled core, the predicate's bitset (which its rules will use anyway).
            if (corevm.row(ctx, predicate).strip(b"\0") if compiled else ctx.truth(predicate)):
                hit.update(rules)
        return {number for number in hit if self.needs_met(number, ctx)}

    def needs_met(self, number: int, ctx: DocumentContext) -> bool:
        """Whether the document has a choice of each literal requirement of rule ``number``."""
        for choices in self.needs[number]:
            if all(ctx.values(field).keys().isdisjoint(values) for field, values in choices.items()):
                return False
        return True

    def mention_candidates(self, mention_types: Iterable[str], ancestors: Mapping[str, frozenset[str]]) -> set[int]:
        """Rules that can begin with a mention of one of these types (or a supertype they belong to)."""
        hit: set[int] = set()
        for mention_type in mention_types:
            for wanted in ancestors.get(mention_type, frozenset({mention_type})) | {mention_type}:
                rules = self.by_mention.get(wanted)
                if rules:
                    hit.update(rules)
        return hit
