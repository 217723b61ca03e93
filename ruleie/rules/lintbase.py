"""What a lint sees, and the loader's own lints.

A lint is a function of a ``LintContext`` that yields warnings: the context
holds the loaded (possibly partial) spec and a ``PatternSite`` for every
pattern text written in the rule files, each able to place an offset of its
text at a line and column of its file. ``check_rule_files`` runs ``LINTS`` (or
the lints it is given); ``lint.py`` adds more. Add a function to ``LINTS`` to
add a lint.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator, Mapping, Optional

import attrs

from ..errors import Diagnostic
from ..language import nodes as n
from .spec import RuleSetSpec, RuleSpec, SourceLocation
from .taxonomy import BUILTIN_TYPES, ancestor_map

__all__ = [
    "LINTS",
    "Lint",
    "LintContext",
    "PatternSite",
    "lint_mentions_before_stage",
    "lint_multi_word_in_constraint",
    "lint_unused_lexicons",
    "lint_upper_case_lower",
]


# ---------------------------------------------------------------------------
# The lint contract


@attrs.frozen(eq=False)
class PatternSite:
    """One pattern text written in a rule file: a rule's ``pattern`` or one text of a variable.

    ``node`` is the parsed pattern. Nodes that came from a ``${var}`` belong to
    the variable's own site; ``own_nodes`` and ``own_exprs`` skip them, so a lint
    reports each problem once, where it is written. Offsets (``node.pos``) of own
    nodes are offsets into ``text``; ``diagnostic`` places them in the file.
    """

    kind: str  # "rule", "var" or "context" (a pattern of a rule's `context:`)
    name: str  # the rule's or the variable's name
    text: str
    node: n.Node
    file: str
    rule: Optional[RuleSpec] = None  # the rule (kind "rule", when it loaded without errors)
    type: Optional[str] = None  # the rule's type
    stage: Optional[int] = None  # the rule's stage
    _locate: Callable[[int], Diagnostic] = attrs.field(default=None, repr=False, alias="locate")
    _foreign: frozenset[int] = attrs.field(default=frozenset(), repr=False, alias="foreign")

    def own_nodes(self) -> Iterator[n.Node]:
        """Every node written in this text, parents first (not those a ``${var}`` brought in)."""
        stack: list[n.Node] = [self.node]
        while stack:
            node = stack.pop()
            if id(node) in self._foreign:
                continue
            yield node
            stack.extend(reversed(n.children(node)))

    def own_exprs(self) -> Iterator[n.Expr]:
        """Every token-constraint expression written in this text, outermost first."""
        for node in self.own_nodes():
            if isinstance(node, n.TokenTest) and node.expr is not None:
                stack: list[n.Expr] = [node.expr]
                while stack:
                    expr = stack.pop()
                    yield expr
                    if isinstance(expr, n.Not):
                        stack.append(expr.operand)
                    elif isinstance(expr, (n.And, n.Or)):
                        stack.extend(reversed(expr.operands))

    def diagnostic(
        self, message: str, offset: int, *, severity: str = "warning", hint: Optional[str] = None
    ) -> Diagnostic:
        """A diagnostic at character ``offset`` of the pattern text, placed at its line and column in the file."""
        where = self._locate(offset)
        return attrs.evolve(where, message=message, severity=severity, hint=hint)


@attrs.frozen(eq=False)
class LintContext:
    """What a lint sees: the (possibly partial) spec, every pattern site, and a way to place a message."""

    spec: RuleSetSpec
    sites: tuple[PatternSite, ...]
    _sources: Mapping[str, str] = attrs.field(repr=False, alias="sources")
    # False when some pattern did not parse: lints that need every use of a name
    # (an unused lexicon) stay quiet rather than guess.
    complete: bool = True

    def rule_sites(self) -> Iterator[PatternSite]:
        return (s for s in self.sites if s.kind == "rule")

    def at(
        self, location: SourceLocation, message: str, *, severity: str = "warning", hint: Optional[str] = None
    ) -> Diagnostic:
        """A diagnostic at a ``SourceLocation`` of a loaded file (a type's, lexicon's or rule's location)."""
        text = self._sources.get(location.file)
        line = None
        if text is not None:
            lines = text.split("\n")
            line = lines[location.line - 1] if 0 < location.line <= len(lines) else None
        return Diagnostic(message, severity, location.file, location.line, location.column, line, hint)


Lint = Callable[[LintContext], Iterable[Diagnostic]]


# ---------------------------------------------------------------------------
# The loader's own lints


def lint_upper_case_lower(ctx: LintContext) -> Iterator[Diagnostic]:
    """``[lower=Kyiv]`` can never match: ``lower`` holds the lower-cased word."""
    for site in ctx.sites:
        for expr in site.own_exprs():
            if not (isinstance(expr, n.Compare) and expr.field == "lower" and expr.op in ("=", "!=")):
                continue
            value = expr.value
            if isinstance(value, n.Literal) and value.text != value.text.lower():
                effect = "can never match" if expr.op == "=" else "is always true"
                yield site.diagnostic(
                    f"[lower{expr.op}{value.text}] {effect}: `lower` is the lower-cased word",
                    _value_offset(site.text, expr.pos),
                    hint=f"write [lower{expr.op}{value.text.lower()}], or [word{expr.op}{value.text}] for the exact case",
                )


def lint_unused_lexicons(ctx: LintContext) -> Iterator[Diagnostic]:
    """A lexicon that no pattern uses, that makes no mentions and that ``names: genders:``
    does not read does nothing."""
    if not ctx.complete:
        return
    used = {e.lexicon for s in ctx.sites for e in s.own_exprs() if isinstance(e, n.InLexicon)}
    used |= ctx.spec.names.gender_lexicons
    used |= ctx.spec.names.role_lexicons
    for lexicon in ctx.spec.lexicons.values():
        if lexicon.name not in used and lexicon.mention is None and lexicon.location is not None:
            yield ctx.at(
                lexicon.location,
                f"lexicon '{lexicon.name}' is never used: no pattern says [… in {lexicon.name}] and it makes no mentions",
                hint="use it in a pattern, give it `mention: Type`, or remove it",
            )


def lint_multi_word_in_constraint(ctx: LintContext) -> Iterator[Diagnostic]:
    """Inside ``[lower in x]`` only single-word entries can match one token."""
    for site in ctx.sites:
        for expr in site.own_exprs():
            if not isinstance(expr, n.InLexicon):
                continue
            lexicon = ctx.spec.lexicons.get(expr.lexicon)
            if lexicon is None:
                continue
            phrases = sorted(e for e in lexicon.entries if " " in e)
            if phrases:
                shown = ", ".join(repr(p) for p in phrases[:3]) + (", …" if len(phrases) > 3 else "")
                yield site.diagnostic(
                    f"lexicon '{lexicon.name}' has {len(phrases)} multi-word "
                    f"entr{'y' if len(phrases) == 1 else 'ies'} ({shown}) that can never match "
                    f"inside a token constraint: [{expr.field} in {lexicon.name}] tests one token",
                    _lexicon_offset(site.text, expr.pos),
                    hint="to match phrases, give the lexicon `mention: SomeType` and write @SomeType",
                )


def lint_mentions_before_stage(ctx: LintContext) -> Iterator[Diagnostic]:
    """``@Type`` matches mentions found by an *earlier* stage (or by lexicons, before stage 0)."""
    spec = ctx.spec
    ancestors = ancestor_map(spec.types)
    producers: list[tuple[str, int]] = [(lx.mention, -1) for lx in spec.lexicons.values() if lx.mention]
    producers += [(name, -1) for name in BUILTIN_TYPES]  # the linguistic layer's, before stage 0
    producers += [
        (s.type, s.stage)
        for s in ctx.rule_sites()
        if s.type in spec.types and spec.types[s.type].kind == "mention" and s.stage is not None
    ]
    for site in ctx.rule_sites():
        if site.stage is None:
            continue
        for node in site.own_nodes():
            if not isinstance(node, n.MentionRef) or node.type not in spec.types:
                continue
            if any(stage < site.stage and node.type in ancestors.get(t, {t}) for t, stage in producers):
                continue
            yield site.diagnostic(
                f"nothing produces @{node.type} before stage {site.stage}: no lexicon or mention rule of that "
                f"type (or a subtype) runs at an earlier stage, so only mentions that come with the document can match",
                node.pos,
                hint="mention rules run at stage 0 and record rules at stage 1 unless `stage:` says otherwise",
            )


LINTS: tuple[Lint, ...] = (
    lint_upper_case_lower,
    lint_unused_lexicons,
    lint_multi_word_in_constraint,
    lint_mentions_before_stage,
)


def _value_offset(text: str, pos: int) -> int:
    """Where the value of the comparison at ``pos`` starts: the caret goes under `Kyiv` in [lower=Kyiv]."""
    m = re.compile(r"\s*[A-Za-z_]\w*\s*(?:!=|<=|>=|=|<|>)\s*").match(text, max(pos, 0))
    return m.end() if m else pos


def _lexicon_offset(text: str, pos: int) -> int:
    """Where the lexicon name of the membership test at ``pos`` starts: under `places` in [lower in places]."""
    m = re.compile(r"\s*[A-Za-z_]\w*\s+in\s+").match(text, max(pos, 0))
    return m.end() if m else pos
