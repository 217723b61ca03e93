"""The engine and the library API: stages, mentions, policies, records and their offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ruleie
from ruleie.engine.records import FieldValue, Record

FIXTURES = Path(__file__).parent / "fixtures" / "engine"
MINI = FIXTURES / "mini.yaml"


@pytest.fixture(scope="module")
def mini() -> ruleie.RuleSet:
    return ruleie.load_rules(MINI)


def _field_objects(record: Record):
    for content in record.fields.values():
        if isinstance(content, tuple):
            yield from content
        elif content is not None:
            yield content


def test_records_are_frozen_typed_attrs_classes(mini):
    [record] = mini.extract("Russia launched drones.", doc_id="d")
    assert type(record).__name__ == "Attack" and record.type == "Attack"
    assert isinstance(record.attacker, FieldValue) and record.attacker.text == "Russia"
    with pytest.raises(AttributeError):
        record.start = 3  # type: ignore[misc]
    assert record.to_dict()["fields"]["count"] is None


def test_mentions_from_an_earlier_stage_are_matched_with_a_type_and_its_subtypes(mini):
    # Country and Person are both Actors (taxonomy); the Talk rule asks for @Actor.
    [talk] = mini.extract("President Vladimir Putin met Ukraine.")
    assert [p.text for p in talk.participants] == ["Vladimir Putin", "Ukraine"]


def test_surname_repeats_resolve_to_the_full_name(mini):
    records = mini.extract("President Vladimir Putin met Ukraine. Putin launched 23 missiles.")
    attack = next(r for r in records if r.type == "Attack")
    assert attack.attacker.text == "Putin"
    assert attack.attacker.canonical == "Vladimir Putin"
    assert attack.count.value == 23


def test_merge_policy_joins_clauses_of_one_sentence_and_drops_keyless_parts(mini):
    records = mini.extract("Russia launched 23 missiles and two were killed. No one was killed.")
    assert len(records) == 1
    [attack] = records
    assert attack.rule == "attack.launch+attack.killed"
    assert (attack.count.value, attack.killed.value) == (23, 2)


def test_default_and_captured_booleans(mini):
    quiet, loud = mini.extract('Ukraine met Russia. Ukraine met Russia " now.')
    assert quiet.quoted.value is False
    assert loud.quoted.value is True and loud.quoted.text == '"'


def test_every_record_and_field_offset_slices_back_to_its_text(mini):
    text = (FIXTURES / "docs.jsonl").read_text(encoding="utf-8")
    for line in text.splitlines():
        doc = json.loads(line)
        for record in mini.extract(doc["text"], doc_id=doc["id"]):
            assert doc["text"][record.start : record.end] == record.text
            for field in _field_objects(record):
                assert doc["text"][field.start : field.end] == field.text


def test_output_order_is_document_order_and_deterministic(mini):
    text = "Russia launched drones. Ukraine met Russia. Putin launched missiles."
    first = [r.to_dict() for r in mini.extract(text)]
    assert [r["start"] for r in first] == sorted(r["start"] for r in first)
    assert first == [r.to_dict() for r in mini.extract(text)]


def test_extract_many_streams_and_isolates_bad_documents(mini):
    docs = [{"id": "ok", "text": "Russia launched drones."}, {"id": "bad"}, ("pair", "Ukraine met Russia."), 42]
    results = list(mini.extract_many(docs))
    assert [r.doc_id for r in results][:3] == ["ok", "doc1", "pair"]
    assert [r.ok for r in results] == [True, False, True, False]
    assert results[0].records[0].doc == "ok"
    assert "text" in (results[1].error or "")


def test_extract_accepts_a_pre_annotated_document(mini):
    doc = ruleie.annotate("Russia launched drones.", "pre")
    [record] = mini.extract(doc)
    assert record.doc == "pre"


def test_the_shipped_pack_loads_by_default_and_finds_all_three_types():
    rules = ruleie.load_rules()
    seed = Path(__file__).parents[1] / "seeds" / "000_ae1460fd50e7771e.txt"
    records = rules.extract(seed.read_text(encoding="utf-8"), doc_id="seed")
    assert {r.type for r in records} == {"Strike", "Statement", "Meeting"}


def test_rule_file_errors_are_collected_and_raised_once(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ruleie: 1\nrules:\n  - name: x\n    type: Nope\n    pattern: '[lemma=x'\n", encoding="utf-8")
    with pytest.raises(ruleie.RuleFileError) as caught:
        ruleie.load_rules(bad)
    rendered = str(caught.value)
    assert "bad.yaml:4:11: error: unknown type 'Nope'" in rendered
    assert "bad.yaml:5:23: error: unclosed `[`" in rendered
