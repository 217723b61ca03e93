"""pytest plugin: every inline example of a rule file becomes a test item.

Registered through the ``pytest11`` entry point, so installing ruleie is enough;
it does nothing until asked. Either name rule files in the ini file::

    [tool.pytest.ini_options]
    ruleie_rule_files = ["rules/news.yaml"]        # paths or globs, relative to the ini file

(then a plain ``pytest`` runs their examples besides the tests), or pass
``--ruleie-examples`` to collect every rule file pytest meets::

    pytest --ruleie-examples rules/

A rule file is loaded with its includes and its examples run against that whole
rule set; each example is one item, ``rules/news.yaml::strike.launched[2]``,
reported at the example's own file and line. In directory collection a rule file
that another rule file beside it includes is left to the including file (it may
not load alone). A failure reads like ``ruleie test``: the text, what was
expected, what came out, and how far the rule got.

The fixture ``ruleie_examples`` is the alternative for a test of your own::

    def test_rule_examples(ruleie_examples):
        ruleie_examples("rules/news.yaml")     # fails listing every failing example
"""

from __future__ import annotations

import glob
import os
import re
import shlex
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

import pytest

INI_NAME = "ruleie_rule_files"
OPTION = "--ruleie-examples"
_TOP_KEY = re.compile(r"^ruleie\s*:", re.MULTILINE)
_SUFFIXES = (".yaml", ".yml")
_INI_FILES = pytest.StashKey[set]()  # resolved paths of the ini's rule files
_INCLUDED = pytest.StashKey[dict]()  # directory → the files its rule files include


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ruleie", "ruleie rule examples")
    group.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="collect ruleie rule files (*.yaml) and run every inline rule example as a test",
    )
    parser.addini(
        INI_NAME,
        type="linelist",
        default=[],
        help="ruleie rule files (paths or globs, relative to the ini file) whose inline examples run as tests",
    )


def _ini_files(config: pytest.Config) -> set[Path]:
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    found: set[Path] = set()
    for entry in config.getini(INI_NAME):
        pattern = str(base / entry)
        matches = [m for m in (glob.glob(pattern, recursive=True) if glob.has_magic(pattern) else [pattern]) if os.path.isfile(m)]
        if not matches:
            config.issue_config_time_warning(
                pytest.PytestConfigWarning(f"{INI_NAME}: no rule file matches {entry!r} (relative to {base})"), stacklevel=2
            )
        found.update(Path(m).resolve() for m in matches)
    return found


def pytest_configure(config: pytest.Config) -> None:
    files = _ini_files(config)
    config.stash[_INI_FILES] = files
    config.stash[_INCLUDED] = {}
    # A plain `pytest` (no paths named) also runs the examples of the ini's rule files,
    # wherever they are; files under a collected directory are met there anyway.
    if files and config.args_source != pytest.Config.ArgsSource.ARGS:
        roots = [Path(a).resolve() for a in config.args]
        for path in sorted(files):
            if not any(path == r or r in path.parents for r in roots):
                config.args.append(str(path))



def _named_on_command_line(config: pytest.Config, path: Path) -> bool:
    return any(Path(a.split("::")[0]).resolve() == path for a in config.invocation_params.args if not a.startswith("-"))


def _is_rule_file(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            head = handle.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return False
    return _TOP_KEY.search(head) is not None


def _included_beside(config: pytest.Config, directory: Path) -> set[Path]:
    """Files that the rule files of ``directory`` include (resolved), computed once per directory."""
    cache: dict[Path, set[Path]] = config.stash[_INCLUDED]
    if directory in cache:
        return cache[directory]
    import yaml

    included: set[Path] = set()
    for sibling in sorted(directory.iterdir()):
        if sibling.suffix not in _SUFFIXES or not _is_rule_file(sibling):
            continue
        try:
            data = yaml.safe_load(sibling.read_text(encoding="utf-8-sig"))
        except Exception:  # a broken sibling is reported when it is collected itself
            continue
        entries = data.get("include") if isinstance(data, dict) else None
        if isinstance(entries, str):
            entries = [entries]
        for entry in entries or ():
            if isinstance(entry, str):
                included.add((directory / entry).resolve())
    cache[directory] = included
    return included


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Optional[pytest.Collector]:
    if file_path.suffix not in _SUFFIXES:
        return None
    config = parent.config
    path = file_path.resolve()
    if path in config.stash.get(_INI_FILES, set()):
        return RuleFile.from_parent(parent, path=file_path)
    if not config.getoption(OPTION) or not _is_rule_file(path):
        return None
    if path in _included_beside(config, path.parent) and not _named_on_command_line(config, path):
        return None
    return RuleFile.from_parent(parent, path=file_path)


class RuleFileError(Exception):
    """The rule file did not load; carries the rendered diagnostics."""


class RuleExampleFailure(Exception):
    """An example failed; carries the ``ExampleResult``."""

    def __init__(self, result: Any, hint: str):
        super().__init__(result.describe(explain_hint=hint))
        self.result = result
        self.hint = hint


class RuleFile(pytest.File):
    """A rule file: loaded with its includes; one item per inline example of every rule."""

    def collect(self) -> Iterator[pytest.Item]:
        from ..api import load_rules
        from ..errors import RuleieError

        try:
            rules = load_rules(str(self.path))
        except RuleieError as error:
            raise RuleFileError(error.render()) from None
        self.rules = rules
        for compiled in rules.rules:
            for k, example in enumerate(compiled.spec.examples, start=1):
                yield RuleExampleItem.from_parent(
                    self, name=f"{compiled.name}[{k}]", rule=compiled.spec, example=example, number=k
                )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RuleFileError):
            return f"ruleie could not load {self.path}:\n{excinfo.value}"
        return super().repr_failure(excinfo)


class RuleExampleItem(pytest.Item):
    """One inline example of one rule, checked against the rule file's whole rule set."""

    def __init__(self, *, rule: Any, example: Any, number: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.rule = rule
        self.example = example
        self.number = number

    def runtest(self) -> None:
        from .examples import check_example

        parent = self.parent
        assert isinstance(parent, RuleFile)
        result = check_example(parent.rules, self.rule, self.example)
        if not result.ok:
            shown = os.path.relpath(parent.path) if not os.path.relpath(parent.path).startswith("..") else str(parent.path)
            raise RuleExampleFailure(result, f"--rules {shlex.quote(shown)} ")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RuleExampleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Union[os.PathLike[str], str], Optional[int], str]:
        location = self.example.location or self.rule.location
        if location is not None:
            path = Path(location.file)
            if not path.is_absolute():
                path = Path(self.config.invocation_params.dir) / path
            return path, location.line - 1, f"rule {self.rule.name}, example {self.number}"
        return self.path, None, f"rule {self.rule.name}, example {self.number}"


@pytest.fixture
def ruleie_examples() -> Callable[..., list[Any]]:
    """Run the inline examples of rule files; fail the test listing every failing example.

    ``ruleie_examples(paths, rules=None)``: ``paths`` is a rule file or a list of them
    (loaded together, as ``ruleie test`` does), ``rules`` optionally the rule names to
    check. Returns the ``ExampleResult`` of every example when all pass.
    """

    def run(paths: Union[str, os.PathLike[str], Sequence[Union[str, os.PathLike[str]]]], rules: Optional[Iterable[str]] = None) -> list[Any]:
        from ..api import load_rules
        from .examples import run_examples

        ruleset = load_rules(paths)
        results = run_examples(ruleset, rules)
        failures = [r for r in results if not r.ok]
        if failures:
            names = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [os.fspath(p) for p in paths]
            hint = "".join(f"--rules {shlex.quote(p)} " for p in names)
            report = "\n\n".join(r.describe(explain_hint=hint) for r in failures)
            pytest.fail(f"{len(failures)} of {len(results)} rule examples failed:\n\n{report}", pytrace=False)
        return results

    return run
