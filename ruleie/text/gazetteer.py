"""Name lists for the entity recogniser: first names, surnames, places, nationalities, titles.

The lists live in ``models/entities/gazetteer.tsv`` (``category<TAB>entry``, built by
scripts/build_gazetteer.py from maintained data packages; sources and licences in
that folder's README.md). Entries match case-insensitively on whole tokens; an
entry of several words ("new york", "united arab emirates") is split the way
ruleie's tokenizer splits it (multiword entries serve ``is_gpe``).

Categories (the entity model turns them into features, the post-processing uses
some of them directly):

=================  ===============================================================
first_hi/mid/lo    US first names by number of bearers (SSA), other countries' names
last               surnames
country, state     countries (and common short forms), US states
city_big, city,    cities by population (1 M+, 100 k+, smaller) and other
town, place        well-known places (regions, continents, news places)
demonym, group     nationality words; religious and political groups (NORP)
title, orgword,    words that stand before a person's name, end an organisation's
locword            name ("Ministry", "Party", "Inc"), or a place's ("River", "Lake")
=================  ===============================================================
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

__all__ = ["Gazetteer", "default_gazetteer", "GAZETTEER_PATH", "GPE_CATEGORIES"]

GAZETTEER_PATH = Path(__file__).resolve().parent / "models" / "entities" / "gazetteer.tsv"
GPE_CATEGORIES = frozenset({"country", "state", "city_big", "city", "town"})
_MAX_WORDS = 5


class Gazetteer:
    def __init__(self, path: Path = GAZETTEER_PATH) -> None:
        self.single: dict[str, list[str]] = {}  # lower-case word -> categories
        self.multi: dict[str, dict[tuple[str, ...], str]] = {}  # first word -> {words: category}
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip() or line.startswith("#"):
                    continue
                category, entry = line.rstrip("\n").split("\t")[:2]
                words = tuple(entry.lower().split())
                if len(words) == 1:
                    self.single.setdefault(words[0], []).append(category)
                elif 1 < len(words) <= _MAX_WORDS:
                    self.multi.setdefault(words[0], {}).setdefault(words, category)

    def categories(self, word: str) -> list[str]:
        return self.single.get(word.lower(), [])

    def is_gpe(self, words: Sequence[str]) -> bool:
        """Whether a place name is a country, state or city (GPE) rather than another location."""
        lowered = tuple(w.lower() for w in words)
        if len(lowered) == 1:
            return any(c in GPE_CATEGORIES for c in self.single.get(lowered[0], ()))
        category = self.multi.get(lowered[0], {}).get(lowered) if lowered else None
        return category in GPE_CATEGORIES


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer()
