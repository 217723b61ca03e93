"""A cache of loaded rule sets, keyed by the content of their files.

Loading rule files means parsing YAML and every pattern, and compiling the patterns
after; a rule set of thousands of rules takes seconds. The cache keeps the loaded
``RuleSetSpec`` and what compiling it made in one pickle per set of entry files, with
a manifest of every file it came from (rule files and lexicon files: size,
modification time, sha256). A later load checks the manifest (hashing only files whose
size or time changed) and uses the pickle when every file is unchanged. Anything
unexpected means a normal load: the cache can make loading faster, never different.

Location: ``$RULEIE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ruleie``, else
``~/.cache/ruleie``. ``RULEIE_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import hashlib
import io
import operator
import os
import pickle
import tempfile
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterator, Optional, Sequence, TypeVar

import attrs

from ..cachedir import cache_dir, enabled
from ..language import nodes
from . import spec as spec_module
from .spec import RuleSetSpec

T = TypeVar("T")

FORMAT = 5  # bump when how the cache is pickled changes (5: compiled rules kept too)


# Everything whose content decides what a cached entry holds: the code of the package
# (the rule-file reader, the pattern language and compiler, the engine's compiled form of
# a rule set ...) and the grammar. An entry pickled by other code (an upgrade, a
# development checkout, an edited grammar) must never be read back.
def _code_fingerprint() -> bytes:
    from ..resources import grammar_text

    h = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    h.update(grammar_text().encode("utf-8"))
    return h.digest()


def _key(paths: Sequence[str], compile: Callable[..., object]) -> str:
    from .._version import __version__

    # The working directory is part of the key: the spec names files relative to it.
    h = hashlib.sha256(f"{FORMAT}\0{__version__}\0{os.getcwd()}\0".encode("utf-8", "surrogatepass"))
    h.update(f"{compile.__module__}.{compile.__qualname__}\0".encode())
    h.update(_code_fingerprint())
    # The path as given, made absolute, not resolved: a file's includes and lexicon files
    # are found beside the path it was named by, so a symlink to it elsewhere is another
    # rule set.
    for p in paths:
        h.update(os.path.abspath(p).encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()[:32]


def _fingerprint(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_only(mapping: dict) -> MappingProxyType:  # type: ignore[type-arg]
    return MappingProxyType(mapping)


# The frozen attrs classes a spec is made of (pattern nodes, specs): pickled as their
# class and a tuple of their attribute values, and restored without running __init__
# (the values were checked and converted when the spec was made). attrs' own pickling
# builds and reads a dict per object in Python: for a rule set of 10,000 rules (about
# 150,000 objects) this halves the time to write the cache and to read it back.
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(a.name for a in attrs.fields(cls))
    for module in (nodes, spec_module)
    for cls in vars(module).values()
    if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == module.__name__
}
_new = object.__new__
_set = object.__setattr__


def _restore(cls: type, values: tuple[object, ...]) -> object:
    obj = _new(cls)
    for name, value in zip(_FIELDS[cls], values):
        _set(obj, name, value)
    return obj


def _reducer(cls: type) -> Callable[[object], tuple[object, ...]]:
    names = _FIELDS[cls]
    if len(names) == 1:
        only = names[0]
        return lambda obj: (_restore, (cls, (getattr(obj, only),)))
    values = operator.attrgetter(*names)
    return lambda obj: (_restore, (cls, values(obj)))


class _Pickler(pickle.Pickler):
    # The loader hands out read-only mappings; they pickle as plain dicts wrapped again.
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[MappingProxyType] = lambda m: (_read_only, (dict(m),))
    dispatch_table.update({cls: _reducer(cls) for cls in _FIELDS})


def dumps_spec(spec: RuleSetSpec) -> bytes:
    """A loaded rule set as bytes that ``pickle.loads`` turns back into an equal spec."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(spec)
    return buffer.getvalue()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile (restored after, as it was).

    Loading and compiling a rule set makes hundreds of thousands of objects that live
    on and frees almost none: the collector would walk them again and again (a third of
    a cold load of 10,000 rules) and find nothing to collect. Reference counting still
    frees as usual. After, what was made goes straight to the oldest generation
    (``freeze`` then ``unfreeze``), as if it had survived the young collections: else
    the first collection after would walk it all at once (another 0.5 s for 10,000
    rules). Full collections still see it. Not done when the program froze objects itself.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def load_compiled(
    paths: Sequence[str], load: Callable[[Sequence[str]], RuleSetSpec], compile: Callable[[RuleSetSpec], T]
) -> tuple[RuleSetSpec, T]:
    """``load(paths)`` and ``compile`` of what it loaded, or the cached result of an earlier
    call on unchanged files. ``compile`` must depend on the spec alone, and what it makes
    must pickle (with ``__reduce__`` where it holds functions)."""
    with gc_paused():
        if not enabled():
            spec = load(paths)
            return spec, compile(spec)
        file = cache_dir() / f"{_key(paths, compile)}.pickle"
        cached = _read(file)
        if cached is not None:
            return cached  # type: ignore[return-value]
        spec = load(paths)
        compiled = compile(spec)
        _write(file, spec, compiled)
        return spec, compiled


def _read(file: Path) -> Optional[tuple[RuleSetSpec, object]]:
    try:
        with file.open("rb") as f:
            manifest, spec, compiled = pickle.load(f)
        for path, size, mtime, digest in manifest:
            if _fingerprint(path) != (size, mtime) and _sha256(path) != digest:
                return None
        return (spec, compiled) if isinstance(spec, RuleSetSpec) else None
    except Exception:  # missing, stale, truncated or from another version: load normally
        return None


def _write(file: Path, spec: RuleSetSpec, compiled: object) -> None:
    try:
        manifest = [(os.path.abspath(p), *_fingerprint(p), _sha256(p)) for p in spec.files]
        buffer = io.BytesIO()
        # One pickle: the compiled rules share the spec's rules, types and lexicons.
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((manifest, spec, compiled))
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=file.parent, prefix=".rules-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
        os.replace(temp, file)
    except Exception:  # a read-only home or an unpicklable result: no cache, same results
        pass
