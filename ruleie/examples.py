"""Inline rule examples: every rule's ``examples`` run against the whole rule set."""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import attrs

from .document import Mention
from .engine import RuleSet
from .records import FieldValue, Record
from .ruleset import Example, RuleSpec


@attrs.frozen
class ExampleResult:
    rule: RuleSpec
    example: Example
    ok: bool
    message: str = ""
    produced: tuple[str, ...] = ()  # what the rule produced, for the report

    def describe(self) -> str:
        where = str(self.example.location or self.rule.location or self.rule.name)
        status = "ok" if self.ok else "FAILED"
        text = f"{where}: {status}: rule {self.rule.name}: {self.example.text!r}"
        if not self.ok:
            text += f"\n    {self.message}"
            for line in self.produced:
                text += f"\n    produced: {line}"
        return text


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
        if r.rule == rule.name:
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
            return ExampleResult(rule, example, False, "expected nothing, but the rule matched", shown)
        return ExampleResult(rule, example, True)
    for fields, _text in products:
        if all(_agrees(value, fields.get(name)) for name, value in example.expect.items()):
            return ExampleResult(rule, example, True)
    expected = ", ".join(f"{k}={v!r}" for k, v in example.expect.items())
    if not products:
        return ExampleResult(rule, example, False, f"expected {expected}, but the rule did not match", shown)
    return ExampleResult(rule, example, False, f"expected {expected}", shown)


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
