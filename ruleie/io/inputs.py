"""Input documents: .txt files, directories, JSON Lines and stdin, read lazily and decoded carefully.

Each item is an ``InputItem``: a document id with its text, or with the reason it
could not be read. A bad document never stops the others.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Optional, Union

import attrs

TEXT_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


# Lone UTF-16 surrogates: a JSON "\ud800" escape, or a file name that is not UTF-8
# (Python keeps its bytes as surrogates). They cannot be written out as UTF-8.
_SURROGATES = re.compile("[\ud800-\udfff]")


def printable(value: Optional[str]) -> Optional[str]:
    """Names and messages as text that can always be written: lone surrogates become U+FFFD."""
    if value is None or _SURROGATES.search(value) is None:
        return value
    return _SURROGATES.sub("\ufffd", value)


@attrs.frozen
class InputItem:
    doc_id: str = attrs.field(converter=printable)
    text: Optional[str] = None
    error: Optional[str] = attrs.field(default=None, converter=printable)
    source: str = attrs.field(default="", converter=printable)  # where it came from: path, or path:line for JSONL


@attrs.frozen
class Decoding:
    """How bytes become text. Default: strict UTF-8 (a BOM selects UTF-8, UTF-16 or UTF-32; docs/reliability.md)."""

    encoding: str = "utf-8"
    errors: str = "strict"  # or "replace"


def bom_encoding(data: bytes) -> Optional[str]:
    """The encoding a byte order mark at the start of ``data`` selects, if any."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def decode(data: bytes, decoding: Decoding) -> str:
    """Decode a document's bytes; raises ValueError with a clear reason."""
    encoding = bom_encoding(data)
    if encoding is None:
        encoding = decoding.encoding
        if b"\x00" in data[:8192] and decoding.errors == "strict":
            raise ValueError("looks like a binary file (it contains NUL bytes); use --decode-errors replace to force")
    try:
        text = data.decode(encoding, decoding.errors)
    except UnicodeDecodeError as error:
        named = encoding if encoding == decoding.encoding else f"{encoding} (as its byte order mark says)"
        raise ValueError(
            f"not valid {named}: byte {error.start} ({data[error.start:error.start + 1]!r}): {error.reason}; "
            "use --encoding or --decode-errors replace"
        ) from None
    except LookupError:
        raise ValueError(f"unknown encoding {decoding.encoding!r}") from None
    return text.replace("\x00", "\ufffd")


def check_unicode(text: str, decoding: Decoding) -> str:
    """Text from JSON may hold lone surrogates (``"\\ud800"``): not Unicode, and not writable as UTF-8."""
    found = _SURROGATES.search(text)
    if found is None:
        return text
    if decoding.errors == "replace":
        return _SURROGATES.sub("\ufffd", text)
    raise ValueError(
        f"unpaired surrogate \\u{ord(found.group()):04x} at character {found.start()} is not valid Unicode; "
        "use --decode-errors replace"
    )


def _doc_id_for(path: Path) -> str:
    return path.stem if path.suffix else path.name


def iter_inputs(
    paths: Iterable[str],
    decoding: Decoding = Decoding(),
    stdin_jsonl: bool = False,
    exclude: Iterable[str] = (),
) -> Iterator[InputItem]:
    """Every document named by ``paths``, in order; directories recursively, sorted.

    ``exclude`` names files never read as input: the run's own outputs (an ``--errors``
    file inside an input directory would otherwise be read back as it grows, forever).
    """
    skip = {os.path.realpath(p) for p in exclude}
    for raw in paths:
        if raw == "-":
            stream = sys.stdin.buffer
            if stdin_jsonl:
                yield from _iter_jsonl(stream, "<stdin>", decoding)
            else:
                yield _read_text_stream(stream, "stdin", "<stdin>", decoding)
            continue
        path = Path(raw)
        if path.is_dir():
            for file in _walk(path):
                if isinstance(file, InputItem):
                    yield file
                elif os.path.realpath(file) not in skip:
                    yield from _iter_file(file, decoding)
        elif os.path.realpath(path) in skip:
            yield InputItem(_doc_id_for(path), error="this file is also an output of the run", source=raw)
        elif path.exists():
            yield from _iter_file(path, decoding)
        else:
            yield InputItem(_doc_id_for(path), error="no such file or directory", source=raw)


def _walk(root: Path) -> Iterator[Union[Path, InputItem]]:
    """Files under a directory in a stable order: text and JSONL files only, hidden ones skipped.

    Streams: one directory listing at a time, never the whole tree. A directory that
    cannot be listed, and a name that is not a regular file (a FIFO, a dangling link),
    come out as failed items rather than being skipped in silence.
    """
    problems: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=problems.append):
        yield from _walk_problems(problems)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            file = Path(dirpath) / name
            if file.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES:
                if file.is_file():
                    yield file
                else:
                    yield InputItem(_doc_id_for(file), error="not a regular file (or a link to nothing)", source=str(file))
    yield from _walk_problems(problems)


def _walk_problems(problems: list[OSError]) -> Iterator[InputItem]:
    while problems:
        error = problems.pop(0)
        where = error.filename if isinstance(error.filename, str) else "?"
        yield InputItem(Path(where).name, error=f"cannot list this directory: {error.strerror or error}", source=where)


# Error messages name no file: the command shows each with the item's ``source``.


def _iter_file(path: Path, decoding: Decoding) -> Iterator[InputItem]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        try:
            stream = path.open("rb")
        except OSError as error:
            yield InputItem(_doc_id_for(path), error=f"cannot read: {error.strerror or error}", source=str(path))
            return
        with stream:
            yield from _iter_jsonl(stream, str(path), decoding)
        return
    try:
        with path.open("rb") as stream:
            yield _read_text_stream(stream, _doc_id_for(path), str(path), decoding)
    except OSError as error:
        yield InputItem(_doc_id_for(path), error=f"cannot read: {error.strerror or error}", source=str(path))


def _read_text_stream(stream: BinaryIO, doc_id: str, source: str, decoding: Decoding) -> InputItem:
    try:
        data = stream.read()
        return InputItem(doc_id, text=decode(data, decoding), source=source)
    except ValueError as error:
        return InputItem(doc_id, error=str(error), source=source)


def _iter_jsonl(stream: BinaryIO, source: str, decoding: Decoding) -> Iterator[InputItem]:
    """One document per line: {"id": …, "text": …}. A bad line is reported, the rest go on.

    Reads one line at a time. A file that starts with a UTF-16 or UTF-32 byte order
    mark is read as text in that encoding (its lines cannot be split as bytes).
    """
    peek = getattr(stream, "peek", None)
    start = peek(4)[:4] if peek is not None else b""
    encoding = bom_encoding(start)
    lines: Iterator[Union[bytes, str]]
    if encoding in ("utf-16", "utf-32"):
        lines = iter(io.TextIOWrapper(stream, encoding=encoding, errors=decoding.errors, newline=""))  # type: ignore[arg-type]
    else:
        lines = iter(stream)
    number = 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            where = f"{source}:{number + 1}"
            yield InputItem(
                f"{Path(source).stem}:{number + 1}",
                error=f"not valid {encoding}: {error.reason}; the rest of the file is not read; use --decode-errors replace",
                source=where,
            )
            return
        number += 1
        item = _jsonl_item(line, number, source, decoding)
        if item is not None:
            yield item


def _jsonl_item(line: Union[bytes, str], number: int, source: str, decoding: Decoding) -> Optional[InputItem]:
    where = f"{source}:{number}"
    if not line.strip():
        return None
    fallback_id = f"{Path(source).stem}:{number}"
    try:
        text_line = decode(line, decoding) if isinstance(line, bytes) else line
        obj = json.loads(text_line)
    except (ValueError, RecursionError) as error:  # JSON nested thousands deep: RecursionError
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return InputItem(fallback_id, error=f"invalid JSON line: {reason}", source=where)
    if not isinstance(obj, dict):
        return InputItem(fallback_id, error="expected a JSON object with \"id\" and \"text\"", source=where)
    text = obj.get("text")
    try:
        doc_id = str(obj.get("id", fallback_id))
    except RecursionError:  # an "id" nested thousands deep
        doc_id = fallback_id
    if not isinstance(text, str):
        return InputItem(doc_id, error="no \"text\" string in this line", source=where)
    try:
        text = check_unicode(text, decoding)
    except ValueError as error:
        return InputItem(doc_id, error=str(error), source=where)
    return InputItem(doc_id, text=text, source=where)
