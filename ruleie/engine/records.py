"""Typed records: one frozen attrs class per declared record type, and their JSON form."""

from __future__ import annotations

import keyword
from typing import Any, ClassVar, Mapping, Optional, Union

import attrs

from ..rules.spec import TypeSpec

# Attributes every record has; a declared field may not reuse these names.
RESERVED_FIELD_NAMES = frozenset({"doc", "type", "rule", "start", "end", "text", "fields", "to_dict", "field_names"})


@attrs.frozen
class FieldValue:
    """A field's value as found in the text: ``text == document[start:end]``.

    ``value`` is the normalised value (int, bool, …) where a normaliser applies;
    ``canonical`` the fullest name the document uses for the same entity.
    ``given`` marks a value the rule states (``{value: …}`` or a ``default:``) rather than
    reads: its span is the whole match, so merging compares it by value, not by span.
    Not part of the JSON form or of equality.
    """

    text: str
    start: int
    end: int
    value: Any = None
    canonical: Optional[str] = None
    given: bool = attrs.field(default=False, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end}
        if self.value is not None:
            out["value"] = self.value
        if self.canonical is not None:
            out["canonical"] = self.canonical
        return out


FieldContent = Union[FieldValue, tuple[FieldValue, ...], None]


@attrs.frozen
class Record:
    """Base of every record class. Subclasses add one attribute per declared field."""

    type: ClassVar[str] = "Record"
    field_names: ClassVar[tuple[str, ...]] = ()

    doc: str
    rule: str
    start: int
    end: int
    text: str

    @property
    def fields(self) -> dict[str, FieldContent]:
        return {name: getattr(self, name) for name in self.field_names}

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``ruleie run`` (RECORDS.md)."""
        fields: dict[str, Any] = {}
        for name in self.field_names:
            content = getattr(self, name)
            if content is None:
                fields[name] = None
            elif isinstance(content, tuple):
                fields[name] = [item.to_dict() for item in content]
            else:
                fields[name] = content.to_dict()
        return {
            "doc": self.doc,
            "type": self.type,
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "fields": fields,
        }


def _python_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not cleaned or cleaned[0].isdigit() or keyword.iskeyword(cleaned):
        cleaned = "T_" + cleaned
    return cleaned


def make_record_class(spec: TypeSpec) -> type[Record]:
    """A frozen attrs class for one declared type; every field defaults to None."""
    attributes = {f.name: attrs.field(default=None, kw_only=True) for f in spec.fields}
    cls = attrs.make_class(_python_name(spec.name), attributes, bases=(Record,), frozen=True)
    cls.type = spec.name
    cls.field_names = tuple(f.name for f in spec.fields)
    cls.__doc__ = spec.doc or f"A {spec.name} record."
    return cls


def record_classes(types: Mapping[str, TypeSpec]) -> dict[str, type[Record]]:
    return {name: make_record_class(spec) for name, spec in types.items() if spec.kind == "record"}
