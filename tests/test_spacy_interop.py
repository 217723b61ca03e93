"""spaCy interop (ruleie/spacy_interop.py): a blank English pipeline, entities and tags set
by the test, so no model is downloaded. Skips, saying why, where spaCy is not installed."""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import pytest

spacy = pytest.importorskip("spacy", reason="spaCy is not installed: pip install -e '.[spacy]' to run the interop tests")

from spacy import displacy  # noqa: E402
from spacy.tokens import DocBin, Span  # noqa: E402

import ruleie  # noqa: E402
from ruleie.tools import spacy_interop  # noqa: E402
from ruleie.tools.spacy_interop import (  # noqa: E402
    SpacyAnnotator,
    displacy_options,
    from_spacy,
    is_spacy_doc,
    spacy_records,
    to_spacy_spans,
)

RULES = """\
ruleie: 1
types:
  Actor: {kind: mention}
  PERSON: {parent: Actor}
  GPE: {parent: Actor}
  Meeting:
    fields: {host: mention, trigger: str, participants: "list[mention]", location: mention}
    key: [participants]
  Strike:
    fields: {attacker: str, trigger: str, weapon: str, target: mention}
    key: [weapon]
  Statement:
    fields: {speaker: mention, verb: str, content: str}
    key: [speaker]
rules:
  - name: meeting.met
    type: Meeting
    pattern: (?<host> @PERSON) (?<trigger> [pos=VERB & lemma=meet]) (?<participants> @PERSON) (in (?<location> @GPE))?
  - name: strike.tagged
    type: Strike
    pattern: (?<attacker> [tag=NNP & entity=GPE]) (?<trigger> [pos=VERB]) [num>0]? (?<weapon> [tag=NNS]) (at (?<target> @GPE))?
  - name: statement.actor-said
    type: Statement
    pattern: (?<speaker> @Actor) (?<verb> said) (?<content> []+?) [word="."]? $
"""

TEXT = "Volodymyr Zelensky met Emmanuel Macron in Paris.\n\nRussia launched 23 missiles at Kyiv.  Klitschko said the city held."
TAGS = {"met": ("VBD", "VERB", "meet"), "launched": ("VBD", "VERB", "launch"), "said": ("VBD", "VERB", "say"),
        "missiles": ("NNS", "NOUN", "missile")}


@pytest.fixture()
def rules(tmp_path: Path) -> ruleie.RuleSet:
    path = tmp_path / "spacy_rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return ruleie.load_rules(path)


def entities(doc: Any) -> None:
    """Entities set by hand, as a NER component would."""
    found = []
    for words, label in (("Volodymyr Zelensky", "PERSON"), ("Emmanuel Macron", "PERSON"), ("Paris", "GPE"),
                         ("Russia", "GPE"), ("Kyiv", "GPE"), ("Klitschko", "PERSON")):
        start = doc.text.index(words)
        found.append(doc.char_span(start, start + len(words), label=label))
    doc.ents = found


def tagged(doc: Any) -> Any:
    """Tags, coarse POS and lemmas set by hand, as a tagger and lemmatizer would."""
    for t in doc:
        if t.is_space:
            continue
        tag, pos, lemma = TAGS.get(t.text, ("NNP", "PROPN", t.text) if t.text[0].isupper() else ("XX", "X", t.text.lower()))
        t.tag_, t.pos_, t.lemma_ = tag, pos, lemma
    return doc


def blank_doc(text: str = TEXT) -> Any:
    doc = spacy.blank("en")(text)
    entities(doc)
    return doc


def test_doctests() -> None:
    result = doctest.testmod(spacy_interop)
    assert result.failed == 0


def test_tokens_keep_exact_offsets_and_drop_whitespace() -> None:
    sdoc = blank_doc()
    doc = from_spacy(sdoc, "d1")
    assert doc.id == "d1" and doc.text == TEXT
    words = [t.text for t in sdoc if not t.is_space]
    assert [TEXT[s:e] for s, e in zip(doc.starts, doc.ends)] == words
    assert "\n\n" not in doc.column("word") and " " not in doc.column("word")  # type: ignore[operator]
    assert doc.starts == tuple(t.idx for t in sdoc if not t.is_space)


def test_fields_only_where_spacy_has_them() -> None:
    doc = from_spacy(blank_doc())
    # A blank pipeline: no tagger, no lemmatizer; entities set by the test.
    assert set(doc.extra_fields) == {"entity"}
    assert doc.column("lemma")[doc.column("word").index("launched")] == "launch"  # ruleie's lemmatizer
    ents = dict(zip(doc.column("word"), doc.column("entity")))  # type: ignore[arg-type]
    assert ents["Zelensky"] == "PERSON" and ents["Paris"] == "GPE" and ents["met"] is None
    assert [(m.type, doc.text[doc.starts[m.start]:doc.ends[m.end - 1]]) for m in doc.mentions] == [
        ("PERSON", "Volodymyr Zelensky"), ("PERSON", "Emmanuel Macron"), ("GPE", "Paris"),
        ("GPE", "Russia"), ("GPE", "Kyiv"), ("PERSON", "Klitschko")]
    assert all(m.rule == "spacy:ents" for m in doc.mentions)

    full = from_spacy(tagged(blank_doc()))
    assert set(full.extra_fields) == {"entity", "tag", "pos", "lemma"}
    i = full.column("word").index("missiles")
    assert full.token(i).fields["tag"] == "NNS" and full.token(i).fields["pos"] == "NOUN"
    assert full.token(i).fields["lemma"] == "missile"
    assert from_spacy(tagged(blank_doc()), lemmas=False).column("lemma")[1] == "zelensky"  # ruleie's, not spaCy's


def test_sentences_from_spacy_or_from_ruleie() -> None:
    doc = from_spacy(blank_doc())  # no sentence boundaries: ruleie's splitter
    said = [doc.text[doc.starts[s]:doc.ends[e - 1]] for s, e in doc.sentences]
    assert said == ["Volodymyr Zelensky met Emmanuel Macron in Paris.", "Russia launched 23 missiles at Kyiv.",
                    "Klitschko said the city held."]
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": ["!"]})  # spaCy's own (odd) choice wins
    sdoc = nlp("One. Two! Three.")
    assert from_spacy(sdoc).sentences == ((0, 4), (4, 6))


def test_extract_accepts_a_spacy_doc(rules: ruleie.RuleSet) -> None:
    sdoc = tagged(blank_doc())
    assert is_spacy_doc(sdoc) and not is_spacy_doc(TEXT)
    records = rules.extract(sdoc, doc_id="news1")
    got = {(r.type, r.rule): {k: (v.text if hasattr(v, "text") else [x.text for x in v]) for k, v in r.fields.items() if v}
           for r in records}
    assert got == {
        ("Meeting", "meeting.met"): {"host": "Volodymyr Zelensky", "trigger": "met",
                                     "participants": ["Emmanuel Macron"], "location": "Paris"},
        ("Strike", "strike.tagged"): {"attacker": "Russia", "trigger": "launched", "weapon": "missiles", "target": "Kyiv"},
        ("Statement", "statement.actor-said"): {"speaker": "Klitschko", "verb": "said", "content": "the city held"},
    }
    assert all(r.doc == "news1" and r.text == TEXT[r.start:r.end] for r in records)
    # A blank Doc has entities but no tags: ruleie's own layer fills the tags in (the Doc's
    # entities are kept), and on plain text the layer provides tags and PERSON mentions too.
    plain = rules.extract(blank_doc())
    assert sorted(r.type for r in plain) == ["Meeting", "Statement", "Strike"]
    assert {"Meeting", "Strike"} <= {r.type for r in rules.extract(TEXT)}


def test_records_written_back_as_spans(rules: ruleie.RuleSet) -> None:
    sdoc = tagged(blank_doc())
    records = rules.extract(sdoc)
    group = to_spacy_spans(records, sdoc)
    assert group is sdoc.spans["ruleie"]
    assert [(s.text, s.label_, s.id_) for s in sdoc.spans["ruleie"]] == [
        ("Volodymyr Zelensky met Emmanuel Macron in Paris", "Meeting", "meeting.met"),
        ("Russia launched 23 missiles at Kyiv", "Strike", "strike.tagged"),
        ("Klitschko said the city held.", "Statement", "statement.actor-said"),
    ]
    fields = [(s.text, s.label_) for s in sdoc.spans["ruleie.fields"]]
    assert ("Emmanuel Macron", "Meeting.participants") in fields and ("missiles", "Strike.weapon") in fields
    assert len(fields) == 11
    owners = sdoc.spans["ruleie.fields"].attrs["records"]
    assert [sdoc.spans["ruleie"][k].label_ for k in owners][:4] == ["Meeting"] * 4
    pairs = spacy_records(sdoc)
    assert [(span.text, record["rule"]) for span, record in pairs][1] == ("Russia launched 23 missiles at Kyiv", "strike.tagged")
    assert pairs[1][1]["fields"]["weapon"] == {"text": "missiles", "start": 69, "end": 77}

    html = displacy.render(sdoc, style="span", options={"spans_key": "ruleie"})
    assert "Meeting" in html and "Strike" in html and "Statement" in html
    coloured = displacy.render(sdoc, style="span", options=displacy_options(doc=sdoc))
    assert "#f3bebe" in coloured  # the first label seen (Meeting) takes the first colour
    assert displacy_options(doc=sdoc)["colors"] == {"Meeting": "#f3bebe", "Strike": "#bcd6e8", "Statement": "#c0e2c0"}
    ents_html = displacy.render(sdoc, style="ent")
    assert "PERSON" in ents_html

    # They survive spaCy's serialisation.
    restored = next(DocBin(store_user_data=True, docs=[sdoc]).get_docs(spacy.blank("en").vocab))
    assert [(s.text, s.label_, s.id_) for s in restored.spans["ruleie"]] == [
        (s.text, s.label_, s.id_) for s in sdoc.spans["ruleie"]]
    assert restored.spans["ruleie"].attrs["records"] == sdoc.spans["ruleie"].attrs["records"]


def test_offsets_are_widened_to_tokens_and_other_documents_refused() -> None:
    sdoc = blank_doc()
    record = {"type": "Strike", "rule": "r", "start": 52, "end": 62, "text": TEXT[52:62],
              "fields": {"weapon": {"text": "issiles", "start": 70, "end": 77}, "target": None}}
    to_spacy_spans([record], sdoc, key="mine")
    assert [s.text for s in sdoc.spans["mine"]] == ["Russia launched"]
    assert [s.text for s in sdoc.spans["mine.fields"]] == ["missiles"]
    with pytest.raises(ValueError, match="does not match"):
        to_spacy_spans([dict(record, text="something else")], sdoc)
    with pytest.raises(ValueError, match="does not match"):
        to_spacy_spans([dict(record, start=0, end=10_000)], sdoc)


def test_spacy_pipeline_as_annotator(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Klitschko"},
                        {"label": "PERSON", "pattern": [{"LOWER": "volodymyr"}, {"LOWER": "zelensky"}]},
                        {"label": "PERSON", "pattern": [{"LOWER": "emmanuel"}, {"LOWER": "macron"}]},
                        {"label": "GPE", "pattern": "Paris"}])
    attributes = nlp.add_pipe("attribute_ruler")
    attributes.add([[{"LOWER": "met"}]], {"POS": "VERB", "TAG": "VBD", "LEMMA": "meet"})
    annotator = SpacyAnnotator(nlp)
    assert {"entity", "tag", "pos", "lemma"} <= annotator.fields
    assert "dep" not in annotator.fields
    path = tmp_path / "r.yaml"
    path.write_text(RULES, encoding="utf-8")
    rules = ruleie.load_rules(path, annotator=annotator)
    records = rules.extract("Volodymyr Zelensky met Emmanuel Macron in Paris. Klitschko said all was calm.", doc_id="t")
    assert [(r.type, r.rule) for r in records] == [("Meeting", "meeting.met"), ("Statement", "statement.actor-said")]
    # Checking the rules against what this pipeline provides: no warning about tag, pos or entity.
    messages = [d.message for d in ruleie.check_rules(str(path), annotator=annotator)]
    assert not [m for m in messages if "annotator provides" in m]
    with pytest.raises(TypeError):
        annotator.annotate(None)  # type: ignore[arg-type]
