"""Which kernels of the linguistic layer run: the compiled ones, or the numpy reference.

``ruleie.text._layercore`` (Cython source ``_layercore.pyx``, built with the matcher core
by ``pip install .``, see ``hatch_build.py``) adds each token's rows where they lie instead
of gathering them into temporaries first. The numpy code in ``tagger.py`` and ``linear.py``
is the reference; both give the same bits (``tests/test_layercore.py``).

``RULEIE_LAYER_CORE=numpy`` runs the reference even when the extension is there;
``RULEIE_LAYER_CORE=compiled`` makes a missing extension an error. By default the compiled
kernels run when they import, else the reference, silently (it is only slower, and a build
without a compiler is announced by the matcher core already).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator, Optional

__all__ = ["ENV", "NUMPY", "COMPILED", "kernels", "extension", "available", "use", "using"]

ENV = "RULEIE_LAYER_CORE"
NUMPY, COMPILED = "numpy", "compiled"

_ext: Any = None
_unavailable: Optional[str] = None
try:
    from . import _layercore as _ext  # type: ignore[no-redef]
except ImportError as error:  # not built, or built for another Python
    _unavailable = f"{type(error).__name__}: {error}"


def _chosen() -> str:
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted in ("", "auto"):
        return COMPILED if _ext is not None else NUMPY
    if wanted in (NUMPY, COMPILED):
        use(wanted)
        return wanted
    raise ValueError(f"{ENV} must be 'numpy', 'compiled' or 'auto', not {wanted!r}")


def available() -> bool:
    """Whether the compiled kernels imported (whichever run)."""
    return _ext is not None


def extension() -> Any:
    """The compiled kernels module whichever kernels run (None when it is not built): for
    structures that must be kept up to date either way."""
    return _ext


def kernels() -> Any:
    """The compiled kernels module when they are in use, else None (run the numpy reference)."""
    return _ext if _core == COMPILED else None


def use(core: str) -> None:
    """Switch the kernels for this process: "numpy" or "compiled"."""
    global _core
    if core not in (NUMPY, COMPILED):
        raise ValueError(f"no layer kernels named {core!r}")
    if core == COMPILED and _ext is None:
        raise ImportError(f"the compiled layer kernels are not available ({_unavailable})")
    _core = core


@contextmanager
def using(core: str) -> Iterator[None]:
    """Run a block on one set of kernels (tests compare the two)."""
    saved = _core
    use(core)
    try:
        yield
    finally:
        use(saved)


_core = NUMPY
_core = _chosen()
