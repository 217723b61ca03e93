"""Name lists for the entity recogniser: first names, surnames, places, nationalities, titles.

The lists live in ``models/entities/gazetteer.tsv``, built by scripts/build_gazetteer.py from
maintained data packages (sources and licences in that folder's README.md). Each line is
``entry<TAB>categories``: an entry in lower case, its words separated by single spaces, and
its categories separated by spaces (a category may repeat: the sources named the entry more
than once, and the model counts each). One-word entries come first, then, after the line
``# multi-word entries``, entries of two to five words ("new york", "united arab emirates"),
each with one category. Entries match case-insensitively on whole tokens; multi-word entries
serve ``is_gpe`` and the span features.

The file is laid out so that loading it is two ``dict`` builds done in C: a line-by-line
reader in Python took a tenth of a second, the largest part of a short run's start.

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
from itertools import repeat
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["Gazetteer", "default_gazetteer", "gazetteer_lines", "GAZETTEER_PATH", "GPE_CATEGORIES"]

GAZETTEER_PATH = Path(__file__).resolve().parent / "models" / "entities" / "gazetteer.tsv"
GPE_CATEGORIES = frozenset({"country", "state", "city_big", "city", "town"})
MULTI_WORD_HEADER = "# multi-word entries"
_MAX_WORDS = 5


def gazetteer_lines(rows: Iterable[tuple[str, str]]) -> list[str]:
    """The lines of a gazetteer file (no header) for ``(category, entry)`` rows, entries as
    written: a one-word entry gets every category it has, in the order of ``rows``; a
    multi-word entry the first; entries of more than five words are left out."""
    single: dict[str, list[str]] = {}
    multi: dict[str, str] = {}
    for category, entry in rows:
        if " " in category or "\t" in category or "\n" in category:
            raise ValueError(f"a category may not hold white space: {category!r}")
        words = entry.lower().split()
        if len(words) == 1:
            single.setdefault(words[0], []).append(category)
        elif 1 < len(words) <= _MAX_WORDS:
            multi.setdefault(" ".join(words), category)
    return ([f"{entry}\t{' '.join(categories)}" for entry, categories in single.items()]
            + [MULTI_WORD_HEADER] + [f"{entry}\t{category}" for entry, category in multi.items()])


def _table(lines: list[str]) -> dict[str, str]:
    """``entry<TAB>value`` lines as a dict (a last empty line, the file's end, is no entry)."""
    if lines and not lines[-1]:
        lines = lines[:-1]
    return dict(map(str.split, lines, repeat("\t")))  # type: ignore[arg-type]


class Gazetteer:
    def __init__(self, path: Path = GAZETTEER_PATH) -> None:
        text = path.read_text(encoding="utf-8")
        single, found, multi = text.partition(f"\n{MULTI_WORD_HEADER}\n")
        if not found:
            raise ValueError(f"{path}: no {MULTI_WORD_HEADER!r} line (rebuild it with scripts/build_gazetteer.py)")
        head = single.split("\n")
        start = 0
        while start < len(head) and head[start].startswith("#"):  # the file's header
            start += 1
        self._single = _table(head[start:])
        self._multi = _table(multi.split("\n"))
        # One tuple per distinct list of categories (about 130), shared by the words that have it.
        self._categories = {value: tuple(value.split(" ")) for value in set(self._single.values())}

    def categories(self, word: str) -> tuple[str, ...]:
        """The categories of a one-word entry (case-insensitive); () if the word is none."""
        value = self._single.get(word.lower())
        return self._categories[value] if value is not None else ()

    def multi_category(self, words: Sequence[str]) -> str | None:
        """The category of a multi-word entry spelled by ``words`` (case-insensitive), or None."""
        if len(words) < 2 or any(len(w.split()) != 1 for w in words):  # (an empty or spaced token is no word)
            return None
        return self._multi.get(" ".join(w.lower() for w in words))

    def is_gpe(self, words: Sequence[str]) -> bool:
        """Whether a place name is a country, state or city (GPE) rather than another location."""
        if len(words) == 1:
            return any(c in GPE_CATEGORIES for c in self.categories(words[0]))
        return self.multi_category(words) in GPE_CATEGORIES


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer()
