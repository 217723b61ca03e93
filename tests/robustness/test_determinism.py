"""Determinism: the same rules and input give byte-identical output across runs, processes,
Python hash seeds, output formats and the rule-set cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from robust_helpers import HOSTILE_RULES, MINI_DOCS, MINI_RULES, SEED, STRIKE, run, run_subprocess, subprocess_env

HASH_SEEDS = ["0", "1", "random"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Documents that exercise every conflict policy, name resolution, mentions and odd text."""
    directory = tmp_path_factory.mktemp("determinism")
    (directory / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    lines = MINI_DOCS.read_text(encoding="utf-8").splitlines()
    lines.append(json.dumps({"id": "mixed", "text": f"«{STRIKE}» Russia fired 2 rockets at القدس, Putin said. " * 20}))
    (directory / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


@pytest.mark.parametrize("rules", ["shipped", "mini", "hostile"])
def test_byte_identical_across_hash_seeds_and_processes(inputs: Path, rules: str):
    rule_args = [] if rules == "shipped" else ["--rules", MINI_RULES if rules == "mini" else HOSTILE_RULES]
    outputs = set()
    for seed in HASH_SEEDS:
        proc = run_subprocess(["run", *rule_args, inputs], env=subprocess_env(PYTHONHASHSEED=seed), timeout=300)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    [output] = outputs
    assert output  # something was found, so the comparison means something
    code, out, err = run("run", *rule_args, inputs)  # and in this process, twice
    assert code == 0, err
    assert out.encode("utf-8") == output
    assert run("run", *rule_args, inputs)[1] == out


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_other_formats_are_stable_too(inputs: Path, fmt: str):
    first = run_subprocess(["run", "--rules", MINI_RULES, "--format", fmt, inputs], env=subprocess_env(PYTHONHASHSEED="1"))
    second = run_subprocess(["run", "--rules", MINI_RULES, "--format", fmt, inputs], env=subprocess_env(PYTHONHASHSEED="2"))
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and first.stdout


def test_the_rule_set_cache_never_changes_the_output(inputs: Path, tmp_path: Path):
    cache = str(tmp_path / "cache")
    cold = run_subprocess(["run", inputs], env=subprocess_env(RULEIE_CACHE_DIR=cache, PYTHONHASHSEED="3"))
    warm = run_subprocess(["run", inputs], env=subprocess_env(RULEIE_CACHE_DIR=cache, PYTHONHASHSEED="4"))
    off = run_subprocess(["run", inputs], env=subprocess_env(RULEIE_NO_CACHE="1", PYTHONHASHSEED="5"))
    assert cold.returncode == warm.returncode == off.returncode == 0
    assert cold.stdout == warm.stdout == off.stdout
