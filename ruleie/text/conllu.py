"""CoNLL-U reading and writing: sentences of syntactic words with their ten columns.

Format: universaldependencies.org/format.html. One word a line, ten tab-separated
columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), ``#`` comment lines
before a sentence, a blank line after it. Reading keeps the syntactic words only:
multiword-token lines (``4-5  don't``) are kept aside in ``Sentence.multiword`` (so
the surface text can be rebuilt and the sentence written back unchanged) and
empty nodes (``8.1``) are dropped, as most tools expect.

>>> text = "# text = Don't go.\\n1-2\\tDon't\\t_\\t_\\t_\\t_\\t_\\t_\\t_\\t_\\n" \\
...     "1\\tDo\\tdo\\tAUX\\tVBP\\t_\\t3\\taux\\t_\\t_\\n2\\tn't\\tnot\\tPART\\tRB\\t_\\t3\\tadvmod\\t_\\t_\\n" \\
...     "3\\tgo\\tgo\\tVERB\\tVB\\t_\\t0\\troot\\t_\\tSpaceAfter=No\\n4\\t.\\t.\\tPUNCT\\t.\\t_\\t3\\tpunct\\t_\\t_\\n"
>>> [s] = parse_conllu(text)
>>> s.text, s.column("form"), s.column("upos")
("Don't go.", ('Do', "n't", 'go', '.'), ('AUX', 'PART', 'VERB', 'PUNCT'))
>>> format_conllu([s]) == text + "\\n"
True
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator, Union

__all__ = ["Word", "MultiwordToken", "Sentence", "parse_conllu", "read_conllu", "format_conllu", "write_conllu"]

COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")


@dataclass(frozen=True)
class Word:
    """One syntactic word (a line whose ID is an integer). Missing values are ``_``."""

    id: int
    form: str
    lemma: str = "_"
    upos: str = "_"
    xpos: str = "_"
    feats: str = "_"
    head: int | None = None  # None when the column is "_"
    deprel: str = "_"
    deps: str = "_"
    misc: str = "_"

    @property
    def space_after(self) -> bool:
        """False when MISC says ``SpaceAfter=No``."""
        return "SpaceAfter=No" not in self.misc.split("|")

    def line(self) -> str:
        head = "_" if self.head is None else str(self.head)
        return "\t".join((str(self.id), self.form, self.lemma, self.upos, self.xpos, self.feats,
                          head, self.deprel, self.deps, self.misc))


@dataclass(frozen=True)
class MultiwordToken:
    """A surface token spanning words ``first..last`` (inclusive), e.g. ``don't`` = do + n't."""

    first: int
    last: int
    form: str
    misc: str = "_"

    @property
    def space_after(self) -> bool:
        return "SpaceAfter=No" not in self.misc.split("|")

    def line(self) -> str:
        return f"{self.first}-{self.last}\t{self.form}\t_\t_\t_\t_\t_\t_\t_\t{self.misc}"


@dataclass
class Sentence:
    """A sentence: its comment lines (without the leading ``#``), words and multiword tokens."""

    words: list[Word] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    multiword: list[MultiwordToken] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)

    def column(self, name: str) -> tuple:
        """One column for every word, e.g. ``column("upos")``."""
        if name not in COLUMNS:
            raise KeyError(f"no CoNLL-U column {name!r}")
        return tuple(getattr(w, name) for w in self.words)

    def meta(self, key: str) -> str | None:
        """The value of a ``# key = value`` comment, e.g. ``meta("sent_id")``."""
        prefix = key + " ="
        for c in self.comments:
            c = c.strip()
            if c.startswith(prefix):
                return c[len(prefix):].strip()
        return None

    @property
    def text(self) -> str:
        """The ``# text`` comment, or the text rebuilt from surface tokens and SpaceAfter."""
        found = self.meta("text")
        return found if found is not None else "".join(
            form + (" " if space else "") for form, space, _ in self.surface_tokens()
        ).rstrip()

    def surface_tokens(self) -> list[tuple[str, bool, tuple[int, int]]]:
        """Surface tokens as ``(form, space_after, (first_word, last_word))`` with 0-based word indices.

        A multiword token stands for its words; every other word is a token of its own.
        """
        spans = {m.first: m for m in self.multiword}
        out = []
        i = 0
        while i < len(self.words):
            mwt = spans.get(self.words[i].id)
            if mwt is not None:
                j = i + (mwt.last - mwt.first)
                out.append((mwt.form, mwt.space_after, (i, j)))
                i = j + 1
            else:
                w = self.words[i]
                out.append((w.form, w.space_after, (i, i)))
                i += 1
        return out


def _parse_word(cols: list[str]) -> Word:
    head = None if cols[6] == "_" else int(cols[6])
    return Word(int(cols[0]), cols[1], cols[2], cols[3], cols[4], cols[5], head, cols[7], cols[8], cols[9])


def parse_conllu(lines: Union[str, Iterable[str]]) -> Iterator[Sentence]:
    """Sentences from CoNLL-U text (a string or an iterable of lines).

    Raises ValueError (with the line number) on a word line without ten columns.
    """
    if isinstance(lines, str):
        lines = io.StringIO(lines)
    sentence = Sentence()
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            if sentence.words or sentence.comments:
                yield sentence
            sentence = Sentence()
            continue
        if line.startswith("#"):
            sentence.comments.append(line[1:])
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise ValueError(f"line {number}: expected 10 tab-separated columns, found {len(cols)}")
        ident = cols[0]
        if "." in ident:  # an empty node of enhanced dependencies: not a word of the text
            continue
        if "-" in ident:
            first, last = ident.split("-", 1)
            sentence.multiword.append(MultiwordToken(int(first), int(last), cols[1], cols[9]))
            continue
        try:
            sentence.words.append(_parse_word(cols))
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
    if sentence.words or sentence.comments:
        yield sentence


def read_conllu(path: Union[str, os.PathLike[str]]) -> list[Sentence]:
    """Every sentence of a CoNLL-U file (UTF-8)."""
    with open(path, encoding="utf-8") as handle:
        return list(parse_conllu(handle))


def format_conllu(sentences: Iterable[Sentence]) -> str:
    """CoNLL-U text for ``sentences``: comments, words (multiword lines before their first word), a blank line."""
    out: list[str] = []
    for s in sentences:
        out.extend("#" + c for c in s.comments)
        mwt = {m.first: m for m in s.multiword}
        for w in s.words:
            if w.id in mwt:
                out.append(mwt[w.id].line())
            out.append(w.line())
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def write_conllu(sentences: Iterable[Sentence], target: Union[str, os.PathLike[str], IO[str]]) -> None:
    """Write ``sentences`` to a path or an open text file."""
    text = format_conllu(sentences)
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        target.write(text)
