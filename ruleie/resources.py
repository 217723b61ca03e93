"""Where the grammar and the shipped rule packs live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
# A wheel carries grammars/ and rules/ inside the package (see pyproject.toml);
# a source checkout (or an editable install) has them beside the package.
_CANDIDATE_ROOTS = (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent)


def data_path(name: str) -> Path:
    """The directory ``grammars`` or ``rules``, wherever this installation keeps it."""
    for root in _CANDIDATE_ROOTS:
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ruleie installation is missing its {name}/ directory")


def grammar_text() -> str:
    return (data_path("grammars") / "pattern.lark").read_text(encoding="utf-8")


def shipped_rules_path() -> Path:
    """The entry file of the shipped rule pack."""
    return data_path("rules") / "news.yaml"
