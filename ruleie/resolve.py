"""Document-level name resolution: the fullest name a document uses for an entity.

"Zelensky" → "Volodymyr Zelensky" (a shorter form of a longer name in the same
document); "the Russian president" → "Vladimir Putin" (a title phrase that the
document attached to a person: "Russian President Vladimir Putin").

What counts as a name: mentions whose type is, or descends from, a type listed
in ``NAME_TYPES`` (Person, Place). A Person mention made by a rule that
captures ``title`` and ``name`` links the title to that person.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

from .document import Document, Mention

NAME_TYPES = ("Person", "Place")
# Words that do not distinguish one title from another ("the Russian president" = "Russian President").
_TITLE_STOPWORDS = frozenset({"the", "a", "an", "his", "her", "its", "their", "of", "'s", "’s", "former", "then"})
_WORD = re.compile(r"[\w’'.-]+")


def _title_key(text: str) -> frozenset[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return frozenset(w for w in words if w not in _TITLE_STOPWORDS)


class NameResolver:
    """Answers ``canonical(token_start, token_end)`` for the spans of one document."""

    def __init__(self, doc: Document, ancestors: Mapping[str, frozenset[str]]):
        self.doc = doc
        self._names: list[tuple[Mention, str, tuple[str, ...]]] = []  # mention, its text, its words (lower)
        self._titles: dict[frozenset[str], str] = {}
        for m in doc.mentions:
            kinds = ancestors.get(m.type, frozenset({m.type}))
            if not any(t in kinds for t in NAME_TYPES):
                continue
            name_span = self._name_span(m)
            s, e = name_span
            text = doc.text[doc.starts[s] : doc.ends[e - 1]]
            words = tuple(doc.text[doc.starts[i] : doc.ends[i]].lower() for i in range(s, e))
            self._names.append((m, text, words))
            title = m.fields.get("title")
            title_text = getattr(title, "text", title)
            if isinstance(title_text, str) and title_text:
                key = _title_key(title_text)
                if key:
                    self._titles.setdefault(key, text)

    def _name_span(self, m: Mention) -> tuple[int, int]:
        """The name part of a mention: its ``name`` capture when the rule made one."""
        name = m.fields.get("name")
        start = getattr(name, "start", None)
        end = getattr(name, "end", None)
        if isinstance(start, int) and isinstance(end, int):
            tokens = [i for i in range(m.start, m.end) if self.doc.starts[i] >= start and self.doc.ends[i] <= end]
            if tokens:
                return tokens[0], tokens[-1] + 1
        return m.start, m.end

    def _fullest(self, words: tuple[str, ...]) -> Optional[str]:
        """The longest name in the document that ends with, or equals, these words."""
        best: Optional[tuple[int, int, str]] = None
        for m, text, name_words in self._names:
            n = len(words)
            if n <= len(name_words) and (name_words[-n:] == words or name_words[:n] == words):
                candidate = (len(name_words), -m.start, text)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
        return best[2] if best else None

    def canonical(self, start: int, end: int) -> Optional[str]:
        """The canonical name for tokens [start, end), or None when they name nothing known."""
        doc = self.doc
        text = doc.text[doc.starts[start] : doc.ends[end - 1]]
        key = _title_key(text)
        if key in self._titles:
            return self._titles[key]
        span_words = tuple(doc.text[doc.starts[i] : doc.ends[i]].lower() for i in range(start, end))
        # The span is (part of) a name: "Putin" inside "President Putin".
        if any(m.start <= start and end <= m.end for m, _, _ in self._names):
            return self._fullest(span_words) or text
        # A name inside the span, the rest title words: "Russian President Vladimir Putin".
        for m, name_text, words in sorted(self._names, key=lambda x: (-len(x[2]), x[0].start)):
            s, e = self._name_span(m)
            if start <= s and e <= end and all(self._title_like(i) for i in range(start, end) if not s <= i < e):
                return self._fullest(words) or name_text
        return None

    def _title_like(self, i: int) -> bool:
        word = self.doc.text[self.doc.starts[i] : self.doc.ends[i]]
        return word[:1].isupper() or word.lower() in _TITLE_STOPWORDS or not word[:1].isalnum()
