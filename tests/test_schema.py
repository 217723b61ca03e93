"""The JSON Schema for rule files: shipped in the package, valid for every shipped rule file,
and rejecting what the loader rejects (unknown keys at every level, bad values)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from ruleie.rules import rulefile
from ruleie.resources import shipped_rules_path
from ruleie.rules.rulefile import check_rule_files

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra: pip install -e '.[test]'")

REPO = Path(__file__).resolve().parent.parent
SCHEMA_LINE = "# yaml-language-server: $schema=../ruleie/rules/schema/rules.schema.json"


def schema() -> dict[str, Any]:
    return json.loads((resources.files("ruleie") / "rules" / "schema" / "rules.schema.json").read_text(encoding="utf-8"))


class _PlainLoader(yaml.SafeLoader):
    """YAML as an editor's schema validator sees it: JSON types only (no dates)."""


_PlainLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def schema_errors(text: str) -> list[str]:
    data = yaml.load(text, Loader=_PlainLoader)
    validator = jsonschema.Draft7Validator(schema())
    return [e.message for e in validator.iter_errors(data)]


def loader_errors(tmp_path: Path, text: str, name: str = "r.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [d.message for d in check_rule_files(path, lints=()) if d.severity == "error"]


# ---------------------------------------------------------------------------
# The schema itself


def test_the_schema_is_a_valid_draft_7_schema_inside_the_package():
    path = Path(str(resources.files("ruleie"))) / "rules" / "schema" / "rules.schema.json"
    assert path.is_file()
    jsonschema.Draft7Validator.check_schema(schema())


def _objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


def test_every_key_has_a_description_for_editors():
    for obj in _objects(schema()):
        for key, spec in obj["properties"].items():
            assert spec.get("description"), f"no description for {key!r}"


def _properties(path: list[str]) -> set[str]:
    node: Any = schema()
    for step in path:
        node = node[step]
    if "properties" not in node:
        node = next(option for option in node["anyOf"] if "properties" in option)
    return set(node["properties"])


@pytest.mark.parametrize(
    "path, keys",
    [
        ([], rulefile.TOP_KEYS),
        (["definitions", "lexicon"], rulefile.LEXICON_KEYS),
        (["definitions", "type"], rulefile.TYPE_KEYS),
        (["definitions", "field"], rulefile.FIELD_KEYS),
        (["definitions", "rule"], rulefile.RULE_KEYS),
        (["definitions", "rule", "properties", "context"], rulefile.CONTEXT_KEYS),
        (["definitions", "mapping"], rulefile.MAPPING_KEYS),
        (["definitions", "example"], rulefile.EXAMPLE_KEYS),
    ],
)
def test_the_schema_knows_exactly_the_loaders_keys(path: list[str], keys: tuple[str, ...]):
    assert _properties(path) == set(keys)


# ---------------------------------------------------------------------------
# Shipped rule files


SHIPPED = sorted(shipped_rules_path().parent.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_rule_file_is_valid_under_the_schema(path: Path):
    assert schema_errors(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", sorted((REPO / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_rule_files_name_the_schema_on_their_first_line(path: Path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == SCHEMA_LINE
    assert (path.parent / first.split("$schema=", 1)[1]).resolve() == (REPO / "ruleie" / "rules" / "schema" / "rules.schema.json")


# ---------------------------------------------------------------------------
# Schema and loader agree

BASE = """
ruleie: 1
doc: A small rule file.
include: []
lexicons:
  verbs: [launch, fire]
  countries:
    entries: [Iran, Israel]
    field: lower
    mention: Country
    doc: Countries.
vars:
  verb: '[lemma in verbs]'
  either: [launched, fired]
types:
  Country: {kind: mention, doc: A country.}
  Empty:
  Launch:
    kind: record
    fields:
      who: mention
      n: {type: int, doc: How many.}
      tags: list[str]
    key: [who]
    conflict: best
rules:
  - name: launch
    type: Launch
    stage: 2
    priority: 1
    doc: X launched.
    pattern: |
      (?<who> @Country) ${verb} (?<n> [num>0])?
    fields:
      n: {capture: n, normalise: number, default: 0}
      tags: {value: [a, b]}
    examples:
      - text: Iran launched 3 drones.
        expect: {who: Iran, n: 3}
      - text: Nothing here.
        expect: none
      - text: Israel fired 2 rockets.
"""

# (level, a line of BASE, the same line with a misspelled key)
MISSPELLED = [
    ("top", "doc: A small rule file.", "dco: A small rule file."),
    ("lexicon", "    field: lower", "    feild: lower"),
    ("type", "    conflict: best", "    conflikt: best"),
    ("field", "      n: {type: int, doc: How many.}", "      n: {typ: int, doc: How many.}"),
    ("rule", "    priority: 1", "    priorty: 1"),
    ("mapping", "      n: {capture: n, normalise: number, default: 0}", "      n: {capture: n, normalize: number, default: 0}"),
    ("example", "        expect: none", "        expcet: none"),
]


def test_the_base_file_is_valid_for_both(tmp_path: Path):
    text = textwrap.dedent(BASE).lstrip()
    assert loader_errors(tmp_path, text) == []
    assert schema_errors(text) == []


@pytest.mark.parametrize("level, line, wrong", MISSPELLED, ids=[m[0] for m in MISSPELLED])
def test_a_misspelled_key_is_rejected_by_both(tmp_path: Path, level: str, line: str, wrong: str):
    text = textwrap.dedent(BASE).lstrip()
    assert text.count(line + "\n") == 1
    text = text.replace(line + "\n", wrong + "\n")
    found = loader_errors(tmp_path, text)
    assert any(m.startswith("unknown key") for m in found), found
    assert schema_errors(text), "the schema accepted it"


# Values the loader rejects that the schema can say are wrong, as (line, replacement).
BAD_VALUES = [
    ("ruleie: 1", "ruleie: 2"),
    ("    kind: record", "    kind: recrod"),
    ("    conflict: best", "    conflict: first"),
    ("      tags: list[str]", "      tags: list[float]"),
    ("    stage: 2", "    stage: -1"),
    ("    stage: 2", "    stage: high"),
    ("    priority: 1", "    priority: top"),
    ("      n: {capture: n, normalise: number, default: 0}", "      n: {capture: n, normalise: digits}"),
    ("      n: {capture: n, normalise: number, default: 0}", "      n: {capture: n, value: 3}"),
    ("  - name: launch", "  - name: launch it"),
    ("include: []", "include: [/etc/rules.yaml]"),
    ("  either: [launched, fired]", "  either: []"),
    ("        expect: none", "        expect: nothing"),
    ("  - name: launch", "  - nam: launch"),  # and so no name
    ("      - text: Nothing here.", "      - txt: Nothing here."),
]


@pytest.mark.parametrize("line, replacement", BAD_VALUES)
def test_a_bad_value_is_rejected_by_both(tmp_path: Path, line: str, replacement: str):
    text = textwrap.dedent(BASE).lstrip()
    assert text.count(line + "\n") == 1, line
    text = text.replace(line + "\n", replacement + "\n")
    assert loader_errors(tmp_path, text), "the loader accepted it"
    assert schema_errors(text), "the schema accepted it"


# ---------------------------------------------------------------------------
# The wheel


def test_the_wheel_ships_the_schema_and_the_pytest_plugin(tmp_path: Path):
    pytest.importorskip("hatchling", reason="the build backend hatchling is a test extra: pip install -e '.[test]'")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=REPO, check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert "ruleie/rules/schema/rules.schema.json" in names
        assert "ruleie/tools/pytest_plugin.py" in names
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "[pytest11]\nruleie = ruleie.tools.pytest_plugin" in z.read(entry_points).decode()
