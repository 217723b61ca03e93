"""Records → output: JSON Lines, CSV or a readable table, written atomically to a file or to stdout."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import tempfile
from typing import IO, Any, Iterable, Optional, Sequence

from ..engine.records import Record
from ..errors import Diagnostic, RuleieError

FORMATS = ("jsonl", "csv", "table")


def record_json(record: Record) -> str:
    """One JSONL line (no newline). Key order is fixed, so output is byte-for-byte stable."""
    return json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=False)


def _cell(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, list):
        return "; ".join(_cell(item) for item in content)
    if isinstance(content, dict):
        if "value" in content and not isinstance(content["value"], str):
            return str(content["value"]).lower() if isinstance(content["value"], bool) else str(content["value"])
        text = content.get("text", "")
        canonical = content.get("canonical")
        return f"{text} (= {canonical})" if canonical and canonical != text else text
    return str(content)


class RecordWriter:
    """Writes records in one format to a text stream."""

    def __init__(self, stream: IO[str], fmt: str, field_names: Sequence[str]):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.stream = stream
        self.format = fmt
        self.field_names = list(field_names)
        self._csv: Optional[Any] = None
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            self._csv.writerow(["doc", "type", "rule", "start", "end", "text", *self.field_names])

    def write(self, records: Iterable[Record]) -> None:
        for record in records:
            if self.format == "jsonl":
                self.stream.write(record_json(record) + "\n")
            elif self.format == "csv":
                d = record.to_dict()
                assert self._csv is not None
                self._csv.writerow(
                    [d["doc"], d["type"], d["rule"], d["start"], d["end"], d["text"]]
                    + [_cell(d["fields"].get(name)) for name in self.field_names]
                )
            else:
                self.stream.write(format_table_record(record) + "\n")

    def flush(self) -> None:
        self.stream.flush()


def format_table_record(record: Record) -> str:
    d = record.to_dict()
    head = f"{d['type']:<10} {d['doc']}:{d['start']}-{d['end']}  ({d['rule']})"
    lines = [head, f"    text: {d['text']}"]
    for name, content in d["fields"].items():
        if content is not None:
            lines.append(f"    {name}: {_cell(content)}")
    return "\n".join(lines)


def is_special_file(path: str) -> bool:
    """Whether an output path names something that exists and is no regular file: a device
    ("/dev/null", "/dev/stdout"), a named pipe or a socket. Such an output is written in
    place: renaming a file over it would replace the device itself (as root, /dev/null)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


class AtomicFile:
    """A text file that appears under its name only when writing succeeded.

    Writes go to a temporary file in the same directory, renamed over the
    target on ``commit``; ``abort`` removes it, leaving any previous file intact.
    A device or a pipe (``is_special_file``) is written directly instead.
    """

    def __init__(self, path: str, encoding: str = "utf-8"):
        self.path = path
        self.temp_path: Optional[str] = None
        if is_special_file(path):
            self.stream: IO[str] = io.open(path, "w", encoding=encoding, newline="")
            return
        directory = os.path.dirname(os.path.abspath(path))
        fd, self.temp_path = tempfile.mkstemp(prefix=".ruleie-", suffix=".tmp", dir=directory)
        # mkstemp makes the file private (0600); the result should have the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.temp_path, 0o666 & ~umask)
        self.stream = io.open(fd, "w", encoding=encoding, newline="")

    def commit(self) -> None:
        if self.temp_path is None:  # a device or a pipe, written in place
            self.stream.close()
            return
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.replace(self.temp_path, self.path)

    def abort(self) -> None:
        try:
            self.stream.close()
        finally:
            if self.temp_path is not None and os.path.exists(self.temp_path):
                os.unlink(self.temp_path)


class OutputLocks:
    """Advisory locks that keep two runs from writing the same output file at once.

    Without them both runs succeed and the later rename silently replaces the earlier
    run's results. A lock is a hidden file beside the output, held with ``flock`` for
    the run; the second run stops at once with a usage error naming the file.
    """

    def __init__(self) -> None:
        self._held: list[tuple[str, int]] = []

    def take(self, path: str) -> None:
        """Lock the output (a device or a pipe is not locked: two runs may share /dev/null)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no locking
            return
        if is_special_file(path):
            return
        directory, name = os.path.split(os.path.abspath(path))
        lock_path = os.path.join(directory, f".{name}.ruleie-lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:  # no such directory, not writable: opening the output says so
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RuleieError(Diagnostic("another ruleie run is writing this file; wait for it or write elsewhere",
                                         file=path)) from None
        self._held.append((lock_path, fd))

    def release(self) -> None:
        while self._held:
            lock_path, fd = self._held.pop()
            try:
                os.unlink(lock_path)
            except OSError:
                pass
            os.close(fd)
