"""Base noun phrases (ruleie.text.chunker) on invented news sentences; needs only the shipped model."""

from __future__ import annotations

import pytest

from ruleie.text.chunker import noun_phrases

# An invented news text with Penn Treebank tags, as ruleie.text.tagger would give them.
TEXT = [
    ("The Iraqi prime minister 's chief adviser met Syrian President Bashar Assad in Damascus .",
     "DT JJ JJ NN POS JJ NN VBD JJ NNP NNP NNP IN NNP ."),
    ("He said two rockets hit a school near the border on Tuesday .",
     "PRP VBD CD NNS VBD DT NN IN DT NN IN NNP ."),
]


def document(sentences=TEXT):
    words, tags, ranges = [], [], []
    for text, xpos in sentences:
        w, t = text.split(), xpos.split()
        assert len(w) == len(t)
        ranges.append((len(words), len(words) + len(w)))
        words += w
        tags += t
    return tuple(words), tuple(tags), ranges


def phrases(words, tags, ranges):
    return [" ".join(words[s:e]) for s, e, _ in noun_phrases(words, tags, tags, ranges)]


def test_news_sentence_phrases_and_heads():
    words, tags, ranges = document()
    found = noun_phrases(words, tags, tags, ranges)
    texts = [" ".join(words[s:e]) for s, e, _ in found]
    assert "The Iraqi prime minister 's chief adviser" in texts
    assert "Syrian President Bashar Assad" in texts
    assert "Damascus" in texts
    assert "two rockets" in texts and "a school" in texts and "the border" in texts
    heads = {" ".join(words[s:e]): words[h] for s, e, h in found}
    assert heads["The Iraqi prime minister 's chief adviser"] == "adviser"
    assert heads["two rockets"] == "rockets"


def test_spans_are_ordered_disjoint_and_inside_sentences():
    words, tags, ranges = document()
    found = noun_phrases(words, tags, tags, ranges)
    assert list(found) == sorted(found)
    for (s1, e1, _), (s2, _, _) in zip(found, found[1:]):
        assert e1 <= s2
    for s, e, h in found:
        assert s <= h < e
        assert any(a <= s and e <= b for a, b in ranges)


def test_sentence_boundaries_are_respected():
    # Two one-word sentences in a row must not make one phrase.
    words, tags, ranges = ("Reuters", "Baghdad"), ("NNP", "NNP"), [(0, 1), (1, 2)]
    assert noun_phrases(words, tags, tags, ranges) == ((0, 1, 0), (1, 2, 1))


def test_empty_input():
    assert noun_phrases((), (), (), []) == ()
    assert noun_phrases(("a",), ("DT",), ("DT",), []) == ()


def test_sentences_out_of_order_or_not_covering_everything():
    words, tags, ranges = document()
    forward = noun_phrases(words, tags, tags, ranges)
    backward = noun_phrases(words, tags, tags, list(reversed(ranges)))
    assert backward == forward
    only_second = noun_phrases(words, tags, tags, [ranges[1]])
    assert only_second == tuple(p for p in forward if p[0] >= ranges[1][0])


@pytest.mark.parametrize("word", ["", "\x00", "\x01", "🙂🙂", "x" * 5000, "http://example.com/a?b=c", "1,000,000"])
def test_odd_tokens_and_unknown_tags(word):
    words = ("The", word, "report", word, ".")
    tags = ("DT", "NN", "NN", "NOT-A-TAG", ".")
    found = noun_phrases(words, tags, tags, [(0, 5)])
    for s, e, h in found:
        assert 0 <= s <= h < e <= 5
    # and the same document again (cached word types) gives the same answer
    assert noun_phrases(words, tags, tags, [(0, 5)]) == found
