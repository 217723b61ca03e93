"""ruleie explain: matches with their captures, and how far a rule that did not match got."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import ruleie
from ruleie.language import nodes as n
from ruleie.cli import main
from ruleie.text.document import Document, Mention
from ruleie.engine.ruleset import RuleSet
from ruleie.errors import PatternError, RuleieError
from ruleie.tools.explain import _elements, _leaves, explain, explain_pattern, why_not
from ruleie.rules.spec import LexiconSpec, RuleSetSpec, TypeSpec

import strategies as s

RULES = """
ruleie: 1
lexicons:
  countries: {entries: [Iran, Israel, Russia], mention: Country}
  weapons: [missile, drone, rocket]
types:
  Country: {kind: mention}
  Weapon: {kind: mention}
  Launch:
    fields: {attacker: mention, weapon: str}
  Claim:
    fields: {who: mention, what: str}
rules:
  - name: weapon.word
    type: Weapon
    pattern: '[num>0]? [lemma in weapons]'
  - name: launch
    type: Launch
    pattern: '(?<attacker> @Country) [lemma=launch] (?<weapon> @Weapon)'
  - name: claim.long
    type: Claim
    pattern: '(?<who> @Country) said (?<what> []+) $'
  - name: claim.short
    type: Claim
    pattern: '(?<who> @Country) said'
"""

TEXT = "Iran launched 3 drones. Israel fired rockets."


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "launch.yaml", RULES)
    return tmp_path


@pytest.fixture
def rules(here: Path) -> RuleSet:
    return ruleie.load_rules("launch.yaml")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------
# The explanation as data


def test_matches_come_with_their_captures_and_status(rules: RuleSet):
    ex = explain(rules, TEXT)
    first = ex.sentences[0]
    launch = next(m for m in first.matches if m.rule == "launch")
    assert (launch.type, launch.kind, launch.start, launch.end, launch.text) == ("Launch", "record", 0, 4, "Iran launched 3 drones")
    assert [(c.name, c.start, c.end, c.text) for c in launch.captures] == [("attacker", 0, 1, "Iran"), ("weapon", 2, 4, "3 drones")]
    assert launch.kept is True
    weapon = next(m for m in first.matches if m.rule == "weapon.word")
    assert (weapon.kind, weapon.text, weapon.kept) == ("mention", "3 drones", True)


def test_a_rule_that_did_not_match_says_where_it_stopped_and_why(rules: RuleSet):
    ex = explain(rules, TEXT, rule_names=["launch"])
    second = ex.sentences[1]
    assert second.matches == ()
    (miss,) = second.misses
    p = miss.partial
    assert (miss.rule, p.start, p.stop, p.text) == ("launch", 5, 6, "Israel")
    assert [(st.element, st.text) for st in p.steps] == [("@Country", "Israel")]
    assert [(c.name, c.text) for c in p.captures] == [("attacker", "Israel")]
    assert [f.describe() for f in p.failures] == ['token 6 "fired": [lemma=launch] failed, lemma is "fire"']


def test_mentions_of_earlier_stages_are_listed_with_their_stage(rules: RuleSet):
    ex = explain(rules, TEXT)
    shown = {(m.type, m.text, m.rule, m.stage) for m in ex.mentions}
    assert ("Country", "Iran", "lexicon:Country", -1) in shown
    assert ("Weapon", "3 drones", "weapon.word", 0) in shown


def test_tokens_carry_every_field(rules: RuleSet):
    data = explain(rules, TEXT).to_dict()
    assert data["fields"] == ["word", "lower", "lemma", "shape", "num", "pos", "tag", "np", "entity"]
    three = data["tokens"][2]
    assert {k: v for k, v in three.items() if k not in ("pos", "tag", "np", "entity")} == {
        "index": 2, "start": 14, "end": 15, "word": "3", "lower": "3", "lemma": "3", "shape": "d", "num": 3}
    assert (three["pos"], three["tag"]) == ("NUM", "CD")  # the linguistic layer's columns too


def test_a_match_dropped_by_the_conflict_policy_says_who_won(rules: RuleSet):
    ex = explain(rules, "Iran said it was over.")
    short = next(m for m in ex.sentences[0].matches if m.rule == "claim.short")
    assert short.kept is False
    assert "claim.long" in short.note and "drop-contained" in short.note
    assert next(m for m in ex.sentences[0].matches if m.rule == "claim.long").kept is True


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        # the failing part of a conjunction, with the token's value
        ("@Country [lemma=/launch|fire/ & !lower=fired]", "Israel fired rockets.", '[!lower=fired] failed, lower is "fired"'),
        # a mention reference: which mentions start there instead
        ("@Country launched @Country", "Iran launched 3 drones.", '@Country failed, the mentions starting here are Weapon "3 drones"'),
        ("@Country launched @Country", "Iran launched at once.", "@Country failed, no mention starts here"),
        # anchors and lookaround
        ("@Country launched $", "Iran launched 3 drones.", "$ failed, this is not the end of the sentence"),
        ("launched (?= [lower=missiles] )", "Iran launched 3 drones.", "(?= [lower=missiles] ) failed, what comes after does not match"),
        # a field that is not set on the token
        ("@Country launched [num>0]", "Iran launched drones.", "[num>0] failed, num is not set"),
    ],
)
def test_failures_name_the_constraint_and_the_value(rules: RuleSet, pattern: str, text: str, expected: str):
    ex = explain_pattern(rules, pattern, text)
    (miss,) = ex.sentences[0].misses
    assert miss.partial is not None
    assert expected in [f"{f.constraint} failed, {f.reason}" for f in miss.partial.failures]


def test_running_out_of_tokens(rules: RuleSet):
    ex = explain_pattern(rules, "@Country launched [] [] [] []", "Iran launched 3 drones.")
    p = ex.sentences[0].misses[0].partial
    assert (p.start, p.stop) == (0, 5)
    assert "reached the end of the sentence, still needing []" in ex.format(detail=True)


def test_an_unfinished_capture_is_shown_as_such(rules: RuleSet):
    ex = explain_pattern(rules, "(?<all> @Country launched [num>5] )", "Iran launched 3 drones.")
    (capture,) = ex.sentences[0].misses[0].partial.captures
    assert (capture.name, capture.text, capture.closed) == ("all", "Iran launched", False)


def test_a_rule_that_never_started_says_what_its_first_element_needs(rules: RuleSet):
    ex = explain_pattern(rules, "[lemma=say] @Country", "Iran launched 3 drones.")
    (miss,) = ex.sentences[0].misses
    assert miss.partial is None and not miss.started
    assert [(f.constraint, f.reason) for f in miss.first] == [("[lemma=say]", "no token in this sentence satisfies it")]


def test_the_longest_partial_match_wins(rules: RuleSet):
    ex = explain_pattern(rules, "@Country launched [num>0] [lower=missiles]", "Israel launched rockets and Iran launched 3 drones.")
    p = ex.sentences[0].misses[0].partial
    assert p.text == "Iran launched 3"
    assert p.failures[0].describe() == 'token 7 "drones": [lower=missiles] failed, lower is "drones"'


def test_an_unknown_rule_or_type_is_an_error(rules: RuleSet):
    with pytest.raises(KeyError, match="did you mean 'launch'"):
        explain(rules, TEXT, rule_names=["lunch"])
    with pytest.raises(PatternError, match="unknown type '@Countri'"):
        explain_pattern(rules, "@Countri said", TEXT)


def test_why_not_is_one_readable_sentence(rules: RuleSet):
    assert why_not(rules, "launch", "Israel fired rockets.") == (
        'the rule did not match: it got as far as "Israel" (token 0) and stopped at token 1 "fired": '
        '[lemma=launch] failed, lemma is "fire"'
    )
    assert why_not(rules, "claim.short", "Iran said it was over.").startswith('the rule matched "Iran said" but the conflict policy')


# ---------------------------------------------------------------------------
# The command


def test_cli_explain_prints_tokens_mentions_matches_and_misses(here: Path):
    code, out, err = run("explain", "--rules", "launch.yaml", TEXT)
    assert code == 0, err
    assert "Rules: launch.yaml, 4 rules" in out
    assert "Sentence 1 (tokens 0-4): Iran launched 3 drones." in out
    assert "    #  word      lower     lemma   shape  num" in out
    assert '    Country  token 0     "Iran"  by lexicon:Country (lexicons, before stage 0)' in out
    assert '    launch -> Launch record, tokens 0-3: "Iran launched 3 drones"  [in the output]' in out
    assert '        weapon    tokens 2-3: "3 drones"' in out
    assert 'stopped at token 6 "fired": [lemma=launch] failed, lemma is "fire"' in out


def test_cli_explain_one_rule_step_by_step(here: Path):
    code, out, _ = run("explain", "--rules", "launch.yaml", "--rule", "launch", "Israel fired rockets.")
    assert code == 0
    assert (
        "  Did not match:\n"
        "    launch (Launch, stage 1)\n"
        '        longest partial match: token 0: "Israel"\n'
        '          token 0  "Israel"  @Country\n'
        '          captures: attacker = "Israel"\n'
        '        stopped at token 1 "fired": [lemma=launch] failed, lemma is "fire"\n'
    ) in out


def test_cli_explain_a_pattern_with_the_rules_mentions(here: Path):
    code, out, _ = run("explain", "--rules", "launch.yaml", "--pattern", "(?<who> @Country) [lemma=fire]", "Israel fired rockets.")
    assert code == 0
    assert "Pattern: (?<who> @Country) [lemma=fire]" in out
    assert '    the pattern, tokens 0-1: "Israel fired"' in out
    assert '        who  token 0: "Israel"' in out


def test_cli_explain_reads_stdin_and_files(here: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Iran launched 3 drones."))
    code, out, _ = run("explain", "--rules", "launch.yaml", "-")
    assert code == 0 and "launch -> Launch record" in out
    (here / "doc.txt").write_text("Iran launched 3 drones.", encoding="utf-8")
    code, out, _ = run("explain", "--rules", "launch.yaml", "--file", "doc.txt")
    assert code == 0 and "launch -> Launch record" in out


def test_cli_explain_json(here: Path):
    code, out, _ = run("explain", "--rules", "launch.yaml", "--json", TEXT)
    assert code == 0
    data = json.loads(out)
    assert data["rules"] == "launch.yaml, 4 rules" and data["pattern"] is None
    assert [s["text"] for s in data["sentences"]] == ["Iran launched 3 drones.", "Israel fired rockets."]
    miss = next(m for m in data["sentences"][1]["misses"] if m["rule"] == "launch")
    assert miss["partial"]["failures"][0] == {
        "token": 6,
        "word": "fired",
        "element": "[lemma=launch]",
        "constraint": "[lemma=launch]",
        "reason": 'lemma is "fire"',
        "message": 'token 6 "fired": [lemma=launch] failed, lemma is "fire"',
    }


@pytest.mark.parametrize(
    "argv, message",
    [
        (["explain", "--rules", "launch.yaml"], "give the text to explain"),
        (["explain", "--rules", "launch.yaml", "--file", "doc.txt", "text"], "give the text to explain"),
        (["explain", "--rules", "launch.yaml", "--file", "missing.txt"], "cannot read missing.txt"),
        (["explain", "--rules", "launch.yaml", "--rule", "lunch", "x"], "no rule named 'lunch' (did you mean 'launch'?)"),
        (["explain", "--rule", "launch", "--pattern", "a", "x"], "--rule and --pattern cannot be used together"),
        (["explain", "--rules", "launch.yaml", "--pattern", "[lemma=", "x"], "<pattern>:1:"),
    ],
)
def test_cli_explain_usage_errors(here: Path, argv: list[str], message: str):
    code, out, err = run(*argv)
    assert code == 2
    assert message in err and out == ""


def test_cli_explain_on_the_shipped_pack():
    code, out, err = run("explain", "Russia launched 23 missiles at Kyiv.")
    assert code == 0, err
    assert out.startswith("Rules: the shipped pack (")
    assert "Sentence 1 (tokens 0-6): Russia launched 23 missiles at Kyiv." in out


# ---------------------------------------------------------------------------
# Properties


PATTERNS = [
    "a b* (c | d)+ e{2,3}",
    "(?<x> a? (?= b) [lower=b] )+ $",
    "^ (a | (?<y> b c)) (?<! z) @T{1,2}? (d [])*?",
    "(a?)* b",
    "((a | b?)+ c){0,2} d",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_instruction_is_paired_with_the_element_it_came_from(pattern: str):
    program = ruleie.compile(pattern, taxonomy={"T": None}).program
    node = ruleie.parse_pattern(pattern)
    elements = _elements(node, program)
    assert elements, "the element order must follow the compiler's"
    for pc, element in elements.items():
        op, a, _ = program.code[pc]
        if isinstance(element, n.Word):
            assert program.predicates[a].expr == n.Compare("lower", "=", n.Literal(element.text.lower()))
        elif isinstance(element, n.TokenTest) and element.expr is not None:
            assert program.predicates[a].expr == element.expr
        elif isinstance(element, n.MentionRef):
            assert a == element.type


def _letters_rules() -> RuleSet:
    lexicons = {name: LexiconSpec(name, frozenset(entries), "lower") for name, entries in s.SMALL_LEXICONS.items()}
    types = {t: TypeSpec(t, "mention", parents=(s.TAXONOMY[t],) if s.TAXONOMY.get(t) else ()) for t in s.MENTION_TYPES}
    types["Thing"] = TypeSpec("Thing", "mention")
    return RuleSet(RuleSetSpec(types=types, lexicons=lexicons, vars={}, rules=()))


LETTER_RULES = _letters_rules()


@st.composite
def letter_documents(draw: st.DrawFn) -> Document:
    letters = draw(s.letter_tokens(min_size=1))
    doc = ruleie.annotate(" ".join(letters))
    spans = draw(s.mentions_for(len(doc)))
    return doc.with_mentions(Mention(t, a, b) for t, a, b in spans)


@settings(max_examples=150)
@example(
    # can only match empty sequences: explain says so rather than naming no element
    node=n.Capture("g1", n.Repeat(n.Repeat(n.Word("a"), 0, None), 0, 0)),
    doc=ruleie.annotate("a"),
)
@given(s.small_patterns(mentions=True), letter_documents())
def test_explain_agrees_with_the_matcher_and_its_partial_matches_are_real(node: n.Node, doc: Document):
    assume(s.matches_something(node))
    pattern = n.unparse(node)
    try:
        ex = explain_pattern(LETTER_RULES, pattern, doc)
    except RuleieError:
        assume(False)
        return
    compiled = ruleie.compile(pattern, lexicons=s.SMALL_LEXICONS, taxonomy=s.TAXONOMY)
    # The mentions the pattern saw: the document's, settled by their types' conflict policy.
    seen = ex.doc.with_mentions(Mention(m.type, m.start, m.end) for m in ex.mentions)
    spans = compiled.all_token_spans(seen)
    for sentence in ex.sentences:
        matched = any(sentence.start <= a < sentence.end for a, _ in spans)
        assert bool(sentence.matches) == matched
        if matched:
            continue
        (miss,) = sentence.misses
        if miss.partial is None:
            assert miss.first, "a rule that never started says what it needed"
            continue
        p = miss.partial
        assert sentence.start <= p.start < p.stop <= sentence.end
        # The steps are one path through the tokens, each element true of its token.
        assert p.steps[0].start == p.start and p.steps[-1].end == p.stop
        for before, after in zip(p.steps, p.steps[1:]):
            assert before.end == after.start
        for step in p.steps:
            one = ruleie.compile(step.element, lexicons=s.SMALL_LEXICONS, taxonomy=s.TAXONOMY)
            assert (step.start, step.end) in one.all_token_spans(seen)
        # Each failure is at the stop and its constraint is false there.
        for f in p.failures:
            assert f.token == p.stop
            if f.word is not None and f.constraint.startswith("["):
                test = ruleie.compile(f.constraint, lexicons=s.SMALL_LEXICONS)
                assert (f.token, f.token + 1) not in test.all_token_spans(seen)


def test_leaves_of_a_repetition_are_unrolled_as_the_compiler_does():
    node = ruleie.parse_pattern("a{2,4} b* c{3}")
    assert [n.unparse(x) for x in _leaves(node)] == ["a"] * 4 + ["b"] + ["c"] * 3


@pytest.mark.parametrize("module", ["ruleie.tools.explain", "ruleie.rules.lint"])
def test_doctests(module: str):
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failures == 0


def test_mention_references_failing_alike_share_a_line(rules: RuleSet):
    ex = explain_pattern(rules, "@Country launched (@Country | @Weapon)", "Iran launched at once.")
    text = ex.format(detail=True)
    assert 'stopped at token 2 "at", where all of these failed:\n          @Country, @Weapon failed, no mention starts here' in text


def test_without_all_only_the_furthest_misses_are_shown(rules: RuleSet, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("ruleie.tools.explain.MAX_MISSES_SHOWN", 1)
    text = explain(rules, "Israel fired rockets.").format()
    assert "  Did not match (those that got furthest first):\n    launch (Launch, stage 1)\n" not in text
    assert "  Did not match:\n    launch (Launch, stage 1)\n" in text
    assert "    2 more rules did not match (--all, or --rule NAME, shows why): claim.long, claim.short" in text
    assert "claim.short (Claim, stage 1)" in explain(rules, "Israel fired rockets.").format(show_all=True)
