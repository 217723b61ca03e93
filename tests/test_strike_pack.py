"""The shipped Strike pack as a whole: what no rule of it may report, and what it must.

The inline examples test one rule at a time; these sentences go through the whole pack
(all rules, the merge), so a construction that one rule leaves out cannot come back
through another. Every sentence here is made up for the test.
"""

from __future__ import annotations

import pytest

import ruleie


@pytest.fixture(scope="module")
def rules():
    return ruleie.load_rules()


def _strikes(rules, text):
    return [r for r in rules.extract(text, doc_id="t") if r.type == "Strike"]


# A bare reference, a total over a war or a year, a habit, a planned or possible attack,
# an accident, an arrest raid: no Strike record (RECORDS.md, issue 12 item 4).
NO_STRIKE = [
    # totals over a war or a period
    "The long civil war has left some 300,000 people dead.",
    "Tens of thousands of villagers have been killed in fighting between the militias and the army.",
    "More than 400 people have been killed in the unrest this year.",
    "Fighting in the region has killed thousands and driven a million from their homes.",
    # bare references, dated or named by a year
    "The suspects were arrested over the rocket attacks on the garrison.",
    "Many families moved away after the 1999 embassy bombings.",
    "A small radio station first reported the drone strike.",
    "Victims' relatives of the March attack met the prosecutor on Monday.",
    # habits, plans, possibilities, trends
    "In the past, the rebels have raided border villages.",
    "Two men were held on suspicion of preparing a bomb attack.",
    "The general warned of a rise in rebel attacks before the election.",
    "The envoy ruled out the possibility of an air strike on the island.",
    # accidents and disasters
    "A mudslide in the northern hills has killed at least 60 people.",
    "Nine people were hurt in a crush at the stadium gates.",
    # police raids that only arrest or free people
    "Police detained twelve men in raids on three flats.",
    "Two hostages were freed in a police raid on a farm.",
    # habits and many attacks: a frequency, not one event
    "Militias in the hills frequently ambush army convoys on the main road.",
    "The faction has staged numerous bombings against the police.",
    "The council will hire guards in a bid to curb knife attacks on the trams.",
    "Fighting between the two clans died down in 1994 after a truce.",
    # a participle that describes the attacker, not an attack
    "Rebels targeting the mining industry have kidnapped nine engineers.",
    # a driver who loses control, an armed group described
    "The driver lost control and drove his lorry into a crowd at the bus stop.",
    "The rebels are armed with old rifles and a few mortars.",
    # the people behind an attack, an attack as background, totals over recent weeks
    "The prosecutor named the organiser of the bombings in the old town.",
    "The governor resigned amid a spate of militia raids on supply lines.",
    "Four policemen have died in ambushes on the highway in recent weeks.",
    # a claim no one makes
    "So far no faction has claimed responsibility for the ambush.",
    # speculation
    "Experts said it may have been a shell that detonated on its own.",
    # attacks that are words, sport or illness; labour strikes
    "The opposition launched a blistering attack on the budget.",
    "Her rival mounted a scathing assault on the reform plan.",
    "Bus drivers began a strike over pay on Monday.",
    "The former minister suffered a heart attack at his farm.",
    "The fans threw bottles onto the pitch.",
]

# Reports with a detail: a Strike record each.
STRIKE = [
    "Gunmen abducted and killed two engineers near the dam.",
    "A man stabbed four shoppers at the mall on Friday.",
    "Insurgents firebombed a girls' school overnight.",
    "Loud explosions were heard near the airport at dawn.",
    "Tuesday's attack on the depot wounded three guards.",
    "The junta blamed rebels for a mine blast that killed four porters.",
    "Rebel fighters killed four forest guards on Monday.",
    "Commandos raided the hideout, killing two gunmen.",
    "Thousands of families fled the clashes between the army and the rebels.",
    "Police traded gunfire with smugglers near the river.",
    "Masked men threw three petrol bombs at the office.",
    # a claim names who carried the attack out
    "A rebel splinter group claimed responsibility for Sunday's blast.",
    # a vehicle driven into people; attackers' arms; victims shot
    "A young man drove a stolen van into a crowd of revellers at the fair.",
    "Police said the two gunmen were armed with pistols and a machete.",
    "Three of the victims were shot at close range.",
    # a frequency word about someone else is no habit of the attack
    "Soldiers shot dead a rebel leader who often gave interviews to the press.",
]


@pytest.mark.parametrize("text", NO_STRIKE)
def test_no_strike_record(rules, text):
    assert _strikes(rules, text) == []


@pytest.mark.parametrize("text", STRIKE)
def test_strike_record(rules, text):
    assert _strikes(rules, text) != []
