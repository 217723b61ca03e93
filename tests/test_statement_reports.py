"""Statement constructions of the shipped pack, on sentences written for these tests.

Two reports by one speaker in one sentence need the Statement type's ``anchor: [verb, content]``
(rules/types.yaml; docs/rules.md, "best with an anchor").
"""

from __future__ import annotations

import pytest

import ruleie

def statements(rules: ruleie.RuleSet, text: str) -> list[tuple[str, str, str]]:
    """(speaker, verb, content) of every Statement record, in document order."""
    out = []
    for r in rules.extract(text):
        if r.type == "Statement":
            out.append(tuple(v.text if v is not None else None for v in (r.speaker, r.verb, r.content)))
    return out


@pytest.fixture(scope="module")
def shipped():
    return ruleie.load_rules()


@pytest.fixture(scope="module")
def anchored():
    """The shipped pack, whose Statement type declares `anchor: [verb, content]`."""
    rules = ruleie.load_rules()
    assert rules.spec.types["Statement"].anchor == ("verb", "content")
    return rules


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The governor said the levee held and told reporters that the river was falling.",
         [("The governor", "said", "the levee held"), ("The governor", "told", "the river was falling")]),
        ("Ada Brown said the budget was balanced, adding that no taxes would rise.",
         [("Ada Brown", "said", "the budget was balanced"), ("Ada Brown", "adding", "no taxes would rise")]),
        ("“The mine is safe,” the inspector said, insisting that the alarms had worked.",
         [("the inspector", "said", "The mine is safe"), ("the inspector", "insisting", "the alarms had worked")]),
    ],
)
def test_one_speaker_reporting_twice_gives_two_statements(anchored, text, expected):
    assert statements(anchored, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The governor said the levee held and the engineers agreed.",
        "The coach said the team was tired and went home early.",
    ],
)
def test_a_second_verb_that_is_no_report_adds_nothing(anchored, text):
    assert len(statements(anchored, text)) == 1


@pytest.mark.parametrize(
    "text, speaker, verb",
    [
        ("The closure was announced by the port authority on Tuesday.", "the port authority", "announced"),
        ("It was confirmed by the league that the final would be replayed.", "the league", "confirmed"),
        ("The ambassador was quoted as saying that the embassy would reopen.", "The ambassador", "quoted as saying"),
        ("Insisting that the count was fair, the election board rejected the appeal.", "the election board", "Insisting"),
        ("The rail union issued a statement saying the strike would go ahead.", "The rail union", "saying"),
        ("Prices will climb again, a trader in the market told reporters.", "a trader in the market", "told"),
    ],
)
def test_constructions_of_the_shipped_pack(shipped, text, speaker, verb):
    assert (speaker, verb) in [(s, v) for s, v, _ in statements(shipped, text)]


@pytest.mark.parametrize(
    "text",
    [
        "The old theatre was rejected by the council.",
        "The hiker was reported missing by her brother.",
        "Saying goodbye to his staff, the director left the building.",
        "The museum issued a ticket showing the new hours.",
    ],
)
def test_lookalikes_give_no_statement(shipped, text):
    assert statements(shipped, text) == []


@pytest.mark.parametrize(
    "text, speaker, verb",
    [
        # speech acts named by their verb
        ("The fishermen's union condemned the new quotas.", "The fishermen's union", "condemned"),
        ("The auditor blamed the shortfall on a clerical error.", "The auditor", "blamed"),
        ("The coach thanked the fans for their patience.", "The coach", "thanked"),
        ("The engineer pointed out that the beams were rusty.", "The engineer", "pointed out"),
        # a verb of making or issuing with a noun of saying
        ("The harbour master made the remarks after a tour of the docks.", "The harbour master", "made the remarks"),
        ("The weather office issued a warning for the coast.", "The weather office", "issued a warning"),
        # a list of speakers
        ("Ada Brown, Ken Obi and Mia Lund told the panel that the files were lost.", "Ada Brown, Ken Obi and Mia Lund", "told"),
        ("Chile, Peru and Bolivia said the border would stay open.", "Chile, Peru and Bolivia", "said"),
        # a present-tense verb after a plural subject with a place, and an apposition between spaced hyphens
        ("Rescue teams in the valley say the road is blocked.", "Rescue teams in the valley", "say"),
        ("Council Leader Mia Lund - a Liberal - says the vote will be close.", "Mia Lund", "says"),
    ],
)
def test_speech_acts_remarks_and_speaker_lists(shipped, text, speaker, verb):
    assert (speaker, verb) in [(s, v) for s, v, _ in statements(shipped, text)]


@pytest.mark.parametrize(
    "text",
    [
        "The requests of the tenants were ignored.",
        "The ferry company made no comment.",
        "The lawyer made the case for a retrial.",
        "After a long slump, the bakery, like its rivals, declared bankruptcy.",
    ],
)
def test_objects_and_refusals_give_no_statement(shipped, text):
    assert statements(shipped, text) == []
