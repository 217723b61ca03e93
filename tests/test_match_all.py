"""``RuleSet.match_all`` and the library functions the benchmarks rely on, against independent oracles.

``benchmarks/bench_rules.py`` claims that ruleie finds exactly the matches spaCy's
Matcher finds, through ``RuleSet.match_all``; ``benchmarks/pathological.py`` that
``Pattern.finditer`` finds what ``re`` finds. Here:

* rule sets of random patterns over the one-letter alphabet (several rules, stages
  interleaved, mentions from the document and from earlier stages) against the set
  oracle of oracles.py, rule by rule;
* rule sets of many rules of which few can match (the engine's rule index and its
  look-up of the rules of one stage);
* the benchmark's own generator (benchmarks/rulegen.py): its rules against a
  brute-force reading of their spaCy patterns, written here, and against spaCy's
  Matcher itself (spaCy is a test extra in CI);
* the pathological patterns against ``re`` at sizes ``re`` survives.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import ruleie
from ruleie.language import nodes as n
from ruleie.rules.spec import LexiconSpec, RuleSetSpec, RuleSpec, TypeSpec
from ruleie.text.document import Document, Mention

import strategies as s
from oracles import Reference, SpanOracle, available_strategies, document, sentences_document, strategy

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import pathological  # noqa: E402
import rulegen  # noqa: E402

pytestmark = pytest.mark.timeout(300)


# ---------------------------------------------------------------------------
# Random rule sets over the one-letter alphabet


def mention_types(policy: str = "drop-contained") -> dict[str, TypeSpec]:
    types = {name: TypeSpec(name, "mention", conflict=policy) for name in ("Actor", "Place")}
    for child, parent in s.TAXONOMY.items():
        if parent is not None:
            types[child] = TypeSpec(child, "mention", parents=(parent,), conflict=policy)
    return types


def small_rule_set(rules: Sequence[tuple[str, str, n.Node, int]], policy: str = "drop-contained") -> ruleie.RuleSet:
    """(name, type, pattern node, stage) → a RuleSet with the small lexicons and the mention taxonomy."""
    types = {"Hit": TypeSpec("Hit", "record", conflict="keep-all"), **mention_types(policy)}
    lexicons = {name: LexiconSpec(name, frozenset(entries)) for name, entries in s.SMALL_LEXICONS.items()}
    specs = tuple(RuleSpec(name, rtype, n.unparse(node), node, stage=stage) for name, rtype, node, stage in rules)
    return ruleie.RuleSet(RuleSetSpec(types=types, lexicons=lexicons, vars={}, rules=specs))


def settle(mentions: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """drop-contained per mention type, by brute force: a mention inside another of its type goes."""
    unique = sorted(set(mentions))
    return [
        (t, b, e) for t, b, e in unique
        if not any(t2 == t and b2 <= b and e <= e2 and (b2, e2) != (b, e) for t2, b2, e2 in unique)
    ]


rule_patterns = s.small_patterns(mentions=True, max_leaves=8).filter(s.matches_something)
mention_rule_patterns = s.small_patterns(mentions=False, max_leaves=6).filter(s.matches_something)


@given(
    st.lists(st.tuples(rule_patterns, st.sampled_from([1, 2])), min_size=1, max_size=6),
    s.letters_with_mentions(max_size=10, max_mentions=5),
    st.sampled_from(available_strategies()),
)
@example([(n.seq(n.Word("a"), n.Repeat(n.TokenTest(), 0, None)), 1)], (["a", "b", "a"], []), "python")
@example([(n.MentionRef("Actor"), 2), (n.Word("b"), 1)], (["a", "b", "c"], [("Person", 0, 2), ("Person", 0, 1)]),
         "python")
def test_match_all_is_every_span_of_every_rule(rules: list, sentence: tuple[list[str], list], strategy_name: str) -> None:
    """Record rules only, in interleaved stages: each rule's spans are the oracle's over the
    document's mentions (settled by their type's policy), sorted by start, end, rule order."""
    letters, mentions = sentence
    rule_set = small_rule_set([(f"r{i}", "Hit", node, stage) for i, (node, stage) in enumerate(rules)])
    oracle = SpanOracle(letters, settle(mentions))
    expected = sorted(
        (b, e, i) for i, (node, _) in enumerate(rules) for b, e in oracle.all_spans(node)
    )
    with strategy(strategy_name):
        assert rule_set.match_all(document(letters, mentions)) == [(f"r{i}", b, e) for b, e, i in expected]


@given(mention_rule_patterns, rule_patterns, s.letters_with_mentions(max_size=9, max_mentions=3), st.booleans())
@example(n.seq(n.Word("a"), n.Word("b")), n.seq(n.MentionRef("Person"), n.Word("C")), (["a", "b", "c"], []), False)
@example(n.Word("a"), n.MentionRef("Actor"), (["a", "a", "b"], [("Person", 0, 2)]), True)
def test_match_all_sees_the_mentions_of_earlier_stages(
    mention_node: n.Node, record_node: n.Node, sentence: tuple[list[str], list], keep_all: bool
) -> None:
    """A stage-0 rule makes Person mentions where ``finditer`` matches (leftmost, non-overlapping,
    as ``extract`` makes them); the stage-1 rule's spans are then the oracle's over all mentions."""
    letters, mentions = sentence
    policy = "keep-all" if keep_all else "drop-contained"
    rule_set = small_rule_set([("m", "Person", mention_node, 0), ("r", "Hit", record_node, 1)], policy)
    made = [("Person", b, e) for b, e, _ in Reference(letters).finditer(mention_node) if e > b]
    before = sorted(set(mentions)) if keep_all else settle(mentions)
    after = sorted(set(before + made)) if keep_all else settle(before + made)
    expected = sorted(
        [(b, e, 0) for b, e in SpanOracle(letters, before).all_spans(mention_node)]
        + [(b, e, 1) for b, e in SpanOracle(letters, after).all_spans(record_node)]
    )
    assert rule_set.match_all(document(letters, mentions)) == [("mr"[i], b, e) for b, e, i in expected]


@given(
    st.lists(rule_patterns, min_size=1, max_size=4),
    st.lists(s.letter_tokens(min_size=1, max_size=5), min_size=1, max_size=4),
    st.sampled_from(available_strategies()),
)
@example([n.seq(n.Look(n.seq(n.Repeat(n.TokenTest(), 0, None), n.Word("b"))), n.Word("a"))], [["a"], ["b", "a"]], "python")
@example([n.seq(n.Look(n.seq(n.Word("b"), n.Repeat(n.TokenTest(), 0, None)), behind=True), n.Word("a"))],
         [["a", "b"], ["b", "a"]], "python")
@example([n.seq(n.Word("a"), n.Look(n.alt(n.Word("b"), n.Anchor("$"))))], [["a", "c", "a"], ["a", "b"]], "python")
@example([n.seq(n.Look(n.Word("b"), negate=True), n.Word("a"))], [["a"], ["c", "a", "b"]], "python")
def test_match_all_finds_each_rules_spans_sentence_by_sentence(
    rules: list, sentences: list[list[str]], strategy_name: str
) -> None:
    """Several sentences: a rule runs only in the sentences that hold what its matches need
    (its tokens, and those of its positive lookarounds), and its spans there are the
    oracle's over that sentence alone."""
    rule_set = small_rule_set([(f"r{i}", "Hit", node, 1) for i, node in enumerate(rules)])
    doc = sentences_document(sentences)
    expected = sorted(
        (b + lo, e + lo, i)
        for i, node in enumerate(rules)
        for (lo, hi), sentence in zip(doc.sentences, sentences)
        for b, e in SpanOracle(sentence).all_spans(node)
    )
    with strategy(strategy_name):
        assert rule_set.match_all(doc) == [(f"r{i}", b, e) for b, e, i in expected]


def test_match_all_with_many_rules_of_which_few_can_match() -> None:
    """60 one-word rules in three interleaved stages, a document with three of the words:
    the engine looks the few candidate rules up instead of walking each stage."""
    words = [f"w{i}" for i in range(60)]
    types = {"Hit": TypeSpec("Hit", "record", conflict="keep-all")}
    specs = tuple(
        RuleSpec(f"r{i}", "Hit", p, ruleie.parse_pattern(p), stage=1 + i % 3)
        for i, p in enumerate(f"[lower={w}] []?" for w in words)
    )
    rule_set = ruleie.RuleSet(RuleSetSpec(types=types, lexicons={}, vars={}, rules=specs))
    text = "x w7 w58 y w7 w31"
    doc = ruleie.annotate(text)
    lowers = doc.column("lower")
    expected = sorted(
        (b, e, i)
        for i, w in enumerate(words)
        for b, token in enumerate(lowers)
        if token == w
        for e in (b + 1, b + 2)
        if e <= len(lowers)
    )
    assert rule_set.match_all(doc) == [(f"r{i}", b, e) for b, e, i in expected]
    # extract's records: each rule's leftmost-greedy matches, among the spans above.
    assert [(r.rule, r.text) for r in rule_set.extract(doc)] == [
        ("r7", "w7 w58"), ("r58", "w58 y"), ("r7", "w7 w31"), ("r31", "w31")]


# ---------------------------------------------------------------------------
# The rule-scaling benchmark: rulegen's rules, match_all, spaCy's Matcher


WORDS = ["the", "army", "attacked", "attacking", "city", "station", "nation", "quickly", "missiles",
         "hit", "hits", "fired", "rockets", "at", "dawn", "lately", "mission", "shelled"]


def fake_statistics(seed: int = 0) -> tuple[list[str], dict[str, Counter]]:
    """What rulegen.corpus_statistics returns, made up: rulegen takes its anchors from ranks 100+."""
    rng = random.Random(seed)
    vocabulary = [f"filler{i}" for i in range(100)] + WORDS
    following = {w: Counter({rng.choice(WORDS): rng.randint(1, 9) for _ in range(4)}) for w in WORDS}
    return vocabulary, following


GENERATED = rulegen.generate(40, *fake_statistics())


def spacy_pattern_ends(pattern: list[dict], lowers: Sequence[str], pos: int) -> set[int]:
    """Where a spaCy token pattern (LOWER / IN / REGEX, OP ? and +) can end from pos, by brute force."""
    if not pattern:
        return {pos}
    first, rest = pattern[0], pattern[1:]

    def fits(i: int) -> bool:
        if i >= len(lowers):
            return False
        want = first.get("LOWER")
        if want is None:
            return True
        if isinstance(want, str):
            return lowers[i] == want
        if "IN" in want:
            return lowers[i] in want["IN"]
        return re.search(want["REGEX"], lowers[i]) is not None

    op = first.get("OP")
    ends: set[int] = set()
    if op == "?":
        ends |= spacy_pattern_ends(rest, lowers, pos)
    if op in (None, "?"):
        if fits(pos):
            ends |= spacy_pattern_ends(rest, lowers, pos + 1)
    elif op == "+":
        i = pos
        while fits(i):
            i += 1
            ends |= spacy_pattern_ends(rest, lowers, i)
    else:
        raise ValueError(op)
    return ends


def spacy_like(generated: list, lowers: Sequence[str]) -> list[tuple[str, int, int]]:
    return sorted(
        (name, b, e)
        for name, _, pattern in generated
        for b in range(len(lowers))
        for e in spacy_pattern_ends(pattern, lowers, b)
        if e > b
    )


def one_sentence(doc: Document) -> Document:
    """As bench_rules.one_sentence: the whole document is one sentence, as spaCy sees it."""
    return attrs.evolve(doc, sentences=((0, len(doc)),)) if len(doc) else doc


benchmark_texts = st.lists(st.sampled_from(WORDS + ["The", "ARMY", ".", ","]), max_size=40).map(" ".join)


def test_rulegen_makes_every_shape_and_its_rules_compile() -> None:
    shapes = [p for _, p, _ in GENERATED]
    assert any("[]?" in p for p in shapes) and any("]+" in p for p in shapes) and any("/[a-z]+" in p for p in shapes)
    rules = rulegen.rule_set(GENERATED)
    assert len(rules.rules) == len(GENERATED) and rules.max_sentence_tokens == 0


@settings(max_examples=40)
@given(benchmark_texts)
@example("the army attacked the city . the army attacking attacking attacked")
def test_match_all_of_generated_rules_is_what_their_spacy_patterns_match(text: str) -> None:
    rules = rulegen.rule_set(GENERATED)
    doc = one_sentence(ruleie.annotate(text, "d"))
    lowers = list(doc.column("lower") or ())
    assert sorted(rules.match_all(doc)) == spacy_like(GENERATED, lowers)


def test_generated_rules_read_back_from_yaml_match_the_same(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    rulegen.write_yaml(GENERATED, path)
    loaded = ruleie.load_rules(path)
    built = rulegen.rule_set(GENERATED)
    assert [r.name for r in loaded.rules] == [name for name, _, _ in GENERATED]
    text = "the army attacked the city quickly . missiles hit the station at dawn , the army fired rockets"
    doc = one_sentence(ruleie.annotate(text))
    assert loaded.match_all(doc) == built.match_all(doc) != []


def test_match_all_equals_spacys_matcher_on_generated_rules() -> None:
    spacy = pytest.importorskip("spacy", reason="spaCy is an optional extra: pip install -e '.[spacy]' (.ci/run installs it)")
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    for name, _, pattern in GENERATED:
        matcher.add(name, [pattern])
    rules = rulegen.rule_set(GENERATED)
    rng = random.Random(7)
    for _ in range(30):
        text = " ".join(rng.choice(WORDS + ["The", "ARMY", "."]) for _ in range(rng.randint(1, 40)))
        doc = one_sentence(ruleie.annotate(text))
        words = [doc.text[b:e] for b, e in zip(doc.starts, doc.ends)]
        spacy_doc = Doc(nlp.vocab, words=words, spaces=[True] * len(words))
        theirs = sorted((nlp.vocab.strings[m], b, e) for m, b, e in matcher(spacy_doc))
        assert sorted(rules.match_all(doc)) == theirs, text


# ---------------------------------------------------------------------------
# The pathological-patterns benchmark: ruleie counts what re counts


# Plain ASCII ids: a case's name has spaces, "|" and "…", and a node id with them cannot
# be named on a pytest command line (as mutation tools and bisecting users do).
@pytest.mark.parametrize("case", pathological.CASES, ids=[f"case{i}" for i in range(len(pathological.CASES))])
def test_pathological_cases_find_what_re_finds(case: pathological.Case) -> None:
    for size in (1, 2, 5, 12):
        text = case.text(size)
        _, count, program_size = pathological.time_ruleie(case.pattern(size), text)
        expected = sum(m.end() > m.start() for m in re.finditer(case.regex(size), text))
        assert count == expected, (case.name, size)
        assert program_size > 0


# ---------------------------------------------------------------------------
# Mentions from lexicons and from the document itself


def test_match_all_sees_lexicon_mentions_and_settles_the_documents_own(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        """ruleie: 1
lexicons:
  countries: {entries: [Russia, United States, United Kingdom], mention: Country}
types:
  Country: {kind: mention}
  Foo: {kind: mention}
  Hit: {kind: record, conflict: keep-all}
rules:
  - {name: country, type: Hit, pattern: '@Country'}
  - {name: country.and, type: Hit, pattern: '@Country and @Foo'}
""",
        encoding="utf-8",
    )
    rules = ruleie.load_rules(path)
    doc = ruleie.annotate("The United States and Russia met.")
    assert rules.match_all(doc) == [("country", 1, 3), ("country", 4, 5)]
    # Mentions the document brings are settled by their type's policy too: the Foo
    # inside the other Foo is gone before any rule sees it.
    doc = doc.with_mentions([Mention("Foo", 4, 6), Mention("Foo", 4, 5)])
    assert rules.match_all(doc) == [("country", 1, 3), ("country.and", 1, 6), ("country", 4, 5)]


@given(st.lists(st.sampled_from(["united", "states", "kingdom", "of", "x"]), max_size=12),
       st.lists(st.integers(min_value=1, max_value=4), max_size=5))
@example(["united", "states", "united", "kingdom"], [1, 3])
@example(["united", "united", "states", "of", "x"], [])
@example(["united", "states", "of", "united", "kingdom"], [])
def test_lexicon_mentions_are_the_longest_entries_left_to_right_within_sentences(words: list, cuts: list) -> None:
    """Lexicon mentions against a brute-force reading: in each sentence, from the left, the
    longest entry that starts at a position and ends inside the sentence, then on after it."""
    entries = [("united", "states"), ("united", "kingdom"), ("united", "states", "of", "x"), ("x",), ("of", "x"), ("states", "of")]
    types = {"Country": TypeSpec("Country", "mention"), "Hit": TypeSpec("Hit", "record", conflict="keep-all")}
    lexicons = {"c": LexiconSpec("c", frozenset(" ".join(e) for e in entries), mention="Country")}
    rule_set = ruleie.RuleSet(RuleSetSpec(types=types, lexicons=lexicons, vars={}, rules=(
        RuleSpec("country", "Hit", "@Country", ruleie.parse_pattern("@Country")),)))
    bounds, at = [], 0
    for cut in cuts:
        if at + cut >= len(words):
            break
        bounds.append((at, at + cut))
        at += cut
    if at < len(words):
        bounds.append((at, len(words)))
    starts, at = [], 0
    for w in words:
        starts.append(at)
        at += len(w) + 1
    doc = Document("d", " ".join(words), starts, [s + len(w) for s, w in zip(starts, words)], tuple(bounds))
    expected = []
    for lo, hi in bounds:
        i = lo
        while i < hi:
            fits = [len(e) for e in entries if i + len(e) <= hi and tuple(words[i : i + len(e)]) == e]
            if fits:
                expected.append(("country", i, i + max(fits)))
                i += max(fits)
            else:
                i += 1
    assert rule_set.match_all(doc) == expected
