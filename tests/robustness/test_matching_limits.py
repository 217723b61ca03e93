"""Matching limits that keep one hostile document from stalling a batch.

- the sentence cap: sentences longer than ``--max-sentence-tokens`` (default 1000) are cut
  into pieces before matching, after a `,` `;` `:` or dash when one is near the limit;
- the per-document time budget: ``--time-budget SECONDS`` fails that document only;
- the regex guard: a token regex that could backtrack catastrophically is refused, and a
  regex is never applied to a value longer than ``MAX_REGEX_VALUE_LENGTH`` characters.
"""

from __future__ import annotations

import json
import re
import signal
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ruleie
from robust_helpers import HOSTILE_RULES, STRIKE, assert_records_slice_back, assert_slices_back, records, run
from ruleie.language.compiler import MAX_REGEX_VALUE_LENGTH, regex_hazard
from ruleie.engine.ruleset import MAX_SENTENCE_TOKENS, cap_sentences
from ruleie.errors import PatternError, RuleieError

# ---------------------------------------------------------------------------
# The sentence cap


@pytest.fixture(scope="module")
def rules():
    return ruleie.load_rules(HOSTILE_RULES)


def test_the_cap_cuts_after_punctuation_near_the_limit_else_at_the_limit(rules):
    words = ["w"] * 2500
    words[1700] = ","  # in the second half of the second piece: the cut goes right after it
    doc = rules.annotate(" ".join(words))
    assert doc.sentences == ((0, 2500),)
    capped = cap_sentences(doc, 1000)
    assert capped.sentences == ((0, 1000), (1000, 1701), (1701, 2500))
    assert cap_sentences(doc, 0) is doc  # 0 turns the cap off
    assert MAX_SENTENCE_TOKENS == 1000


def test_records_inside_a_long_sentence_are_found_with_right_offsets(rules):
    unit = f"{STRIKE[:-1]} , and officials said more was coming today"
    text = " ".join([unit] * 2000)  # 26,000 tokens, one "sentence"
    found = rules.extract(text)
    assert len(found) == 2000
    assert_records_slice_back(found, text)
    assert {r.text for r in found} == {"Russia launched 3 drones at Kyiv"}


def test_a_match_across_a_hard_cut_is_lost_and_a_larger_cap_finds_it(tmp_path: Path):
    """The documented cost of the cap: a match may not cross a cut. With no punctuation the cut is hard."""
    text = " ".join(["w"] * 998 + STRIKE[:-1].split())  # the Strike starts at token 998 of a sentence
    path = tmp_path / "cut.txt"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("run", "--rules", HOSTILE_RULES, path)
    assert code == 0, err
    assert records(out) == []
    code, out, err = run("run", "--rules", HOSTILE_RULES, "--max-sentence-tokens", "2000", path)
    assert code == 0 and [r["text"] for r in records(out)] == ["Russia launched 3 drones at Kyiv"]
    assert_slices_back(records(out)[0], text)


# ---------------------------------------------------------------------------
# The time budget

BUDGET_RULES = """\
ruleie: 1
types:
  Pair: {kind: record, conflict: keep-all}
  Triple: {kind: record, conflict: keep-all}
  Quad: {kind: record, conflict: keep-all}
rules:
  - {name: pair, type: Pair, pattern: "[word=/[a-z]+/] [word=/[a-z]+/]"}
  - {name: triple, type: Triple, pattern: "[word=/[a-z]+/]{3}"}
  - {name: quad, type: Quad, pattern: "[word=/[a-z]+/]{4}"}
"""


def test_the_time_budget_fails_only_the_slow_document(tmp_path: Path):
    rule_file = tmp_path / "budget.yaml"
    rule_file.write_text(BUDGET_RULES, encoding="utf-8")
    docs = tmp_path / "docs.jsonl"
    lines = [{"id": "fast1", "text": "one two three four"},
             {"id": "slow", "text": " ".join(["word"] * 400_000)},  # each rule takes seconds here
             {"id": "fast2", "text": "five six seven eight"}]
    docs.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    code, out, err = run("run", "--rules", rule_file, "--time-budget", "0.2", "--errors", errors, docs)
    assert code == 1
    assert sorted({r["doc"] for r in records(out)}) == ["fast1", "fast2"]
    [failure] = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert failure["doc"] == "slow"
    assert "time budget of 0.2 s exceeded" in failure["error"] and "400000 tokens" in failure["error"]
    assert "time budget of 0.2 s exceeded" in err
    code, _, err = run("run", "--rules", rule_file, "--time-budget", "-1", docs)
    assert code == 2 and "must be 0 (no limit) or more" in err


def test_the_default_time_budget_skips_a_pathological_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Without --time-budget a run still has one: the slow document is reported, the others come out."""
    import ruleie.cli

    monkeypatch.setattr(ruleie.cli, "DEFAULT_TIME_BUDGET", 0.2)
    rule_file = tmp_path / "budget.yaml"
    rule_file.write_text(BUDGET_RULES, encoding="utf-8")
    docs = tmp_path / "docs.jsonl"
    lines = [{"id": "fast1", "text": "one two three four"},
             {"id": "slow", "text": " ".join(["word"] * 400_000)},
             {"id": "fast2", "text": "five six seven eight"}]
    docs.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    code, out, err = run("run", "--rules", rule_file, docs)
    assert code == 1
    assert sorted({r["doc"] for r in records(out)}) == ["fast1", "fast2"]
    assert "docs.jsonl:2: DocumentTimeout: time budget of 0.2 s exceeded" in err
    # 0 switches it off: the slow document finishes (on a smaller copy, to keep the test short)
    docs.write_text(json.dumps({"id": "slow", "text": " ".join(["word"] * 2_000)}) + "\n", encoding="utf-8")
    code, out, err = run("run", "--rules", rule_file, "--time-budget", "0", docs)
    assert code == 0, err


def test_the_time_budget_through_the_library(tmp_path: Path):
    rule_file = tmp_path / "budget.yaml"
    rule_file.write_text(BUDGET_RULES, encoding="utf-8")
    rules = ruleie.load_rules(rule_file, time_budget=0.2)
    results = list(rules.extract_many(["a b", " ".join(["word"] * 400_000), "c d"]))
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error.startswith("DocumentTimeout: time budget of 0.2 s exceeded")


# ---------------------------------------------------------------------------
# The regex guard

CATASTROPHIC = [
    r"(a+)+$", r"(a+)+", r"(a*)*b", r"(\w+\s?)*$", r"(a|a)*", r"(a|aa)+", r"(ab|a|b)*c", r"(x+x+)+y",
    r"((a{1,100}){1,100})", r"(,a*a*)*", r"(a?)+", r"(.*?,){11}P", r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r".*.*.*x", r".*a.*a.*x", r"(.*)(.*)(.*)x", r"(x(a)*((b)?)?)*", r"(?i:-[A-Z]?[a-z]+)*",
    r"(a?ba?)*", r"(a*-a+)+!", r"(\w*,\w*)+$",
    r"(a)*((a)*|(a)*)(a)*((\w)*?|(a|[ab]))", r"a*(b|a+)a*(x|\w+)", r"a*(a+)?a*!",
    r"([^b])*\wb?([ab])+([ab]|,)(.[ab])+", r"\w*-?\w*-?\w*!",
    r"(\d){0,20}(([ab]|,|b?)|a?|(.)*)a?b?([ab]){0,20}(\w.)+?(,)+(-|[^b])", r"\d*(x|.*)[ab]*\w+!",
    r"(\w*.+?\w{1,5}(a|a)|b?)(\d{0,20}|([ab]{2})*?-)", r"(a.*)?.*(.*b)?#",
]
SAFE = [
    r"[A-Z]\w+", r"was|were", r"missiles?", r"\d{1,3}(,\d{3})*", r"[a-z]+(-[a-z]+)*", r"[A-Z][a-z.]+(-[A-Za-z]+)?",
    r"[A-Z][a-z]+(?:[-''’][A-Z]?[a-z]+)*|Mc[A-Z][a-z]+|[A-Z]\.", r".*.*x", r"\w+-\w+-\w+-\w+", r"https?://.*",
    r"(?:in|on|at)+", r"(?:was|wa)+", r"(\d+,)*\d", r"(ab)+", r"a{1000}", r"[^aeiou]+ing", r"(a)\1+", r"(?>a+)+",
    r".*(American|Asian|African|Pacific|Mediterranean).*",
    r"(a?b)*", r"(ba?)*", r"(\w+,)+\w+",
    r"\w+-\w+-?\w+", r"[a-z]+-?[0-9]+-[a-z]+",
]


@pytest.mark.parametrize("regex", CATASTROPHIC)
def test_catastrophic_regexes_are_refused_with_a_position(regex: str):
    assert regex_hazard(regex) is not None
    pattern = f"x [word=/{regex}/] y"
    with pytest.raises(PatternError) as caught:
        ruleie.compile(pattern)
    d = caught.value.diagnostic
    assert "could backtrack catastrophically" in d.message
    assert (d.line, d.column) == (1, pattern.index("/") + 1)


@pytest.mark.parametrize("regex", SAFE)
def test_ordinary_regexes_pass_the_guard(regex: str):
    assert regex_hazard(regex) is None, regex_hazard(regex)
    ruleie.compile("[word=/" + regex.replace("/", "\\/") + "/]")


def test_the_shipped_pack_passes_the_guard():
    ruleie.load_rules()  # every regex in the shipped rules is accepted


def test_the_guard_also_holds_for_trees_built_in_code():
    from ruleie.language import nodes as n
    from ruleie.language.compiler import compile_program

    node = n.TokenTest(n.Compare("word", "=", n.Regex("(a+)+$", "")))
    with pytest.raises(PatternError, match="could backtrack catastrophically"):
        compile_program(node)


def test_the_issue_example_errors_fast_instead_of_hanging(tmp_path: Path):
    """[word=/(a+)+$/] against a 100,000-character token "aaaa…!": refused when the rules load."""
    rule_file = tmp_path / "redos.yaml"
    rule_file.write_text(
        "ruleie: 1\ntypes: {T: {kind: record}}\nrules:\n  - name: redos\n    type: T\n    pattern: '[word=/(a+)+$/] \"!\"'\n",
        encoding="utf-8",
    )
    doc = tmp_path / "doc.txt"
    doc.write_text("a" * 100_000 + "!", encoding="utf-8")
    code, out, err = run("run", "--rules", rule_file, doc)
    assert code == 2 and out == ""
    assert "redos.yaml:6:21: error: regex /(a+)+$/ could backtrack catastrophically" in err
    code, out, err = run("check", rule_file)
    assert code == 2 and "redos.yaml:6:21" in err


def test_a_regex_nested_thousands_deep_is_an_error_not_a_recursion_error():
    with pytest.raises(RuleieError, match="groups nested too deeply"):
        ruleie.compile("[word=/" + "(" * 5000 + "a" + ")" * 5000 + "/]")


class _Alarm(Exception):
    pass


def _with_alarm(seconds: float):
    """A safety net for a test that must not hang: SIGALRM interrupts even a running regex."""

    def handler(signum, frame):  # pragma: no cover - only when the guard misses a shape
        raise _Alarm()

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)


REGEX_PARTS = st.recursive(
    st.sampled_from(["a", "b", ".", "[ab]", r"\w", "x", "-", "a?", "b?", r"\d", "[^b]", ","]),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}|{p[1]})"),
        st.tuples(inner, st.sampled_from(["*", "+", "?", "{1,5}", "{2}", "*?", "{0,20}", "+?", "{2,}", "??"])).map(
            lambda p: f"({p[0]}){p[1]}"
        ),
    ),
    max_leaves=8,
)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"),
                    reason="the safety net needs SIGALRM in the main thread")
@given(regex=REGEX_PARTS)
def test_a_regex_the_guard_accepts_fails_fast_on_long_words(regex: str):
    """Property: any regex is refused by the guard or runs fast on adversarial words of the capped length."""
    try:
        re.compile(regex)
    except re.error:
        return
    if regex_hazard(regex) is not None:
        return
    half = MAX_REGEX_VALUE_LENGTH // 2
    words = ["a" * MAX_REGEX_VALUE_LENGTH + "!", "1" * MAX_REGEX_VALUE_LENGTH + "!"]
    words += [pair * half + "!" for pair in ("ab", "ba", "x-", "a,")]
    _with_alarm(10.0)  # generous: these take milliseconds; a miss takes hours
    try:
        for word in words:
            re.fullmatch(regex, word)
    except _Alarm:
        pytest.fail(f"regex /{regex}/ passed the guard but backtracks catastrophically")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
