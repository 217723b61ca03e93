"""Input documents: .txt files, directories, JSON Lines and stdin, read lazily and decoded carefully.

Each item is an ``InputItem``: a document id with its text, or with the reason it
could not be read. A bad document never stops the others.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Optional

import attrs

TEXT_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@attrs.frozen
class InputItem:
    doc_id: str
    text: Optional[str] = None
    error: Optional[str] = None
    source: str = ""  # where it came from: path, or path:line for JSONL


@attrs.frozen
class Decoding:
    """How bytes become text. Default: strict UTF-8 (a BOM selects UTF-8 or UTF-16)."""

    encoding: str = "utf-8"
    errors: str = "strict"  # or "replace"


def decode(data: bytes, decoding: Decoding) -> str:
    """Decode a document's bytes; raises ValueError with a clear reason."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", decoding.errors)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", decoding.errors)
    if b"\x00" in data[:8192] and decoding.errors == "strict":
        raise ValueError("looks like a binary file (it contains NUL bytes); use --decode-errors replace to force")
    try:
        text = data.decode(decoding.encoding, decoding.errors)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not valid {decoding.encoding}: byte {error.start} ({data[error.start:error.start + 1]!r}); "
            "use --encoding or --decode-errors replace"
        ) from None
    except LookupError:
        raise ValueError(f"unknown encoding {decoding.encoding!r}") from None
    return text.replace("\x00", "\ufffd")


def _doc_id_for(path: Path) -> str:
    return path.stem if path.suffix else path.name


def iter_inputs(paths: Iterable[str], decoding: Decoding = Decoding(), stdin_jsonl: bool = False) -> Iterator[InputItem]:
    """Every document named by ``paths``, in order; directories recursively, sorted."""
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
                yield from _iter_file(file, decoding)
        elif path.exists():
            yield from _iter_file(path, decoding)
        else:
            yield InputItem(_doc_id_for(path), error=f"{raw}: no such file or directory", source=raw)


def _walk(root: Path) -> Iterator[Path]:
    """Files under a directory in a stable order: text and JSONL files only, hidden ones skipped."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            file = Path(dirpath) / name
            if file.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES:
                yield file


def _iter_file(path: Path, decoding: Decoding) -> Iterator[InputItem]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        try:
            stream = path.open("rb")
        except OSError as error:
            yield InputItem(_doc_id_for(path), error=f"{path}: {error.strerror}", source=str(path))
            return
        with stream:
            yield from _iter_jsonl(stream, str(path), decoding)
        return
    try:
        with path.open("rb") as stream:
            yield _read_text_stream(stream, _doc_id_for(path), str(path), decoding)
    except OSError as error:
        yield InputItem(_doc_id_for(path), error=f"{path}: {error.strerror}", source=str(path))


def _read_text_stream(stream: BinaryIO, doc_id: str, source: str, decoding: Decoding) -> InputItem:
    try:
        data = stream.read()
        return InputItem(doc_id, text=decode(data, decoding), source=source)
    except ValueError as error:
        return InputItem(doc_id, error=f"{source}: {error}", source=source)


def _iter_jsonl(stream: BinaryIO, source: str, decoding: Decoding) -> Iterator[InputItem]:
    """One document per line: {"id": …, "text": …}. A bad line is reported, the rest go on."""
    for number, line in enumerate(stream, start=1):
        where = f"{source}:{number}"
        if not line.strip():
            continue
        fallback_id = f"{Path(source).stem}:{number}"
        try:
            obj = json.loads(decode(line, decoding))
        except ValueError as error:
            yield InputItem(fallback_id, error=f"{where}: invalid JSON line: {error}", source=where)
            continue
        if not isinstance(obj, dict):
            yield InputItem(fallback_id, error=f"{where}: expected a JSON object with \"id\" and \"text\"", source=where)
            continue
        text = obj.get("text")
        doc_id = obj.get("id", fallback_id)
        if not isinstance(text, str):
            yield InputItem(str(doc_id), error=f"{where}: no \"text\" string in this line", source=where)
            continue
        yield InputItem(str(doc_id), text=text, source=where)
