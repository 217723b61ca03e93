"""--jobs N: the same records in the same order as one process; a dying worker loses nothing."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
from pathlib import Path

import pytest

import ruleie.engine.ruleset
import ruleie.scale.parallel as parallel
from robust_helpers import HOSTILE_RULES, MINI_DOCS, MINI_RULES, SEED, STRIKE, records
from robust_helpers import run as run_cli
from ruleie.cli import main

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "engine" / "mini.yaml"
TEXTS = ["Russia launched {n} missiles at dawn and two were killed.", "Ukraine met Russia.", "Nothing here {n}."]


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    path = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": f"d{n:03d}", "text": TEXTS[n % 3].format(n=n + 1)}) for n in range(120)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--rules", str(MINI), "--no-progress", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_jobs_give_byte_identical_output(docs: Path):
    one = run(str(docs))
    for jobs in ("2", "3"):
        assert run("-j", jobs, str(docs)) == one
    assert one[0] == 0 and one[1]


needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the test plants a crash through fork"
)


_REAL_EXTRACT_CHUNK = parallel._extract_chunk


def _dies_on_d007(chunk):  # module level, so the pool can name it; the forked workers inherit it
    if any(doc_id == "d007" for doc_id, _, _ in chunk):
        os._exit(3)
    return _REAL_EXTRACT_CHUNK(chunk)


@needs_fork
def test_a_worker_that_dies_is_reported_and_the_other_documents_are_kept(docs: Path, monkeypatch):
    monkeypatch.setattr(parallel, "_extract_chunk", _dies_on_d007)
    code, out, err = run("-j", "2", str(docs))
    assert code == 1
    assert "d007" not in {json.loads(line)["doc"] for line in out.splitlines()}
    assert "docs.jsonl:8: a worker process died while processing this document" in err
    _, expected, _ = run(str(docs))
    kept = [line for line in expected.splitlines() if json.loads(line)["doc"] != "d007"]
    assert out.splitlines() == kept


# ---------------------------------------------------------------------------
# More: every kind of document and three rule sets, an output file, a worker that dies once.

KILL = "KILL-THE-WORKER"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Many documents of every kind, good and bad, in a directory and in JSON Lines."""
    root = tmp_path_factory.mktemp("jobs")
    (root / "a_seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "b_bad.txt").write_bytes(b"\xff\xfe\x00 binary")
    (root / "c_empty.txt").write_text("", encoding="utf-8")
    lines = MINI_DOCS.read_text(encoding="utf-8").splitlines() + ["not json"]
    lines += [json.dumps({"id": f"s{i}", "text": f"{STRIKE} Putin fired {i + 1} rockets at Odesa, officials said."})
              for i in range(150)]
    (root / "d_docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _run(*args: object, tmp_path: Path) -> tuple[int, str, str, str]:
    errors = tmp_path / f"errors-{len(list(tmp_path.iterdir()))}.jsonl"
    code, out, err = run_cli(*args, "--errors", errors)
    return code, out, err, errors.read_text(encoding="utf-8")


@pytest.mark.parametrize("rules", [MINI_RULES, HOSTILE_RULES, None], ids=["mini", "hostile", "shipped"])
@pytest.mark.parametrize("jobs", ["2", "3"])
def test_same_records_in_the_same_order_as_one_process(corpus: Path, tmp_path: Path, rules, jobs: str):
    rule_args = ["--rules", rules] if rules else []
    one = _run("run", *rule_args, corpus, tmp_path=tmp_path)
    many = _run("run", *rule_args, "--jobs", jobs, corpus, tmp_path=tmp_path)
    assert one[0] == many[0] == 1  # b_bad.txt and "not json" fail in both
    assert many[1] == one[1] and one[1]
    assert many[3] == one[3]


def test_jobs_with_output_file_and_time_budget(corpus: Path, tmp_path: Path):
    a, b = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    assert run_cli("run", "--rules", HOSTILE_RULES, "--time-budget", "30", "-o", a, corpus)[0] == 1
    assert run_cli("run", "--rules", HOSTILE_RULES, "--time-budget", "30", "--jobs", "2", "-o", b, corpus)[0] == 1
    assert a.read_bytes() == b.read_bytes()


def _plant_worker_killer(monkeypatch: pytest.MonkeyPatch, once_marker: Path | None) -> None:
    """Workers (forked from this process) SIGKILL themselves on a document containing KILL:
    every time, or only the first time when ``once_marker`` is given."""
    parent = os.getpid()
    original = ruleie.engine.ruleset.RuleSet.extract

    def extract(self, text, doc_id=""):
        if os.getpid() != parent and isinstance(text, str) and KILL in text:
            if once_marker is None or not once_marker.exists():
                if once_marker is not None:
                    once_marker.write_text("killed once", encoding="utf-8")
                os.kill(os.getpid(), signal.SIGKILL)
        return original(self, text, doc_id=doc_id)

    monkeypatch.setattr(ruleie.engine.ruleset.RuleSet, "extract", extract)


def _killer_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "k.jsonl"
    docs = [{"id": f"k{i}", "text": f"Russia launched {i + 1} drones at Kyiv."} for i in range(60)]
    docs[23]["text"] += f" {KILL}"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


@needs_fork
def test_a_worker_that_dies_once_loses_nothing(monkeypatch, tmp_path: Path):
    path = _killer_corpus(tmp_path)
    code, expected, _ = run_cli("run", "--rules", HOSTILE_RULES, path)
    assert code == 0
    _plant_worker_killer(monkeypatch, tmp_path / "killed-once")
    code, out, err = run_cli("run", "--rules", HOSTILE_RULES, "--jobs", "2", path)
    assert (tmp_path / "killed-once").exists(), "the fault was never triggered"
    assert code == 0, err
    assert out == expected  # the document was retried, and everything is in order


@needs_fork
def test_a_document_that_always_kills_its_worker_is_listed_and_the_rest_processed(monkeypatch, tmp_path: Path):
    path = _killer_corpus(tmp_path)
    _plant_worker_killer(monkeypatch, None)
    errors = tmp_path / "errors.jsonl"
    code, out, err = run_cli("run", "--rules", HOSTILE_RULES, "--jobs", "2", "--errors", errors, path)
    assert code == 1
    assert [r["doc"] for r in records(out)] == [f"k{i}" for i in range(60) if i != 23]
    [failure] = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert failure["doc"] == "k23" and "worker" in failure["error"]
    assert "k23" in err or "k.jsonl:24" in err
