"""Rule-file text with a position for every YAML node.

A rule file is read as bytes (with a size limit), decoded as UTF-8 with line
ends made ``\\n`` into a ``Source``, and composed with PyYAML's safe composer:
nodes with start and end marks, never constructed Python objects. Aliases,
anchors, object tags and deep nesting are refused. ``scalar_offsets`` places
each character of a scalar's value in the file, so that a problem at offset 7
of a pattern is shown at its line and column.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from typing import Any, Callable, Optional

import attrs
import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode
from yaml.scanner import Scanner

from ..errors import Diagnostic, Position
from .spec import SourceLocation

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_YAML_DEPTH",
    "NotUtf8",
    "Source",
    "Unreadable",
    "bool_value",
    "compose_document",
    "decode_source",
    "display_name",
    "first_character",
    "int_value",
    "read_bytes",
    "scalar_offsets",
    "tag",
]

# Files are small; a bigger one is a mistake (or /dev/zero behind a symlink).
MAX_FILE_BYTES = 16 * 1024 * 1024
# Deeper YAML nesting than this is never a rule file; it also keeps recursion bounded.
MAX_YAML_DEPTH = 64

_YAML = "tag:yaml.org,2002:"
_SAFE_TAGS = frozenset(_YAML + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))
_WS = " \t\n\r"
_NEWLINE = re.compile("\n")


# ---------------------------------------------------------------------------
# Sources and positions


@attrs.define
class Source:
    """One loaded file: its name as shown, its path on disk and its text."""

    display: str
    path: str  # absolute, as opened: relative include and lexicon paths start from its directory
    text: str
    lines: list[str]

    _line_starts: Optional[list[int]] = None

    def line_starts(self) -> list[int]:
        """The index of the first character of every line."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]
        return self._line_starts

    def position(self, index: int) -> Position:
        """As ``Position.at``, by bisection over line starts: files with 10,000 rules ask often."""
        starts = self.line_starts()
        index = max(0, min(index, len(self.text)))
        line = bisect_right(starts, index)
        return Position(index, line, index - starts[line - 1] + 1)

    def diag(self, index: int, message: str, severity: str = "error", hint: Optional[str] = None) -> Diagnostic:
        pos = self.position(index)
        line = self.lines[pos.line - 1] if pos.line - 1 < len(self.lines) else ""
        return Diagnostic(message, severity, self.display, pos.line, pos.column, line, hint, index)

    def location(self, index: int) -> SourceLocation:
        starts = self.line_starts()  # self.position(index), without making a Position
        index = max(0, min(index, len(self.text)))
        line = bisect_right(starts, index)
        return SourceLocation(self.display, line, index - starts[line - 1] + 1)

    def locator(self, scalar: ScalarNode) -> Callable[[int], Diagnostic]:
        """A function placing character offsets of ``scalar``'s value in this file (a message-less diagnostic)."""
        # Offsets are worked out only when a lint asks: most patterns never need them.
        offsets: list[list[int]] = []

        def locate(offset: int) -> Diagnostic:
            if not offsets:
                offsets.append(scalar_offsets(self.text, scalar))
            table = offsets[0]
            return self.diag(table[min(max(offset, 0), len(table) - 1)], "")

        return locate


def display_name(path: str) -> str:
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


# ---------------------------------------------------------------------------
# Reading a file


class Unreadable(Exception):
    """A file that cannot be read; ``message`` is placed at whatever named the file."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotUtf8(Exception):
    """A file read but not valid UTF-8; ``diagnostic`` points at the first bad byte."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def read_bytes(path: str, display: str, what: str) -> bytes:
    """The content of a regular file of at most ``MAX_FILE_BYTES``; raises ``Unreadable`` saying why not."""
    shown = f"'{display}'"
    try:
        if not os.path.exists(path):
            raise Unreadable(f"cannot read {what} {shown}: no such file")
        if not os.path.isfile(path):
            raise Unreadable(f"cannot read {what} {shown}: not a regular file")
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise Unreadable(f"cannot read {what} {shown}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise Unreadable(f"cannot read {what} {shown}: {error.strerror or error}") from None


def decode_source(data: bytes, path: str, display: str) -> Source:
    """A file's bytes as a ``Source``: UTF-8 without a byte-order mark, every line ending ``\\n``.

    Raises ``NotUtf8`` at the first byte that does not decode.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = error.start
        line_start = data.rfind(b"\n", 0, bad) + 1
        line_end = data.find(b"\n", bad)
        line_bytes = data[line_start : line_end if line_end >= 0 else len(data)]
        column = len(data[line_start:bad].decode("utf-8", "replace")) + 1
        raise NotUtf8(
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
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Source(display, os.path.abspath(path), text, text.split("\n"))


# ---------------------------------------------------------------------------
# Where each character of a scalar is in the file


def first_character(text: str, node: ScalarNode) -> int:
    """The file index of a scalar's first character: ``scalar_offsets(...)[0]``, cheaply
    for the common one-line plain and quoted scalars."""
    value, start = node.value, node.start_mark.index
    if "\n" not in value:
        if node.style in (None, ""):
            if text.startswith(value, start):
                return start
        elif node.style in ("'", '"') and value and value[0] not in _WS and text.startswith(value, start + 1):
            # A quoted scalar whose source holds its value as written, right after the quote
            # (its first character is then at start + 1: an escape would have shown in the text).
            return start + 1
    return scalar_offsets(text, node)[0]


def scalar_offsets(text: str, node: ScalarNode) -> list[int]:
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
                else:  # an escaped line break (one character: decode_source makes line ends
                    # "\n"): it and the next line's leading blanks vanish
                    j += 2
                    while j < stop and text[j] in " \t":
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
        event_tag = getattr(event, "tag", None)
        if event_tag is not None and event_tag != "!" and event_tag not in _SAFE_TAGS:
            shown = "!!" + event_tag[len(_YAML) :] if event_tag.startswith(_YAML) else event_tag
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


def compose_document(src: Source) -> tuple[Optional[YamlNode], list[Diagnostic]]:
    """The one YAML document of a rule file as nodes (None when it cannot be used), and the problems found."""
    fast = _compose_fast(src.text)
    if fast is not None:
        return fast, []
    problems: list[Diagnostic] = []

    def error(index: int, message: str, hint: Optional[str] = None) -> None:
        problems.append(src.diag(index, message, hint=hint))

    root: Optional[YamlNode] = None
    loader: Optional[_Composer] = None
    try:
        loader = _Composer(src.text)  # the reader checks every character here
        loader.get_event()  # stream start
        if loader.check_event(StreamEndEvent):
            error(0, "empty rule file: a rule file starts with `ruleie: 1`")
            return None, problems
        root = loader.compose_document()
        if not loader.check_event(StreamEndEvent):
            event = loader.peek_event()
            error(
                event.start_mark.index,
                "a rule file holds exactly one YAML document, and a second one starts here",
                "split it into two files and include one from the other",
            )
    except _Refused as refused:
        error(refused.mark.index, refused.message, refused.hint)
        root = None
    except yaml.MarkedYAMLError as yaml_error:
        mark = yaml_error.problem_mark or yaml_error.context_mark
        problem = yaml_error.problem or yaml_error.context or "invalid YAML"
        hint = None
        if yaml_error.context and yaml_error.context_mark is not None and yaml_error.problem_mark is not None:
            cm = yaml_error.context_mark
            hint = f"{yaml_error.context} at line {cm.line + 1}, column {cm.column + 1}"
        if "'\\t'" in problem:
            hint = "YAML indents with spaces, never tabs"
        error(mark.index if mark is not None else 0, f"YAML syntax error: {problem}", hint)
        root = None
    except yaml.reader.ReaderError as reader_error:
        char = reader_error.character if isinstance(reader_error.character, str) else chr(reader_error.character)
        error(reader_error.position, f"control character U+{ord(char):04X} is not allowed in a rule file")
        root = None
    except RecursionError:
        error(0, "YAML nested too deeply")
        root = None
    finally:
        if loader is not None:
            loader.dispose()
    if loader is None:
        return None, problems
    for message, mark in loader.tag_problems:
        error(mark.index, message)
    # A refused tag is a sign of a file written for something else: checking
    # its content further would only add confusing follow-on errors.
    return (None if loader.tag_problems else root), problems


# ---------------------------------------------------------------------------
# Scalars as values

_CONSTRUCTOR = SafeConstructor()


def tag(node: YamlNode) -> str:
    """A node's YAML tag without the ``tag:yaml.org,2002:`` prefix: ``str``, ``int``, ``null``, ``map``, …"""
    return node.tag[len(_YAML) :] if node.tag.startswith(_YAML) else node.tag


def int_value(node: ScalarNode) -> int:
    """The number a scalar tagged ``int`` stands for (``0x1f``, ``1_000`` and all)."""
    return int(_CONSTRUCTOR.construct_yaml_int(node))


def bool_value(node: ScalarNode) -> bool:
    """The truth value a scalar tagged ``bool`` stands for."""
    return bool(_CONSTRUCTOR.construct_yaml_bool(node))
