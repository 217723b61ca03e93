"""The README's examples work as written: the rule file, the re-like snippet, the library lines."""

from __future__ import annotations

import os
import re
from pathlib import Path

import ruleie
from ruleie.tools.examples import run_examples

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_the_readme_rule_file_loads_checks_clean_and_passes_its_examples(tmp_path):
    [yaml_text] = blocks("yaml")
    path = tmp_path / "seizure.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    assert [d for d in ruleie.check_rules(path) if d.severity == "error"] == []
    rules = ruleie.load_rules(path)
    results = run_examples(rules)
    assert results and all(r.ok for r in results), [r.describe() for r in results if not r.ok]


def test_the_readme_python_snippets_run(tmp_path, capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)  # the library example opens seeds/… relative to the repository
    try:
        for code in blocks("python"):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out
    assert "Strike" in printed or "Statement" in printed


def test_the_quickstart_has_exactly_two_commands_and_ci_runs_the_second():
    quickstart = README[README.index("## Quickstart") :]
    [commands] = re.findall(r"```sh\n(.*?)```", quickstart, flags=re.S)[:1]
    lines = [line for line in commands.splitlines() if line.strip()]
    assert len(lines) == 2
    assert "ruleie run seeds/000_ae1460fd50e7771e.txt" in lines[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == lines[1]
