"""Part-of-speech tagger: Universal POS (``pos``) and Penn Treebank (``tag``) for ruleie tokens.

A two-pass linear model trained on UD English EWT (see ``models/tagger/README.md``
for data, licence and how it was trained), built to cost under a microsecond a token
in numpy once its words have been seen, with no Python loop over tokens:

* Pass 1 scores every class (a UPOS+XPOS pair) as a sum of five rows, one for
  each word in a window of two words either side: the current word's row "as the
  current word" plus its neighbours' rows "as the previous word", "as the next
  word", and so on. A row depends on the word *type* only (lower-case form, the
  tags it had in the training data, suffixes, prefixes, shape, hyphen parts, word
  clusters learnt from news text), so it is computed once per distinct word and
  cached (a type's five role rows are rows ``5 * type + role`` of one table): from
  then on a token costs a dict lookup, and the document's scores one gather of five
  rows per token and four adds of whole blocks. A sentence's first word is a type of
  its own ("The" opening a sentence says less than "The" inside it).
* Pass 2 adds rows indexed by the pass-1 tags of the neighbours: the pairs
  (tag[i-1], tag[i+1]), (tag[i-2], tag[i-1]) and (tag[i+1], tag[i+2]), and, for
  a few hundred frequent ambiguous words ("that", "to", "up", "like" ...), the
  pairs (word, tag[i-1]) and (word, tag[i+1]). That fixes what one side alone
  cannot see ("that" before a clause, "up" after a verb, "face" after "we").
  The five context rows of every token come from one table in one gather too.

A document is done in one go: its sentences are laid end to end with two padding
tokens between them (their rows say "sentence boundary"), so shifted slices give
every token its neighbours without ever reading across a sentence. Scores are
int16 (0.01 units or finer), which halves the memory traffic of float32.
``tag_ids`` returns the arrays (type ids, classes) that the chunker and entity engine
read next (``layer.prime``); ``tag_sentences`` the two tag columns. A call costs a
fixed ~30 array operations besides its per-token work, so many short documents are
cheaper tagged as one (``layer.layer_many``, ``document.annotate_many``).

>>> upos, xpos = default_tagger().tag(["Russia", "launched", "missiles", "."])
>>> upos, xpos
(('PROPN', 'VERB', 'NOUN', 'PUNCT'), ('NNP', 'VBD', 'NNS', '.'))
"""

from __future__ import annotations


import threading
from itertools import chain, count, groupby, repeat
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from . import layercore
from .stored import model_arrays, stored_strings

__all__ = ["Tagger", "Tagged", "default_tagger", "word_features", "normalize", "ROLES", "MODEL_DIR"]

MODEL_DIR = Path(__file__).parent / "models" / "tagger"
ROLES = ("0", "-1", "+1", "-2", "+2")  # the window; a type's row has one block per role
# word_features lists the features a word gives its neighbours first: the first N_NEAR
# count for the words next to it, the first N_FAR two words away, all for the word itself.
N_NEAR, N_FAR, N_FEATURES = 10, 4, 26
BOUNDARY = ["<>"] + [""] * (N_FEATURES - 1)  # the features of the padding between sentences
MAX_WORD = 60  # longer tokens are featurised (and cached) by their first characters only
CACHE_LIMIT = 100_000  # word types kept (a row is 672 bytes: 67 MB at most); past it the cache starts again
_CLIP = 3200  # rows are int16: 5 word rows + 5 context rows of at most this never overflow

# ruleie keeps curly quotes and apostrophes as written, EWT mostly has straight ones.
_NORMAL = str.maketrans({"’": "'", "‘": "'", "‛": "'", "`": "'", "“": '"', "”": '"', "„": '"',
                         "«": '"', "»": '"', "\u2010": "-", "\u2011": "-"})
_DIGITS = str.maketrans("0123456789", "0000000000")
_ASCII_SHAPE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "X" * 26 + "x" * 26 + "d" * 10
)
_UNKNOWN_CLUSTER = ("?", "?", "?")


def normalize(word: str) -> str:
    """The form the features see: straight quotes, ``''``/``\\`\\``` as ``"``, at most MAX_WORD characters."""
    word = word[:MAX_WORD].translate(_NORMAL)
    return '"' if word in ("''", '""') else word


def _shape(word: str) -> str:
    """Character classes with runs collapsed: ``Kyiv`` → ``Xx``, ``1,000`` → ``d,d``, ``U.S.`` → ``X.X.``."""
    word = word[:20]
    if word.isascii():
        kinds = word.translate(_ASCII_SHAPE)
    else:
        kinds = "".join("X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch for ch in word)
    return "".join([kind for kind, _ in groupby(kinds)])


def _case(word: str) -> str:
    if word.isupper():
        return "U" if len(word) > 1 else "I"
    if word[:1].isupper():
        return "T"
    return "L" if word.islower() else "O"


def word_features(word: str, clusters: Mapping[str, tuple[str, ...]], lexicon: dict[str, str],
                  first: bool = False) -> list[str]:
    """The N_FEATURES features of a word type, as ``template=value`` names, in a fixed order.

    ``clusters`` maps a lower-case word with digits as 0 to its cluster ids (coarse to
    fine), ``lexicon`` a lower-case word to the tags it had in the training data
    (its "tag dictionary" entry); ``first`` marks the first word of a sentence. The
    first N_FAR features count for words two away, the first N_NEAR for neighbours,
    all for the word itself; "" fills the slots of features a word has not. Shared
    by the runtime and the training script, so both see the same.
    """
    n = normalize(word)
    low = n.lower()
    shape = _shape(n)
    case = _case(n)
    c0, c1, c2 = clusters.get(low.translate(_DIGITS), _UNKNOWN_CLUSTER)
    s3 = low[-3:]
    out = [
        "w=" + low, "sh=" + shape, "c0=" + c0, "c1=" + c1,  # N_FAR
        "td=" + lexicon.get(low, "?"), "ca=" + case, "s1=" + low[-1:], "s2=" + low[-2:], "s3=" + s3, "c2=" + c2,
        "bias", "s4=" + low[-4:], "p1=" + n[:1], "p2=" + low[:2], "p3=" + low[:3],  # N_NEAR so far
    ]
    inner = n.find("-", 1)
    if 0 < inner < len(n) - 1:  # hyphen compounds: ruleie keeps "well-known", EWT splits it
        head = low.rsplit("-", 1)[1]
        hc = clusters.get(head.translate(_DIGITS), _UNKNOWN_CLUSTER)
        out += ("hl=" + head, "hs=" + head[-3:], "hf=" + low[:inner], "hc=" + hc[1], "hsh=" + _shape(head))
    else:
        out += _EMPTY[:5]
    # e-mail addresses and URLs: EWT's ADD
    out.append("web" if "@" in n[1:] or low.startswith(("http", "www.")) else "")
    if first:  # a capital at the start of a sentence says little: look at the word and its cluster
        out += ("F", "Fw=" + low, "Fc1=" + c1 + case, "Fsh=" + shape, "Fs3=" + s3)
    else:
        out += _EMPTY[:5]
    return out


_EMPTY = ("",) * 5  # the slots of absent features: every word has N_FEATURES, "" is no feature
_GENERATIONS = count()
PAD_WORD = "\x00"  # the word of type 0, the padding between sentences (no token is a NUL character)


class Tagged:
    """A document as the tagger saw it: ``padded`` type ids, sentences laid end to end with two
    padding slots (0) around each; ``classes`` the class of each slot (``n_classes`` at padding);
    ``real`` which of ``padded[2:-2]`` are tokens; ``generation`` of the type ids (see ``Tagger.words``)."""

    __slots__ = ("padded", "classes", "real", "generation")

    def __init__(self, padded: np.ndarray, classes: np.ndarray, real: np.ndarray, generation: int) -> None:
        self.padded, self.classes, self.real, self.generation = padded, classes, real, generation


class _Clusters(Mapping[str, tuple[str, ...]]):
    """A word's cluster ids (coarse to fine) as strings, each tuple made when its word is
    first asked for: making all 21,440 at load was half the tagger's start-up."""

    def __init__(self, words: Sequence[str], ids: list[list[int]]) -> None:
        self._row = dict(zip(words, range(len(words))))
        self._ids = ids
        self._made: dict[str, tuple[str, ...]] = {}

    def get(self, word: str, default: Any = None) -> Any:
        found = self._made.get(word)
        if found is None:
            row = self._row.get(word)
            if row is None:
                return default
            found = self._made[word] = tuple(map(str, self._ids[row]))
        return found

    def __getitem__(self, word: str) -> tuple[str, ...]:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


class Tagger:
    """A loaded tagger model. Thread-safe; the per-word cache is shared and bounded."""

    def __init__(self, model_dir: str | Path = MODEL_DIR) -> None:
        z = model_arrays(Path(model_dir) / "tagger.npz")
        labels = [line.split("\t") for line in stored_strings(z["labels"])]
        names = stored_strings(z["feature_names"])
        cur_row, near_row = z["cur_row"], z["near_row"]
        self.row_scale = float(z["row_scale"])
        # Stored as int8 with a scale per row; float32 here (in row_scale units), so
        # that a new word type costs a gather and a sum. The last rows are zero.
        self._w_cur = _widen(z["w_cur"], z["w_cur_scale"] * self.row_scale)
        self._w_near = _widen(z["w_near"], z["w_near_scale"] * self.row_scale)
        self._context = z["context"]  # int16 already, in row_scale units
        ambiguous = stored_strings(z["ambiguous_words"])
        lexicon = dict(zip(stored_strings(z["lexicon_words"]), stored_strings(z["lexicon_tags"])))
        cluster_words = stored_strings(z["cluster_words"])
        cluster_ids = z["clusters"].tolist()
        self.upos: tuple[str, ...] = tuple(u for u, _ in labels)
        self.xpos: tuple[str, ...] = tuple(x for _, x in labels)
        self.n_classes = c = len(labels)
        self._upos_names = np.array(self.upos, dtype=object)  # a gather and tolist beat a map over the tokens
        self._xpos_names = np.array(self.xpos, dtype=object)
        k = c + 1  # tag ids in the context tables: the classes and the boundary
        self.clusters = _Clusters(cluster_words, cluster_ids)
        self.lexicon = lexicon
        # Kept premultiplied by k: the row offset of the word in the ambiguous-word tables.
        self.ambiguous = {w: i * k for i, w in enumerate(ambiguous, 1)}
        # Feature id (1-based; 0 = unknown) → its row as the current word and as a
        # neighbour (the four neighbour roles side by side); the last rows are zero.
        self._features = dict(zip(names, range(1, len(names) + 1)))
        self._cur_row = np.concatenate([[-1], cur_row]) % len(self._w_cur)
        self._near_row = np.concatenate([[-1], near_row]) % len(self._w_near)
        # The context tables: (tag[i-1], tag[i+1]), (tag[i-2], tag[i-1]), (tag[i+1], tag[i+2]),
        # then (word, tag[i-1]) and (word, tag[i+1]) for the ambiguous words (0: none).
        kk, a = k * k, (len(ambiguous) + 1) * k
        self._context_offsets = np.asarray([[0], [kk], [2 * kk], [3 * kk], [3 * kk + a]], np.intp)
        # The role of each place in a window (two before .. two after), as a row offset.
        self._window_roles = np.asarray([ROLES.index(x) for x in ("-2", "-1", "0", "+1", "+2")], np.intp)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.generation = next(_GENERATIONS)  # type ids of other generations (or taggers) are void
        self._ids: dict[str, int] = {}
        self._first_ids: dict[str, int] = {}
        # Row type * 5 + role: a type's scores in one role of the window (ROLES order);
        # type 0 is the padding between sentences. ``_amb``: its ambiguous-word offset.
        c = self.n_classes
        self._role_rows = np.zeros((4096 * len(ROLES), c), np.int16)
        self._amb = np.zeros(4096, np.intp)
        self._role_rows[: len(ROLES)] = self._type_rows([BOUNDARY]).reshape(len(ROLES), c)
        self.words: list[str] = [PAD_WORD]  # type id -> word (sentence-first types too)
        self._size = 1
        # The same two maps as tables the compiled type look-up reads (kept whenever the
        # extension is there, whichever kernels run, so that switching needs no rebuild).
        self._tables = None
        if layercore.available():
            ext = layercore.extension()
            self._tables = (ext.TypeTable(self.words), ext.TypeTable(self.words))

    def _type_rows(self, features: list[list[str]]) -> np.ndarray:
        """The rows (five role blocks side by side, int16) of word types given by their features."""
        ids = np.fromiter(map(self._features.get, chain.from_iterable(features), repeat(0)), np.intp)
        ids = ids.reshape(len(features), N_FEATURES).T  # feature-major: the sums below add whole blocks
        c = self.n_classes
        out = np.empty((len(features), len(ROLES) * c), np.float32)
        self._w_cur.take(self._cur_row.take(ids), axis=0).sum(axis=0, out=out[:, :c])
        # The neighbour roles read the first N_NEAR features; features N_FAR.. have zero
        # weights two words away, so one gather serves all four roles.
        self._w_near.take(self._near_row.take(ids[:N_NEAR]), axis=0).sum(axis=0, out=out[:, c:])
        np.rint(out, out=out)
        return np.minimum(np.maximum(out, -_CLIP, out=out), _CLIP, out=out).astype(np.int16)

    def _add(self, words: list[str], firsts: list[str]) -> None:
        """Compute and cache the rows of new word types (all of a document's at once, sentence-first ones too)."""
        clusters, lexicon = self.clusters, self.lexicon
        features = [word_features(w, clusters, lexicon) for w in words]
        features += [word_features(w, clusters, lexicon, True) for w in firsts]
        start, need = self._size, self._size + len(features)
        r = len(ROLES)
        if need > len(self._amb):
            capacity = max(need, 2 * len(self._amb))
            grown = np.zeros((capacity * r, self.n_classes), np.int16)
            grown[: start * r] = self._role_rows[: start * r]
            self._role_rows = grown
            amb = np.zeros(capacity, np.intp)
            amb[:start] = self._amb[:start]
            self._amb = amb
        for i in range(0, len(features), 2048):  # in chunks: a huge document's temporaries stay small
            chunk = features[i : i + 2048]
            a = (start + i) * r
            self._role_rows[a : a + len(chunk) * r] = self._type_rows(chunk).reshape(len(chunk) * r, -1)
        get = self.ambiguous.get
        self._amb[start:need] = [get(f[0][2:], 0) for f in features]  # f[0] is "w=" + lower case
        self._ids.update(zip(words, range(start, need)))
        self._first_ids.update(zip(firsts, range(start + len(words), need)))
        if self._tables is not None:
            for table, new, first_id in zip(self._tables, (words, firsts), (start, start + len(words))):
                for type_id, word in enumerate(new, first_id):
                    if type(word) is str:
                        table.add(word, type_id)
        self.words += words
        self.words += firsts
        self._size = need

    def _type_ids(self, words: Sequence[str], sentences: Sequence[tuple[int, int]]) -> list[int]:
        """Type ids of the tokens laid out sentence by sentence with two padding slots (0) around each."""
        firsts = [words[s] for s, _ in sentences]
        if len(self._ids) + len(self._first_ids) + len(words) > CACHE_LIMIT:
            self._reset()
        ids = list(map(self._ids.get, words, repeat(0)))  # 0: not seen yet (no word has type 0)
        first_ids = list(map(self._first_ids.get, firsts, repeat(0)))
        if 0 in ids or 0 in first_ids:
            self._add(list(dict.fromkeys([w for w, i in zip(words, ids) if not i])),
                      list(dict.fromkeys([w for w, i in zip(firsts, first_ids) if not i])))
            ids = list(map(self._ids.__getitem__, words))
            first_ids = list(map(self._first_ids.__getitem__, firsts))
        padded = [0, 0]
        for (s, e), f in zip(sentences, first_ids):
            padded.append(f)
            padded += ids[s + 1 : e]
            padded += (0, 0)
        return padded

    def tag_ids(self, words: Sequence[str], sentences: Sequence[tuple[int, int]]) -> Tagged:
        """The tagger's arrays for a document (see ``Tagged``); ``tag_sentences`` turns them into tags."""
        compiled = layercore.kernels()
        check = compiled.sentence_spans if compiled is not None else _sentence_spans
        spans = check(sentences, len(words))
        c, r = self.n_classes, len(ROLES)
        if not len(words):
            return Tagged(np.zeros(4, np.intp), np.full(4, c, np.intp), np.zeros(0, bool), self.generation)
        with self._lock:  # the cache may be reset or replaced by a bigger array meanwhile
            padded = None
            if (compiled is not None and self._tables is not None
                    and len(self._ids) + len(self._first_ids) + len(words) <= CACHE_LIMIT):
                padded = compiled.padded_type_ids(*self._tables, words, spans)  # None: new types
            if padded is None:
                padded = np.array(self._type_ids(words, spans), np.intp)
            generation, role_rows, amb = self.generation, self._role_rows, self._amb
        if compiled is not None:  # the same passes, each token's rows added where they lie
            out = compiled.tag_classes(padded, role_rows, self._window_roles, amb, self._context,
                                       self._context_offsets.ravel())
            return Tagged(padded, out, padded[2:-2] != 0, generation)
        # Pass 1: each position's score is the sum of five rows: the type there as the
        # current word, its neighbours in their roles. One gather, then four adds of
        # contiguous blocks (rows of padding positions are computed too, and ignored;
        # int16 sums never overflow, so their order does not matter).
        p5 = padded * r
        # The window of slot i + 2 is p5[i : i + 5] (row i of a strided view, no copy): the
        # types two before, one before, at, one after and two after, in roles -2, -1, 0, +1, +2.
        window = np.ndarray((len(padded) - 4, r), np.intp, p5, 0, (p5.itemsize, p5.itemsize))
        g = role_rows.take((window + self._window_roles).T, axis=0)
        s = g[0]
        s += g[1]
        s += g[2]
        s += g[3]
        s += g[4]
        real = padded[2:-2] != 0
        tags = np.full(len(padded), c, np.intp)
        np.copyto(tags[2:-2], s.argmax(axis=1), where=real)
        # Pass 2: the neighbours' pass-1 tags (the boundary tag c at padding), alone
        # and with the word itself when it is one of the ambiguous ones: five rows of
        # the context table, gathered at once.
        tk = tags * (c + 1)
        left, right = tags[1:-3], tags[3:-1]
        a = amb.take(padded[2:-2])
        rows = np.concatenate([tk[1:-3] + right, tk[:-4] + left, tk[3:-1] + tags[4:], a + left, a + right])
        g = self._context.take(rows.reshape(5, -1) + self._context_offsets, axis=0)
        s += g[0]
        s += g[1]
        s += g[2]
        s += g[3]
        s += g[4]
        out = np.full(len(padded), c, np.intp)
        np.copyto(out[2:-2], s.argmax(axis=1), where=real)
        return Tagged(padded, out, real, generation)

    def tag_sentences(
        self, words: Sequence[str], sentences: Sequence[tuple[int, int]]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """UPOS and XPOS columns for a document: ``words`` its tokens, ``sentences`` token ranges covering them."""
        return self.columns(self.tag_ids(words, sentences))

    def columns(self, tagged: Tagged) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """UPOS and XPOS columns from ``tag_ids``'s arrays."""
        best = tagged.classes[2:-2][tagged.real]
        upos, xpos = tuple(self._upos_names.take(best).tolist()), tuple(self._xpos_names.take(best).tolist())
        ext = layercore.extension()
        if ext is not None:  # tuples of strings: nothing for the garbage collector to walk
            ext.settled(upos)
            ext.settled(xpos)
        return upos, xpos

    def tag(self, words: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """UPOS and XPOS tags of one sentence."""
        return self.tag_sentences(words, [(0, len(words))])


def _sentence_spans(sentences: Sequence[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """The non-empty sentences, after checking that they partition ``n`` words in order (the
    reference of ``_layercore.sentence_spans``)."""
    expected = 0
    for s, e in sentences:
        if s != expected or e < s:
            raise ValueError(f"sentence ({s}, {e}) breaks the partition of the words (expected start {expected})")
        expected = e
    if expected != n:
        raise ValueError(f"sentences cover {expected} of {n} words")
    return [(s, e) for s, e in sentences if e > s]


def _widen(weights: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """float32 weights from int8 ones and a scale per row, with a last row of zeros for "no such feature"."""
    out = np.zeros((len(weights) + 1, weights.shape[1]), np.float32)
    np.multiply(weights, scale.astype(np.float32)[:, None], out=out[:-1])
    return out


_DEFAULT: Tagger | None = None
_DEFAULT_LOCK = threading.Lock()


def default_tagger() -> Tagger:
    """The shipped model, loaded on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Tagger()
    return _DEFAULT
