"""The shipped Meeting pack on whole sentences: status (happened / planned) and hard negatives.

Every sentence here is written for this test; none comes from a data set.
"""

from __future__ import annotations

import pytest

import ruleie


@pytest.fixture(scope="module")
def rules():
    return ruleie.load_rules()


def _meetings(rules, text):
    return [r for r in rules.extract(text) if r.type == "Meeting"]


def _status(record):
    value = record.fields.get("status")
    return None if value is None else value.value


@pytest.mark.parametrize(
    "text",
    [
        # a future frame governs a meeting word further on in its clause
        "The Chilean envoy is to fly to Lima on Monday for talks with Peru's foreign minister.",
        "The delegation will tour the port on Friday before meeting with the Kenyan president.",
        # a present tense in a clause of time
        "Aid groups expect the envoy to raise the issue when he meets the Sudanese leader.",
        # a journey in progress
        "The vice president is heading Sunday to the Gulf for visits to Oman and Qatar.",
        "The Japanese premier is headed to Canberra to meet with the Australian prime minister.",
        # an announced host
        "The Kenyan president will host the Indian prime minister next week.",
    ],
)
def test_future_meetings_are_planned(rules, text):
    records = _meetings(rules, text)
    assert records, text
    assert {_status(r) for r in records} == {"planned"}, [(r.rule, _status(r)) for r in records]


@pytest.mark.parametrize(
    "text",
    [
        "The Kenyan president, who will retire next year, met the Ugandan leader in Kampala.",
        "The Chilean president arrived in the port city of Valparaiso Monday to meet with Peru's president.",
        "The envoy is the most senior Swedish official to visit Kosovo since the war.",
        "Police say the men were planning to kidnap the envoy during his visit to Lagos last month.",
        "Mr. Talabani was in Iran last week.",
    ],
)
def test_past_meetings_are_happened(rules, text):
    records = _meetings(rules, text)
    assert records, text
    assert {_status(r) for r in records} == {"happened"}, [(r.rule, _status(r)) for r in records]


@pytest.mark.parametrize(
    "text",
    [
        # cancelled, stalled, conditional or only wished-for meetings
        "A meeting between the Kenyan president and the Somali leader has been postponed.",
        "Diplomats are trying to revive peace talks between Sudan and the rebels.",
        "He says membership talks with Serbia can not begin unless it arrests the suspects.",
        "Ghana says it has no plans to send an envoy to Lome to meet the Togolese president.",
        "The minister asked Cuba to allow the scientist to visit Chile.",
        "The rebels rejected an offer from the government to hold another round of peace talks.",
        # gatherings that are not diplomatic
        "The senator told voters at a town hall meeting in Iowa that taxes would fall.",
        "The new national assembly abolished the old constitution at its first meeting.",
        "The opposition leader outlined his plans at a meeting of his party's regional leaders.",
        "The jailed activist signed the appeal during a meeting with her lawyer.",
        "The defense secretary made the remarks on a visit to an army base in Texas.",
        "The prime minister visited the port city on Friday for an election rally.",
        "The senator wrapped up a nationwide tour promoting his tax plan.",
        "Two sprinters from Kenya won at the Oslo Bislett meet in June.",
        "Ghana must cut spending to meet the IMF targets.",
        # not a meeting at all
        "The European Union welcomed Kenya's decision to hold a new vote.",
        "New Kenyan presidents traditionally visit Uganda first.",
    ],
)
def test_hard_negatives_make_no_meeting(rules, text):
    assert _meetings(rules, text) == [], [(r.rule, r.fields.get("trigger")) for r in _meetings(rules, text)]


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("Turkish and Greek diplomats resumed exploratory talks in Athens.", "talks"),
        ("Mr. Ruto, the President of Kenya, held talks with Tanzanian President Samia Hassan.", "talks"),
        ("Iranian and American diplomats negotiated for 18 days in Lausanne.", "negotiated"),
        ("Sudan and South Sudan settled the border dispute after three rounds of negotiations.", "negotiations"),
        ("King Abdullah hosted a dinner for visiting U.S. lawmakers.", "dinner"),
        ("The Cuban leader sat down with the American president in Panama.", "sat down"),
    ],
)
def test_constructions_that_report_a_meeting(rules, text, trigger):
    triggers = {r.fields["trigger"].text for r in _meetings(rules, text) if r.fields.get("trigger")}
    assert trigger in triggers, (text, triggers)
