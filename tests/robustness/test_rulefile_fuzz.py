"""Fuzzing the rule-file loader: random and mutated pattern texts and rule files.

Property: ``check_rules`` never raises, and ``load_rule_files`` / ``load_rules`` either
succeed or raise the project's own ``RuleieError``, whose diagnostics name a file, a line
and a column: never a RecursionError, KeyError, VisitError, TypeError, …

Budgets (tests/conftest.py profiles): CI runs the "ci" profile; the long budget is

    RULEIE_HYPOTHESIS_PROFILE=long pytest tests/robustness/test_rulefile_fuzz.py -q

and docs/reliability.md records how many examples it tried.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ruleie
from robust_helpers import HERE, ROOT
from ruleie.api import check_rules
from ruleie.errors import RuleieError
from ruleie.rules.rulefile import load_rule_files

# Every rule file the project ships or tests with, mutated in place inside a copy of its
# directory tree (so its includes and lexicon files are still found).
SOURCES = {
    "rules": ROOT / "rules",
    "rulefiles": ROOT / "tests" / "fixtures" / "rulefiles",
    "engine": ROOT / "tests" / "fixtures" / "engine",
    "cli": ROOT / "tests" / "fixtures" / "cli",
    "robustness": HERE / "rules",
}
RULE_FILES = sorted(
    f"{name}/{path.relative_to(directory).as_posix()}"
    for name, directory in SOURCES.items()
    for path in directory.rglob("*.yaml")
)
# Lexicon files get mutated too: the loader reads them, so they are input like any other.
LEXICON_FILES = sorted(
    f"{name}/{path.relative_to(directory).as_posix()}"
    for name, directory in SOURCES.items()
    for path in directory.rglob("*.txt")
    if path.parent.name == "lexicons"
)

# What the examples of a test run counted, for docs/reliability.md.
COUNTS: dict[str, int] = {}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-workspace")
    for name, directory in SOURCES.items():
        shutil.copytree(directory, root / name, ignore=shutil.ignore_patterns("*.expected*", "__pycache__"))
    return root


@pytest.fixture(autouse=True)
def _in_workspace(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("RULEIE_NO_CACHE", "1")  # each example is new: caching would only fill the disk


def assert_only_positioned_errors(path: str) -> None:
    """The property every fuzz test checks, for one rule file."""
    diagnostics = check_rules(path)
    for d in diagnostics:
        assert d.message and d.file, d
        assert d.line is not None and d.column is not None, d.render()
        d.render()
    errors = [d for d in diagnostics if d.severity == "error"]
    try:
        spec = load_rule_files(path)
    except RuleieError as error:
        assert errors, "load_rule_files raised but check_rule_files found no error"
        assert all(d.line is not None and d.column is not None for d in error.diagnostics), error.render()
        return
    assert not errors, "\n".join(d.render() for d in errors)
    try:
        rules = ruleie.engine.ruleset.RuleSet(spec)  # the compiler sees every pattern the loader let through
    except RuleieError as error:
        assert all(d.message for d in error.diagnostics)
        return
    rules.extract("Russia launched 23 missiles at Kyiv overnight, President Zelensky said.")


# ---------------------------------------------------------------------------
# Mutations of real rule files

SPECIAL = list("[](){}|&!?*+,=<>/\"'\\@$^#:.- \t\néж") + ["(?<", "(?=", "(?<!", "${", "{2,", " in ", "---", ": ", "- ",
                                                          "&a", "*a", "!!", "%YAML 1.1\n", "\ufeff", "\u2028", "\x85"]
WORDS = ["ruleie", "include", "lexicons", "vars", "types", "rules", "name", "type", "pattern", "stage", "priority",
         "fields", "examples", "text", "expect", "kind", "parent", "key", "conflict", "propagate", "entries", "file",
         "field", "mention", "capture", "normalise", "default", "value", "record", "merge", "best", "none", "null",
         "true", "[]", "{}", "1", "-1", "99999999999999999999", "1.5", "Strike", "Person", "@Actor", "${x}", "~"]


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, str, str]:
    """(file to mutate, its mutated text, a description of the mutations)."""
    name = draw(st.sampled_from(RULE_FILES + LEXICON_FILES))
    directory, _, rest = name.partition("/")
    text = (SOURCES[directory] / rest).read_text(encoding="utf-8")
    lines = text.split("\n")
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "word", "truncate", "blank"]))
        line = lines[i] if lines else ""
        if kind == "delete" and lines:
            del lines[i]
        elif kind == "duplicate" and lines:
            lines.insert(i, line)
        elif kind == "swap" and lines:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], line
        elif kind == "insert":
            at = draw(st.integers(0, len(line)))
            extra = "".join(draw(st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=5)))
            lines[i:i + 1] = (line[:at] + extra + line[at:]).split("\n") if lines else [extra]
        elif kind == "indent" and lines:
            change = draw(st.sampled_from([-4, -2, -1, 1, 2, 4, "tab"]))
            if change == "tab":
                lines[i] = "\t" + line
            elif change < 0:
                lines[i] = line[min(-change, len(line) - len(line.lstrip(" "))):]
            else:
                lines[i] = " " * change + line
        elif kind == "word" and line.strip():
            words = line.split(" ")
            k = draw(st.integers(0, len(words) - 1))
            words[k] = draw(st.sampled_from(WORDS))
            lines[i] = " ".join(words)
        elif kind == "truncate":
            lines = lines[:i] + [line[: draw(st.integers(0, len(line)))]]
        elif kind == "blank" and lines:
            lines[i] = ""
        steps.append(f"{kind}@{i + 1}")
    return name, "\n".join(lines), ", ".join(steps)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutation=mutated_files())
def test_mutated_rule_files_give_positioned_errors_or_load(workspace: Path, mutation: tuple[str, str, str]):
    name, text, steps = mutation
    path = workspace / name
    original = path.read_bytes()
    path.write_text(text, encoding="utf-8")
    try:
        target = name if name.endswith(".yaml") else "rules/entities.yaml" if name.startswith("rules/") else None
        for entry in [target] if target else [n for n in RULE_FILES if n.split("/")[0] == name.split("/")[0]]:
            assert_only_positioned_errors(entry)
    finally:
        path.write_bytes(original)
    COUNTS["mutated"] = COUNTS.get("mutated", 0) + 1


# ---------------------------------------------------------------------------
# Random pattern texts, in every YAML scalar style, as a rule pattern and as a variable

PATTERN_TOKENS = st.sampled_from([
    "a", "launched", '"x y"', "[]", "[lemma=launch]", "[word=/[A-Z]\\w+/]", "[lower in w]", "[num>=10]", "[!lemma=x]",
    "[a=b & c=d]", "[a=b | c=d]", "@Actor", "@Nope", "${v}", "${nope}", "(", ")", "(?<x>", "(?<y>", "(?=", "(?!",
    "(?<=", "(?<!", "|", "?", "*", "+", "??", "*?", "{2}", "{2,3}", "{,2}", "{0,}", "{1000}", "{1001}", "^", "$",
    "[", "]", "&", "!", "=", "/", "/(a+)+/", "[word=/(a+)+$/]", "[word=/(/]", "#c\n", "\n", "é", "\\", "'", '"',
    "[lower=Kyiv]", "[word=/a/i]", "[word=/a/q]", "[num<x]", "{3,1}",
])
PATTERNS = st.one_of(
    st.lists(PATTERN_TOKENS, max_size=12).map(" ".join),
    st.lists(PATTERN_TOKENS, max_size=12).map("".join),
    st.lists(st.sampled_from(SPECIAL + list("abx")), max_size=30).map("".join),
)


def _scalar(text: str, style: str) -> str:
    if style == "plain":
        return text
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return "|\n" + "".join("      " + line + "\n" for line in text.split("\n"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pattern=PATTERNS, var=PATTERNS, style=st.sampled_from(["plain", "single", "double", "block"]))
@example(pattern="", var="( )", style="plain")  # found by the long budget: an AssertionError in the loader
@example(pattern="a", var="(()())", style="single")
def test_random_patterns_give_positioned_errors_or_load(workspace: Path, pattern: str, var: str, style: str):
    text = (
        "ruleie: 1\n"
        "lexicons: {w: [drone, missile], places: {entries: [Kyiv], mention: Actor}}\n"
        f"vars:\n  v: {_scalar(var, style)}\n"
        "types: {Actor: {kind: mention}, T: {kind: record, fields: {x: str, y: int}}}\n"
        "rules:\n"
        f"  - name: r\n    type: T\n    pattern: {_scalar(pattern, style)}\n"
    )
    path = workspace / "random.yaml"
    path.write_text(text, encoding="utf-8")
    assert_only_positioned_errors("random.yaml")
    COUNTS["patterns"] = COUNTS.get("patterns", 0) + 1


@given(data=st.binary(max_size=200), prefix=st.sampled_from([b"", b"ruleie: 1\n", b"ruleie: 1\nrules:\n  - "]))
def test_random_bytes_as_a_rule_file(tmp_path_factory, data: bytes, prefix: bytes):
    path = tmp_path_factory.mktemp("bytes") / "b.yaml"
    path.write_bytes(prefix + data)
    assert_only_positioned_errors(str(path))
    COUNTS["bytes"] = COUNTS.get("bytes", 0) + 1


def teardown_module(module) -> None:
    """With RULEIE_FUZZ_REPORT=FILE, write how many examples each test ran (for docs/reliability.md)."""
    report = os.environ.get("RULEIE_FUZZ_REPORT")
    if report:
        import json

        Path(report).write_text(json.dumps(COUNTS, indent=2) + "\n", encoding="utf-8")
