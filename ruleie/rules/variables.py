"""Variables resolved: ``${name}`` texts parsed, cycles refused, each built once in dependency order.

A variable's text is first parsed with every variable standing for any token
(``_Placeholders``), which checks the text and records which variables it uses;
cycles between variables are reported once; then variables are built for real,
in dependency order, each from the variables it uses. A variable may be a part
that matches no tokens of its own (``^``, a lookahead): ``_parse_fragment``
parses such a text behind a prefix and takes the prefix out again.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Mapping

import attrs

from ..errors import Diagnostic, PatternError, PatternSyntaxError
from ..language import nodes as n
from ..language.parser import parse_pattern
from .checker import Checker
from .declarations import VarDecl
from .lintbase import PatternSite
from .spec import TypeSpec

__all__ = ["resolve_vars"]


class _Placeholders(Mapping[str, n.Node]):
    """Variables for a first parse: every known name stands for any token; records which were used."""

    def __init__(self, names: Iterable[str]):
        # A mapping, not a list: one is made per variable text, and a list made loading
        # 100,000 variables take minutes (a copy and a linear search each).
        self.names = names if isinstance(names, Mapping) else dict.fromkeys(names)
        self.placeholder = n.TokenTest(None)
        self.used: set[str] = set()

    def __getitem__(self, key: str) -> n.Node:
        if key not in self.names:
            raise KeyError(key)
        self.used.add(key)
        return self.placeholder

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def resolve_vars(
    check: Checker, decls: Mapping[str, VarDecl], types: Mapping[str, TypeSpec], lexicon_names: set[str]
) -> tuple[dict[str, n.Node], list[PatternSite]]:
    """Check every variable text, reject cycles, and build each variable's pattern once.

    Returns each variable's pattern by name (a broken variable, or one using one,
    stands for any token) and a lint site for every variable text that parsed.
    """
    refs: dict[str, set[str]] = {}
    broken: set[str] = set()
    sites: list[PatternSite] = []
    for name, decl in decls.items():
        refs[name] = set()
        if not decl.texts:
            broken.add(name)
        for text, scalar in decl.texts:
            placeholders = _Placeholders(decls)
            try:
                node, shift = _parse_fragment(text, placeholders, lexicon_names, decl.src.display)
            except (PatternError, PatternSyntaxError) as error:
                check.pattern_error(decl.src, scalar, error, f"in variable '{name}': ")
                broken.add(name)
                continue
            finally:
                refs[name] |= placeholders.used
            own = [x for x in n.walk(node) if x is not placeholders.placeholder]
            if not check.check_mention_refs(decl.src, scalar, own, types, shift):
                broken.add(name)
            sites.append(
                PatternSite(
                    "var",
                    name,
                    text,
                    _shifted(node, shift),
                    decl.src.display,
                    locate=decl.src.locator(scalar),
                    foreign=frozenset({id(placeholders.placeholder)}),
                )
            )
    # Cycles between variables: reported once, at the variable (in load order) that starts one.
    state: dict[str, int] = {}
    order: list[str] = []
    reported: set[frozenset[str]] = set()

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for ref in sorted(refs.get(name, ())):
            if state.get(ref) == 1:
                cycle = path[path.index(ref) :] + [ref]
                broken.update(cycle)
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    start = decls[cycle[0]]
                    message = (
                        f"variable '{ref}' refers to itself"
                        if len(cycle) == 2
                        else "variable cycle: " + " -> ".join("${" + c + "}" for c in cycle)
                    )
                    check.error(start.src, start.node, message)
            elif state.get(ref) is None:
                visit(ref, path + [ref])
        state[name] = 2
        order.append(name)

    for name in decls:
        if name not in state:
            visit(name, [name])
    # Build in dependency order; a broken variable (or one using one) stands for any token.
    built: dict[str, n.Node] = {}
    for name in order:
        decl = decls[name]
        if name in broken or refs[name] & broken:
            broken.add(name)
            built[name] = n.TokenTest(None)
            continue
        options = []
        for text, _ in decl.texts:
            node, shift = _parse_fragment(text, built, lexicon_names, decl.src.display)
            options.append(node)
        built[name] = n.alt(*options)
    return built, sites


# A variable may be a part that takes no tokens (`^`, a lookahead), which parse_pattern
# rejects as a whole pattern. Such a text is parsed after one any-token, then taken out.
_FRAGMENT_PREFIX = "[] ( "
_EMPTY_MATCH = "this pattern can only match an empty sequence"


def _parse_fragment(
    text: str, vars: Mapping[str, n.Node], lexicons: Iterable[str], file: str
) -> tuple[n.Node, int]:
    """A variable's text as a sub-pattern, and how far its node offsets are shifted from ``text``."""
    lexicons = set(lexicons)
    try:
        return parse_pattern(text, vars=vars, lexicons=lexicons, file=file), 0
    except PatternError as error:
        if not all(d.message.startswith(_EMPTY_MATCH) for d in error.diagnostics):
            raise
    if not text.strip() or not re.sub(r"#[^\n]*", "", text).strip():
        raise PatternError(Diagnostic("a variable must not be empty", file=file, offset=0))
    whole = parse_pattern(_FRAGMENT_PREFIX + text + "\n)", vars=vars, lexicons=lexicons, file=file)
    if not isinstance(whole, n.Seq):  # `( )`, `(()())`: groups of nothing, which leave only the prefix
        raise PatternError(Diagnostic("a variable must not be empty: this text matches nothing and tests nothing",
                                      file=file, offset=0))
    return n.seq(*whole.items[1:]), len(_FRAGMENT_PREFIX)


def _shifted(node: Any, shift: int) -> Any:
    """A node tree with every offset moved back by ``shift`` (for fragments parsed behind a prefix)."""
    if shift == 0:
        return node
    if isinstance(node, tuple):
        return tuple(_shifted(x, shift) for x in node)
    if not attrs.has(type(node)):
        return node
    changes: dict[str, Any] = {}
    for a in attrs.fields(type(node)):
        value = getattr(node, a.name)
        if a.name == "pos" and isinstance(value, int) and value >= 0:
            changes[a.name] = max(value - shift, 0)
        elif attrs.has(type(value)) or isinstance(value, tuple):
            changes[a.name] = _shifted(value, shift)
    return attrs.evolve(node, **changes) if changes else node
