"""A rule's inline examples: ``examples:`` texts with the fields they are expected to give.

Each example is ``{text: …, expect: …}``; ``expect`` maps fields of the rule's
type (or ``text``, the matched text) to values, or is ``none`` when the text
must give nothing. An expected value may always be written as text: it is
compared with the field's text or value. ``ruleie.tools.examples`` runs them.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping, Optional

from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode

from .checker import Checker, did_you_mean
from .declarations import EXAMPLE_KEYS
from .spec import Example, FieldSpec, TypeSpec
from .yamlpos import Source, bool_value, int_value, tag

__all__ = ["read_examples"]


def read_examples(check: Checker, src: Source, node: YamlNode, type_spec: Optional[TypeSpec]) -> list[Example]:
    """A rule's ``examples:``, their expected values checked against ``type_spec`` (when the type is known)."""
    if not isinstance(node, SequenceNode):
        check.wrong_type(src, node, "examples", "a list of {text: …, expect: …}")
        return []
    result: list[Example] = []
    for item in node.value:
        items = check.mapping(src, item, "example", EXAMPLE_KEYS)
        if items is None:
            continue
        if "text" not in items:
            check.error(src, item, "an example needs `text:`")
            continue
        text = check.text(src, items["text"][1], "the text of an example")
        if text is None:
            continue
        expect: Optional[Mapping[str, object]] = MappingProxyType({})
        if "expect" in items:
            expect = _expectation(check, src, items["expect"][1], type_spec)
        result.append(Example(text, expect, src.location(item.start_mark.index)))
    return result


def _expectation(check: Checker, src: Source, node: YamlNode, type_spec: Optional[TypeSpec]) -> Optional[Mapping[str, object]]:
    if isinstance(node, ScalarNode) and (tag(node) == "null" or node.value == "none"):
        return None
    if not isinstance(node, MappingNode):
        check.wrong_type(src, node, "expect", "a mapping of field values, or none")
        return MappingProxyType({})
    items = check.mapping(src, node, "expect") or {}
    result: dict[str, object] = {}
    for field_name, (key_node, value) in items.items():
        field = type_spec.field(field_name) if type_spec is not None else None
        if field is None and field_name == "text":
            field = FieldSpec("text")  # the matched text itself, for types without fields
        if type_spec is not None and field is None:
            known = [f.name for f in type_spec.fields] + ["text"]
            close = did_you_mean(field_name, known)
            check.error(
                src,
                key_node,
                f"'{field_name}' is not a field of type '{type_spec.name}'{close}",
                None if close else "expect names fields of the type, or `text` (the matched text)",
            )
            continue
        result[field_name] = _expected_value(check, src, value, field, f"the expected value of '{field_name}'")
    return MappingProxyType(result)


def _expected_value(check: Checker, src: Source, node: YamlNode, field: Optional[FieldSpec], what: str) -> object:
    """An expected field value: text always works (it is compared with the field's text or value)."""
    if field is None:
        return check.plain_value(src, node, what)
    if isinstance(node, ScalarNode) and tag(node) == "null":
        return None
    if field.type == "list" and isinstance(node, SequenceNode):
        # A list: every item must be among the field's items. One value: any item agrees.
        return [_expected_item(check, src, item, field.item, field, what) for item in node.value]
    return _expected_item(check, src, node, field.item if field.type == "list" else field.type, field, what)


def _expected_item(check: Checker, src: Source, node: YamlNode, kind: str, field: FieldSpec, what: str) -> object:
    if not isinstance(node, ScalarNode) or tag(node) == "null":
        check.wrong_type(src, node, what, "a value")
        return None
    node_tag = tag(node)
    if kind == "int" and node_tag == "int":
        return int_value(node)
    if kind == "bool" and node_tag == "bool":
        return bool_value(node)
    if node_tag == "str":
        return node.value
    if kind in ("str", "mention"):
        return node.value  # `time: 2024` expects the text "2024"
    check.wrong_type(src, node, what, f"{'a whole number' if kind == 'int' else 'true or false'} or text")
    return None
