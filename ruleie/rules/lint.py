"""Rule set → warnings: the lints ``ruleie check`` runs beyond validation.

Each lint is a plain function of a ``rulefile.LintContext`` that yields
diagnostics (see ``rulefile.LINTS`` for the contract); ``ALL_LINTS`` is the
loader's own lints followed by these, and ``lints_for(annotator)`` the same set
for rule files meant to run with another annotator (its token fields).

>>> import textwrap, tempfile, os
>>> from ruleie.rules.rulefile import check_rule_files
>>> path = os.path.join(tempfile.mkdtemp(), "r.yaml")
>>> _ = open(path, "w").write(textwrap.dedent('''
...     ruleie: 1
...     types: {Launch: {fields: {what: str}}}
...     rules:
...       - {name: launch, type: Launch, pattern: '[lower=launched & lower=fired] (?<what> [])'}
... '''))
>>> [d.message for d in check_rule_files(path, lints=ALL_LINTS)]
['rule \\'launch\\' can never match: [lower=launched & lower=fired] never holds: lower cannot be both "launched" and "fired"']
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable, Iterator, Mapping, Optional

from ..language import nodes as n
from ..language.compiler import FieldIndex, _as_number, _Compiler
from ..text.document import DEFAULT_ANNOTATOR, Annotator
from ..errors import Diagnostic
from .lintbase import LINTS, Lint, LintContext, PatternSite
from .taxonomy import ancestor_map as _ancestor_map
from .spec import RuleSpec, TypeSpec

__all__ = [
    "ALL_LINTS",
    "NEW_LINTS",
    "lint_empty_match",
    "lint_never_matches",
    "lint_shadowed_rules",
    "lint_unfilled_fields",
    "lint_unknown_token_fields",
    "lint_unused_captures",
    "lints_for",
    "token_fields_lint",
]


def _own_ids(site: PatternSite) -> set[int]:
    return {id(x) for x in site.own_nodes()}


def _at_node(site: PatternSite, node: Any, own: set[int], message: str, hint: Optional[str] = None) -> Diagnostic:
    """A warning at ``node`` when it is written in this pattern, else at the pattern's start."""
    if id(node) in own and getattr(node, "pos", -1) >= 0:
        return site.diagnostic(message, node.pos, hint=hint)
    return site.diagnostic(message, max(site.node.pos, 0), hint=hint)


def _typed_sites(ctx: LintContext) -> Iterator[tuple[PatternSite, RuleSpec, TypeSpec]]:
    for site in ctx.rule_sites():
        rule = site.rule
        if rule is None:
            continue
        rtype = ctx.spec.types.get(rule.type)
        if rtype is not None:
            yield site, rule, rtype


# ---------------------------------------------------------------------------
# Captures and fields


def _used_captures(rule: RuleSpec, rtype: TypeSpec) -> set[str]:
    """Captures a record rule turns into fields: named in `fields:`, or named like a field it leaves to them."""
    explicit = {m.field for m in rule.fields}
    used: set[str] = set()
    for m in rule.fields:
        if isinstance(m.capture, str):
            used.add(m.capture)
        elif m.capture:
            used.update(m.capture)
    used.update(f.name for f in rtype.fields if f.name not in explicit)
    return used


def lint_unused_captures(ctx: LintContext) -> Iterator[Diagnostic]:
    """A capture of a record rule that fills no field: not a field of the type, and no `fields:` entry names it.

    Mention rules keep every capture on the mention, so only record rules are checked.
    """
    for site, rule, rtype in _typed_sites(ctx):
        if rtype.kind != "record":
            continue
        used = _used_captures(rule, rtype)
        own = _own_ids(site)
        captures = [x for x in n.walk(rule.node) if isinstance(x, n.Capture)]
        reported: set[str] = set()
        for capture in captures:
            name = capture.name
            if name in used or name in reported:
                continue
            reported.add(name)
            # Report where the capture is written in this pattern if it is (the first such place).
            node = next((c for c in captures if c.name == name and id(c) in own), capture)
            field_names = [f.name for f in rtype.fields]
            if name in field_names:
                mapping = next(m for m in rule.fields if m.field == name)
                source = f"capture '{mapping.capture}'" if mapping.capture else "a constant"
                message = f"capture '{name}' is not used: `fields:` fills {name} from {source} instead"
                hint = "remove the capture or the `fields:` entry"
            else:
                close = difflib.get_close_matches(name, field_names, n=1)
                message = f"capture '{name}' fills no field: type '{rtype.name}' has no field '{name}' and no `fields:` entry uses it"
                if close:
                    hint = f"did you mean (?<{close[0]}> …)?"
                elif field_names:
                    hint = f"name it after a field of {rtype.name} ({', '.join(field_names)}), map it in `fields:`, or write a plain group ( … )"
                else:
                    hint = f"{rtype.name} has no fields: write a plain group ( … )"
            if id(node) not in own:
                message += " (the capture comes from a variable)"
            yield _at_node(site, node, own, message, hint)


def lint_unfilled_fields(ctx: LintContext) -> Iterator[Diagnostic]:
    """A field of a record type that no rule of that type fills (by a capture or in `fields:`)."""
    if not ctx.complete or any(site.rule is None for site in ctx.rule_sites()):
        return  # a rule that did not load might fill it
    spec = ctx.spec
    by_type: dict[str, list[RuleSpec]] = {}
    for rule in spec.rules:
        by_type.setdefault(rule.type, []).append(rule)
    has_children = {p for t in spec.types.values() for p in t.parents}
    for rtype in spec.types.values():
        if rtype.kind != "record" or rtype.location is None:
            continue
        rules = by_type.get(rtype.name, [])
        if not rules:
            if rtype.name not in has_children and rtype.fields:
                yield ctx.at(
                    rtype.location,
                    f"no rule makes records of type '{rtype.name}', so none of its fields is ever filled",
                    hint="add a rule with `type: " + rtype.name + "`, or remove the type",
                )
            continue
        filled: set[str] = set()
        for rule in rules:
            filled.update(m.field for m in rule.fields)
            filled.update(n.capture_names(rule.node))
        for field in rtype.fields:
            if field.name not in filled:
                yield ctx.at(
                    rtype.location,
                    f"field '{field.name}' of type '{rtype.name}' is never filled: no rule of that type "
                    f"captures (?<{field.name}> …) or sets it in `fields:`",
                    hint="capture it in a rule, or remove the field",
                )


# ---------------------------------------------------------------------------
# Patterns that match nothing, or only nothing


def lint_empty_match(ctx: LintContext) -> Iterator[Diagnostic]:
    """A rule whose pattern can match zero tokens: every part of it is optional.

    (A pattern that can *only* match zero tokens is an error of the loader.)
    """
    for site, rule, _ in _typed_sites(ctx):
        lo, hi = n.width(rule.node)
        if lo == 0 and hi != 0:
            yield site.diagnostic(
                f"rule '{rule.name}' can match an empty sequence of tokens: every part of its pattern is optional, "
                "and an empty match never makes a record or a mention",
                max(site.node.pos, 0),
                hint="make at least one part required (drop a `?` or `*`, or use `+`)",
            )


class _OneToken(FieldIndex):
    """A FieldIndex of one imaginary token whose field ``field`` is ``value``."""

    def __init__(self, field: str, value: object):
        self.field = field
        self.value = value

    def values(self, field: str) -> Mapping[object, list[int]]:
        return {self.value: [0]} if field == self.field and self.value is not None else {}

    def all_positions(self) -> frozenset[int]:
        return frozenset({0})




def _literal_equality(expr: n.Expr) -> Optional[tuple[str, str]]:
    if isinstance(expr, n.Compare) and expr.op == "=" and isinstance(expr.value, n.Literal):
        return expr.field, expr.value.text
    return None


def _bracket(expr: n.Expr) -> str:
    return f"[{n.unparse_expr(expr)}]"


_BOUNDS = {">": (1, False), ">=": (1, True), "<": (-1, False), "<=": (-1, True), "=": (0, True)}


class _Satisfiability:
    """Decides, without a document, that some constraints can never hold (never the reverse)."""

    def __init__(self, ctx: LintContext, fields: frozenset[str]):
        self.fields = fields
        lexicons = {name: lex.entries for name, lex in ctx.spec.lexicons.items()}
        self.lexicons = ctx.spec.lexicons
        self.compiler = _Compiler(lexicons, {}, "")

    def never(self, expr: n.Expr) -> Optional[str]:
        """Why ``expr`` holds for no token, or None when it may hold."""
        if isinstance(expr, n.Compare):
            if expr.field not in self.fields:
                return f"{_bracket(expr)} never holds: no configured annotator provides the token field '{expr.field}'"
            value = expr.value
            if isinstance(value, n.Literal):
                if expr.field == "lower" and expr.op == "=" and value.text != value.text.lower():
                    return f"{_bracket(expr)} never holds: `lower` is the lower-cased word"
                numeric = expr.field == "num" or expr.op not in ("=", "!=")
                if numeric and _as_number(value.text) is None:
                    return f"{_bracket(expr)} never holds: {value.text!r} is not a number"
            return None
        if isinstance(expr, n.InLexicon):
            if expr.field not in self.fields:
                return f"{_bracket(expr)} never holds: no configured annotator provides the token field '{expr.field}'"
            lexicon = self.lexicons.get(expr.lexicon)
            if lexicon is not None:
                if not lexicon.entries:
                    return f"{_bracket(expr)} never holds: lexicon '{expr.lexicon}' has no entries"
                if all(" " in e for e in lexicon.entries):
                    return f"{_bracket(expr)} never holds: every entry of lexicon '{expr.lexicon}' has several words, and the test is on one token"
            return None
        if isinstance(expr, n.Not):
            return None
        if isinstance(expr, n.Or):
            reasons = [self.never(o) for o in expr.operands]
            if all(reasons):
                return f"{_bracket(expr)} never holds: no alternative can ({reasons[0]})"
            return None
        for operand in expr.operands:
            reason = self.never(operand)
            if reason:
                return reason
        return self.contradiction(expr)

    def contradiction(self, expr: n.And) -> Optional[str]:
        pinned: dict[str, list[str]] = {}
        for operand in expr.operands:
            eq = _literal_equality(operand)
            if eq is not None:
                pinned.setdefault(eq[0], []).append(eq[1])
        for field, values in pinned.items():
            distinct = list(dict.fromkeys(values))
            if field == "num":
                if len({_as_number(v) for v in distinct}) > 1:
                    return f"{_bracket(expr)} never holds: {field} cannot be both {distinct[0]} and {distinct[1]}"
            elif len(distinct) > 1:
                shown = " and ".join(f'"{v}"' for v in distinct[:2])
                return f"{_bracket(expr)} never holds: {field} cannot be both {shown}"
        # One value pinned: every other test on that field must accept it.
        for field, values in pinned.items():
            value: object = values[0]
            if field == "num":
                value = _as_number(values[0])
            index = _OneToken(field, value)
            for operand in expr.operands:
                if _literal_equality(operand) == (field, values[0]) or n.expr_fields(operand) != {field}:
                    continue
                try:
                    holds = bool(self.compiler.positions_function(operand, 0)(index))
                except Exception:  # an unknown lexicon is the loader's error, not ours
                    continue
                if not holds:
                    return f"{_bracket(expr)} never holds: {field}={values[0]} contradicts {_bracket(operand)}"
        return self.empty_range(expr)

    def empty_range(self, expr: n.And) -> Optional[str]:
        """Numeric comparisons on one field whose ranges do not meet: [num>5 & num<3]."""
        bounds: dict[str, list[tuple[int, float, bool, n.Compare]]] = {}
        for operand in expr.operands:
            if not isinstance(operand, n.Compare) or not isinstance(operand.value, n.Literal):
                continue
            if operand.op not in _BOUNDS or (operand.op == "=" and operand.field != "num"):
                continue
            number = _as_number(operand.value.text)
            if number is None:
                continue
            side, inclusive = _BOUNDS[operand.op]
            bounds.setdefault(operand.field, []).append((side, number, inclusive, operand))
        for field, items in bounds.items():
            low: Optional[tuple[float, bool, n.Compare]] = None
            high: Optional[tuple[float, bool, n.Compare]] = None
            for side, number, inclusive, operand in items:
                if side >= 0 and (low is None or number > low[0] or (number == low[0] and not inclusive)):
                    low = (number, inclusive, operand)
                if side <= 0 and (high is None or number < high[0] or (number == high[0] and not inclusive)):
                    high = (number, inclusive, operand)
            if low is not None and high is not None:
                if low[0] > high[0] or (low[0] == high[0] and not (low[1] and high[1])):
                    return f"{_bracket(expr)} never holds: no {field} is both {_bracket(low[2])} and {_bracket(high[2])}"
        return None


def _producers(ctx: LintContext) -> list[tuple[str, int]]:
    """(mention type, stage) of everything that makes mentions; lexicons and the linguistic
    layer's types (NP, PERSON, …) come before stage 0."""
    from .taxonomy import BUILTIN_TYPES

    spec = ctx.spec
    found: list[tuple[str, int]] = [(lx.mention, -1) for lx in spec.lexicons.values() if lx.mention]
    found += [(name, -1) for name in BUILTIN_TYPES]
    # From the pattern sites, not spec.rules: a mention rule with an error elsewhere still counts.
    found += [
        (site.type, site.stage)
        for site in ctx.rule_sites()
        if site.type in spec.types and spec.types[site.type].kind == "mention" and site.stage is not None
    ]
    return found


def lint_never_matches(ctx: LintContext, fields: frozenset[str] = DEFAULT_ANNOTATOR.fields) -> Iterator[Diagnostic]:
    """A rule that can never match: a required part of its pattern matches nothing.

    Found: a token constraint that no token can satisfy (``[lower=Kyiv]``, a contradiction
    such as ``[lower=a & lower=b]``, a field no annotator provides, an empty lexicon), an
    ``@Type`` that nothing makes before the rule's stage, a token required after ``$``
    or before ``^``. Only parts every match needs count: an optional part that can never
    match is not reported here.
    """
    sat = _Satisfiability(ctx, fields)
    ancestors = _ancestor_map(ctx.spec.types)
    producers = _producers(ctx) if ctx.complete else None
    for site, rule, _ in _typed_sites(ctx):
        own = _own_ids(site)

        def never(node: n.Node) -> Optional[tuple[str, Any]]:
            if isinstance(node, n.TokenTest):
                reason = sat.never(node.expr) if node.expr is not None else None
                return (reason, node) if reason else None
            if isinstance(node, n.MentionRef):
                if producers is None or node.type not in ctx.spec.types:
                    return None
                if any(stage < rule.stage and node.type in ancestors.get(t, {t}) for t, stage in producers):
                    return None
                return (f"nothing makes @{node.type} mentions before stage {rule.stage}", node)
            if isinstance(node, n.Look):
                return None if node.negate else never(node.body)
            if isinstance(node, n.Capture):
                return never(node.body)
            if isinstance(node, n.Repeat):
                return never(node.body) if node.min > 0 else None
            if isinstance(node, n.Alt):
                reasons = [never(o) for o in node.options]
                return reasons[0] if all(reasons) else None
            if isinstance(node, n.Seq):
                for item in node.items:
                    found = never(item)
                    if found:
                        return found
                for k, item in enumerate(node.items):
                    if isinstance(item, n.Anchor) and item.kind == "$":
                        after = next((x for x in node.items[k + 1 :] if n.width(x)[0] > 0), None)
                        if after is not None:
                            return (f"`$` is the end of the sentence, so {n.unparse(after)} cannot come after it", item)
                    if isinstance(item, n.Anchor) and item.kind == "^":
                        before = next((x for x in node.items[:k] if n.width(x)[0] > 0), None)
                        if before is not None:
                            return (f"`^` is the start of the sentence, so {n.unparse(before)} cannot come before it", item)
            return None

        found = never(rule.node)
        if found:
            reason, node = found
            yield _at_node(site, node, own, f"rule '{rule.name}' can never match: {reason}")


def lint_shadowed_rules(ctx: LintContext) -> Iterator[Diagnostic]:
    """A rule with the same type and pattern as a higher-ranked rule adds nothing.

    Ranked as the engine ranks records: priority high first, then rule order. The
    lower-ranked rule's records lose every conflict (``drop-contained``, ``best``), or are
    exact duplicates when both rules fill the same fields; ``keep-all`` and ``merge``
    types keep or merge them, so there it is only reported for identical field mappings.
    """
    spec = ctx.spec
    groups: dict[tuple[str, str], list[tuple[int, RuleSpec]]] = {}
    for order, rule in enumerate(spec.rules):
        groups.setdefault((rule.type, n.unparse(rule.node)), []).append((order, rule))
    for (type_name, _), members in groups.items():
        if len(members) < 2:
            continue
        rtype = spec.types.get(type_name)
        ranked = sorted(members, key=lambda m: (-m[1].priority, m[0]))
        for _, rule in ranked[1:]:
            for _, winner in ranked:
                if winner is rule:
                    break
                uses_mentions = any(isinstance(x, n.MentionRef) for x in n.walk(rule.node))
                if uses_mentions and winner.stage != rule.stage:
                    continue  # different stages see different mentions
                same_fields = set(winner.fields) == set(rule.fields)
                if not same_fields and (rtype is None or rtype.conflict in ("keep-all", "merge")):
                    continue
                why = (
                    f"a higher priority ({winner.priority} > {rule.priority})"
                    if winner.priority > rule.priority
                    else "the same priority and comes first"
                )
                where = f" ({winner.location})" if winner.location is not None else ""
                if rule.location is None:
                    break
                yield ctx.at(
                    rule.pattern_location or rule.location,
                    f"rule '{rule.name}' is shadowed by rule '{winner.name}'{where}: same type {type_name} and "
                    f"the same pattern, and '{winner.name}' has {why}, so '{rule.name}' never adds a record",
                    hint="remove one of them, or change the pattern or the priority",
                )
                break


# ---------------------------------------------------------------------------
# Token fields


def token_fields_lint(fields: Iterable[str], annotator_name: str = "the default annotator") -> Lint:
    """A lint for token fields that no configured annotator provides (``fields``)."""
    provided = frozenset(fields)

    def lint_unknown_token_fields(ctx: LintContext) -> Iterator[Diagnostic]:
        """``[tag=NN]`` when the annotator gives tokens no ``tag``: the test is always false."""
        listed = ", ".join(sorted(provided))

        def hint_for(field: str) -> str:
            close = difflib.get_close_matches(field, sorted(provided), n=1)
            if close:
                return f"did you mean '{close[0]}'?"
            return "fields such as dep need an annotator that provides them (e.g. spaCy with a parser)"

        for site in ctx.sites:
            for expr in site.own_exprs():
                if isinstance(expr, (n.Compare, n.InLexicon)) and expr.field not in provided:
                    yield site.diagnostic(
                        f"no configured annotator provides the token field '{expr.field}' "
                        f"({annotator_name} provides {listed}), so [{n.unparse_expr(expr)}] is always false",
                        max(expr.pos, 0),
                        hint=hint_for(expr.field),
                    )
        for lexicon in ctx.spec.lexicons.values():
            if lexicon.field not in provided and lexicon.location is not None:
                yield ctx.at(
                    lexicon.location,
                    f"lexicon '{lexicon.name}' compares entries with the token field '{lexicon.field}', "
                    f"which no configured annotator provides ({annotator_name} provides {listed})",
                    hint=hint_for(lexicon.field),
                )

    return lint_unknown_token_fields


lint_unknown_token_fields = token_fields_lint(DEFAULT_ANNOTATOR.fields)

def lint_programs_compile(ctx: LintContext) -> Iterator[Diagnostic]:
    """Errors that appear only when a rule is compiled (a program too large after unrolling
    repetitions), at the rule's pattern: `ruleie check` reports what `ruleie run` would."""
    from ..errors import PatternError
    from ..language.compiler import compile_program

    lexicons = {name: lex.entries for name, lex in ctx.spec.lexicons.items()}
    cache: dict = {}
    for rule in ctx.spec.rules:
        try:
            compile_program(rule.node, lexicons=lexicons, cache=cache, source=rule.pattern)
        except PatternError as error:
            where = rule.pattern_location or rule.location
            for d in error.diagnostics:
                if where is None:
                    yield d
                else:
                    yield ctx.at(where, f"rule '{rule.name}': {d.message}", severity="error", hint=d.hint)


NEW_LINTS: tuple[Lint, ...] = (
    lint_programs_compile,
    lint_unused_captures,
    lint_unfilled_fields,
    lint_empty_match,
    lint_never_matches,
    lint_shadowed_rules,
    lint_unknown_token_fields,
)

ALL_LINTS: tuple[Lint, ...] = LINTS + NEW_LINTS


def lints_for(annotator: Optional[Annotator] = None) -> tuple[Lint, ...]:
    """Every lint, for rule files run with ``annotator`` (default: the default annotator)."""
    if annotator is None:
        return ALL_LINTS
    fields = frozenset(annotator.fields)
    name = type(annotator).__name__

    def never_matches(ctx: LintContext) -> Iterator[Diagnostic]:
        return lint_never_matches(ctx, fields)

    never_matches.__doc__ = lint_never_matches.__doc__
    replaced = {lint_never_matches: never_matches, lint_unknown_token_fields: token_fields_lint(fields, name)}
    return LINTS + tuple(replaced.get(lint, lint) for lint in NEW_LINTS)
