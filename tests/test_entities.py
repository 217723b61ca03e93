"""Named entities (ruleie.text.entities) on invented news sentences; needs only the shipped models."""

from __future__ import annotations

import pytest

from ruleie.text.chunker import noun_phrases
from ruleie.text.entities import entities

LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP"}


def document(*sentences):
    words, tags, ranges = [], [], []
    for text, xpos in sentences:
        w, t = text.split(), xpos.split()
        assert len(w) == len(t)
        ranges.append((len(words), len(words) + len(w)))
        words += w
        tags += t
    return tuple(words), tuple(tags), ranges


def found(words, tags, ranges):
    nps = noun_phrases(words, tags, tags, ranges)
    return entities(words, tags, tags, ranges, nps)


def named(words, spans):
    return {(" ".join(words[s:e]), label) for s, e, label in spans}


ASSAD = ("The Iraqi prime minister 's chief adviser met Syrian President Bashar Assad in Damascus .",
         "DT JJ JJ NN POS JJ NN VBD JJ NNP NNP NNP IN NNP .")


def test_news_sentence():
    words, tags, ranges = document(ASSAD)
    result = named(words, found(words, tags, ranges))
    assert ("Bashar Assad", "PERSON") in result
    assert ("Damascus", "GPE") in result
    assert ("Iraqi", "NORP") in result
    assert ("Syrian", "NORP") in result


def test_more_news():
    words, tags, ranges = document(
        ("German Chancellor Angela Merkel met French President Nicolas Sarkozy in Berlin .",
         "JJ NNP NNP NNP VBD JJ NNP NNP NNP IN NNP ."),
        ("Shiite and Sunni leaders in Iraq urged Muslims to vote .",
         "JJ CC JJ NNS IN NNP VBD NNPS TO VB ."),
    )
    result = named(words, found(words, tags, ranges))
    assert {("Angela Merkel", "PERSON"), ("Nicolas Sarkozy", "PERSON"), ("Berlin", "GPE"),
            ("Iraq", "GPE"), ("German", "NORP"), ("Shiite", "NORP"), ("Muslims", "NORP")} <= result


def test_a_country_that_is_also_a_nationality_word_is_a_place():
    # "U.S." is in the nationality list too; UNER (and OntoNotes) call it a country.
    words, tags, ranges = document(("We evacuated U.S. citizens from Lebanon .", "PRP VBD NNP NNS IN NNP ."),
                                   ("The Iraqi and U.S. forces left .", "DT JJ CC NNP NNS VBD ."))
    spans = found(words, tags, ranges)
    us = [label for s, e, label in spans if words[s:e] == ("U.S.",)]
    assert us == ["GPE", "GPE"]  # whether or not the model proposed it, as a nationality word would be NORP
    assert ("Iraqi", "NORP") in named(words, spans)


def test_a_name_ends_in_its_lotus_notes_address():
    # E-mail headers write "John Griffith@ENRON"; the tokenizer keeps the address whole, and
    # UNER's span runs to its end. A plain e-mail address is no part of a name.
    words, tags, ranges = document(("Thanks , John Griffith@ENRON 08/15/2000 06:23 PM", "NNS , NNP NNP CD CD NN"),
                                   ("Write to jg@enron.com or John Griffith .", "VB IN NN CC NNP NNP ."))
    result = named(words, found(words, tags, ranges))
    assert ("John Griffith@ENRON", "PERSON") in result and ("John", "PERSON") not in result
    assert ("John Griffith", "PERSON") in result
    assert not any("@enron.com" in name for name, _ in result)
    # Never across a sentence (or a glued document's) boundary.
    words, tags, ranges = document(("Thanks , John Griffith", "NNS , NNP NNP"), ("Warner@ENRON wrote this .", "NNP VBD DT ."))
    assert all(e <= 4 for s, e, _ in found(words, tags, ranges) if s < 4)


def test_names_around_a_comma():
    # A company's legal form after a comma is part of its name; e-mail headers write a person
    # surname first between quotes, one name (UNER's span).
    words, tags, ranges = document(
        ("He works for Enron Broadband Services , Inc. in Houston .", "PRP VBZ IN NNP NNP NNPS , NNP IN NNP ."),
        ('" Smith , John " < john.smith@enron.com > wrote :', "`` NNP , NNP '' -LRB- NN -RRB- VBD :"))
    result = named(words, found(words, tags, ranges))
    assert ("Enron Broadband Services , Inc.", "ORG") in result
    assert ("Smith , John", "PERSON") in result
    assert not {("Smith", "PERSON"), ("John", "PERSON")} & result
    # Never across a sentence start.
    words, tags, ranges = document(('He wrote to " Smith', "PRP VBD IN `` NNP"), (', John " .', ", NNP '' ."))
    assert not any(s < 5 < e for s, e, _ in found(words, tags, ranges))


def test_countries_and_states_in_lower_case():
    # Web text writes "mexico"; tagged a proper noun, a country or US state is a GPE in any case.
    words, tags, ranges = document(("i am from mexico and we ate turkey with us in california .",
                                    "PRP VBP IN NNP CC PRP VBD NN IN PRP IN NNP ."))
    result = named(words, found(words, tags, ranges))
    assert {("mexico", "GPE"), ("california", "GPE")} <= result
    assert not {name for name, _ in result} & {"turkey", "us"}


def test_spans_are_ordered_disjoint_labelled_and_inside_sentences():
    words, tags, ranges = document(ASSAD, ("Hamas said Israeli troops entered Gaza on Monday .",
                                           "NNP VBD JJ NNS VBD NNP IN NNP ."))
    spans = found(words, tags, ranges)
    assert spans and list(spans) == sorted(spans)
    for (s1, e1, _), (s2, _, _) in zip(spans, spans[1:]):
        assert e1 <= s2
    for s, e, label in spans:
        assert label in LABELS and s < e
        assert any(a <= s and e <= b for a, b in ranges)
    assert not any(words[s] == "Monday" for s, _, _ in spans)  # dates are not names


def test_empty_input():
    assert entities((), (), (), [], ()) == ()
    assert entities(("Paris",), ("NNP",), ("NNP",), [], ()) == ()


def test_sentences_out_of_order_or_not_covering_everything():
    words, tags, ranges = document(ASSAD, ("Officials in Baghdad denied it .", "NNS IN NNP VBD PRP ."))
    forward = found(words, tags, ranges)
    backward = entities(words, tags, tags, list(reversed(ranges)), ())
    assert backward == forward
    second = entities(words, tags, tags, [ranges[1]], ())
    assert second == tuple(x for x in forward if x[0] >= ranges[1][0])


@pytest.mark.parametrize("word", ["", "\x00", "🙂", "Ω" * 3000, "john.smith@example.com", "McDONALD'S", "1984"])
def test_odd_tokens(word):
    words = ("President", word, "visited", word, "Moscow", ".")
    tags = ("NNP", "NNP", "VBD", "??", "NNP", ".")
    spans = entities(words, tags, tags, [(0, 6)], ())
    for s, e, label in spans:
        assert 0 <= s < e <= 6 and label in LABELS
    assert entities(words, tags, tags, [(0, 6)], ()) == spans


def test_titles_and_surnames_in_news():
    words, tags, ranges = document(
        ("Assad said Syria would not attend .", "NNP VBD NNP MD RB VB ."),
        ("Mr. Assad spoke to President Bush in Damascus .", "NNP NNP VBD TO NNP NNP IN NNP ."),
    )
    result = found(words, tags, ranges)
    people = [s for s, e, label in result if label == "PERSON"]
    assert words.index("Assad") in people  # the first "Assad", known from "Mr. Assad" later
    assert ("Bush", "PERSON") in named(words, result)


def test_organisation_and_place_words():
    words, tags, ranges = document(
        ("The Interior Ministry said the Democratic Party met near the Tigris River .",
         "DT NNP NNP VBD DT JJ NNP VBD IN DT NNP NNP ."))
    result = named(words, found(words, tags, ranges))
    assert {("Interior Ministry", "ORG"), ("Democratic Party", "ORG"), ("Tigris River", "LOC")} <= result


def test_batches_equal_single_documents():
    from ruleie.text.layer import analyse_many

    docs = []
    for sentences in ([ASSAD], [("Hamas said Israeli troops entered Gaza .", "NNP VBD JJ NNS VBD NNP .")],
                      [("Mr. Assad left .", "NNP NNP VBD ."), ("He said nothing .", "PRP VBD NN .")]):
        words, tags, ranges = document(*sentences)
        docs.append((words, tags, tags, ranges))
    single = [(noun_phrases(*d), entities(*d)) for d in docs]
    assert list(analyse_many(docs, batch_tokens=10)) == single
    assert list(analyse_many(docs, batch_tokens=10_000)) == single


def test_word_flags_follow_the_engine_when_its_type_cache_starts_over(monkeypatch):
    """After the engine's cache of new word types starts over, other words hold the old type
    ids: the recogniser's flags per type (capitalised, an address, a place ...) must be those
    of the words that hold the ids now, as a recogniser that never saw the old words has them."""
    import numpy as np

    from ruleie.text import linear
    from ruleie.text.entities import EntityRecognizer

    recogniser = EntityRecognizer()
    monkeypatch.setattr(linear, "_CACHE_LIMIT", len(recogniser.engine.index) + 200)

    def run(words):
        recogniser(words, ["NOUN"] * len(words), ["NN"] * len(words), [(0, len(words))])

    run([f"zqxw{i}" for i in range(150)])  # new lower-case types, no flags
    # more new types than the cache holds: it starts over, and these take the ids of the first
    run([f"Vrelkan{i}@HQ" for i in range(300)])
    fresh = EntityRecognizer(engine=recogniser.engine, slot=recogniser.slot)
    assert np.array_equal(recogniser._type_flags(), fresh._type_flags())
