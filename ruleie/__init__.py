"""ruleie: rule-based information extraction — a token-pattern language and engine for news text."""

from __future__ import annotations

from ._version import __version__

from .api import check_rules, load_rules, shipped_rules
from .text.document import Document, Mention, Token, annotate
from .engine.ruleset import DocumentResult, RuleSet
from .errors import Diagnostic, PatternError, PatternSyntaxError, RuleFileError, RuleieError
from .language.parser import parse_pattern
from .language.pattern import Match, Pattern, compile, findall, finditer, search
from .engine.records import FieldValue, Record

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
