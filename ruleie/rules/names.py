"""The ``names:`` sections resolved: one ``NamesSpec`` for canonical-name resolution.

Several files may each say something about names (a pack's types file, a user's own
file): the name types add up, demonyms, pronouns, relative and group pronouns and roles
merge (so do party pronouns and nouns), and a capture or type setting may be given once (or the same way again). Every type
named must be a declared (or built-in) mention type.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from .checker import Checker, did_you_mean
from .declarations import NamesDecl
from .spec import LexiconSpec, NamesSpec, TypeSpec

__all__ = ["resolve_names"]


def resolve_names(check: Checker, decls: Sequence[NamesDecl], types: Mapping[str, TypeSpec],
                  lexicons: Mapping[str, LexiconSpec] | None = None) -> NamesSpec:
    if not decls:
        return NamesSpec()
    lexicons = lexicons or {}
    pronoun_genders: dict[str, str] = {}
    genders: dict[str, frozenset[str]] = {}
    gender_sites: list[tuple[NamesDecl, str, object]] = []
    gender_lexicons: set[str] = set()
    name_types: list[str] = []
    settings: dict[str, str] = {}
    demonyms: dict[str, str] = {}
    pronouns: set[str] = set()
    relatives: set[str] = set()
    group_pronouns: set[str] = set()
    group_types: list[str] = []
    group_pronoun_types: dict[str, tuple[str, ...]] = {}
    descriptions: dict[str, str] = {}
    party_pronouns: dict[str, tuple[str, ...]] = {}
    party_nouns: dict[str, tuple[str, ...]] = {}
    roles: frozenset[str] = frozenset()
    role_lexicons: set[str] = set()
    for decl in decls:
        for name, node in decl.types:
            if _mention_type(check, decl, name, node, types) and name not in name_types:
                name_types.append(name)
        for key, (value, node) in decl.settings.items():
            if key == "pronoun_type" and not _mention_type(check, decl, value, node, types):
                continue
            if settings.setdefault(key, value) != value:
                check.error(decl.src, node, f"names: {key} is '{settings[key]}' in an earlier file and '{value}' here")
        for word, named in decl.demonyms.items():
            demonyms.setdefault(word, named)
        pronouns |= decl.pronouns
        relatives |= decl.relatives
        group_pronouns |= decl.group_pronouns
        for declared, merged in ((decl.group_pronoun_types, group_pronoun_types),
                                 (decl.party_pronouns, party_pronouns), (decl.party_nouns, party_nouns)):
            for word, typed in declared.items():
                kinds = [name for name, node in typed if _mention_type(check, decl, name, node, types)]
                merged.setdefault(word, tuple(kinds))
        for name, node in decl.group_types:
            if _mention_type(check, decl, name, node, types) and name not in group_types:
                group_types.append(name)
        for word, (named, node) in decl.descriptions.items():
            if not _mention_type(check, decl, named, node, types):
                continue
            if descriptions.setdefault(word, named) != named:
                check.error(decl.src, node, f"names: description '{word}' is {descriptions[word]} in an earlier file and {named} here")
        for gender, (lexicon, node) in decl.genders.items():
            spec = lexicons.get(lexicon)
            if spec is None:
                check.error(decl.src, node, f"names: genders: unknown lexicon '{lexicon}'{did_you_mean(lexicon, lexicons)}")
                continue
            genders[gender] = genders.get(gender, frozenset()) | frozenset(e.lower() for e in spec.entries)
            gender_lexicons.add(lexicon)
        for lexicon, node in decl.roles:
            spec = lexicons.get(lexicon)
            if spec is None:
                check.error(decl.src, node, f"names: roles: unknown lexicon '{lexicon}'{did_you_mean(lexicon, lexicons)}")
                continue
            roles |= frozenset(e.lower() for e in spec.entries)
            role_lexicons.add(lexicon)
        for word, (gender, node) in decl.pronoun_genders.items():
            if pronoun_genders.setdefault(word, gender) != gender:
                check.error(decl.src, node, f"names: pronoun '{word}' is {pronoun_genders[word]} in an earlier file and {gender} here")
            gender_sites.append((decl, gender, node))
    for decl, gender, node in gender_sites:
        if gender not in genders and not any(gender in d.genders for d in decls):
            known = {g for d in decls for g in d.genders}
            check.error(decl.src, node, f"names: gender '{gender}' has no lexicon under `genders:`{did_you_mean(gender, known)}")
    if group_pronouns - set(group_pronoun_types) and not any(d.group_types for d in decls):
        first = next(d for d in decls if d.group_pronouns - set(d.group_pronoun_types))
        check.error(first.src, first.node, "names: `group_pronouns:` need `group_types:` (the types of group they refer back to)")
    if pronouns and "pronoun_type" not in settings:
        first = next(d for d in decls if d.pronouns)
        check.error(first.src, first.node, "names: `pronouns:` need a `pronoun_type:` (the type of name they refer back to)")
    return NamesSpec(
        types=tuple(name_types),
        name_capture=settings.get("name_capture"),
        title_capture=settings.get("title_capture"),
        demonyms=demonyms,
        pronouns=frozenset(pronouns),
        pronoun_type=settings.get("pronoun_type"),
        pronoun_genders=pronoun_genders,
        relatives=frozenset(relatives),
        group_pronouns=frozenset(group_pronouns),
        group_types=tuple(group_types),
        group_pronoun_types=group_pronoun_types,
        descriptions=descriptions,
        party_pronouns=party_pronouns,
        party_nouns=party_nouns,
        genders=genders,
        gender_lexicons=frozenset(gender_lexicons),
        roles=roles,
        role_lexicons=frozenset(role_lexicons),
        location=decls[0].src.location(decls[0].node.start_mark.index),
    )


def _mention_type(check: Checker, decl: NamesDecl, name: str, node, types: Mapping[str, TypeSpec]) -> bool:
    spec = types.get(name)
    if spec is None:
        check.error(decl.src, node, f"names: unknown type '{name}'{did_you_mean(name, types)}")
        return False
    if spec.kind != "mention":
        check.error(decl.src, node, f"names: '{name}' is a record type; names are mentions")
        return False
    return True
