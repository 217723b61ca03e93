#!/usr/bin/env python3
"""Run every evaluation of docs/accuracy.md and print its results table.

    python scripts/eval_dev.py              # all sets found under ../shared
    python scripts/eval_dev.py --shared DIR # another location of the shared folder
    python scripts/eval_dev.py --half write     # only the documents rules may be written on
    python scripts/eval_dev.py --half held-out  # only the documents kept for measuring

A document goes to a half by the sha1 of its id (even: `write`, odd: `held-out`), the same
split as scripts/eval_voa_halves.py: stable, and independent of the file's order.

Each row is one `ruleie eval` command (printed above the table), run on the shipped pack.
Sets that are not present are skipped with a note; nothing here is needed by the tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = "000_ae1460fd50e7771e"

# (label, gold relative to shared/, docs (relative to shared/ or to the repo with "repo:"), options, types)
EVALUATIONS = [
    ("seed article", f"gold/{SEED}.jsonl", f"repo:seeds/{SEED}.txt", [], ["Strike", "Statement", "Meeting"]),
    ("PolNeAR dev", "dev/polnear/gold.jsonl", "dev/polnear/docs.jsonl", [], ["Statement"]),
    ("WikiEvents dev", "dev/wikievents/gold.jsonl", "dev/wikievents/docs.jsonl", ["--recall-only"], ["Strike", "Statement", "Meeting"]),
    ("RAMS dev (exact lines)", "dev/rams/gold.jsonl", "dev/rams/docs.jsonl", ["--recall-only", "--exact-only"], ["Strike", "Statement", "Meeting"]),
]


def half_of(doc_id: str) -> str:
    return "write" if hashlib.sha1(doc_id.encode()).digest()[0] % 2 == 0 else "held-out"


# RAMS Meeting lines whose trigger is a debate or an interview: not diplomatic meetings,
# so the Meeting target leaves them out (neither a hit nor a miss).
NOT_DIPLOMATIC = re.compile(r"debat|interview", re.I)


def _keep_gold(line: dict, half: str | None, label: str) -> bool:
    if half is not None and half_of(line["doc"]) != half:
        return False
    if label.startswith("RAMS") and line.get("type") == "Meeting":
        trigger = (line.get("fields") or {}).get("trigger") or ""
        return not NOT_DIPLOMATIC.search(trigger)
    return True


def _filtered(path: Path, keep, folder: Path) -> Path:
    """A copy of a JSONL file with only the lines keep() accepts."""
    out = folder / f"{len(list(folder.iterdir()))}-{path.name}"
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for raw in src:
            if raw.strip() and keep(json.loads(raw)):
                dst.write(raw)
    return out


def _ruleie() -> list[str]:
    exe = shutil.which("ruleie")
    return [exe] if exe else [sys.executable, "-m", "ruleie"]


# Verbs of saying (forms): a PolNeAR cue made of none of these is an attribution of belief,
# intention, evidence or action, which our Statement does not cover.
SPEECH_CUES = frozenset("""
say says said saying tell tells told telling write wrote writes written warn warned warns announce announced
announces report reported reports claim claimed claims claiming accuse accused call called calls add added adds
adding insist insisted deny denied denies confirm confirmed state stated states declare declared stress stressed
note noted notes explain explained argue argued argues arguing acknowledge acknowledged admit admitted allege
alleged assert asserted predict predicted suggest suggested vow vowed pledge pledged promise promised promising
threaten threatened urge urged urges reply replied respond responded tweet tweeted comment commented emphasize
emphasized reiterate reiterated recall recalled ask asked asks asking according
""".split())


def polnear_breakdown(report: dict) -> None:
    """Misses of the PolNeAR Statement evaluation by kind of gold cue, and recall on speech cues only."""
    kinds: dict[str, int] = {}
    for miss in report.get("misses", []):
        fields = miss["gold"]["fields"]
        cue = [w.strip(":").lower() for w in (fields.get("verb") or "").split()]
        speaker = (fields.get("speaker") or "").lower()
        if not cue:
            kind = "no cue (colon label, headline)"
        elif not any(w in SPEECH_CUES for w in cue):
            kind = "cue is not a verb of saying (belief, intention, evidence, action)"
        elif speaker in ("who", "which", "that"):
            kind = "verb of saying, relative-pronoun speaker"
        elif speaker in ("he", "she", "they", "i", "we", "it", "you", "his", "her", "its"):
            kind = "verb of saying, pronoun speaker"
        else:
            kind = "verb of saying, named or noun-phrase speaker"
        kinds[kind] = kinds.get(kind, 0) + 1
    print("\nPolNeAR misses by kind of gold cue:")
    for kind, n in sorted(kinds.items(), key=lambda x: -x[1]):
        print(f"  {n:5d}  {kind}")
    score = next(s for s in report["scores"] if s["type"] == "Statement")
    speech_misses = sum(n for k, n in kinds.items() if k.startswith("verb of saying"))
    tp, fp = score["tp"], score["fp"]
    recall = tp / (tp + speech_misses) if tp + speech_misses else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"  speech cues only: recall {recall:.3f}, F1 {f1:.3f} (precision {precision:.3f} unchanged)")
    span_convention(report, score)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().strip(" ,"))


def span_convention(report: dict, score: dict) -> None:
    """Misses that are only a speaker-span convention: PolNeAR's speaker includes the apposition.

    PolNeAR gives "Victor Cha, a Korea scholar at the Center for …" as the speaker; RECORDS.md puts
    the name in `speaker` and the apposition in `speaker_title`. When the apposition is long, the
    name alone covers less than a third of the gold speaker and the pair scores as one miss and one
    false positive. This counts the pairs (a false positive in a gold record's sentence whose speaker
    text lies inside that record's speaker) and prints the scores with them counted as matches. A
    diagnostic only: the table above keeps the scores of `ruleie eval`.
    """
    fps = report.get("false_positives", [])
    used: set[int] = set()
    pairs = 0
    for miss in report.get("misses", []):
        gold = miss["gold"]
        gold_speaker = _norm(gold["fields"].get("speaker") or "")
        if not gold_speaker:
            continue
        for i, fp in enumerate(fps):
            pred = fp["pred"]
            if i in used or pred["doc"] != gold["doc"] or pred["end"] <= gold["start"] or pred["start"] >= gold["end"]:
                continue
            speaker = _norm(((pred["fields"].get("speaker") or {}).get("text")) or "")
            if len(speaker) > 2 and speaker in gold_speaker:
                used.add(i)
                pairs += 1
                break
    tp, fp, fn = score["tp"], score["fp"], score["fn"]
    p = (tp + pairs) / (tp + fp) if tp + fp else 0.0
    r = (tp + pairs) / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"  speaker-span convention (name found, gold speaker adds a long apposition): {pairs} miss/false-positive pairs;"
          f" counted as matches: P {p:.3f} R {r:.3f} F1 {f1:.3f}")


def print_errors(report: dict, n: int) -> None:
    """Misses and false positives of one report, with the sentence and the fields."""
    def short(fields: dict) -> str:
        out = []
        for k, v in (fields or {}).items():
            if isinstance(v, dict):
                v = v.get("text")
            if v not in (None, "", []):
                out.append(f"{k}={str(v)[:60]!r}")
        return " ".join(out)
    for miss in report.get("misses", [])[:n]:
        g = miss["gold"]
        print(f"  MISS {g['doc']} [{g.get('type')}] {g.get('sentence', '')[:300]!r}\n       gold: {short(g.get('fields'))}")
    for fp in report.get("false_positives", [])[:n]:
        p = fp["pred"]
        print(f"  FP   {p['doc']} [{p.get('type')}] {p.get('rule')} {p.get('text', '')[:300]!r}\n       pred: {short(p.get('fields'))}")


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--half", choices=["write", "held-out"], help="score only this half of each dev set")
    ap.add_argument("--errors", type=int, default=0, metavar="N",
                    help="print at most N misses and N false positives per set (write half only)")
    ap.add_argument("--only", metavar="TEXT", help="run only the sets whose label contains TEXT")
    args = ap.parse_args(argv)
    if args.errors and args.half != "write":
        ap.error("--errors is for the write half only (--half write): held-out errors are not read")
    folder = Path(tempfile.mkdtemp(prefix="ruleie-eval-dev-"))
    rows = []
    breakdown = None
    for label, gold, docs, options, types in EVALUATIONS:
        if args.only and args.only.lower() not in label.lower():
            continue
        gold_path = args.shared / gold
        docs_path = ROOT / docs[5:] if docs.startswith("repo:") else args.shared / docs
        if not gold_path.exists() or not docs_path.exists():
            print(f"skipped {label}: {gold_path} or {docs_path} not found", file=sys.stderr)
            continue
        if not docs.startswith("repo:"):
            gold_path = _filtered(gold_path, lambda g, label=label: _keep_gold(g, args.half, label), folder)
            if args.half is not None:
                docs_path = _filtered(docs_path, lambda d: half_of(d["id"]) == args.half, folder)
        cmd = _ruleie() + ["eval", "--json", "--errors", "-1", "--gold", str(gold_path), *options]
        for t in types:
            cmd += ["--type", t]
        cmd.append(str(docs_path))
        shown_docs = docs[5:] if docs.startswith("repo:") else f"../shared/{docs}"
        shown = " ".join(["ruleie", "eval", "--gold", f"../shared/{gold}", *options, *[f"--type {t}" for t in types], shown_docs])
        print(f"$ {shown}" + (f"   (half: {args.half})" if args.half and not docs.startswith("repo:") else ""))
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            print(done.stderr, file=sys.stderr)
            return done.returncode
        report = json.loads(done.stdout)
        per_type = {s["type"]: s for s in report.get("scores", [])}
        if label.startswith("PolNeAR"):
            breakdown = report
        if args.errors:
            print_errors(report, args.errors)
        for t in types:
            s = per_type.get(t)
            if s is None:
                continue
            rows.append((label, t, s.get("precision"), s.get("recall"), s.get("f1"), s.get("field_accuracy"),
                         s.get("tp"), s.get("fp"), s.get("fn"), "recall-only" if "--recall-only" in options else ""))
    print()
    print(f"| set | type | P | R | F1 | field acc. | tp | fp | fn | |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, t, p, r, f1, fa, tp, fp, fn, note in rows:
        print(f"| {label} | {t} | {_fmt(p)} | {_fmt(r)} | {_fmt(f1)} | {_fmt(fa)} | {tp} | {fp} | {fn} | {note} |")
    if breakdown is not None:
        polnear_breakdown(breakdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
