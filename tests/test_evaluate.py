"""Tests of the evaluation stage: string and field agreement, matching, scoring, reports."""

from __future__ import annotations

import doctest
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleie.tools import evaluate
from ruleie.tools.evaluate import (
    KEY_FIELDS,
    EvalInputError,
    field_agrees,
    format_report,
    load_jsonl,
    normalise_words,
    record_matches,
    report_to_dict,
    score,
    strings_agree,
)

# ---------------------------------------------------------------------------
# Small builders: every fixture here is invented, none comes from the shared sets.
# ---------------------------------------------------------------------------


def obj(text: str, *, value: Any = None, canonical: str | None = None, start: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"text": text, "start": start, "end": start + len(text)}
    if value is not None:
        out["value"] = value
    if canonical is not None:
        out["canonical"] = canonical
    return out


def gold(doc: str, type_: str, start: int, end: int, sentence: str = "", **fields: Any) -> dict[str, Any]:
    extra = {k: fields.pop(k) for k in ("optional", "recall_only", "annotated_types", "map_quality") if k in fields}
    return {
        "doc": doc,
        "type": type_,
        "start": start,
        "end": end,
        "sentence": sentence or f"sentence {start}-{end}",
        "fields": fields,
        "optional": extra.pop("optional", False),
        **extra,
    }


def pred(doc: str, type_: str, start: int, end: int, rule: str = "test.rule", **fields: Any) -> dict[str, Any]:
    return {
        "doc": doc,
        "type": type_,
        "rule": rule,
        "start": start,
        "end": end,
        "text": "…",
        "fields": {k: (obj(v) if isinstance(v, str) else v) for k, v in fields.items()},
    }


def by_type(report: evaluate.EvalReport) -> dict[str, evaluate.TypeScore]:
    return {s.type: s for s in report.scores}


def test_doctests() -> None:
    result = doctest.testmod(evaluate)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The Russian President", {"russian", "president"}),
        ("Putin’s spokesman", {"putin", "spokesman"}),
        ("Putin's spokesman", {"putin", "spokesman"}),
        ("Clinton 's aide", {"clinton", "aide"}),  # token-rebuilt text
        ("“vital infrastructure”,", {"vital", "infrastructure"}),
        ("head of the Kyiv military department", {"head", "kyiv", "military", "department"}),
        ("Al-Monitor", {"al", "monitor"}),
        ("the U.S. army", {"us", "army"}),
        ("his", set()),
        ("an — of", set()),
    ],
)
def test_normalise_words(text: str, words: set[str]) -> None:
    assert normalise_words(text) == frozenset(words)


@pytest.mark.parametrize(
    ("predicted", "gold_text", "agree"),
    [
        # RECORDS.md examples and their neighbours.
        ("the Russian president", "Russian President", True),
        ("his", "his", True),
        ("His ", "his", True),
        ("his", "her", False),
        ("his", "his Belarusian counterpart", False),
        ("Kyiv officials", "officials", True),  # contains, covers half
        ("officials", "Kyiv officials", True),
        ("Iranian missiles", "missiles", True),
        ("missiles", "rockets", False),
        # Containment covering a third agrees even though Jaccard is only 1/3 …
        ("Putin", "President Vladimir Putin", True),
        # … but not below a third: this is what `canonical` is for.
        ("Putin", "Russian President Vladimir Putin", False),
        # "Contains" means a contiguous run of the normalised words.
        ("military administration", "the head of the Kyiv city military administration", True),
        ("head administration", "the head of the Kyiv city military administration", False),
        # Jaccard ≥ 0.5 needs no containment.
        ("Kyiv military department head", "head of the Kyiv military department", True),
        ("Russia launched", "Russia attacked", False),  # Jaccard 1/3, no containment
        ("", "", True),
        ("", "Kyiv", False),
        ("Zelensky", "Zelensky’s", True),
    ],
)
def test_strings_agree(predicted: str, gold_text: str, agree: bool) -> None:
    assert strings_agree(predicted, gold_text) is agree
    assert strings_agree(gold_text, predicted) is agree  # the rule is symmetric


# ---------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicted", "gold_value", "agree"),
    [
        (obj("Putin", canonical="Vladimir Putin"), "Vladimir Putin", True),
        (obj("Putin"), "Russian President Vladimir Putin", False),
        (obj("the Russian president", canonical="Vladimir Putin"), "Vladimir Putin", True),
        (obj("twenty-three", value=23), 23, True),
        (obj("23", value=23), 23, True),
        (obj("23"), 23, True),  # no value: the text is read as an integer
        (obj("1,200"), 1200, True),
        (obj("23", value=24), 23, False),  # a value wins over the text
        (obj("two"), 2, False),
        (obj("no one", value=0), 0, True),
        (obj("1", value=True), 1, False),  # bool is not int
        (obj("“…”", value=True), True, True),
        (obj("“…”", value=False), True, False),
        (obj("true"), True, False),  # bools compare through value only
        (obj("x", value=1), True, False),
        (obj("23", value=23), "23", True),  # a string gold sees an int value as text
        (None, "Kyiv", False),
        (None, None, True),
        (obj("Kyiv"), None, False),
        ([], [], True),
        ([obj("Kyiv"), obj("Minsk")], "Minsk", True),  # a list agrees through any item
        ([obj("Putin"), obj("Lukashenko")], ["Vladimir Putin", "Alexander Lukashenko"], True),
        ([obj("Putin")], ["Vladimir Putin", "Alexander Lukashenko"], True),  # half of the gold items
        ([obj("Putin")], ["Vladimir Putin", "Alexander Lukashenko", "Xi Jinping"], False),
        (obj("Putin"), ["Putin", "Lukashenko"], True),  # a single prediction against a gold list
        ("Kyiv", "Kyiv", True),  # bare strings and numbers are accepted too
        (23, 23, True),
    ],
)
def test_field_agrees(predicted: Any, gold_value: Any, agree: bool) -> None:
    assert field_agrees(predicted, gold_value) is agree


# ---------------------------------------------------------------------------
# Record matching
# ---------------------------------------------------------------------------

G_STATEMENT = gold("d", "Statement", 100, 200, speaker="Kyiv officials", verb="said")


@pytest.mark.parametrize(
    ("prediction", "matches"),
    [
        (pred("d", "Statement", 100, 130, speaker="officials"), True),
        (pred("d", "Statement", 190, 260, speaker="officials"), True),  # overlap is enough
        (pred("d", "Statement", 200, 260, speaker="officials"), False),  # touching is not overlap
        (pred("d", "Statement", 50, 100, speaker="officials"), False),
        (pred("e", "Statement", 100, 130, speaker="officials"), False),
        (pred("d", "Strike", 100, 130, speaker="officials"), False),
        (pred("d", "Statement", 100, 130, speaker="Moscow", verb="said"), False),  # only the key counts
        (pred("d", "Statement", 100, 130, verb="said"), False),
    ],
)
def test_record_matches_statement(prediction: dict[str, Any], matches: bool) -> None:
    assert record_matches(prediction, G_STATEMENT) is matches


def test_record_matches_strike_any_key_field() -> None:
    g = gold("d", "Strike", 0, 50, trigger="hit", weapon="missiles", target="power infrastructure")
    assert record_matches(pred("d", "Strike", 0, 10, trigger="struck", weapon="missiles"), g)
    assert record_matches(pred("d", "Strike", 0, 10, target="critical power infrastructure"), g)
    assert not record_matches(pred("d", "Strike", 0, 10, trigger="struck", weapon="drones"), g)


def test_record_matches_meeting_any_participant() -> None:
    g = gold("d", "Meeting", 0, 50, participants=["Vladimir Putin", "Alexander Lukashenko", "Xi Jinping"])
    # One shared participant is enough for the key, though not for the field.
    p = pred("d", "Meeting", 0, 10, participants=[obj("Lukashenko")])
    assert record_matches(p, g)
    assert not field_agrees(p["fields"]["participants"], g["fields"]["participants"])
    assert not record_matches(pred("d", "Meeting", 0, 10, participants=[obj("Macron")]), g)


def test_record_without_key_field_matches_prediction_without_one() -> None:
    g = gold("d", "Statement", 0, 50, verb="accused", optional=True)
    assert record_matches(pred("d", "Statement", 0, 10, verb="blamed"), g)
    assert record_matches(pred("d", "Statement", 0, 10, speaker=None), g)
    assert not record_matches(pred("d", "Statement", 0, 10, speaker="Kyiv"), g)
    keyed = gold("d", "Statement", 0, 50, speaker="Kyiv")
    assert not record_matches(pred("d", "Statement", 0, 10, verb="said"), keyed)


def test_types_without_key_fields_match_on_span() -> None:
    assert "Arrest" not in KEY_FIELDS
    g = gold("d", "Arrest", 0, 50, suspect="a man")
    assert record_matches(pred("d", "Arrest", 0, 10, suspect="a woman"), g)
    assert not record_matches(
        pred("d", "Arrest", 0, 10, suspect="a woman"), g, key_fields={"Arrest": ("suspect",)}
    )


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


def test_one_to_one_two_predictions_for_one_gold() -> None:
    report = score(
        [pred("d", "Statement", 0, 10, speaker="Kyiv officials"), pred("d", "Statement", 5, 20, speaker="officials")],
        [gold("d", "Statement", 0, 50, speaker="Kyiv officials")],
    )
    s = by_type(report)["Statement"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 0)
    assert s.precision == 0.5 and s.recall == 1.0
    assert len(report.false_positives) == 1


def test_matching_maximises_true_positives_whatever_the_order() -> None:
    # The first gold could take either prediction; the second only the first one.
    golds = [
        gold("d", "Strike", 0, 50, trigger="hit", weapon="missiles"),
        gold("d", "Strike", 0, 50, trigger="hit"),
    ]
    preds = [pred("d", "Strike", 0, 10, trigger="hit", weapon="missiles"), pred("d", "Strike", 20, 30, weapon="missiles")]
    for ps in (preds, preds[::-1]):
        s = by_type(score(ps, golds))["Strike"]
        assert (s.tp, s.fp, s.fn) == (2, 0, 0)


def test_matching_prefers_the_prediction_whose_fields_agree() -> None:
    golds = [gold("d", "Statement", 0, 50, speaker="Zelensky", verb="warned")]
    preds = [pred("d", "Statement", 0, 10, speaker="Zelensky", verb="said"),
             pred("d", "Statement", 0, 10, speaker="Zelensky", verb="warned")]
    report = score(preds, golds)
    s = by_type(report)["Statement"]
    assert s.field_accuracy == 1.0
    assert report.false_positives[0].pred is preds[0]


def test_optional_gold_absorbs_a_prediction_and_is_never_missed() -> None:
    golds = [
        gold("d", "Statement", 0, 50, verb="accused", optional=True),
        gold("d", "Statement", 60, 90, speaker="Kyiv", verb="said", optional=True),
        gold("d", "Statement", 100, 150, speaker="Popko", verb="said"),
    ]
    preds = [pred("d", "Statement", 0, 10, verb="accused"), pred("d", "Statement", 100, 110, speaker="Popko")]
    s = by_type(score(preds, golds))["Statement"]
    assert (s.tp, s.fp, s.fn) == (1, 0, 0)
    assert s.per_field == {"speaker": (1, 1), "verb": (0, 1)}  # optional records add no fields


def test_recall_only_documents_have_no_false_positives() -> None:
    golds = [gold("d", "Strike", 0, 50, trigger="hit", recall_only=True), gold("d", "Strike", 60, 90, trigger="blast")]
    preds = [pred("d", "Strike", 0, 10, trigger="hit"), pred("d", "Strike", 100, 120, trigger="shelling")]
    report = score(preds, golds)
    s = by_type(report)["Strike"]
    assert (s.tp, s.fp, s.fn) == (1, 0, 1)
    assert s.precision is None and s.f1 is None and s.recall == 0.5
    assert report.recall_only and report.false_positives == ()
    text = format_report(report)
    assert "—" in text and "0.500" in text


def test_recall_only_argument() -> None:
    report = score([pred("d", "Strike", 100, 120, trigger="shelling")], [gold("d", "Strike", 0, 50, trigger="hit")],
                   recall_only=True)
    s = by_type(report)["Strike"]
    assert (s.tp, s.fp, s.fn, s.precision) == (0, 0, 1, None)


def test_precision_is_counted_over_exhaustive_documents_only() -> None:
    golds = [
        gold("r", "Strike", 0, 50, trigger="hit", recall_only=True),
        gold("x", "Strike", 0, 50, trigger="hit"),
    ]
    preds = [pred("r", "Strike", 0, 10, trigger="hit"), pred("r", "Strike", 60, 70, trigger="raid"),
             pred("x", "Strike", 60, 70, trigger="raid")]
    s = by_type(score(preds, golds))["Strike"]
    assert (s.tp, s.fp, s.fn, s.tp_exhaustive) == (1, 1, 1, 0)
    assert s.precision == 0.0 and s.recall == 0.5


def test_annotated_types_limit_what_is_scored() -> None:
    golds = [gold("d", "Statement", 0, 50, speaker="Trump", annotated_types=["Statement"])]
    preds = [pred("d", "Statement", 0, 10, speaker="Trump"), pred("d", "Strike", 0, 10, trigger="hit")]
    report = score(preds, golds)
    assert [s.type for s in report.scores] == ["Statement"]
    assert report.false_positives == () and report.n_unscored == 1


def test_documents_without_gold() -> None:
    golds = [gold("d", "Strike", 0, 50, trigger="hit")]
    preds = [pred("d", "Strike", 0, 10, trigger="hit"), pred("e", "Strike", 0, 10, trigger="hit"),
             pred("f", "Strike", 0, 10, trigger="hit")]
    ignored = score(preds, golds)
    assert by_type(ignored)["Strike"].fp == 0 and ignored.n_docs == 1 and ignored.n_unscored == 2
    run = score(preds, golds, docs=["d", "e"], texts={"e": "Shells hit Kharkiv. Nobody was hurt."})
    assert by_type(run)["Strike"].fp == 1 and run.n_docs == 2 and run.n_unscored == 1
    assert run.false_positives[0].sentence == "Shells hit Kharkiv."


def test_documents_without_gold_inherit_a_recall_only_set() -> None:
    golds = [gold("d", "Strike", 0, 50, trigger="hit", recall_only=True, annotated_types=["Strike"])]
    preds = [pred("e", "Strike", 0, 10, trigger="hit"), pred("e", "Meeting", 0, 10, participants=[obj("Xi")])]
    report = score(preds, golds, docs=["d", "e"])
    assert report.false_positives == () and report.recall_only
    assert report.n_predictions == 1 and report.n_unscored == 1


def test_exact_only_sets_approximate_gold_aside() -> None:
    golds = [
        gold("d", "Statement", 0, 50, speaker="Trump", map_quality="approx"),
        gold("d", "Statement", 60, 90, speaker="Clinton", map_quality="approx"),
        gold("d", "Statement", 100, 150, speaker="Obama", map_quality="exact"),
    ]
    preds = [pred("d", "Statement", 0, 10, speaker="Trump"), pred("d", "Statement", 100, 110, speaker="Obama")]
    s = by_type(score(preds, golds, exact_only=True))["Statement"]
    # The Trump prediction is neither a tp nor a fp; the missed approx line is no fn.
    assert (s.tp, s.fp, s.fn) == (1, 0, 0)
    s = by_type(score(preds, golds))["Statement"]
    assert (s.tp, s.fp, s.fn) == (2, 0, 1)


def test_types_restrict_scoring() -> None:
    golds = [gold("d", "Strike", 0, 50, trigger="hit"), gold("d", "Meeting", 0, 50, participants=["Xi"])]
    report = score([pred("d", "Strike", 0, 10, trigger="hit")], golds, types=["Strike", "Statement"])
    assert [s.type for s in report.scores] == ["Statement", "Strike"]
    assert by_type(report)["Statement"].tp == 0 and report.n_gold == 1


def small_example() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    golds = [
        gold("d1", "Statement", 0, 40, speaker="Kyiv officials", verb="said", content="no one was killed"),
        gold("d1", "Strike", 0, 40, trigger="hit", weapon="missiles", killed=0),
        gold("d1", "Statement", 41, 80, speaker="Serhiy Popko", verb="said"),
        gold("d1", "Strike", 81, 120, trigger="launched", attacker="Russia"),
        gold("d1", "Meeting", 121, 160, trigger="meet", participants=["Vladimir Putin", "Alexander Lukashenko"]),
        gold("d1", "Statement", 121, 160, verb="accused", optional=True),
    ]
    preds = [
        # speaker: Jaccard 1/2; content: contained, covers 4 of 9 words. 3/3 fields.
        pred("d1", "Statement", 5, 20, speaker="officials", verb="said",
             content="no one was killed and most were shot down"),
        pred("d1", "Statement", 45, 60, speaker="Popko", verb="wrote"),  # 1/2 fields
        pred("d1", "Statement", 45, 60, speaker="Popko", verb="wrote"),  # duplicate: fp
        pred("d1", "Strike", 0, 40, trigger="hit", weapon="rockets", killed=obj("no one", value=0)),  # 2/3
        pred("d1", "Strike", 81, 120, trigger="attack", attacker="Ukraine"),  # no key agrees: fp, and a miss
        pred("d1", "Statement", 121, 160, verb="accused"),  # absorbed by the optional gold
        pred("d1", "Meeting", 121, 160, trigger="talks",
             participants=[obj("Putin", canonical="Vladimir Putin")]),  # 1/2 fields
    ]
    return preds, golds


def test_small_example_by_hand() -> None:
    preds, golds = small_example()
    report = score(preds, golds)
    s = by_type(report)
    st_, sk, mt = s["Statement"], s["Strike"], s["Meeting"]
    assert (st_.tp, st_.fp, st_.fn) == (2, 1, 0)
    assert st_.precision == pytest.approx(2 / 3) and st_.recall == 1.0 and st_.f1 == pytest.approx(0.8)
    assert (st_.fields_agree, st_.fields_total) == (4, 5)
    assert st_.per_field == {"content": (1, 1), "speaker": (2, 2), "verb": (1, 2)}
    assert (sk.tp, sk.fp, sk.fn) == (1, 1, 1)
    assert sk.precision == sk.recall == sk.f1 == 0.5
    assert sk.per_field == {"killed": (1, 1), "trigger": (1, 1), "weapon": (0, 1)}
    assert (mt.tp, mt.fp, mt.fn, mt.precision, mt.recall, mt.f1) == (1, 0, 0, 1.0, 1.0, 1.0)
    assert mt.field_accuracy == 0.5
    total = report.overall
    assert (total.tp, total.fp, total.fn) == (4, 2, 1)
    assert total.precision == pytest.approx(4 / 6) and total.recall == pytest.approx(0.8)
    assert total.f1 == pytest.approx(2 * (4 / 6) * 0.8 / (4 / 6 + 0.8))  # 0.7273
    assert total.field_accuracy == pytest.approx(0.7)
    assert [m.gold["fields"]["trigger"] for m in report.misses] == ["launched"]
    assert report.misses[0].near is preds[4]
    assert {(f.pred["type"], f.pred["start"]) for f in report.false_positives} == {("Statement", 45), ("Strike", 81)}
    assert report.n_docs == 1 and report.n_gold == 6 and report.n_predictions == 7


def test_format_report_shows_the_numbers_and_the_errors() -> None:
    preds, golds = small_example()
    report = score(preds, golds)
    text = format_report(report)
    lines = text.splitlines()
    assert lines[0].split() == ["type", "P", "R", "F1", "fields", "tp", "fp", "fn"]
    assert lines[1].split() == ["Meeting", "1.000", "1.000", "1.000", "0.500", "1", "0", "0"]
    assert lines[2].split() == ["Statement", "0.667", "1.000", "0.800", "0.800", "2", "1", "0"]
    assert lines[3].split() == ["Strike", "0.500", "0.500", "0.500", "0.667", "1", "1", "1"]
    assert lines[4].split() == ["all", "0.667", "0.800", "0.727", "0.700", "4", "2", "1"]
    assert "verb 1/2 0.500" in text
    assert "MISSES (1)" in text and "expected:  trigger='launched' attacker='Russia'" in text
    assert "nearest:   test.rule: trigger='attack' attacker='Ukraine'" in text
    assert "FALSE POSITIVES (2)" in text and "sentence:  sentence 41-80" in text
    assert "FIELD ERRORS (3)" in text and "weapon: expected 'missiles', got 'rockets'" in text
    short = format_report(report, max_errors=1)
    assert "… and 1 more" in short
    assert "MISSES" not in format_report(report, show_errors=False)


def test_report_to_dict_is_json() -> None:
    preds, golds = small_example()
    data = json.loads(json.dumps(report_to_dict(score(preds, golds, recall_only=True))))
    assert data["recall_only"] is True and data["overall"]["precision"] is None
    statement = next(s for s in data["scores"] if s["type"] == "Statement")
    assert statement["per_field"]["verb"] == {"agree": 1, "total": 2}
    assert len(data["misses"]) == 1 and data["false_positives"] == []


def test_empty_input() -> None:
    report = score([], [])
    assert report.scores == () and report.overall.tp == 0 and report.overall.precision is None
    assert "all" in format_report(report)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"type": "Strike", "start": 0, "end": 1, "fields": {}}], "gold record #1: missing or non-string 'doc'"),
        ([{"doc": "d", "type": "Strike", "start": "0", "end": 1, "fields": {}}], "gold record #1 (doc 'd'): missing or non-integer 'start'"),
        ([{"doc": "d", "type": "Strike", "start": 0, "end": 1}], "'fields' must be an object"),
    ],
)
def test_bad_gold_records_are_named(records: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(EvalInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        score([], records)


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


def test_load_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"doc": "a"}\n\n{"doc": "b"}\n', encoding="utf-8")
    assert [r["doc"] for r in load_jsonl(path)] == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        ('{"doc": "a"}\n{"doc": \n', ":2: ", "invalid JSON"),
        ('{"doc": "a"}\n\n[1, 2]\n', ":3: ", "expected a JSON object, got list"),
    ],
)
def test_load_jsonl_errors_name_file_and_line(tmp_path: Path, content: str, where: str, message: str) -> None:
    path = tmp_path / "pred.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalInputError) as info:
        list(load_jsonl(path))
    assert str(info.value).startswith(str(path) + where)
    assert message in info.value.message and info.value.path == str(path)


def test_load_jsonl_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="cannot read"):
        list(load_jsonl(tmp_path / "nope.jsonl"))


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


def brute_force_best(weights: list[list[int | None]]) -> int:
    """The best total weight of any one-to-one matching, trying every one."""
    n_cols = len(weights[0]) if weights else 0
    best = 0
    for choice in itertools.product(range(-1, n_cols), repeat=len(weights)):
        used = [c for c in choice if c >= 0]
        if len(used) != len(set(used)) or any(weights[i][c] is None for i, c in enumerate(choice) if c >= 0):
            continue
        best = max(best, sum(weights[i][c] or 0 for i, c in enumerate(choice) if c >= 0))
    return best


@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(st.lists(st.none() | st.integers(1, 20), min_size=cols, max_size=cols), max_size=4)
    )
)
def test_assignment_is_optimal(weights: list[list[int | None]]) -> None:
    pairs = evaluate._assign(weights)
    assert len(set(pairs.values())) == len(pairs)
    assert all(weights[i][j] is not None for i, j in pairs.items())
    assert sum(weights[i][j] or 0 for i, j in pairs.items()) == brute_force_best(weights)


WORDS = ["the", "his", "of", "Kyiv", "officials", "Putin", "missiles", "Russia", "’s", "hit", "said", "“vital”", "-"]
phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
FIELD_VALUES: dict[str, Any] = {
    "Statement": {"speaker": phrases, "verb": phrases, "content": phrases, "direct": st.booleans()},
    "Strike": {"trigger": phrases, "weapon": phrases, "target": phrases, "killed": st.integers(0, 30)},
    "Meeting": {"trigger": phrases, "participants": st.lists(phrases, min_size=1, max_size=3)},
    "Arrest": {"suspect": phrases},
}


@st.composite
def gold_records(draw: st.DrawFn) -> dict[str, Any]:
    type_ = draw(st.sampled_from(sorted(FIELD_VALUES)))
    fields = draw(st.fixed_dictionaries({}, optional=FIELD_VALUES[type_]))
    start = draw(st.integers(0, 40))
    return {
        "doc": draw(st.sampled_from(["d1", "d2"])),
        "type": type_,
        "start": start,
        "end": start + draw(st.integers(1, 30)),
        "sentence": "…",
        "fields": fields,
        "optional": draw(st.booleans()),
    }


def as_prediction(g: dict[str, Any]) -> dict[str, Any]:
    def field(v: Any) -> Any:
        if isinstance(v, list):
            return [field(x) for x in v]
        if isinstance(v, (bool, int)):
            return obj(str(v), value=v)
        return obj(v)

    return {**{k: g[k] for k in ("doc", "type", "start", "end")}, "rule": "gold",
            "fields": {k: field(v) for k, v in g["fields"].items()}}


@settings(max_examples=300)
@given(st.lists(gold_records(), max_size=12), st.randoms())
def test_gold_scored_against_itself_is_perfect(golds: list[dict[str, Any]], rnd: Any) -> None:
    preds = [as_prediction(g) for g in golds]
    rnd.shuffle(preds)  # output order must not matter
    report = score(preds, golds)
    assert report.false_positives == () and report.misses == () and report.field_mismatches == ()
    for s in report.scores:
        counted = sum(1 for g in golds if g["type"] == s.type and not g["optional"])
        assert (s.tp, s.fp, s.fn) == (counted, 0, 0)
        if counted:
            assert s.precision == s.recall == s.f1 == 1.0
        assert s.fields_agree == s.fields_total
        if s.fields_total:
            assert s.field_accuracy == 1.0
