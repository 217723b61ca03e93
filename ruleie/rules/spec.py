"""Parsed rule files: the plain values the loader produces and the engine compiles.

A ``RuleSetSpec`` is everything a set of YAML rule files says, already checked:
record and mention types, lexicons, variables and rules whose patterns are ASTs.
"""

from __future__ import annotations

from typing import Mapping, Optional, Union

import attrs

from ..language.nodes import Node

FIELD_TYPES = ("str", "int", "bool", "list", "mention")
NORMALISERS = ("number", "bool", "lower", "strip")
CONFLICT_POLICIES = ("keep-all", "drop-contained", "best", "merge")


@attrs.frozen
class SourceLocation:
    """Where something was written: file and 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class FieldSpec:
    """A typed field of a record type. ``item`` is the item type of a list field."""

    name: str
    type: str = attrs.field(default="str", validator=attrs.validators.in_(FIELD_TYPES))
    item: str = "str"
    doc: str = ""


@attrs.frozen
class TypeSpec:
    """A declared type. ``kind`` "record" types are output; "mention" types are found for later stages.

    ``parents`` place the type in the taxonomy: a ``@Actor`` reference matches a
    mention of any type whose ancestors include Actor.
    """

    name: str
    kind: str = attrs.field(default="record", validator=attrs.validators.in_(("record", "mention")))
    fields: tuple[FieldSpec, ...] = ()
    parents: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # the fields that identify a record (used by conflict policies and eval)
    conflict: str = attrs.field(default="drop-contained", validator=attrs.validators.in_(CONFLICT_POLICIES))
    # Record types under ``best`` or ``merge``: the fields that hold a record's claim in the
    # text (a statement's verb and content, a meeting's trigger). Under ``best``, two records
    # whose spans overlap compete only when a span of one's anchor fields overlaps a span of the
    # other's, whichever fields (or one of them fills none); under ``merge``, parts whose anchors
    # overlap join though their list fields differ. () keeps plain span overlap.
    anchor: tuple[str, ...] = ()
    # Mention types only: after each stage, later tokens that repeat the last word(s) of a
    # mention ("Zelensky" after "Volodymyr Zelensky") become mentions of the same type.
    propagate: bool = False
    doc: str = ""
    location: Optional[SourceLocation] = attrs.field(default=None, eq=False)

    def field(self, name: str) -> Optional[FieldSpec]:
        return next((f for f in self.fields if f.name == name), None)


@attrs.frozen
class LexiconSpec:
    """A word list. With ``mention`` set, every occurrence of an entry (one or more tokens,
    compared on ``field``) becomes a mention of that type before the first rule stage."""

    name: str
    entries: frozenset[str]
    field: str = "lower"
    mention: Optional[str] = None
    location: Optional[SourceLocation] = attrs.field(default=None, eq=False)


@attrs.frozen
class FieldMapping:
    """How a record field gets its value: from a capture, or a constant, then a normaliser.

    ``capture`` may name several captures (a tuple): their occurrences are taken in
    text order, so a list field can gather ``visitor`` and ``host`` into ``participants``.
    ``from_earlier``: when the match leaves the field empty, it takes the field of the nearest
    record of the rule's type up to that many sentences before ("X met Y. The talks covered
    trade." → the talks' participants are X and Y); 0 for never.
    """

    field: str
    capture: Union[str, tuple[str, ...], None] = None
    value: object = None
    normalise: Optional[str] = None
    default: object = None  # the value when the capture did not take part (e.g. direct: false)
    from_earlier: int = 0


@attrs.frozen
class Example:
    """An inline example: ``expect`` None means the rule must produce nothing for ``text``.

    Otherwise the rule must produce at least one record whose fields agree with
    every key of ``expect`` (strings compare with the record field's text, or its
    value; numbers and booleans with the value; lists item by item).
    """

    text: str
    expect: Optional[Mapping[str, object]] = None
    location: Optional[SourceLocation] = attrs.field(default=None, eq=False)


@attrs.frozen
class ContextSpec:
    """Where else in the document a rule's match is looked at (``context:``).

    A match counts only when ``requires`` (a pattern) matches somewhere in the window and
    ``excludes`` matches nowhere in it. The window is the match's sentence with ``before``
    sentences before it and ``after`` sentences after it. Either pattern may be None.
    ``follows``: a record type; the rule's record is kept only when a kept record of that type
    lies in one of the ``before`` sentences before its own (a detail told after the event).
    """

    before: int = 0
    after: int = 0
    requires: Optional[str] = None
    requires_node: Optional[Node] = None
    excludes: Optional[str] = None
    excludes_node: Optional[Node] = None
    follows: Optional[str] = None


@attrs.frozen
class RuleSpec:
    name: str
    type: str
    pattern: str
    node: Node
    stage: int = 1
    priority: int = 0
    fields: tuple[FieldMapping, ...] = ()
    examples: tuple[Example, ...] = ()
    doc: str = ""
    context: Optional[ContextSpec] = None
    location: Optional[SourceLocation] = attrs.field(default=None, eq=False)
    pattern_location: Optional[SourceLocation] = attrs.field(default=None, eq=False)


@attrs.frozen
class NamesSpec:
    """What canonical-name resolution reads, as the rule files declare it (``names:``).

    Nothing is built in: a rule set that declares no name types gets no canonical names.
    ``types``: mention types (with their subtypes) whose text names an entity.
    ``name_capture`` / ``title_capture``: captures of a name mention's rule that hold the
    name proper and a title that the document attaches to it ("Russian President" →
    "Vladimir Putin"). ``demonyms``: a word → the name it stands for ("Russian" → "Russia").
    ``pronouns``: words that refer back to the nearest preceding name of ``pronoun_type``.
    ``pronoun_genders``: a pronoun → its gender, for agreement: the pronoun skips names known
    to be of another gender. ``relatives``: relative pronouns ("who", "which") that stand for
    the name right before them, across a comma or dash ("Sweden, which said"). ``group_pronouns``: words ("they")
    that stand for the mention of ``group_types`` that opens a clause before them, in their sentence or
    the one before it ("Police say … They say"); ``group_pronoun_types`` gives a pronoun its own types instead ("it":
    Organization, Country). ``genders``: a gender → the lower-cased words that mark a name as
    of that gender (first names, "mr.", "mrs."), from the lexicons ``names: genders:`` names.
    ``descriptions``: a head noun → a mention type: a definite description ending in the noun ("the South
    Asian country") stands for the nearest mention of the type before it ("Pakistan").
    ``roles``: lower-cased role nouns ("spokesman", "prosecutor"), from the lexicons ``names: roles:``
    names: a person pronoun opening a sentence whose sentence before opens with a noun phrase headed by
    one and names nobody ("A navy spokesman said … He said") stands for that noun phrase.
    ``party_pronouns`` / ``party_nouns``: a word → mention types, in order of preference: a plural
    reference (the pronoun alone: "they"; the noun after "the", "both", "the two" …: "The two leaders")
    that no group resolution answers stands for the names of one of the types before it ("X met Y.
    The two leaders discussed …" → "X and Y").
    """

    types: tuple[str, ...] = ()
    name_capture: Optional[str] = None
    title_capture: Optional[str] = None
    demonyms: Mapping[str, str] = attrs.field(factory=dict)
    pronouns: frozenset[str] = frozenset()
    pronoun_type: Optional[str] = None
    pronoun_genders: Mapping[str, str] = attrs.field(factory=dict)
    relatives: frozenset[str] = frozenset()
    group_pronouns: frozenset[str] = frozenset()
    group_types: tuple[str, ...] = ()
    group_pronoun_types: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    descriptions: Mapping[str, str] = attrs.field(factory=dict)
    party_pronouns: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    party_nouns: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    genders: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    gender_lexicons: frozenset[str] = frozenset()  # the lexicons ``genders`` came from
    roles: frozenset[str] = frozenset()
    role_lexicons: frozenset[str] = frozenset()  # the lexicons ``roles`` came from
    location: Optional[SourceLocation] = attrs.field(default=None, eq=False)


@attrs.frozen
class RuleSetSpec:
    types: Mapping[str, TypeSpec]
    lexicons: Mapping[str, LexiconSpec]
    vars: Mapping[str, Union[str, tuple[str, ...]]]
    rules: tuple[RuleSpec, ...]
    files: tuple[str, ...] = ()
    # sha256 of every file's bytes, in load order: the key of the compiled-rule cache.
    digest: str = ""
    names: NamesSpec = NamesSpec()
