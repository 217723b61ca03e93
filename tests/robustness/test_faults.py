"""Faults: output is never half-written, and a stopped run says how far it got.

``-o FILE`` writes a temporary file beside FILE and renames it over FILE only when the
run succeeded. Ctrl-C (exit 130), a crash or a full disk leave the previous FILE intact,
remove the temporary file and print how many documents were done.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ruleie.engine.ruleset
import ruleie.io.output
from robust_helpers import HOSTILE_RULES, STRIKE, records, run, run_options, subprocess_env

PREVIOUS = "previous output\n"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": STRIKE}) + "\n" for i in range(10)), encoding="utf-8")
    return path


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "records.jsonl"
    path.parent.mkdir()
    path.write_text(PREVIOUS, encoding="utf-8")
    return path


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name != target.name)


def fail_on_call(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, n: int, error: BaseException) -> None:
    """Make ``owner.name`` raise ``error`` on its n-th call (1-based); earlier calls work."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def test_success_replaces_the_file_and_leaves_nothing_else(docs: Path, target: Path):
    code, _, err = run("run", "--rules", HOSTILE_RULES, "-o", target, docs)
    assert code == 0, err
    assert len(records(target.read_text(encoding="utf-8"))) == 10
    assert leftovers(target) == []
    mode = target.stat().st_mode & 0o777
    assert mode & 0o044 == 0o044 & ~_umask()  # the usual permissions, not mkstemp's 0600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ctrl_c_after_n_documents_keeps_the_previous_file(monkeypatch, docs: Path, target: Path):
    fail_on_call(monkeypatch, ruleie.engine.ruleset.RuleSet, "extract", 4, KeyboardInterrupt())
    code, out, err = run("run", "--rules", HOSTILE_RULES, "-o", target, docs)
    assert code == 130
    assert target.read_text(encoding="utf-8") == PREVIOUS
    assert leftovers(target) == []
    assert f"ruleie: interrupted after 3 documents; {target} left unchanged" in err


def test_ctrl_c_while_writing_to_stdout_says_how_far(monkeypatch, docs: Path):
    fail_on_call(monkeypatch, ruleie.engine.ruleset.RuleSet, "extract", 6, KeyboardInterrupt())
    code, out, err = run("run", "--rules", HOSTILE_RULES, docs)
    assert code == 130
    assert len(records(out)) == 5  # stdout cannot be taken back: it has the first five
    assert "ruleie: interrupted after 5 documents\n" in err


def test_ctrl_c_while_loading_rules(monkeypatch, docs: Path, target: Path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt()

    monkeypatch.setattr("ruleie.cli._load", interrupted)
    code, out, err = run("run", "--rules", HOSTILE_RULES, "-o", target, docs)
    assert code == 130 and "interrupted while loading the rules" in err
    assert target.read_text(encoding="utf-8") == PREVIOUS and leftovers(target) == []


def test_a_crash_mid_run_keeps_the_previous_file_and_says_how_far(monkeypatch, docs: Path, target: Path):
    """A bug outside the per-document guard (here: in the writer) stops the run with a traceback,
    after saying how far it got; -o FILE is untouched."""
    fail_on_call(monkeypatch, ruleie.io.output.RecordWriter, "write", 7, RuntimeError("writer bug"))
    with pytest.raises(RuntimeError, match="writer bug"):
        run("run", "--rules", HOSTILE_RULES, "-o", target, docs)
    assert target.read_text(encoding="utf-8") == PREVIOUS
    assert leftovers(target) == []


def test_a_crash_message_names_the_count(monkeypatch, docs: Path, target: Path, capsys):
    import io

    from ruleie.cli import main

    fail_on_call(monkeypatch, ruleie.io.output.RecordWriter, "write", 7, RuntimeError("writer bug"))
    err = io.StringIO()
    with pytest.raises(RuntimeError):
        main(["run", "--rules", str(HOSTILE_RULES), "-o", str(target), str(docs)], io.StringIO(), err)
    assert err.getvalue().endswith(
        f"ruleie: error: stopped after 6 documents: RuntimeError: writer bug; {target} left unchanged\n")


def test_a_full_disk_is_an_error_not_a_traceback(monkeypatch, docs: Path, target: Path):
    fail_on_call(monkeypatch, ruleie.io.output.RecordWriter, "write", 3,
                 OSError(errno.ENOSPC, "No space left on device"))
    code, out, err = run("run", "--rules", HOSTILE_RULES, "-o", target, docs)
    assert code == 2
    assert "stopped after 2 documents: OSError: [Errno 28] No space left on device" in err
    assert target.read_text(encoding="utf-8") == PREVIOUS and leftovers(target) == []


def test_a_document_that_breaks_the_engine_is_reported_and_the_rest_go_on(monkeypatch, docs: Path, target: Path):
    fail_on_call(monkeypatch, ruleie.engine.ruleset.RuleSet, "extract", 2, RecursionError("maximum recursion depth exceeded"))
    errors = target.parent / "errors.jsonl"
    code, out, err = run("run", "--rules", HOSTILE_RULES, "-o", target, "--errors", errors, docs)
    assert code == 1
    assert [r["doc"] for r in records(target.read_text(encoding="utf-8"))] == [f"d{i}" for i in range(10) if i != 1]
    [failure] = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert failure["doc"] == "d1" and failure["error"] == "RecursionError: maximum recursion depth exceeded"


@pytest.mark.parametrize("option", ["-o", "--errors", "--html"])
def test_an_output_that_cannot_be_opened_is_a_usage_error(tmp_path: Path, docs: Path, target: Path, option: str):
    # A missing option is a failure, never a skip: these outputs are documented (docs/reliability.md).
    assert option in run_options(), f"ruleie run has no {option} option any more"
    missing = tmp_path / "no" / "such" / "dir" / "file"
    args = ["run", "--rules", HOSTILE_RULES, "-o", target, docs]
    args += [option, missing] if option != "-o" else []
    if option == "-o":
        args[args.index(target)] = missing
    code, out, err = run(*args)
    assert code == 2 and "Traceback" not in err
    assert f"{missing}: error: cannot write" in err
    assert target.read_text(encoding="utf-8") == PREVIOUS and leftovers(target) == []


def test_the_errors_file_keeps_failures_so_far_when_interrupted(monkeypatch, tmp_path: Path, target: Path):
    docs = tmp_path / "mixed.jsonl"
    docs.write_text('not json\n{"id": "ok", "text": "x"}\nnot json either\n{"id": "ok2", "text": "y"}\n', encoding="utf-8")
    fail_on_call(monkeypatch, ruleie.engine.ruleset.RuleSet, "extract", 2, KeyboardInterrupt())
    errors = tmp_path / "errors.jsonl"
    code, _, _ = run("run", "--rules", HOSTILE_RULES, "-o", target, "--errors", errors, docs)
    assert code == 130
    assert [json.loads(line)["doc"] for line in errors.read_text(encoding="utf-8").splitlines()] == ["mixed:1", "mixed:3"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_real_sigint_to_a_running_process(tmp_path: Path, target: Path):
    """SIGINT to `ruleie run -o FILE` once output has started: exit 130, FILE intact, no temporary file."""
    docs = tmp_path / "big.jsonl"
    pad = "q" * 3000
    with open(docs, "w", encoding="utf-8") as handle:
        for i in range(40_000):  # ~120 MB: the run takes far longer than the wait for its first output
            handle.write(json.dumps({"id": f"d{i}", "text": f"{STRIKE} {pad}{i}"}) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ruleie", "run", "--rules", str(HOSTILE_RULES), "-o", str(target), str(docs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=subprocess_env(),
        # A shell starts background jobs with SIGINT ignored, and Python keeps an ignored
        # SIGINT ignored: give the child the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            temps = [p for p in target.parent.iterdir() if p.name.startswith(".ruleie-")]
            if temps and temps[0].stat().st_size > 0:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err.decode()[-2000:]
    message = err.decode()
    assert "ruleie: interrupted after " in message and f"{target} left unchanged" in message
    assert "Traceback" not in message
    done = int(message.split("interrupted after ")[1].split()[0])
    assert 0 < done < 40_000
    assert target.read_text(encoding="utf-8") == PREVIOUS
    assert leftovers(target) == []
