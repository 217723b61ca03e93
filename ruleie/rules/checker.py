"""The diagnostics of one load, and YAML values read as the rule-file format expects them.

Every stage of loading (reading files, collecting definitions, resolving them)
reports through one ``Checker``, so diagnostics keep the order they were found
in; ``sorted_diagnostics`` then orders them by file and line. The value readers
(``mapping``, ``text``, ``name``, …) report what is wrong with a value, at the
value, and return None (or nothing) for it, so that checking reads on.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Mapping, Optional, Sequence, Union

from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode

from ..errors import Diagnostic, PatternError, PatternSyntaxError
from ..language import nodes as n
from .spec import TypeSpec
from .yamlpos import Source, bool_value, int_value, scalar_offsets, tag

__all__ = ["Checker", "describe", "did_you_mean"]


def describe(node: YamlNode) -> str:
    """A node as a message names it: "a mapping", "the number 3", "the text 'abc'"."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    node_tag = tag(node)
    if node_tag == "null":
        return "empty"
    if node_tag == "bool":
        return f"the boolean {node.value}"
    if node_tag in ("int", "float"):
        return f"the number {node.value}"
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f"the text {shown!r}"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Checker:
    """Collects diagnostics in the order found, and reads YAML values, reporting what is wrong with them."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.unparsed = 0  # pattern texts that did not parse

    # -- reporting ---------------------------------------------------------

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def error(self, src: Source, where: Union[YamlNode, int], message: str, hint: Optional[str] = None) -> None:
        index = where if isinstance(where, int) else where.start_mark.index
        self.diagnostics.append(src.diag(index, message, hint=hint))

    def wrong_type(self, src: Source, node: YamlNode, what: str, expected: str, hint: Optional[str] = None) -> None:
        self.error(src, node, f"{what} must be {expected}, not {describe(node)}", hint)

    def sorted_diagnostics(self) -> list[Diagnostic]:
        unique: dict[tuple[object, ...], Diagnostic] = {}
        for d in self.diagnostics:
            unique.setdefault((d.file, d.line, d.column, d.severity, d.message), d)
        return sorted(unique.values(), key=lambda d: (d.file or "", d.line or 0, d.column or 0))

    # -- pattern texts -----------------------------------------------------

    def pattern_error(
        self, src: Source, scalar: ScalarNode, error: Union[PatternError, PatternSyntaxError], prefix: str = ""
    ) -> None:
        """Pattern diagnostics moved from offsets in the pattern text to the file's line and column."""
        self.unparsed += 1
        offsets = scalar_offsets(src.text, scalar)
        for d in error.diagnostics:
            offset = d.offset if d.offset is not None else 0
            index = offsets[min(max(offset, 0), len(offsets) - 1)]
            self.diagnostics.append(src.diag(index, prefix + d.message, d.severity, d.hint))

    def check_mention_refs(
        self, src: Source, scalar: ScalarNode, nodes: Iterable[n.Node], types: Mapping[str, TypeSpec], shift: int = 0
    ) -> bool:
        """Report each ``@Type`` among ``nodes`` that names no type; True when there is none."""
        ok = True
        offsets: Optional[list[int]] = None
        for node in nodes:
            if isinstance(node, n.MentionRef) and node.type not in types:
                offsets = offsets or scalar_offsets(src.text, scalar)
                at = min(max(node.pos - shift, 0), len(offsets) - 1)
                self.diagnostics.append(
                    src.diag(offsets[at], f"unknown type '@{node.type}'{did_you_mean(node.type, types)}")
                )
                ok = False
        return ok

    # -- values ------------------------------------------------------------

    def mapping(
        self, src: Source, node: YamlNode, what: str, known: Optional[Sequence[str]] = None
    ) -> Optional[dict[str, tuple[YamlNode, YamlNode]]]:
        """A mapping's items by key, reporting non-text keys, duplicate keys and keys not in ``known``."""
        if not isinstance(node, MappingNode):
            self.wrong_type(src, node, what, "a mapping")
            return None
        items: dict[str, tuple[YamlNode, YamlNode]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or tag(key_node) == "null":
                self.error(src, key_node, f"a key in {what} must be a name, not {describe(key_node)}")
                continue
            key = key_node.value
            if key in items:
                first = items[key][0].start_mark.line + 1
                self.error(src, key_node, f"duplicate key '{key}' in {what} (first at line {first})")
                continue
            if known is not None and key not in known:
                close = did_you_mean(key, known)
                hint = None if close else "known keys: " + ", ".join(known)
                self.error(src, key_node, f"unknown key '{key}' in {what}{close}", hint)
                continue
            items[key] = (key_node, value_node)
        return items

    def text(self, src: Source, node: YamlNode, what: str, *, empty_ok: bool = False) -> Optional[str]:
        """Any scalar as the text written (so `no`, `23` and `2024-05-01` stay text); null is an error."""
        if not isinstance(node, ScalarNode) or tag(node) == "null":
            self.wrong_type(src, node, what, "text")
            return None
        if not empty_ok and not node.value.strip():
            self.error(src, node, f"{what} must not be empty")
            return None
        return node.value

    def name(self, src: Source, node: YamlNode, what: str, pattern: re.Pattern[str], rule: str) -> Optional[str]:
        value = self.text(src, node, what)
        if value is None:
            return None
        if not pattern.match(value):
            self.error(src, node, f"{what} {value!r} is not a valid name: {rule}")
            return None
        return value

    def integer(self, src: Source, node: YamlNode, what: str) -> Optional[int]:
        if not isinstance(node, ScalarNode) or tag(node) != "int":
            self.wrong_type(src, node, what, "a whole number")
            return None
        return int_value(node)

    def text_list(self, src: Source, node: YamlNode, what: str) -> list[tuple[str, YamlNode]]:
        """One text or a list of texts."""
        if isinstance(node, ScalarNode):
            value = self.text(src, node, what)
            return [] if value is None else [(value, node)]
        if not isinstance(node, SequenceNode):
            self.wrong_type(src, node, what, "a name or a list of names")
            return []
        result = []
        for item in node.value:
            value = self.text(src, item, f"an entry of {what}")
            if value is not None:
                result.append((value, item))
        return result

    def plain_value(self, src: Source, node: YamlNode, what: str) -> object:
        """A YAML value as plain Python data (text, numbers, booleans, null, lists)."""
        if isinstance(node, SequenceNode):
            return [self.plain_value(src, item, what) for item in node.value]
        if isinstance(node, MappingNode):
            self.wrong_type(src, node, what, "a value (text, a number, true/false or a list)")
            return None
        node_tag = tag(node)
        if node_tag == "int":
            return int_value(node)
        if node_tag == "bool":
            return bool_value(node)
        if node_tag == "null":
            return None
        return node.value
