"""Types and lexicons resolved: the taxonomy of types, and the lexicons that make mentions of them.

Declared types become ``TypeSpec``s once every file is read: each parent must
exist, a cycle in the taxonomy is reported once (at the type that closes it),
a type takes its kind from its first parent unless it says otherwise, and
fields are inherited from parents (the same field name must have the same
type everywhere). A lexicon that makes mentions must name a mention type.
"""

from __future__ import annotations

from typing import Mapping

from .checker import Checker, did_you_mean
from .declarations import LexiconDecl, TypeDecl
from .spec import FieldSpec, LexiconSpec, TypeSpec

__all__ = ["BUILTIN_TYPES", "ancestor_map", "resolve_lexicons", "resolve_types"]


# The mention types of ruleie's linguistic layer (text/linguistic.py) exist in every rule
# set. A rule file may declare one again to place it in its own taxonomy
# (`PERSON: {kind: mention, parent: Actor}`), and may use it as a parent.
BUILTIN_TYPES: Mapping[str, TypeSpec] = {
    "NP": TypeSpec("NP", kind="mention", doc="A base noun phrase, up to its head noun (the linguistic layer)."),
    "PERSON": TypeSpec("PERSON", kind="mention", doc="A person's name (the linguistic layer)."),
    "ORG": TypeSpec("ORG", kind="mention", doc="An organization's name (the linguistic layer)."),
    "GPE": TypeSpec("GPE", kind="mention", doc="A country, city or state (the linguistic layer)."),
    "LOC": TypeSpec("LOC", kind="mention", doc="Another named place (the linguistic layer)."),
    "NORP": TypeSpec("NORP", kind="mention", doc="A nationality, religious or political group (the linguistic layer)."),
}


def resolve_types(check: Checker, decls: Mapping[str, TypeDecl]) -> dict[str, TypeSpec]:
    """Every declared type as a ``TypeSpec``: parents checked (cycles reported once), kinds and fields
    inherited; then the layer's built-in types that no file declared."""
    # Parents must exist; a cycle is reported once, at the type that closes it.
    for decl in decls.values():
        for parent, node in decl.parents:
            if parent not in decls and parent not in BUILTIN_TYPES:
                check.error(decl.src, node, f"unknown parent type '{parent}'{did_you_mean(parent, decls)}")
        if decl.name in BUILTIN_TYPES and decl.kind == "record":
            check.error(decl.src, decl.kind_node or decl.node,
                        f"'{decl.name}' is a mention type of the linguistic layer: declare it with `kind: mention`")
    in_cycle: set[str] = set()
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for parent, node in decls[name].parents:
            if parent not in decls:
                continue
            if state.get(parent) == 1:
                cycle = path[path.index(parent) :] + [parent]
                in_cycle.update(cycle)
                check.error(decls[name].src, node, "type taxonomy cycle: " + " -> ".join(cycle))
            elif state.get(parent) is None:
                visit(parent, path + [parent])
        state[name] = 2

    for name in decls:
        if name not in state:
            visit(name, [name])

    resolved: dict[str, TypeSpec] = {}

    def build(name: str) -> TypeSpec:
        if name in resolved:
            return resolved[name]
        decl = decls[name]
        linked = [
            (build(p) if p in decls else BUILTIN_TYPES[p], node)
            for p, node in decl.parents
            if (p in decls or p in BUILTIN_TYPES) and p not in in_cycle and name not in in_cycle
        ]
        parents = [parent for parent, _ in linked]
        kind = decl.kind or (parents[0].kind if parents else "mention" if name in BUILTIN_TYPES else "record")
        for parent, node in linked:
            if parent.kind != kind:
                check.error(
                    decl.src,
                    node,
                    f"type '{name}' is a {kind} type but its parent '{parent.name}' is a {parent.kind} type",
                )
        fields: dict[str, FieldSpec] = {}
        origin: dict[str, str] = {}
        for parent in parents:
            for f in parent.fields:
                if f.name in fields and (fields[f.name].type, fields[f.name].item) != (f.type, f.item):
                    check.error(
                        decl.src,
                        decl.node,
                        f"type '{name}' inherits field '{f.name}' as {_type_text(fields[f.name])} from "
                        f"'{origin[f.name]}' and as {_type_text(f)} from '{parent.name}'",
                    )
                    continue
                fields.setdefault(f.name, f)
                origin.setdefault(f.name, parent.name)
        for f, node in decl.fields:
            inherited = fields.get(f.name)
            if inherited is not None and (inherited.type, inherited.item) != (f.type, f.item):
                check.error(
                    decl.src,
                    node,
                    f"field '{f.name}' is {_type_text(f)} here but {_type_text(inherited)} in parent type '{origin[f.name]}'",
                )
                continue
            fields[f.name] = f
        if decl.propagate and kind != "mention":
            check.error(
                decl.src,
                decl.propagate_node or decl.node,
                f"`propagate:` applies to mention types only, and '{name}' is a record type",
            )
        for key, node in decl.key:
            if key not in fields:
                check.error(decl.src, node, f"key field '{key}' is not a field of type '{name}'{did_you_mean(key, fields)}")
        for anchor, node in decl.anchor:
            if anchor not in fields:
                check.error(decl.src, node, f"anchor field '{anchor}' is not a field of type '{name}'{did_you_mean(anchor, fields)}")
        if decl.anchor and (kind != "record" or (decl.conflict or "drop-contained") not in ("best", "merge")):
            check.error(
                decl.src,
                decl.anchor[0][1],
                f"`anchor:` applies to record types under `conflict: best` or `merge`, and '{name}' is "
                + ("a mention type" if kind != "record" else f"under `conflict: {decl.conflict or 'drop-contained'}`"),
            )
        spec = TypeSpec(
            name=name,
            kind=kind,
            fields=tuple(fields.values()),
            parents=tuple(p for p, _ in decl.parents),
            key=tuple(k for k, _ in decl.key if k in fields),
            conflict=decl.conflict or "drop-contained",
            anchor=tuple(a for a, _ in decl.anchor if a in fields),
            propagate=decl.propagate,
            doc=decl.doc,
            location=decl.src.location(decl.node.start_mark.index),
        )
        resolved[name] = spec
        return spec

    for name in decls:
        build(name)
    declared = {name: resolved[name] for name in decls}
    return {**declared, **{name: t for name, t in BUILTIN_TYPES.items() if name not in declared}}


def resolve_lexicons(
    check: Checker, decls: Mapping[str, LexiconDecl], types: Mapping[str, TypeSpec]
) -> dict[str, LexiconSpec]:
    """Every declared lexicon as a ``LexiconSpec``; the type it makes mentions of must be a mention type."""
    result: dict[str, LexiconSpec] = {}
    for name, decl in decls.items():
        mention = None
        if decl.mention is not None:
            mention, node = decl.mention
            if mention not in types:
                check.error(decl.src, node, f"unknown type '{mention}'{did_you_mean(mention, types)}")
            elif types[mention].kind != "mention":
                check.error(
                    decl.src,
                    node,
                    f"lexicon '{name}' makes mentions of '{mention}', which is a record type",
                    f"declare '{mention}' with `kind: mention`, or use a mention type",
                )
        result[name] = LexiconSpec(
            name, frozenset(decl.entries), decl.field, mention, decl.src.location(decl.node.start_mark.index)
        )
    return result


def ancestor_map(types: Mapping[str, TypeSpec]) -> dict[str, set[str]]:
    """Each type and every type above it in the taxonomy."""
    result: dict[str, set[str]] = {}
    for name in types:
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            spec = types.get(current)
            if spec is not None:
                stack.extend(spec.parents)
        result[name] = seen
    return result


def _type_text(field: FieldSpec) -> str:
    """A field's type as a rule file writes it: ``int``, ``list[mention]``."""
    return f"list[{field.item}]" if field.type == "list" else field.type
