"""--jobs N: the same records in the same order as one process; a dying worker loses nothing."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
from pathlib import Path

import pytest

import ruleie.parallel as parallel
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
