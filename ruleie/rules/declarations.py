"""Rule files → declarations: each file read, its structure checked, its definitions collected.

This is the first half of loading. Every rule file (and everything it
includes, and every lexicon file) is read once; each top-level section is
checked for the shape the format asks for (known keys, with a did-you-mean for
unknown ones; the right kind of value for each key; valid names; no name
defined twice) and kept as a declaration with the YAML nodes it came from.
Declarations are resolved into specs once every file is read: types in
``taxonomy``, variables in ``variables``, rules in ``rulespecs``.
"""

from __future__ import annotations

import os
import re
from typing import Optional

import attrs
from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode

from ..errors import Diagnostic
from .checker import Checker, did_you_mean
from .spec import CONFLICT_POLICIES, FIELD_TYPES, FieldSpec, SourceLocation
from .yamlpos import NotUtf8, Source, Unreadable, bool_value, compose_document, decode_source, display_name, int_value, read_bytes, tag

__all__ = [
    "CONTEXT_KEYS",
    "EXAMPLE_KEYS",
    "FIELD_KEYS",
    "FORMAT_VERSION",
    "LEXICON_KEYS",
    "MAPPING_KEYS",
    "MAX_INCLUDE_DEPTH",
    "RULE_KEYS",
    "SUPPORTED_VERSIONS",
    "TOP_KEYS",
    "TYPE_KEYS",
    "NAMES_KEYS",
    "Collector",
    "NamesDecl",
    "LexiconDecl",
    "RuleDecl",
    "TypeDecl",
    "VarDecl",
]

FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)

# Includes nested deeper than this are surely a generated mistake.
MAX_INCLUDE_DEPTH = 64

TOP_KEYS = ("ruleie", "include", "lexicons", "vars", "types", "names", "rules", "doc")
NAMES_KEYS = ("types", "name_capture", "title_capture", "demonyms", "pronouns", "pronoun_type", "relatives", "genders",
              "roles", "group_pronouns", "group_types", "descriptions", "party_pronouns", "party_nouns", "doc")
LEXICON_KEYS = ("entries", "file", "field", "mention", "doc")
TYPE_KEYS = ("kind", "parent", "fields", "key", "conflict", "anchor", "propagate", "doc")
FIELD_KEYS = ("type", "doc")
RULE_KEYS = ("name", "type", "pattern", "stage", "priority", "context", "fields", "examples", "doc")
CONTEXT_KEYS = ("before", "after", "requires", "excludes", "follows")
MAPPING_KEYS = ("capture", "normalise", "default", "value", "from_earlier")
EXAMPLE_KEYS = ("text", "expect")
KINDS = ("record", "mention")
ITEM_TYPES = ("str", "int", "bool", "mention")
FIELD_TYPE_SPELLINGS = FIELD_TYPES + tuple(f"list[{t}]" for t in ITEM_TYPES)

# Names that patterns refer to must be writable there: @Type, ${var}, [lower in lexicon].
NAME_RE = re.compile(r"[A-Za-z_][\w.\-]*\Z")
# Field names are filled by captures of the same name: (?<name> …).
FIELD_NAME_RE = re.compile(r"[A-Za-z_]\w*\Z")
TOKEN_FIELD_RE = re.compile(r"[A-Za-z_]\w*\Z")


# ---------------------------------------------------------------------------
# Declarations: what the files say, with the nodes it was said at


@attrs.define
class TypeDecl:
    name: str
    src: Source
    node: YamlNode  # the name key
    kind: Optional[str] = None
    kind_node: Optional[YamlNode] = None
    parents: list[tuple[str, YamlNode]] = attrs.Factory(list)
    fields: list[tuple[FieldSpec, YamlNode]] = attrs.Factory(list)
    key: list[tuple[str, YamlNode]] = attrs.Factory(list)
    conflict: Optional[str] = None
    anchor: list[tuple[str, YamlNode]] = attrs.Factory(list)
    propagate: bool = False
    propagate_node: Optional[YamlNode] = None
    doc: str = ""


@attrs.define
class LexiconDecl:
    name: str
    src: Source
    node: YamlNode
    entries: set[str] = attrs.Factory(set)
    field: str = "lower"
    mention: Optional[tuple[str, YamlNode]] = None


@attrs.define
class VarDecl:
    name: str
    src: Source
    node: YamlNode  # the name key
    texts: list[tuple[str, ScalarNode]] = attrs.Factory(list)
    is_list: bool = False


@attrs.define
class NamesDecl:
    """A ``names:`` section: what canonical-name resolution reads (``spec.NamesSpec``)."""

    src: Source
    node: YamlNode
    types: list[tuple[str, YamlNode]] = attrs.Factory(list)
    settings: dict[str, tuple[str, YamlNode]] = attrs.Factory(dict)  # name_capture, title_capture, pronoun_type
    demonyms: dict[str, str] = attrs.Factory(dict)
    pronouns: set[str] = attrs.Factory(set)
    pronoun_genders: dict[str, tuple[str, YamlNode]] = attrs.Factory(dict)  # {he: male} form of `pronouns:`
    relatives: set[str] = attrs.Factory(set)  # "who", "which": refer to the name right before them
    genders: dict[str, tuple[str, YamlNode]] = attrs.Factory(dict)  # gender → lexicon name
    roles: list[tuple[str, YamlNode]] = attrs.Factory(list)  # lexicons of role nouns ("spokesman")
    group_pronouns: set[str] = attrs.Factory(set)  # "they": the group that is the subject nearest before
    group_types: list[tuple[str, YamlNode]] = attrs.Factory(list)
    # {it: [Organization, Country]}: a group pronoun with its own types (the mapping form of `group_pronouns:`)
    group_pronoun_types: dict[str, list[tuple[str, YamlNode]]] = attrs.Factory(dict)
    # "country": Country: "the South Asian country" stands for the nearest Country mention before it
    descriptions: dict[str, tuple[str, YamlNode]] = attrs.Factory(dict)
    # {they: [Person]}, {leaders: [Person]}: plural references that stand for the parties named before them
    party_pronouns: dict[str, list[tuple[str, YamlNode]]] = attrs.Factory(dict)
    party_nouns: dict[str, list[tuple[str, YamlNode]]] = attrs.Factory(dict)


@attrs.define
class RuleDecl:
    src: Source
    node: MappingNode
    items: dict[str, tuple[YamlNode, YamlNode]]  # key → (key node, value node)


def _field_type(text: str) -> Optional[tuple[str, str]]:
    """``int`` → (int, str); ``list[mention]`` → (list, mention); None if unknown."""
    text = text.strip()
    if text in FIELD_TYPES:
        return text, "str"
    m = re.fullmatch(r"list\s*\[\s*(\w+)\s*\]", text)
    if m and m.group(1) in ITEM_TYPES:
        return "list", m.group(1)
    return None


# ---------------------------------------------------------------------------
# The collector


class Collector:
    """Reads rule files, their includes and lexicon files into declarations, in load order."""

    def __init__(self, check: Checker):
        self.check = check
        self.sources: dict[str, Source] = {}  # real path → source, for every file read
        self.data: dict[str, bytes] = {}  # display → bytes of every file read
        self.stack: list[tuple[str, str]] = []  # (real path, display) of rule files being loaded
        self.types: dict[str, TypeDecl] = {}
        self.lexicons: dict[str, LexiconDecl] = {}
        self.vars: dict[str, VarDecl] = {}
        self.rules: list[RuleDecl] = []
        self.names: list[NamesDecl] = []
        self.file_order: list[str] = []  # displays of files whose definitions are merged, in order

    # -- files -------------------------------------------------------------

    def read(self, path: str, display: str, site: Optional[tuple[Source, YamlNode]], what: str) -> Optional[Source]:
        """Read and decode one file, reporting at ``site`` (the naming key) when it cannot be read."""
        try:
            data = read_bytes(path, display, what)
        except Unreadable as unreadable:
            if site is None:
                self.check.add(Diagnostic(unreadable.message, file=display))
            else:
                self.check.error(site[0], site[1], unreadable.message)
            return None
        self.data[display] = data
        try:
            return decode_source(data, path, display)
        except NotUtf8 as not_utf8:
            self.check.add(not_utf8.diagnostic)
            return None

    def compose(self, src: Source) -> Optional[YamlNode]:
        """The YAML nodes of a rule file, None when it cannot be used (its problems reported)."""
        root, problems = compose_document(src)
        for problem in problems:
            self.check.add(problem)
        return root

    def load_rule_file(self, path: str, display: str, site: Optional[tuple[Source, YamlNode]]) -> None:
        """Read one rule file, load its includes, then collect its sections.

        ``site`` is the include entry naming the file (None for a file given by the
        caller): include cycles, too deep includes and unreadable files are reported
        there. A file reached again by any path is loaded once.
        """
        real = os.path.realpath(path)
        if any(real == r for r, _ in self.stack):
            chain = [d for r, d in self.stack[[r for r, _ in self.stack].index(real) :]] + [display]
            assert site is not None
            self.check.error(site[0], site[1], "include cycle: " + " -> ".join(chain))
            return
        if real in self.sources:
            return  # included before (perhaps by another path): loaded once
        if site is not None and len(self.stack) >= MAX_INCLUDE_DEPTH:
            self.check.error(site[0], site[1], f"includes nested more than {MAX_INCLUDE_DEPTH} files deep")
            return
        src = self.read(path, display, site, "rule file" if site is None else "included file")
        if src is None:
            self.sources[real] = Source(display, os.path.abspath(path), "", [""])
            return
        self.sources[real] = src
        root = self.compose(src)
        if root is None:
            self.loaded_order_note(src)
            return
        if not isinstance(root, MappingNode):
            self.check.wrong_type(src, root, "a rule file", "a mapping of keys (ruleie, include, lexicons, vars, types, rules)")
            self.loaded_order_note(src)
            return
        items = self.check.mapping(src, root, "the rule file", TOP_KEYS)
        assert items is not None
        if not self.check_version(src, root, items):
            self.loaded_order_note(src)
            return
        # A section left empty (`rules:` with every rule commented out) is no error.
        items = {k: v for k, v in items.items() if not (isinstance(v[1], ScalarNode) and tag(v[1]) == "null")}
        self.stack.append((real, display))
        try:
            if "include" in items:
                for text, node in self.check.text_list(src, items["include"][1], "include"):
                    self.include(src, text, node)
        finally:
            self.stack.pop()
        self.loaded_order_note(src)
        if "lexicons" in items:
            self.collect_lexicons(src, items["lexicons"][1])
        if "vars" in items:
            self.collect_vars(src, items["vars"][1])
        if "types" in items:
            self.collect_types(src, items["types"][1])
        if "names" in items:
            self.collect_names(src, items["names"][1])
        if "rules" in items:
            self.collect_rules(src, items["rules"][1])
        if "doc" in items:
            self.check.text(src, items["doc"][1], "doc", empty_ok=True)

    def loaded_order_note(self, src: Source) -> None:
        """Rule files are listed once their includes are: the order their definitions merge."""
        self.file_order.append(src.display)

    def check_version(self, src: Source, root: MappingNode, items: dict[str, tuple[YamlNode, YamlNode]]) -> bool:
        """False when the file states a version this reader cannot read (its content is then not checked)."""
        if "ruleie" not in items:
            self.check.error(
                src,
                root,
                "missing `ruleie: 1`: every rule file states its format version",
                "add the line `ruleie: 1` at the top of the file",
            )
            return True  # read on: the rest is most likely version 1 with the line forgotten
        node = items["ruleie"][1]
        if not isinstance(node, ScalarNode) or tag(node) != "int":
            self.check.wrong_type(src, node, "the format version `ruleie`", "a whole number", "write `ruleie: 1`")
            return False
        version = int_value(node)
        if version not in SUPPORTED_VERSIONS:
            supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
            self.check.error(src, node, f"unsupported rule file format version {version}: this ruleie reads version {supported}")
            return False
        return True

    def resolve_path(self, src: Source, text: str, node: YamlNode, what: str) -> Optional[tuple[str, str]]:
        """(path to open, path to show) of a file named relative to ``src``; absolute paths and URLs are refused."""
        if "://" in text or os.path.isabs(text) or text.startswith("~"):
            self.check.error(
                src,
                node,
                f"{what} {text!r} must be a path relative to this file",
                "relative paths keep a rule pack working wherever it is copied",
            )
            return None
        path = os.path.join(os.path.dirname(src.path), text)
        base = os.path.dirname(src.display)
        display = os.path.join(base, text) if not os.path.isabs(src.display) else path
        return path, display_name(os.path.normpath(display))

    def include(self, src: Source, text: str, node: YamlNode) -> None:
        resolved = self.resolve_path(src, text, node, "include path")
        if resolved is not None:
            self.load_rule_file(resolved[0], resolved[1], (src, node))

    # -- collecting definitions --------------------------------------------

    def defined_twice(self, src: Source, node: YamlNode, what: str, name: str, first: SourceLocation) -> None:
        self.check.error(src, node, f"duplicate {what} '{name}': already defined at {first}")

    def collect_lexicons(self, src: Source, node: YamlNode) -> None:
        items = self.check.mapping(src, node, "lexicons")
        for name_text, (key_node, value) in (items or {}).items():
            name = self.check.name(src, key_node, "lexicon name", NAME_RE, "a letter or _ then letters, digits, _ . -")
            if name is None:
                continue
            if name in self.lexicons:
                first = self.lexicons[name]
                self.defined_twice(src, key_node, "lexicon", name, first.src.location(first.node.start_mark.index))
                continue
            decl = LexiconDecl(name, src, key_node)
            self.lexicons[name] = decl
            if isinstance(value, SequenceNode):
                self.lexicon_entries(src, value, decl)
                continue
            if not isinstance(value, MappingNode):
                self.check.wrong_type(src, value, f"lexicon '{name}'", "a list of entries or a mapping with entries or file")
                continue
            spec = self.check.mapping(src, value, f"lexicon '{name}'", LEXICON_KEYS) or {}
            if "entries" not in spec and "file" not in spec:
                self.check.error(src, value, f"lexicon '{name}' needs `entries:` or `file:`")
            if "entries" in spec:
                entries_node = spec["entries"][1]
                if isinstance(entries_node, SequenceNode):
                    self.lexicon_entries(src, entries_node, decl)
                else:
                    self.check.wrong_type(src, entries_node, f"entries of lexicon '{name}'", "a list")
            if "file" in spec:
                self.lexicon_file(src, spec["file"][1], decl)
            if "field" in spec:
                field = self.check.name(src, spec["field"][1], "field", TOKEN_FIELD_RE, "a token field such as lower, lemma, word")
                if field is not None:
                    decl.field = field
            if "mention" in spec:
                mention = self.check.text(src, spec["mention"][1], "mention")
                if mention is not None:
                    decl.mention = (mention, spec["mention"][1])
            if "doc" in spec:
                self.check.text(src, spec["doc"][1], "doc", empty_ok=True)

    def lexicon_entries(self, src: Source, node: SequenceNode, decl: LexiconDecl) -> None:
        for item in node.value:
            if not isinstance(item, ScalarNode) or tag(item) == "null":
                self.check.wrong_type(src, item, f"an entry of lexicon '{decl.name}'", "text")
                continue
            entry = " ".join(item.value.split())
            if not entry:
                self.check.error(src, item, f"an entry of lexicon '{decl.name}' is empty")
                continue
            decl.entries.add(entry)

    def data_file(self, src: Source, node: YamlNode, what: str) -> Optional[Source]:
        """The file a ``file:`` value names (relative to its rule file), read once per run
        however many declarations name it; None (with the error reported) when it cannot be."""
        text = self.check.text(src, node, "file")
        resolved = self.resolve_path(src, text, node, what) if text is not None else None
        if resolved is None:
            return None
        path, display = resolved
        real = os.path.realpath(path)
        table = self.sources.get(real)
        if table is None:
            table = self.read(path, display, (src, node), what)
            if table is None:
                return None
            self.sources[real] = table
            self.file_order.append(table.display)
        return table

    def lexicon_file(self, src: Source, node: YamlNode, decl: LexiconDecl) -> None:
        """Entries of a lexicon's ``file:``, one a line, ``#`` starting a comment."""
        words = self.data_file(src, node, "lexicon file")
        if words is None:
            return
        for line in words.lines:
            # `#` starts a comment at the start of a line or after a blank, so `C#` stays an entry.
            entry = " ".join(re.sub(r"(?:^|\s)#.*", "", line).split())
            if entry:
                decl.entries.add(entry)

    def collect_names(self, src: Source, node: YamlNode) -> None:
        """``names:``: name types, the captures holding a name and its title, demonyms, pronouns."""
        items = self.check.mapping(src, node, "names", NAMES_KEYS)
        if items is None:
            return
        decl = NamesDecl(src, node)
        self.names.append(decl)
        if "types" in items:
            decl.types = self.check.text_list(src, items["types"][1], "types")
        for key in ("name_capture", "title_capture", "pronoun_type"):
            if key in items:
                text = self.check.name(src, items[key][1], key, NAME_RE, "a letter or _ then letters, digits, _ . -")
                if text is not None:
                    decl.settings[key] = (text, items[key][1])
        if "pronouns" in items:
            node = items["pronouns"][1]
            if isinstance(node, MappingNode):  # {he: male, she: female}: pronouns with a gender
                for word, (_key, value) in (self.check.mapping(src, node, "pronouns") or {}).items():
                    gender = self.check.name(src, value, f"the gender of pronoun '{word}'", NAME_RE,
                                             "a letter or _ then letters, digits, _ . -")
                    if gender is not None:
                        decl.pronouns.add(word.lower())
                        decl.pronoun_genders[word.lower()] = (gender, value)
            else:
                decl.pronouns = {text.lower() for text, _ in self.check.text_list(src, node, "pronouns")}
        if "relatives" in items:
            decl.relatives = {text.lower() for text, _ in self.check.text_list(src, items["relatives"][1], "relatives")}
        if "group_pronouns" in items:
            node = items["group_pronouns"][1]
            if isinstance(node, MappingNode):  # {they: [Group], it: [Organization]}: pronouns with their own types
                for word, (_key, value) in (self.check.mapping(src, node, "group_pronouns") or {}).items():
                    decl.group_pronouns.add(word.lower())
                    decl.group_pronoun_types[word.lower()] = self.check.text_list(src, value, f"the types of group pronoun '{word}'")
            else:
                decl.group_pronouns = {text.lower() for text, _ in self.check.text_list(src, node, "group_pronouns")}
        if "group_types" in items:
            decl.group_types = self.check.text_list(src, items["group_types"][1], "group_types")
        if "genders" in items:
            for gender, (key_node, value) in (self.check.mapping(src, items["genders"][1], "genders") or {}).items():
                lexicon = self.check.name(src, value, f"the lexicon of gender '{gender}'", NAME_RE,
                                          "a letter or _ then letters, digits, _ . -")
                if lexicon is not None:
                    decl.genders[gender] = (lexicon, value)
        if "demonyms" in items:
            self.demonym_table(src, items["demonyms"][1], decl)
        if "roles" in items:
            node = items["roles"][1]
            for text, value in self.check.text_list(src, node, "roles"):
                if self.check.name(src, value, "a lexicon of roles", NAME_RE, "a letter or _ then letters, digits, _ . -") is not None:
                    decl.roles.append((text, value))
        if "descriptions" in items:
            for word, (key, value) in (self.check.mapping(src, items["descriptions"][1], "descriptions") or {}).items():
                named = self.check.name(src, value, f"the type described by '{word}'", NAME_RE,
                                        "a letter or _ then letters, digits, _ . -")
                head = word.lower().split()
                if not 1 <= len(head) <= 2:
                    self.check.error(src, key, f"names: a described head is one or two words ('country', 'news agency'), not '{word}'")
                elif named is not None:
                    decl.descriptions[" ".join(head)] = (named, value)
        for key, table in (("party_pronouns", decl.party_pronouns), ("party_nouns", decl.party_nouns)):
            if key in items:
                for word, (_key, value) in (self.check.mapping(src, items[key][1], key) or {}).items():
                    table[word.lower()] = self.check.text_list(src, value, f"the types of {key} '{word}'")
        if "doc" in items:
            self.check.text(src, items["doc"][1], "doc", empty_ok=True)

    def demonym_table(self, src: Source, node: YamlNode, decl: NamesDecl) -> None:
        """Demonyms inline (``{Russian: Russia}``) or from a file of ``word<TAB>name`` lines (``{file: …}``)."""
        items = self.check.mapping(src, node, "demonyms")
        if items is None:
            return
        if set(items) == {"file"}:
            table = self.data_file(src, items["file"][1], "demonym file")
            if table is None:
                return
            for number, line in enumerate(table.lines, 1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if "\t" not in line:
                    self.check.add(Diagnostic("a demonym line is `word<TAB>name`", file=table.display, line=number, column=1))
                    continue
                word, named = (part.strip() for part in line.split("\t", 1))
                if word and named:
                    decl.demonyms.setdefault(word, named)
            return
        for word, (_key, value) in items.items():
            named = self.check.text(src, value, f"demonym '{word}'")
            if named is not None:
                decl.demonyms.setdefault(word, named)

    def collect_vars(self, src: Source, node: YamlNode) -> None:
        items = self.check.mapping(src, node, "vars")
        for _, (key_node, value) in (items or {}).items():
            name = self.check.name(src, key_node, "variable name", NAME_RE, "a letter or _ then letters, digits, _ . -")
            if name is None:
                continue
            if name in self.vars:
                first = self.vars[name]
                self.defined_twice(src, key_node, "variable", name, first.src.location(first.node.start_mark.index))
                continue
            decl = VarDecl(name, src, key_node)
            self.vars[name] = decl
            if isinstance(value, SequenceNode):
                decl.is_list = True
                if not value.value:
                    self.check.error(src, value, f"variable '{name}' is an empty list")
                for item in value.value:
                    text = self.check.text(src, item, f"an alternative of variable '{name}'")
                    if text is not None:
                        decl.texts.append((text, item))  # type: ignore[arg-type]
            else:
                text = self.check.text(src, value, f"variable '{name}'")
                if text is not None:
                    decl.texts.append((text, value))  # type: ignore[arg-type]

    def collect_types(self, src: Source, node: YamlNode) -> None:
        items = self.check.mapping(src, node, "types")
        for _, (key_node, value) in (items or {}).items():
            name = self.check.name(src, key_node, "type name", NAME_RE, "a letter or _ then letters, digits, _ . -")
            if name is None:
                continue
            if name in self.types:
                first = self.types[name]
                self.defined_twice(src, key_node, "type", name, first.src.location(first.node.start_mark.index))
                continue
            decl = TypeDecl(name, src, key_node)
            self.types[name] = decl
            if isinstance(value, ScalarNode) and tag(value) == "null":
                continue  # `Person:` alone: a record type with no fields
            spec = self.check.mapping(src, value, f"type '{name}'", TYPE_KEYS)
            if spec is None:
                continue
            if "kind" in spec:
                kind_node = spec["kind"][1]
                kind = self.check.text(src, kind_node, "kind")
                if kind is not None and kind not in KINDS:
                    self.check.error(src, kind_node, f"unknown kind '{kind}'{did_you_mean(kind, KINDS)}: a type is a record or a mention")
                elif kind is not None:
                    decl.kind, decl.kind_node = kind, kind_node
            if "parent" in spec:
                decl.parents = self.check.text_list(src, spec["parent"][1], "parent")
            if "fields" in spec:
                self.collect_fields(src, spec["fields"][1], decl)
            if "key" in spec:
                decl.key = self.check.text_list(src, spec["key"][1], "key")
            if "conflict" in spec:
                conflict_node = spec["conflict"][1]
                conflict = self.check.text(src, conflict_node, "conflict")
                if conflict is not None and conflict not in CONFLICT_POLICIES:
                    self.check.error(
                        src,
                        conflict_node,
                        f"unknown conflict policy '{conflict}'{did_you_mean(conflict, CONFLICT_POLICIES)}",
                        "one of: " + ", ".join(CONFLICT_POLICIES),
                    )
                elif conflict is not None:
                    decl.conflict = conflict
            if "anchor" in spec:
                decl.anchor = self.check.text_list(src, spec["anchor"][1], "anchor")
            if "propagate" in spec:
                node = spec["propagate"][1]
                if isinstance(node, ScalarNode) and tag(node) == "bool":
                    decl.propagate = bool_value(node)
                    decl.propagate_node = node
                else:
                    self.check.wrong_type(src, node, "propagate", "true or false")
            if "doc" in spec:
                decl.doc = self.check.text(src, spec["doc"][1], "doc", empty_ok=True) or ""

    def collect_fields(self, src: Source, node: YamlNode, decl: TypeDecl) -> None:
        items = self.check.mapping(src, node, f"fields of type '{decl.name}'")
        for _, (key_node, value) in (items or {}).items():
            field = self.check.name(
                src, key_node, "field name", FIELD_NAME_RE, "a letter or _ then letters, digits or _, as in a capture (?<name> …)"
            )
            if field is None:
                continue
            doc = ""
            type_node = value
            if isinstance(value, MappingNode):
                spec = self.check.mapping(src, value, f"field '{field}'", FIELD_KEYS) or {}
                if "doc" in spec:
                    doc = self.check.text(src, spec["doc"][1], "doc", empty_ok=True) or ""
                if "type" not in spec:
                    self.check.error(src, value, f"field '{field}' needs a `type:`", "one of: " + ", ".join(FIELD_TYPE_SPELLINGS))
                    continue
                type_node = spec["type"][1]
            type_text = self.check.text(src, type_node, f"the type of field '{field}'")
            if type_text is None:
                continue
            parsed = _field_type(type_text)
            if parsed is None:
                self.check.error(
                    src,
                    type_node,
                    f"unknown field type '{type_text}'{did_you_mean(type_text, FIELD_TYPE_SPELLINGS)}",
                    "one of: " + ", ".join(FIELD_TYPE_SPELLINGS),
                )
                parsed = ("str", "str")  # keep the field, so that its uses do not report it unknown
            decl.fields.append((FieldSpec(field, parsed[0], parsed[1], doc), key_node))

    def collect_rules(self, src: Source, node: YamlNode) -> None:
        if not isinstance(node, SequenceNode):
            self.check.wrong_type(src, node, "rules", "a list of rules (each `- name: …`)")
            return
        for item in node.value:
            if not isinstance(item, MappingNode):
                self.check.wrong_type(src, item, "a rule", "a mapping with name, type and pattern")
                continue
            items = self.check.mapping(src, item, "rule", RULE_KEYS)
            assert items is not None
            self.rules.append(RuleDecl(src, item, items))
