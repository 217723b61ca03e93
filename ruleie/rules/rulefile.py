"""Rule files → RuleSetSpec: read, check and merge versioned YAML rule files.

A rule file is data: it is composed with PyYAML's safe composer (never
constructed), may name other files only through ``include`` and lexicon
``file`` keys, and every problem in every file is reported at once with its
file, line and column (docs/rules.md is the reference for the format).

>>> spec = load_rule_files("rules/news.yaml")  # doctest: +SKIP
>>> spec.types["Strike"].kind, spec.rules[0].name  # doctest: +SKIP
('record', 'title.before-name')

Loading runs in two halves, each in its own module. ``declarations`` reads
every file (``yamlpos``: text and YAML nodes with positions) and collects what
it declares, checking its structure. Then the declarations are resolved, in
order: types and lexicons (``taxonomy``), variables (``variables``), rules with
their field mappings and examples (``rulespecs``, ``fieldmaps``, ``examples``).
Every stage reports to one ``checker.Checker``. ``check_rule_files`` finally
runs the lints (``lintbase``, and ``lint`` for more) over what loaded.
"""

from __future__ import annotations

import hashlib
import os
from types import MappingProxyType
from typing import Optional, Sequence, Union

from ..errors import Diagnostic, RuleFileError, errors_only
from ..language import nodes as n
from .checker import Checker
from .declarations import FORMAT_VERSION, Collector
from .lintbase import LINTS, Lint, LintContext, PatternSite
from .rulespecs import resolve_rules
from .names import resolve_names
from .spec import LexiconSpec, NamesSpec, RuleSetSpec, RuleSpec, TypeSpec
from .taxonomy import resolve_lexicons, resolve_types
from .variables import resolve_vars
from .yamlpos import display_name

# The format's keys and limits, readable from the entry point as before (tests and the schema check use them).
from .declarations import (  # noqa: F401  (re-exported)
    CONTEXT_KEYS,
    EXAMPLE_KEYS,
    FIELD_KEYS,
    LEXICON_KEYS,
    MAPPING_KEYS,
    MAX_INCLUDE_DEPTH,
    RULE_KEYS,
    SUPPORTED_VERSIONS,
    TOP_KEYS,
    TYPE_KEYS,
)
from .yamlpos import MAX_FILE_BYTES, MAX_YAML_DEPTH  # noqa: F401  (re-exported)

__all__ = [
    "FORMAT_VERSION",
    "LINTS",
    "Lint",
    "LintContext",
    "PatternSite",
    "check_rule_files",
    "load_rule_files",
]

PathArg = Union[str, "os.PathLike[str]"]


def load_rule_files(paths: Union[PathArg, Sequence[PathArg]]) -> RuleSetSpec:
    """Read rule files (and everything they include) into one checked ``RuleSetSpec``.

    Raises ``RuleFileError`` carrying every error of every file, sorted by file
    and line; warnings never stop loading (``check_rule_files`` reports them).
    """
    spec, check = _load(_as_list(paths), lints=None)
    errors = errors_only(check.sorted_diagnostics())
    if errors:
        raise RuleFileError(errors)
    return spec


def check_rule_files(
    paths: Union[PathArg, Sequence[PathArg]], *, lints: Optional[Sequence[Lint]] = None
) -> list[Diagnostic]:
    """Every error and warning in the rule files, sorted by file and line. Never raises for content.

    ``lints`` (default ``LINTS``) are the warning checks run over the loaded rules.
    """
    _, check = _load(_as_list(paths), lints=LINTS if lints is None else tuple(lints))
    return check.sorted_diagnostics()


def _load(paths: list[str], *, lints: Optional[tuple[Lint, ...]]) -> tuple[RuleSetSpec, Checker]:
    """Load the rule files into a spec (as much of it as is right), and every diagnostic found.

    ``lints`` None runs no lints (not even building their context).
    """
    check = Checker()
    collected = Collector(check)
    types: dict[str, TypeSpec] = {}
    lexicons: dict[str, LexiconSpec] = {}
    var_nodes: dict[str, n.Node] = {}
    rules: list[RuleSpec] = []
    var_sites: list[PatternSite] = []
    rule_sites: list[PatternSite] = []
    names = NamesSpec()
    try:
        for path in paths:
            collected.load_rule_file(path, display_name(path), None)
        types = resolve_types(check, collected.types)
        lexicons = resolve_lexicons(check, collected.lexicons, types)
        var_nodes, var_sites = resolve_vars(check, collected.vars, types, set(lexicons) | set(collected.lexicons))
        rules, rule_sites = resolve_rules(
            check, collected.rules, types, set(lexicons) | set(collected.lexicons), var_nodes
        )
        names = resolve_names(check, collected.names, types, lexicons)
    except RecursionError:
        # Only a pathological rule set gets here: includes, parents or variables
        # chained hundreds deep. Say so rather than show a traceback.
        first = paths[0] if paths else None
        check.add(
            Diagnostic(
                "rule set nested too deeply: includes, parent types or variables chained hundreds of levels deep",
                file=display_name(first) if first else None,
            )
        )
        check.unparsed += 1
    files = tuple(dict.fromkeys(collected.file_order))
    digest = hashlib.sha256()
    for name in files:
        data = collected.data.get(name, b"")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    spec = RuleSetSpec(
        types=MappingProxyType(types),
        lexicons=MappingProxyType(lexicons),
        vars=MappingProxyType(
            {name: tuple(t for t, _ in d.texts) if d.is_list else d.texts[0][0] for name, d in collected.vars.items() if d.texts}
        ),
        rules=tuple(rules),
        files=files,
        digest=digest.hexdigest(),
        names=names,
    )
    if lints is not None:
        sources = {s.display: s.text for s in collected.sources.values()}
        ctx = LintContext(spec, tuple(var_sites + rule_sites), sources, complete=not check.unparsed)
        for lint in lints:
            check.diagnostics.extend(lint(ctx))
    return spec, check


def _as_list(paths: Union[PathArg, Sequence[PathArg]]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]
