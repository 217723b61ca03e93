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

from ruleie.text import layer, layercore, linear, tagger as tagger_module
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


# -- glued documents: one recogniser call per batch ------------------------------------------

# Evidence that would cross a document edge if anything read across it: a title ending one
# document and a name starting the next, a name repeated in the next document, a surname whose
# full name is in another document, names split across the edge, organisation words at the edge.
EDGES = [
    "The talks ended. Reporters asked President",
    "Bush said nothing. Assad left. The Interior",
    "Ministry of Defense said Bashar Assad met Mr. Maliki in Damascus.",
    "Assad and Maliki spoke. Damascus Reuters reported.",
    "Mr.",
    "Maliki",
    "The Democratic Party met near the Tigris",
    "River . The CPA said the CPA and the CPA agreed with Mr. Bremer .",
]


def entities_alone(texts):
    return [entity_spans(annotate(t)) for t in texts]


@pytest.mark.parametrize("texts", [TEXTS, EDGES, TEXTS + EDGES + TEXTS[::-1]])
def test_glued_documents_give_what_each_document_gives_alone(monkeypatch: pytest.MonkeyPatch, texts) -> None:
    expected = entities_alone(texts)
    for glued in (True, False):
        monkeypatch.setattr(layer, "GLUED_ENTITIES", glued)
        for batch_tokens in (1, 7, 10_000):
            assert [entity_spans(d) for d in annotate_many(texts, batch_tokens=batch_tokens)] == expected


def test_the_recogniser_on_glued_words_equals_one_call_per_document() -> None:
    from ruleie.text.entities import default_recognizer
    from ruleie.text.tagger import default_tagger

    recognizer = default_recognizer()
    docs = [annotate(t) for t in EDGES + TEXTS if t]
    words: list[str] = []
    xpos: list[str] = []
    sentences: list[tuple[int, int]] = []
    offsets: list[int] = []
    alone = []
    for doc in docs:
        w = list(doc.column("word"))
        _, x = default_tagger().tag(w)
        alone.append(recognizer(tuple(w), x, x, doc.sentences))
        offsets.append(len(words))
        sentences += [(a + len(words), b + len(words)) for a, b in doc.sentences]
        words += w
        xpos += x
    found = recognizer(tuple(words), tuple(xpos), tuple(xpos), sentences, documents=offsets)
    bounds = offsets + [len(words)]
    split = [tuple((a - lo, b - lo, label) for a, b, label in found if lo <= a < hi)
             for lo, hi in zip(bounds, bounds[1:])]
    assert split == alone


def test_span_feature_ids_equal_the_feature_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The span classifier's id path (no strings) looks up exactly the features ``span_features`` names."""
    from ruleie.text.entities import EntityRecognizer, default_recognizer
    from ruleie.text.linear import XPOS_TAGS

    recognizer = default_recognizer()
    fast = EntityRecognizer._span_feature_ids
    seen = []

    def checked(self, words, tags, span, margins, others, lo, hi):
        got = fast(self, words, tags, span, margins, others, lo, hi)
        feats = self.span_features(words, [XPOS_TAGS[t] for t in tags], span, margins, others, lo, hi)
        assert got == [k for k in map(self.span_model.get, feats) if k is not None]
        seen.append(span)
        return got

    monkeypatch.setattr(EntityRecognizer, "_span_feature_ids", checked)
    # The numpy reference: the compiled classifier (test_layercore.py) adds the same rows without ids.
    with layercore.using(layercore.NUMPY):
        expected = entities_alone(TEXTS + EDGES)
        assert [entity_spans(d) for d in annotate_many(TEXTS + EDGES)] == expected
    assert len(seen) > 10
    # The string path (taken while training collects the features) gives the same entities.
    monkeypatch.setattr(recognizer, "collect", [])
    assert entities_alone(TEXTS + EDGES) == expected
    assert recognizer.collect


# -- read-ahead: RuleSet.extract_many, ruleie run, ruleie annotate ---------------------------

LAYER_RULES = """ruleie: 1
types:
  Ent: {fields: {who: mention}, key: [who]}
  Met: {fields: {who: mention, where: mention}, key: [who]}
  Phrase: {fields: {np: mention}, key: [np]}
rules:
  - {name: person, type: Ent, pattern: "(?<who> @PERSON)"}
  - {name: org, type: Ent, pattern: "(?<who> @ORG)"}
  - {name: place, type: Ent, pattern: "(?<who> @GPE | @LOC | @NORP)"}
  - {name: met, type: Met, pattern: "(?<who> @PERSON) [pos=VERB] []*? in (?<where> @GPE)"}
  - {name: np, type: Phrase, pattern: "(?<np> @NP) [tag=VBD]"}
"""


@pytest.fixture()
def layer_rules(tmp_path):
    import ruleie

    path = tmp_path / "layer.yaml"
    path.write_text(LAYER_RULES, encoding="utf-8")
    return path, ruleie.load_rules(path)


def test_uses_layer(tmp_path) -> None:
    import ruleie

    def rules(pattern: str):
        path = tmp_path / "r.yaml"
        path.write_text(f"ruleie: 1\ntypes: {{T: {{}}}}\nrules:\n  - {{name: r, type: T, pattern: '{pattern}'}}\n",
                        encoding="utf-8")
        return ruleie.load_rules(path)

    assert not rules("met [lemma=talk]").uses_layer
    assert rules("[pos=VERB]").uses_layer
    assert rules("[!tag=/VB.*/] met").uses_layer
    assert rules("@PERSON met").uses_layer


def test_extract_many_reads_ahead_and_isolates_a_bad_document(layer_rules) -> None:
    _, rules = layer_rules
    items = [{"id": f"d{i}", "text": t} for i, t in enumerate(TEXTS + EDGES)]
    items[3] = {"id": "no-text"}  # fails before it is annotated
    items.insert(6, 42)  # not a document at all
    items.insert(9, ("pair", "Angela Merkel met Emmanuel Macron in Paris."))
    rules.uses_layer = False  # the loop of one document at a time
    expected = [(r.doc_id, [x.to_dict() for x in r.records], r.error) for r in rules.extract_many(items)]
    rules.uses_layer = True
    assert rules.uses_layer
    got = [(r.doc_id, [x.to_dict() for x in r.records], r.error) for r in rules.extract_many(items)]
    assert got == expected
    assert [(d, e) for d, _, e in got if e] == [("doc3", "ValueError: document has no 'text' string"),
                                                ("doc6", "TypeError: cannot read a document from int")]
    assert any(records for _, records, _ in got)


def test_extract_many_a_document_that_breaks_the_layer_or_the_engine(layer_rules, monkeypatch) -> None:
    from ruleie.engine.ruleset import RuleSet
    from ruleie.text import entities

    _, rules = layer_rules
    texts = [t for t in TEXTS + EDGES if t]
    expected = [[r.to_dict() for r in rules.extract(t, doc_id=f"doc{i}")] for i, t in enumerate(texts)]
    # The recogniser fails on the batch (it holds "Tigris") and on that document alone: only it fails.
    original = entities.EntityRecognizer.__call__

    def fragile(self, words, *args, **kwargs):
        if "Tigris" in words:
            raise RuntimeError("recogniser bug")
        return original(self, words, *args, **kwargs)

    monkeypatch.setattr(entities.EntityRecognizer, "__call__", fragile)
    got = list(rules.extract_many(texts))
    bad = [i for i, t in enumerate(texts) if "Tigris" in t.split()]
    assert bad and [i for i, r in enumerate(got) if r.error] == bad
    assert all("recogniser bug" in got[i].error for i in bad)
    assert [[x.to_dict() for x in r.records] for i, r in enumerate(got) if i not in bad] == \
           [e for i, e in enumerate(expected) if i not in bad]
    monkeypatch.setattr(entities.EntityRecognizer, "__call__", original)
    # The engine fails on one document in the middle of a batch: the others keep their records.
    extract = RuleSet.extract

    def broken(self, text, doc_id=""):
        if doc_id == "doc4":
            raise RecursionError("maximum recursion depth exceeded")
        return extract(self, text, doc_id=doc_id)

    monkeypatch.setattr(RuleSet, "extract", broken)
    got = list(rules.extract_many(texts))
    assert [r.error for r in got] == [None] * 4 + ["RecursionError: maximum recursion depth exceeded"] + \
           [None] * (len(texts) - 5)
    assert [[x.to_dict() for x in r.records] for r in got[5:]] == expected[5:]


def test_read_ahead_streams_one_batch_at_a_time() -> None:
    from ruleie.text.linguistic import read_ahead

    taken = []

    def source():
        for i in range(100):
            taken.append(i)
            yield annotate("Angela Merkel met Emmanuel Macron in Paris .")  # 8 tokens

    stream = read_ahead(source(), lambda d: d, batch_tokens=20)
    first = next(stream)
    assert len(taken) == 3  # the first batch (3 documents, 24 tokens), not the whole input
    assert entity_spans(first) == entities_alone([first.text])[0]
    rest = list(stream)
    assert len(rest) == 99 and len(taken) == 100
    # Items without a document (None) count one token each: a run of failures is bounded too.
    taken.clear()
    failures = read_ahead(iter(range(10_000)), lambda i: None, batch_tokens=50)
    assert next(failures) == 0 and list(failures)[-1] == 9_999


def test_ruleie_run_and_annotate_read_ahead_with_the_same_output(layer_rules, tmp_path, monkeypatch) -> None:
    import io
    import json

    import ruleie.cli as cli
    from ruleie.tools.annotate import write_jsonl

    path, _ = layer_rules
    docs = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": t}) for i, t in enumerate(TEXTS + EDGES)]
    lines.insert(5, "not json")
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(*argv):
        out, err = io.StringIO(), io.StringIO()
        return cli.main([str(a) for a in argv], out, err), out.getvalue(), err.getvalue()

    ahead = run("run", "--no-progress", "--rules", path, docs)
    original = cli._extract_items

    def one_at_a_time(rules, items):
        rules.uses_layer = False
        return original(rules, items)

    monkeypatch.setattr(cli, "_extract_items", one_at_a_time)
    assert run("run", "--no-progress", "--rules", path, docs) == ahead
    assert ahead[0] == 1 and "docs.jsonl:6" in ahead[2] and ahead[1].count("\n") > 10
    code, out, err = run("annotate", "--format", "jsonl", docs)
    expected = io.StringIO()
    for i, t in enumerate(TEXTS + EDGES):
        write_jsonl(annotate(t, f"d{i}"), expected)
    assert code == 1 and out == expected.getvalue()
