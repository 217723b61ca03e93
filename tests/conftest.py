"""Shared test configuration: Hypothesis settings profiles.

"ci" (the default) keeps the whole suite fast and reproducible: few examples, no
deadline (CI machines stall), derandomized so a red run is the same run again.
"long" hunts for bugs with thousands of examples per property:

    RULEIE_HYPOTHESIS_PROFILE=long pytest tests/ -q
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
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
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("RULEIE_HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "slow: takes seconds (builds a wheel, …); still runs in CI")


# Loaded rule sets are cached (ruleie/cache.py); tests keep that cache in a
# directory of their own instead of the user's ~/.cache, and start with it empty.
if "RULEIE_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["RULEIE_CACHE_DIR"] = tempfile.mkdtemp(prefix="ruleie-test-cache-")
