"""The ruleie command through main(argv): outputs, golden files, exit codes, errors."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ruleie.cli import main

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "tests" / "fixtures" / "engine"
CLI = ROOT / "tests" / "fixtures" / "cli"
SEED = ROOT / "seeds" / "000_ae1460fd50e7771e.txt"
UPDATE = os.environ.get("RULEIE_UPDATE_GOLDEN") == "1"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def golden(path: Path, actual: str) -> None:
    """Compare with a golden file; RULEIE_UPDATE_GOLDEN=1 rewrites it (then read the diff)."""
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_run_jsonl_matches_the_golden_output():
    code, out, err = run("run", "--rules", str(ENGINE / "mini.yaml"), str(ENGINE / "docs.jsonl"))
    assert code == 0, err
    golden(ENGINE / "expected.jsonl", out)


def test_check_reports_every_error_with_position_and_caret_and_exits_2():
    code, out, err = run("check", str(CLI / "broken.yaml"))
    assert code == 2
    # The file is named as the user gave it (here relative to the working directory): compare from its name on.
    golden(CLI / "broken.expected.txt", re.sub(r"(?m)^\S*broken\.yaml:", "broken.yaml:", err))
    for needle in ("9:5: error", "11:5: error: unknown key 'patern'", "13:11: error: unknown type 'Strik'",
                   "14:62: error: unknown lexicon 'wepons'", "17:59: error: unclosed `(`"):
        assert needle in err
    assert "Traceback" not in err


def test_run_with_broken_rules_exits_2_without_traceback():
    code, out, err = run("run", "--rules", str(CLI / "broken.yaml"), str(SEED))
    assert code == 2 and out == ""
    assert "error: unknown key 'patern'" in err and "Traceback" not in err


def test_run_on_the_seed_prints_all_three_types_and_offsets_slice_back():
    code, out, err = run("run", str(SEED))
    assert code == 0, err
    text = SEED.read_text(encoding="utf-8")
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["type"] for r in records} == {"Strike", "Statement", "Meeting"}
    for r in records:
        assert r["doc"] == "000_ae1460fd50e7771e"
        assert text[r["start"] : r["end"]] == r["text"]
        for content in r["fields"].values():
            for item in content if isinstance(content, list) else [content]:
                if item is not None:
                    assert text[item["start"] : item["end"]] == item["text"]


def test_formats_csv_and_table():
    code, out, _ = run("run", "--rules", str(ENGINE / "mini.yaml"), "--format", "csv", str(ENGINE / "docs.jsonl"))
    assert code == 0
    header, first = out.splitlines()[:2]
    assert header.startswith("doc,type,rule,start,end,text,")
    assert first.startswith("a1,Talk,talk.met,")
    code, out, _ = run("run", "--rules", str(ENGINE / "mini.yaml"), "--format", "table", str(ENGINE / "docs.jsonl"))
    assert "Attack" in out and "canonical" not in out and "(= Vladimir Putin)" in out


def test_a_bad_document_is_reported_and_the_rest_processed(tmp_path):
    (tmp_path / "good.txt").write_text("Russia launched drones.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"Russia launched \xff\xfe drones")
    (tmp_path / "docs.jsonl").write_text('{"id": "j1", "text": "Ukraine met Russia."}\nnot json\n', encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    code, out, err = run("run", "--rules", str(ENGINE / "mini.yaml"), "--errors", str(errors), str(tmp_path))
    assert code == 1
    assert {json.loads(line)["doc"] for line in out.splitlines()} == {"good", "j1"}
    assert "bad.txt: not valid utf-8" in err and "docs.jsonl:2: invalid JSON" in err
    failures = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [f["doc"] for f in failures] == ["bad", "docs:2"]
    code, out, err = run("run", "--rules", str(ENGINE / "mini.yaml"), "--decode-errors", "replace", str(tmp_path / "bad.txt"))
    assert code == 0


def test_output_file_is_written_atomically(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n", encoding="utf-8")
    code, _, _ = run("run", "--rules", str(ENGINE / "mini.yaml"), "-o", str(target), str(ENGINE / "docs.jsonl"))
    assert code == 0
    assert target.read_text(encoding="utf-8") == (ENGINE / "expected.jsonl").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


@pytest.mark.parametrize("command", ["run", "annotate"])
def test_output_dash_is_standard_output(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    rules = ["--rules", str(ENGINE / "mini.yaml")] if command == "run" else []
    code, out, err = run(command, *rules, "-o", "-", str(ENGINE / "docs.jsonl"))
    assert code == 0, err
    assert out and list(tmp_path.iterdir()) == []
    if command == "run":
        assert out == (ENGINE / "expected.jsonl").read_text(encoding="utf-8")


def test_missing_input_and_usage_errors():
    code, _, err = run("run", "--rules", str(ENGINE / "mini.yaml"), "no/such/file.txt")
    assert code == 2 and "input not found: no such file or directory" in err
    code, _, err = run("run", "--format", "xml", str(SEED))
    assert code == 2 and "invalid choice" in err
    code, _, err = run()
    assert code == 2


def test_parse_prints_the_tree_and_the_program():
    code, out, _ = run("parse", "(?<who> @Person) [lemma=say] that?", "--program")
    assert code == 0
    assert "Capture 'who'" in out and "Mention @Person" in out and "MATCH" in out
    code, _, err = run("parse", "[lemma=say")
    assert code == 2 and "<pattern>:1:11: error: unclosed `[`" in err


def test_test_command_runs_inline_examples(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "ruleie: 1\ntypes:\n  T: {kind: record, fields: {who: str}}\nrules:\n"
        "  - name: t\n    type: T\n    pattern: (?<who> [word=/[A-Z]\\w+/]) left\n    examples:\n"
        "      - {text: Anna left., expect: {who: Anna}}\n      - {text: Bob left., expect: {who: Carl}}\n",
        encoding="utf-8",
    )
    code, out, _ = run("test", str(rules))
    assert code == 1
    assert "1 passed, 1 failed" in out and "r.yaml:10:" in out and "expected who='Carl'" in out


def test_eval_scores_a_predictions_file(tmp_path):
    code, out, _ = run("run", "--rules", str(ENGINE / "mini.yaml"), str(ENGINE / "docs.jsonl"))
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text(out, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"doc": "a2", "type": "Talk", "start": 0, "end": 29, "sentence": "Ukraine met Russia \" quietly.",
                    "fields": {"participants": ["Ukraine", "Russia"]}, "optional": False}) + "\n",
        encoding="utf-8",
    )
    code, out, err = run("eval", "--gold", str(gold), "--predictions", str(predictions), "--type", "Talk")
    assert code == 0, err
    assert "Talk" in out


def test_stdin_and_python_dash_m(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "ruleie", "run", "--rules", str(ENGINE / "mini.yaml"), "-"],
        input="Russia launched drones.".encode(), capture_output=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    [record] = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert record["doc"] == "stdin" and record["type"] == "Attack"
