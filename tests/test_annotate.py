"""`ruleie annotate` and the layer through the public API: inputs, output formats, laziness."""

from __future__ import annotations

import io
import json
from pathlib import Path

import ruleie
from ruleie.cli import main
from ruleie.text.conllu import parse_conllu
from ruleie.text.document import annotate, from_tokens

NEWS = "Iraqi Prime Minister Nouri al-Maliki met Syrian President Bashar Assad in Damascus on Tuesday."
CONLLU = """\
# sent_id = s1
# text = Kyiv's mayor met Angela Merkel.
1\tKyiv\t_\t_\t_\t_\t3\tnmod:poss\t_\tSpaceAfter=No
2\t's\t_\t_\t_\t_\t1\tcase\t_\t_
3\tmayor\t_\t_\t_\t_\t4\tnsubj\t_\t_
4\tmet\t_\t_\t_\t_\t0\troot\t_\t_
5\tAngela\t_\t_\t_\t_\t4\tobj\t_\t_
6\tMerkel\t_\t_\t_\t_\t5\tflat\t_\tSpaceAfter=No
7\t.\t_\t_\t_\t_\t4\tpunct\t_\t_

"""


def run(*argv: object, stdin: str | None = None) -> tuple[int, str, str]:
    import sys

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    try:
        code = main([str(a) for a in argv], out, err)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def test_conllu_in_conllu_out_keeps_tokens_comments_and_parse(tmp_path: Path):
    path = tmp_path / "in.conllu"
    path.write_text(CONLLU, encoding="utf-8")
    code, out, err = run("annotate", "--input-format", "conllu", "--format", "conllu", path)
    assert code == 0, err
    [sentence] = parse_conllu(out)
    assert sentence.meta("sent_id") == "s1"
    assert [w.form for w in sentence.words] == ["Kyiv", "'s", "mayor", "met", "Angela", "Merkel", "."]
    assert [w.head for w in sentence.words] == [3, 1, 4, 0, 4, 5, 4]  # the parse is kept
    assert sentence.words[3].upos == "VERB" and sentence.words[3].xpos == "VBD" and sentence.words[3].lemma == "meet"
    assert all(w.upos != "_" and w.xpos != "_" for w in sentence.words)
    misc = [w.misc for w in sentence.words]
    assert "SpaceAfter=No" in misc[0] and "NP=B" in misc[0]
    assert "Entity=B-PERSON" in misc[4] and "Entity=I-PERSON" in misc[5]


def test_text_in_table_and_jsonl_out(tmp_path: Path):
    (tmp_path / "a.txt").write_text(NEWS, encoding="utf-8")
    code, out, _ = run("annotate", "--format", "table", tmp_path / "a.txt")
    assert code == 0
    assert "token" in out and "PROPN" in out and "B-PERSON" in out and "* marks its head" in out
    code, out, _ = run("annotate", "--format", "jsonl", tmp_path / "a.txt")
    [obj] = [json.loads(line) for line in out.splitlines()]
    assert obj["id"] == "a"
    assert {e["text"]: e["label"] for e in obj["entities"]}["Bashar Assad"] == "PERSON"
    assert {e["text"]: e["label"] for e in obj["entities"]}["Damascus"] == "GPE"
    for token in obj["tokens"]:
        assert NEWS[token["start"] : token["end"]] == token["word"]
    assert any(np["text"] == "Damascus" for np in obj["noun_phrases"])


def test_stdin_and_a_missing_input(tmp_path: Path):
    code, out, _ = run("annotate", "--format", "jsonl", "-", stdin="Angela Merkel spoke.")
    assert code == 0 and json.loads(out)["entities"][0]["text"] == "Angela Merkel"
    code, _, err = run("annotate", tmp_path / "missing.txt")
    assert code == 2 and "input not found" in err
    (tmp_path / "bad.conllu").write_text("1\tonly three\tcolumns\n", encoding="utf-8")
    code, _, err = run("annotate", "--input-format", "conllu", tmp_path / "bad.conllu")
    assert code == 1 and "not readable as CoNLL-U" in err


def test_pre_tokenized_sentences_are_kept_as_given():
    doc = from_tokens([["Angela", "Merkel", "spoke", "."], ["Yes", "."]])
    assert doc.sentences == ((0, 4), (4, 6))
    assert len(doc.column("pos")) == 6 and doc.column("pos")[2] == "VERB"


def test_the_layer_is_lazy_and_an_annotators_columns_win():
    doc = annotate(NEWS)
    doc.column("lemma")
    assert not any(key[0] == "layer" for key in doc._cache if isinstance(key, tuple))  # nothing computed yet
    from ruleie.text.document import Document

    given = Document("d", doc.text, doc.starts, doc.ends, doc.sentences, extra_fields={"pos": ["X"] * len(doc)})
    assert set(given.column("pos")) == {"X"}


def test_layer_types_in_patterns_and_rule_files(tmp_path: Path):
    m = ruleie.compile("(?<who> @PERSON) [lemma=meet] (?<whom> @NORP? [pos=PROPN]* @PERSON)").search(
        "Yesterday Angela Merkel met Syrian President Bashar Assad.")
    assert m is not None and m.group("who") == "Angela Merkel"
    assert ruleie.findall("[tag=VBD]", "Angela Merkel met Bashar Assad.") == ["met"]
    rules_file = tmp_path / "r.yaml"
    rules_file.write_text(
        "ruleie: 1\ntypes:\n  Actor: {kind: mention}\n  PERSON: {kind: mention, parent: Actor}\n"
        "  Met: {fields: {who: mention, where: mention}, key: [who]}\n"
        "rules:\n  - name: met\n    type: Met\n"
        "    pattern: (?<who> @Actor) [lemma=meet & pos=VERB] []*? in (?<where> @GPE)\n", encoding="utf-8")
    assert [d for d in ruleie.check_rules(rules_file) if d.severity == "error"] == []
    [record] = ruleie.load_rules(rules_file).extract("Angela Merkel met Emmanuel Macron in Paris.")
    assert (record.who.text, record.where.text) == ("Angela Merkel", "Paris")
    # a rule set that names no layer type pays nothing for it
    plain = tmp_path / "plain.yaml"
    plain.write_text("ruleie: 1\ntypes: {T: {}}\nrules:\n  - {name: r, type: T, pattern: met}\n", encoding="utf-8")
    assert ruleie.load_rules(plain).layer_types == frozenset()
    assert ruleie.load_rules(rules_file).layer_types == {"PERSON", "GPE"}
