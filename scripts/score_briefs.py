"""Score the invented brief sets (scripts/synthetic_briefs), per set and per half, in one table.

    python scripts/score_briefs.py                      # the shipped pack
    python scripts/score_briefs.py --rules OLD/news.yaml # another rule file, e.g. a past commit's:
        git archive COMMIT rules | tar -x -C /tmp/old && python scripts/score_briefs.py --rules /tmp/old/rules/news.yaml
    python scripts/score_briefs.py --half held-out --sets bf bg bk bl bm   # a group: its "all" line pools them
    python scripts/score_briefs.py --half held-out --except bf bg bk bl bm # every set of the half but these

Each half goes through the VOA dev set's scorer (`../shared/dev/voa/score_sentences.py`), which
takes a ruleie command; for `--rules` that command is a two-line wrapper that adds the option to
`ruleie run`. Printed: F1 per type for every set, then for all sets of the half. Held-out sets are
for measuring only: `--list` prints misses of the write half alone.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEFS = ROOT / "scripts" / "synthetic_briefs"
SCORER = ROOT.parent / "shared" / "dev" / "voa" / "score_sentences.py"
TYPES = ("Strike", "Statement", "Meeting")
_ROW = re.compile(r"^  (Strike|Statement|Meeting)\s.*?(\S+)\s*$")


def _command(rules: Path | None, folder: Path) -> str:
    """The ruleie command the scorer runs: the installed one, or a wrapper that adds ``--rules``."""
    ruleie = shutil.which("ruleie") or sys.exit("score_briefs: the ruleie command is not installed")
    if rules is None:
        return ruleie
    wrapper = folder / "ruleie"
    wrapper.write_text(f'#!/bin/sh\nsub=$1; shift\nexec {shlex.quote(ruleie)} "$sub" --rules {shlex.quote(str(rules))} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def _group(half: str, sets: list[str], folder: Path) -> Path | None:
    """A folder of links to the named sets of one half (None when the half holds none of them)."""
    group = folder / f"group-{half}"
    group.mkdir()
    found = [name for name in sets if (BRIEFS / half / name).is_dir()]
    for name in found:
        (group / name).symlink_to(BRIEFS / half / name)
    return group if found else None


def score_half(half: str, command: str, listing: int, where: Path | None = None) -> dict[str, dict[str, str]]:
    """{set name (or "all"): {type: F1}} from the scorer's report on one half (or on ``where``, a group of its sets)."""
    # (the scorer exits 1 when a type misses the VOA target: a score, not a failure)
    done = subprocess.run([sys.executable, str(SCORER), command, "--dir", str(where or BRIEFS / half), "--list", str(listing)],
                          capture_output=True, text=True)
    if "overall" not in done.stdout:
        sys.exit(f"score_briefs: the scorer failed on {half}:\n{done.stderr or done.stdout}")
    if listing:
        print(done.stdout)
    scores: dict[str, dict[str, str]] = {}
    current = None
    for line in done.stdout.splitlines():
        if line.startswith("overall"):
            current = "all"
        elif re.fullmatch(r"[a-z]+", line):
            current = line
        else:
            row = _ROW.match(line)
            if row and current is not None:
                scores.setdefault(current, {})[row.group(1)] = row.group(2)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=Path, help="rule file to score (default: the shipped pack)")
    parser.add_argument("--half", choices=("write", "held-out", "both"), default="both")
    parser.add_argument("--list", type=int, default=0, metavar="N", help="list N misses and false positives (write half only)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--sets", nargs="+", metavar="NAME", help="score only these sets; the \"all\" line then pools them")
    group.add_argument("--except", dest="skip", nargs="+", metavar="NAME", help="score every set but these")
    args = parser.parse_args(argv)
    named = args.sets or args.skip or ()
    unknown = [name for name in named if not any((BRIEFS / half / name).is_dir() for half in ("write", "held-out"))]
    if unknown:
        sys.exit(f"score_briefs: no set named {', '.join(unknown)} under {BRIEFS}")
    if not SCORER.exists():
        sys.exit(f"score_briefs: {SCORER} not found (the shared dev sets sit beside the project)")
    halves = ("write", "held-out") if args.half == "both" else (args.half,)
    with tempfile.TemporaryDirectory(prefix="ruleie-briefs-") as folder:
        command = _command(args.rules.resolve() if args.rules else None, Path(folder))
        for half in halves:
            sets = args.sets or (sorted(p.name for p in (BRIEFS / half).iterdir() if p.is_dir() and p.name not in args.skip)
                                 if args.skip else None)
            where = _group(half, sets, Path(folder)) if sets is not None else None
            if sets is not None and where is None:
                continue
            scores = score_half(half, command, args.list if half == "write" else 0, where)
            print(f"{half:<9} {'':>4}" + "".join(f"{t:>11}" for t in TYPES))
            for name in sorted(k for k in scores if k != "all") + ["all"]:
                if name in scores:
                    print(f"{'':<9} {name:>4}" + "".join(f"{scores[name].get(t, '-'):>11}" for t in TYPES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
