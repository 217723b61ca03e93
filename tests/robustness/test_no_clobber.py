"""No run destroys earlier results, and no document holds a run hostage (docs/reliability.md).

Every test runs ``python -m ruleie`` in a real subprocess against an ``-o`` file that
already holds yesterday's results, and checks the file byte for byte afterwards.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from robust_helpers import HOSTILE_RULES, STRIKE, run_subprocess

YESTERDAY = b'{"doc": "yesterday", "type": "Strike"}\n'


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "good1.txt").write_text(STRIKE, encoding="utf-8")
    (tmp_path / "good2.txt").write_text("Putin fired 2 rockets at Odesa.", encoding="utf-8")
    (tmp_path / "out.jsonl").write_bytes(YESTERDAY)
    return tmp_path


def _ruleie(work: Path, *argv: object, timeout: float = 300):
    proc = run_subprocess(["run", "--rules", HOSTILE_RULES, "--no-progress", *argv], cwd=work, timeout=timeout)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def _untouched(work: Path) -> None:
    assert (work / "out.jsonl").read_bytes() == YESTERDAY
    assert not [p.name for p in work.iterdir() if p.name.startswith(".")]  # no temporary or lock file left


def test_a_missing_input_alone_leaves_the_output_untouched(work: Path):
    code, out, err = _ruleie(work, "missing.txt", "-o", "out.jsonl")
    assert code == 2 and out == ""
    assert "missing.txt: error: input not found: no such file or directory" in err
    _untouched(work)


def test_a_missing_input_among_good_ones_is_found_before_anything_is_written(work: Path):
    code, _, err = _ruleie(work, "good1.txt", "typo.txt", "good2.txt", "also-missing", "-o", "out.jsonl",
                           "--errors", "errors.jsonl")
    assert code == 2
    assert "typo.txt: error: input not found" in err and "also-missing: error: input not found" in err
    _untouched(work)
    assert not (work / "errors.jsonl").exists()  # not even the errors file was opened


def test_a_run_where_every_document_fails_keeps_the_previous_output(work: Path):
    (work / "bad.jsonl").write_text('{"id": "no-text"}\nnot json\n', encoding="utf-8")
    code, _, err = _ruleie(work, "bad.jsonl", "-o", "out.jsonl")
    assert code == 1
    assert "no document was processed successfully; out.jsonl left unchanged" in err
    _untouched(work)
    (work / "empty").mkdir()
    code, _, err = _ruleie(work, "empty", "-o", "out.jsonl")
    assert code == 1 and "no document in the input; out.jsonl left unchanged" in err
    _untouched(work)


def test_a_run_with_one_good_document_replaces_the_output(work: Path):
    (work / "bad.jsonl").write_text('{"id": "no-text"}\n', encoding="utf-8")
    code, _, _ = _ruleie(work, "bad.jsonl", "good1.txt", "-o", "out.jsonl")
    assert code == 1
    assert [json.loads(line)["doc"] for line in (work / "out.jsonl").read_text().splitlines()] == ["good1"]


@pytest.mark.parametrize("flag", ["-o", "--errors", "--html"])
def test_an_output_that_is_an_input_is_refused(work: Path, flag: str):
    before = (work / "good1.txt").read_bytes()
    code, _, err = _ruleie(work, "good1.txt", "good2.txt", flag, "good1.txt")
    assert code == 2 and f"good1.txt: error: {flag} names an input" in err
    assert (work / "good1.txt").read_bytes() == before
    # the same file under another name (a path through '..') is the same file
    code, _, err = _ruleie(work, f"../{work.name}/good2.txt", flag, "good2.txt")
    assert code == 2 and "names an input" in err


def test_two_outputs_naming_one_file_are_refused(work: Path):
    code, _, err = _ruleie(work, "good1.txt", "-o", "out.jsonl", "--errors", "./out.jsonl")
    assert code == 2 and "-o and --errors name the same file" in err
    _untouched(work)


def test_a_second_run_on_the_same_output_stops_while_the_first_writes(work: Path):
    from ruleie.io.output import OutputLocks

    first = OutputLocks()
    first.take(str(work / "out.jsonl"))  # a run in progress holds the lock
    try:
        code, _, err = _ruleie(work, "good1.txt", "-o", "out.jsonl")
        assert code == 2 and "another ruleie run is writing this file" in err
        assert (work / "out.jsonl").read_bytes() == YESTERDAY
    finally:
        first.release()
    code, _, _ = _ruleie(work, "good1.txt", "-o", "out.jsonl")  # once it is done, runs go ahead
    assert code == 0 and (work / "out.jsonl").read_bytes() != YESTERDAY
    assert not [p.name for p in work.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_an_output_that_is_a_pipe_or_a_device_is_written_in_place(work: Path):
    """Renaming a finished file over a device replaces the device (as root, "-o /dev/null" would
    leave a regular file at /dev/null); a pipe's reader would never see a record. Such an output is
    written directly, unlocked (two runs may share /dev/null), and stays what it was."""
    pipe = work / "records.pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []

    def read() -> None:
        with open(pipe, "rb") as reader:  # blocks until a writer opens the pipe
            received.append(reader.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code, _, err = _ruleie(work, "good1.txt", "good2.txt", "-o", str(pipe), timeout=120)
    if reader.is_alive():  # the run never opened the pipe: open it ourselves, so that the reader ends
        with open(pipe, "wb"):
            pass
    reader.join(10)
    assert code == 0, err
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert [json.loads(line)["doc"] for line in received[0].decode().splitlines()] == ["good1", "good2"]
    assert not [p.name for p in work.iterdir() if p.name.startswith(".")]  # no temporary or lock file
    from ruleie.io.output import OutputLocks

    held = OutputLocks()
    held.take(os.devnull)  # nothing to lock: another run writing to /dev/null meanwhile goes ahead
    try:
        code, _, err = _ruleie(work, "good1.txt", "-o", os.devnull)
        assert code == 0, err
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    finally:
        held.release()


def test_a_slow_document_among_good_ones_is_skipped_and_every_other_record_comes_out(work: Path):
    lines = [{"id": "before", "text": STRIKE},
             {"id": "slow", "text": " ".join(["Russia launched drones"] * 150_000)},
             {"id": "after", "text": "Putin fired 2 rockets at Odesa."}]
    (work / "docs.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    code, _, err = _ruleie(work, "docs.jsonl", "--time-budget", "0.5", "-o", "out.jsonl", "--errors", "errors.jsonl")
    assert code == 1
    found = [json.loads(line) for line in (work / "out.jsonl").read_text().splitlines()]
    assert [r["doc"] for r in found] == ["before", "after"]
    [failure] = [json.loads(line) for line in (work / "errors.jsonl").read_text().splitlines()]
    assert failure["doc"] == "slow" and "time budget of 0.5 s exceeded" in failure["error"]
    assert "docs.jsonl:2: DocumentTimeout: time budget of 0.5 s exceeded" in err
