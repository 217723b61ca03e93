"""Rule files → RuleSetSpec: read, check and merge versioned YAML rule files.

A rule file is data: it is composed with PyYAML's safe composer (never
constructed), may name other files only through ``include`` and lexicon
``file`` keys, and every problem in every file is reported at once with its
file, line and column (docs/rules.md is the reference for the format).

>>> spec = load_rule_files("rules/news.yaml")  # doctest: +SKIP
>>> spec.types["Strike"].kind, spec.rules[0].name  # doctest: +SKIP
('record', 'title.before-name')
"""

from __future__ import annotations

import difflib
from bisect import bisect_right
import hashlib
import os
import re
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

import attrs
import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode
from yaml.scanner import Scanner

from ..language import nodes as n
from ..errors import Diagnostic, PatternError, PatternSyntaxError, Position, RuleFileError, errors_only
from ..language.parser import parse_pattern
from .spec import (
    CONFLICT_POLICIES,
    FIELD_TYPES,
    NORMALISERS,
    Example,
    FieldMapping,
    FieldSpec,
    LexiconSpec,
    RuleSetSpec,
    RuleSpec,
    SourceLocation,
    TypeSpec,
)

__all__ = [
    "FORMAT_VERSION",
    "LINTS",
    "Lint",
    "LintContext",
    "PatternSite",
    "check_rule_files",
    "load_rule_files",
]

PathArg = Union[str, "os.PathLike[str]"]

FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)

# Files are small; a bigger one is a mistake (or /dev/zero behind a symlink).
MAX_FILE_BYTES = 16 * 1024 * 1024
# Deeper YAML nesting than this is never a rule file; it also keeps recursion bounded.
MAX_YAML_DEPTH = 64
# Includes nested deeper than this are surely a generated mistake.
MAX_INCLUDE_DEPTH = 64

TOP_KEYS = ("ruleie", "include", "lexicons", "vars", "types", "rules", "doc")
LEXICON_KEYS = ("entries", "file", "field", "mention", "doc")
TYPE_KEYS = ("kind", "parent", "fields", "key", "conflict", "propagate", "doc")
FIELD_KEYS = ("type", "doc")
RULE_KEYS = ("name", "type", "pattern", "stage", "priority", "fields", "examples", "doc")
MAPPING_KEYS = ("capture", "normalise", "default", "value")
EXAMPLE_KEYS = ("text", "expect")
KINDS = ("record", "mention")
ITEM_TYPES = ("str", "int", "bool", "mention")
FIELD_TYPE_SPELLINGS = FIELD_TYPES + tuple(f"list[{t}]" for t in ITEM_TYPES)

# Names that patterns refer to must be writable there: @Type, ${var}, [lower in lexicon].
NAME_RE = re.compile(r"[A-Za-z_][\w.\-]*\Z")
# Field names are filled by captures of the same name: (?<name> …).
FIELD_NAME_RE = re.compile(r"[A-Za-z_]\w*\Z")
TOKEN_FIELD_RE = re.compile(r"[A-Za-z_]\w*\Z")

_YAML = "tag:yaml.org,2002:"
_SAFE_TAGS = frozenset(_YAML + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))
_WS = " \t\n\r"


# ---------------------------------------------------------------------------
# Public API


def load_rule_files(paths: Union[PathArg, Sequence[PathArg]]) -> RuleSetSpec:
    """Read rule files (and everything they include) into one checked ``RuleSetSpec``.

    Raises ``RuleFileError`` carrying every error of every file, sorted by file
    and line; warnings never stop loading (``check_rule_files`` reports them).
    """
    build = _Builder(run_lints=False)
    spec = build.run(_as_list(paths))
    errors = errors_only(build.sorted_diagnostics())
    if errors:
        raise RuleFileError(errors)
    return spec


def check_rule_files(
    paths: Union[PathArg, Sequence[PathArg]], *, lints: Optional[Sequence[Lint]] = None
) -> list[Diagnostic]:
    """Every error and warning in the rule files, sorted by file and line. Never raises for content.

    ``lints`` (default ``LINTS``) are the warning checks run over the loaded rules.
    """
    build = _Builder(run_lints=True, lints=LINTS if lints is None else tuple(lints))
    build.run(_as_list(paths))
    return build.sorted_diagnostics()


# ---------------------------------------------------------------------------
# Lints: warning checks over loaded patterns. `ruleie check` runs LINTS; add a
# function to the tuple to add a lint.


@attrs.frozen(eq=False)
class PatternSite:
    """One pattern text written in a rule file: a rule's ``pattern`` or one text of a variable.

    ``node`` is the parsed pattern. Nodes that came from a ``${var}`` belong to
    the variable's own site; ``own_nodes`` and ``own_exprs`` skip them, so a lint
    reports each problem once, where it is written. Offsets (``node.pos``) of own
    nodes are offsets into ``text``; ``diagnostic`` places them in the file.
    """

    kind: str  # "rule" or "var"
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
    """A lexicon that no pattern uses and that makes no mentions does nothing."""
    if not ctx.complete:
        return
    used = {e.lexicon for s in ctx.sites for e in s.own_exprs() if isinstance(e, n.InLexicon)}
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
    ancestors = _ancestor_map(spec.types)
    producers: list[tuple[str, int]] = [(lx.mention, -1) for lx in spec.lexicons.values() if lx.mention]
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


def _ancestor_map(types: Mapping[str, TypeSpec]) -> dict[str, set[str]]:
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


# ---------------------------------------------------------------------------
# Sources and positions


@attrs.define
class _Source:
    """One loaded file: its name as shown, its path on disk and its text."""

    display: str
    path: str  # absolute, as opened: relative include and lexicon paths start from its directory
    text: str
    lines: list[str]

    _line_starts: Optional[list[int]] = None

    def position(self, index: int) -> Position:
        """As ``Position.at``, by bisection over line starts: files with 10,000 rules ask often."""
        if self._line_starts is None:
            self._line_starts = [0] + [i + 1 for i, c in enumerate(self.text) if c == "\n"]
        index = max(0, min(index, len(self.text)))
        line = bisect_right(self._line_starts, index)
        return Position(index, line, index - self._line_starts[line - 1] + 1)

    def diag(self, index: int, message: str, severity: str = "error", hint: Optional[str] = None) -> Diagnostic:
        pos = self.position(index)
        line = self.lines[pos.line - 1] if pos.line - 1 < len(self.lines) else ""
        return Diagnostic(message, severity, self.display, pos.line, pos.column, line, hint, index)

    def location(self, index: int) -> SourceLocation:
        pos = self.position(index)
        return SourceLocation(self.display, pos.line, pos.column)


def _display_name(path: str) -> str:
    """A path as the user should read it: relative to the working directory when it lies below it."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            return os.path.normpath(path)
        if not rel.startswith(os.pardir):
            return rel
        return os.path.normpath(path)
    return os.path.normpath(path)


def _as_list(paths: Union[PathArg, Sequence[PathArg]]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def _first_character(text: str, node: ScalarNode) -> int:
    """The file index of a scalar's first character: ``_scalar_offsets(...)[0]``, cheaply
    for the common one-line plain and quoted scalars."""
    if node.style in (None, "") and "\n" not in node.value and text.startswith(node.value, node.start_mark.index):
        return node.start_mark.index
    return _scalar_offsets(text, node)[0]


def _scalar_offsets(text: str, node: ScalarNode) -> list[int]:
    """The file index of each character of a scalar's value, and one more for its end.

    Walks the source text of the scalar beside its value. Non-blank characters
    land exactly in every style: escapes (``\\"``, ``\\u00e9``, ``''``) map to
    where the escape starts. Blanks that YAML folds or strips (line breaks,
    indentation) map to a blank nearby on the right line.
    """
    value = node.value
    start, end = node.start_mark.index, node.end_mark.index
    style = node.style
    entries: list[tuple[str, int, bool]] = []  # (character, file index, may YAML drop or fold it)
    if style in ("|", ">"):
        newline = text.find("\n", start, end)  # skip the header line: `|-  # comment`
        first = end if newline < 0 else newline + 1
        entries = [(text[k], k, text[k] in _WS) for k in range(first, end)]
    elif style == "'":
        j, stop = start + 1, end - 1
        while j < stop:
            if text.startswith("''", j):
                entries.append(("'", j, False))
                j += 2
            else:
                entries.append((text[j], j, text[j] in _WS))
                j += 1
    elif style == '"':
        j, stop = start + 1, end - 1
        while j < stop:
            c = text[j]
            if c == "\\" and j + 1 < stop:
                e = text[j + 1]
                if e in Scanner.ESCAPE_REPLACEMENTS:
                    entries.append((Scanner.ESCAPE_REPLACEMENTS[e], j, False))
                    j += 2
                elif e in Scanner.ESCAPE_CODES:
                    length = Scanner.ESCAPE_CODES[e]
                    try:
                        decoded = chr(int(text[j + 2 : j + 2 + length], 16))
                    except ValueError:
                        decoded = "\ufffd"
                    entries.append((decoded, j, False))
                    j += 2 + length
                else:  # an escaped line break: it and the next line's indentation vanish
                    j += 1
            else:
                entries.append((c, j, c in _WS))
                j += 1
    else:
        entries = [(text[k], k, text[k] in _WS) for k in range(start, end)]

    offsets: list[int] = []
    k = 0
    fallback = entries[-1][1] + 1 if entries else start
    for ch in value:
        while k < len(entries):
            ec, index, droppable = entries[k]
            if ec == ch:
                offsets.append(index)
                k += 1
                break
            if droppable:
                k += 1
                continue
            if ch in _WS:  # a blank YAML made from a line break: point at what follows it
                offsets.append(index)
                break
            k += 1
        else:
            offsets.append(fallback)
    last = max((i for i, ch in enumerate(value) if ch not in _WS), default=None)
    offsets.append(offsets[last] + 1 if last is not None else (entries[0][1] if entries else start))
    return offsets


# ---------------------------------------------------------------------------
# YAML: composed safely, never constructed


class _Refused(Exception):
    def __init__(self, message: str, mark: Any, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class _Composer(yaml.SafeLoader):
    """PyYAML's safe composer, refusing aliases, anchors, deep nesting and object tags."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0
        self.tag_problems: list[tuple[str, Any]] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise _Refused(
                f"YAML aliases (*{event.anchor}) are not allowed in rule files",
                event.start_mark,
                "repeat the text, or share a pattern through `vars:`",
            )
        if getattr(event, "anchor", None) is not None:
            raise _Refused(
                f"YAML anchors (&{event.anchor}) are not allowed in rule files",
                event.start_mark,
                "repeat the text, or share a pattern through `vars:`",
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _SAFE_TAGS:
            shown = "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag
            self.tag_problems.append(
                (f"YAML tag '{shown}' is not allowed: rule files are plain data (text, numbers, lists, mappings)", event.start_mark)
            )
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise _Refused(f"YAML nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Text that might hold an anchor, an alias or a tag: such files take the checking composer.
_MAYBE_ANCHOR_ALIAS_OR_TAG = re.compile(r"(?:^|[\s\[{,:-])[&*!][^\s\]},]", re.MULTILINE)


def _compose_fast(text: str) -> Optional[YamlNode]:
    """Compose with libyaml when that is safe and gives the same tree: a file with no anchor,
    alias or tag and no error. Anything else returns None, and the checking composer (pure
    Python, exact messages) takes over. libyaml is about ten times faster, which matters for
    rule sets of thousands of rules."""
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None or _MAYBE_ANCHOR_ALIAS_OR_TAG.search(text) or "\t" in text:
        return None
    try:
        documents = list(yaml.compose_all(text, Loader=loader_class))
    except Exception:  # any problem: the checking composer reports it properly
        return None
    if len(documents) != 1 or documents[0] is None:
        return None
    root = documents[0]
    # Safety net: a node reached twice would be an alias; deep nesting is refused too.
    seen: set[int] = set()
    stack: list[tuple[YamlNode, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or depth > MAX_YAML_DEPTH or node.tag not in _SAFE_TAGS:
            return None
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)
        elif isinstance(node, SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
    return root


_CONSTRUCTOR = SafeConstructor()


def _tag(node: YamlNode) -> str:
    return node.tag[len(_YAML) :] if node.tag.startswith(_YAML) else node.tag


def _describe(node: YamlNode) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = _tag(node)
    if tag == "null":
        return "empty"
    if tag == "bool":
        return f"the boolean {node.value}"
    if tag in ("int", "float"):
        return f"the number {node.value}"
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f"the text {shown!r}"


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# ---------------------------------------------------------------------------
# Declarations collected from files, resolved once every file is read


@attrs.define
class _TypeDecl:
    name: str
    src: _Source
    node: YamlNode  # the name key
    kind: Optional[str] = None
    kind_node: Optional[YamlNode] = None
    parents: list[tuple[str, YamlNode]] = attrs.Factory(list)
    fields: list[tuple[FieldSpec, YamlNode]] = attrs.Factory(list)
    key: list[tuple[str, YamlNode]] = attrs.Factory(list)
    conflict: Optional[str] = None
    propagate: bool = False
    propagate_node: Optional[YamlNode] = None
    doc: str = ""


@attrs.define
class _LexiconDecl:
    name: str
    src: _Source
    node: YamlNode
    entries: set[str] = attrs.Factory(set)
    field: str = "lower"
    mention: Optional[tuple[str, YamlNode]] = None


@attrs.define
class _VarDecl:
    name: str
    src: _Source
    node: YamlNode  # the name key
    texts: list[tuple[str, ScalarNode]] = attrs.Factory(list)
    is_list: bool = False


@attrs.define
class _RuleDecl:
    src: _Source
    node: MappingNode
    items: dict[str, tuple[YamlNode, YamlNode]]  # key → (key node, value node)


class _Placeholders(Mapping[str, n.Node]):
    """Variables for a first parse: every known name stands for any token; records which were used."""

    def __init__(self, names: Iterable[str]):
        # A mapping, not a list: one is made per variable text, and a list made loading
        # 100,000 variables take minutes (a copy and a linear search each).
        self.names = names if isinstance(names, Mapping) else dict.fromkeys(names)
        self.placeholder = n.TokenTest(None)
        self.used: set[str] = set()

    def __getitem__(self, key: str) -> n.Node:
        if key not in self.names:
            raise KeyError(key)
        self.used.add(key)
        return self.placeholder

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


# ---------------------------------------------------------------------------
# The loader


class _Builder:
    def __init__(self, *, run_lints: bool, lints: tuple[Lint, ...] = ()):
        self.run_lints = run_lints
        self.lints = lints
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, _Source] = {}  # real path → source, for every file read
        self.data: dict[str, bytes] = {}  # display → bytes of every file read
        self.stack: list[tuple[str, str]] = []  # (real path, display) of rule files being loaded
        self.types: dict[str, _TypeDecl] = {}
        self.lexicons: dict[str, _LexiconDecl] = {}
        self.vars: dict[str, _VarDecl] = {}
        self.rules: list[_RuleDecl] = []
        self.file_order: list[str] = []  # displays of files whose definitions are merged, in order
        self.unparsed = 0  # pattern texts that did not parse

    # -- reporting ---------------------------------------------------------

    def error(self, src: _Source, where: Union[YamlNode, int], message: str, hint: Optional[str] = None) -> None:
        index = where if isinstance(where, int) else where.start_mark.index
        self.diagnostics.append(src.diag(index, message, hint=hint))

    def wrong_type(self, src: _Source, node: YamlNode, what: str, expected: str, hint: Optional[str] = None) -> None:
        self.error(src, node, f"{what} must be {expected}, not {_describe(node)}", hint)

    def sorted_diagnostics(self) -> list[Diagnostic]:
        unique: dict[tuple[object, ...], Diagnostic] = {}
        for d in self.diagnostics:
            unique.setdefault((d.file, d.line, d.column, d.severity, d.message), d)
        return sorted(unique.values(), key=lambda d: (d.file or "", d.line or 0, d.column or 0))

    # -- value helpers -----------------------------------------------------

    def mapping(
        self, src: _Source, node: YamlNode, what: str, known: Optional[Sequence[str]] = None
    ) -> Optional[dict[str, tuple[YamlNode, YamlNode]]]:
        """A mapping's items by key, reporting non-text keys, duplicate keys and keys not in ``known``."""
        if not isinstance(node, MappingNode):
            self.wrong_type(src, node, what, "a mapping")
            return None
        items: dict[str, tuple[YamlNode, YamlNode]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or _tag(key_node) == "null":
                self.error(src, key_node, f"a key in {what} must be a name, not {_describe(key_node)}")
                continue
            key = key_node.value
            if key in items:
                first = items[key][0].start_mark.line + 1
                self.error(src, key_node, f"duplicate key '{key}' in {what} (first at line {first})")
                continue
            if known is not None and key not in known:
                close = _did_you_mean(key, known)
                hint = None if close else "known keys: " + ", ".join(known)
                self.error(src, key_node, f"unknown key '{key}' in {what}{close}", hint)
                continue
            items[key] = (key_node, value_node)
        return items

    def text(self, src: _Source, node: YamlNode, what: str, *, empty_ok: bool = False) -> Optional[str]:
        """Any scalar as the text written (so `no`, `23` and `2024-05-01` stay text); null is an error."""
        if not isinstance(node, ScalarNode) or _tag(node) == "null":
            self.wrong_type(src, node, what, "text")
            return None
        if not empty_ok and not node.value.strip():
            self.error(src, node, f"{what} must not be empty")
            return None
        return node.value

    def name(self, src: _Source, node: YamlNode, what: str, pattern: re.Pattern[str], rule: str) -> Optional[str]:
        value = self.text(src, node, what)
        if value is None:
            return None
        if not pattern.match(value):
            self.error(src, node, f"{what} {value!r} is not a valid name: {rule}")
            return None
        return value

    def integer(self, src: _Source, node: YamlNode, what: str) -> Optional[int]:
        if not isinstance(node, ScalarNode) or _tag(node) != "int":
            self.wrong_type(src, node, what, "a whole number")
            return None
        return int(_CONSTRUCTOR.construct_yaml_int(node))

    def text_list(self, src: _Source, node: YamlNode, what: str) -> list[tuple[str, YamlNode]]:
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

    # -- files -------------------------------------------------------------

    def read(self, path: str, display: str, site: Optional[tuple[_Source, YamlNode]], what: str) -> Optional[_Source]:
        """Read and decode one file, reporting at ``site`` (the naming key) when it cannot be read."""

        def fail(message: str) -> None:
            if site is None:
                self.diagnostics.append(Diagnostic(message, file=display))
            else:
                self.error(site[0], site[1], message)

        shown = f"'{display}'"
        try:
            if not os.path.exists(path):
                fail(f"cannot read {what} {shown}: no such file")
                return None
            if not os.path.isfile(path):
                fail(f"cannot read {what} {shown}: not a regular file")
                return None
            if os.path.getsize(path) > MAX_FILE_BYTES:
                fail(f"cannot read {what} {shown}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
                return None
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            fail(f"cannot read {what} {shown}: {error.strerror or error}")
            return None
        self.data[display] = data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = error.start
            line_start = data.rfind(b"\n", 0, bad) + 1
            line_end = data.find(b"\n", bad)
            line_bytes = data[line_start : line_end if line_end >= 0 else len(data)]
            column = len(data[line_start:bad].decode("utf-8", "replace")) + 1
            self.diagnostics.append(
                Diagnostic(
                    f"not valid UTF-8: byte 0x{data[bad]:02x} at byte offset {bad} cannot be decoded",
                    "error",
                    display,
                    data.count(b"\n", 0, bad) + 1,
                    column,
                    line_bytes.decode("utf-8", "replace").rstrip("\r"),
                    "save the file as UTF-8",
                    bad,
                )
            )
            return None
        if text.startswith("\ufeff"):
            text = text[1:]
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return _Source(display, os.path.abspath(path), text, text.split("\n"))

    def compose(self, src: _Source) -> Optional[YamlNode]:
        fast = _compose_fast(src.text)
        if fast is not None:
            return fast
        root: Optional[YamlNode] = None
        loader: Optional[_Composer] = None
        try:
            loader = _Composer(src.text)  # the reader checks every character here
            loader.get_event()  # stream start
            if loader.check_event(StreamEndEvent):
                self.error(src, 0, "empty rule file: a rule file starts with `ruleie: 1`")
                return None
            root = loader.compose_document()
            if not loader.check_event(StreamEndEvent):
                event = loader.peek_event()
                self.error(
                    src,
                    event.start_mark.index,
                    "a rule file holds exactly one YAML document, and a second one starts here",
                    "split it into two files and include one from the other",
                )
        except _Refused as refused:
            self.error(src, refused.mark.index, refused.message, refused.hint)
            root = None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = error.problem or error.context or "invalid YAML"
            hint = None
            if error.context and error.context_mark is not None and error.problem_mark is not None:
                cm = error.context_mark
                hint = f"{error.context} at line {cm.line + 1}, column {cm.column + 1}"
            if "'\\t'" in problem:
                hint = "YAML indents with spaces, never tabs"
            self.error(src, mark.index if mark is not None else 0, f"YAML syntax error: {problem}", hint)
            root = None
        except yaml.reader.ReaderError as error:
            char = error.character if isinstance(error.character, str) else chr(error.character)
            self.error(src, error.position, f"control character U+{ord(char):04X} is not allowed in a rule file")
            root = None
        except RecursionError:
            self.error(src, 0, "YAML nested too deeply")
            root = None
        finally:
            if loader is not None:
                loader.dispose()
        if loader is None:
            return None
        for message, mark in loader.tag_problems:
            self.error(src, mark.index, message)
        # A refused tag is a sign of a file written for something else: checking
        # its content further would only add confusing follow-on errors.
        return None if loader.tag_problems else root

    def load_rule_file(self, path: str, display: str, site: Optional[tuple[_Source, YamlNode]]) -> None:
        real = os.path.realpath(path)
        if any(real == r for r, _ in self.stack):
            chain = [d for r, d in self.stack[[r for r, _ in self.stack].index(real) :]] + [display]
            assert site is not None
            self.error(site[0], site[1], "include cycle: " + " -> ".join(chain))
            return
        if real in self.sources:
            return  # included before (perhaps by another path): loaded once
        if site is not None and len(self.stack) >= MAX_INCLUDE_DEPTH:
            self.error(site[0], site[1], f"includes nested more than {MAX_INCLUDE_DEPTH} files deep")
            return
        src = self.read(path, display, site, "rule file" if site is None else "included file")
        if src is None:
            self.sources[real] = _Source(display, os.path.abspath(path), "", [""])
            return
        self.sources[real] = src
        root = self.compose(src)
        if root is None:
            self.loaded_order_note(src)
            return
        if not isinstance(root, MappingNode):
            self.wrong_type(src, root, "a rule file", "a mapping of keys (ruleie, include, lexicons, vars, types, rules)")
            self.loaded_order_note(src)
            return
        items = self.mapping(src, root, "the rule file", TOP_KEYS)
        assert items is not None
        if not self.check_version(src, root, items):
            self.loaded_order_note(src)
            return
        # A section left empty (`rules:` with every rule commented out) is no error.
        items = {k: v for k, v in items.items() if not (isinstance(v[1], ScalarNode) and _tag(v[1]) == "null")}
        self.stack.append((real, display))
        try:
            if "include" in items:
                for text, node in self.text_list(src, items["include"][1], "include"):
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
        if "rules" in items:
            self.collect_rules(src, items["rules"][1])
        if "doc" in items:
            self.text(src, items["doc"][1], "doc", empty_ok=True)

    def loaded_order_note(self, src: _Source) -> None:
        """Rule files are listed once their includes are: the order their definitions merge."""
        self.file_order.append(src.display)

    def check_version(self, src: _Source, root: MappingNode, items: dict[str, tuple[YamlNode, YamlNode]]) -> bool:
        if "ruleie" not in items:
            self.error(
                src,
                root,
                "missing `ruleie: 1`: every rule file states its format version",
                "add the line `ruleie: 1` at the top of the file",
            )
            return True  # read on: the rest is most likely version 1 with the line forgotten
        node = items["ruleie"][1]
        if not isinstance(node, ScalarNode) or _tag(node) != "int":
            self.wrong_type(src, node, "the format version `ruleie`", "a whole number", "write `ruleie: 1`")
            return False
        version = int(_CONSTRUCTOR.construct_yaml_int(node))
        if version not in SUPPORTED_VERSIONS:
            supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
            self.error(src, node, f"unsupported rule file format version {version}: this ruleie reads version {supported}")
            return False
        return True

    def resolve_path(self, src: _Source, text: str, node: YamlNode, what: str) -> Optional[tuple[str, str]]:
        """(path to open, path to show) of a file named relative to ``src``; absolute paths and URLs are refused."""
        if "://" in text or os.path.isabs(text) or text.startswith("~"):
            self.error(
                src,
                node,
                f"{what} {text!r} must be a path relative to this file",
                "relative paths keep a rule pack working wherever it is copied",
            )
            return None
        path = os.path.join(os.path.dirname(src.path), text)
        base = os.path.dirname(src.display)
        display = os.path.join(base, text) if not os.path.isabs(src.display) else path
        return path, _display_name(os.path.normpath(display))

    def include(self, src: _Source, text: str, node: YamlNode) -> None:
        resolved = self.resolve_path(src, text, node, "include path")
        if resolved is not None:
            self.load_rule_file(resolved[0], resolved[1], (src, node))

    # -- collecting definitions --------------------------------------------

    def defined_twice(self, src: _Source, node: YamlNode, what: str, name: str, first: SourceLocation) -> None:
        self.error(src, node, f"duplicate {what} '{name}': already defined at {first}")

    def collect_lexicons(self, src: _Source, node: YamlNode) -> None:
        items = self.mapping(src, node, "lexicons")
        for name_text, (key_node, value) in (items or {}).items():
            name = self.name(src, key_node, "lexicon name", NAME_RE, "a letter or _ then letters, digits, _ . -")
            if name is None:
                continue
            if name in self.lexicons:
                first = self.lexicons[name]
                self.defined_twice(src, key_node, "lexicon", name, first.src.location(first.node.start_mark.index))
                continue
            decl = _LexiconDecl(name, src, key_node)
            self.lexicons[name] = decl
            if isinstance(value, SequenceNode):
                self.lexicon_entries(src, value, decl)
                continue
            if not isinstance(value, MappingNode):
                self.wrong_type(src, value, f"lexicon '{name}'", "a list of entries or a mapping with entries or file")
                continue
            spec = self.mapping(src, value, f"lexicon '{name}'", LEXICON_KEYS) or {}
            if "entries" not in spec and "file" not in spec:
                self.error(src, value, f"lexicon '{name}' needs `entries:` or `file:`")
            if "entries" in spec:
                entries_node = spec["entries"][1]
                if isinstance(entries_node, SequenceNode):
                    self.lexicon_entries(src, entries_node, decl)
                else:
                    self.wrong_type(src, entries_node, f"entries of lexicon '{name}'", "a list")
            if "file" in spec:
                self.lexicon_file(src, spec["file"][1], decl)
            if "field" in spec:
                field = self.name(src, spec["field"][1], "field", TOKEN_FIELD_RE, "a token field such as lower, lemma, word")
                if field is not None:
                    decl.field = field
            if "mention" in spec:
                mention = self.text(src, spec["mention"][1], "mention")
                if mention is not None:
                    decl.mention = (mention, spec["mention"][1])
            if "doc" in spec:
                self.text(src, spec["doc"][1], "doc", empty_ok=True)

    def lexicon_entries(self, src: _Source, node: SequenceNode, decl: _LexiconDecl) -> None:
        for item in node.value:
            if not isinstance(item, ScalarNode) or _tag(item) == "null":
                self.wrong_type(src, item, f"an entry of lexicon '{decl.name}'", "text")
                continue
            entry = " ".join(item.value.split())
            if not entry:
                self.error(src, item, f"an entry of lexicon '{decl.name}' is empty")
                continue
            decl.entries.add(entry)

    def lexicon_file(self, src: _Source, node: YamlNode, decl: _LexiconDecl) -> None:
        text = self.text(src, node, "file")
        if text is None:
            return
        resolved = self.resolve_path(src, text, node, "lexicon file")
        if resolved is None:
            return
        path, display = resolved
        real = os.path.realpath(path)
        words = self.sources.get(real)
        if words is None:
            words = self.read(path, display, (src, node), "lexicon file")
            if words is None:
                return
            self.sources[real] = words
            self.file_order.append(words.display)
        for line in words.lines:
            # `#` starts a comment at the start of a line or after a blank, so `C#` stays an entry.
            entry = " ".join(re.sub(r"(?:^|\s)#.*", "", line).split())
            if entry:
                decl.entries.add(entry)

    def collect_vars(self, src: _Source, node: YamlNode) -> None:
        items = self.mapping(src, node, "vars")
        for _, (key_node, value) in (items or {}).items():
            name = self.name(src, key_node, "variable name", NAME_RE, "a letter or _ then letters, digits, _ . -")
            if name is None:
                continue
            if name in self.vars:
                first = self.vars[name]
                self.defined_twice(src, key_node, "variable", name, first.src.location(first.node.start_mark.index))
                continue
            decl = _VarDecl(name, src, key_node)
            self.vars[name] = decl
            if isinstance(value, SequenceNode):
                decl.is_list = True
                if not value.value:
                    self.error(src, value, f"variable '{name}' is an empty list")
                for item in value.value:
                    text = self.text(src, item, f"an alternative of variable '{name}'")
                    if text is not None:
                        decl.texts.append((text, item))  # type: ignore[arg-type]
            else:
                text = self.text(src, value, f"variable '{name}'")
                if text is not None:
                    decl.texts.append((text, value))  # type: ignore[arg-type]

    def collect_types(self, src: _Source, node: YamlNode) -> None:
        items = self.mapping(src, node, "types")
        for _, (key_node, value) in (items or {}).items():
            name = self.name(src, key_node, "type name", NAME_RE, "a letter or _ then letters, digits, _ . -")
            if name is None:
                continue
            if name in self.types:
                first = self.types[name]
                self.defined_twice(src, key_node, "type", name, first.src.location(first.node.start_mark.index))
                continue
            decl = _TypeDecl(name, src, key_node)
            self.types[name] = decl
            if isinstance(value, ScalarNode) and _tag(value) == "null":
                continue  # `Person:` alone: a record type with no fields
            spec = self.mapping(src, value, f"type '{name}'", TYPE_KEYS)
            if spec is None:
                continue
            if "kind" in spec:
                kind_node = spec["kind"][1]
                kind = self.text(src, kind_node, "kind")
                if kind is not None and kind not in KINDS:
                    self.error(src, kind_node, f"unknown kind '{kind}'{_did_you_mean(kind, KINDS)}: a type is a record or a mention")
                elif kind is not None:
                    decl.kind, decl.kind_node = kind, kind_node
            if "parent" in spec:
                decl.parents = self.text_list(src, spec["parent"][1], "parent")
            if "fields" in spec:
                self.collect_fields(src, spec["fields"][1], decl)
            if "key" in spec:
                decl.key = self.text_list(src, spec["key"][1], "key")
            if "conflict" in spec:
                conflict_node = spec["conflict"][1]
                conflict = self.text(src, conflict_node, "conflict")
                if conflict is not None and conflict not in CONFLICT_POLICIES:
                    self.error(
                        src,
                        conflict_node,
                        f"unknown conflict policy '{conflict}'{_did_you_mean(conflict, CONFLICT_POLICIES)}",
                        "one of: " + ", ".join(CONFLICT_POLICIES),
                    )
                elif conflict is not None:
                    decl.conflict = conflict
            if "propagate" in spec:
                node = spec["propagate"][1]
                if isinstance(node, ScalarNode) and _tag(node) == "bool":
                    decl.propagate = bool(_CONSTRUCTOR.construct_yaml_bool(node))
                    decl.propagate_node = node
                else:
                    self.wrong_type(src, node, "propagate", "true or false")
            if "doc" in spec:
                decl.doc = self.text(src, spec["doc"][1], "doc", empty_ok=True) or ""

    def collect_fields(self, src: _Source, node: YamlNode, decl: _TypeDecl) -> None:
        items = self.mapping(src, node, f"fields of type '{decl.name}'")
        for _, (key_node, value) in (items or {}).items():
            field = self.name(
                src, key_node, "field name", FIELD_NAME_RE, "a letter or _ then letters, digits or _, as in a capture (?<name> …)"
            )
            if field is None:
                continue
            doc = ""
            type_node = value
            if isinstance(value, MappingNode):
                spec = self.mapping(src, value, f"field '{field}'", FIELD_KEYS) or {}
                if "doc" in spec:
                    doc = self.text(src, spec["doc"][1], "doc", empty_ok=True) or ""
                if "type" not in spec:
                    self.error(src, value, f"field '{field}' needs a `type:`", "one of: " + ", ".join(FIELD_TYPE_SPELLINGS))
                    continue
                type_node = spec["type"][1]
            type_text = self.text(src, type_node, f"the type of field '{field}'")
            if type_text is None:
                continue
            parsed = _field_type(type_text)
            if parsed is None:
                self.error(
                    src,
                    type_node,
                    f"unknown field type '{type_text}'{_did_you_mean(type_text, FIELD_TYPE_SPELLINGS)}",
                    "one of: " + ", ".join(FIELD_TYPE_SPELLINGS),
                )
                parsed = ("str", "str")  # keep the field, so that its uses do not report it unknown
            decl.fields.append((FieldSpec(field, parsed[0], parsed[1], doc), key_node))

    def collect_rules(self, src: _Source, node: YamlNode) -> None:
        if not isinstance(node, SequenceNode):
            self.wrong_type(src, node, "rules", "a list of rules (each `- name: …`)")
            return
        for item in node.value:
            if not isinstance(item, MappingNode):
                self.wrong_type(src, item, "a rule", "a mapping with name, type and pattern")
                continue
            items = self.mapping(src, item, "rule", RULE_KEYS)
            assert items is not None
            self.rules.append(_RuleDecl(src, item, items))

    # -- resolving ---------------------------------------------------------

    def run(self, paths: list[str]) -> RuleSetSpec:
        types: dict[str, TypeSpec] = {}
        lexicons: dict[str, LexiconSpec] = {}
        var_nodes: dict[str, n.Node] = {}
        rules: list[RuleSpec] = []
        var_sites: list[PatternSite] = []
        rule_sites: list[PatternSite] = []
        try:
            for path in paths:
                self.load_rule_file(path, _display_name(path), None)
            types = self.resolve_types()
            lexicons = self.resolve_lexicons(types)
            var_nodes, var_sites = self.resolve_vars(types, lexicons)
            rules, rule_sites = self.resolve_rules(types, lexicons, var_nodes)
        except RecursionError:
            # Only a pathological rule set gets here: includes, parents or variables
            # chained hundreds deep. Say so rather than show a traceback.
            first = paths[0] if paths else None
            self.diagnostics.append(
                Diagnostic(
                    "rule set nested too deeply: includes, parent types or variables chained hundreds of levels deep",
                    file=_display_name(first) if first else None,
                )
            )
            self.unparsed += 1
        files = tuple(dict.fromkeys(self.file_order))
        digest = hashlib.sha256()
        for name in files:
            data = self.data.get(name, b"")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        spec = RuleSetSpec(
            types=MappingProxyType(types),
            lexicons=MappingProxyType(lexicons),
            vars=MappingProxyType(
                {name: tuple(t for t, _ in d.texts) if d.is_list else d.texts[0][0] for name, d in self.vars.items() if d.texts}
            ),
            rules=tuple(rules),
            files=files,
            digest=digest.hexdigest(),
        )
        if self.run_lints:
            sources = {s.display: s.text for s in self.sources.values()}
            ctx = LintContext(spec, tuple(var_sites + rule_sites), sources, complete=not self.unparsed)
            for lint in self.lints:
                self.diagnostics.extend(lint(ctx))
        return spec

    def resolve_types(self) -> dict[str, TypeSpec]:
        decls = self.types
        # Parents must exist; a cycle is reported once, at the type that closes it.
        for decl in decls.values():
            for parent, node in decl.parents:
                if parent not in decls:
                    self.error(decl.src, node, f"unknown parent type '{parent}'{_did_you_mean(parent, decls)}")
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
                    self.error(decls[name].src, node, "type taxonomy cycle: " + " -> ".join(cycle))
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
                (build(p), node) for p, node in decl.parents if p in decls and p not in in_cycle and name not in in_cycle
            ]
            parents = [parent for parent, _ in linked]
            kind = decl.kind or (parents[0].kind if parents else "record")
            for parent, node in linked:
                if parent.kind != kind:
                    self.error(
                        decl.src,
                        node,
                        f"type '{name}' is a {kind} type but its parent '{parent.name}' is a {parent.kind} type",
                    )
            fields: dict[str, FieldSpec] = {}
            origin: dict[str, str] = {}
            for parent in parents:
                for f in parent.fields:
                    if f.name in fields and (fields[f.name].type, fields[f.name].item) != (f.type, f.item):
                        self.error(
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
                    self.error(
                        decl.src,
                        node,
                        f"field '{f.name}' is {_type_text(f)} here but {_type_text(inherited)} in parent type '{origin[f.name]}'",
                    )
                    continue
                fields[f.name] = f
            if decl.propagate and kind != "mention":
                self.error(
                    decl.src,
                    decl.propagate_node or decl.node,
                    f"`propagate:` applies to mention types only, and '{name}' is a record type",
                )
            for key, node in decl.key:
                if key not in fields:
                    self.error(decl.src, node, f"key field '{key}' is not a field of type '{name}'{_did_you_mean(key, fields)}")
            spec = TypeSpec(
                name=name,
                kind=kind,
                fields=tuple(fields.values()),
                parents=tuple(p for p, _ in decl.parents),
                key=tuple(k for k, _ in decl.key if k in fields),
                conflict=decl.conflict or "drop-contained",
                propagate=decl.propagate,
                doc=decl.doc,
                location=decl.src.location(decl.node.start_mark.index),
            )
            resolved[name] = spec
            return spec

        for name in decls:
            build(name)
        return {name: resolved[name] for name in decls}

    def resolve_lexicons(self, types: Mapping[str, TypeSpec]) -> dict[str, LexiconSpec]:
        result: dict[str, LexiconSpec] = {}
        for name, decl in self.lexicons.items():
            mention = None
            if decl.mention is not None:
                mention, node = decl.mention
                if mention not in types:
                    self.error(decl.src, node, f"unknown type '{mention}'{_did_you_mean(mention, types)}")
                elif types[mention].kind != "mention":
                    self.error(
                        decl.src,
                        node,
                        f"lexicon '{name}' makes mentions of '{mention}', which is a record type",
                        f"declare '{mention}' with `kind: mention`, or use a mention type",
                    )
            result[name] = LexiconSpec(
                name, frozenset(decl.entries), decl.field, mention, decl.src.location(decl.node.start_mark.index)
            )
        return result

    def pattern_error(
        self, src: _Source, scalar: ScalarNode, error: Union[PatternError, PatternSyntaxError], prefix: str = ""
    ) -> None:
        """Pattern diagnostics moved from offsets in the pattern text to the file's line and column."""
        self.unparsed += 1
        offsets = _scalar_offsets(src.text, scalar)
        for d in error.diagnostics:
            offset = d.offset if d.offset is not None else 0
            index = offsets[min(max(offset, 0), len(offsets) - 1)]
            self.diagnostics.append(src.diag(index, prefix + d.message, d.severity, d.hint))

    def locator(self, src: _Source, scalar: ScalarNode) -> Callable[[int], Diagnostic]:
        # Offsets are worked out only when a lint asks: most patterns never need them.
        offsets: list[list[int]] = []

        def locate(offset: int) -> Diagnostic:
            if not offsets:
                offsets.append(_scalar_offsets(src.text, scalar))
            table = offsets[0]
            return src.diag(table[min(max(offset, 0), len(table) - 1)], "")

        return locate

    def check_mention_refs(
        self, src: _Source, scalar: ScalarNode, nodes: Iterable[n.Node], types: Mapping[str, TypeSpec], shift: int = 0
    ) -> bool:
        ok = True
        offsets: Optional[list[int]] = None
        for node in nodes:
            if isinstance(node, n.MentionRef) and node.type not in types:
                offsets = offsets or _scalar_offsets(src.text, scalar)
                at = min(max(node.pos - shift, 0), len(offsets) - 1)
                self.diagnostics.append(
                    src.diag(offsets[at], f"unknown type '@{node.type}'{_did_you_mean(node.type, types)}")
                )
                ok = False
        return ok

    def resolve_vars(
        self, types: Mapping[str, TypeSpec], lexicons: Mapping[str, LexiconSpec]
    ) -> tuple[dict[str, n.Node], list[PatternSite]]:
        """Check every variable text, reject cycles, and build each variable's pattern once."""
        lexicon_names = set(lexicons) | set(self.lexicons)
        refs: dict[str, set[str]] = {}
        broken: set[str] = set()
        sites: list[PatternSite] = []
        for name, decl in self.vars.items():
            refs[name] = set()
            if not decl.texts:
                broken.add(name)
            for text, scalar in decl.texts:
                placeholders = _Placeholders(self.vars)
                try:
                    node, shift = _parse_fragment(text, placeholders, lexicon_names, decl.src.display)
                except (PatternError, PatternSyntaxError) as error:
                    self.pattern_error(decl.src, scalar, error, f"in variable '{name}': ")
                    broken.add(name)
                    continue
                finally:
                    refs[name] |= placeholders.used
                own = [x for x in n.walk(node) if x is not placeholders.placeholder]
                if not self.check_mention_refs(decl.src, scalar, own, types, shift):
                    broken.add(name)
                sites.append(
                    PatternSite(
                        "var",
                        name,
                        text,
                        _shifted(node, shift),
                        decl.src.display,
                        locate=self.locator(decl.src, scalar),
                        foreign=frozenset({id(placeholders.placeholder)}),
                    )
                )
        # Cycles between variables: reported once, at the variable (in load order) that starts one.
        state: dict[str, int] = {}
        order: list[str] = []
        reported: set[frozenset[str]] = set()

        def visit(name: str, path: list[str]) -> None:
            state[name] = 1
            for ref in sorted(refs.get(name, ())):
                if state.get(ref) == 1:
                    cycle = path[path.index(ref) :] + [ref]
                    broken.update(cycle)
                    members = frozenset(cycle)
                    if members not in reported:
                        reported.add(members)
                        start = self.vars[cycle[0]]
                        message = (
                            f"variable '{ref}' refers to itself"
                            if len(cycle) == 2
                            else "variable cycle: " + " -> ".join("${" + c + "}" for c in cycle)
                        )
                        self.error(start.src, start.node, message)
                elif state.get(ref) is None:
                    visit(ref, path + [ref])
            state[name] = 2
            order.append(name)

        for name in self.vars:
            if name not in state:
                visit(name, [name])
        # Build in dependency order; a broken variable (or one using one) stands for any token.
        built: dict[str, n.Node] = {}
        for name in order:
            decl = self.vars[name]
            if name in broken or refs[name] & broken:
                broken.add(name)
                built[name] = n.TokenTest(None)
                continue
            options = []
            for text, _ in decl.texts:
                node, shift = _parse_fragment(text, built, lexicon_names, decl.src.display)
                options.append(node)
            built[name] = n.alt(*options)
        return built, sites

    def resolve_rules(
        self, types: Mapping[str, TypeSpec], lexicons: Mapping[str, LexiconSpec], var_nodes: Mapping[str, n.Node]
    ) -> tuple[list[RuleSpec], list[PatternSite]]:
        lexicon_names = set(lexicons) | set(self.lexicons)
        foreign = frozenset(id(x) for v in var_nodes.values() for x in _all_parts(v))
        names: dict[str, SourceLocation] = {}
        rules: list[RuleSpec] = []
        sites: list[PatternSite] = []
        for decl in self.rules:
            src, items = decl.src, decl.items
            before = len(self.diagnostics)
            location = src.location(decl.node.start_mark.index)

            def required(key: str) -> Optional[YamlNode]:
                if key not in items:
                    label = f"rule '{items['name'][1].value}'" if "name" in items and isinstance(items["name"][1], ScalarNode) else "a rule"
                    self.error(src, decl.node, f"{label} has no `{key}:`")
                    return None
                return items[key][1]

            name_node, type_node, pattern_node = required("name"), required("type"), required("pattern")
            name = self.text(src, name_node, "rule name") if name_node is not None else None
            if name is not None and re.search(r"\s", name):
                self.error(src, name_node, f"rule name {name!r} must not contain blanks")  # type: ignore[arg-type]
                name = None
            if name is not None:
                if name in names:
                    self.error(src, name_node, f"duplicate rule name '{name}': already defined at {names[name]}")  # type: ignore[arg-type]
                else:
                    names[name] = src.location(name_node.start_mark.index)  # type: ignore[union-attr]
            type_spec: Optional[TypeSpec] = None
            if type_node is not None:
                type_name = self.text(src, type_node, "type")
                if type_name is not None:
                    type_spec = types.get(type_name)
                    if type_spec is None:
                        self.error(src, type_node, f"unknown type '{type_name}'{_did_you_mean(type_name, types)}")
            stage = None
            if "stage" in items:
                stage = self.integer(src, items["stage"][1], "stage")
                if stage is not None and stage < 0:
                    self.error(src, items["stage"][1], "stage must be 0 or more")
                    stage = None
            elif type_spec is not None:
                stage = 0 if type_spec.kind == "mention" else 1
            priority = 0
            if "priority" in items:
                priority = self.integer(src, items["priority"][1], "priority") or 0
            doc = ""
            if "doc" in items:
                doc = self.text(src, items["doc"][1], "doc", empty_ok=True) or ""

            node: Optional[n.Node] = None
            text: Optional[str] = None
            if pattern_node is not None:
                text = self.text(src, pattern_node, "pattern")
            if text is None:
                self.unparsed += 1
            else:
                assert isinstance(pattern_node, ScalarNode)
                try:
                    node = parse_pattern(text, vars=var_nodes, lexicons=lexicon_names, file=src.display)
                except (PatternError, PatternSyntaxError) as error:
                    self.pattern_error(src, pattern_node, error)
                if node is not None:
                    own = [x for x in n.walk(node) if id(x) not in foreign]
                    self.check_mention_refs(src, pattern_node, own, types)
            captures = list(dict.fromkeys(n.capture_names(node))) if node is not None else None

            mappings: list[FieldMapping] = []
            if "fields" in items:
                mappings = self.field_mappings(src, items["fields"][1], type_spec, captures)
            if type_spec is not None and captures is not None:
                mapped = {m.field for m in mappings}
                for field in type_spec.fields:
                    if field.name in captures and field.name not in mapped:
                        mappings.append(FieldMapping(field.name, capture=field.name, normalise=_default_normaliser(field)))
                order = {f.name: i for i, f in enumerate(type_spec.fields)}
                mappings.sort(key=lambda m: order.get(m.field, len(order)))
            examples: list[Example] = []
            if "examples" in items:
                examples = self.examples(src, items["examples"][1], type_spec)

            if node is not None and text is not None and pattern_node is not None:
                rule = None
                if len(self.diagnostics) == before and name is not None and type_spec is not None and stage is not None:
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
                        location=location,
                        pattern_location=src.location(_first_character(src.text, pattern_node)),  # type: ignore[arg-type]
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
                        locate=self.locator(src, pattern_node),  # type: ignore[arg-type]
                        foreign=foreign,
                    )
                )
        return rules, sites

    def field_mappings(
        self, src: _Source, node: YamlNode, type_spec: Optional[TypeSpec], captures: Optional[list[str]]
    ) -> list[FieldMapping]:
        items = self.mapping(src, node, "fields of a rule")
        result: list[FieldMapping] = []
        for field_name, (key_node, value) in (items or {}).items():
            field: Optional[FieldSpec] = None
            if type_spec is not None:
                field = type_spec.field(field_name)
                if field is None:
                    known = [f.name for f in type_spec.fields]
                    close = _did_you_mean(field_name, known)
                    self.error(
                        src,
                        key_node,
                        f"'{field_name}' is not a field of type '{type_spec.name}'{close}",
                        None if close else ("its fields: " + ", ".join(known) if known else "the type has no fields"),
                    )
            what = f"the mapping of field '{field_name}'"
            if isinstance(value, ScalarNode) and _tag(value) == "str":
                spec = {"capture": (value, value)}
            elif isinstance(value, MappingNode):
                spec = self.mapping(src, value, what, MAPPING_KEYS) or {}
                if ("capture" in spec) == ("value" in spec):
                    self.error(src, value, f"{what} needs exactly one of `capture:` or `value:`")
                    continue
            else:
                self.wrong_type(
                    src,
                    value,
                    what,
                    "a capture name, {capture: name, normalise: …, default: …} or {value: constant}",
                    "for a constant write {value: …}" if isinstance(value, ScalarNode) and _tag(value) != "null" else None,
                )
                continue
            if "value" in spec:
                for extra in ("normalise", "default"):
                    if extra in spec:
                        self.error(src, spec[extra][0], f"`{extra}:` goes with `capture:`, not with a constant `value:`")
                constant = self.constant(src, spec["value"][1], field, f"the constant for field '{field_name}'")
                result.append(FieldMapping(field_name, value=constant))
                continue
            names = self.text_list(src, spec["capture"][1], "capture")
            for capture, capture_node in names:
                if captures is not None and capture not in captures:
                    close = _did_you_mean(capture, captures)
                    self.error(
                        src,
                        capture_node,
                        f"capture '{capture}' is not in the pattern{close}",
                        None if close else "the pattern's captures: " + (", ".join(captures) or "none"),
                    )
            normalise: Optional[str] = None
            if "normalise" in spec:
                norm_node = spec["normalise"][1]
                norm = self.text(src, norm_node, "normalise")
                if norm is not None and norm not in NORMALISERS:
                    self.error(
                        src,
                        norm_node,
                        f"unknown normaliser '{norm}'{_did_you_mean(norm, NORMALISERS)}",
                        "one of: " + ", ".join(NORMALISERS),
                    )
                else:
                    normalise = norm
            elif field is not None:
                normalise = _default_normaliser(field)
            default = None
            if "default" in spec:
                default = self.constant(src, spec["default"][1], field, f"the default for field '{field_name}'")
            if not names:
                continue
            capture_value: Union[str, tuple[str, ...]] = (
                names[0][0] if isinstance(spec["capture"][1], ScalarNode) else tuple(c for c, _ in names)
            )
            result.append(FieldMapping(field_name, capture=capture_value, normalise=normalise, default=default))
        return result

    def constant(self, src: _Source, node: YamlNode, field: Optional[FieldSpec], what: str) -> object:
        """A constant field value, checked against the field's type (None when the field is unknown)."""
        if isinstance(node, ScalarNode) and _tag(node) == "null":
            return None
        if field is None:
            return self.plain_value(src, node, what)
        if field.type == "list":
            if not isinstance(node, SequenceNode):
                self.wrong_type(src, node, what, "a list")
                return None
            return tuple(self.item_constant(src, item, field.item, field, what) for item in node.value)
        return self.item_constant(src, node, field.type, field, what)

    def item_constant(self, src: _Source, node: YamlNode, kind: str, field: FieldSpec, what: str) -> object:
        if kind == "mention":
            self.error(src, node, f"field '{field.name}' is a mention: it is filled from a capture of @Type, not a constant")
            return None
        if kind == "int":
            if isinstance(node, ScalarNode) and _tag(node) == "int":
                return int(_CONSTRUCTOR.construct_yaml_int(node))
            self.wrong_type(src, node, what, "a whole number")
            return None
        if kind == "bool":
            if isinstance(node, ScalarNode) and _tag(node) == "bool":
                return bool(_CONSTRUCTOR.construct_yaml_bool(node))
            self.wrong_type(src, node, what, "true or false")
            return None
        if isinstance(node, ScalarNode) and _tag(node) == "str":
            return node.value
        self.wrong_type(
            src, node, what, "text", f"quote it: '{node.value}'" if isinstance(node, ScalarNode) else None
        )
        return None

    def plain_value(self, src: _Source, node: YamlNode, what: str) -> object:
        """A YAML value as plain Python data (text, numbers, booleans, null, lists)."""
        if isinstance(node, SequenceNode):
            return [self.plain_value(src, item, what) for item in node.value]
        if isinstance(node, MappingNode):
            self.wrong_type(src, node, what, "a value (text, a number, true/false or a list)")
            return None
        tag = _tag(node)
        if tag == "int":
            return int(_CONSTRUCTOR.construct_yaml_int(node))
        if tag == "bool":
            return bool(_CONSTRUCTOR.construct_yaml_bool(node))
        if tag == "null":
            return None
        return node.value

    def examples(self, src: _Source, node: YamlNode, type_spec: Optional[TypeSpec]) -> list[Example]:
        if not isinstance(node, SequenceNode):
            self.wrong_type(src, node, "examples", "a list of {text: …, expect: …}")
            return []
        result: list[Example] = []
        for item in node.value:
            items = self.mapping(src, item, "example", EXAMPLE_KEYS)
            if items is None:
                continue
            if "text" not in items:
                self.error(src, item, "an example needs `text:`")
                continue
            text = self.text(src, items["text"][1], "the text of an example")
            if text is None:
                continue
            expect: Optional[Mapping[str, object]] = MappingProxyType({})
            if "expect" in items:
                expect = self.expectation(src, items["expect"][1], type_spec)
            result.append(Example(text, expect, src.location(item.start_mark.index)))
        return result

    def expectation(self, src: _Source, node: YamlNode, type_spec: Optional[TypeSpec]) -> Optional[Mapping[str, object]]:
        if isinstance(node, ScalarNode) and (_tag(node) == "null" or node.value == "none"):
            return None
        if not isinstance(node, MappingNode):
            self.wrong_type(src, node, "expect", "a mapping of field values, or none")
            return MappingProxyType({})
        items = self.mapping(src, node, "expect") or {}
        result: dict[str, object] = {}
        for field_name, (key_node, value) in items.items():
            field = type_spec.field(field_name) if type_spec is not None else None
            if field is None and field_name == "text":
                field = FieldSpec("text")  # the matched text itself, for types without fields
            if type_spec is not None and field is None:
                known = [f.name for f in type_spec.fields] + ["text"]
                close = _did_you_mean(field_name, known)
                self.error(
                    src,
                    key_node,
                    f"'{field_name}' is not a field of type '{type_spec.name}'{close}",
                    None if close else "expect names fields of the type, or `text` (the matched text)",
                )
                continue
            result[field_name] = self.expected_value(src, value, field, f"the expected value of '{field_name}'")
        return MappingProxyType(result)

    def expected_value(self, src: _Source, node: YamlNode, field: Optional[FieldSpec], what: str) -> object:
        """An expected field value: text always works (it is compared with the field's text or value)."""
        if field is None:
            return self.plain_value(src, node, what)
        if isinstance(node, ScalarNode) and _tag(node) == "null":
            return None
        if field.type == "list" and isinstance(node, SequenceNode):
            # A list: every item must be among the field's items. One value: any item agrees.
            return [self.expected_item(src, item, field.item, field, what) for item in node.value]
        return self.expected_item(src, node, field.item if field.type == "list" else field.type, field, what)

    def expected_item(self, src: _Source, node: YamlNode, kind: str, field: FieldSpec, what: str) -> object:
        if not isinstance(node, ScalarNode) or _tag(node) == "null":
            self.wrong_type(src, node, what, "a value")
            return None
        tag = _tag(node)
        if kind == "int" and tag == "int":
            return int(_CONSTRUCTOR.construct_yaml_int(node))
        if kind == "bool" and tag == "bool":
            return bool(_CONSTRUCTOR.construct_yaml_bool(node))
        if tag == "str":
            return node.value
        if kind in ("str", "mention"):
            return node.value  # `time: 2024` expects the text "2024"
        self.wrong_type(src, node, what, f"{'a whole number' if kind == 'int' else 'true or false'} or text")
        return None


# ---------------------------------------------------------------------------
# Small helpers


def _field_type(text: str) -> Optional[tuple[str, str]]:
    """``int`` → (int, str); ``list[mention]`` → (list, mention); None if unknown."""
    text = text.strip()
    if text in FIELD_TYPES:
        return text, "str"
    m = re.fullmatch(r"list\s*\[\s*(\w+)\s*\]", text)
    if m and m.group(1) in ITEM_TYPES:
        return "list", m.group(1)
    return None


def _type_text(field: FieldSpec) -> str:
    return f"list[{field.item}]" if field.type == "list" else field.type


def _default_normaliser(field: FieldSpec) -> Optional[str]:
    """Captured text for an int field (or a list of ints) is read as a number."""
    if field.type == "int" or (field.type == "list" and field.item == "int"):
        return "number"
    return None


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


# A variable may be a part that takes no tokens (`^`, a lookahead), which parse_pattern
# rejects as a whole pattern. Such a text is parsed after one any-token, then taken out.
_FRAGMENT_PREFIX = "[] ( "
_EMPTY_MATCH = "this pattern can only match an empty sequence"


def _parse_fragment(
    text: str, vars: Mapping[str, n.Node], lexicons: Iterable[str], file: str
) -> tuple[n.Node, int]:
    """A variable's text as a sub-pattern, and how far its node offsets are shifted from ``text``."""
    lexicons = set(lexicons)
    try:
        return parse_pattern(text, vars=vars, lexicons=lexicons, file=file), 0
    except PatternError as error:
        if not all(d.message.startswith(_EMPTY_MATCH) for d in error.diagnostics):
            raise
    if not text.strip() or not re.sub(r"#[^\n]*", "", text).strip():
        raise PatternError(Diagnostic("a variable must not be empty", file=file, offset=0))
    whole = parse_pattern(_FRAGMENT_PREFIX + text + "\n)", vars=vars, lexicons=lexicons, file=file)
    if not isinstance(whole, n.Seq):  # `( )`, `(()())`: groups of nothing, which leave only the prefix
        raise PatternError(Diagnostic("a variable must not be empty: this text matches nothing and tests nothing",
                                      file=file, offset=0))
    return n.seq(*whole.items[1:]), len(_FRAGMENT_PREFIX)


def _shifted(node: Any, shift: int) -> Any:
    """A node tree with every offset moved back by ``shift`` (for fragments parsed behind a prefix)."""
    if shift == 0:
        return node
    if isinstance(node, tuple):
        return tuple(_shifted(x, shift) for x in node)
    if not attrs.has(type(node)):
        return node
    changes: dict[str, Any] = {}
    for a in attrs.fields(type(node)):
        value = getattr(node, a.name)
        if a.name == "pos" and isinstance(value, int) and value >= 0:
            changes[a.name] = max(value - shift, 0)
        elif attrs.has(type(value)) or isinstance(value, tuple):
            changes[a.name] = _shifted(value, shift)
    return attrs.evolve(node, **changes) if changes else node
