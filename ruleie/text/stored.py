"""Lists of strings as the shipped models store them.

A list is kept as one UTF-8 byte array, a string per line: numpy's fixed-width string arrays
take four bytes per character of the longest string (a 143-character word made every word of
a 32,000-word list cost 572 bytes) and load as numpy scalars, so they cost most of a model's
load time. Files written before this format keep loading.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


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
