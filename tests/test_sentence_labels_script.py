"""scripts/sentence_labels.py: labels exported without their text rebuild the same scoring layout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "sentence_labels.py"


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=True)
    return done.stdout


def test_export_then_restore_gives_back_the_labelled_sentences(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    texts = {"d1": "Rebels shelled the port on Monday. The mayor said two people died.",
             "d2": "The two leaders met in Kelo. Talks will resume in May."}
    docs.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()), encoding="utf-8")
    out = tmp_path / "lab"
    run("units", str(docs), "--whole", "--half", "write", "--set", "toy", "--out", str(out))
    units = (out / "write-units-0.tsv").read_text(encoding="utf-8").splitlines()
    assert len(units) == 5  # the header and four sentences
    marks = {0: ("yes", "no", "no"), 1: ("borderline", "yes", "no")}
    labelled = [units[0]]
    for line in units[1:]:
        doc, sent, *_rest, text = line.split("\t")
        strike, statement, meeting = marks[int(sent)] if doc == "d1" else ("no", "no", "yes" if sent == "0" else "borderline")
        labelled.append("\t".join([doc, sent, strike, statement, meeting, "", text]))
    (out / "write-labels-0.tsv").write_text("\n".join(labelled) + "\n", encoding="utf-8")
    run("collect", "--out", str(out), "--half", "write", "--set", "toy")
    collected = (out / "write" / "toy" / "sentences.jsonl").read_text(encoding="utf-8")

    labels = tmp_path / "labels.tsv"
    run("export", "--out", str(out), "--half", "write", "--set", "toy", "--to", str(labels), "--comment", "toy set")
    exported = labels.read_text(encoding="utf-8")
    assert "Rebels" not in exported and "mayor" not in exported  # no text leaves with the labels
    again = tmp_path / "again"
    run("restore", str(labels), "--docs", str(docs), "--out", str(again), "--half", "write", "--set", "toy")

    def key(jsonl: str) -> list[tuple]:
        rows = [json.loads(line) for line in jsonl.splitlines() if line.strip()]
        return [(r["doc"], r["sent"], r["start"], r["end"], r["text"], r["types"], r["borderline"]) for r in rows]

    restored = (again / "write" / "toy" / "sentences.jsonl").read_text(encoding="utf-8")
    assert key(restored) == key(collected)
    assert [r[5] for r in key(restored)] == [["Strike"], ["Statement"], ["Meeting"], []]
    for doc, _sent, start, end, text, *_ in key(restored):
        assert texts[doc][start:end] == text


def test_restore_names_documents_it_cannot_find(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    labels.write_text("# a comment\ndoc\tsent\tstart\tend\ttypes\tborderline\nmissing\t0\t0\t4\tStrike\t\n", encoding="utf-8")
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "other", "text": "Text."}) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPT), "restore", str(labels), "--docs", str(docs), "--out",
                           str(tmp_path / "o"), "--half", "held-out", "--set", "s"], capture_output=True, text=True)
    assert done.returncode != 0 and "missing" in done.stderr
