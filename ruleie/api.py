"""The library entry points for rule sets: load, check and apply rule files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence, Union

from .text.document import Annotator
from .engine.ruleset import MAX_SENTENCE_TOKENS, RuleSet
from .errors import Diagnostic
from .resources import shipped_rules_path

if TYPE_CHECKING:
    from .rules.spec import RuleSetSpec

PathLike = Union[str, "os.PathLike[str]"]


def _paths(paths: Union[PathLike, Sequence[PathLike], None]) -> list[str]:
    if paths is None:
        return [str(shipped_rules_path())]
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    result = [os.fspath(p) for p in paths]
    return result or [str(shipped_rules_path())]


def load_rules(
    paths: Union[PathLike, Sequence[PathLike], None] = None,
    *,
    annotator: Optional[Annotator] = None,
    max_sentence_tokens: int = MAX_SENTENCE_TOKENS,
    time_budget: Optional[float] = None,
) -> RuleSet:
    """Load and compile rule files (default: the shipped news pack).

    ``max_sentence_tokens`` cuts longer sentences into pieces before matching;
    ``time_budget`` (seconds) makes a document that takes longer fail with
    ``DocumentTimeout`` instead of stalling a batch.
    Raises ``RuleFileError`` listing every problem in every file.

    >>> rules = load_rules()
    >>> sorted({r.type for r in rules.extract("Kyiv Mayor Vitali Klitschko said the city was calm.")})
    ['Statement']
    """
    from .engine.ruleset import compile_rules
    from .rules.cache import load_compiled

    spec, compiled = load_compiled(_paths(paths), _load_rule_files, compile_rules)
    return RuleSet(spec, annotator=annotator, max_sentence_tokens=max_sentence_tokens, time_budget=time_budget,
                   compiled=compiled)


def check_rules(
    paths: Union[PathLike, Sequence[PathLike], None] = None, *, annotator: Optional[Annotator] = None
) -> list[Diagnostic]:
    """Every error and warning in the rule files, without raising for their content.

    Runs every lint (``ruleie.rules.lint.lints_for``): token fields are checked against
    what ``annotator`` provides (default: the default annotator).
    """
    from .rules.lint import lints_for
    from .rules.rulefile import check_rule_files

    return check_rule_files(_paths(paths), lints=lints_for(annotator))


def shipped_rules() -> Path:
    """The entry file of the shipped rule pack."""
    return shipped_rules_path()


def _load_rule_files(paths: Sequence[str]) -> RuleSetSpec:
    # The rule-file reader (YAML, the pattern parser, lints) is imported only when the
    # cache cannot answer: a cached start does without it.
    from .rules.rulefile import load_rule_files

    return load_rule_files(paths)
