"""The fast paths of the linguistic layer give exactly what the plain ones give.

* ``annotate_many`` (documents that share a ``LayerBatch``) against ``annotate`` one at a time;
* the tagger's arrays feeding the chunker/entity engine (``layer.prime``) against the engine
  reading the words and tags as strings, also when either cache starts over;
* the tagger against a slow reference written from its model description.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

from ruleie.text import layer, linear, tagger as tagger_module
from ruleie.text.document import annotate, annotate_many
from ruleie.text.linguistic import entity_spans, noun_phrase_spans

TEXTS = [
    "Syrian President Bashar Assad met Iraqi officials in Damascus on Tuesday. Mr. Assad said little.",
    "Thousands of demonstrators have marched through London to protest the war in Iraq.",
    "",
    "The Interior Ministry said the Democratic Party met near the Tigris River. It rained.",
    "Hamas said Israeli troops entered Gaza. U.S. officials declined to comment on the report.",
    "Prices rose 3.5 % to $ 1,200 , see https://example.com/report . Nothing else.",
    "Kyiv",
    "The well-known Taleban commander , Mullah Omar , was not seen . The Taleban denied it .",
]


def layer_of(doc):
    return doc.column("pos"), doc.column("tag"), noun_phrase_spans(doc), entity_spans(doc)


def one_by_one(texts):
    return [layer_of(annotate(t)) for t in texts]


@pytest.mark.parametrize("batch_tokens", [1, 20, 5_000])
def test_annotate_many_equals_one_document_at_a_time(batch_tokens: int) -> None:
    expected = one_by_one(TEXTS)
    docs = list(annotate_many(TEXTS, batch_tokens=batch_tokens))
    assert [d.text for d in docs] == TEXTS
    # Ask in different orders: entities first, tags first, phrases first.
    got = []
    for i, doc in enumerate(docs):
        if i % 3 == 0:
            ents = entity_spans(doc)
            got.append((doc.column("pos"), doc.column("tag"), noun_phrase_spans(doc), ents))
        elif i % 3 == 1:
            got.append(layer_of(doc))
        else:
            phrases = noun_phrase_spans(doc)
            got.append((doc.column("pos"), doc.column("tag"), phrases, entity_spans(doc)))
    assert got == expected


def test_annotate_many_with_ids_and_documents_dropped_early() -> None:
    expected = one_by_one(TEXTS)
    stream = annotate_many([(t, f"d{i}") for i, t in enumerate(TEXTS)], batch_tokens=10_000)
    first = next(stream)
    assert first.id == "d0"
    rest = list(stream)
    del rest[2:5]  # documents 3, 4 and 5, never asked for: the batch computes for the documents still alive
    gc.collect()
    assert layer_of(first) == expected[0]
    assert [layer_of(d) for d in rest] == expected[1:3] + expected[6:]


def test_tags_only_then_phrases_later() -> None:
    expected = one_by_one(TEXTS)
    docs = list(annotate_many(TEXTS))
    assert [(d.column("pos"), d.column("tag")) for d in docs] == [e[:2] for e in expected]
    assert [noun_phrase_spans(d) for d in docs] == [e[2] for e in expected]
    assert [entity_spans(d) for d in docs] == [e[3] for e in expected]


def test_engine_from_tagger_arrays_equals_engine_from_strings() -> None:
    from ruleie.text.chunker import default_chunker
    from ruleie.text.entities import default_recognizer
    from ruleie.text.tagger import default_tagger

    engine = layer.default_engine()
    for text in TEXTS:
        doc = annotate(text)
        if not len(doc):
            continue
        words, sentences = doc.column("word"), doc.sentences
        tagged = default_tagger().tag_ids(words, sentences)
        upos, xpos = default_tagger().columns(tagged)
        engine._last = None
        plain = engine.run(words, xpos, sentences)
        engine._last = None
        layer.prime(words, xpos, sentences, tagged)
        primed = engine.run(words, xpos, sentences)
        assert primed is not plain
        assert np.array_equal(primed.scores, plain.scores)
        assert np.array_equal(primed.types, plain.types) and np.array_equal(primed.tags, plain.tags)
        assert np.array_equal(primed.first, plain.first)
        assert default_chunker()(words, upos, xpos, sentences) is not None
        assert default_recognizer()(words, upos, xpos, sentences) is not None


def test_the_bridge_survives_either_cache_starting_over(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = one_by_one(TEXTS)
    fresh_tagger = tagger_module.Tagger()
    fresh_engine = linear.Engine(layer.default_engine().models)
    bridge = layer.Bridge(fresh_tagger, fresh_engine)
    monkeypatch.setattr(layer, "default_engine", lambda: fresh_engine)
    monkeypatch.setattr(layer, "default_bridge", lambda: bridge)
    monkeypatch.setattr(tagger_module, "default_tagger", lambda: fresh_tagger)
    monkeypatch.setattr(layer, "default_tagger", lambda: fresh_tagger)
    monkeypatch.setattr(tagger_module, "CACHE_LIMIT", 60)  # the tagger starts over every few documents
    monkeypatch.setattr(linear, "_CACHE_LIMIT", fresh_engine.size + 40)  # so does the engine
    from ruleie.text import chunker, entities

    monkeypatch.setattr(chunker, "default_chunker", lambda: chunker.Chunker(engine=fresh_engine, slot=0))
    recognizer = entities.EntityRecognizer(engine=fresh_engine, slot=1)
    monkeypatch.setattr(entities, "default_recognizer", lambda: recognizer)
    for _ in range(3):
        assert one_by_one(TEXTS) == expected
        assert [layer_of(d) for d in annotate_many(TEXTS)] == expected
    # Arrays made before the tagger started over are not used: the engine reads the words.
    doc = annotate(TEXTS[0])
    tagged = fresh_tagger.tag_ids(doc.column("word"), doc.sentences)
    fresh_tagger._reset()
    assert bridge.engine_ids(tagged) is None
    # Nor are another tagger's.
    assert bridge.engine_ids(tagger_module.Tagger().tag_ids(doc.column("word"), doc.sentences)) is None


def reference_tags(t: tagger_module.Tagger, words: list[str]) -> list[int]:
    """The two passes of the model, token by token, straight from the model description."""
    c = t.n_classes
    k = c + 1
    feats = [tagger_module.word_features(w, t.clusters, t.lexicon, first=(i == 0)) for i, w in enumerate(words)]
    rows = t._type_rows(feats).astype(np.int64)  # (n, 5 roles * c): the type's rows as 0, -1, +1, -2, +2
    boundary = t._type_rows([tagger_module.BOUNDARY]).astype(np.int64)[0]
    n = len(words)

    def role_row(j: int, role: int) -> np.ndarray:
        row = rows[j] if 0 <= j < n else boundary
        return row[role * c:(role + 1) * c]

    first = [int(np.argmax(role_row(i, 0) + role_row(i - 1, 1) + role_row(i + 1, 2) + role_row(i - 2, 3)
                           + role_row(i + 2, 4))) for i in range(n)]
    kk = k * k
    a = (len(t.ambiguous) + 1) * k

    def tag(j: int) -> int:
        return first[j] if 0 <= j < n else c

    out = []
    for i in range(n):
        amb = t.ambiguous.get(tagger_module.normalize(words[i]).lower(), 0)
        s = (role_row(i, 0) + role_row(i - 1, 1) + role_row(i + 1, 2) + role_row(i - 2, 3) + role_row(i + 2, 4)
             + t._context[tag(i - 1) * k + tag(i + 1)] + t._context[kk + tag(i - 2) * k + tag(i - 1)]
             + t._context[2 * kk + tag(i + 1) * k + tag(i + 2)] + t._context[3 * kk + amb + tag(i - 1)]
             + t._context[3 * kk + a + amb + tag(i + 1)])
        out.append(int(np.argmax(s)))
    return out


@pytest.mark.parametrize("text", [t for t in TEXTS if t])
def test_tagger_equals_the_reference(text: str) -> None:
    t = tagger_module.default_tagger()
    doc = annotate(text)
    words = doc.column("word")
    for s, e in doc.sentences:
        best = reference_tags(t, list(words[s:e]))
        assert t.tag(words[s:e]) == (tuple(t.upos[b] for b in best), tuple(t.xpos[b] for b in best))


def test_a_batch_that_fails_leaves_each_document_to_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = one_by_one(TEXTS)

    def broken(documents):
        raise RuntimeError("no batch today")

    monkeypatch.setattr(layer, "layer_many", broken)
    assert [layer_of(d) for d in annotate_many(TEXTS)] == expected


def viterbi_one(scores: np.ndarray, transitions: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[int]:
    """The textbook Viterbi of one segment (the same float operations, one segment at a time)."""
    delta = scores[0] + start
    back = []
    for j in range(1, len(scores)):
        cand = delta[:, None] + transitions
        back.append(cand.argmax(axis=0))
        delta = cand.max(axis=0) + scores[j]
    path = [int((delta + end).argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]


@pytest.mark.parametrize("seed", range(40))
def test_viterbi_segments_equals_one_segment_at_a_time(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 25))
    lengths = [1] * k if seed % 5 == 0 else rng.integers(1, 8, k).tolist()
    scores = rng.normal(size=(sum(lengths), 7)).astype(np.float32)
    transitions = rng.normal(size=(7, 7)).astype(np.float32)
    if seed % 3 == 0:  # ties
        scores, transitions = np.round(scores), np.round(transitions)
    got = linear.viterbi_segments(scores, lengths, transitions, transitions[0], transitions[:, 0])
    offsets = np.cumsum([0] + lengths)
    assert got == [viterbi_one(scores[a:b], transitions, transitions[0], transitions[:, 0])
                   for a, b in zip(offsets[:-1], offsets[1:])]
