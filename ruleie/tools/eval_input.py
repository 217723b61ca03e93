"""Reading gold and prediction records: JSONL lines → dicts, checked before scoring.

Anything that cannot be scored raises ``EvalInputError`` naming the file and line, or the record.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterator, Mapping


class EvalInputError(Exception):
    """Gold or prediction input that cannot be scored: bad JSON, or a record missing a key.

    ``str(error)`` reads like a compiler diagnostic: ``gold.jsonl:3: invalid JSON: …``.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


def load_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield the JSON object on each non-blank line of ``path``.

    Raises :class:`EvalInputError` naming ``file:line`` for a line that is not a JSON
    object, and naming the file when it cannot be read.
    """
    name = os.fspath(path)
    try:
        handle = open(name, encoding="utf-8")
    except OSError as exc:
        raise EvalInputError(f"cannot read: {exc.strerror or exc}", path=name) from exc
    with handle:
        lineno = 0
        try:
            for lineno, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvalInputError(
                        f"invalid JSON: {exc.msg} (column {exc.colno})", path=name, line=lineno
                    ) from exc
                if not isinstance(obj, dict):
                    raise EvalInputError(
                        f"expected a JSON object, got {type(obj).__name__}", path=name, line=lineno
                    )
                yield obj
        except UnicodeDecodeError as exc:
            raise EvalInputError(f"not UTF-8: {exc.reason}", path=name, line=lineno + 1) from exc


_MISSING = object()


def _check_record(record: Any, what: str, index: int, *, gold: bool) -> dict[str, Any]:
    def fail(message: str) -> EvalInputError:
        doc = record.get("doc") if isinstance(record, Mapping) else None
        at = f"{what} #{index}" + (f" (doc {doc!r})" if doc is not None else "")
        return EvalInputError(f"{at}: {message}")

    if not isinstance(record, dict):
        raise fail(f"expected an object, got {type(record).__name__}")
    for key in ("doc", "type"):
        if not isinstance(record.get(key), str):
            raise fail(f"missing or non-string {key!r}")
    for key in ("start", "end"):
        value = record.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise fail(f"missing or non-integer {key!r}")
    fields = record.get("fields", _MISSING)
    if fields is _MISSING and not gold:
        return record
    if not isinstance(fields, dict):
        raise fail("'fields' must be an object")
    return record
