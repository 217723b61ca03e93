"""A rule's field mappings: how each field of its type is filled from a match.

``fields:`` maps a field to a capture of the pattern (``who: person``, or
``{capture: …, normalise: …, default: …, from_earlier: n}``, or a list of captures
tried in turn), to a constant (``{value: …}``), or only to an earlier record's value
(``{from_earlier: n}``). Every field name must be a field of the rule's type,
every capture must be in the pattern, and constants and defaults must suit the
field's type. Fields that a capture of the same name fills need no mapping:
``rulespecs`` adds those.
"""

from __future__ import annotations

from typing import Optional, Union

from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode

from .checker import Checker, did_you_mean
from .declarations import MAPPING_KEYS
from .spec import NORMALISERS, FieldMapping, FieldSpec, TypeSpec
from .yamlpos import Source, bool_value, int_value, tag

__all__ = ["default_normaliser", "field_mappings", "MAX_FROM_EARLIER"]

# How many sentences back ``from_earlier:`` may reach: further back, "the talks" are seldom the same talks.
MAX_FROM_EARLIER = 5


def field_mappings(
    check: Checker, src: Source, node: YamlNode, type_spec: Optional[TypeSpec], captures: Optional[list[str]]
) -> list[FieldMapping]:
    """A rule's ``fields:``, checked against ``type_spec`` and the pattern's ``captures`` (each when known)."""
    items = check.mapping(src, node, "fields of a rule")
    result: list[FieldMapping] = []
    for field_name, (key_node, value) in (items or {}).items():
        field: Optional[FieldSpec] = None
        if type_spec is not None:
            field = type_spec.field(field_name)
            if field is None:
                known = [f.name for f in type_spec.fields]
                close = did_you_mean(field_name, known)
                check.error(
                    src,
                    key_node,
                    f"'{field_name}' is not a field of type '{type_spec.name}'{close}",
                    None if close else ("its fields: " + ", ".join(known) if known else "the type has no fields"),
                )
        what = f"the mapping of field '{field_name}'"
        if isinstance(value, ScalarNode) and tag(value) == "str":
            spec = {"capture": (value, value)}
        elif isinstance(value, MappingNode):
            spec = check.mapping(src, value, what, MAPPING_KEYS) or {}
            if ("capture" in spec) == ("value" in spec) and not ("from_earlier" in spec and "value" not in spec):
                check.error(src, value, f"{what} needs exactly one of `capture:` or `value:`"
                            + (" (or `from_earlier:` alone)" if "capture" not in spec else ""))
                continue
        else:
            check.wrong_type(
                src,
                value,
                what,
                "a capture name, {capture: name, normalise: …, default: …} or {value: constant}",
                "for a constant write {value: …}" if isinstance(value, ScalarNode) and tag(value) != "null" else None,
            )
            continue
        from_earlier = 0
        if "from_earlier" in spec:
            node_n = spec["from_earlier"][1]
            if isinstance(node_n, ScalarNode) and tag(node_n) == "int" and 1 <= int_value(node_n) <= MAX_FROM_EARLIER:
                from_earlier = int_value(node_n)
            else:
                check.wrong_type(src, node_n, "from_earlier", f"a whole number of sentences from 1 to {MAX_FROM_EARLIER}")
        if "capture" not in spec and "value" not in spec:
            result.append(FieldMapping(field_name, from_earlier=from_earlier))
            continue
        if "value" in spec:
            for extra in ("normalise", "default", "from_earlier"):
                if extra in spec:
                    check.error(src, spec[extra][0], f"`{extra}:` goes with `capture:`, not with a constant `value:`")
            constant = _constant(check, src, spec["value"][1], field, f"the constant for field '{field_name}'")
            result.append(FieldMapping(field_name, value=constant))
            continue
        names = check.text_list(src, spec["capture"][1], "capture")
        for capture, capture_node in names:
            if captures is not None and capture not in captures:
                close = did_you_mean(capture, captures)
                check.error(
                    src,
                    capture_node,
                    f"capture '{capture}' is not in the pattern{close}",
                    None if close else "the pattern's captures: " + (", ".join(captures) or "none"),
                )
        normalise: Optional[str] = None
        if "normalise" in spec:
            norm_node = spec["normalise"][1]
            norm = check.text(src, norm_node, "normalise")
            if norm is not None and norm not in NORMALISERS:
                check.error(
                    src,
                    norm_node,
                    f"unknown normaliser '{norm}'{did_you_mean(norm, NORMALISERS)}",
                    "one of: " + ", ".join(NORMALISERS),
                )
            else:
                normalise = norm
        elif field is not None:
            normalise = default_normaliser(field)
        default = None
        if "default" in spec:
            default = _constant(check, src, spec["default"][1], field, f"the default for field '{field_name}'")
        if not names:
            continue
        capture_value: Union[str, tuple[str, ...]] = (
            names[0][0] if isinstance(spec["capture"][1], ScalarNode) else tuple(c for c, _ in names)
        )
        result.append(FieldMapping(field_name, capture=capture_value, normalise=normalise, default=default,
                                   from_earlier=from_earlier))
    return result


def _constant(check: Checker, src: Source, node: YamlNode, field: Optional[FieldSpec], what: str) -> object:
    """A constant field value, checked against the field's type (None when the field is unknown)."""
    if isinstance(node, ScalarNode) and tag(node) == "null":
        return None
    if field is None:
        return check.plain_value(src, node, what)
    if field.type == "list":
        if not isinstance(node, SequenceNode):
            check.wrong_type(src, node, what, "a list")
            return None
        return tuple(_item_constant(check, src, item, field.item, field, what) for item in node.value)
    return _item_constant(check, src, node, field.type, field, what)


def _item_constant(check: Checker, src: Source, node: YamlNode, kind: str, field: FieldSpec, what: str) -> object:
    if kind == "mention":
        check.error(src, node, f"field '{field.name}' is a mention: it is filled from a capture of @Type, not a constant")
        return None
    if kind == "int":
        if isinstance(node, ScalarNode) and tag(node) == "int":
            return int_value(node)
        check.wrong_type(src, node, what, "a whole number")
        return None
    if kind == "bool":
        if isinstance(node, ScalarNode) and tag(node) == "bool":
            return bool_value(node)
        check.wrong_type(src, node, what, "true or false")
        return None
    if isinstance(node, ScalarNode) and tag(node) == "str":
        return node.value
    check.wrong_type(
        src, node, what, "text", f"quote it: '{node.value}'" if isinstance(node, ScalarNode) else None
    )
    return None


def default_normaliser(field: FieldSpec) -> Optional[str]:
    """Captured text for an int field (or a list of ints) is read as a number."""
    if field.type == "int" or (field.type == "list" and field.item == "int"):
        return "number"
    return None
