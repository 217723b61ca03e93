"""Shared test configuration: Hypothesis settings profiles, and a guard on finditer.

"ci" (the default) keeps the whole suite fast: few examples, no deadline (CI
machines stall). It draws fresh examples on every run (not derandomized): a run
explores cases no earlier run tried, and a failure prints the falsifying example
with ``@reproduce_failure(…)`` (``print_blob``) to paste onto the test; failures
also land in the local example database (.hypothesis/) and are replayed first.
Cases that once slipped through are pinned with ``@example`` (docs/testing.md).
"long" hunts for bugs with thousands of examples per property:

    RULEIE_HYPOTHESIS_PROFILE=long pytest tests/ -q
    pytest tests/ -q --hypothesis-seed=1234          # one fixed run, for bisecting

"mutation" is derandomized, for scripts/mutation_test.py.
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=5000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("dev", max_examples=200, deadline=None, print_blob=True)
# Mutation testing (scripts/mutation_test.py, docs/testing.md): the same examples for every
# mutant, so a mutant's verdict does not depend on the draw; no example database.
settings.register_profile(
    "mutation",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("RULEIE_HYPOTHESIS_PROFILE", "ci"))

# The tests load thousands of small rule files (each a cache entry) and run the CLI in
# subprocesses: their caches go to one directory under the system's temporary directory,
# kept between runs (so later runs start warm) and never into the user's own cache. Set
# before xdist starts its workers, which inherit it.
if not os.environ.get("RULEIE_CACHE_DIR"):
    _user = os.getuid() if hasattr(os, "getuid") else "user"
    os.environ["RULEIE_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"ruleie-tests-cache-{_user}")


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "slow: takes seconds (builds a wheel, …); still runs in CI")
    _guard_finditer()


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """A Hypothesis test that hangs is stopped by pytest-timeout's thread method.

    The default signal method raises inside the test, where Hypothesis takes it for an
    ordinary failure and runs the example again to shrink it: the run hangs on. The
    thread method prints the stacks (the test's name among them) and ends the process;
    under xdist the worker's test is reported failed and a new worker goes on.
    """
    import pytest
    from hypothesis import is_hypothesis_test

    for item in items:
        if not is_hypothesis_test(getattr(item, "obj", None)):
            continue
        marker = item.get_closest_marker("timeout")
        if marker is None:
            item.add_marker(pytest.mark.timeout(method="thread"), append=False)
        elif "method" not in marker.kwargs and len(marker.args) < 2:
            timeout = marker.args[0] if marker.args else marker.kwargs.get("timeout")
            item.add_marker(pytest.mark.timeout(timeout, method="thread"), append=False)


def _guard_finditer() -> None:
    """Every in-process ``matcher.finditer`` checks ``re.finditer``'s progress rule as it runs.

    A match starts at or after the end of the one before, and an empty match never
    follows an empty match at the same position. A finditer that breaks the rule
    (say, its "must advance" guard lost) would otherwise loop forever without yielding
    anything callers keep (they drop empty matches): the suite would hang instead of
    failing. With the guard the first test that meets it fails at once, with its name.
    The guard only watches what the matcher yields; it never changes it.
    """
    from ruleie.language import matcher

    # finditer, and the Python core's own where the compiled core sits beside it.
    for name in ("finditer", "python_finditer"):
        real = getattr(matcher, name, None)
        if real is not None and not getattr(real, "_progress_guard", False):
            setattr(matcher, name, _progress_guarded(real))


def _progress_guarded(real):  # type: ignore[no-untyped-def]
    def finditer(program, ctx, lo, hi):  # type: ignore[no-untyped-def]
        last = None
        for m in real(program, ctx, lo, hi):
            if last is not None:
                assert m.start >= last.end, f"finditer went back: {last} then {m}"
                assert not (m.start == m.end == last.end == last.start), f"finditer does not advance: {last} then {m}"
            last = m
            yield m

    finditer._progress_guard = True  # type: ignore[attr-defined]
    finditer.__wrapped__ = real  # type: ignore[attr-defined]
    finditer.__doc__ = real.__doc__
    return finditer
