"""Lists of strings as the shipped models store them, and the models' arrays as they load.

A list is kept as one UTF-8 byte array, a string per line: numpy's fixed-width string arrays
take four bytes per character of the longest string (a 143-character word made every word of
a 32,000-word list cost 572 bytes) and load as numpy scalars, so they cost most of a model's
load time. Files written before this format keep loading.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import cachedir


def strings_blob(strings: Sequence[str]) -> np.ndarray:
    """The strings as one UTF-8 byte array, a line each (``stored_strings`` reads it back; a list of one
    empty string reads back as no strings, which no model stores)."""
    if any("\n" in s for s in strings):
        raise ValueError("a stored string may not hold a newline")
    return np.frombuffer("\n".join(strings).encode("utf-8"), np.uint8)


def stored_strings(array: np.ndarray) -> list[str]:
    """The strings of ``strings_blob``'s array, or of a numpy string array (the older format)."""
    if array.dtype == np.uint8:
        return array.tobytes().decode("utf-8").split("\n") if array.size else []
    return [str(s) for s in array.tolist()]


# ---------------------------------------------------------------------------
# A model's arrays, without decompressing them at every start

_ARRAYS_FORMAT = 1  # bump when the cached layout changes


def model_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of a shipped ``.npz`` model, by name.

    The models ship compressed (the tagger's 17 MB of arrays are 4.6 MB in the wheel), and
    inflating them was a sixth of a short run's start. The first load writes the arrays
    uncompressed, one ``.npy`` each, under the cache directory (``ruleie.cachedir``), named by
    the model file's content; later loads map them into memory (read-only) instead. Anything
    unexpected (no cache, a read-only home, a half-written entry) means reading the ``.npz``:
    the cache can make a load faster, never different.
    """
    path = Path(path)
    if not cachedir.enabled():
        return _read_npz(path)
    try:
        data = path.read_bytes()
        key = hashlib.sha256(b"%d\0" % _ARRAYS_FORMAT + data).hexdigest()[:32]
        entry = cachedir.cache_dir() / "models" / f"{path.stem}-{key}"
        names = (entry / "names.txt").read_text(encoding="utf-8").split("\n") if entry.is_dir() else None
    except OSError:
        return _read_npz(path)
    if names is not None:
        try:
            return {name: np.asarray(np.load(entry / f"{k}.npy", mmap_mode="r", allow_pickle=False))
                    for k, name in enumerate(names)}
        except (OSError, ValueError):
            return _read_npz(path)
    arrays = _read_npz(io.BytesIO(data))
    _write_arrays(entry, arrays)
    return arrays


def _read_npz(source: Path | io.BytesIO) -> dict[str, np.ndarray]:
    with np.load(source, allow_pickle=False) as z:
        return {name: z[name] for name in z.files}


def _write_arrays(entry: Path, arrays: dict[str, np.ndarray]) -> None:
    """The arrays as ``0.npy`` … and their names (in that order) in ``names.txt``, written
    into a fresh directory that is then renamed to ``entry``: readers see all or nothing."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".arrays-"))
        try:
            for k, array in enumerate(arrays.values()):
                np.save(temp / f"{k}.npy", array, allow_pickle=False)
            (temp / "names.txt").write_text("\n".join(arrays), encoding="utf-8")
            os.replace(temp, entry)
        finally:
            shutil.rmtree(temp, ignore_errors=True)  # a lost race leaves it behind
    except OSError:
        pass
