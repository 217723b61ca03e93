"""ruleie: rule-based information extraction — a token-pattern language and engine for news text."""

from __future__ import annotations

from importlib import import_module as _import_module
from typing import TYPE_CHECKING

from ._version import __version__

from .api import check_rules, load_rules, shipped_rules
from .text.document import Document, Mention, Token, annotate
from .engine.ruleset import DocumentResult, RuleSet
from .errors import Diagnostic, PatternError, PatternSyntaxError, RuleFileError, RuleieError
from .engine.records import FieldValue, Record

if TYPE_CHECKING:
    from .language.parser import parse_pattern
    from .language.pattern import Match, Pattern, compile, findall, finditer, search

# The single-pattern surface brings the grammar's parser (lark) with it; it is imported on
# first use, so that ``ruleie run`` on cached rules, which parses no pattern, starts without it.
_PATTERN_SURFACE = {"parse_pattern": "parser", "Match": "pattern", "Pattern": "pattern", "compile": "pattern",
                    "findall": "pattern", "finditer": "pattern", "search": "pattern"}


def __getattr__(name: str) -> object:
    module = _PATTERN_SURFACE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(f".language.{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PATTERN_SURFACE))

__all__ = [
    "__version__",
    "compile",
    "finditer",
    "search",
    "findall",
    "Pattern",
    "Match",
    "parse_pattern",
    "load_rules",
    "check_rules",
    "shipped_rules",
    "RuleSet",
    "DocumentResult",
    "Record",
    "FieldValue",
    "Document",
    "Token",
    "Mention",
    "annotate",
    "RuleieError",
    "PatternSyntaxError",
    "PatternError",
    "RuleFileError",
    "Diagnostic",
]
