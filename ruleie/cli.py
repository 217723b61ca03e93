"""The ``ruleie`` command: ``main(argv) -> int`` does the work; records to stdout, diagnostics to stderr.

Exit codes: 0 ok; 1 some documents failed (each reported, the rest processed);
2 usage or rule-file errors.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
import time
from typing import IO, Any, Iterable, Iterator, Optional, Sequence

from ._version import __version__
from .engine.ruleset import MAX_SENTENCE_TOKENS
from .language import corevm
from .errors import Diagnostic, RuleieError
from .io.inputs import Decoding, InputItem, iter_inputs, printable
from .io.output import FORMATS, AtomicFile, OutputLocks, RecordWriter, record_json

EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2
# One pathological document (a scraped table, a log) must not hold a batch hostage.
DEFAULT_TIME_BUDGET = 30.0


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors with exit code 2 through ``main``'s return value."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="ruleie", description="Rule-based information extraction from news text.")
    parser.add_argument("--version", action="version", version=f"ruleie {__version__} ({corevm.describe()})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="extract records from documents")
    run.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt file, directory, .jsonl file of {id, text}, or - for stdin")
    run.add_argument("--rules", action="append", metavar="PATH", help="rule file (repeatable; default: the shipped pack)")
    run.add_argument("--format", choices=FORMATS, default="jsonl", help="output format (default jsonl)")
    run.add_argument("-o", "--output", metavar="FILE",
                     help="write to FILE instead of stdout (- is stdout), atomically; FILE is left unchanged when an "
                     "input is missing, when no document could be processed, or when another run is writing it")
    run.add_argument("--errors", metavar="FILE", dest="errors_file", help="write one JSON line per failed document to FILE")
    run.add_argument("--encoding", default="utf-8", help="input encoding (default utf-8; a BOM overrides)")
    run.add_argument("--decode-errors", choices=("strict", "replace"), default="strict",
                     help="undecodable bytes: fail the document (strict, default) or replace them")
    run.add_argument("--stdin-jsonl", action="store_true", help="read stdin as JSON Lines instead of one text")
    run.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    run.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report of documents and records to FILE")
    run.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                     help="worker processes (default 1; 0: one per core); output is identical for any N")
    run.add_argument("--dask", metavar="ADDRESS",
                     help="run on a Dask cluster (scheduler address, e.g. tcp://host:8786); needs ruleie[dask]")
    run.add_argument("--time-budget", type=_budget, default=DEFAULT_TIME_BUDGET, metavar="SECONDS",
                     help=f"report and skip a document whose matching takes longer than this; the others go on "
                     f"(default {DEFAULT_TIME_BUDGET:g}; 0: no limit)")
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

    explain = sub.add_parser(
        "explain",
        help="show which rules match a text, and how far the others got",
        description="For each sentence: the tokens and their fields, the mentions of earlier stages, the rules "
        "that matched (with what each capture took) and, for the others, the longest partial match and the "
        "constraint that failed.",
    )
    explain.add_argument("text", nargs="?", metavar="TEXT", help="the text to explain, or - to read it from stdin")
    explain.add_argument("--file", metavar="PATH", help="read the text from a UTF-8 file instead")
    explain.add_argument("--rules", action="append", metavar="PATH", help="rule file (repeatable; default: the shipped pack)")
    explain.add_argument("--rule", action="append", metavar="NAME", help="explain only this rule, step by step (repeatable)")
    explain.add_argument("--pattern", metavar="PATTERN",
                         help="explain this pattern instead of the rules; it may use their lexicons, variables and mentions")
    explain.add_argument("--all", action="store_true", help="show every rule that did not match, step by step")
    explain.add_argument("--json", action="store_true", help="print the explanation as JSON")

    annotate = sub.add_parser(
        "annotate",
        help="show the linguistic layer: tokens, lemmas, parts of speech, noun phrases, entities",
        description="Annotate documents with ruleie's own tagger, noun-phrase chunker and entity recogniser "
        "and print what rules see: pos, tag, NP and entity columns.",
    )
    annotate.add_argument("inputs", nargs="+", metavar="INPUT",
                          help=".txt file, directory, .jsonl file of {id, text}, .conllu file, or - for stdin")
    annotate.add_argument("--input-format", choices=("text", "conllu"), default="text",
                          help="text: ruleie tokenizes (default; .jsonl files are documents); "
                          "conllu: tokens and sentences as given")
    annotate.add_argument("--format", choices=("table", "conllu", "jsonl"), default=None,
                          help="output (default: table on a terminal, else jsonl)")
    annotate.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout (- is stdout)")
    annotate.add_argument("--stdin-jsonl", action="store_true", help="read stdin as JSON Lines instead of one text")

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
    # "-o -" is standard output, as "-" is standard input (not a file named "-")
    if getattr(args, "output", None) == "-":
        args.output = None
    handler = {"run": _run, "check": _check, "parse": _parse, "test": _test, "eval": _eval, "explain": _explain,
               "annotate": _annotate}[args.command]
    try:
        return handler(args, out, err)
    except RuleieError as error:
        err.write(error.render() + "\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


def entry_point() -> None:
    sys.exit(main())


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per core) or more")
    if value == 0:
        from .scale.parallel import available_cores

        value = available_cores()
    return value


def _budget(text: str) -> Optional[float]:
    """Seconds per document; 0 switches the limit off (None)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return value or None


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
    try:
        rules = _load(args.rules, time_budget=args.time_budget, max_sentence_tokens=args.max_sentence_tokens)
    except KeyboardInterrupt:
        err.write("ruleie: interrupted while loading the rules; nothing was written\n")
        return 130
    field_names = sorted({f.name for t in rules.types.values() if t.kind == "record" for f in t.fields})
    corevm.announce(err)  # once, before any worker process starts (they inherit it)
    decoding = Decoding(args.encoding, args.decode_errors)
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise RuleieError(Diagnostic(f"unknown encoding {args.encoding!r}", file="--encoding")) from None
    # Inputs and outputs are checked before anything is written: a typo in an input
    # path, or an output that is also an input, must not cost yesterday's results.
    _check_paths(args)
    # Every output is opened before any document is read; one that cannot be opened
    # is a usage error (exit 2), and leaves no temporary file of the others behind.
    target: Optional[AtomicFile] = None
    html = None
    errors_stream = None
    opening = ""
    locks = OutputLocks()
    try:
        for path in (args.output, args.errors_file, args.html):
            if path:
                opening = path
                locks.take(path)
        if args.errors_file:
            opening = args.errors_file
            errors_stream = open(args.errors_file, "w", encoding="utf-8")
        if args.output:
            opening = args.output
            target = AtomicFile(args.output)
        html = _HtmlOutput(args, rules) if args.html else None
    except (OSError, RuleieError) as error:
        for opened in (target, html):
            if opened is not None:
                opened.abort()
        if errors_stream:
            errors_stream.close()
        locks.release()
        if isinstance(error, RuleieError):
            raise
        raise RuleieError(Diagnostic(f"cannot write this file: {error.strerror or error}", file=opening)) from None
    stream = target.stream if target else out
    writer = RecordWriter(stream, args.format, field_names)
    progress = _Progress(err, not args.no_progress)
    failed = 0
    try:
        return _process(args, rules, decoding, writer, target, html, errors_stream, progress, out, err)
    finally:
        locks.release()


def _process(args, rules, decoding, writer, target, html, errors_stream, progress, out, err) -> int:
    """Read, extract and write every document; commit the outputs only when something was processed."""
    failed = 0
    try:
        outputs = [p for p in (args.output, args.errors_file, args.html) if p]
        items = iter_inputs(args.inputs, decoding, args.stdin_jsonl, exclude=outputs)
        if args.dask:
            from .scale.distributed import ClusterExtractor

            results = ClusterExtractor(rules, args.dask).run(items)
        elif args.jobs > 1:
            from .scale.parallel import ParallelExtractor

            options = {"time_budget": args.time_budget, "max_sentence_tokens": args.max_sentence_tokens}
            extractor = ParallelExtractor(rules, args.jobs, paths=args.rules, options=options)
            results = extractor.run(items)
        else:
            results = _extract_items(rules, items)
        for item, records, error in results:
            if error is not None:
                failed += 1
                err.write(f"ruleie: error: {item.source or item.doc_id}: {error}\n")
                if errors_stream:
                    errors_stream.write(json.dumps({"doc": item.doc_id, "source": item.source, "error": error}, ensure_ascii=False) + "\n")
                    errors_stream.flush()  # failures so far stay on disk if the run stops
                if html:
                    html.report.add_error(item.doc_id, error)
            else:
                writer.write(records)
                if html:
                    html.report.add(item.doc_id, item.text or "", records)
            progress.update(len(records), error is not None)
        writer.flush()
        if progress.docs == failed and (target or html):
            # Nothing was processed: an existing output is worth more than an empty one.
            for opened in (target, html):
                if opened is not None:
                    opened.abort()
            kept = ", ".join(p for p in (args.output, args.html) if p)
            why = "no document in the input" if progress.docs == 0 else "no document was processed successfully"
            progress.finish()
            err.write(f"ruleie: error: {why}; {kept} left unchanged\n")
            return EXIT_DOCUMENT_ERRORS
        if html:
            html.commit()
        if target:
            target.commit()
    except KeyboardInterrupt:
        if target:
            target.abort()
        if html:
            html.abort()
        progress.finish()
        err.write(f"ruleie: interrupted after {progress.docs} documents; {args.output or 'output'} left unchanged\n" if target
                  else f"ruleie: interrupted after {progress.docs} documents\n")
        return 130
    except BaseException as error:
        if target:
            target.abort()
        if html:
            html.abort()
        if isinstance(error, Exception) and not isinstance(error, BrokenPipeError):
            # A crash (or a full disk) says how far the run got; the previous -o file is intact.
            progress.finish()
            kept = f"; {args.output} left unchanged" if target else ""
            err.write(f"ruleie: error: stopped after {progress.docs} documents: {type(error).__name__}: {error}{kept}\n")
            if isinstance(error, OSError):
                return EXIT_USAGE
        raise
    finally:
        if errors_stream:
            errors_stream.close()
    progress.finish()
    return EXIT_DOCUMENT_ERRORS if failed else EXIT_OK


def _check_paths(args: argparse.Namespace) -> None:
    """Usage errors about paths, found before any output is touched.

    Every input must exist and be readable; no output may be an input or another output.
    """
    problems = []
    inputs = [raw for raw in args.inputs if raw != "-"]
    for raw in inputs:
        shown = printable(raw)
        if not os.path.lexists(raw):
            problems.append(Diagnostic("input not found: no such file or directory", file=shown))
        elif not os.path.exists(raw):
            problems.append(Diagnostic("input not found: a link to nothing", file=shown))
        elif os.path.isdir(raw):
            if not os.access(raw, os.R_OK | os.X_OK):
                problems.append(Diagnostic("cannot read this input directory: permission denied", file=shown))
        elif not os.access(raw, os.R_OK):
            problems.append(Diagnostic("cannot read this input: permission denied", file=shown))
    outputs = [(flag, path) for flag, path in (("-o", args.output), ("--errors", args.errors_file), ("--html", args.html)) if path]
    for k, (flag, path) in enumerate(outputs):
        for raw in inputs:
            if os.path.exists(raw) and not os.path.isdir(raw) and _same_file(path, raw):
                problems.append(Diagnostic(f"{flag} names an input: it would be overwritten; write elsewhere",
                                           file=printable(path)))
        for other_flag, other in outputs[k + 1:]:
            if _same_file(path, other):
                problems.append(Diagnostic(f"{flag} and {other_flag} name the same file", file=printable(path)))
    if problems:
        raise RuleieError(problems)


def _same_file(a: str, b: str) -> bool:
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


class _HtmlOutput:
    """``run --html FILE``: the report page, written atomically like ``-o``."""

    def __init__(self, args: argparse.Namespace, rules) -> None:
        from .errors import Diagnostic
        from .io.report import HtmlReport

        try:
            self.file = AtomicFile(args.html)
        except OSError as error:
            raise RuleieError(Diagnostic(f"cannot write the HTML report: {error.strerror}", file=args.html)) from None
        types = [name for name, t in rules.types.items() if t.kind == "record"]
        source = "rules: " + (", ".join(args.rules) if args.rules else "the shipped pack")
        self.report = HtmlReport(self.file.stream, types=types, subtitle=source)

    def commit(self) -> None:
        self.report.close()
        self.file.commit()

    def abort(self) -> None:
        self.report.discard()
        self.file.abort()


def _extract_items(rules, items: Iterable[InputItem]) -> Iterator[tuple[InputItem, list, Optional[str]]]:
    if getattr(rules, "uses_layer", False):
        yield from _extract_ahead(rules, items)
        return
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


def _extract_ahead(rules, items: Iterable[InputItem]) -> Iterator[tuple[InputItem, list, Optional[str]]]:
    """``_extract_items`` for a rule set that uses the linguistic layer: documents are annotated
    ahead in batches that get the layer in one call (``RuleSet.documents``); same output."""

    def document(item: InputItem):
        return None if item.error is not None else rules.document(item.text, item.doc_id)

    for item, doc, error in rules.documents(items, document):
        if item.error is not None:
            yield item, [], item.error
            continue
        if error is None:
            try:
                records = rules.extract(doc, doc_id=item.doc_id)
            except Exception as failure:  # a document that breaks the engine is reported, not fatal
                error = f"{type(failure).__name__}: {failure}"
        if error is not None:
            yield item, [], error
        else:
            yield item, records, None


# -- annotate -------------------------------------------------------------------


def _annotate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .text.conllu import parse_conllu
    from .text.linguistic import read_ahead
    from .tools.annotate import documents_of_conllu

    _check_paths(argparse.Namespace(inputs=args.inputs, output=args.output, errors_file=None, html=None))
    fmt = args.format or ("table" if out.isatty() else "jsonl")
    target = AtomicFile(args.output) if args.output else None
    stream = target.stream if target else out
    failed = done = 0
    try:
        if args.input_format == "conllu":
            for raw in args.inputs:
                source = "<stdin>" if raw == "-" else raw
                try:
                    if raw == "-":
                        sentences = list(parse_conllu(sys.stdin))
                    else:
                        with open(raw, encoding="utf-8") as handle:
                            sentences = list(parse_conllu(handle))
                except (OSError, UnicodeDecodeError, ValueError) as error:
                    failed += 1
                    err.write(f"ruleie: error: {source}: not readable as CoNLL-U: {error}\n")
                    continue
                name = os.path.splitext(os.path.basename(source))[0]
                for doc, group in read_ahead(documents_of_conllu(sentences, name), _first):
                    _write_annotation(doc, group, fmt, stream)
                    done += 1
        else:
            # Read ahead: a batch of documents gets the layer in one call (the same output).
            items = iter_inputs(args.inputs, Decoding(), args.stdin_jsonl)
            for item, doc in read_ahead(map(_annotated, items), _second):
                if doc is None:
                    failed += 1
                    err.write(f"ruleie: error: {item.source or item.doc_id}: {item.error}\n")
                    continue
                _write_annotation(doc, None, fmt, stream)
                done += 1
        if target:
            if done == 0:
                target.abort()
                err.write(f"ruleie: error: no document was annotated; {args.output} left unchanged\n")
                return EXIT_DOCUMENT_ERRORS
            target.commit()
    except BaseException:
        if target:
            target.abort()
        raise
    return EXIT_DOCUMENT_ERRORS if failed else EXIT_OK


def _annotated(item: InputItem) -> tuple[InputItem, Optional[Any]]:
    from .text.document import annotate

    return item, None if item.error is not None else annotate(item.text or "", item.doc_id)


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _second(pair: tuple[Any, Any]) -> Any:
    return pair[1]


def _write_annotation(doc, sentences, fmt: str, stream: IO[str]) -> None:
    from .tools.annotate import annotated_conllu, write_jsonl, write_table

    if fmt == "table":
        write_table(doc, stream)
    elif fmt == "jsonl":
        write_jsonl(doc, stream)
    else:
        if doc.id and sentences is None:
            stream.write(f"# newdoc id = {doc.id}\n")
        stream.write(annotated_conllu(doc, sentences))


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
        strict = " (--strict: warnings count as errors)" if args.strict and warnings else ""
        err.write(f"ruleie check: {summary}{strict}\n")
        return EXIT_USAGE
    out.write(f"ruleie check: ok ({summary})\n")
    return EXIT_OK


def _parse(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .language.compiler import compile_program
    from .language.parser import parse_pattern
    from .language.tree import format_tree

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
    from .tools.examples import run_examples

    rules = _load(args.rules)
    known = {r.name for r in rules.rules}
    for name in args.rule or ():
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, sorted(known), n=1)
            err.write(f"ruleie test: error: no rule named '{name}'" + (f" (did you mean '{close[0]}'?)" if close else "") + "\n")
            return EXIT_USAGE
    results = run_examples(rules, args.rule)
    failures = [r for r in results if not r.ok]
    # A failure suggests the `ruleie explain` command that shows why, with the same rule files.
    import shlex

    hint = "".join(f"--rules {shlex.quote(p)} " for p in args.rules or ())
    for r in results:
        if not r.ok or args.verbose:
            out.write(r.describe(explain_hint=None if r.ok else hint) + "\n")
    out.write(f"ruleie test: {len(results) - len(failures)} passed, {len(failures)} failed, {len(results)} examples\n")
    return EXIT_DOCUMENT_ERRORS if failures else EXIT_OK


# -- explain --------------------------------------------------------------------


def _explain(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .api import shipped_rules
    from .tools.explain import explain, explain_pattern

    def usage(message: str) -> int:
        err.write(f"ruleie explain: error: {message}\n")
        return EXIT_USAGE

    if args.pattern is not None and args.rule:
        return usage("--rule and --pattern cannot be used together: --pattern explains one pattern, --rule picks rules")
    if (args.text is None) == (args.file is None):
        return usage("give the text to explain: TEXT, - (stdin) or --file PATH")
    if args.file is not None:
        try:
            with open(args.file, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            return usage(f"cannot read {args.file}: {getattr(error, 'strerror', None) or error}")
    elif args.text == "-":
        text = sys.stdin.read()
    else:
        text = args.text
    rules = _load(args.rules)
    if args.pattern is not None:
        explanation = explain_pattern(rules, args.pattern, text)
    else:
        label = ", ".join(args.rules) if args.rules else f"the shipped pack ({shipped_rules()})"
        try:
            count = f"{len(rules.rules)} rule{'' if len(rules.rules) == 1 else 's'}"
            explanation = explain(rules, text, rule_names=args.rule, rules_label=f"{label}, {count}")
        except KeyError as error:
            return usage(str(error.args[0]))
    if args.json:
        out.write(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        detail = bool(args.rule) or args.pattern is not None or args.all
        out.write(explanation.format(detail=detail, show_all=args.all) + "\n")
    return EXIT_OK


# -- eval -----------------------------------------------------------------------


def _eval(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .tools.evaluate import EvalInputError, format_report, load_jsonl, report_to_dict, score

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
