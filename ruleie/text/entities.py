"""Named entities: PERSON, ORG, GPE (countries, cities, states), LOC (other places), NORP.

>>> words = "Syrian President Bashar Assad met Iraqi officials in Damascus .".split()
>>> upos = "ADJ PROPN PROPN PROPN VERB ADJ NOUN ADP PROPN PUNCT".split()
>>> xpos = "JJ NNP NNP NNP VBD JJ NNS IN NNP .".split()
>>> [(" ".join(words[s:e]), label) for s, e, label in entities(words, upos, xpos, [(0, 10)], ())]
[('Syrian', 'NORP'), ('Bashar Assad', 'PERSON'), ('Iraqi', 'NORP'), ('Damascus', 'GPE')]

Three stages:

1. A linear BIO classifier (``ruleie.text.linear``) proposes person, organisation and
   location names. It was trained on Universal NER's English-EWT dev data (web
   text; CC BY-SA 4.0, see ``models/entities/README.md``) with word, shape, tag
   and gazetteer features (``ruleie.text.gazetteer``), so it works from
   capitalisation and context as much as from the lists. Its O score is lowered so
   that it proposes more spans than it would keep.
2. A span classifier labels each proposed span PER, ORG, LOC or drops it, from
   features of the whole span: its words, their gazetteer categories and word
   clusters (from unlabelled text), the words around it, the sequence model's
   margins, and what the same string got elsewhere in the document.
3. Rules on the few spans kept: a location the gazetteer knows as a country,
   state or city becomes GPE; nationality and group words ("Iraqi", "Shiite",
   "Democrats") become NORP; a title or nationality word the model took into a
   person's name ("President", "Syrian") is cut off; a name found once in a
   document is that name wherever it recurs there; "CCNG , Inc." is one ORG and
   a quoted "Townsend , George" one PERSON.

Spans are ``(start, end exclusive, label)`` token indices into the document's
columns, in text order, never overlapping, never crossing a sentence boundary.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .chunker import word_shape
from . import layercore
from .gazetteer import GPE_CATEGORIES, Gazetteer, default_gazetteer
from .linear import XPOS_TAGS, Engine, LinearModel, Scored, ranges, viterbi_segments
from .stored import model_arrays, stored_strings

__all__ = ["Entity", "EntityRecognizer", "default_recognizer", "entities", "featurize", "LABELS"]

Entity = tuple[int, int, str]  # (start, end exclusive, label)

MODEL_PATH = Path(__file__).resolve().parent / "models" / "entities" / "entities.npz"
LABELS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
_NORP_CATEGORIES = ("demonym", "group")
# Never part of a name, cut from the edges of every span: dates, addresses, digits.
_NOT_NAMES = frozenset(
    "january february march april june july august september october november december jan feb mar apr "
    "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues "
    "wed thu thur thurs fri sat sun today tomorrow yesterday".split())
# Joining words inside a name built on an organisation or place word ("Ministry of Defense").
_CONNECTORS = frozenset({"of", "for", "and", "&", "on", "de", "du", "des", "la", "al"})
# Tags of the capitalised words such a name is made of.
_NAME_TAGS = np.asarray([t in {"NNP", "NNPS", "NN", "NNS", "JJ", "CD", "<UNK>"} for t in XPOS_TAGS])
# Tags cut from the edges of a span ("Tehran 's", "Mary John ,", "Bruce Garcey at").
_EDGE_TAGS = np.asarray([t in {"POS", ",", ".", ":", "``", "''", "-LRB-", "-RRB-", "IN", "CC", "TO", "HYPH", "NFP",
                               "RB", "VBZ", "VBD", "VBP", "MD", "PRP", "WDT", "WP", "UH", "ADD", "CD", "SYM"}
                         for t in XPOS_TAGS])
_EDGE_TAGS_U8 = _EDGE_TAGS.view(np.uint8)
_PROPER_TAGS_LIST: list[bool] = [t in {"NNP", "NNPS"} for t in XPOS_TAGS]
_PROPER_TAGS_U8 = np.asarray(_PROPER_TAGS_LIST, np.uint8)
_NAME_TAGS_U8 = _NAME_TAGS.astype(np.uint8)
_LABEL_ORDER = ("PERSON", "ORG", "GPE", "LOC", "NORP")  # the compiled labelling's label numbers
_STRIP_FROM_PERSON = ("demonym", "title")
_DIGITS = re.compile(r"\d")
# The surname and server of a Lotus Notes address ("Griffith@ENRON", not "jg@enron.com").
_NOTES_NAME = re.compile(r"[A-Z][A-Za-z'-]*@[A-Za-z]+$")
# A company's legal form after a comma ("CCNG , Inc."): part of its name.
_CORPORATE = frozenset({"inc.", "inc", "l.p.", "llc", "ltd.", "ltd", "corp.", "corp", "co.", "plc", "l.l.c."})


def _case(word: str) -> str:
    if word[:1].isupper():
        return "upper" if word.isupper() and len(word) > 1 else "title"
    if word[:1].islower():
        return "lower"
    return "digit" if word[:1].isdigit() else "other"


def featurize(word: str, gazetteer: Gazetteer | None = None) -> list[str]:
    """Features of a word type (the model keeps those it learnt weights for)."""
    gazetteer = gazetteer or default_gazetteer()
    lower = word.lower()
    case = _case(word)
    feats = ["w=" + lower, "s=" + word_shape(word), "c=" + case, "p3=" + lower[:3], "x3=" + lower[-3:]]
    for category in gazetteer.categories(word):
        feats.append("g=" + category)
        feats.append(f"g={category}|{case}")
    return feats


def load_model(path: Path = MODEL_PATH, gazetteer: Gazetteer | None = None) -> LinearModel:
    gaz = gazetteer or default_gazetteer()
    return LinearModel(path, lambda word: featurize(word, gaz))


_NAME_LABELS = ("PERSON", "ORG", "GPE", "LOC")


def _vote_names(out: list[Entity], key: Callable[[int, int], object], words: Sequence[str]
                ) -> tuple[dict, list[Entity]]:
    """The label most occurrences of each capitalised name got (``key``: which occurrences count
    as the same name), and ``out`` with every occurrence relabelled so (a new list, which the
    caller may extend). No names: ({}, out) unchanged."""
    votes: dict[object, dict[str, int]] = {}
    for a, b, label in out:
        if label in _NAME_LABELS and words[a][:1].isupper() and len(words[a]) > 1:
            box = votes.setdefault(key(a, b), {})
            box[label] = box.get(label, 0) + 1
    if not votes:
        return {}, out
    best = {k: next(iter(box)) if len(box) == 1 else max(box, key=lambda x: (box[x], x == "PERSON", x))
            for k, box in votes.items()}
    if any(len(box) > 1 for box in votes.values()):  # else every name keeps its one label
        return best, [(a, b, best.get(key(a, b), label)) if label in _NAME_LABELS else (a, b, label)
                      for a, b, label in out]
    return best, list(out)


def _place_first_name(out: list[Entity], covered: set[int], words: Sequence[str], first: np.ndarray,
                      a: int, row: int, hi: int, names: Iterable[tuple[tuple[str, ...], str]]) -> None:
    """The first of ``names`` that recurs at token ``a`` (its row ``row``), fits before ``hi``,
    overlaps nothing found and starts no sentence inside it, appended to ``out`` with its label."""
    for name, label in names:
        n = len(name)
        if (a + n > hi or not covered.isdisjoint(range(a, a + n))
                or tuple(words[a:a + n]) != name or (n > 1 and first[row + 1:row + n].any())):
            continue
        out.append((a, a + n, label))
        covered.update(range(a, a + n))
        return


class EntityRecognizer:
    """Entities from an entity model; shares the engine (and its caches) when given one."""

    def __init__(self, path: Path = MODEL_PATH, gazetteer: Gazetteer | None = None,
                 engine: Engine | None = None, slot: int = 0) -> None:
        self.gazetteer = gazetteer or default_gazetteer()
        self.engine = engine if engine is not None else Engine([load_model(path, self.gazetteer)])
        self.slot = slot
        data = model_arrays(path if engine is None else MODEL_PATH)
        self.margin, o_bias = float(data["decoding"][0]), float(data["decoding"][1])
        self.transitions = data["transitions"].astype(np.float32)
        # The span classifier (see ``_retype``): feature -> row of its weights (row 0 is zeros).
        self.span_model: dict[str, int] | None = None
        if "span_feature_names" in data:
            self.set_span_classifier(stored_strings(data["span_feature_names"]), data["span_feature_weights"],
                                     data["span_bias"])
        # Word clusters (see span_features): lower-case word, digits as 0 -> cluster ids.
        self.clusters: dict[str, int] = {}
        self._cluster_ids: list[list[int]] = []
        self._cluster_names: list[list[str]] = []
        if "cluster_words" in data:
            self.clusters = {w: i for i, w in enumerate(stored_strings(data["cluster_words"]))}
            self._cluster_ids = data["cluster_ids"].tolist()
            self._cluster_names = [[f"{k}:{c}" for c in range(k)] for k in data["cluster_sizes"].tolist()]
        self.propagate = True  # names repeated in a document (see ``_repeated``)
        self._span_words: dict[str, tuple[list[str], list[str], list[str], list[str], list[str], str]] = {}
        # Training: when a list, the candidate spans and their features are appended to it.
        self.collect: list[tuple[int, int, int, list[str]]] | None = None
        # Subtracted from the O score: the trade of precision for recall chosen by cross-validation.
        self.o_bias = np.asarray([o_bias] + [0.0] * (len(LABELS) - 1), dtype=np.float32)
        # Per word type, aligned with the engine's type ids and grown as types appear; for the
        # engine's generation of type ids they were computed in.
        self._flags = np.zeros(0, dtype=np.int16)
        self._flags_generation: int | None = None

    def set_span_classifier(self, names: Sequence[str] | None, weights: np.ndarray | None = None,
                            bias: np.ndarray | None = None) -> None:
        """Use this span classifier (feature names, their weights for O, PER, ORG, LOC, the bias); None: none."""
        self._word_ids: dict[str, tuple[list[int], list[int], list[int], list[int], list[int], str]] = {}
        self._span_names: dict[tuple[str, ...], tuple[list[int], list[int], str]] = {}  # see ``_name_ids``
        # The compiled classifier's caches (``_layercore.SpanCache``), by the engine's type ids.
        self._span_cache: object = None
        if names is None or weights is None or bias is None:
            self.span_model = None
            return
        self.span_model = {str(f): i + 1 for i, f in enumerate(names)}
        self._span_ids = _SpanIds(self.span_model)
        self._span_weights = np.vstack([np.zeros((1, 4)), weights]).astype(np.float32)
        self.span_bias = np.asarray(bias, dtype=np.float32)

    def _type_flags(self) -> np.ndarray:
        """Flags per type id: 1 NORP word, 2 cut from the front of a person's name, 4 a GPE name,
        8 never part of a name (a date word, an address, digits), 16 capitalised organisation
        word ("Ministry", "Party"), 32 capitalised place word ("River"), 64 capitalised,
        128 capitalised title ("President", "Mr."), 256 a country that is also a nationality
        word ("U.S."): a GPE where a NORP word would be NORP, 512 a country or US state in
        lower case ("mexico"), 1024 holds an "@" (an e-mail or Lotus Notes address)."""
        words = self.engine.words
        if self._flags_generation != self.engine.generation:
            # The engine's cache of new types started over: other words now hold the ids past
            # the shipped ones, however many there are again, so no flag of the old ids holds.
            self._flags, self._flags_generation = self._flags[:0], self.engine.generation
        have = len(self._flags)
        if have < len(words):
            flags = []
            for w in words[have:]:
                cats = self.gazetteer.categories(w) if w[:1].isupper() else ()
                # "mexico", "california" in web text: a country or a US state written in lower case.
                lower_gpe = (w[:1].islower() and len(w) > 2 and w.isalpha()
                             and any(c in ("country", "state") for c in self.gazetteer.categories(w)))
                not_name = (w.lower() in _NOT_NAMES or "@" in w or "://" in w or w.startswith("www.")
                            or not any(ch.isalpha() for ch in w))
                norp = any(c in _NORP_CATEGORIES for c in cats)
                flags.append((1 if norp else 0)
                             # "U.S." is a nationality word too, but a country first (UNER: LOC).
                             | (256 if norp and "country" in cats else 0)
                             | (2 if any(c in _STRIP_FROM_PERSON for c in cats) else 0)
                             | (4 if any(c in GPE_CATEGORIES for c in cats) else 0)
                             | (8 if not_name else 0)
                             | (16 if "orgword" in cats else 0)
                             | (32 if "locword" in cats else 0)
                             | (64 if w[:1].isupper() else 0)
                             | (128 if "title" in cats else 0)
                             | (512 if lower_gpe else 0)
                             | (1024 if "@" in w else 0))
            self._flags = np.concatenate([self._flags, np.asarray(flags, dtype=np.int16)])
        return self._flags

    def __call__(self, words: Sequence[str], upos: Sequence[str], xpos: Sequence[str],
                 sentences: Sequence[tuple[int, int]],
                 noun_phrases: Sequence[tuple[int, int, int]] = (), *,
                 documents: Sequence[int] = (0,)) -> tuple[Entity, ...]:
        """Entities of a document; ``documents`` (first tokens, ascending) when several
        documents are glued into one call, so that no evidence crosses from one to another."""
        if not len(words) or not sentences:
            return ()
        return self._finish(words, self.engine.run(words, xpos, sentences), documents)

    def _finish(self, words: Sequence[str], scored: Scored, documents: Sequence[int] = (0,)) -> tuple[Entity, ...]:
        scores = scored.scores[:, self.engine.columns[self.slot]]
        if self.o_bias[0]:
            scores = scores - self.o_bias
        flags = self._type_flags()[scored.types]
        compiled = layercore.kernels()
        if compiled is not None:  # the same candidates, in C
            token = None if scored.identity else scored.token_index
            scores = np.ascontiguousarray(scores, dtype=np.float32)
            candidates = compiled.entity_candidates(scores, scored.first.view(np.uint8), flags, scored.tags,
                                                    _EDGE_TAGS_U8, self.transitions, self.margin, token,
                                                    as_array=token is None)
            token = None if token is None else token.tolist()
            if token is None:  # rows are tokens: the labelling below, in C, the candidates as an array
                kinds = None
                if len(candidates) and (self.span_model is not None or self.collect is not None):
                    kinds = self._compiled_kinds(words, scored, scores, candidates, documents)
                    if kinds is None:  # training: the reference collects the features
                        kept = self._retype(words, scored, scores, [tuple(x) for x in candidates.tolist()], documents)
                        candidates = np.asarray(kept, dtype=np.intp).reshape(-1, 5)
                tags = np.ascontiguousarray(scored.tags, dtype=np.intp)
                out = compiled.label_entities(candidates, kinds, words, flags, tags,
                                              np.ascontiguousarray(scored.first).view(np.uint8), _PROPER_TAGS_U8,
                                              _NAME_TAGS_U8, _CONNECTORS, self.gazetteer.is_gpe, _LABEL_ORDER)
                return self._documents_and_addresses(words, scored, out, documents, flags)
        else:
            token = None if scored.identity else scored.token_index.tolist()
            candidates = self._candidates(scores, scored, flags, token)
        special = np.flatnonzero(flags & 689).tolist()  # NORP, organisation, place, title and lower-case GPE words
        if not candidates and not special:
            return ()
        out: list[Entity] = []
        if candidates:
            if self.span_model is not None or self.collect is not None:
                candidates = self._retype(words, scored, scores, candidates, documents)
            for a, b, kind, row, flag in candidates:
                if not kind:
                    continue
                if b - a == 1 and flag & 1 and not flag & 256:
                    out.append((a, b, "NORP"))
                elif kind == 1:
                    out.append((a, b, "PERSON"))
                elif kind == 3:
                    gpe = flag & 516 if b - a == 1 else self.gazetteer.is_gpe(words[a:b])  # 4 | 512: any case
                    out.append((a, b, "GPE" if gpe else "LOC"))
                else:
                    out.append((a, b, "ORG"))
        if special:
            special_flags = flags[special].tolist()
            norp = [r for r, f in zip(special, special_flags) if f & 1]
            tags = scored.tags
            lower_gpe = [r for r, f in zip(special, special_flags) if f & 512 and _PROPER_TAGS_LIST[tags[r]]]
            kind_words = [r for r, f in zip(special, special_flags) if f & 48]
            titles = [r for r, f in zip(special, special_flags) if f & 128]
            if kind_words:
                out = self._named_by_kind_word(words, scored, flags, kind_words, out)
            if titles:
                out = self._titled_persons(scored, flags, titles, out)
            if norp:  # nationality and group words outside the entities found
                inside = {i for a, b, _ in out for i in range(a, b)}
                for row in norp:
                    a = row if token is None else token[row]
                    if a not in inside:
                        out.append((a, a + 1, "GPE" if flags[row] & 256 else "NORP"))
            if lower_gpe:  # tagged a proper noun, outside the entities found
                inside = {i for a, b, _ in out for i in range(a, b)}
                for row in lower_gpe:
                    a = row if token is None else token[row]
                    if a not in inside:
                        out.append((a, a + 1, "GPE"))
        return self._documents_and_addresses(words, scored, out, documents, flags)

    def _documents_and_addresses(self, words: Sequence[str], scored: Scored, out: list[Entity],
                                 documents: Sequence[int], flags: np.ndarray) -> tuple[Entity, ...]:
        """The end of ``_finish``: evidence from the rest of each document, e-mail names, in text order."""
        if out:
            # In text order (what ``_repeated`` tries first depends on it), so that glued
            # documents each get what they would get alone.
            out.sort()
            if scored.identity:  # rows are tokens: every document at once
                out = self._in_documents(words, scored, out, list(documents) + [len(words)], flags)
            else:
                out = self._each_document(words, scored, out, documents)
        if out:
            out = self._notes_addresses(words, scored, out, flags if scored.identity else None)
            out = self._comma_names(words, scored, out)
        if len(out) > 1:
            out.sort()
        return tuple(out)

    def _notes_addresses(self, words: Sequence[str], scored: Scored, out: list[Entity],
                         flags: np.ndarray | None = None) -> list[Entity]:
        """A person's name ends in the Lotus Notes address that follows it in e-mail headers:
        "John Griffith@ENRON" (the tokenizer keeps "Griffith@ENRON" whole, so the model, which
        never starts or ends a name on an "@" word, stopped at "John"), in the same sentence.
        ``flags``: each token's (rows are tokens), to skip the search where no word holds an "@"."""
        n = len(words)
        if flags is not None and not (flags & 1024).any():
            return out  # no token holds an "@": no address to take
        hits = [k for k, (_, b, label) in enumerate(out)
                if label == "PERSON" and b < n and _NOTES_NAME.match(words[b])]
        if not hits:
            return out
        starts = _sentence_starts(scored)
        out = list(out)
        for k in hits:
            a, b, label = out[k]
            if starts(b) is False:
                out[k] = (a, b + 1, label)
        return out

    def _comma_names(self, words: Sequence[str], scored: Scored, out: list[Entity]) -> list[Entity]:
        """Names written around a comma, within a sentence: a company's legal form ("CCNG , Inc.":
        the name before it, whatever the model made of it, is an ORG that takes it in), and a
        person's name written surname first between quotes in e-mail headers
        (\" Townsend , George \": one PERSON once either word is one)."""
        n = len(words)
        hits = []
        for a, b, label in out:
            if b + 1 >= n or label not in _NAME_LABELS:
                continue
            if words[b] == "," and words[b + 1].lower() in _CORPORATE:
                hits.append((a, b + 2, "ORG"))
            elif label == "PERSON" and b - a == 1:
                if (a >= 3 and words[a - 1] == "," and words[b] == '"' and words[a - 3] == '"'
                        and _is_name_word(words[a - 2])):
                    hits.append((a - 2, b, "PERSON"))
                elif (a >= 1 and b + 2 < n and words[b] == "," and words[b + 2] == '"' and words[a - 1] == '"'
                      and _is_name_word(words[b + 1])):
                    hits.append((a, b + 2, "PERSON"))
        if not hits:
            return out
        starts = _sentence_starts(scored)
        out = list(out)
        for a, b, label in hits:
            if any(starts(t) is not False for t in range(a + 1, b)):
                continue  # it would cross a sentence start
            gone = [x for x in out if x[0] < b and a < x[1]]
            if any(x[0] < a or x[1] > b for x in gone):
                continue  # it would cut another entity
            out = [x for x in out if not (x[0] < b and a < x[1])] + [(a, b, label)]
        return out

    def _candidates(self, scores: np.ndarray, scored: Scored, flags: np.ndarray, token: list[int] | None
                    ) -> list[tuple[int, int, int, int, int]]:
        """Candidate spans (see ``_spans``) of the runs of tokens where a name is possible (the
        numpy reference of ``_layercore.entity_candidates``).

        Viterbi over the label transitions, but only where it can matter: runs of tokens
        with some B-/I- label within ``margin`` of O (the rest is O for sure; a run is
        decoded as if O stood on either side, and never crosses a sentence start). Runs
        are short and few, so the rest is plain Python over their tokens."""
        possible = np.zeros(len(scored.tags) + 1, dtype=bool)
        possible[:-1] = scores[:, 1:].max(axis=1) > scores[:, 0] - self.margin
        before = np.concatenate(([False], possible[:-2]))
        run_starts = np.flatnonzero(possible[:-1] & (~before | scored.first))
        candidates: list[tuple[int, int, int, int, int]] = []
        if not len(run_starts):
            return candidates
        # A run goes on while tokens are possible and no sentence starts.
        run_ends = np.flatnonzero(possible[:-1] & ~(possible[1:] & ~np.append(scored.first[1:], True))) + 1
        starts_list = run_starts.tolist()
        lengths = (run_ends - run_starts).tolist()
        rows = ranges(run_starts, run_ends - run_starts)
        labels = viterbi_segments(scores[rows], lengths, self.transitions, self.transitions[0], self.transitions[:, 0])
        picked_flags = flags[rows]
        run_flags = picked_flags.tolist()
        cut = (((picked_flags & 8) != 0) | _EDGE_TAGS[scored.tags[rows]]).tolist()
        k = 0
        for first, seq in zip(starts_list, labels):
            if any(seq):
                self._spans(first, seq, cut[k:k + len(seq)], run_flags[k:k + len(seq)], token, candidates)
            k += len(seq)
        return candidates

    def _spans(self, first: int, seq: list[int], cut: list[bool], flags: list[int],
               token: list[int] | None, out: list[tuple[int, int, int, int, int]]) -> None:
        """Candidate spans of one decoded run (``first`` its first row) appended to ``out``:
        (start, end, kind 1 PER / 2 ORG / 3 LOC, first row, flags of the first word)."""
        n = len(seq)
        i = 0
        while i < n:
            label = seq[i]
            if not label:
                i += 1
                continue
            kind = (label + 1) // 2  # 1 PER, 2 ORG, 3 LOC; B- labels are odd, I- even
            j = i + 1
            while j < n and seq[j] and not seq[j] % 2 and (seq[j] + 1) // 2 == kind:
                j += 1
            start, end = i, j
            i = j
            while start < end and cut[start]:  # trim what cannot begin or end a name
                start += 1
            while end > start and cut[end - 1]:
                end -= 1
            if kind == 1:  # "Syrian President Bashar Assad": the name starts after those words
                while end - start > 1 and flags[start] & 2:
                    start += 1
            if end <= start:
                continue
            a = first + start if token is None else token[first + start]
            out.append((a, a + end - start, kind, first + start, flags[start]))

    def _word_features(self, word: str) -> tuple[list[str], list[str], list[str], list[str], list[str], str]:
        """Span-classifier features of one word type (cached): inside a span, first word, last
        word, word before, word after; and its lower-case form."""
        info = self._span_words.get(word)
        if info is None:
            if len(self._span_words) > 200_000:
                self._span_words.clear()
            lower = word.lower()
            cats = self.gazetteer.categories(word)
            i = self.clusters.get(_DIGITS.sub("0", lower))
            cl = [] if i is None else [names[c] for names, c in zip(self._cluster_names, self._cluster_ids[i])]
            info = (["w=" + lower, "s=" + word_shape(word)] + ["g=" + c for c in cats] + ["c=" + c for c in cl],
                    ["f=" + lower, "fs=" + word_shape(word)] + ["fg=" + c for c in cats],
                    ["l=" + lower, "ls=" + word_shape(word)] + ["lg=" + c for c in cats],
                    ["p1=" + lower] + ["pc=" + c for c in cl],
                    ["n1=" + lower] + ["nc=" + c for c in cl],
                    lower)
            self._span_words[word] = info
        return info

    def span_features(self, words: Sequence[str], tags: list[str], span: tuple[int, int, int, int, int],
                      margins: list[int], others: set[int], lo: int = 0, hi: int | None = None) -> list[str]:
        """Features of one candidate span for the span classifier (see ``_retype``): the kind
        the sequence model gave it and how sure it was (``margins``: per kind, the mean margin
        of its labels over O, binned), its length, its words, their shapes, gazetteer categories
        and word clusters, the whole string (and a multi-word gazetteer entry), the first and
        last words, the words and tags around it, its tags, and the kinds the same string got
        elsewhere in the document (``others``). The document is tokens ``lo`` to ``hi``."""
        a, b, kind, row, _ = span
        hi = len(words) if hi is None else hi
        n = b - a
        info = [self._word_features(w) for w in words[a:b]]
        lower = [x[5] for x in info]
        text = " ".join(lower)
        feats = ["bias", f"k={kind}", f"n={min(n, 4)}", f"k={kind}|n={min(n, 4)}", "all=" + text,
                 f"m1={margins[0]}", f"m2={margins[1]}", f"m3={margins[2]}"]
        feats += info[0][1]
        feats += info[-1][2]
        for x in info:
            feats += x[0]
        if n > 1:
            category = self.gazetteer.multi_category(lower)
            if category:
                feats.append("mg=" + category)
        feats += ["t=" + t for t in tags[row:row + n]]
        feats += self._word_features(words[a - 1])[3] if a > lo else ["p1=<s>"]
        feats += self._word_features(words[b])[4] if b < hi else ["n1=</s>"]
        before = words[a - 1].lower() if a > lo else "<s>"
        before2 = words[a - 2].lower() if a > lo + 1 else "<s>"
        after = words[b].lower() if b < hi else "</s>"
        after2 = words[b + 1].lower() if b + 1 < hi else "</s>"
        feats += ["p2=" + before2, "n2=" + after2, f"p12={before2}_{before}", f"n12={after}_{after2}",
                  "pt=" + (tags[row - 1] if a > lo and row > 0 else "<s>"),
                  "nt=" + (tags[row + n] if b < hi and row + n < len(tags) else "</s>")]
        if others:
            feats += [f"d={k}" for k in sorted(others)]
        return feats

    def _retype(self, words: Sequence[str], scored: Scored, scores: np.ndarray,
                candidates: list[tuple[int, int, int, int, int]], documents: Sequence[int]
                ) -> list[tuple[int, int, int, int, int]]:
        """The span classifier: each candidate span re-labelled PER, ORG, LOC or dropped.

        A linear model over the whole span (``span_features``) sees more than the
        sequence model's window of one word either side.
        """
        kinds = self._compiled_kinds(words, scored, scores, candidates, documents)
        if kinds is not None:
            return [(a, b, k, row, flag) for (a, b, _, row, flag), k in zip(candidates, kinds) if k]
        bounds = list(documents) + [len(words)]
        bins = margin_bins(scores, candidates)
        keys = [(bisect_left(bounds, a + 1), " ".join(words[a:b]).lower()) for a, b, _, _, _ in candidates]
        same: dict[tuple[int, str], list[int]] = {}
        for i, key in enumerate(keys):
            same.setdefault(key, []).append(i)
        index = self.span_model or {}
        ids: list[int] = []
        counts: list[int] = []
        if self.collect is None and self.span_model is not None:  # the same ids, without the strings
            tag_ids = scored.tags.tolist()
            for i, span in enumerate(candidates):
                group = same[keys[i]]
                others = {candidates[j][2] for j in group if j != i} if len(group) > 1 else set()
                doc = keys[i][0]
                found = self._span_feature_ids(words, tag_ids, span, bins[i], others, bounds[doc - 1], bounds[doc])
                ids += found
                ids.append(0)  # a zero row: no candidate is empty
                counts.append(len(found) + 1)
            return self._classify(candidates, ids, counts)
        tags = [XPOS_TAGS[t] for t in scored.tags.tolist()]
        for i, span in enumerate(candidates):
            group = same[keys[i]]
            others = {candidates[j][2] for j in group if j != i} if len(group) > 1 else set()
            doc = keys[i][0]
            feats = self.span_features(words, tags, span, bins[i], others, bounds[doc - 1], bounds[doc])
            if self.collect is not None:
                self.collect.append((span[0], span[1], span[2], feats))
            if self.span_model is not None:
                found = [k for k in map(index.get, feats) if k is not None]
                ids += found
                ids.append(0)  # a zero row: no candidate is empty
                counts.append(len(found) + 1)
        if self.span_model is None:
            return candidates
        return self._classify(candidates, ids, counts)

    def _compiled_kinds(self, words: Sequence[str], scored: Scored, scores: np.ndarray,
                        candidates: list[tuple[int, int, int, int, int]] | np.ndarray, documents: Sequence[int]
                        ) -> list[int] | None:
        """The span classifier's kind of each candidate (0: dropped; candidates as tuples or as the
        rows of an array) from the compiled kernel, its
        caches keyed by the tokens' type ids; None where it does not apply (numpy kernels, no
        span model, training, rows that are not tokens)."""
        compiled = layercore.kernels()
        if compiled is None or self.collect is not None or self.span_model is None or not scored.identity:
            return None
        generation = self.engine.generation
        cache = self._span_cache
        if cache is None or cache.generation != generation:
            cache = self._span_cache = compiled.SpanCache(self._span_ids, generation)
        rows = np.ascontiguousarray(np.asarray(candidates, dtype=np.intp).reshape(-1, 5))
        return compiled.span_kinds(  # type: ignore[no-any-return]
            cache, self, words, np.ascontiguousarray(scored.types, dtype=np.intp),
            np.ascontiguousarray(scored.tags, dtype=np.intp), rows, np.ascontiguousarray(scores, dtype=np.float32),
            list(documents) + [len(words)], self._span_weights, self.span_bias)

    def _classify(self, candidates: list[tuple[int, int, int, int, int]], ids: list[int], counts: list[int]
                  ) -> list[tuple[int, int, int, int, int]]:
        """Each candidate's kind from the sum of its features' rows (``counts`` of ``ids`` each); kind 0 dropped."""
        sums = np.add.reduceat(self._span_weights[np.asarray(ids)], np.cumsum(counts) - counts, axis=0)
        kinds = (sums + self.span_bias).argmax(axis=1).tolist()
        return [(a, b, k, row, flag) for (a, b, _, row, flag), k in zip(candidates, kinds) if k]

    def _word_feature_ids(self, word: str) -> tuple[list[int], list[int], list[int], list[int], list[int], str]:
        """``_word_features`` as the span model's row ids (features it has no weights for left out)."""
        info = self._word_ids.get(word)
        if info is None:
            if len(self._word_ids) > 200_000:
                self._word_ids.clear()
            get = self.span_model.get  # type: ignore[union-attr]
            feats = self._word_features(word)
            info = tuple([k for k in map(get, part) if k is not None] for part in feats[:5]) + (feats[5],)  # type: ignore[assignment]
            self._word_ids[word] = info  # type: ignore[assignment]
        return info  # type: ignore[return-value]

    def _name_ids(self, name: tuple[str, ...]) -> tuple[list[int], list[int], str]:
        """Ids of the features of a span that depend on its words alone (cached): the whole
        string; then first word, last word, every word and a multi-word gazetteer entry; and
        the string in lower case (what tells the same name elsewhere in the document)."""
        if len(self._span_names) > 200_000:
            self._span_names.clear()
        get = self._span_ids.index.get
        info = [self._word_feature_ids(w) for w in name]
        lower = [x[5] for x in info]
        whole = [k for k in (get("all=" + " ".join(lower)),) if k is not None]
        body = info[0][1] + info[-1][2]
        for x in info:
            body += x[0]
        if len(name) > 1:
            category = self.gazetteer.multi_category(lower)
            if category:
                body += [k for k in (get("mg=" + category),) if k is not None]
        found = self._span_names[name] = (whole, body, " ".join(name).lower())
        return found

    def _span_feature_ids(self, words: Sequence[str], tags: list[int], span: tuple[int, int, int, int, int],
                          margins: list[int], others: set[int], lo: int, hi: int) -> list[int]:
        """The span model's row ids of ``span_features`` (same features, same order), from
        per-word and per-tag ids kept between calls: no feature strings for the words."""
        a, b, kind, row, _ = span
        n = b - a
        fixed = self._span_ids
        get = fixed.index.get
        known = self._word_ids
        key = tuple(words[a:b])
        name = self._span_names.get(key)
        if name is None:
            name = self._name_ids(key)
        ids = fixed.head(kind, min(n, 4)) + name[0]
        ids += fixed.margins(margins)
        ids += name[1]
        tag_ids = fixed.tag_ids
        ids += [k for k in map(tag_ids.__getitem__, tags[row:row + n]) if k]
        if a > lo:
            prev = known.get(words[a - 1]) or self._word_feature_ids(words[a - 1])
            ids += prev[3]
            before = prev[5]
        else:
            ids += fixed.no_prev
            before = "<s>"
        if b < hi:
            nxt = known.get(words[b]) or self._word_feature_ids(words[b])
            ids += nxt[4]
            after = nxt[5]
        else:
            ids += fixed.no_next
            after = "</s>"
        before2 = words[a - 2].lower() if a > lo + 1 else "<s>"
        after2 = words[b + 1].lower() if b + 1 < hi else "</s>"
        around = ("p2=" + before2, "n2=" + after2, f"p12={before2}_{before}", f"n12={after}_{after2}")
        ids += [k for k in map(get, around) if k is not None]
        k = fixed.before_tag[tags[row - 1]] if a > lo and row > 0 else fixed.no_before_tag
        if k:
            ids.append(k)
        k = fixed.after_tag[tags[row + n]] if b < hi and row + n < len(tags) else fixed.no_after_tag
        if k:
            ids.append(k)
        if others:
            ids += [k for k in map(get, [f"d={x}" for x in sorted(others)]) if k is not None]
        return ids

    def _each_document(self, words: Sequence[str], scored: Scored, out: list[Entity], documents: Sequence[int],
                       capitalised: list[int] | None = None) -> list[Entity]:
        """``_in_document`` on each document's share of ``out`` (sorted), in turn: the reference
        of ``_in_documents``, and the way when rows are not tokens."""
        firsts = [a for a, _, _ in out]
        bounds = list(documents) + [len(words)]
        parts: list[Entity] = []
        for lo, hi in zip(bounds, bounds[1:]):
            mine = out[bisect_left(firsts, lo):bisect_left(firsts, hi)]
            if mine:
                mine = self._in_document(words, scored, mine, lo, hi, capitalised)
            parts += mine
        return parts

    def _in_documents(self, words: Sequence[str], scored: Scored, out: list[Entity], bounds: list[int],
                      flags: np.ndarray) -> list[Entity]:
        """``_in_document`` for every document of a batch in one pass (rows are tokens; ``out``
        sorted; ``bounds`` the first token of each document and the end of the last; ``flags``
        each token's, see ``_type_flags``). Surnames and names are keyed by their document, so
        none reaches another; each document sees its entities in the order its own call sees
        them, so the result holds the same entities (the caller sorts them). The reference of
        ``_layercore.document_evidence``, which tells words apart by their type ids."""
        compiled = layercore.kernels()
        if compiled is not None:
            return compiled.document_evidence(  # type: ignore[no-any-return]
                out, words, np.ascontiguousarray(scored.types, dtype=np.intp), bounds, flags,
                np.ascontiguousarray(scored.first).view(np.uint8), self.propagate, _LABEL_ORDER)
        capitalised = np.flatnonzero(flags & 64).tolist()  # the only tokens a repeated name or a surname can be at
        single = len(bounds) == 2

        def doc_of(token: int) -> int:
            return 0 if single else bisect_right(bounds, token) - 1

        if any(label == "PERSON" for _, _, label in out):
            out = self._surnames_all(words, out, bounds, doc_of, capitalised)
        if self.propagate:
            out = self._repeated_all(words, scored, out, bounds, doc_of, capitalised)
        return out

    def _surnames_all(self, words: Sequence[str], out: list[Entity], bounds: list[int],
                      doc_of: Callable[[int], int], capitalised: list[int]) -> list[Entity]:
        """``_surnames`` of every document at once (see ``_in_documents``)."""
        surnames: set[tuple[int, str]] = set()  # (document, word)
        for a, b, label in out:
            if label != "PERSON":
                continue
            doc = doc_of(a)
            if b - a > 1 or (a > bounds[doc] and self._is_title(words[a - 1])):
                w = words[b - 1]
                if w[:1].isupper() and len(w) > 1:
                    surnames.add((doc, w))
        if not surnames:
            return out
        relabelled = [(a, b, "PERSON") if b - a == 1 and label in ("ORG", "GPE", "LOC") and (doc_of(a), words[a]) in surnames
                      else (a, b, label) for a, b, label in out]
        covered = {k for a, b, _ in relabelled for k in range(a, b)}
        wanted = {w for _, w in surnames}
        for i in capitalised:
            if words[i] in wanted and i not in covered and (doc_of(i), words[i]) in surnames:
                relabelled.append((i, i + 1, "PERSON"))
        return relabelled

    def _repeated_all(self, words: Sequence[str], scored: Scored, out: list[Entity], bounds: list[int],
                      doc_of: Callable[[int], int], capitalised: list[int]) -> list[Entity]:
        """``_repeated`` of every document at once (see ``_in_documents``)."""
        best, out = _vote_names(out, lambda a, b: (doc_of(a), tuple(words[a:b])), words)
        if not best:
            return out
        first = scored.first
        covered = {k for a, b, _ in out for k in range(a, b)}
        by_first: dict[tuple[int, str], list[tuple[tuple[str, ...], str]]] = {}  # (document, first word)
        for (doc, name), label in best.items():
            by_first.setdefault((doc, name[0]), []).append((name, label))
        starting = {name[0] for _, name in best}
        for a in capitalised:
            if words[a] not in starting or a in covered:
                continue
            doc = doc_of(a)
            _place_first_name(out, covered, words, first, a, a, bounds[doc + 1], by_first.get((doc, words[a]), ()))
        return out

    def _in_document(self, words: Sequence[str], scored: Scored, out: list[Entity], lo: int, hi: int,
                     capitalised: list[int] | None = None) -> list[Entity]:
        """Evidence from the rest of the document (tokens lo..hi): surnames, then repeated names.
        ``capitalised``: the tokens of capitalised words, when rows are tokens (else None)."""
        if any(label == "PERSON" for _, _, label in out):
            out = self._surnames(words, scored, out, lo, hi, capitalised)
        if self.propagate:
            out = self._repeated(words, scored, out, lo, hi, capitalised)
        return out

    def _repeated(self, words: Sequence[str], scored: Scored, out: list[Entity], lo: int, hi: int,
                  capitalised: list[int] | None = None) -> list[Entity]:
        """A capitalised name found once is the same name wherever it recurs in the document:
        every occurrence gets the label most of its occurrences got ("the CPA" five times)."""
        best, out = _vote_names(out, lambda a, b: tuple(words[a:b]), words)
        if not best:
            return out
        token = None if scored.identity else scored.token_index
        first = scored.first
        covered = {k for a, b, _ in out for k in range(a, b)}
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name, label in best.items():
            by_first.setdefault(name[0], []).append((name, label))
        # Rows whose word begins some name, found in one pass; the rest is per occurrence.
        if token is None:  # rows are tokens: a look-up per word costs less than an array call
            rows = _tokens_of(words, lo, hi, by_first, capitalised)
        else:
            index = self.engine.index
            ids = [index[w] for w in by_first if w in index]
            rows = np.flatnonzero(np.isin(scored.types, ids)).tolist() if ids else []
        for row in rows:
            a = row if token is None else int(token[row])
            if a < lo or a in covered:
                continue
            _place_first_name(out, covered, words, first, a, row, hi, by_first.get(words[a], ()))
        return out

    def _surnames(self, words: Sequence[str], scored: Scored, out: list[Entity], lo: int, hi: int,
                  capitalised: list[int] | None = None) -> list[Entity]:
        """Once "Bashar Assad" (or "Mr. Assad") is a person, so is "Assad" elsewhere in the document.

        A later "Assad" the model took for an organisation or a place becomes a person,
        and one it missed is added (if capitalised and outside every other entity).
        """
        surnames = {words[b - 1] for a, b, label in out
                    if label == "PERSON" and (b - a > 1 or (a > lo and self._is_title(words[a - 1])))}
        surnames = {w for w in surnames if w[:1].isupper() and len(w) > 1}
        if not surnames:
            return out
        relabelled = [(a, b, "PERSON") if b - a == 1 and words[a] in surnames and label in ("ORG", "GPE", "LOC")
                      else (a, b, label) for a, b, label in out]
        token = None if scored.identity else scored.token_index
        if token is None:  # rows are tokens: search the document's own
            rows = _tokens_of(words, lo, hi, surnames, capitalised)
        else:
            index = self.engine.index
            ids = np.asarray([index[w] for w in surnames if w in index])
            rows = np.flatnonzero((scored.types[:, None] == ids[None, :]).any(axis=1)).tolist()
        covered = {k for a, b, _ in relabelled for k in range(a, b)}
        for row in rows:
            a = row if token is None else int(token[row])
            if lo <= a < hi and a not in covered:
                relabelled.append((a, a + 1, "PERSON"))
        return relabelled

    def _is_title(self, word: str) -> bool:
        return word[:1].isupper() and "title" in self.gazetteer.categories(word)

    def _titled_persons(self, scored: Scored, flags: np.ndarray, titles: list[int], out: list[Entity]) -> list[Entity]:
        """The proper nouns right after a title are a person: "President Bush", "Mr. Assad".

        Overrides what the model made of them (not organisation names: "President
        Bush administration" would be a stretch, so only when it found no ORG there).
        """
        token = scored.token_index if not scored.identity else None
        proper = _PROPER_TAGS_LIST
        tags = scored.tags
        first = scored.first
        n = len(tags)
        covering = {k: x for x in out for k in range(x[0], x[1])}  # the spans never overlap
        for t in titles:
            a = t + 1
            if a >= n or first[a] or flags[a] & 128 or not proper[tags[a]] or not flags[a] & 64:
                continue
            b = a + 1
            while b < n and not first[b] and proper[tags[b]] and flags[b] & 64 and not flags[b] & 136:
                b += 1
            ta = a if token is None else int(token[a])
            tb = ta + (b - a)
            hit = covering.get(ta)
            if hit is not None and (hit[2] in ("ORG", "PERSON") or hit[0] < ta):
                continue
            person = (ta, tb, "PERSON")
            gone = {covering[k] for k in range(ta, tb) if k in covering}
            if gone:
                out = [x for x in out if x not in gone]
                for x in gone:
                    for k in range(x[0], x[1]):
                        del covering[k]
            out.append(person)
            for k in range(ta, tb):
                covering[k] = person
        return out

    def _named_by_kind_word(self, words: Sequence[str], scored: Scored, flags: np.ndarray,
                            rows: list[int], out: list[Entity]) -> list[Entity]:
        """Names built on an organisation or place word win over the model's spans.

        "the Interior Ministry", "Ministry of Defense", "the Democratic Party",
        "Tigris River": a run of capitalised name words (joined by "of", "and" ...)
        around a capitalised organisation word is an ORG, around a place word a LOC.
        """
        token = scored.token_index if not scored.identity else None
        name = ((flags & 64) != 0) & _NAME_TAGS[scored.tags] & ((flags & 8) == 0)
        first = scored.first
        n = len(name)

        def word(row: int) -> str:
            return words[row if token is None else int(token[row])]

        found: list[tuple[int, int, str]] = []
        for k in rows:
            if not name[k] or (found and k < found[-1][1]):
                continue
            left = k
            while left > 0 and not first[left] and name[left - 1]:
                left -= 1
            right = k + 1
            while right < n and not first[right]:
                if name[right]:
                    right += 1
                elif (right + 1 < n and not first[right + 1] and name[right + 1]
                      and word(right).lower() in _CONNECTORS):
                    right += 2
                else:
                    break
            if right - left >= 2:
                found.append((left, right, "ORG" if flags[k] & 16 else "LOC"))
        if not found:
            return out
        spans = [(s if token is None else int(token[s]), (e if token is None else int(token[e - 1]) + 1), label)
                 for s, e, label in found]
        taken = {k for s, e, _ in spans for k in range(s, e)}
        kept = [x for x in out if taken.isdisjoint(range(x[0], x[1]))]
        return kept + spans


def _sentence_starts(scored: Scored) -> Callable[[int], bool | None]:
    """Whether token t begins a sentence, by the scores' rows (None: the token has no row)."""
    first = scored.first
    row_of = None if scored.identity else {t: r for r, t in enumerate(scored.token_index.tolist())}

    def starts(t: int) -> bool | None:
        row = t if row_of is None else row_of.get(t)
        return None if row is None or row >= len(first) else bool(first[row])

    return starts


def _is_name_word(word: str) -> bool:
    """A capitalised word of letters (hyphens and apostrophes allowed): "Townsend", "O'Neill"."""
    return len(word) > 1 and word[:1].isupper() and word.replace("-", "").replace("'", "").isalpha()


def _tokens_of(words: Sequence[str], lo: int, hi: int, wanted: set[str] | dict[str, object],
               capitalised: list[int] | None) -> list[int]:
    """Tokens lo..hi whose word is in ``wanted``, capitalised words all: only the tokens of
    ``capitalised`` (ascending) need a look-up when it is given."""
    if capitalised is None:
        return [i for i, w in enumerate(words[lo:hi], lo) if w in wanted]
    return [i for i in capitalised[bisect_left(capitalised, lo):bisect_left(capitalised, hi)] if words[i] in wanted]


def margin_bins(scores: np.ndarray, candidates: list[tuple[int, int, int, int, int]]) -> list[list[int]]:
    """Per candidate span, the mean margin of PER, ORG and LOC over O on its rows, halved,
    floored and clipped to -4..4 (the numpy reference of ``_layercore.span_bins``)."""
    starts = np.asarray([c[3] for c in candidates])
    lengths = np.asarray([c[1] - c[0] for c in candidates])
    rows = ranges(starts, lengths)
    picked = scores[rows]
    o = picked[:, 0:1]
    margin = np.maximum(picked[:, 1::2], picked[:, 2::2]) - o  # (rows, PER ORG LOC)
    means = np.add.reduceat(margin, np.cumsum(lengths) - lengths, axis=0) / lengths[:, None]
    return np.clip(np.floor(means / 2), -4, 4).astype(int).tolist()  # type: ignore[no-any-return]


class _SpanIds:
    """The span model's row ids of the features that do not depend on words (0: no weights)."""

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        get = index.get
        self.tag_ids = [get("t=" + t, 0) for t in XPOS_TAGS]
        self.before_tag = [get("pt=" + t, 0) for t in XPOS_TAGS]
        self.after_tag = [get("nt=" + t, 0) for t in XPOS_TAGS]
        self.no_before_tag = get("pt=<s>", 0)
        self.no_after_tag = get("nt=</s>", 0)
        self.no_prev = [k for k in (get("p1=<s>"),) if k is not None]
        self.no_next = [k for k in (get("n1=</s>"),) if k is not None]
        self._heads: dict[tuple[int, int], list[int]] = {}
        self._margins: dict[tuple[int, int, int], list[int]] = {}

    def head(self, kind: int, n: int) -> list[int]:
        """Ids of "bias", the kind, the length and both."""
        found = self._heads.get((kind, n))
        if found is None:
            feats = ("bias", f"k={kind}", f"n={n}", f"k={kind}|n={n}")
            found = self._heads[(kind, n)] = [k for k in map(self.index.get, feats) if k is not None]
        return found

    def margins(self, bins: list[int]) -> list[int]:
        key = (bins[0], bins[1], bins[2])
        found = self._margins.get(key)
        if found is None:
            feats = (f"m1={bins[0]}", f"m2={bins[1]}", f"m3={bins[2]}")
            found = self._margins[key] = [k for k in map(self.index.get, feats) if k is not None]
        return found


@lru_cache(maxsize=1)
def default_recognizer() -> EntityRecognizer:
    from .layer import default_engine

    return EntityRecognizer(engine=default_engine(), slot=1)


def entities(words: Sequence[str], upos: Sequence[str], xpos: Sequence[str],
             sentences: Sequence[tuple[int, int]],
             noun_phrases: Sequence[tuple[int, int, int]] = ()) -> tuple[Entity, ...]:
    """Named entities of a document: ``(start, end, label)`` token indices, in text order."""
    return default_recognizer()(words, upos, xpos, sentences, noun_phrases)
