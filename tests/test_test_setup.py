"""The test harness itself (tests/conftest.py): Hypothesis profiles, the finditer guard, timeouts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleie.language import matcher


def test_the_ci_profile_draws_fresh_examples_and_prints_how_to_reproduce_a_failure() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize is False  # a new draw on every run ...
    assert ci.print_blob is True  # ... and a failure prints @reproduce_failure(...) to replay it
    assert ci.deadline is None  # CI machines stall
    assert settings.get_profile("mutation").derandomize is True  # one verdict per mutant


def test_finditer_is_guarded_against_not_advancing() -> None:
    assert getattr(matcher.finditer, "_progress_guard", False)

    def stuck(program, ctx, lo, hi):  # type: ignore[no-untyped-def]
        while True:  # an empty match at 0, again and again: what a lost "must advance" gives
            yield matcher.RawMatch(0, 0, (0, 0), ())

    from conftest import _progress_guarded

    with pytest.raises(AssertionError, match="does not advance"):
        list(_progress_guarded(stuck)(None, None, 0, 3))


@given(st.integers())
def test_hypothesis_tests_get_the_thread_timeout_method(request: pytest.FixtureRequest, x: int) -> None:
    """A hanging Hypothesis test must be stopped by the thread method (see conftest.py)."""
    marker = request.node.get_closest_marker("timeout")
    assert marker is not None and marker.kwargs.get("method") == "thread"
