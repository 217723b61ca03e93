"""Bad rule files: each gets a clear error with a position, in bounded time and memory.

tests/test_rulefile.py already covers, and this file does not repeat: the alias bomb
(``test_alias_bomb_is_rejected_at_the_first_anchor``), aliases, the
``!!python/object/apply:os.system`` tag (``test_python_tag_is_rejected_and_never_constructed``),
YAML nested 200 deep, include cycles and the include depth limit, non-UTF-8 rule and
lexicon files, control characters, and random YAML data (``test_checking_any_data_never_raises``).

Timeouts here are safety nets around subprocesses (so a regression fails instead of
hanging CI), never measurements.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ruleie
from robust_helpers import LONG, ROOT, run, size, subprocess_env
from ruleie.api import check_rules
from ruleie.errors import RuleFileError, RuleieError
from ruleie.rules.rulefile import MAX_FILE_BYTES, load_rule_files

HEAD = "ruleie: 1\ntypes: {T: {kind: record}}\nrules:\n  - name: r\n    type: T\n    pattern: "


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RULEIE_NO_CACHE", "1")  # hundreds of one-off rule sets: nothing to cache
    return tmp_path


def errors_of(path: str) -> list:
    found = [d for d in check_rules(path) if d.severity == "error"]
    for d in found:
        assert d.file and d.line and d.column, d.render()
    return found


def one_error(path: str):
    found = errors_of(path)
    assert len(found) == 1, "\n".join(d.render() for d in found)
    with pytest.raises(RuleFileError):
        load_rule_files(path)
    return found[0]


# ---------------------------------------------------------------------------
# Patterns: nesting, repetition counts, program size


@pytest.mark.parametrize(
    "pattern, message, column",
    [
        ("'" + "(" * 10_000 + "a" + ")" * 10_000 + "'", "pattern nested more than 100 levels deep", 115),
        ("'[" + "!" * 10_000 + "lemma=x]'", "pattern nested more than 100 levels deep", 115),
        ("'" + "(?=" * 5_000 + "a" + ")" * 5_000 + "'", "pattern nested more than 100 levels deep", 315),
        ("'a{1,1000000}'", "repetition count 1000000 is too large (at most 1000)", 16),
        ("'a{99999999999999999999999}'", "repetition count 99999999999999999999999 is too large", 16),
        ("'[word=/" + "(" * 3_000 + "a" + ")" * 3_000 + "/]'", "invalid regex: groups nested too deeply", 21),
        ("'[word=/a{1,4294967296}/]'", "invalid regex: the repetition number is too large", 21),
    ],
    ids=["parens", "bangs", "lookaheads", "huge-count", "absurd-count", "deep-regex", "regex-count"],
)
def test_deep_and_huge_patterns_are_errors_with_positions(here: Path, pattern: str, message: str, column: int):
    (here / "p.yaml").write_text(HEAD + pattern + "\n", encoding="utf-8")
    d = one_error("p.yaml")
    assert message in d.message
    assert (d.file, d.line, d.column) == ("p.yaml", 6, column)


def test_nested_counted_repetitions_fail_fast_on_program_size(here: Path):
    (here / "big.yaml").write_text(HEAD + "'((a{1000}){1000}){1000}'\n", encoding="utf-8")
    code, out, err = run("run", "--rules", "big.yaml", "-")
    assert code == 2 and out == ""
    assert "pattern too large: more than 200000 instructions after unrolling repetitions" in err
    assert "Traceback" not in err


def test_program_size_errors_name_the_rule_file_and_line(here: Path):
    (here / "big.yaml").write_text(HEAD + "'((a{1000}){1000}){1000}'\n", encoding="utf-8")
    with pytest.raises(RuleieError) as caught:
        ruleie.load_rules("big.yaml")
    assert (caught.value.diagnostic.file, caught.value.diagnostic.line) == ("big.yaml", 6)
    [error] = [d for d in check_rules("big.yaml") if d.severity == "error"]
    assert (error.file, error.line, error.column) == ("big.yaml", 6, 15)  # the first character of the pattern
    assert "rule 'r': pattern too large" in error.message
    code, out, err = run("check", "big.yaml")
    assert code == 2 and "big.yaml:6:15: error: rule 'r': pattern too large" in err + out


def test_catastrophic_regex_in_a_variable_is_an_error_at_its_place(here: Path):
    (here / "v.yaml").write_text("ruleie: 1\nvars:\n  bad: '[word=/(\\w+\\s?)*$/]'\n", encoding="utf-8")
    d = one_error("v.yaml")
    assert (d.line, d.column) == (3, 15) and "could backtrack catastrophically" in d.message


@pytest.mark.parametrize("n", [size(20_000, 100_000)])
def test_long_patterns_load_in_bounded_time(here: Path, n: int):
    """A pattern of n words, and one of n alternatives: they load, compile and match (linear work)."""
    for name, sep in (("seq.yaml", " "), ("alt.yaml", " | ")):
        (here / name).write_text(HEAD + "'" + sep.join(["a"] * n) + "'\n", encoding="utf-8")
        rules = ruleie.load_rules(name)
        assert len(rules.extract("a a a")) == (3 if sep == " | " else 0)


# ---------------------------------------------------------------------------
# YAML


def test_yaml_nested_100000_deep(here: Path):
    (here / "deep.yaml").write_text("ruleie: 1\ndoc: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    d = one_error("deep.yaml")
    assert (d.line, d.message) == (2, "YAML nested more than 64 levels deep")
    (here / "block.yaml").write_text("ruleie: 1\ndoc:\n" + "".join(" " * i + "- \n" for i in range(3000)), encoding="utf-8")
    assert one_error("block.yaml").message == "YAML nested more than 64 levels deep"


def test_merge_keys_and_every_other_tag_are_refused(here: Path):
    (here / "m.yaml").write_text("ruleie: 1\ntypes:\n  T: {<<: {kind: record}}\n", encoding="utf-8")
    assert "unknown key '<<'" in one_error("m.yaml").message
    (here / "t.yaml").write_text(
        "ruleie: 1\ndoc: !!python/name:os.system\n"
        "vars: {a: !foo x, b: !!binary aGk=, c: !!timestamp 2001-12-14, d: !!python/module:os x}\n",
        encoding="utf-8",
    )
    found = errors_of("t.yaml")
    assert [d.message.split("'")[1] for d in found] == [
        "!!python/name:os.system", "!foo", "!!binary", "!!timestamp", "!!python/module:os"]


def test_a_file_over_the_size_limit_is_refused_unread(here: Path):
    with open("huge.yaml", "wb") as handle:
        handle.write(b"ruleie: 1\ndoc: ")
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no 16 MiB written
    [d] = check_rules("huge.yaml")  # a file named on the command line: no line to point at
    assert (d.file, d.message) == ("huge.yaml", "cannot read rule file 'huge.yaml': larger than 16 MiB")
    (here / "inc.yaml").write_text("ruleie: 1\ninclude: [huge.yaml]\n", encoding="utf-8")
    d = one_error("inc.yaml")  # named by an include: the error is at the include
    assert (d.line, d.column, d.message) == (2, 11, "cannot read included file 'huge.yaml': larger than 16 MiB")


@pytest.mark.parametrize(
    "data, message, where",
    [
        ("ruleie: 1\ndoc: x\n".encode("utf-16"), "not valid UTF-8: byte 0xff at byte offset 0", (1, 1)),
        (bytes.fromhex("89504e470d0a1a0a0000000d49484452"), "not valid UTF-8: byte 0x89 at byte offset 0", (1, 1)),
        (b"ruleie: 1\ndoc: a\x00b\n", "control character U+0000 is not allowed in a rule file", (2, 7)),
        (b"ruleie: 1\ndoc: \xc3\x28\n", "not valid UTF-8: byte 0xc3 at byte offset 15", (2, 6)),
    ],
    ids=["utf-16", "png", "nul", "bad-utf8"],
)
def test_non_utf8_rule_files(here: Path, data: bytes, message: str, where: tuple[int, int]):
    (here / "x.yaml").write_bytes(data)
    d = one_error("x.yaml")
    assert message in d.message and (d.line, d.column) == where


def test_many_definitions_load_in_bounded_time(here: Path):
    """100,000 variables (CI: 20,000) once took minutes (a copy of every name per variable): now linear."""
    n = size(20_000, 100_000)
    (here / "vars.yaml").write_text("ruleie: 1\nvars:\n" + "".join(f"  v{i}: x{i}\n" for i in range(n)), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from ruleie.api import check_rules; sys.exit(len(check_rules('vars.yaml')))"],
        cwd=here, env=subprocess_env(RULEIE_NO_CACHE="1"), timeout=120, capture_output=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]


# ---------------------------------------------------------------------------
# Includes and lexicon files


def test_include_cycles_and_strange_targets(here: Path):
    (here / "self.yaml").write_text("ruleie: 1\ninclude: [self.yaml]\n", encoding="utf-8")
    assert one_error("self.yaml").message == "include cycle: self.yaml -> self.yaml"
    (here / "sub").mkdir()
    (here / "a.yaml").write_text("ruleie: 1\ninclude: [sub/b.yaml]\n", encoding="utf-8")
    (here / "sub" / "b.yaml").write_text("ruleie: 1\ninclude: [../c.yaml]\n", encoding="utf-8")
    (here / "c.yaml").write_text("ruleie: 1\ninclude: [./sub/../a.yaml]\n", encoding="utf-8")
    d = one_error("a.yaml")
    assert (d.file, d.line, d.column) == ("c.yaml", 2, 11)
    assert d.message == "include cycle: a.yaml -> sub/b.yaml -> c.yaml -> a.yaml"
    up = "../" * (len(here.parts) + 2)
    (here / "dev.yaml").write_text(
        f"ruleie: 1\ninclude: [sub, {up}dev/zero]\nlexicons: {{x: {{file: {up}dev/urandom}}}}\n", encoding="utf-8")
    found = errors_of("dev.yaml")
    assert [d.message.rsplit(": ", 1)[1] for d in found] == ["not a regular file"] * 3


def test_a_million_entry_lexicon_loads(tmp_path: Path):
    """1,000,000 entries with RULEIE_LONG_TESTS=1 (CI: 200,000), in a subprocess with a safety-net timeout."""
    n = size(200_000, 1_000_000)
    with open(tmp_path / "big.txt", "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(f"word{i}x\n")
    (tmp_path / "lex.yaml").write_text(
        "ruleie: 1\nlexicons:\n  big: {file: big.txt}\n  inline: [" + ", ".join(f"w{i}" for i in range(n // 10)) + "]\n"
        "types: {Hit: {kind: record}}\n"
        "rules:\n  - {name: hit, type: Hit, pattern: '[lower in big] [lower in inline]'}\n",
        encoding="utf-8",
    )
    script = (
        "import json, ruleie; rules = ruleie.load_rules('lex.yaml');"
        f"print(json.dumps([r.text for r in rules.extract('Word{n - 1}x w{n // 10 - 1} and word5 w5')]))"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=subprocess_env(RULEIE_NO_CACHE="1"),
                          timeout=600, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert json.loads(proc.stdout) == [f"Word{n - 1}x w{n // 10 - 1}"]


# ---------------------------------------------------------------------------
# Wrong types everywhere

TEMPLATE = """\
ruleie: 1
include: []
doc: A file.
lexicons:
  w: {entries: [drone, missile], field: lower, doc: Weapons.}
  c: {entries: [Kyiv], mention: Place}
vars:
  v: '[lower in w]'
  alts: [x, y]
types:
  Place: {kind: mention, propagate: false}
  Strike:
    kind: record
    parent: []
    doc: A strike.
    fields: {who: str, n: int, ok: bool, where: mention, all: "list[str]", typed: {type: str, doc: D.}}
    key: [who]
    conflict: best
rules:
  - name: r
    type: Strike
    stage: 1
    priority: 2
    doc: A rule.
    pattern: (?<who> [word=/[A-Z]\\w+/]) launched (?<n> [num>0])? ${v} (at (?<where> @Place))?
    fields:
      n: {capture: n, normalise: number, default: 0}
      ok: {value: true}
      all: {capture: [who]}
    examples:
      - {text: Russia launched 3 drones at Kyiv., expect: {who: Russia, n: 3, where: Kyiv}}
      - {text: Nothing., expect: none}
"""
WRONG_VALUES = ["[]", "{}", "[[1, 2], {a: b}]", "{a: [b]}", "12", "-3", "1.5e300", "true", "null", '""',
                "'(unclosed'", "x" * 300, "0x1F", ".inf", "'@Nope'", "'${nope}'", "'\\u00e9\\t'"]


def _value_sites(template: str) -> list[tuple[int, int, int]]:
    """(line, start, end) of every value written in the template: what follows `key: ` or `- `."""
    import yaml

    sites = []
    stack = [yaml.compose(template, Loader=yaml.SafeLoader)]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(value)
                if isinstance(value, yaml.ScalarNode) or value.flow_style:
                    sites.append((value.start_mark.index, value.end_mark.index))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                stack.append(item)
                if isinstance(item, yaml.ScalarNode):
                    sites.append((item.start_mark.index, item.end_mark.index))
    return sorted(set(sites))


def test_every_value_replaced_by_every_wrong_type(here: Path):
    """Each value of a valid rule file, replaced by each of 17 wrong values: an error with a position or
    a valid file; never an exception (the loader, the lints, the engine's compile)."""
    assert [d for d in check_rules(_write(here, TEMPLATE)) if d.severity == "error"] == []
    sites = _value_sites(TEMPLATE)
    assert len(sites) > 50
    tried = 0
    for start, end in sites:
        for wrong in WRONG_VALUES:
            text = TEMPLATE[:start] + wrong + TEMPLATE[end:]
            path = _write(here, text)
            for d in check_rules(path):
                assert d.file and d.line and d.column and d.message, (text, d)
            try:
                ruleie.load_rules(path).extract("Russia launched 3 drones at Kyiv.")
            except RuleieError as error:
                assert all(d.line for d in error.diagnostics), (text, error.render())
            tried += 1
    assert tried == len(sites) * len(WRONG_VALUES)


def _write(here: Path, text: str) -> str:
    (here / "t.yaml").write_text(text, encoding="utf-8")
    return "t.yaml"


# ---------------------------------------------------------------------------
# Files are data: no file outside what include and lexicon paths name, no code, no network

AUDIT = r"""
import json, os, sys
os.environ["RULEIE_NO_CACHE"] = "1"
import ruleie
from ruleie.api import check_rules, load_rules
from ruleie.rules.rulefile import load_rule_files
warm = sys.argv[1]
check_rules(warm); load_rules(warm).extract("Russia launched drones.")  # every lazy import done
events = []
WATCH = ("open", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
         "socket.", "urllib.", "http.", "ctypes.", "compile", "exec", "import", "shutil.", "os.remove", "os.rename")
def hook(event, args):
    if event.startswith(WATCH):
        events.append([event, [a if isinstance(a, (str, int)) else repr(a) for a in args[:2]]])
sys.addaudithook(hook)
target = sys.argv[2]
diagnostics = check_rules(target)
try:
    load_rule_files(target)
except Exception as error:
    pass
try:
    load_rules(target).extract("Russia launched 3 drones at Kyiv.")
except Exception:
    pass
sys.stdout.write(json.dumps({"events": events, "messages": [d.message for d in diagnostics]}))
"""


def test_loading_reads_only_the_named_files_and_runs_nothing(tmp_path: Path):
    """The rule: loading reads the files named on the command line, by `include` and by lexicon `file:`
    (relative paths, `..` allowed; absolute paths, `~` and URLs are refused) and nothing else; it runs
    no code, opens no socket, starts no process, writes no file."""
    pack = tmp_path / "pack"
    (pack / "sub").mkdir(parents=True)
    (pack / "lex").mkdir()
    (pack / "lex" / "words.txt").write_text("drone\ndrones\n", encoding="utf-8")
    (pack / "lex" / "unused.txt").write_text("never read\n", encoding="utf-8")
    (pack / "secret.txt").write_text("never read\n", encoding="utf-8")
    marker = tmp_path / "pwned"
    (pack / "sub" / "evil.yaml").write_text(
        f'ruleie: 1\nvars:\n  evil: !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8")
    (pack / "sub" / "inc.yaml").write_text(
        "ruleie: 1\nlexicons:\n  w: {file: ../lex/words.txt}\ntypes: {Strike: {kind: record, fields: {who: str}}}\n",
        encoding="utf-8",
    )
    (pack / "main.yaml").write_text(textwrap.dedent(f"""\
        ruleie: 1
        include: [sub/inc.yaml, sub/evil.yaml, /etc/passwd, ~/x.yaml, "http://127.0.0.1:9/x.yaml", "file:///etc/hostname", "${{HOME}}/x.yaml"]
        lexicons:
          x: {{file: /etc/hostname}}
          y: {{file: "https://127.0.0.1:9/words.txt"}}
        rules:
          - {{name: s, type: Strike, pattern: "(?<who> [word=/[A-Z]\\\\w+/]) launched [lower in w]"}}
        """), encoding="utf-8")
    warm = tmp_path / "warm.yaml"
    warm.write_text("ruleie: 1\ntypes: {T: {kind: record}}\nrules:\n  - {name: t, type: T, pattern: '[word=/x/] y'}\n",
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", AUDIT, str(warm), str(pack / "main.yaml")], cwd=tmp_path,
                          env=subprocess_env(), capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    result = json.loads(proc.stdout)
    opened = {os.path.realpath(args[0]) for event, args in result["events"] if event == "open" and isinstance(args[0], str)}
    named = {os.path.realpath(p) for p in (pack / "main.yaml", pack / "sub" / "inc.yaml", pack / "sub" / "evil.yaml",
                                           pack / "lex" / "words.txt")}
    assert opened == named
    others = [e for e in result["events"] if e[0] != "open"]
    assert others == [], others
    assert not marker.exists()
    messages = result["messages"]
    for refused in ("'/etc/passwd'", "'~/x.yaml'", "'http://127.0.0.1:9/x.yaml'", "'file:///etc/hostname'",
                    "'/etc/hostname'", "'https://127.0.0.1:9/words.txt'"):
        assert any(refused in m and "must be a path relative to this file" in m for m in messages), refused
    assert any("${HOME}/x.yaml" in m and "no such file" in m for m in messages)  # no variable is expanded
    assert any("!!python/object/apply:os.system" in m for m in messages)
