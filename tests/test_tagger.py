"""The part-of-speech tagger (ruleie.text.tagger) through its public functions, with the shipped model.

Nothing here reads /work/shared: the sentences are invented news text.
"""

from __future__ import annotations

import pytest

from ruleie.text.tagger import Tagger, default_tagger

UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
        "PUNCT", "SCONJ", "SYM", "VERB", "X"}


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return default_tagger()


def test_default_tagger_is_one_shared_instance(tagger: Tagger) -> None:
    assert default_tagger() is tagger


@pytest.mark.parametrize(
    "sentence, upos, xpos",
    [
        (
            "Russia launched missiles at Kyiv on Tuesday .",
            "PROPN VERB NOUN ADP PROPN ADP PROPN PUNCT",
            "NNP VBD NNS IN NNP IN NNP .",
        ),
        (
            "The president said he would visit Berlin next week .",
            "DET NOUN VERB PRON AUX VERB PROPN ADJ NOUN PUNCT",
            "DT NN VBD PRP MD VB NNP JJ NN .",
        ),
        (
            "Two soldiers were killed and three others were arrested .",
            "NUM NOUN AUX VERB CCONJ NUM NOUN AUX VERB PUNCT",
            "CD NNS VBD VBN CC CD NNS VBD VBN .",
        ),
        (
            "Officials say the talks will resume in March .",
            "NOUN VERB DET NOUN AUX VERB ADP PROPN PUNCT",
            "NNS VBP DT NNS MD VB IN NNP .",
        ),
    ],
)
def test_obvious_news_sentences(tagger: Tagger, sentence: str, upos: str, xpos: str) -> None:
    assert tagger.tag(sentence.split()) == (tuple(upos.split()), tuple(xpos.split()))


def test_ruleie_token_forms(tagger: Tagger) -> None:
    # ruleie keeps contractions and hyphen compounds whole and may keep curly apostrophes.
    words = ["Putin", "’s", "well-known", "envoy", "does", "n't", "agree", ",", "and", "he", "won’t", "."]
    upos, xpos = tagger.tag(words)
    assert xpos[1] == "POS" and upos[1] == "PART"
    assert upos[2] == "ADJ" or xpos[2] in {"JJ", "VBN"}
    assert (upos[5], xpos[5]) == ("PART", "RB")
    assert upos[10] == "AUX"


def test_tag_sentences_equals_tagging_each_sentence(tagger: Tagger) -> None:
    sentences = [
        "Kyiv said most of the drones were shot down .".split(),
        "Talks resume Monday .".split(),
        ["Yes"],
        "The U.S. envoy , who arrived late , met the 12-year-old 's family .".split(),
    ]
    words = [w for s in sentences for w in s]
    spans, start = [], 0
    for s in sentences:
        spans.append((start, start + len(s)))
        start += len(s)
    upos, xpos = tagger.tag_sentences(words, spans)
    one_by_one = [tagger.tag(s) for s in sentences]
    assert upos == tuple(u for us, _ in one_by_one for u in us)
    assert xpos == tuple(x for _, xs in one_by_one for x in xs)


def test_deterministic_and_independent_of_the_cache() -> None:
    words = "Rebels attacked a convoy near Aleppo , killing 12 people , officials said .".split()
    first = Tagger()
    warm = first.tag(words)
    assert first.tag(words) == warm
    fresh = Tagger()
    fresh.tag("Some other words first , so that ids differ .".split())
    assert fresh.tag(words) == warm


def test_empty_input(tagger: Tagger) -> None:
    assert tagger.tag([]) == ((), ())
    assert tagger.tag_sentences([], []) == ((), ())


def test_sentences_must_cover_the_words(tagger: Tagger) -> None:
    with pytest.raises(ValueError):
        tagger.tag_sentences(["a", "b"], [(0, 1)])
    with pytest.raises(ValueError):
        tagger.tag_sentences(["a", "b"], [(1, 2), (0, 1)])


def test_very_long_sentence(tagger: Tagger) -> None:
    words = ("The army said that its forces had destroyed five tanks near the border , and".split()) * 2000
    upos, xpos = tagger.tag(words)
    assert len(upos) == len(xpos) == len(words)
    assert upos[:3] == ("DET", "NOUN", "VERB")


@pytest.mark.parametrize(
    "word",
    ["😀", "🇺🇦", "x" * 1_000_000, "1,000,000", "3.14", "2024-05-01", "https://example.com/a?b=1&c=2",
     "name@example.com", "", " ", "\x00", "\u200d", "’", "''", "``", "Straße", "Київ", "日本", "#hashtag", "@user"],
)
def test_odd_tokens_never_crash(tagger: Tagger, word: str) -> None:
    upos, xpos = tagger.tag(["He", "said", word, "."])
    assert len(upos) == 4 and set(upos) <= UPOS and all(xpos)


def test_numbers_and_urls(tagger: Tagger) -> None:
    upos, xpos = tagger.tag("Prices rose 3.5 % to $ 1,200 , see https://example.com/report .".split())
    assert xpos[2] == "CD" and xpos[5] == "$" and xpos[6] == "CD"
    assert upos[9] in {"X", "PROPN", "NOUN", "SYM"}


def test_tags_do_not_depend_on_the_word_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from ruleie.text import tagger as module

    sentence = "Russia launched missiles at Kyiv on Tuesday .".split()
    expected = Tagger().tag(sentence)
    monkeypatch.setattr(module, "CACHE_LIMIT", 500)  # the cache starts again every few calls
    t = Tagger()
    for round_ in range(5):
        words = [f"word{round_}x{i}" for i in range(300)]
        assert len(t.tag(words)[0]) == 300
        assert t.tag(sentence) == expected


def test_sentence_first_words_and_capitals(tagger: Tagger) -> None:
    upos, _ = tagger.tag("The talks ended .".split())
    assert upos[0] == "DET"
    upos, _ = tagger.tag("Talks ended .".split())
    assert upos[0] == "NOUN"
