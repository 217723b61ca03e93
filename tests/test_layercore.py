"""The compiled kernels of the linguistic layer (``ruleie.text._layercore``) give exactly what
their numpy references give (``layercore``): the same bits, on real texts and on random
arrays built to tie (small integer scores) and to round (floats of mixed magnitudes)."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from ruleie.text import layercore
from ruleie.text.document import annotate, annotate_many
from ruleie.text.entities import _EDGE_TAGS, _EDGE_TAGS_U8, default_recognizer, margin_bins
from ruleie.text.layer import default_engine
from ruleie.text.linear import N_TAGS, PAD, XPOS_TAGS, Scored
from ruleie.text.linguistic import entity_spans, noun_phrase_spans
from ruleie.text.tagger import default_tagger

pytestmark = pytest.mark.skipif(not layercore.available(), reason="the compiled layer kernels are not built")

TEXTS = [
    "Syrian President Bashar Assad met Iraqi officials in Damascus on Tuesday. Mr. Assad said little.",
    "Thousands of demonstrators have marched through London to protest the war in Iraq.",
    "The Interior Ministry said the Democratic Party met near the Tigris River. It rained.",
    "Hamas said Israeli troops entered Gaza. U.S. officials declined to comment on the report. "
    "Hamas leader Ismail Haniyeh told Al-Jazeera that the Palestinian Authority would not stand aside.",
    "Prices rose 3.5 % to $ 1,200 , see https://example.com/report . Nothing else.",
    "Kyiv",
    "The well-known Taleban commander , Mullah Omar , was not seen . The Taleban denied it .",
    "WASHINGTON -- The United Nations Security Council met in New York on Monday , and "
    "Secretary-General Ban Ki-moon urged the Sudanese government to let aid reach Darfur.",
    "Xqzv Blorptown said Wuggle Corp. and the Frobnia Liberation Front met in Zanzipor.",
]


def _layer(doc):  # type: ignore[no-untyped-def]
    return doc.column("pos"), doc.column("tag"), noun_phrase_spans(doc), entity_spans(doc)


@pytest.mark.parametrize("batched", [False, True])
def test_the_layer_is_the_same_on_either_kernels(batched: bool) -> None:
    got = {}
    for core in (layercore.NUMPY, layercore.COMPILED):
        with layercore.using(core):
            docs = list(annotate_many(TEXTS)) if batched else [annotate(t) for t in TEXTS]
            got[core] = [_layer(d) for d in docs]
    assert got[layercore.NUMPY] == got[layercore.COMPILED]
    assert any(entities for *_, entities in got[layercore.COMPILED])


def _random_sentences(rng: random.Random, n: int) -> list[tuple[int, int]]:
    cuts = sorted(rng.sample(range(1, n), min(n - 1, rng.randint(0, 6)))) if n > 1 else []
    bounds = [0] + cuts + [n]
    return list(zip(bounds, bounds[1:]))


def test_tagger_passes_on_random_tables() -> None:
    tagger = default_tagger()
    words = " ".join(TEXTS).split()
    # Every type known, inside a sentence and first in one: the copy below adds none (and
    # its caches are its own, so that the shared tagger never sees the random rows).
    tagger.tag_ids(words, [(0, len(words))])
    tagger.tag_ids(words, [(i, i + 1) for i in range(len(words))])
    rng = np.random.default_rng(7)
    shuffle = random.Random(7)
    fake = copy.copy(tagger)
    fake._ids, fake._first_ids, fake.words = dict(tagger._ids), dict(tagger._first_ids), list(tagger.words)
    known = len(fake.words)
    for spread in (2, 50, 3200):  # small: many ties; large: the full range of the rows
        fake._role_rows = rng.integers(-spread, spread + 1, tagger._role_rows.shape).astype(np.int16)
        fake._context = rng.integers(-spread, spread + 1, tagger._context.shape).astype(np.int16)
        for _ in range(20):
            sample = [shuffle.choice(words) for _ in range(shuffle.randint(1, 60))]
            sentences = _random_sentences(shuffle, len(sample))
            with layercore.using(layercore.NUMPY):
                expected = fake.tag_ids(sample, sentences)
            with layercore.using(layercore.COMPILED):
                got = fake.tag_ids(sample, sentences)
            assert np.array_equal(got.padded, expected.padded)
            assert np.array_equal(got.real, expected.real)
            assert got.classes.dtype == expected.classes.dtype
            assert np.array_equal(got.classes, expected.classes)
    assert len(fake.words) == known


def test_engine_scores_on_random_ids_and_tables() -> None:
    engine = copy.copy(default_engine())
    rng = np.random.default_rng(11)
    shuffle = random.Random(11)
    for scale in (1.0, 1e-3, 1e4):
        # Mixed magnitudes: a different order of the seven adds would round differently.
        table = (rng.standard_normal(engine.table.shape) * scale * rng.choice([1e-4, 1.0, 1e3], engine.table.shape))
        engine.table = table.astype(np.float32)
        for _ in range(20):
            n = shuffle.randint(1, 80)
            sentences = _random_sentences(shuffle, n)
            types = [shuffle.randrange(1, engine.size) for _ in range(n)]
            tags = [shuffle.randrange(1, N_TAGS) for _ in range(n)]
            w, t = [0] * PAD, [0] * PAD
            for s, e in sentences:
                w += types[s:e] + [0] * PAD
                t += tags[s:e] + [0] * PAD
            w_array, t_array = np.asarray(w, np.int64), np.asarray(t, np.int64)
            results = []
            for core in (layercore.NUMPY, layercore.COMPILED):
                with layercore.using(core):
                    engine._last = None
                    results.append(engine.run_padded(list(range(n)), None, sentences, w_array, t_array,
                                                     engine.generation))
            expected, got = results
            assert got.scores.dtype == expected.scores.dtype == np.float32
            assert got.scores.tobytes() == expected.scores.tobytes()
            for name in ("types", "tags", "first"):
                assert np.array_equal(getattr(got, name), getattr(expected, name))


def _random_scored(rng: np.random.Generator, n: int, identity: bool) -> tuple[Scored, np.ndarray]:
    # Scores in halves: ties between labels and runs right at the margin are common.
    scores = (rng.integers(-60, 60, (n, 7)) / 2).astype(np.float32)
    tags = rng.integers(0, N_TAGS, n).astype(np.int64)
    if identity:
        sentences = [(0, n)]
    else:  # sentences that skip tokens: rows are not token indices
        sentences = [(1, n // 2), (n // 2 + 2, n + 3)]
        n_rows = (n // 2 - 1) + (n + 1 - n // 2)
        scores, tags = scores[:n_rows], tags[:n_rows]
    scored = Scored(scores, np.zeros(len(tags), np.int64), tags, n + 3 if not identity else n, sentences)
    scored.first = rng.random(len(tags)) < 0.1
    scored.first[0] = True
    return scored, np.ascontiguousarray(scores)


@pytest.mark.parametrize("identity", [True, False])
def test_entity_candidates_and_bins_on_random_scores(identity: bool) -> None:
    recognizer = default_recognizer()
    compiled = layercore._ext
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(200):
        n = int(rng.integers(4, 120))
        scored, scores = _random_scored(rng, n, identity)
        assert scored.identity is identity
        flags = rng.choice(np.asarray([0, 0, 0, 1, 2, 4, 8, 64, 66, 128], np.int16), len(scored.tags))
        token = None if identity else scored.token_index
        expected = recognizer._candidates(scores, scored, flags, None if token is None else token.tolist())
        got = compiled.entity_candidates(scores, scored.first.view(np.uint8), flags, scored.tags, _EDGE_TAGS_U8,
                                         recognizer.transitions, recognizer.margin, token)
        assert got == expected
        rows = compiled.entity_candidates(scores, scored.first.view(np.uint8), flags, scored.tags, _EDGE_TAGS_U8,
                                          recognizer.transitions, recognizer.margin, token, as_array=True)
        assert [tuple(x) for x in rows.tolist()] == expected
        if got:
            assert compiled.span_bins(scores, got) == margin_bins(scores, got)
            checked += len(got)
    assert checked > 1000, checked
    assert _EDGE_TAGS_U8.tobytes() == _EDGE_TAGS.astype(np.uint8).tobytes()


def test_switching_kernels() -> None:
    with layercore.using(layercore.NUMPY):
        assert layercore.kernels() is None
    with layercore.using(layercore.COMPILED):
        assert layercore.kernels() is not None
    with pytest.raises(ValueError):
        layercore.use("fortran")


def test_span_classifier_on_random_candidates() -> None:
    recognizer = default_recognizer()
    rng = np.random.default_rng(5)
    shuffle = random.Random(5)
    # A small vocabulary, so that the same strings recur in a document ("what the same string got").
    vocabulary = "Assad Bashar Damascus Iraqi the of Ministry Interior Party said Mr. President , . Kyiv Xqzv".split()
    for _ in range(30):
        n = shuffle.randint(3, 200)
        words = tuple(shuffle.choice(vocabulary) for _ in range(n))
        documents = sorted({0} | set(shuffle.sample(range(1, n), min(n - 1, shuffle.randint(0, 4)))))
        bounds = documents + [n]
        candidates = []
        for lo, hi in zip(bounds, bounds[1:]):
            for _ in range(shuffle.randint(0, 12)):
                a = shuffle.randrange(lo, hi)
                b = shuffle.randint(a + 1, min(hi, a + 4))
                candidates.append((a, b, shuffle.randint(1, 3), a, shuffle.choice([0, 1, 4, 64])))
        if not candidates:
            continue
        types = np.asarray(recognizer.engine.type_ids(words)[0], np.int64)  # the compiled caches are keyed by them
        scored = Scored(np.zeros((n, 10), np.float32), types, rng.integers(0, N_TAGS, n), n, [(0, n)])
        scores = (rng.standard_normal((n, 7)) * 8).astype(np.float32)
        kinds = {}
        for core in (layercore.NUMPY, layercore.COMPILED):
            with layercore.using(core):
                kinds[core] = recognizer._retype(words, scored, scores, candidates, documents)
        assert kinds[layercore.COMPILED] == kinds[layercore.NUMPY]


def _random_entities(shuffle: random.Random, words: tuple[str, ...], first: np.ndarray, bounds: list[int]) -> list:
    """Sorted, non-overlapping entities inside sentences and documents, of random labels."""
    out = []
    a = 0
    n = len(words)
    while a < n:
        a += shuffle.randint(0, 4)
        b = a + shuffle.choice([1, 1, 1, 2, 3])
        if b > n or any(first[a + 1:b]) or any(a < x < b for x in bounds):
            a += 1
            continue
        out.append((a, b, shuffle.choice(["PERSON", "PERSON", "ORG", "GPE", "LOC", "NORP"])))
        a = b
    return out


@pytest.mark.parametrize("propagate", [True, False])
def test_document_evidence_on_random_documents(propagate: bool) -> None:
    """Surnames and repeated names: the compiled pass, the one-pass Python and a call per
    document give the same entities, and nothing crosses from one document to another."""
    recognizer = copy.copy(default_recognizer())
    recognizer.propagate = propagate
    shuffle = random.Random(13)
    # Few words, many capitalised, titles among them: names recur, surnames are found.
    vocabulary = "Assad Bashar Mr. President Kyiv Omar Mullah the said of Taleban U.S. Hamas it met a".split()
    for _ in range(150):
        n = shuffle.randint(1, 120)
        words = tuple(shuffle.choice(vocabulary) for _ in range(n))
        first = np.asarray([i == 0 or shuffle.random() < 0.1 for i in range(n)])
        documents = sorted({0} | set(shuffle.sample(range(n), min(n, shuffle.randint(0, 5)))))
        bounds = documents + [n]
        for x in documents:
            if x < n:
                first[x] = True
        out = _random_entities(shuffle, words, first, bounds)
        if not out:
            continue
        types = np.asarray(recognizer.engine.type_ids(words)[0], np.int64)  # the compiled pass tells words by them
        scored = Scored(np.zeros((n, 10), np.float32), types, np.zeros(n, np.int64), n, [(0, n)])
        scored.first = first
        flags = recognizer._type_flags()[types]  # 64: capitalised, 128: a title ("Mr.", "President")
        with layercore.using(layercore.COMPILED):
            compiled = recognizer._in_documents(words, scored, list(out), bounds, flags)
        with layercore.using(layercore.NUMPY):
            python = recognizer._in_documents(words, scored, list(out), bounds, flags)
        assert sorted(compiled) == sorted(python)
        each = recognizer._each_document(words, scored, list(out), documents)
        assert sorted(compiled) == sorted(each)


def test_type_table_finds_what_a_dict_finds() -> None:
    """The compiled word -> type table: short and long words, every character size (PEP 393),
    words that share their first bytes, growth past its first capacity; unknown words are 0."""
    shuffle = random.Random(17)
    alphabets = ["abcXYZ", "abcé€", "ab\U0001f600\U0001f4a5", "0123456789-."]
    words = sorted({"".join(shuffle.choice(shuffle.choice(alphabets)) for _ in range(shuffle.randint(1, 24)))
                    for _ in range(3000)} | {"the", "thesaurus", "thesaurus1", "thesaurus2", "Ω", "€", "é" * 4})
    known = dict(zip(words[::2], range(1, len(words))))
    table = layercore.extension().TypeTable([None] + list(known), capacity=16)
    for word, type_id in known.items():
        table.add(word, type_id)
    assert len(table) == len(known)
    for word in words:
        copy_of_word = "".join(list(word))  # an equal string, another object
        assert table.get(copy_of_word) == known.get(word, 0)
    assert table.get(b"the") == 0


def test_sentence_checks_are_the_same_on_either_kernels() -> None:
    from ruleie.text.tagger import _sentence_spans

    compiled = layercore.extension()
    for sentences, n in [([(0, 2), (2, 2), (2, 5)], 5), ([], 0), ([(0, 0)], 0)]:
        assert compiled.sentence_spans(sentences, n) == _sentence_spans(sentences, n)
    for sentences, n in [([(0, 2), (3, 5)], 5), ([(0, 2), (2, 1)], 2), ([(0, 2)], 3), ([(1, 2)], 2)]:
        with pytest.raises(ValueError) as expected:
            _sentence_spans(sentences, n)
        with pytest.raises(ValueError, match=str(expected.value).replace("(", r"\(").replace(")", r"\)")):
            compiled.sentence_spans(sentences, n)


def test_batches_glued_and_split_the_same_on_either_kernels() -> None:
    """``layer_many`` over documents with empty ones among them: the same glued words, sentences
    and offsets, and the same phrases and entities per document, on either kernels."""
    from ruleie.text.layer import layer_many

    shuffle = random.Random(19)
    texts = TEXTS + ["", "Mr. Assad", ""]
    for _ in range(10):
        docs = [annotate(shuffle.choice(texts)) for _ in range(shuffle.randint(1, 12))]
        pairs = [(d.column("word"), d.sentences) for d in docs]
        got = {}
        for core in (layercore.NUMPY, layercore.COMPILED):
            with layercore.using(core):
                glued = layer_many(pairs)
                got[core] = (glued.words, glued.sentences, glued.offsets, glued.upos, glued.xpos,
                             glued.phrases(), glued.entities())
        assert got[layercore.COMPILED] == got[layercore.NUMPY]
        assert len(got[layercore.COMPILED][5]) == len(got[layercore.COMPILED][6]) == len(docs)


def test_entities_of_random_scores_are_the_same_on_either_kernels() -> None:
    """The recogniser's whole decoding (candidates, span classifier, organisation, place, title,
    nationality and lower-case country words, surnames, repeated names) on random scores, tags and
    sentences over words that trigger every rule: the same entities on either kernels."""
    recognizer = default_recognizer()
    rng = np.random.default_rng(23)
    shuffle = random.Random(23)
    vocabulary = ("Assad Bashar Mr. President Interior Ministry of Defense Party Tigris River Iraqi Shiite mexico "
                  "U.S. Kyiv the and said , . Griffith@ENRON John Monday 12").split()
    proper = [XPOS_TAGS.index(t) for t in ("NNP", "NNPS", "NN", "JJ", "IN", "DT", "VBD", ",")]
    compared = 0
    for _ in range(120):
        n = shuffle.randint(2, 90)
        words = tuple(shuffle.choice(vocabulary) for _ in range(n))
        types = np.asarray(recognizer.engine.type_ids(words)[0], np.int64)
        tags = np.asarray([shuffle.choice(proper) for _ in range(n)], np.int64)
        documents = sorted({0} | set(shuffle.sample(range(1, n), min(n - 1, shuffle.randint(0, 3)))))
        scored = Scored(np.zeros((n, 10), np.float32), types, tags, n, [(0, n)])
        scored.scores[:, recognizer.engine.columns[recognizer.slot]] = rng.integers(-12, 12, (n, 7)) / 2
        scored.first = rng.random(n) < 0.15
        scored.first[documents] = True
        got = {}
        for core in (layercore.NUMPY, layercore.COMPILED):
            with layercore.using(core):
                got[core] = recognizer._finish(words, scored, documents)
        assert got[layercore.COMPILED] == got[layercore.NUMPY]
        compared += len(got[layercore.NUMPY])
    assert compared > 500, compared


def test_settled_tuples_are_left_out_of_garbage_collection_only_when_they_hold_no_container() -> None:
    import gc

    compiled = layercore.extension()
    def made(*items: object) -> tuple:  # built at run time, as the layer builds them (not a constant)
        return tuple(list(items))

    atoms = compiled.settled(made(1, "PERSON", made(2, 3)))  # the inner tuple is still tracked: it stays so
    assert gc.is_tracked(atoms)
    inner = compiled.settled(made(2, 3))
    assert not gc.is_tracked(inner)
    assert not gc.is_tracked(compiled.settled(made(1, "PERSON", inner)))
    assert gc.is_tracked(compiled.settled(made(1, [])))
    docs = list(annotate_many(TEXTS))
    for doc in docs:  # a batch's columns, phrases and entities are all settled
        for value in (doc.column("pos"), doc.column("tag"), noun_phrase_spans(doc), entity_spans(doc)):
            assert not gc.is_tracked(value)


def test_int_map_finds_what_a_dict_finds() -> None:
    shuffle = random.Random(29)
    keys = {shuffle.randint(-(1 << 62), 1 << 62) for _ in range(5000)} | set(range(-5, 50)) | {1 << 32, (1 << 32) + 1}
    known = {k: shuffle.randint(0, 1 << 40) for k in sorted(keys)[::2]}
    table = layercore.extension().IntMap(4)  # grown many times over
    for key, value in known.items():
        table[key] = value
    assert len(table) == len(known)
    for key in keys:
        if key in known:
            assert table[key] == known[key]
        else:
            with pytest.raises(KeyError):
                table[key]


def test_phrases_of_random_scores_are_the_same_on_either_kernels() -> None:
    """The chunker's decoding on small integer scores (ties between O, B and I are common, and
    so are I after O, which the decoding repairs) and random tags."""
    from ruleie.text.chunker import default_chunker, phrase_arrays

    columns = default_chunker().engine.columns[default_chunker().slot]
    rng = np.random.default_rng(31)
    for _ in range(200):
        n = int(rng.integers(1, 80))
        scored = Scored(rng.integers(-3, 4, (n, 10)).astype(np.float32), np.zeros(n, np.int64),
                        rng.integers(0, N_TAGS, n), n, [(0, n)])
        got = {}
        for core in (layercore.NUMPY, layercore.COMPILED):
            with layercore.using(core):
                got[core] = [a.tolist() for a in phrase_arrays(scored, columns)]
        assert got[layercore.COMPILED] == got[layercore.NUMPY]
