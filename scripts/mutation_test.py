#!/usr/bin/env python3
"""Mutation testing of the matcher, the compiler, the engine's conflict policies and the
rule-file positions (mutmut 3).

    pip install mutmut
    python scripts/mutation_test.py matcher            # or: compiler, policies, positions
    python scripts/mutation_test.py policies -j 2      # mutmut --max-children
    python scripts/mutation_test.py matcher --only 'ruleie.language.matcher.x_search__mutmut_*'

Each target mutates one module (the policies target: only the conflict-policy functions
of ruleie/engine/ruleset.py and ``RuleSet.match_all``; the positions target: the functions
of ruleie/rules/yamlpos.py and ruleie/rules/checker.py that place a problem at a line and
column) and kills its mutants with a fast
subset of the tests, on the pure-Python matcher core (RULEIE_CORE=python: the compiled
core is not what is being mutated) and the derandomized Hypothesis profile "mutation"
(tests/conftest.py), so that a mutant's verdict does not depend on a random draw.

The checkout is copied to a scratch directory first (default: $TMPDIR/ruleie-mutation-
TARGET; the working tree is never touched), with the mutmut configuration appended to the
copy's pyproject.toml. The summary at the end counts killed, survived, timed-out and
other mutants and lists the survivors; ``mutmut show NAME`` in the copy prints a diff.
Every survivor is either killed by a new test or listed as equivalent in docs/testing.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Fast tests only: the matcher and pattern properties (without the compiled-core
# parametrizations), the conformance cases, the engine policies.
MATCHER_TESTS = [
    "tests/test_matcher_properties.py",
    "tests/test_matcher_long.py",
    "tests/test_matcher_units.py",
    "tests/test_match_all.py",
    "tests/test_pattern_api.py",
    "tests/test_conformance.py",
]
POLICY_TESTS = ["tests/test_conflict_policies.py", "tests/test_match_all.py", "tests/test_engine.py"]

# Rule-file positions: where a problem in a rule file is shown (file, line, column).
POSITION_TESTS = ["tests/test_rulefile.py", "tests/test_lint.py", "tests/test_parser.py", "tests/test_positions.py"]
POSITION_FUNCTIONS = [
    "ruleie.rules.yamlpos.xǁSourceǁposition",
    "ruleie.rules.yamlpos.xǁSourceǁdiag",
    "ruleie.rules.yamlpos.xǁSourceǁlocation",
    "ruleie.rules.yamlpos.xǁSourceǁlocator",
    "ruleie.rules.yamlpos.x_decode_source",
    "ruleie.rules.yamlpos.x_first_character",
    "ruleie.rules.yamlpos.x_scalar_offsets",
    "ruleie.rules.yamlpos.x_compose_document",
    "ruleie.rules.checker.xǁCheckerǁerror",
    "ruleie.rules.checker.xǁCheckerǁpattern_error",
    "ruleie.rules.checker.xǁCheckerǁcheck_mention_refs",
    "ruleie.rules.checker.xǁCheckerǁsorted_diagnostics",
]

POLICY_FUNCTIONS = [
    "_apply_policy", "_drop_contained", "_best", "_best_order", "_merge_records", "_compatible", "_settle_records",
    "_settle_mentions", "_in_stage", "_best_anchored", "_compete", "_anchor_spans",
]

TARGETS = {
    "matcher": {"files": ["ruleie/language/matcher.py"], "tests": MATCHER_TESTS, "mutants": []},
    "compiler": {
        "files": ["ruleie/language/compiler.py"],
        "tests": MATCHER_TESTS + ["tests/test_parser.py"],
        "mutants": [],
    },
    "policies": {
        "files": ["ruleie/engine/ruleset.py"],
        "tests": POLICY_TESTS,
        "mutants": [f"ruleie.engine.ruleset.x_{f}__mutmut_*" for f in POLICY_FUNCTIONS]
        + ["ruleie.engine.ruleset.xǁRuleSetǁmatch_all__mutmut_*"],
    },
    "positions": {
        "files": ["ruleie/rules/yamlpos.py", "ruleie/rules/checker.py"],
        "tests": POSITION_TESTS,
        "mutants": [f"{f}__mutmut_*" for f in POSITION_FUNCTIONS],
    },
}

# Left out of every run: slow, and about packaging rather than the mutated code.
ALWAYS_EXCLUDED = ["compiled", "installed_wheel"]

IGNORE = shutil.ignore_patterns(
    ".git", "mutants", ".hypothesis", "__pycache__", ".pytest_cache", ".ci-venv", ".venv", "build", "dist",
    "*.egg-info", ".coverage", ".import_linter_cache",
)


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def prepare(target: str, work: Path, exclude: list[str]) -> Path:
    spec = TARGETS[target]
    if work.exists():
        shutil.rmtree(work)
    repo = work / "repo"
    shutil.copytree(ROOT, repo, ignore=IGNORE, symlinks=True)
    shared = ROOT.parent / "shared"
    if shared.is_dir():  # the conformance cases live beside the checkout (tests/test_conformance.py)
        (work / "shared").symlink_to(shared)  # seen from repo/tests
        (repo / "shared").symlink_to(shared)  # seen from repo/mutants/tests
    config = f"""

[tool.mutmut]
source_paths = ["ruleie/"]
only_mutate = {toml_list(spec["files"])}
also_copy = ["grammars/", "rules/", "benchmarks/", "seeds/"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist", "-k", "{' and '.join(f'not {x}' for x in ALWAYS_EXCLUDED + exclude)}"]
pytest_add_cli_args_test_selection = {toml_list(spec["tests"])}
use_git_change_detection = false
"""
    with open(repo / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write(config)
    return repo


def summarise(repo: Path, env: dict[str, str]) -> tuple[collections.Counter, list[str]]:
    done = subprocess.run(["mutmut", "results", "--all", "true"], cwd=repo, env=env, capture_output=True, text=True)
    counts: collections.Counter = collections.Counter()
    survivors = []
    for line in done.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        counts[status] += 1
        if status == "survived":
            survivors.append(name)
    return counts, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("-j", "--max-children", type=int, default=2)
    parser.add_argument("--work", type=Path, help="scratch directory (default $TMPDIR/ruleie-mutation-TARGET)")
    parser.add_argument("--only", action="append", default=[], help="mutant name glob(s) instead of the target's")
    parser.add_argument("--resume", action="store_true", help="reuse the scratch copy and mutmut's results so far")
    parser.add_argument("--exclude", action="append", default=[], metavar="NAME",
                        help="leave out tests whose name contains NAME (a test that fails without any mutant)")
    args = parser.parse_args(argv)
    if shutil.which("mutmut") is None:
        sys.exit("mutmut is not installed: pip install mutmut")

    work = args.work or Path(tempfile.gettempdir()) / f"ruleie-mutation-{args.target}"
    repo = work / "repo" if args.resume and (work / "repo").is_dir() else prepare(args.target, work, args.exclude)
    env = dict(os.environ, RULEIE_HYPOTHESIS_PROFILE="mutation", RULEIE_CORE="python", RULEIE_NO_CACHE="1")
    env.pop("PYTHONPATH", None)
    names = args.only or TARGETS[args.target]["mutants"]
    started = time.monotonic()
    subprocess.run(["mutmut", "run", "--max-children", str(args.max_children), *names], cwd=repo, env=env)
    minutes = (time.monotonic() - started) / 60
    counts, survivors = summarise(repo, env)
    if names:  # mutmut results lists every mutant of the file; keep the ones asked for
        import fnmatch

        wanted = lambda name: any(fnmatch.fnmatch(name, pattern) for pattern in names)  # noqa: E731
        done = subprocess.run(["mutmut", "results", "--all", "true"], cwd=repo, env=env, capture_output=True, text=True)
        counts = collections.Counter(
            line.strip().rpartition(": ")[2] for line in done.stdout.splitlines()
            if line.strip() and wanted(line.strip().rpartition(": ")[0])
        )
        survivors = [s for s in survivors if wanted(s)]
    total = sum(counts.values())
    tested = total - counts.get("skipped", 0) - counts.get("not checked", 0)
    print(f"\n{args.target}: {total} mutants in {minutes:.1f} min: " + ", ".join(f"{v} {k}" for k, v in counts.most_common()))
    if tested:
        print(f"survival rate: {counts.get('survived', 0) / tested:.1%} ({counts.get('survived', 0)} of {tested})")
    for name in survivors:
        print("  survived:", name)
    print(f"\ndiffs: cd {repo} && mutmut show NAME")
    return 0


if __name__ == "__main__":
    sys.exit(main())
