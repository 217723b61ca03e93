"""The cache of loaded rule sets: faster, never different."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ruleie
from ruleie.rules import cache

RULES = """ruleie: 1
lexicons:
  weapons: {file: weapons.txt}
types:
  Hit: {kind: record, fields: {weapon: str}}
rules:
  - name: hit
    type: Hit
    pattern: (?<weapon> [lower in weapons])
"""


@pytest.fixture
def rule_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RULEIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RULEIE_NO_CACHE", raising=False)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "weapons.txt").write_text("missile\n", encoding="utf-8")
    return tmp_path


def loads_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from ruleie.rules import rulefile

    calls: list[int] = []
    real = rulefile.load_rule_files

    def counting(paths):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(paths)

    monkeypatch.setattr(rulefile, "load_rule_files", counting)
    return calls


def test_a_second_load_comes_from_the_cache_and_extracts_the_same(rule_dir, monkeypatch):
    calls = loads_counted(monkeypatch)
    first = ruleie.load_rules(rule_dir / "rules.yaml")
    second = ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 1
    assert second.spec == first.spec
    text = "A missile hit."
    assert [r.to_dict() for r in second.extract(text)] == [r.to_dict() for r in first.extract(text)]


def test_changing_an_included_lexicon_file_invalidates_the_cache(rule_dir, monkeypatch):
    calls = loads_counted(monkeypatch)
    ruleie.load_rules(rule_dir / "rules.yaml")
    (rule_dir / "weapons.txt").write_text("missile\ndrone\n", encoding="utf-8")
    rules = ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 2
    assert [r.weapon.text for r in rules.extract("A drone hit.")] == ["drone"]


def test_a_corrupt_cache_file_means_a_normal_load(rule_dir, monkeypatch):
    ruleie.load_rules(rule_dir / "rules.yaml")
    for file in cache.cache_dir().iterdir():
        file.write_bytes(b"not a pickle")
    calls = loads_counted(monkeypatch)
    rules = ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 1 and rules.extract("A missile hit.")


def test_rule_errors_are_never_cached(rule_dir, monkeypatch):
    (rule_dir / "rules.yaml").write_text(RULES.replace("fields: {weapon", "fieldz: {weapon"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ruleie.RuleFileError):
            ruleie.load_rules(rule_dir / "rules.yaml")


def test_the_cache_can_be_turned_off(rule_dir, monkeypatch):
    monkeypatch.setenv("RULEIE_NO_CACHE", "1")
    calls = loads_counted(monkeypatch)
    ruleie.load_rules(rule_dir / "rules.yaml")
    ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 2
    assert not cache.cache_dir().exists() or not any(cache.cache_dir().iterdir())


def test_a_spec_cached_by_other_code_is_not_read_back(rule_dir, monkeypatch):
    calls = loads_counted(monkeypatch)
    ruleie.load_rules(rule_dir / "rules.yaml")
    monkeypatch.setattr(cache, "_code_fingerprint", lambda: b"other code")
    ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 2
