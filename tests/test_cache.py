"""The cache of loaded rule sets: faster, never different."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

import ruleie
from ruleie.rules import cache

from oracles import core, core_params

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


def _counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """Each call of ``module.name`` from now on, counted (one item per call)."""
    calls: list[int] = []
    real = getattr(module, name)

    @functools.wraps(real)  # the cache key names the compile function: the wrapper keeps its name
    def counting(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(module, name, counting)
    return calls


def loads_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from ruleie.rules import rulefile

    return _counted(monkeypatch, rulefile, "load_rule_files")


def compiles_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from ruleie.engine import ruleset

    return _counted(monkeypatch, ruleset, "compile_rules")


def test_a_second_load_comes_from_the_cache_and_extracts_the_same(rule_dir, monkeypatch):
    calls = loads_counted(monkeypatch)
    compiles = compiles_counted(monkeypatch)
    first = ruleie.load_rules(rule_dir / "rules.yaml")
    second = ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 1 and len(compiles) == 1
    assert second.spec == first.spec
    text = "A missile hit."
    assert [r.to_dict() for r in second.extract(text)] == [r.to_dict() for r in first.extract(text)]


# Every kind of constraint, a lookaround and a context: what compiled programs hold.
EVERY_KIND = r"""ruleie: 1
lexicons:
  weapons: {file: weapons.txt}
  places: [Kyiv, Kharkiv]
types:
  Place: {kind: mention}
  Hit: {kind: record, fields: {weapon: str, count: int, where: mention}}
rules:
  - name: place
    type: Place
    pattern: '[word in places]'
  - name: hit
    type: Hit
    stage: 2
    pattern: >-
      (?<! not ) (?<count> [num>=2 & num<1000])? (?<weapon> [lemma in weapons] | [lower=/dron(e|es)/])
      [lemma=/hit|str\w+/] ( [] )?? (?<where> @Place) (?= [word!=/\w+/] | $)
    context: {before: 1, excludes: '[lower=/drills?|exercises?/]'}
"""
TEXTS = (
    "Three missiles hit Kyiv. Twelve drones struck Kharkiv!",
    "It was a drill. 40 missiles hit Kyiv.",
    "Not 2 missiles hit Kyiv. 2000 drones hit Kyiv.",
)


@pytest.mark.parametrize("core_name", core_params())
def test_compiled_rules_read_back_from_the_cache_match_as_freshly_compiled_ones(rule_dir, monkeypatch, core_name):
    (rule_dir / "rules.yaml").write_text(EVERY_KIND, encoding="utf-8")
    compiles = compiles_counted(monkeypatch)
    fresh = ruleie.load_rules(rule_dir / "rules.yaml")
    cached = ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(compiles) == 1
    with core(core_name):
        for text in TEXTS:
            expected = [r.to_dict() for r in fresh.extract(text)]
            assert [r.to_dict() for r in cached.extract(text)] == expected
            assert cached.match_all(cached.document(text)) == fresh.match_all(fresh.document(text))
    assert [r.count.value for r in cached.extract(TEXTS[0])] == [3, 12]
    assert [r.weapon.text for r in cached.extract(TEXTS[1])] == []  # the drill in the sentence before
    # "Not" keeps the count out of the first match, and 2000 is out of range in the second.
    assert [(r.count, r.weapon.text) for r in cached.extract(TEXTS[2])] == [(None, "missiles"), (None, "drones")]


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


# ---------------------------------------------------------------------------
# What the code fingerprint reads: the grammar and every module of the package


def test_changing_the_grammar_invalidates_the_cache(rule_dir, monkeypatch):
    """The grammar text is read through ``resources.grammar_text`` (as the parser reads it);
    an edited grammar must never get a spec parsed by the old one. The real file is not touched."""
    from ruleie import resources

    calls = loads_counted(monkeypatch)
    ruleie.load_rules(rule_dir / "rules.yaml")
    ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 1
    real = resources.grammar_text()
    monkeypatch.setattr(resources, "grammar_text", lambda: real + "\n// one more line\n")
    ruleie.load_rules(rule_dir / "rules.yaml")
    assert len(calls) == 2
    ruleie.load_rules(rule_dir / "rules.yaml")  # and the new fingerprint is cached in turn
    assert len(calls) == 2
    monkeypatch.setattr(resources, "grammar_text", lambda: real)
    ruleie.load_rules(rule_dir / "rules.yaml")  # the old grammar back: its entry is still valid
    assert len(calls) == 2


def _package_copy(tmp_path: Path) -> Path:
    """rules/, language/ and engine/ of the package (their .py files only), copied: part of the fingerprint's input."""
    import shutil

    package = Path(cache.__file__).resolve().parent.parent
    copy = tmp_path / "pkg" / "ruleie"
    for folder in ("rules", "language", "engine"):
        (copy / folder).mkdir(parents=True)
        for path in (package / folder).glob("*.py"):
            shutil.copy(path, copy / folder / path.name)
    return copy


@pytest.mark.parametrize(
    "edit",
    [
        lambda pkg: (pkg / "language" / "matcher.py").write_text(
            (pkg / "language" / "matcher.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8"),
        lambda pkg: (pkg / "rules" / "spec.py").write_text(
            (pkg / "rules" / "spec.py").read_text(encoding="utf-8").replace("class", "class ", 1), encoding="utf-8"),
        lambda pkg: (pkg / "language" / "new_module.py").write_text("X = 1\n", encoding="utf-8"),
        lambda pkg: (pkg / "rules" / "cache.py").unlink(),
        lambda pkg: (pkg / "engine" / "ruleindex.py").write_text(
            (pkg / "engine" / "ruleindex.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8"),
        lambda pkg: (pkg / "engine" / "ruleindex.py").rename(pkg / "engine" / "rule_index.py"),
    ],
    ids=["language-module-edited", "rules-module-edited", "module-added", "module-removed", "engine-module-edited",
         "module-renamed"],
)
def test_the_code_fingerprint_covers_every_module_of_the_package(tmp_path, monkeypatch, edit):
    copy = _package_copy(tmp_path)
    monkeypatch.setattr(cache, "__file__", str(copy / "rules" / "cache.py"))
    before = cache._code_fingerprint()
    assert cache._code_fingerprint() == before  # stable while nothing changes
    edit(copy)
    assert cache._code_fingerprint() != before



def test_a_symlinked_rule_file_finds_the_lexicons_beside_its_link(rule_dir, monkeypatch):
    """Files named in a rule file are found beside the path it was given by: the same file
    linked from another folder, with another lexicon beside it, is another rule set."""
    other = rule_dir / "other"
    other.mkdir()
    (other / "rules.yaml").symlink_to(rule_dir / "rules.yaml")
    (other / "weapons.txt").write_text("rocket\n", encoding="utf-8")
    first = ruleie.load_rules(rule_dir / "rules.yaml")
    linked = ruleie.load_rules(other / "rules.yaml")
    text = "A missile hit, then a rocket."
    assert [r.weapon.text for r in first.extract(text)] == ["missile"]
    assert [r.weapon.text for r in linked.extract(text)] == ["rocket"]
