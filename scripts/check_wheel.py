"""Check that a built wheel carries what ruleie needs at run time (CI runs this).

    python scripts/check_wheel.py dist/ruleie-*.whl [--pure]

Every file of the package (``ruleie/``, models and schemas included), the grammar and
the shipped rule packs under ``ruleie/_data/``, and, unless ``--pure``, the compiled
matcher core (``ruleie/language/_corevm.*``) and layer kernels (``ruleie/text/_layercore.*``)
with a platform tag on the wheel.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTENSIONS = ("ruleie/language/_corevm.", "ruleie/text/_layercore.")  # hatch_build.MODULES


def expected_files() -> set[str]:
    """What the source tree says the wheel must hold (files git tracks or would track)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "ruleie", "grammars", "rules"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    names = set()
    for name in listed:
        if not (ROOT / name).is_file():
            continue  # deleted in the working tree
        if name.startswith(("grammars/", "rules/")):
            names.add("ruleie/_data/" + name)
        else:
            names.add(name)
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--pure", action="store_true", help="the wheel was built without the extension on purpose")
    args = parser.parse_args()
    with zipfile.ZipFile(args.wheel) as archive:
        names = set(archive.namelist())
        wheel_info = next(n for n in names if n.endswith(".dist-info/WHEEL"))
        tags = archive.read(wheel_info).decode()
    problems = sorted(f"missing: {name}" for name in expected_files() - names)
    extension = [n for n in sorted(names) if n.startswith(EXTENSIONS) and n.endswith((".so", ".pyd"))]
    if not args.pure:
        for prefix in EXTENSIONS:
            if not any(n.startswith(prefix) for n in extension):
                problems.append(f"missing: the compiled extension {prefix}*.so")
        if "Root-Is-Purelib: false" not in tags or "-none-any" in tags:
            problems.append("the wheel is not tagged for a platform:\n" + tags)
    for problem in problems:
        print(f"{args.wheel.name}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{args.wheel.name}: {len(names)} files, the package, its data" + ("" if args.pure else " and " + ", ".join(extension)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
