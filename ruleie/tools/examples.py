"""Inline rule examples: every rule's ``examples`` run against the whole rule set."""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import attrs

from ..text.document import Mention
from ..engine.ruleset import RuleSet
from ..engine.records import FieldValue, Record
from ..rules.spec import Example, RuleSpec


@attrs.frozen
class ExampleResult:
    rule: RuleSpec
    example: Example
    ok: bool
    message: str = ""
    produced: tuple[str, ...] = ()  # what the rule produced, for the report
    expected: str = ""  # the expectation as text: "nothing", "a match", "trigger='fired', …"
    mismatches: tuple[str, ...] = ()  # fields of the closest product that disagree: "time: expected 'Monday', got 'On Monday'"
    why: str = ""  # when the rule produced nothing: how far it got (ruleie.tools.explain.why_not)

    @property
    def where(self) -> str:
        """file:line:column of the example (else of the rule)."""
        return str(self.example.location or self.rule.location or self.rule.name)

    def describe(self, explain_hint: Optional[str] = None) -> str:
        """The result as text; a failure shows the text, what was expected and what came out.

        ``explain_hint``: the ``--rules …`` arguments for a ``ruleie explain`` command to suggest.
        """
        status = "ok" if self.ok else "FAILED"
        first = f"{self.where}: {status}: rule {self.rule.name}: {self.example.text!r}"
        if self.ok:
            return first
        lines = [first, f"    expected {self.expected or self.message}"]
        if not self.produced:
            lines.append("    produced nothing" + (f": {self.why}" if self.why else ""))
        lines.extend(f"    produced {line}".rstrip() for line in self.produced)
        lines.extend(f"    mismatch {line}" for line in self.mismatches)
        if explain_hint is not None:
            import shlex

            lines.append(
                f"    see why: ruleie explain {explain_hint}--rule {self.rule.name} {shlex.quote(self.example.text)}"
            )
        return "\n".join(lines)


def _agrees(expected: Any, content: Any) -> bool:
    if isinstance(content, tuple):
        if isinstance(expected, list):
            return all(any(_agrees(e, item) for item in content) for e in expected)
        return any(_agrees(expected, item) for item in content)
    if content is None:
        return expected is None
    if isinstance(content, FieldValue):
        if isinstance(expected, bool) or isinstance(expected, (int, float)):
            return content.value == expected
        if isinstance(expected, str):
            return expected.strip() in (content.text.strip(), content.canonical, content.value)
        return expected is None and False
    return content == expected


def _describe_record(fields: dict[str, Any], text: str) -> str:
    shown = []
    for name, content in fields.items():
        if content is None:
            continue
        if isinstance(content, tuple):
            shown.append(f"{name}=[{', '.join(repr(c.text) for c in content)}]")
        elif isinstance(content, FieldValue):
            extra = f" ({content.value!r})" if content.value is not None else ""
            shown.append(f"{name}={content.text!r}{extra}")
    return f"{text!r} " + " ".join(shown)


def _products(rule: RuleSpec, records: Sequence[Record], mentions: Sequence[Mention], text: str) -> list[tuple[dict[str, Any], str]]:
    """(fields, matched text) of everything this rule produced for one example text."""
    out = []
    for r in records:
        if rule.name in r.rule.split("+"):  # a merged record names every rule that made it: "a+b"
            out.append(({**r.fields, "text": FieldValue(r.text, r.start, r.end)}, r.text))
    return out


def check_example(rules: RuleSet, rule: RuleSpec, example: Example) -> ExampleResult:
    doc = rules.annotate(example.text, "example")
    records, mentions = rules.extract_document(doc)
    products = _products(rule, records, mentions, example.text)
    for m in mentions:
        if m.rule == rule.name:
            s, e = doc.char_span(m.start, m.end)
            fields = dict(m.fields)
            fields["text"] = FieldValue(example.text[s:e], s, e)
            products.append((fields, example.text[s:e]))
    shown = tuple(_describe_record({k: v for k, v in f.items() if k != "text"}, t) for f, t in products)
    if example.expect is None:
        if products:
            return ExampleResult(rule, example, False, "expected nothing, but the rule matched", shown, expected="nothing")
        return ExampleResult(rule, example, True)
    for fields, _text in products:
        if all(_agrees(value, fields.get(name)) for name, value in example.expect.items()):
            return ExampleResult(rule, example, True)
    expected = ", ".join(f"{k}={v!r}" for k, v in example.expect.items())
    if not products:
        return ExampleResult(
            rule, example, False, f"expected {expected or 'a match'}, but the rule did not match", shown,
            expected=expected or "a match", why=_why_not(rules, rule, example.text),
        )
    return ExampleResult(
        rule, example, False, f"expected {expected}", shown, expected=expected, mismatches=_mismatches(example, products)
    )


def _why_not(rules: RuleSet, rule: RuleSpec, text: str) -> str:
    """How far the rule got (``ruleie explain``), or a plain "did not match" should explaining fail."""
    try:
        from .explain import why_not

        return why_not(rules, rule.name, text)
    except Exception:  # the explanation is a courtesy: it must never hide the test result
        return "the rule did not match"


def _shown(content: Any) -> str:
    if content is None:
        return "nothing"
    if isinstance(content, tuple):
        return "[" + ", ".join(_shown(c) for c in content) + "]"
    if isinstance(content, FieldValue):
        if content.value is not None and str(content.value) != content.text:
            return f"{content.text!r} ({content.value!r})"
        return repr(content.text)
    return repr(content)


def _mismatches(example: Example, products: Sequence[tuple[dict[str, Any], str]]) -> tuple[str, ...]:
    """The disagreeing fields of the product that agrees with the most expected fields."""
    assert example.expect is not None
    best = max(products, key=lambda p: sum(_agrees(v, p[0].get(k)) for k, v in example.expect.items()))  # type: ignore[union-attr]
    fields = best[0]
    return tuple(
        f"{name}: expected {value!r}, got {_shown(fields.get(name))}"
        for name, value in example.expect.items()
        if not _agrees(value, fields.get(name))
    )


def run_examples(rules: RuleSet, names: Optional[Iterable[str]] = None) -> list[ExampleResult]:
    """Results of every inline example (of the named rules, when given), in rule order."""
    wanted = set(names) if names is not None else None
    results = []
    for compiled in rules.rules:
        spec = compiled.spec
        if wanted is not None and spec.name not in wanted:
            continue
        for example in spec.examples:
            results.append(check_example(rules, spec, example))
    return results
