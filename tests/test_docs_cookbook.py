"""The rule files of docs/cookbook.md and docs/tutorial.md load cleanly and their examples pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ruleie
from ruleie.tools.examples import run_examples

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def rule_files(doc: str) -> list[tuple[str, str]]:
    """(id, text) of every ```yaml block of a document that is a whole rule file."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    found = []
    for m in BLOCK.finditer(text):
        block = m.group(1)
        if re.search(r"^ruleie:", block, re.MULTILINE):
            line = text.count("\n", 0, m.start()) + 2
            found.append((f"{doc}:{line}", block))
    return found


COOKBOOK = rule_files("cookbook.md")
TUTORIAL = rule_files("tutorial.md")


def test_the_cookbook_has_a_recipe_for_each_pattern_the_issue_names():
    text = (DOCS / "cookbook.md").read_text(encoding="utf-8")
    for heading in ("Reported speech", "Passive voice", "Counts", "Apposition", "Lists of participants",
                    "Direct quotes", "Negation and lookaround", "Lexicons or variables?"):
        assert f"\n## {heading}\n" in text
    assert len(COOKBOOK) >= 8


@pytest.mark.parametrize("where, block", COOKBOOK + TUTORIAL, ids=[w for w, _ in COOKBOOK + TUTORIAL])
def test_every_rule_file_in_the_docs_checks_clean_and_its_examples_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, block: str
):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "recipe.yaml"
    path.write_text(block, encoding="utf-8")
    problems = [d.render() for d in ruleie.check_rules(path)]
    assert problems == [], f"{where}:\n" + "\n".join(problems)
    rules = ruleie.load_rules(path)
    results = run_examples(rules)
    assert results, f"{where}: the recipe has no examples"
    failures = [r.describe() for r in results if not r.ok]
    assert failures == [], f"{where}:\n" + "\n".join(failures)
    assert {c.name for c in rules.rules} <= {r.rule.name for r in results}, "every rule has an example"


# ---------------------------------------------------------------------------
# The tutorial, followed step by step as a new user would


def _tutorial_blocks() -> list[tuple[str, str, str]]:
    """(language, text, the prose just before) of every fenced block of the tutorial."""
    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    found, last = [], 0
    for m in re.finditer(r"^```(\w*)\n(.*?)^```\n", text, re.MULTILINE | re.DOTALL):
        found.append((m.group(1), m.group(2), text[last : m.start()]))
        last = m.end()
    return found


def _commands_and_outputs() -> list[tuple[str, str]]:
    """(command, output shown) for every `ruleie` command whose output the tutorial shows."""
    blocks = _tutorial_blocks()
    pairs = []
    for (lang, text, _), (next_lang, next_text, between) in zip(blocks, blocks[1:]):
        if lang == "sh" and next_lang == "" and not between.strip():
            pairs.append((text.strip().splitlines()[-1], next_text))
    return pairs


def _ruleie(command: str) -> tuple[int, str]:
    import io
    import shlex

    from ruleie.cli import main

    argv = shlex.split(command)
    assert argv[0] == "ruleie"
    out, err = io.StringIO(), io.StringIO()
    code = main(argv[1:], out, err)
    return code, err.getvalue() + out.getvalue()


def test_the_tutorial_works_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    blocks = _tutorial_blocks()
    yamls = [text for lang, text, _ in blocks if lang == "yaml"]
    shown = iter(_commands_and_outputs())
    rules = tmp_path / "arrests.yaml"

    def step(expected_command: str, *, exact: bool = True, code: int = 0) -> None:
        command, output = next(shown)
        assert command == expected_command
        got_code, got = _ruleie(command)
        assert got_code == code, got
        if exact:
            assert got == output
        else:
            assert output.replace("  ...\n", "") in got

    # 2. the first rule, and a misspelled key
    rules.write_text(yamls[0], encoding="utf-8")
    step("ruleie check arrests.yaml")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "arrests.yaml").write_text(yamls[0].replace("    pattern: |", "    patern: |"), encoding="utf-8")
    error_block = next(text for lang, text, before in blocks if lang == "" and "`patern`" in before)
    monkeypatch.chdir(tmp_path / "bad")
    assert _ruleie("ruleie check arrests.yaml") == (2, error_block)
    monkeypatch.chdir(tmp_path)

    # 3. explain a match and a miss, then use a lexicon of verbs
    step('ruleie explain --rules arrests.yaml "Police arrested 12 protesters in Tbilisi on Sunday."')
    step('ruleie explain --rules arrests.yaml --rule arrest.police "Police detained 12 protesters in Tbilisi."', exact=False)
    text = rules.read_text(encoding="utf-8")
    text = text.replace("    mention: City\n", "    mention: City\n" + yamls[1]).replace("[lemma=arrest]", "[lemma in arrest_verbs]")

    # 4. examples: one fails, then the fix
    text = text[: text.index("    examples:")] + yamls[2]
    rules.write_text(text, encoding="utf-8")
    step("ruleie test arrests.yaml", code=1)
    text = text[: text.index("    pattern: |")] + yamls[3] + text[text.index("    examples:") :]
    rules.write_text(text, encoding="utf-8")
    step("ruleie test arrests.yaml")
    assert text == yamls[4], "the whole file shown is the file the steps make"

    # 5. and 6. run, and the HTML report
    news = next(text for lang, text, before in blocks if lang == "" and "as `news.txt`" in before)
    (tmp_path / "news.txt").write_text(news, encoding="utf-8")
    step("ruleie run --rules arrests.yaml news.txt")
    code, _ = _ruleie("ruleie run --rules arrests.yaml --html report.html news.txt")
    assert code == 0
    assert (tmp_path / "report.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
