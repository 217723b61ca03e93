#!/usr/bin/env python3
"""The VOA dev briefs, split in two fixed halves: write rules on one, measure on the other.

    python scripts/eval_voa_halves.py                 # both halves, side by side
    python scripts/eval_voa_halves.py --half write --list 20   # misses and false positives to work on
    python scripts/eval_voa_halves.py --half held-out          # measure only: never read its errors

A brief goes to a half by the sha1 of its id (even: `write`, odd: `held-out`), so the split
never changes and does not follow the folders' topics. Each half is scored by the set's own
`score_sentences.py` (shipped packs, whole briefs through `ruleie run`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOA = ROOT.parent / "shared" / "dev" / "voa"


def half_of(doc_id: str) -> str:
    return "write" if hashlib.sha1(doc_id.encode()).digest()[0] % 2 == 0 else "held-out"


def _subset(voa: Path, half: str, into: Path) -> None:
    for folder in sorted(p for p in voa.iterdir() if (p / "docs.jsonl").exists()):
        (into / folder.name).mkdir()
        for name in ("docs.jsonl", "sentences.jsonl"):
            lines = (folder / name).read_text(encoding="utf-8").splitlines()
            key = "id" if name == "docs.jsonl" else "doc"
            kept = [line for line in lines if line.strip() and half_of(json.loads(line)[key]) == half]
            (into / folder.name / name).write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def score(half: str, voa: Path, ruleie: str, listing: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        _subset(voa, half, Path(tmp))
        proc = subprocess.run(
            [sys.executable, str(voa / "score_sentences.py"), ruleie, "--dir", tmp, "--list", str(listing)],
            capture_output=True, text=True,
        )
        return proc.stdout + proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("write", "held-out", "both"), default="both")
    parser.add_argument("--list", type=int, default=0, help="list N misses and false positives (write half only)")
    parser.add_argument("--voa", type=Path, default=VOA)
    args = parser.parse_args()
    if not (args.voa / "score_sentences.py").exists():
        sys.exit(f"eval_voa_halves: no VOA dev set at {args.voa}")
    ruleie = shutil.which("ruleie") or sys.exit("eval_voa_halves: the ruleie command is not installed")
    for half in (("write", "held-out") if args.half == "both" else (args.half,)):
        listing = args.list if half == "write" else 0
        print(f"== {half} half")
        print(score(half, args.voa, ruleie, listing))


if __name__ == "__main__":
    main()
