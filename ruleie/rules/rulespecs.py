"""Rules resolved: each rule's name, type, stage, pattern, field mappings and examples checked into a ``RuleSpec``.

Runs once types, lexicons and variables are resolved. Rule names are unique
across all files; the type must exist; ``stage`` defaults to 0 for mention
rules and 1 for record rules; the pattern is parsed with the variables and
lexicons, and every ``@Type`` in it checked. Fields that a capture of the same
name fills are mapped without being written (``fieldmaps.default_normaliser``).
"""

from __future__ import annotations

import re
from typing import Iterator, Mapping, Optional, Sequence

from yaml.nodes import Node as YamlNode, ScalarNode

from ..errors import PatternError, PatternSyntaxError
from ..language import nodes as n
from ..language.parser import parse_pattern
from .checker import Checker, did_you_mean
from .declarations import CONTEXT_KEYS, RuleDecl
from .examples import read_examples
from .fieldmaps import default_normaliser, field_mappings
from .lintbase import PatternSite
from .spec import ContextSpec, Example, FieldMapping, RuleSpec, SourceLocation, TypeSpec
from .yamlpos import Source, first_character

__all__ = ["resolve_rules"]


def resolve_rules(
    check: Checker,
    decls: Sequence[RuleDecl],
    types: Mapping[str, TypeSpec],
    lexicon_names: set[str],
    var_nodes: Mapping[str, n.Node],
) -> tuple[list[RuleSpec], list[PatternSite]]:
    """Every rule that has no error as a ``RuleSpec``, and a lint site for every rule pattern that parsed.

    A rule with any error (its own or in its field mappings or examples) is left
    out of the rules, but its pattern, when it parsed, is still linted.
    """
    foreign = frozenset(id(x) for v in var_nodes.values() for x in _all_parts(v))
    names: dict[str, SourceLocation] = {}
    rules: list[RuleSpec] = []
    sites: list[PatternSite] = []
    for decl in decls:
        src, items = decl.src, decl.items
        before = len(check.diagnostics)
        location = src.location(decl.node.start_mark.index)

        def required(key: str) -> Optional[YamlNode]:
            if key not in items:
                label = f"rule '{items['name'][1].value}'" if "name" in items and isinstance(items["name"][1], ScalarNode) else "a rule"
                check.error(src, decl.node, f"{label} has no `{key}:`")
                return None
            return items[key][1]

        name_node, type_node, pattern_node = required("name"), required("type"), required("pattern")
        name = check.text(src, name_node, "rule name") if name_node is not None else None
        if name is not None and re.search(r"\s", name):
            check.error(src, name_node, f"rule name {name!r} must not contain blanks")  # type: ignore[arg-type]
            name = None
        if name is not None:
            if name in names:
                check.error(src, name_node, f"duplicate rule name '{name}': already defined at {names[name]}")  # type: ignore[arg-type]
            else:
                names[name] = src.location(name_node.start_mark.index)  # type: ignore[union-attr]
        type_spec: Optional[TypeSpec] = None
        if type_node is not None:
            type_name = check.text(src, type_node, "type")
            if type_name is not None:
                type_spec = types.get(type_name)
                if type_spec is None:
                    check.error(src, type_node, f"unknown type '{type_name}'{did_you_mean(type_name, types)}")
        stage = None
        if "stage" in items:
            stage = check.integer(src, items["stage"][1], "stage")
            if stage is not None and stage < 0:
                check.error(src, items["stage"][1], "stage must be 0 or more")
                stage = None
        elif type_spec is not None:
            stage = 0 if type_spec.kind == "mention" else 1
        priority = 0
        if "priority" in items:
            priority = check.integer(src, items["priority"][1], "priority") or 0
        doc = ""
        if "doc" in items:
            doc = check.text(src, items["doc"][1], "doc", empty_ok=True) or ""
        context = None
        context_patterns: list[tuple[str, n.Node, YamlNode]] = []
        if "context" in items:
            context = _context(check, src, items["context"][1], var_nodes, lexicon_names, types, foreign, context_patterns)

        node: Optional[n.Node] = None
        text: Optional[str] = None
        if pattern_node is not None:
            text = check.text(src, pattern_node, "pattern")
        if text is None:
            check.unparsed += 1
        else:
            assert isinstance(pattern_node, ScalarNode)
            try:
                node = parse_pattern(text, vars=var_nodes, lexicons=lexicon_names, file=src.display)
            except (PatternError, PatternSyntaxError) as error:
                check.pattern_error(src, pattern_node, error)
            if node is not None:
                own = [x for x in n.walk(node) if id(x) not in foreign]
                check.check_mention_refs(src, pattern_node, own, types)
        captures = list(dict.fromkeys(n.capture_names(node))) if node is not None else None

        mappings: list[FieldMapping] = []
        if "fields" in items:
            mappings = field_mappings(check, src, items["fields"][1], type_spec, captures)
        if type_spec is not None and captures is not None:
            mapped = {m.field for m in mappings}
            for field in type_spec.fields:
                if field.name in captures and field.name not in mapped:
                    mappings.append(FieldMapping(field.name, capture=field.name, normalise=default_normaliser(field)))
            order = {f.name: i for i, f in enumerate(type_spec.fields)}
            mappings.sort(key=lambda m: order.get(m.field, len(order)))
        examples: list[Example] = []
        if "examples" in items:
            examples = read_examples(check, src, items["examples"][1], type_spec)

        if node is not None and text is not None and pattern_node is not None:
            rule = None
            if len(check.diagnostics) == before and name is not None and type_spec is not None and stage is not None:
                rule = RuleSpec(
                    name=name,
                    type=type_spec.name,
                    pattern=text,
                    node=node,
                    stage=stage,
                    priority=priority,
                    fields=tuple(mappings),
                    examples=tuple(examples),
                    doc=doc,
                    context=context,
                    location=location,
                    pattern_location=src.location(first_character(src.text, pattern_node)),  # type: ignore[arg-type]
                )
                rules.append(rule)
            sites.append(
                PatternSite(
                    "rule",
                    name or "?",
                    text,
                    node,
                    src.display,
                    rule=rule,
                    type=type_spec.name if type_spec else None,
                    stage=stage,
                    locate=src.locator(pattern_node),  # type: ignore[arg-type]
                    foreign=foreign,
                )
            )
        for text_, node_, value_node in context_patterns:  # linted as written, like a variable's text
            sites.append(PatternSite("context", name or "?", text_, node_, src.display, locate=src.locator(value_node), foreign=foreign))
    return rules, sites


def _context(
    check: Checker,
    src: Source,
    node: YamlNode,
    var_nodes: Mapping[str, n.Node],
    lexicon_names: set[str],
    types: Mapping[str, TypeSpec],
    foreign: frozenset[int],
    parsed_patterns: list[tuple[str, n.Node, YamlNode]],
) -> Optional[ContextSpec]:
    """A rule's ``context:`` (``before``/``after`` sentence counts, ``requires``/``excludes``
    patterns), each part checked where it is written; None when it has an error (reported).
    Every pattern that parsed is added to ``parsed_patterns`` (text, node, where written) for the lints."""
    items = check.mapping(src, node, "context", CONTEXT_KEYS)
    if items is None:
        return None
    ok = True
    counts: dict[str, int] = {}
    for key in ("before", "after"):
        counts[key] = 0
        if key in items:
            value = check.integer(src, items[key][1], f"context {key}")
            if value is None or value < 0:
                if value is not None:
                    check.error(src, items[key][1], f"context {key} must be 0 or more (a number of sentences)")
                ok = False
            else:
                counts[key] = value
    patterns: dict[str, tuple[Optional[str], Optional[n.Node]]] = {}
    for key in ("requires", "excludes"):
        patterns[key] = (None, None)
        if key not in items:
            continue
        value_node = items[key][1]
        text = check.text(src, value_node, f"context {key}")
        if text is None:
            ok = False
            continue
        try:
            parsed = parse_pattern(text, vars=var_nodes, lexicons=lexicon_names, file=src.display)
        except (PatternError, PatternSyntaxError) as error:
            check.pattern_error(src, value_node, error)
            ok = False
            continue
        own = [x for x in n.walk(parsed) if id(x) not in foreign]
        check.check_mention_refs(src, value_node, own, types)
        patterns[key] = (text, parsed)
        parsed_patterns.append((text, parsed, value_node))
    follows: Optional[str] = None
    if "follows" in items:
        value_node = items["follows"][1]
        follows = check.text(src, value_node, "context follows")
        if follows is None:
            ok = False
        elif follows not in types or types[follows].kind != "record":
            hint = did_you_mean(follows, {k: t for k, t in types.items() if t.kind == "record"})
            check.error(src, value_node, f"context follows: '{follows}' is no record type{hint}")
            ok = False
        elif counts["before"] < 1:
            check.error(src, value_node, "context follows needs `before:` of 1 or more (the sentences where the record must lie)")
            ok = False
    if not ok:
        return None
    if patterns["requires"][1] is None and patterns["excludes"][1] is None and follows is None:
        check.error(src, node, "context needs `requires:`, `excludes:` (a pattern to look for around the match) or `follows:`")
        return None
    return ContextSpec(
        before=counts["before"], after=counts["after"],
        requires=patterns["requires"][0], requires_node=patterns["requires"][1],
        excludes=patterns["excludes"][0], excludes_node=patterns["excludes"][1],
        follows=follows,
    )


def _all_parts(node: n.Node) -> Iterator[object]:
    """Every node and every constraint expression in a tree."""
    for x in n.walk(node):
        yield x
        if isinstance(x, n.TokenTest) and x.expr is not None:
            stack: list[n.Expr] = [x.expr]
            while stack:
                expr = stack.pop()
                yield expr
                if isinstance(expr, n.Not):
                    stack.append(expr.operand)
                elif isinstance(expr, (n.And, n.Or)):
                    stack.extend(expr.operands)
