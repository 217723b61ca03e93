"""Which matcher core runs: the compiled one, or the pure-Python reference.

The compiled core is the C extension ``ruleie.language._corevm`` (Cython source
``_corevm.pyx``, built by ``pip install .``). It runs the same ``Program``s as the
Python Pike VM of ``matcher.py`` over per-document arrays this module prepares
(predicate bitsets, mentions by start and end) and returns the same matches, spans
and captures; ``tests/test_corevm.py`` checks that on random patterns of the whole
language. ``matcher.finditer`` and ``matcher.all_spans`` go through ``active()``.

Choosing: ``RULEIE_CORE=python`` runs the Python core (the reference) even when the
extension is there; ``RULEIE_CORE=compiled`` makes a missing extension an error.
By default the compiled core runs when it imports, and otherwise the Python core
runs and says so once on stderr. ``ruleie --version`` names the core in use.

In the compiled core, ``RULEIE_MATCH`` chooses how a stage's candidate rules are searched
(``match_stage``): all in one pass per sentence (``one-pass``, the default) or one rule at a
time (``per-rule``); the results are the same.
"""

from __future__ import annotations

import os
import sys
import time
import weakref
from contextlib import contextmanager
from typing import IO, Any, Iterator, Optional

from . import program as _program

ENV = "RULEIE_CORE"
PYTHON, COMPILED = "python", "compiled"

_ext: Any = None
_unavailable: Optional[str] = None  # why the extension did not import
try:
    from . import _corevm as _ext  # type: ignore[no-redef]
except ImportError as error:  # not built (a checkout without a compiler), or built for another Python
    _unavailable = f"{type(error).__name__}: {error}"
else:
    _expected = tuple(
        getattr(_program, name)
        for name in ("CONSUME", "MENTION", "SPLIT", "JMP", "SAVE_START", "SAVE_END", "BOL", "EOL", "LOOK",
                     "MATCH", "RSPLIT", "LOOP", "NEXT")
    )
    if tuple(_ext.OPCODES) != _expected:  # a stale build against an older instruction set
        _unavailable = "the extension was built for another instruction set (rebuild: pip install .)"
        _ext = None


def _chosen() -> str:
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted in ("", "auto"):
        return COMPILED if _ext is not None else PYTHON
    if wanted == PYTHON:
        return PYTHON
    if wanted == COMPILED:
        if _ext is None:
            raise ImportError(f"{ENV}=compiled, but the compiled matcher core is not available ({_unavailable})")
        return COMPILED
    raise ValueError(f"{ENV} must be 'python', 'compiled' or 'auto', not {wanted!r}")


_core = _chosen()
_noted = False


def available() -> bool:
    """Whether the compiled core imported (whichever core is in use)."""
    return _ext is not None


def active() -> bool:
    """Whether matching runs on the compiled core now."""
    if _core == COMPILED:
        return True
    if not _noted:
        announce()
    return False


def name() -> str:
    return _core


def describe() -> str:
    """Which core runs, in a few words (``ruleie --version``)."""
    if _core == COMPILED:
        return "compiled matcher core"
    if _ext is None:
        return "Python matcher core: the compiled core is not available"
    return f"Python matcher core: {ENV}=python"


def announce(stream: Optional[IO[str]] = None) -> None:
    """Say once per process, on stderr, that the Python core runs for want of the extension
    (the command calls this before it starts worker processes: they inherit that it was said)."""
    global _noted
    if _noted:
        return
    _noted = True
    if _core == PYTHON and _ext is None and os.environ.get(ENV, "").strip().lower() != PYTHON:
        (stream or sys.stderr).write(
            f"ruleie: the compiled matcher core is not available ({_unavailable}); "
            "running the pure-Python core (several times slower). "
            "Reinstall with a C compiler and Python headers (pip install .) to build it.\n"
        )


def use(core: str) -> None:
    """Switch the core for this process: "python" or "compiled"."""
    global _core
    if core == COMPILED and _ext is None:
        raise ImportError(f"the compiled matcher core is not available ({_unavailable})")
    if core not in (PYTHON, COMPILED):
        raise ValueError(f"no matcher core named {core!r}")
    _core = core


@contextmanager
def using(core: str) -> Iterator[None]:
    """Run a block on one core (tests compare the two)."""
    saved = _core
    use(core)
    try:
        yield
    finally:
        use(saved)


# ---------------------------------------------------------------------------
# What the extension runs on

# Program → its compiled Tree. Programs are compared by identity; a Tree never refers
# back to its Program, so the entry goes when the Program does.
_trees: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def tree(program: _program.Program) -> Any:
    found = _trees.get(program)
    if found is None:
        found = _trees[program] = _ext.build(program, plan)
    return found


# Predicate → its Plan (predicates.value_plan, ready to run; None without one). Shared by
# every Tree, so that what a test learnt of a value serves every rule using it.
_plans: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()

# Per field, the distinct values met across documents are numbered, and every test
# remembers its answer per number. A field's numbering that grows past this many values
# starts afresh (and every answer with it): a stream of new words cannot grow memory
# without end.
VOCABULARY_SIZE = 100_000
if _ext is not None:
    _ext.set_vocabulary_size(VOCABULARY_SIZE)


def plan(predicate: Any) -> Any:
    found = _plans.get(predicate)
    if found is None:
        steps = getattr(predicate, "plan", None)
        found = None if steps is None else _ext.make_plan(steps)
        if found is not None:
            _plans[predicate] = found
    return found


def row(ctx: Any, predicate: Any) -> bytes:
    """The predicate's positions in the context's document, as a bitset (bit p of byte p >> 3)."""
    return _ext.row(document(ctx), predicate, plan(predicate), _truth_row(ctx))


def _truth_row(ctx: Any) -> Any:
    """For a predicate without a plan: its bitset from ``DocumentContext.truth``."""
    return lambda predicate: _ext.bitset(ctx.truth(predicate), ctx.n_tokens)


def document(ctx: Any) -> Any:
    """The extension's view of a DocumentContext (made once per context)."""
    found = ctx._core_doc
    if found is None:
        found = ctx._core_doc = _ext.make_doc(
            ctx.n_tokens, ctx.mentions_by_start, ctx.mentions_by_end, ctx._ancestors, ctx._rows, ctx._field_ids,
            ctx.doc.column,
        )
    return found


def finditer(program: _program.Program, ctx: Any, lo: int, hi: int, probes_before_sweep: int) -> list:
    """(start, end, slots, history) of every match in [lo, hi), as ``matcher.python_finditer``."""
    return _ext.finditer(tree(program), document(ctx), _truth_row(ctx), lo, hi, probes_before_sweep)


def all_spans(program: _program.Program, ctx: Any, lo: int, hi: int, probes_before_sweep: int) -> list:
    return _ext.all_spans(tree(program), document(ctx), _truth_row(ctx), lo, hi, probes_before_sweep)


# What a rule must give in one stage (``Index.match_stage``): its matches, its spans, or both.
FINDITER, SPANS = 1, 2

# How a stage's candidate rules are searched in the compiled core: one search per rule and
# sentence, or one search per sentence for all of them (``_corevm.OnePass``). Both give the
# same matches (tests/test_onepass.py); RULEIE_MATCH chooses, the default is the faster on
# the shipped packs (docs/performance.md).
MATCH_ENV = "RULEIE_MATCH"
PER_RULE, ONE_PASS = "per-rule", "one-pass"
DEFAULT_MATCHING = ONE_PASS


def _chosen_matching() -> str:
    wanted = os.environ.get(MATCH_ENV, "").strip().lower()
    if wanted in ("", "auto"):
        return DEFAULT_MATCHING
    if wanted not in (PER_RULE, ONE_PASS):
        raise ValueError(f"{MATCH_ENV} must be {PER_RULE!r}, {ONE_PASS!r} or 'auto', not {wanted!r}")
    return wanted


_matching = _chosen_matching()


def matching_name() -> str:
    return _matching


def use_matching(how: str) -> None:
    """Search a stage's candidates per rule ("per-rule") or in one pass ("one-pass")."""
    global _matching
    if how not in (PER_RULE, ONE_PASS):
        raise ValueError(f"no way of matching named {how!r}")
    _matching = how


@contextmanager
def matching(how: str) -> Iterator[None]:
    """Run a block with one way of searching a stage (tests and benchmarks compare the two)."""
    saved = _matching
    use_matching(how)
    try:
        yield
    finally:
        use_matching(saved)


def index(programs: list[_program.Program], rule_index: Any, stage_of: list[int]) -> Any:
    """The rule set's index in the core (``engine.ruleindex.RuleIndex``, over value ids):
    ``token_candidates(document(ctx))`` gives a document's candidates once, then
    ``match_stage(...)`` runs every candidate of one stage (``stage_of[k]``: rule k's stage)."""
    return _ext.Index(programs, rule_index, stage_of, tree, plan)


def token_candidates(core_index: Any, ctx: Any) -> Any:
    return core_index.token_candidates(document(ctx))


def match_stage(
    core_index: Any,
    stage: int,
    hits: Any,
    ctx: Any,
    sentences: Any,
    modes: bytes,
    *,
    skip_empty: bool = True,
    deadline: Optional[float] = None,
) -> tuple[list, list, int]:
    """Every candidate rule of one stage over every sentence of a document, in one call:
    the token candidates ``hits`` in this stage, and its rules that begin with a mention
    of a type the document has. ``modes[k]``: FINDITER (rule k's ``finditer`` matches),
    SPANS (its ``all_spans`` spans) or both. A rule runs only in the sentences that hold
    a unit its matches can begin with and something for each of its requirements.

    Returns (matches, spans, timed_out): matches as (k, lo, hi, start, end, slots,
    history) in rule, sentence and match order (empty ones left out with skip_empty);
    spans as (k, start, end); timed_out the rule k at which ``deadline``
    (``time.monotonic``) passed, checked before each sentence, else -1.
    """
    from . import matcher  # the strategy thresholds live there

    return core_index.match_stage(
        stage, hits, document(ctx), _truth_row(ctx), sentences, matcher.PROBES_BEFORE_SWEEP, modes, skip_empty,
        -1.0 if deadline is None else deadline, time.monotonic, _matching == ONE_PASS,
    )
