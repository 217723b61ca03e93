"""The compiled matcher core against the pure-Python core: the same matches, spans and captures.

``matcher.python_finditer`` / ``matcher.python_all_spans`` are the reference (they are
themselves checked against ``re`` and brute force in test_matcher_properties.py). The
compiled core (``ruleie.language._corevm``, through ``corevm``) must return exactly what
they return: every match in order, its span, every capture slot, the whole capture
history, and every span of the all-matches mode, on random patterns of the whole
language, random token sequences, mentions and sentence layouts, under every lookaround
strategy (probe only, sweep at once, the shipped threshold).

Where the extension is not built these tests skip, unless ``RULEIE_CORE=compiled`` (CI
sets it), which makes the missing extension an error at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import ruleie
from ruleie.language import corevm, matcher
from ruleie.language import nodes as n
from ruleie.language.matcher import DocumentContext
from ruleie.text.document import Document, Mention

import strategies as s
from oracles import sentences_document

REPO = Path(__file__).resolve().parents[1]

needs_extension = pytest.mark.skipif(not corevm.available(), reason="the compiled matcher core is not built")

# Lookaround strategies of both cores: 0 sweeps at the first question, a large number
# only ever probes, 8 is the shipped threshold (a mix on sentences of some length).
PROBES = st.sampled_from([0, 1, 8, 1_000_000])

ALL_LEXICONS = {name: ["launch", "Kyiv", "missiles", "23", "a", "b"] for name in s.LEXICON_NAMES}
ANY_TYPES = {"Person": "Person", "Org": "Org.Gov", "Actor": "Actor", "Place": "_T-1"}


def both_cores(pattern: ruleie.Pattern, doc: Document, probes: int) -> None:
    """Every sentence of doc: finditer and all_spans agree between the cores, each on a fresh context."""
    with matcher.strategy_thresholds(probes_before_sweep=probes):
        for lo, hi in doc.sentences:
            expected = list(matcher.python_finditer(pattern.program, DocumentContext(doc, pattern._ancestors), lo, hi))
            with corevm.using(corevm.COMPILED):
                found = list(matcher.finditer(pattern.program, DocumentContext(doc, pattern._ancestors), lo, hi))
            assert found == expected, (pattern.canonical, (lo, hi))
            expected_spans = matcher.python_all_spans(pattern.program, DocumentContext(doc, pattern._ancestors), lo, hi)
            with corevm.using(corevm.COMPILED):
                spans = matcher.all_spans(pattern.program, DocumentContext(doc, pattern._ancestors), lo, hi)
            assert spans == expected_spans, (pattern.canonical, (lo, hi))


def letters_document(letters: Sequence[str], mentions: Sequence[tuple[str, int, int]] = ()) -> Document:
    doc = ruleie.annotate(" ".join(letters))
    return doc.with_mentions([Mention(t, b, e) for t, b, e in mentions])


def compile_small(node: n.Node) -> ruleie.Pattern:
    return ruleie.compile(n.unparse(node), lexicons=s.SMALL_LEXICONS, taxonomy=s.TAXONOMY)


A, B, C = n.Word("a"), n.Word("b"), n.Word("C")
ANY = n.TokenTest()


# ---------------------------------------------------------------------------
# Random patterns, token sequences and mentions


@needs_extension
@settings(max_examples=300)
@given(s.small_patterns(mentions=True, max_leaves=10).filter(s.matches_something), s.letter_tokens(max_size=10),
       st.data(), PROBES)
@example(n.Repeat(n.Capture("g1", n.alt(A, n.EMPTY)), 0, None), ["a", "a"], None, 8)
@example(n.seq(n.Repeat(n.Capture("g1", n.alt(n.EMPTY, A)), 0, 2), B), ["a", "b"], None, 8)
@example(n.seq(n.Look(n.seq(A, n.Repeat(ANY, 1, None)), behind=True), C), ["a", "b", "c", "a", "c"], None, 0)
@example(n.seq(n.MentionRef("Actor"), n.Look(n.MentionRef("Person"), behind=True)), ["a", "b", "c"], None, 1)
def test_small_patterns(node: n.Node, letters: list[str], data, probes: int) -> None:
    mentions = data.draw(s.mentions_for(len(letters))) if data is not None else [("Person", 0, 2), ("Org", 0, 1)]
    both_cores(compile_small(node), letters_document(letters, mentions), probes)


@needs_extension
@settings(max_examples=300)
@given(s.any_patterns(max_leaves=10), s.texts(max_words=14), st.data(), PROBES)
def test_whole_language(node: n.Node, text: str, data, probes: int) -> None:
    """Every kind of constraint (regexes, numbers, lexicons, negations), mentions with a
    taxonomy, anchors, nested lookaround, counted and lazy repetitions, on any text."""
    pattern = ruleie.compile(n.unparse(node), lexicons=ALL_LEXICONS, taxonomy={"Person": "Actor", "Org.Gov": "Actor"})
    doc = ruleie.annotate(text)
    mentions = data.draw(s.mentions_for(len(doc)))
    # Some mentions cross a sentence end: no match may use them.
    doc = doc.with_mentions([Mention(ANY_TYPES[t], b, e) for t, b, e in mentions])
    both_cores(pattern, doc, probes)


@needs_extension
@settings(max_examples=100)
@given(s.variable_lookbehind_patterns(), s.letter_tokens(max_size=10), PROBES)
def test_variable_lookbehind(node: n.Node, letters: list[str], probes: int) -> None:
    both_cores(compile_small(node), letters_document(letters), probes)


@needs_extension
@settings(max_examples=100)
@given(s.small_patterns(mentions=True).filter(s.matches_something),
       st.lists(s.letter_tokens(min_size=1, max_size=5), min_size=1, max_size=4), st.data(), PROBES)
def test_several_sentences(node: n.Node, sentences: list[list[str]], data, probes: int) -> None:
    """Sentences laid out by hand: anchors, lookaround and mentions per sentence."""
    doc = sentences_document(sentences)
    mentions = data.draw(s.mentions_for(len(doc)))
    both_cores(compile_small(node), doc.with_mentions([Mention(t, b, e) for t, b, e in mentions]), probes)


@needs_extension
@settings(max_examples=25)
@given(s.small_patterns(mentions=True, max_leaves=14).filter(s.matches_something),
       st.integers(60, 250), st.randoms(use_true_random=False), PROBES)
def test_long_sentences(node: n.Node, size: int, rnd, probes: int) -> None:
    """Sentences of hundreds of tokens: lookaround swept and probed, long waits inside mentions."""
    letters = [rnd.choice(s.LETTERS) for _ in range(size)]
    mentions = []
    for _ in range(size // 5):
        start = rnd.randrange(size)
        mentions.append((rnd.choice(s.MENTION_TYPES), start, min(size, start + rnd.randint(1, 4))))
    both_cores(compile_small(node), letters_document(letters, mentions), probes)


# ---------------------------------------------------------------------------
# Token constraints: the compiled core's bitsets (predicates.value_plan, evaluated over
# value ids with answers remembered across documents) against ``positions`` itself

# Regexes with a small finite language are read as word lists (predicates.regex_language).
FINITE_REGEXES = st.sampled_from(["attacks?|raids?", "[A-Z]\\.", "(?:ab){1,2}|c", "U\\.S\\.|US", "[0-9]", "a?b?"])
CONSTRAINTS = st.one_of(
    s.expressions(),
    st.builds(n.Compare, st.sampled_from(s.FIELDS[:4]), st.sampled_from(["=", "!="]), st.builds(n.Regex, FINITE_REGEXES)),
)


@needs_extension
@settings(max_examples=200)
@given(st.lists(CONSTRAINTS, min_size=1, max_size=4), st.lists(s.texts(max_words=12), min_size=1, max_size=3))
def test_constraint_bitsets(exprs: list, texts: list[str]) -> None:
    """Several documents in turn, so that remembered answers are reused and extended."""
    from ruleie.language.compiler import _Compiler

    compiler = _Compiler(ALL_LEXICONS, {}, "")
    predicates = [compiler.predicate(e, 0) for e in exprs]
    for text in texts:
        ctx = DocumentContext(ruleie.annotate(text))
        with corevm.using(corevm.COMPILED):
            for predicate in predicates:
                row = corevm.row(ctx, predicate)
                found = {p for p in range(len(ctx.doc)) if row[p >> 3] >> (p & 7) & 1}
                assert found == set(predicate.positions(ctx)), n.unparse_expr(predicate.expr)


# The core asks each question (a test without its negation) once per value and once per
# document, for every predicate that asks it; these ask the same questions many ways.
SHARED_QUESTIONS = [
    "lower in L", "!lower in L", "lower in L & word=/[A-Z].*/", "!(lower in L) | num>0",
    "word=/[A-Z]\\w+/", "word!=/[A-Z]\\w+/", "!word=/[A-Z]\\w+/ & !lower in L",
    "num>0", "!num>0", "num>0 | lower=at", "!(num>0) & !lower=at",
    "lower=at", "lower!=at", "!lower=at & lower in L",
    # a field most tokens have no value of: a negated test holds only where there is one
    "entity=GPE", "entity!=GPE", "entity!=/GPE|ORG/", "entity=/GPE|ORG/ | entity!=GPE",
]


@needs_extension
def test_predicates_that_ask_the_same_question_get_their_own_answers() -> None:
    from ruleie.language.compiler import _Compiler
    from ruleie.language.parser import parse_pattern

    lexicons = {"L": ["at", "launched", "kyiv", "23"]}
    compiler = _Compiler(lexicons, {}, "")
    exprs = [parse_pattern(f"[{c}]").expr for c in SHARED_QUESTIONS]
    predicates = [compiler.predicate(e, 0) for e in exprs]
    texts = ["Russia launched 23 missiles at Kyiv.", "At dawn 4 drones hit Kyiv, at 5 more.", "Nothing at all here"]
    for text in texts * 2:  # answers remembered from earlier documents, rows made afresh
        ctx = DocumentContext(ruleie.annotate(text))
        with corevm.using(corevm.COMPILED):
            for predicate in predicates:
                row = corevm.row(ctx, predicate)
                found = {p for p in range(len(ctx.doc)) if row[p >> 3] >> (p & 7) & 1}
                assert found == set(predicate.positions(ctx)), (n.unparse_expr(predicate.expr), text)


# ---------------------------------------------------------------------------
# Fixed cases


@needs_extension
@pytest.mark.parametrize(
    "pattern",
    [
        "(?<who> [word=/[A-Z]\\w+/] ) launched (?<n> [num>0] )? (?= missiles )",
        "( (?<w> [] ) [] )+",
        "(?<all> []{1,3} ) (?<num> [num>=0] )?",
        "(?<a> (?<b> [] )? [word=/\\W+/]* ) (?= [] )",
        "(?<e> []*? ) $",
        "( (?<x> []? ) )* launched",
        "(?<! missiles ) [lower=at] (?<place> [shape=/Xx+/] )",
        "^ (?<first> [] ) | (?<last> [] ) $",
    ],
)
def test_fixed_patterns_on_a_news_text(pattern: str) -> None:
    text = ("Russia launched 23 missiles at Kyiv on Monday, officials said. "
            "Iran launched drones at dawn. At Kyiv, 4 people were hurt; the U.S. condemned it.")
    p = ruleie.compile(pattern)
    both_cores(p, p._document(text), 8)


@needs_extension
@pytest.mark.parametrize("pattern", ["[word=/\\w.*/]", "[word!=/[a-z]+/]", "[lower=/x+|launch.*/ & !word=/X+/]", "[tag=/NN.*/]"])
def test_regex_tests_run_in_the_core_as_in_python(pattern: str) -> None:
    """The compiled core runs a regex test itself (TEST_REGEX): values longer than the regex guard's
    limit never match (a negated test then holds), values that are not strings neither."""
    text = f"Russia launched {'x' * 1001} and {'X' * 1001} missiles at Kyiv, {'x' * 999} said."
    p = ruleie.compile(pattern)
    both_cores(p, p._document(text), 8)


@needs_extension
def test_the_core_counts_each_rules_work_when_asked(tmp_path: Path) -> None:
    """Index.profile (benchmarks/profile_rules.py): instructions visited, per rule, from then on."""
    rules_file = tmp_path / "r.yaml"
    rules_file.write_text(
        "ruleie: 1\ntypes:\n  Hit: {kind: record}\n"
        "rules:\n"
        "  - {name: busy, type: Hit, pattern: '[]+ (?= missiles )'}\n"
        "  - {name: idle, type: Hit, pattern: 'zeppelins [num>0]'}\n",
        encoding="utf-8",
    )
    rules = ruleie.load_rules(rules_file)
    text = "Russia launched 23 missiles at Kyiv on Monday, officials said."
    rules.extract(text)
    index = rules._core_index()
    assert index.profiled_steps() is None
    index.profile()
    rules.extract(text)
    busy, idle = index.profiled_steps()
    assert busy > 0 and idle == 0
    index.profile(False)
    assert index.profiled_steps() is None


@needs_extension
def test_shipped_rules_give_the_same_records() -> None:
    """The engine end to end on both cores: the shipped packs over the engine fixtures."""
    rules = ruleie.load_rules()
    texts = [json.loads(line)["text"] for line in (REPO / "tests" / "fixtures" / "engine" / "docs.jsonl").open()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    texts.append(" ".join(["said missiles Russia launched"] * 500))  # one sentence of 2,000 tokens
    with corevm.using(corevm.COMPILED):
        compiled = [[r.to_dict() for r in rules.extract(t, doc_id=str(i))] for i, t in enumerate(texts)]
        compiled_all = [rules.match_all(rules.annotate(t)) for t in texts]
    with corevm.using(corevm.PYTHON):
        python = [[r.to_dict() for r in rules.extract(t, doc_id=str(i))] for i, t in enumerate(texts)]
        python_all = [rules.match_all(rules.annotate(t)) for t in texts]
    assert compiled == python
    assert compiled_all == python_all
    assert any(compiled)


# ---------------------------------------------------------------------------
# Choosing the core, and the fallback


def _ruleie(args: list[str], env_extra: dict[str, str], block_extension: bool) -> subprocess.CompletedProcess:
    prelude = "import sys\n"
    if block_extension:  # as if the extension had not been built: its import fails
        prelude += "sys.modules['ruleie.language._corevm'] = None\n"
    script = prelude + "from ruleie.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = {k: v for k, v in os.environ.items() if k != "RULEIE_CORE"}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                          input="Russia launched 23 missiles at Kyiv. Iran launched drones.", timeout=120)


def test_without_the_extension_the_python_core_runs_and_says_so_once():
    done = _ruleie(["run", "--no-progress", "-"], {}, block_extension=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("compiled matcher core is not available") == 1
    assert '"type": "Strike"' in done.stdout
    version = _ruleie(["--version"], {}, block_extension=True)
    assert "Python matcher core: the compiled core is not available" in version.stdout


def test_choosing_the_python_core_is_silent():
    done = _ruleie(["run", "--no-progress", "-"], {"RULEIE_CORE": "python"}, block_extension=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    version = _ruleie(["--version"], {"RULEIE_CORE": "python"}, block_extension=False)
    assert "Python matcher core" in version.stdout


def test_requiring_the_compiled_core_without_it_fails():
    done = _ruleie(["--version"], {"RULEIE_CORE": "compiled"}, block_extension=True)
    assert done.returncode != 0 and "RULEIE_CORE=compiled" in done.stderr


@needs_extension
def test_version_names_the_compiled_core():
    done = _ruleie(["--version"], {}, block_extension=False)
    assert done.stdout.strip().endswith("(compiled matcher core)"), done.stdout
    done = _ruleie(["run", "--no-progress", "-"], {}, block_extension=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr


# ---------------------------------------------------------------------------
# A stage of many rules in one call (Index.match_stage): predicates tested token by token


TOKEN_TESTS = [
    "said [lower=that]",  # equalities (tested by value id)
    "[lower!=the] missiles",  # a negated equality first: no anchor
    "[lower=/said|says|told/] []",  # a word list (a member test)
    "[word=/[A-Z]\\w+/] launched",  # a regex (answers remembered per value)
    "[lower=launched & word=/l\\w+/] []?",  # a plan of several tests (a bitset)
    "[num>0] missiles",  # a field without a value at most tokens
    "Kyiv | [lemma=launch] [lower=at]?",  # another field
    "(?<= launched ) [] (?! at )",  # lookaround
    "[lower=zzz-never-seen] []",  # a value no document has
    "(?<w> [word=/[A-Z]\\w+/] ) [lower!=at]{1,2}",  # captures, a negated test inside
]
TOKEN_TEST_TEXTS = [
    "Russia launched 23 missiles at Kyiv on Monday, officials said. Iran launched drones at dawn.",
    "At Kyiv, 4 people were hurt; the U.S. condemned it, a spokesman said that Russia says 5 missiles hit.",
    "Officials told reporters. Launch plans were launched at night; zzz-never-seen was not there.",
]


@needs_extension
@pytest.mark.parametrize("vocabulary_size", [corevm.VOCABULARY_SIZE, 6])
@pytest.mark.parametrize("whole_documents", [False, True])
def test_a_stage_of_token_tests_matches_as_the_python_core(vocabulary_size: int, whole_documents: bool) -> None:
    """match_all and extract on both cores, several documents in turn (answers and value ids
    remembered across them; with a tiny vocabulary, numbered afresh again and again), each
    as sentences and as one sentence (where the core skips its sentence filters)."""
    import attrs

    from ruleie.rules.spec import RuleSetSpec, RuleSpec, TypeSpec

    spec = RuleSetSpec(
        types={"Hit": TypeSpec("Hit", "record", conflict="keep-all")},
        lexicons={},
        vars={},
        rules=tuple(RuleSpec(f"r{i}", "Hit", p, ruleie.parse_pattern(p)) for i, p in enumerate(TOKEN_TESTS)),
    )
    rules = ruleie.RuleSet(spec, max_sentence_tokens=0)
    docs = [ruleie.annotate(t, str(i)) for i, t in enumerate(TOKEN_TEST_TEXTS * 2)]
    if whole_documents:
        docs = [attrs.evolve(d, sentences=((0, len(d)),)) for d in docs]
    corevm._ext.set_vocabulary_size(vocabulary_size)
    try:
        with corevm.using(corevm.COMPILED):
            compiled = [rules.match_all(d) for d in docs]
            compiled_records = [[r.to_dict() for r in rules.extract(d)] for d in docs]
    finally:
        corevm._ext.set_vocabulary_size(corevm.VOCABULARY_SIZE)
    with corevm.using(corevm.PYTHON):
        python = [rules.match_all(d) for d in docs]
        python_records = [[r.to_dict() for r in rules.extract(d)] for d in docs]
    assert compiled == python
    assert compiled_records == python_records
    assert all(compiled)
