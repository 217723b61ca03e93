"""A whole ``ruleie run`` of the corpus by this checkout against another git revision, side by side.

    python benchmarks/bench_versions.py 35780f6 --pairs 5      # the issue's reference code and pack
    python benchmarks/bench_versions.py HEAD~3 --limit 2000
    python benchmarks/bench_versions.py HEAD~3 --short --pairs 9  # the cached start on one short document

The other revision is checked out in a temporary ``git worktree``, its compiled extensions
(every ``.pyx`` it has) are built there with this checkout's ``hatch_build.compile_extensions``,
and the two versions then run alternately, each its own shipped pack, each from its own
directory: ``python -m ruleie`` imports the package of the directory it runs in before
anything on ``PYTHONPATH``, so a version run from this checkout's directory would be this
checkout's code. Reports the CPU time (user + system) of every run, each pair's ratio (this
checkout / the other) and their median: on a shared machine the pairs vary by a few per cent.
With ``--short`` the run is the start-up benchmark's one short document (bench_startup.py), its
compiled rules cached by the first run, and the time is the wall clock, as the start-up target
is stated.

With ``--callgrind`` each version is counted in instructions instead, which a shared machine's
noise does not move: ``valgrind --tool=callgrind`` runs it once on the corpus's first document and
once on its first ``--limit`` documents (default 1,000), caches warm and the package's ``.pyc``
compiled, and the whole corpus is estimated as one document + (corpus / limit) x (limit - one):

    python benchmarks/bench_versions.py 48be235 --callgrind      # docs/performance.md's session tables
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, SHORT_DOCUMENT  # noqa: E402


def build_extensions(tree: Path) -> list[Path]:
    """Compile the revision's ``.pyx`` modules in place, with this checkout's build code."""
    sys.path.insert(0, str(ROOT))
    import hatch_build

    modules = {
        ".".join(path.relative_to(tree).with_suffix("").parts): path.relative_to(tree)
        for path in sorted((tree / "ruleie").rglob("*.pyx"))
    }
    saved = hatch_build.MODULES
    hatch_build.MODULES = modules
    scratch = Path(tempfile.mkdtemp(prefix="ruleie-ext-"))
    try:
        return list(hatch_build.compile_extensions(tree, scratch, inplace=True).values())
    finally:
        hatch_build.MODULES = saved
        shutil.rmtree(scratch, ignore_errors=True)


def wall_of_run(directory: Path, document: Path) -> float:
    """Wall-clock seconds of one ``python -m ruleie run`` of a document, run in ``directory``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ruleie", "run", "--no-progress", str(document)],
                   cwd=directory, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cpu_of_run(directory: Path, corpus: Path) -> float:
    """CPU seconds (user + system) of one ``python -m ruleie run`` of the corpus, run in ``directory``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # The records go to stdout, thrown away: older revisions renamed their finished output
    # over "-o /dev/null", which as root replaces the device with a regular file.
    subprocess.run(
        [sys.executable, "-m", "ruleie", "run", "--no-progress", "--format", "jsonl", str(corpus)],
        cwd=directory, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions_of_run(directory: Path, document: Path) -> int:
    """Instructions (callgrind's "Collected") of one ``python -m ruleie run`` of a document."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    env.update(PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="ruleie-cg-") as scratch:
        out = Path(scratch) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-m", "ruleie", "run",
             "--no-progress", "--format", "jsonl", str(document)],
            cwd=directory, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split("Collected :")[1].strip())
    raise RuntimeError("callgrind printed no instruction count")


def callgrind_compare(tree: Path, revision: str, work: Path, limit: int) -> None:
    """Both versions in instructions, and the whole corpus estimated from one and ``limit`` documents."""
    if shutil.which("valgrind") is None:
        sys.exit("--callgrind needs valgrind (apt-get install valgrind)")
    with CORPUS.open(encoding="utf-8") as src:
        lines = [line for line in src if line.strip()]
    one, some = work / "one.jsonl", work / "some.jsonl"
    one.write_text(lines[0], encoding="utf-8")
    some.write_text("".join(lines[:limit]), encoding="utf-8")
    scale = len(lines) / min(limit, len(lines))
    wholes = {}
    for name, directory in ((revision, tree), ("this checkout", ROOT)):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([sys.executable, "-m", "compileall", "-q", "ruleie"], cwd=directory, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        cpu_of_run(directory, one)  # the rule-set cache fills
        first, many = instructions_of_run(directory, one), instructions_of_run(directory, some)
        wholes[name] = first + scale * (many - first)
        print(f"{name}: one document {first / 1e9:.3f} G, {min(limit, len(lines))} documents {many / 1e9:.3f} G, "
              f"whole corpus (estimated) {wholes[name] / 1e9:.2f} G")
    print(f"ratio (this checkout / {revision}): {wholes['this checkout'] / wholes[revision]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", help="the git revision to compare with (a commit, tag or HEAD~n)")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--limit", type=int, help="only the first N corpus documents")
    parser.add_argument("--short", action="store_true",
                        help="time the cached start on one short document (wall clock) instead of the corpus")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions under callgrind (one document and --limit documents, default 1,000)")
    args = parser.parse_args()
    if not args.short and not CORPUS.exists():
        sys.exit(f"benchmark corpus not found at {CORPUS}; set RULEIE_CORPUS to a JSONL file of {{id, text}}")

    work = Path(tempfile.mkdtemp(prefix="ruleie-bench-"))
    tree = work / "tree"
    corpus = CORPUS.resolve()
    measure, unit = cpu_of_run, "CPU"
    if args.short:
        corpus = work / "short.txt"
        corpus.write_text(SHORT_DOCUMENT, encoding="utf-8")
        measure, unit = wall_of_run, "wall"
    elif args.limit:
        corpus = work / "corpus.jsonl"
        with CORPUS.open(encoding="utf-8") as src, corpus.open("w", encoding="utf-8") as dst:
            for n, line in enumerate(src):
                if n >= args.limit:
                    break
                dst.write(line)
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), args.revision], cwd=ROOT, check=True)
    try:
        for path in build_extensions(tree):
            print(f"built {path.relative_to(tree)} for {args.revision}", file=sys.stderr)
        if args.callgrind:
            callgrind_compare(tree, args.revision, work, args.limit or 1000)
            return
        # one run each first: the rule-set caches fill, the files are read once
        measure(tree, corpus)
        measure(ROOT, corpus)
        ratios, others, these = [], [], []
        for pair in range(1, args.pairs + 1):
            other = measure(tree, corpus)
            this = measure(ROOT, corpus)
            ratios.append(this / other)
            others.append(other)
            these.append(this)
            print(f"pair {pair}: {args.revision} {other:.2f} s, this checkout {this:.2f} s ({unit}), ratio {this / other:.3f}")
        print(f"median {unit} time: {args.revision} {statistics.median(others):.2f} s, "
              f"this checkout {statistics.median(these):.2f} s")
        print(f"median ratio (this checkout / {args.revision}): {statistics.median(ratios):.3f}")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
