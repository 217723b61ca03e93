"""The ``re``-like surface for single patterns: compile, Pattern, Match, and the module-level shortcuts."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import ruleie
import ruleie.language.pattern
from ruleie import Mention

REPO = Path(__file__).resolve().parents[1]
TEXT = "Russia launched 23 missiles at Kyiv."
STRIKE = (
    "(?<attacker> [word=/[A-Z]\\w+/]) launched (?<n> [num>0])? "
    "(?<weapon> [lower=/missiles?|rockets?|drones?/])"
)


def test_the_example_of_the_language_contract() -> None:
    p = ruleie.compile(STRIKE, lexicons={"weapons": ["missile", "rocket", "drone"]}, vars={})
    matches = list(p.finditer(TEXT))
    assert len(matches) == 1
    m = matches[0]
    assert m.span() == (0, 27)
    assert m.group() == "Russia launched 23 missiles"
    assert m.group("weapon") == "missiles"
    assert m.span("n") == (16, 18)
    assert m.groupdict() == {"attacker": "Russia", "n": "23", "weapon": "missiles"}
    assert [t.word for t in m.tokens] == ["Russia", "launched", "23", "missiles"]
    assert p.search(TEXT).span() == (0, 27)  # type: ignore[union-attr]
    assert p.findall(TEXT) == [("Russia", "23", "missiles")]
    assert p.all_spans(TEXT) == [(0, 27)]
    assert [x.span() for x in ruleie.finditer(STRIKE, TEXT)] == [(0, 27)]


def test_match_is_like_re_match() -> None:
    p = ruleie.compile(STRIKE)
    m = p.search(TEXT)
    assert m is not None
    assert (m.start(), m.end()) == (0, 27)
    assert (m.start("weapon"), m.end("weapon")) == (19, 27)
    assert m.group(0) == m[0] == m.group()
    assert m.group(1) == m["attacker"] == "Russia"
    assert m.group("attacker", "weapon") == ("Russia", "missiles")
    assert m.groups() == ("Russia", "23", "missiles")
    assert m.string == TEXT
    assert m.re is p
    assert p.groups == 3 and p.groupindex == {"attacker": 1, "n": 2, "weapon": 3}
    assert repr(m) == "<ruleie.Match span=(0, 27) match='Russia launched 23 missiles'>"
    assert m.token_span() == (0, 4) and m.token_span("n") == (2, 3)
    with pytest.raises(IndexError):
        m.group("nope")
    with pytest.raises(IndexError):
        m.span(4)


def test_a_group_that_did_not_take_part() -> None:
    m = ruleie.compile(STRIKE).search("Iran launched drones at dawn")
    assert m is not None
    assert m.group("n") is None
    assert m.span("n") == (-1, -1) and m.start("n") == -1 and m.end("n") == -1
    assert m.groups() == ("Iran", None, "drones")
    assert m.groups("-") == ("Iran", "-", "drones")
    assert m.groupdict() == {"attacker": "Iran", "n": None, "weapon": "drones"}
    assert m.groupdict(default="") == {"attacker": "Iran", "n": "", "weapon": "drones"}
    assert m.captures("n") == [] and m.spans("n") == []


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("[shape=/Xx+/]", ["Russia", "Kyiv", "Iran"]),  # no group: the matched texts
        ("(?<w> [shape=/Xx+/] ) launched", ["Russia", "Iran"]),  # one group: its texts
        ("(?<w> [shape=/Xx+/] ) launched (?<n> [num>0] )?", [("Russia", "23"), ("Iran", None)]),  # tuples
        ("(?<w> [] ) (?<x> missiles )?", [("Russia", None), ("launched", None), ("23", "missiles"), ("at", None),
                                          ("Kyiv", None), (".", None), ("Iran", None), ("launched", None),
                                          ("drones", None), (".", None)]),
    ],
)
def test_findall_shapes(pattern: str, expected: list) -> None:
    text = TEXT + " Iran launched drones."
    assert ruleie.compile(pattern).findall(text) == expected
    assert ruleie.findall(pattern, text) == expected


def test_module_level_shortcuts() -> None:
    assert [m.group() for m in ruleie.finditer("[num>0] [lower=/missiles?/]", TEXT)] == ["23 missiles"]
    m = ruleie.search("at (?<place> [shape=/Xx+/] )", TEXT)
    assert m is not None and m.group("place") == "Kyiv"
    assert ruleie.search("nowhere", TEXT) is None
    assert ruleie.findall("[lower=/[a-z]+/]", "Kyiv said no") == ["Kyiv", "said", "no"]


def test_captures_under_repetition() -> None:
    p = ruleie.compile('( (?<who> [shape=/Xx+/] ) ( "," | and )? )+ met')
    text = "Putin , Xi and Modi met in Delhi"
    m = p.search(text)
    assert m is not None
    assert m.group("who") == "Modi"  # the last occurrence, as in re
    assert m.captures("who") == ["Putin", "Xi", "Modi"]
    assert m.spans("who") == [(0, 5), (8, 10), (15, 19)]
    assert m.token_spans("who") == [(0, 1), (2, 3), (4, 5)]
    assert m.spans(0) == [m.span()]


def test_a_group_a_later_iteration_skips_keeps_its_value() -> None:
    m = ruleie.compile("( (?<n> [num>0] ) | [lower=/[a-z]+/] )+").search("two rockets and drones")
    assert m is not None
    assert m.group() == "two rockets and drones"
    assert m.group("n") == "two"
    assert m.captures("n") == ["two"]


def test_empty_captures_take_the_position_of_the_next_token() -> None:
    p = ruleie.compile("launched (?<n> [num>0]? ) (?<rest> []*? ) $")
    m = p.search("Russia launched missiles")
    assert m is not None
    assert m.span("n") == (16, 16)  # empty, at the start of "missiles"
    assert m.group("n") == ""
    m = ruleie.compile("launched (?<n> [num>0]? )").search("Russia launched")
    assert m is not None
    assert m.span("n") == (15, 15)  # empty at the sentence end: the end of the last token
    m = ruleie.compile("left (?<e> [lower=x]? )").search("He left. She stayed.")
    assert m is not None and m.span("e") == (7, 7)  # the end of "left", not the start of "."


def test_lexicons_fold_case_for_lower_and_lemma() -> None:
    lexicons = {"weapons": ["Missile", "ROCKET"], "names": ["Kyiv"]}
    p = ruleie.compile("[lemma in weapons]", lexicons=lexicons)
    assert p.findall("missiles and Rockets hit KYIV") == ["missiles", "Rockets"]
    p = ruleie.compile("[lower in weapons]", lexicons=lexicons)
    assert p.findall("a Missile , a missiles , a rocket") == ["Missile", "rocket"]
    p = ruleie.compile("[word in names]", lexicons=lexicons)
    assert p.findall("Kyiv kyiv KYIV") == ["Kyiv"]  # other fields compare exactly


def test_unknown_lexicon() -> None:
    with pytest.raises(ruleie.PatternError, match=r"unknown lexicon 'weapon' \(did you mean 'weapons'\?\)"):
        ruleie.compile("[lower in weapon]", lexicons={"weapons": ["missile"]})


def test_vars_as_string_and_list() -> None:
    vars = {"verb": "[lemma=launch] | fired", "weapon": ["missiles", "cruise missiles", "drones"]}
    p = ruleie.compile("${verb} []? ${weapon}", vars=vars)
    assert p.findall("Russia launched 23 cruise missiles and fired drones") == ["launched 23 cruise missiles",
                                                                                "fired drones"]
    assert p.canonical == "( [lemma=launch] | fired ) []? ( missiles | cruise missiles | drones )"


def test_a_pre_annotated_document() -> None:
    doc = ruleie.annotate(TEXT + " Kyiv said most were shot down.")
    p = ruleie.compile("(?<place> [shape=/Xx+/] ) [lemma=say]")
    m = p.search(doc)
    assert m is not None and m.group("place") == "Kyiv" and m.span("place") == (37, 41)
    assert m.doc is doc


def test_mentions_and_the_type_taxonomy() -> None:
    doc = ruleie.annotate("Vladimir Putin met the United Nations chief in Moscow")
    doc = doc.with_mentions([Mention("Person", 0, 2), Mention("Org", 4, 6), Mention("City", 8, 9)])
    taxonomy = {"Person": "Actor", "Org": "Actor", "City": "Place"}
    p = ruleie.compile("(?<a> @Actor ) met []* (?<b> @Actor ) []* (?<where> @Place )", taxonomy=taxonomy)
    m = p.search(doc)
    assert m is not None
    assert m.groupdict() == {"a": "Vladimir Putin", "b": "United Nations", "where": "Moscow"}
    assert ruleie.compile("@Person", taxonomy=taxonomy).all_spans(doc) == [(0, 14)]
    assert ruleie.compile("@Actor+", taxonomy=taxonomy).findall(doc) == ["Vladimir Putin", "United Nations"]
    assert ruleie.compile("@Place", taxonomy=taxonomy).findall(doc) == ["Moscow"]
    assert ruleie.compile("@Actor").findall(doc) == []  # no taxonomy: types match only themselves


def test_matches_stay_inside_one_sentence() -> None:
    text = "Russia launched missiles. Kyiv said nothing."
    assert ruleie.compile("missiles []").findall(text) == ["missiles."]
    assert ruleie.compile("missiles [] []").findall(text) == []
    assert ruleie.compile("[]+").findall(text) == ["Russia launched missiles.", "Kyiv said nothing."]
    assert ruleie.compile("^ []").findall(text) == ["Russia", "Kyiv"]
    assert ruleie.compile("[] $").all_spans(text) == [(24, 25), (43, 44)]


def test_all_spans_are_distinct_sorted_and_never_empty() -> None:
    p = ruleie.compile("[lower=a]* [lower=a]")
    assert p.all_spans("a a x a") == [(0, 1), (0, 3), (2, 3), (6, 7)]
    assert p.all_token_spans("a a x a") == [(0, 1), (0, 2), (1, 2), (3, 4)]
    assert ruleie.compile("[lower=a]?? [lower=b]?").all_spans("a c") == [(0, 1)]


def test_finditer_follows_re_for_empty_matches() -> None:
    # re.finditer(".*?", "ab") gives '', 'a', '', 'b', '': records are made of the non-empty ones.
    assert [m.span() for m in ruleie.compile("[]*?").finditer("a b")] == [(0, 1), (2, 3)]
    assert [m.span() for m in ruleie.compile("[lower=a]*").finditer("a a b a")] == [(0, 3), (6, 7)]


def test_inputs_must_be_text_or_documents() -> None:
    with pytest.raises(TypeError, match="expected a str or a ruleie Document, not bytes"):
        list(ruleie.compile("a").finditer(b"a"))  # type: ignore[arg-type]


def test_the_pattern_shows_itself() -> None:
    p = ruleie.compile("Russia  []*?\n launched # a comment")
    assert repr(p) == "ruleie.compile('Russia  []*?\\n launched # a comment')"
    assert p.canonical == "Russia []*? launched"
    dump = p.program.dump()
    assert "CONSUME" in dump and dump.splitlines()[-1].strip().endswith("MATCH")


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(ruleie.language.pattern)
    assert failures == 0 and tried > 0


# ---------------------------------------------------------------------------
# The grammar ships inside the package: an installed wheel must find it


def _build_wheel(out: Path) -> Path:
    """Build the wheel offline with the build backend (hatchling, a test extra: CI has it).

    Without hatchling the test skips and says so; with it, a failed build is a failure
    (never a skip: a broken wheel must not pass CI quietly)."""
    pytest.importorskip("hatchling", reason="the build backend hatchling is a test extra: pip install -e '.[test]'")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    wheels = sorted(out.glob("ruleie-*.whl"))
    assert done.returncode == 0 and wheels, "cannot build the wheel: " + done.stderr[-2000:]
    return wheels[0]


@pytest.mark.slow
def test_an_installed_wheel_loads_its_own_grammar(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    assert (site / "ruleie" / "_data" / "grammars" / "pattern.lark").is_file()
    script = (
        "import ruleie, ruleie.resources as r\n"
        "p = ruleie.compile('a b')\n"
        "assert [m.span() for m in p.finditer('x a b')] == [(2, 5)]\n"
        "print(ruleie.__file__)\n"
        "print(r.data_path('grammars'))\n"
    )
    # -S: no site-packages processing, so no editable install of the checkout can win;
    # the dependencies (lark, attrs, yaml) come from this interpreter's site-packages.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])
    done = subprocess.run(
        [sys.executable, "-S", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    module_file, grammars = done.stdout.split()
    assert Path(module_file).resolve().is_relative_to(site.resolve())
    assert Path(grammars).resolve() == (site / "ruleie" / "_data" / "grammars").resolve()
