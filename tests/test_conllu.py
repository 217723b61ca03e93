"""CoNLL-U reading and writing (ruleie.text.conllu) on small invented sentences."""

from __future__ import annotations

import io

import pytest

from ruleie.text.conllu import Sentence, Word, format_conllu, parse_conllu, read_conllu, write_conllu

TEXT = """# newdoc id = d1
# sent_id = s1
# text = Kyiv's mayor didn't go.
1-2\tKyiv's\t_\t_\t_\t_\t_\t_\t_\t_
1\tKyiv\tKyiv\tPROPN\tNNP\tNumber=Sing\t3\tnmod:poss\t3:nmod:poss\t_
2\t's\t's\tPART\tPOS\t_\t1\tcase\t1:case\t_
3\tmayor\tmayor\tNOUN\tNN\tNumber=Sing\t6\tnsubj\t6:nsubj\t_
4-5\tdidn't\t_\t_\t_\t_\t_\t_\t_\t_
4\tdid\tdo\tAUX\tVBD\t_\t6\taux\t6:aux\t_
5\tn't\tnot\tPART\tRB\t_\t6\tadvmod\t6:advmod\t_
6\tgo\tgo\tVERB\tVB\tVerbForm=Inf\t0\troot\t0:root\tSpaceAfter=No
6.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t6:conj\t_
7\t.\t.\tPUNCT\t.\t_\t6\tpunct\t6:punct\t_

# sent_id = s2
1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t0:root\t_

"""


def test_words_skip_empty_nodes_and_keep_multiword_tokens() -> None:
    first, second = parse_conllu(TEXT)
    assert first.column("form") == ("Kyiv", "'s", "mayor", "did", "n't", "go", ".")
    assert first.column("upos")[:3] == ("PROPN", "PART", "NOUN")
    assert first.column("head") == (3, 1, 6, 6, 6, 0, 6)
    assert [(m.first, m.last, m.form) for m in first.multiword] == [(1, 2, "Kyiv's"), (4, 5, "didn't")]
    assert first.meta("sent_id") == "s1" and first.text == "Kyiv's mayor didn't go."
    assert [f for f, _, _ in first.surface_tokens()] == ["Kyiv's", "mayor", "didn't", "go", "."]
    assert len(second) == 1 and second.words[0].upos == "INTJ"


def test_text_is_rebuilt_without_a_text_comment() -> None:
    [s] = parse_conllu(TEXT.replace("# text = Kyiv's mayor didn't go.\n", "").split("\n\n")[0])
    assert s.text == "Kyiv's mayor didn't go."


def test_round_trip_without_empty_nodes(tmp_path) -> None:
    sentences = list(parse_conllu(TEXT))
    expected = "".join(line + "\n" for line in TEXT.splitlines() if not line.startswith("6.1"))
    assert format_conllu(sentences) == expected
    path = tmp_path / "out.conllu"
    write_conllu(sentences, path)
    assert format_conllu(read_conllu(path)) == expected
    buffer = io.StringIO()
    write_conllu(sentences, buffer)
    assert buffer.getvalue() == expected


def test_building_sentences_by_hand() -> None:
    s = Sentence([Word(1, "Hi", upos="INTJ", xpos="UH", misc="SpaceAfter=No"), Word(2, "!", upos="PUNCT")],
                 comments=[" sent_id = x"])
    assert format_conllu([s]) == "# sent_id = x\n1\tHi\t_\tINTJ\tUH\t_\t_\t_\t_\tSpaceAfter=No\n2\t!\t_\tPUNCT\t_\t_\t_\t_\t_\t_\n\n"
    assert s.text == "Hi!"


def test_bad_lines_are_reported_with_their_number() -> None:
    with pytest.raises(ValueError, match="line 2"):
        list(parse_conllu("# x\n1\tonly three\tcolumns\n"))
    with pytest.raises(KeyError):
        Sentence().column("nope")
