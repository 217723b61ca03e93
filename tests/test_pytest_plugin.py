"""Rule examples as tests: the pytest plugin, the ruleie_examples fixture and `ruleie test` failures."""

from __future__ import annotations

import io
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from ruleie.cli import main

pytest_plugins = ["pytester"]

TYPES = """
ruleie: 1
lexicons:
  countries: {entries: [Iran, Israel], mention: Country}
types:
  Country: {kind: mention}
  Launch: {fields: {who: mention, verb: str}}
"""

MAIN = """
ruleie: 1
include: [types.yaml]
rules:
  - name: launch
    type: Launch
    pattern: '(?<who> @Country) (?<verb> [lemma=launch])'
    examples:
      - text: Iran launched drones.
        expect: {who: Iran, verb: launched}
      - text: Israel fired rockets.
        expect: {who: Israel}
      - text: The company launched a phone.
        expect: none
"""

PASSING = MAIN.replace("      - text: Israel fired rockets.\n        expect: {who: Israel}\n", "")


def _plugin_args() -> list[str]:
    """The plugin comes with the installed package; a checkout run without installing loads it by name."""
    registered = any(ep.value == "ruleie.tools.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if registered else ["-p", "ruleie.tools.pytest_plugin"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    rules = pytester.mkdir("rules")
    (rules / "types.yaml").write_text(textwrap.dedent(TYPES).lstrip(), encoding="utf-8")
    (rules / "main.yaml").write_text(textwrap.dedent(MAIN).lstrip(), encoding="utf-8")
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_plain.py").write_text("def test_plain():\n    pass\n", encoding="utf-8")
    return pytester


def runpytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider", *args)


def test_the_plugin_is_registered_as_a_pytest11_entry_point():
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.pytest11]\nruleie = "ruleie.tools.pytest_plugin"' in pyproject


def test_nothing_is_collected_unless_asked(project: pytest.Pytester):
    result = runpytest(project)
    result.assert_outcomes(passed=1)


def test_option_collects_every_example_as_an_item(project: pytest.Pytester):
    result = runpytest(project, "--ruleie-examples", "rules", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["rules/main.yaml::launch[[]1[]]", "rules/main.yaml::launch[[]2[]]", "rules/main.yaml::launch[[]3[]]"])
    # types.yaml is included by main.yaml beside it: its rules run through main.yaml, never alone.
    assert "types.yaml" not in result.stdout.str()


def test_a_failing_example_reads_like_ruleie_test(project: pytest.Pytester):
    result = runpytest(project, "--ruleie-examples", "rules")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ rule launch, example 2 _*",
            "rules/main.yaml:10:9: FAILED: rule launch: 'Israel fired rockets.'",
            "    expected who='Israel'",
            '    produced nothing: the rule did not match: it got as far as "Israel" (token 0) and stopped at '
            'token 1 "fired": [[]lemma=launch[]] failed, lemma is "fire"',
            "    see why: ruleie explain --rules rules/main.yaml --rule launch 'Israel fired rockets.'",
            "FAILED rules/main.yaml::launch[[]2[]] - rules/main.yaml:10:9: FAILED: rule launch*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_ini_option_runs_the_examples_with_a_plain_pytest(project: pytest.Pytester):
    project.makeini("[pytest]\ntestpaths = tests\nruleie_rule_files = rules/main.yaml\n")
    result = runpytest(project)
    result.assert_outcomes(passed=3, failed=1)
    # Naming a test file runs only that file.
    runpytest(project, "tests/test_plain.py").assert_outcomes(passed=1)


def test_ini_option_takes_globs(project: pytest.Pytester):
    (project.path / "rules" / "main.yaml").write_text(textwrap.dedent(PASSING).lstrip(), encoding="utf-8")
    project.makeini("[pytest]\ntestpaths = tests\nruleie_rule_files =\n    rules/m*.yaml\n")
    runpytest(project).assert_outcomes(passed=3)


def test_an_ini_entry_that_matches_no_file_is_a_warning(project: pytest.Pytester):
    project.makeini("[pytest]\ntestpaths = tests\nruleie_rule_files = rules/mian.yaml\n")
    result = runpytest(project)
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*ruleie_rule_files: no rule file matches 'rules/mian.yaml'*"])


def test_a_rule_file_that_does_not_load_is_a_clear_collection_error(project: pytest.Pytester):
    (project.path / "rules" / "main.yaml").write_text(
        textwrap.dedent(MAIN).lstrip().replace("pattern:", "patern:"), encoding="utf-8"
    )
    result = runpytest(project, "--ruleie-examples", "rules")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["ruleie could not load *main.yaml:", "*unknown key 'patern' in rule (did you mean 'pattern'?)*"])


def test_a_file_named_on_the_command_line_is_collected_even_if_included(project: pytest.Pytester):
    # types.yaml alone has no rules: no items, and no error.
    result = runpytest(project, "--ruleie-examples", "rules/types.yaml", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_fixture_runs_examples_in_a_users_test(project: pytest.Pytester):
    project.makepyfile(
        test_rules="""
        def test_passing(ruleie_examples):
            results = ruleie_examples("rules/main.yaml", rules=["nothing-here"])
            assert results == []

        def test_failing(ruleie_examples):
            ruleie_examples(["rules/main.yaml"])
        """
    )
    result = runpytest(project, "test_rules.py")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*1 of 3 rule examples failed:*", "rules/main.yaml:10:9: FAILED: rule launch: 'Israel fired rockets.'"])


def test_the_fixture_returns_the_results(project: pytest.Pytester):
    (project.path / "rules" / "main.yaml").write_text(textwrap.dedent(PASSING).lstrip(), encoding="utf-8")
    project.makepyfile(
        test_rules="""
        def test_all(ruleie_examples):
            results = ruleie_examples("rules/main.yaml")
            assert [r.ok for r in results] == [True, True]
        """
    )
    runpytest(project, "test_rules.py").assert_outcomes(passed=1)


# ---------------------------------------------------------------------------
# ruleie test


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "types.yaml").write_text(textwrap.dedent(TYPES).lstrip(), encoding="utf-8")
    (tmp_path / "main.yaml").write_text(textwrap.dedent(MAIN).lstrip(), encoding="utf-8")
    return tmp_path


def test_ruleie_test_reports_file_line_expected_and_produced(here: Path):
    code, out, err = run("test", "main.yaml")
    assert code == 1
    assert out == (
        "main.yaml:10:9: FAILED: rule launch: 'Israel fired rockets.'\n"
        "    expected who='Israel'\n"
        '    produced nothing: the rule did not match: it got as far as "Israel" (token 0) and stopped at '
        'token 1 "fired": [lemma=launch] failed, lemma is "fire"\n'
        "    see why: ruleie explain --rules main.yaml --rule launch 'Israel fired rockets.'\n"
        "ruleie test: 2 passed, 1 failed, 3 examples\n"
    )


def test_ruleie_test_shows_the_fields_that_disagree(here: Path):
    (here / "main.yaml").write_text(
        textwrap.dedent(MAIN).lstrip().replace("expect: {who: Iran, verb: launched}", "expect: {who: Iran, verb: fired}"),
        encoding="utf-8",
    )
    code, out, _ = run("test", "main.yaml", "--rule", "launch")
    assert code == 1
    assert "    expected who='Iran', verb='fired'\n" in out
    assert "    produced 'Iran launched' who='Iran' verb='launched'\n" in out
    assert "    mismatch verb: expected 'fired', got 'launched'\n" in out


def test_ruleie_test_expected_nothing(here: Path):
    (here / "main.yaml").write_text(
        textwrap.dedent(MAIN).lstrip().replace("The company launched a phone.", "Israel launched a phone."), encoding="utf-8"
    )
    _, out, _ = run("test", "main.yaml")
    assert "    expected nothing\n    produced 'Israel launched' who='Israel' verb='launched'\n" in out


def test_ruleie_test_unknown_rule(here: Path):
    code, _, err = run("test", "main.yaml", "--rule", "lunch")
    assert code == 2
    assert "no rule named 'lunch' (did you mean 'launch'?)" in err
