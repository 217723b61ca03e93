"""The ``ruleie`` command: ``main(argv) -> int`` does the work; records to stdout, diagnostics to stderr.

Exit codes: 0 ok; 1 some documents failed (each reported, the rest processed);
2 usage or rule-file errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import IO, Iterable, Iterator, Optional, Sequence

from . import __version__
from .engine import MAX_SENTENCE_TOKENS
from .errors import RuleieError
from .inputs import Decoding, InputItem, iter_inputs
from .output import FORMATS, AtomicFile, RecordWriter, record_json

EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors with exit code 2 through ``main``'s return value."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="ruleie", description="Rule-based information extraction from news text.")
    parser.add_argument("--version", action="version", version=f"ruleie {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="extract records from documents")
    run.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt file, directory, .jsonl file of {id, text}, or - for stdin")
    run.add_argument("--rules", action="append", metavar="PATH", help="rule file (repeatable; default: the shipped pack)")
    run.add_argument("--format", choices=FORMATS, default="jsonl", help="output format (default jsonl)")
    run.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    run.add_argument("--errors", metavar="FILE", dest="errors_file", help="write one JSON line per failed document to FILE")
    run.add_argument("--encoding", default="utf-8", help="input encoding (default utf-8; a BOM overrides)")
    run.add_argument("--decode-errors", choices=("strict", "replace"), default="strict",
                     help="undecodable bytes: fail the document (strict, default) or replace them")
    run.add_argument("--stdin-jsonl", action="store_true", help="read stdin as JSON Lines instead of one text")
    run.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    run.add_argument("--time-budget", type=_positive_float, metavar="SECONDS",
                     help="fail a document that takes longer than this (the others go on)")
    run.add_argument("--max-sentence-tokens", type=int, default=MAX_SENTENCE_TOKENS, metavar="N",
                     help=f"cut longer sentences into pieces before matching (default {MAX_SENTENCE_TOKENS})")

    check = sub.add_parser("check", help="validate rule files and print every diagnostic")
    check.add_argument("rules", nargs="*", metavar="RULES", help="rule files (default: the shipped pack)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")

    parse = sub.add_parser("parse", help="print the syntax tree of a pattern")
    parse.add_argument("pattern")
    parse.add_argument("--program", action="store_true", help="also print the compiled program")

    test = sub.add_parser("test", help="run every rule's inline examples")
    test.add_argument("rules", nargs="*", metavar="RULES", help="rule files (default: the shipped pack)")
    test.add_argument("--rule", action="append", metavar="NAME", help="only this rule (repeatable)")
    test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")

    ev = sub.add_parser("eval", help="score extractions against a gold file")
    ev.add_argument("docs", nargs="*", metavar="DOCS", help="documents to run the rules on (as for run)")
    ev.add_argument("--gold", required=True, metavar="GOLD.jsonl")
    ev.add_argument("--rules", action="append", metavar="PATH")
    ev.add_argument("--predictions", metavar="FILE", help="score this JSONL of records instead of running rules")
    ev.add_argument("--recall-only", action="store_true", help="the gold is not exhaustive: do not count false positives")
    ev.add_argument("--exact-only", action="store_true", help="score only gold lines whose map_quality is exact")
    ev.add_argument("--type", action="append", dest="types", metavar="TYPE", help="only this record type (repeatable)")
    ev.add_argument("--errors", type=int, default=20, metavar="N", help="list at most N misses and false positives (default 20; -1 all)")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def main(argv: Optional[Sequence[str]] = None, stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None) -> int:
    """Run the command line; returns the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except _UsageError as error:
        err.write(parser.format_usage() + str(error) + "\n")
        return EXIT_USAGE
    if not args.command:
        err.write(parser.format_help())
        return EXIT_USAGE
    handler = {"run": _run, "check": _check, "parse": _parse, "test": _test, "eval": _eval}[args.command]
    try:
        return handler(args, out, err)
    except RuleieError as error:
        err.write(error.render() + "\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


def entry_point() -> None:
    sys.exit(main())


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _load(paths: Optional[Sequence[str]], **options: object):
    from .api import load_rules

    return load_rules(paths or None, **options)  # type: ignore[arg-type]


# -- run ------------------------------------------------------------------------


class _Progress:
    """A one-line progress report on stderr, only for a terminal and more than one document."""

    def __init__(self, stream: IO[str], enabled: bool):
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self.docs = self.records = self.failed = 0
        self.started = time.monotonic()
        self._last = 0.0

    def update(self, records: int, failed: bool) -> None:
        self.docs += 1
        self.records += records
        self.failed += failed
        now = time.monotonic()
        if self.enabled and self.docs > 1 and now - self._last > 0.2:
            self._last = now
            rate = self.docs / max(now - self.started, 1e-9)
            self.stream.write(f"\r{self.docs} documents, {self.records} records, {self.failed} failed ({rate:.0f} docs/s)")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.docs > 1:
            self.stream.write("\n")


def _run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    rules = _load(args.rules, time_budget=args.time_budget, max_sentence_tokens=args.max_sentence_tokens)
    field_names = sorted({f.name for t in rules.types.values() if t.kind == "record" for f in t.fields})
    decoding = Decoding(args.encoding, args.decode_errors)
    target: Optional[AtomicFile] = AtomicFile(args.output) if args.output else None
    stream = target.stream if target else out
    errors_stream = open(args.errors_file, "w", encoding="utf-8") if args.errors_file else None
    writer = RecordWriter(stream, args.format, field_names)
    progress = _Progress(err, not args.no_progress)
    failed = 0
    try:
        for item, records, error in _extract_items(rules, iter_inputs(args.inputs, decoding, args.stdin_jsonl)):
            if error is not None:
                failed += 1
                err.write(f"ruleie: error: {item.source or item.doc_id}: {error}\n")
                if errors_stream:
                    errors_stream.write(json.dumps({"doc": item.doc_id, "source": item.source, "error": error}, ensure_ascii=False) + "\n")
            else:
                writer.write(records)
            progress.update(len(records), error is not None)
        writer.flush()
        if target:
            target.commit()
    except KeyboardInterrupt:
        if target:
            target.abort()
        progress.finish()
        err.write(f"ruleie: interrupted after {progress.docs} documents; {args.output or 'output'} left unchanged\n" if target
                  else f"ruleie: interrupted after {progress.docs} documents\n")
        return 130
    except BaseException:
        if target:
            target.abort()
        raise
    finally:
        if errors_stream:
            errors_stream.close()
    progress.finish()
    return EXIT_DOCUMENT_ERRORS if failed else EXIT_OK


def _extract_items(rules, items: Iterable[InputItem]) -> Iterator[tuple[InputItem, list, Optional[str]]]:
    for item in items:
        if item.error is not None:
            yield item, [], item.error
            continue
        try:
            records = rules.extract(item.text, doc_id=item.doc_id)
        except Exception as error:  # a document that breaks the engine is reported, not fatal
            yield item, [], f"{type(error).__name__}: {error}"
        else:
            yield item, records, None


# -- check, parse, test ---------------------------------------------------------


def _check(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .api import check_rules

    diagnostics = check_rules(args.rules or None)
    errors = [d for d in diagnostics if d.severity == "error" or args.strict]
    for d in diagnostics:
        err.write(d.render() + "\n")
    warnings = sum(d.severity == "warning" for d in diagnostics)
    n_errors = sum(d.severity == "error" for d in diagnostics)
    summary = f"{n_errors} error(s), {warnings} warning(s)"
    if errors:
        err.write(f"ruleie check: {summary}\n")
        return EXIT_USAGE
    out.write(f"ruleie check: ok ({summary})\n")
    return EXIT_OK


def _parse(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .compiler import compile_program
    from .parser import parse_pattern
    from .tree import format_tree

    node = parse_pattern(args.pattern)
    out.write(format_tree(node) + "\n")
    if args.program:
        program = compile_program(node, lexicons=_AnyLexicons(), source=args.pattern)
        out.write("\n" + program.dump() + "\n")
    return EXIT_OK


class _AnyLexicons(dict):
    """For printing a program without a rule file: every lexicon name is known (and empty)."""

    def __missing__(self, key: str) -> frozenset[str]:
        self[key] = frozenset()
        return self[key]

    def __contains__(self, key: object) -> bool:
        return True


def _test(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .examples import run_examples

    rules = _load(args.rules)
    results = run_examples(rules, args.rule)
    failures = [r for r in results if not r.ok]
    for r in results:
        if not r.ok or args.verbose:
            out.write(r.describe() + "\n")
    out.write(f"ruleie test: {len(results) - len(failures)} passed, {len(failures)} failed, {len(results)} examples\n")
    return EXIT_DOCUMENT_ERRORS if failures else EXIT_OK


# -- eval -----------------------------------------------------------------------


def _eval(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .evaluate import EvalInputError, format_report, load_jsonl, report_to_dict, score

    try:
        gold = list(load_jsonl(args.gold))
        texts: dict[str, str] = {}
        if args.predictions:
            predictions = list(load_jsonl(args.predictions))
            docs = None
        else:
            if not args.docs:
                raise _UsageError("ruleie eval: give DOCS to run the rules on, or --predictions FILE")
            rules = _load(args.rules)
            predictions = []
            docs = []
            failed = 0
            for item, records, error in _extract_items(rules, iter_inputs(args.docs)):
                docs.append(item.doc_id)
                if error is not None:
                    failed += 1
                    err.write(f"ruleie: error: {item.source or item.doc_id}: {error}\n")
                    continue
                texts[item.doc_id] = item.text or ""
                predictions.extend(json.loads(record_json(r)) for r in records)
    except EvalInputError as error:
        err.write(f"ruleie eval: error: {error}\n")
        return EXIT_USAGE
    except _UsageError as error:
        err.write(str(error) + "\n")
        return EXIT_USAGE
    report = score(predictions, gold, recall_only=args.recall_only, exact_only=args.exact_only,
                   types=args.types, texts=texts or None, docs=docs)
    if args.json:
        out.write(json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n")
    else:
        max_errors = None if args.errors < 0 else args.errors
        out.write(format_report(report, show_errors=args.errors != 0, max_errors=max_errors) + "\n")
    return EXIT_OK
