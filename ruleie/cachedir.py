"""Where ruleie keeps what it may make again at any time (compiled rule sets, models'
arrays in a quicker form): ``$RULEIE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ruleie``, else
``~/.cache/ruleie``. ``RULEIE_NO_CACHE=1`` turns every cache off."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "enabled"]


def cache_dir() -> Path:
    explicit = os.environ.get("RULEIE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ruleie"


def enabled() -> bool:
    return os.environ.get("RULEIE_NO_CACHE", "") in ("", "0")
