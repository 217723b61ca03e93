"""ruleie: rule-based information extraction — a token-pattern language and engine for news text."""

from __future__ import annotations

__version__ = "0.1.0"

from .api import check_rules, load_rules, shipped_rules
from .document import Document, Mention, Token, annotate
from .engine import DocumentResult, RuleSet
from .errors import Diagnostic, PatternError, PatternSyntaxError, RuleFileError, RuleieError
from .parser import parse_pattern
from .pattern import Match, Pattern, compile, findall, finditer, search
from .records import FieldValue, Record

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
