"""Rule set × document → records: apply compiled rules stage by stage.

Stage order: lexicon mentions, then every rule stage in ascending order. Rules
of a mention type add mentions that later stages match with ``@Type``; rules of
a record type produce candidate records. At the end each record type's conflict
policy picks the records to keep, names are resolved across the document, and
records come out in document order.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, TypeVar, Union

import attrs

from ..language import corevm, matcher
from ..language.compiler import Program, compile_program
from ..text.document import DEFAULT_ANNOTATOR, Annotator, Document, Mention
from ..text.linguistic import LAYER_FIELDS, LAYER_MENTION_TYPES, layer_mentions, read_ahead
from ..errors import Diagnostic, PatternError, RuleFileError
from ..language.nodes import MentionRef, TokenTest, capture_names, expr_fields, walk
from .records import RESERVED_FIELD_NAMES, FieldValue, Record, record_classes
from .resolve import NameResolver
from .ruleindex import RuleIndex
from ..rules.cache import gc_paused
from ..rules.spec import FieldMapping, RuleSetSpec, RuleSpec, TypeSpec
from ..text.tokenfields import parse_number_words

# Longer sentences are cut into pieces of at most this many tokens before matching (see
# cap_sentences): a 1,000,000-token "sentence" must not make one document stall a batch.
MAX_SENTENCE_TOKENS = 1000


class DocumentTimeout(Exception):
    """A document used up its time budget (``RuleSet(time_budget=…)``, ``ruleie run --time-budget``)."""


# Words that state a count of zero ("no one was killed").
ZERO_WORDS = frozenset({"no", "none", "nobody", "noone", "zero", "nil", "neither"})


@attrs.frozen(eq=False)
class CompiledContext:
    """A rule's ``context:`` compiled: its window of sentences around a match, and the
    programs that must match somewhere in it (``requires``) or nowhere in it (``excludes``)."""

    before: int
    after: int
    requires: Optional[Program]
    excludes: Optional[Program]


@attrs.frozen(eq=False)
class CompiledRule:
    spec: RuleSpec
    type: TypeSpec
    program: Program
    order: int  # position in the rule set: the last tie-breaker everywhere
    mappings: tuple[FieldMapping, ...]
    context: Optional[CompiledContext] = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def makes_mentions(self) -> bool:
        return self.type.kind == "mention"


@attrs.frozen
class Candidate:
    """A match of a record rule, before conflicts are settled."""

    rule: CompiledRule
    raw: matcher.RawMatch
    sentence: tuple[int, int]


@attrs.frozen
class DocumentResult:
    """What ``extract_many`` yields per document: records, or the error that stopped it."""

    doc_id: str
    records: tuple[Record, ...] = ()
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None


InputDocument = Union[str, Document, Mapping[str, Any], tuple[str, str]]
T = TypeVar("T")


@attrs.frozen(eq=False)
class CompiledRules:
    """What compiling a rule set makes (``compile_rules``): it depends on the spec alone,
    so a loaded rule set keeps it in the rule cache beside the spec (``load_rules``)."""

    rules: tuple[CompiledRule, ...]
    stages: tuple[tuple[int, tuple[CompiledRule, ...]], ...]
    phrases: dict[tuple[str, str], tuple[dict[Any, tuple[int, ...]], frozenset[tuple[str, ...]]]]
    phrase_firsts: dict[str, tuple[dict[Any, tuple[int, ...]], tuple[tuple[str, str], ...]]]
    # Layer types some rule can match: named in a pattern itself or through a parent type.
    layer_types: frozenset[str]
    # Whether documents ever need the layer (``pos``, ``tag`` ... or its mentions): then
    # ``extract_many`` annotates ahead in batches that get the layer in one call.
    uses_layer: bool
    index: RuleIndex


def compile_rules(spec: RuleSetSpec) -> CompiledRules:
    """Every rule's pattern and context compiled, with the rule index.

    Raises ``RuleFileError`` naming each rule whose pattern cannot be compiled (too large
    after unrolling) and each reserved field name.
    """
    lexicons = {name: lex.entries for name, lex in spec.lexicons.items()}
    ancestors = matcher.ancestors_table({name: t.parents for name, t in spec.types.items()})
    # Compiling makes many objects and frees few: no cyclic collection meanwhile.
    with gc_paused():
        cache: dict = {}
        compiled = []
        problems: list[Diagnostic] = []
        for t in spec.types.values():
            for f in t.fields:
                if f.name in RESERVED_FIELD_NAMES:
                    problems.append(_spec_problem(f"field name '{f.name}' of type {t.name} is reserved", t))
        for order, rule in enumerate(spec.rules):
            try:
                program = compile_program(rule.node, lexicons=lexicons, cache=cache, source=rule.pattern)
                context = _compile_context(rule, lexicons, cache)
            except PatternError as error:  # too large after unrolling: say where the rule is
                problems.extend(_at_rule(d, rule) for d in error.diagnostics)
                continue
            rtype = spec.types[rule.type]
            compiled.append(CompiledRule(rule, rtype, program, order, _mappings(rule, rtype), context))
        if problems:
            raise RuleFileError(problems)
        phrases = _phrase_tables(spec)
        referenced = {node.type for rule in spec.rules for node in _rule_nodes(rule) if isinstance(node, MentionRef)}
        layer_types = frozenset(t for t in LAYER_MENTION_TYPES if referenced & ancestors.get(t, frozenset({t})))
        return CompiledRules(
            rules=tuple(compiled),
            stages=tuple(
                (stage, tuple(r for r in compiled if r.spec.stage == stage))
                for stage in sorted({r.spec.stage for r in compiled})
            ),
            phrases=phrases,
            phrase_firsts=_phrase_firsts(phrases),
            layer_types=layer_types,
            uses_layer=bool(layer_types) or any(
                expr_fields(node.expr) & LAYER_FIELDS for rule in spec.rules for node in _rule_nodes(rule)
                if isinstance(node, TokenTest) and node.expr is not None
            ) or any(field in LAYER_FIELDS for field, _ in phrases),
            index=RuleIndex([r.program for r in compiled], lexicons),
        )


def _compile_context(rule: RuleSpec, lexicons: Mapping[str, Any], cache: dict) -> Optional[CompiledContext]:
    context = rule.context
    if context is None or (context.requires_node is None and context.excludes_node is None):
        return None  # (a context with only `follows:` has no window to test: the settling applies it)
    programs = [
        None if node is None else compile_program(node, lexicons=lexicons, cache=cache, source=text or "")
        for node, text in ((context.requires_node, context.requires), (context.excludes_node, context.excludes))
    ]
    return CompiledContext(context.before, context.after, programs[0], programs[1])


class RuleSet:
    """A compiled rule set: ``extract`` applies it to one text, ``extract_many`` to a stream."""

    def __init__(
        self,
        spec: RuleSetSpec,
        *,
        annotator: Optional[Annotator] = None,
        max_sentence_tokens: int = MAX_SENTENCE_TOKENS,
        time_budget: Optional[float] = None,
        compiled: Optional[CompiledRules] = None,
    ):
        """``compiled``: what ``compile_rules(spec)`` made before (the rule cache keeps it)."""
        self.spec = spec
        self.annotator = annotator or DEFAULT_ANNOTATOR
        self.max_sentence_tokens = max_sentence_tokens
        self.time_budget = time_budget
        self.types: Mapping[str, TypeSpec] = spec.types
        self.record_classes = record_classes(spec.types)
        self.ancestors = matcher.ancestors_table({name: t.parents for name, t in spec.types.items()})
        self._lexicon_entries = {name: lex.entries for name, lex in spec.lexicons.items()}
        if compiled is None:
            compiled = compile_rules(spec)
        self.rules: tuple[CompiledRule, ...] = compiled.rules
        self.stages = compiled.stages
        self._phrases = compiled.phrases
        self._phrase_firsts = compiled.phrase_firsts
        self.layer_types: frozenset[str] = compiled.layer_types
        self.uses_layer: bool = compiled.uses_layer
        self.index = compiled.index
        # per rule, the fields it takes from an earlier record when its match leaves them empty
        self._inherits: dict[str, dict[str, int]] = {
            r.spec.name: {m.field: m.from_earlier for m in r.mappings if m.from_earlier}
            for r in self.rules if any(m.from_earlier for m in r.mappings)}
        # per rule, the record type one of whose records must lie in the sentences before its own
        self._follows: dict[str, tuple[str, int]] = {
            r.spec.name: (r.spec.context.follows, r.spec.context.before)
            for r in self.rules if r.spec.context is not None and r.spec.context.follows}
        self._core: Optional[tuple[Any, bytes, bytes]] = None  # _core_index: the index in the compiled core

    def __repr__(self) -> str:
        return f"<ruleie.RuleSet {len(self.rules)} rules, {len(self.record_classes)} record types>"

    def context_allows(
        self, rule: CompiledRule, ctx: matcher.DocumentContext, doc: Document, sentence: tuple[int, int],
        seen: Optional[dict[tuple[int, int, int], bool]] = None,
    ) -> bool:
        """Whether a match of ``rule`` in ``sentence`` stands by the rule's ``context:``: its
        ``requires`` pattern matches in some sentence of the window, its ``excludes`` pattern in
        none (with the mentions ``ctx`` holds, those of the stages before the rule's). ``seen``
        keeps answers per (program, sentence) while ``ctx`` stays the same."""
        context = rule.context
        if context is None:
            return True
        sentences = doc.sentences
        i = bisect_left(sentences, sentence)
        window = sentences[max(0, i - context.before) : i + context.after + 1]
        if seen is None:
            seen = {}

        def found(program: Program) -> bool:
            return any(_pattern_in(program, ctx, lo, hi, seen) for lo, hi in window)

        if context.excludes is not None and found(context.excludes):
            return False
        return context.requires is None or found(context.requires)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as the loaded spec (compiled programs hold functions): a worker process or
        a Dask worker compiles it once, however many tasks refer to it."""
        from ..rules.cache import dumps_spec

        options = (self.annotator, self.max_sentence_tokens, self.time_budget)
        return _restore_rule_set, (dumps_spec(self.spec), options)

    # -- entry points --------------------------------------------------------

    def annotate(self, text: str, doc_id: str = "") -> Document:
        return self.annotator.annotate(text, doc_id)

    def extract(self, text: Union[str, Document], doc_id: str = "") -> list[Record]:
        """Records found in one text (or pre-annotated Document, or spaCy Doc), in document order.

        >>> import ruleie
        >>> rules = ruleie.load_rules()
        >>> [r.type for r in rules.extract("Russia launched 23 missiles at Kyiv.", doc_id="d1")]
        ['Strike']
        """
        return self.extract_document(self.document(text, doc_id))[0]

    def document(self, text: Union[str, Document], doc_id: str = "") -> Document:
        """The Document ``extract`` works on: ``text`` annotated (a Document or spaCy Doc as
        given), with the id ``doc_id`` when one is given."""
        if not isinstance(text, (str, Document)) and hasattr(text, "vocab"):  # a spaCy Doc
            from ..text.spacy_doc import from_spacy

            text = from_spacy(text, doc_id)
        doc = text if isinstance(text, Document) else self.annotate(text, doc_id)
        if doc_id and doc.id != doc_id:
            doc = attrs.evolve(doc, id=doc_id)
        return doc

    def documents(self, items: Iterable[T], document: Callable[[T], Optional[Document]]
                  ) -> Iterator[tuple[T, Optional[Document], Optional[str]]]:
        """Each item with its Document (``document(item)``; None for an item without one) or the
        error that stopped it, in order. When the rule set uses the linguistic layer, documents
        are made ahead, ~5,000 tokens at a time, and each such batch gets its layer in one call
        (``linguistic.read_ahead``): the same Documents and results, one batch in memory."""

        def made(item: T) -> tuple[T, Optional[Document], Optional[str]]:
            try:
                return item, document(item), None
            except Exception as error:  # one bad document must not lose the others
                return item, None, f"{type(error).__name__}: {error}"

        found = map(made, items)
        return read_ahead(found, _document_of) if self.uses_layer else found

    def extract_many(self, docs: Iterable[InputDocument]) -> Iterator[DocumentResult]:
        """Stream results: one ``DocumentResult`` per input, in input order; a bad
        document gives a result with ``error`` set and never stops the stream.

        Inputs may be texts, Documents, ``{"id", "text"}`` mappings or ``(id, text)`` pairs.
        A rule set that uses the linguistic layer annotates ahead (see ``documents``).
        """
        if self.uses_layer:
            yield from self._extract_ahead(docs)
            return
        for number, item in enumerate(docs):
            doc_id = f"doc{number}"
            try:
                doc_id, payload = _identify(item, number)
                records = self.extract(payload, doc_id=doc_id)
            except Exception as error:  # one bad document must not lose the others
                yield DocumentResult(doc_id, (), f"{type(error).__name__}: {error}")
            else:
                yield DocumentResult(doc_id, tuple(records))

    def _extract_ahead(self, docs: Iterable[InputDocument]) -> Iterator[DocumentResult]:
        """``extract_many`` on Documents made ahead in batches (the same results)."""

        def document(entry: tuple[int, InputDocument]) -> Document:
            doc_id, payload = _identify(entry[1], entry[0])
            return self.document(payload, doc_id)

        for (number, item), doc, error in self.documents(enumerate(docs), document):
            doc_id = f"doc{number}"
            try:
                doc_id = _identify(item, number)[0]
                if error is None:
                    records = self.extract(doc, doc_id=doc_id)  # type: ignore[arg-type]
            except Exception as failure:  # one bad document must not lose the others
                error = error or f"{type(failure).__name__}: {failure}"
            if error is not None:
                yield DocumentResult(doc_id, (), error)
            else:
                yield DocumentResult(doc_id, tuple(records))

    # -- the stages ----------------------------------------------------------

    def extract_document(self, doc: Document) -> tuple[list[Record], tuple[Mention, ...]]:
        """Records and the final mentions of one annotated document."""
        doc = cap_sentences(doc, self.max_sentence_tokens)
        deadline = None if self.time_budget is None else time.monotonic() + self.time_budget
        mentions = list(doc.mentions) + self._lexicon_mentions(doc)  # lexicon and layer mentions
        mentions = _settle_mentions(mentions, self.types)
        ctx = matcher.DocumentContext(doc.with_mentions(mentions), self.ancestors)
        candidates: list[Candidate] = []
        # Rules whose first token occurs in this document; mention-first rules join per stage.
        token_hits = self._token_hits(ctx)
        for number, (_stage, rules) in enumerate(self.stages):
            found: list[Mention] = []
            matches, _ = self._run_stage(number, rules, token_hits, mentions, ctx, doc, deadline)
            seen: dict[tuple[int, int, int], bool] = {}
            for rule, raw, sentence in matches:
                if rule.context is not None and not self.context_allows(rule, ctx, doc, sentence, seen):
                    continue
                if rule.makes_mentions:
                    found.append(self._mention(rule, raw, doc, sentence))
                else:
                    candidates.append(Candidate(rule, raw, sentence))
            if found:
                mentions = _settle_more(mentions, found, self.types)
                mentions = _settle_more(mentions, _propagate(doc, mentions, self.types), self.types)
                ctx = ctx.with_mentions(doc.with_mentions(mentions))
        final_doc = doc.with_mentions(mentions)
        resolver = NameResolver(final_doc, self.ancestors, self.spec.names)
        records = [self._record(c, final_doc, resolver) for c in candidates]
        return _settle_records(records, candidates, self.types, doc.text, self._inherits,
                               [s for s, _ in doc.sentences], self._follows), tuple(mentions)

    def match_all(self, doc: Document) -> list[tuple[str, int, int]]:
        """Every (rule name, start token, end token) where a rule matches, as spaCy's Matcher
        reports matches: all spans, overlapping ones included, of every rule in every stage.

        Mentions of earlier stages are found first, exactly as ``extract`` finds them, so
        ``@Type`` rules match here too. Sorted by start, end, then rule order.
        """
        doc = cap_sentences(doc, self.max_sentence_tokens)
        mentions = _settle_mentions(list(doc.mentions) + self._lexicon_mentions(doc), self.types)  # lexicon and layer mentions
        ctx = matcher.DocumentContext(doc.with_mentions(mentions), self.ancestors)
        token_hits = self._token_hits(ctx)
        found: list[tuple[int, int, int]] = []
        for number, (_stage, rules) in enumerate(self.stages):
            matches, spans = self._run_stage(number, rules, token_hits, mentions, ctx, doc, None, all_spans=True)
            found.extend(spans)
            seen: dict[tuple[int, int, int], bool] = {}
            new_mentions = [self._mention(rule, raw, doc, sentence) for rule, raw, sentence in matches
                            if rule.context is None or self.context_allows(rule, ctx, doc, sentence, seen)]
            if new_mentions:
                mentions = _settle_more(mentions, new_mentions, self.types)
                mentions = _settle_more(mentions, _propagate(doc, mentions, self.types), self.types)
                ctx = ctx.with_mentions(doc.with_mentions(mentions))
        found.sort()
        return [(self.rules[order].name, s, e) for s, e, order in found]

    def _token_hits(self, ctx: matcher.DocumentContext) -> Any:
        """The rules whose first token occurs in the document (and what else they need):
        the index's answer, asked once per document (mention-first rules join per stage)."""
        if corevm.active():
            return corevm.token_candidates(self._core_index(), ctx)
        return self.index.token_candidates(ctx)

    def _core_index(self) -> Any:
        """The rule index and every rule's program in the compiled core (made on first use)."""
        if self._core is None:
            stage_of = [0] * len(self.rules)
            for number, (_stage, rules) in enumerate(self.stages):
                for rule in rules:
                    stage_of[rule.order] = number
            finditer = bytes([corevm.FINDITER] * len(self.rules))
            all_spans = bytes(corevm.SPANS | (corevm.FINDITER if r.makes_mentions else 0) for r in self.rules)
            self._core = (corevm.index([r.program for r in self.rules], self.index, stage_of), finditer, all_spans)
        return self._core[0]

    def _run_stage(
        self,
        number: int,
        rules: Sequence[CompiledRule],
        token_hits: Any,
        mentions: Sequence[Mention],
        ctx: matcher.DocumentContext,
        doc: Document,
        deadline: Optional[float],
        all_spans: bool = False,
    ) -> tuple[list[tuple[CompiledRule, matcher.RawMatch, tuple[int, int]]], list[tuple[int, int, int]]]:
        """The matches of stage ``number`` (its ``rules``): its candidates (the token
        candidates of the document, and its rules that begin with a mention of a type
        among ``mentions``), each in the sentences it can match in.

        Returns (matches, spans): every non-empty ``finditer`` match as (rule, match,
        sentence) in rule, sentence and match order; with ``all_spans``, every span of
        every rule as (start, end, rule order), and matches of mention rules only (as
        ``match_all`` needs them). Raises DocumentTimeout past the deadline, which is
        checked before each sentence, so one rule over a long document cannot run far past it.
        """
        if corevm.active():  # every candidate of the stage in one call to the compiled core
            core_index, finditer, spans_too = self._core
            raw, spans, timed_out = corevm.match_stage(
                core_index, number, token_hits, ctx, doc.sentences, spans_too if all_spans else finditer,
                deadline=deadline,
            )
            if timed_out >= 0:
                raise self._timeout(self.rules[timed_out], doc)
            found = [(self.rules[k], matcher.RawMatch(s, e, slots, history), (lo, hi))
                     for k, lo, hi, s, e, slots, history in raw]
            return found, [(s, e, k) for k, s, e in spans]
        # (a rule that may begin with a mention still needs its literal requirements, as the core asks)
        hits = token_hits | {
            k for k in self.index.mention_candidates({m.type for m in mentions}, self.ancestors)
            if self.index.needs_met(k, ctx)
        }
        matches: list[tuple[CompiledRule, matcher.RawMatch, tuple[int, int]]] = []
        all_found: list[tuple[int, int, int]] = []
        for rule in _in_stage(rules, hits):
            for lo, hi in self._sentences_to_scan(rule, ctx, doc):
                if deadline is not None and time.monotonic() > deadline:
                    raise self._timeout(rule, doc)
                if all_spans:
                    all_found.extend((s, e, rule.order) for s, e in matcher.all_spans(rule.program, ctx, lo, hi))
                    if not rule.makes_mentions:
                        continue
                for m in matcher.finditer(rule.program, ctx, lo, hi):
                    if m.end > m.start:
                        matches.append((rule, m, (lo, hi)))
        return matches, all_found

    def _timeout(self, rule: CompiledRule, doc: Document) -> DocumentTimeout:
        return DocumentTimeout(
            f"time budget of {self.time_budget:g} s exceeded (at rule {rule.name}, {len(doc)} tokens)"
        )

    def _sentences_to_scan(
        self, rule: CompiledRule, ctx: matcher.DocumentContext, doc: Document
    ) -> Iterable[tuple[int, int]]:
        """Only sentences where the rule's first token can occur (one set lookup per hit)."""
        program = rule.program
        found = ctx.candidates(program)
        numbers = set(range(len(doc.sentences))) if found is None else ctx.sentence_numbers(found[1])
        for predicates, mention_types in program.required:
            if not numbers:
                break
            holding: set[int] = set()
            for k in predicates:
                holding |= ctx.sentence_numbers(ctx.truth(program.predicates[k]))
            for wanted in mention_types:
                holding |= ctx.sentence_numbers(ctx.mention_starts(wanted))
            numbers &= holding
        return [doc.sentences[i] for i in sorted(numbers)]

    def _lexicon_mentions(self, doc: Document) -> list[Mention]:
        """Mentions made before the first stage: lexicon entries, and the layer's noun phrases
        and entities when some rule refers to them (``@NP``, ``@PERSON``, or a parent of theirs)."""
        found: list[Mention] = layer_mentions(doc, self.layer_types) if self.layer_types else []
        if not doc.sentences:
            return found
        # Where each table's entries can begin: one pass over each field's column finds them for
        # every table on that field (the shipped pack has five tables on ``word``).
        starts_of: dict[tuple[str, str], list[int]] = {}
        values_of: dict[str, Any] = {}
        for field, (firsts, keys) in self._phrase_firsts.items():
            column = doc.column(field)
            if column is None:
                continue
            fold = field in ("lower", "lemma")
            values = [v.lower() if isinstance(v, str) else v for v in column] if fold else column
            values_of[field] = values
            lists = [starts_of.setdefault(key, []) for key in keys]
            for i in [i for i, v in enumerate(values) if v in firsts]:
                for t in firsts[values[i]]:
                    lists[t].append(i)
        for (field, mention_type), (table, longest) in self._phrases.items():
            starts = starts_of.get((field, mention_type))
            if not starts:
                continue
            values = values_of[field]
            # Left to right, longest entry first, a match skipping what it covers: only positions
            # whose value begins some entry can match, so only those are tried.
            free = 0  # the first position no earlier match covers
            for i in starts:
                if i < free:
                    continue
                lo, hi = doc.sentence_of(i)
                if not lo <= i < hi:
                    continue  # a token outside every sentence (a document built by hand)
                for length in table[values[i]]:  # longest first
                    if i + length <= hi and tuple(values[i : i + length]) in longest:
                        found.append(Mention(mention_type, i, i + length, rule=f"lexicon:{mention_type}"))
                        free = i + length
                        break
        return found

    def _mention(self, rule: CompiledRule, raw: matcher.RawMatch, doc: Document, sentence: tuple[int, int]) -> Mention:
        fields: dict[str, Any] = {}
        for g, name in enumerate(rule.program.group_names, start=1):
            s, e = raw.group_span(g)
            if s >= 0:
                cs, ce = doc.char_span(s, e, sentence[1])
                fields[name] = FieldValue(doc.text[cs:ce], cs, ce)
        return Mention(rule.type.name, raw.start, raw.end, rule=rule.name, fields=fields)

    def _record(self, c: Candidate, doc: Document, resolver: NameResolver) -> Record:
        rule, raw, sentence = c.rule, c.raw, c.sentence
        start, end = doc.char_span(raw.start, raw.end, sentence[1])
        groups = {name: g for g, name in enumerate(rule.program.group_names, start=1)}
        values: dict[str, Any] = {}
        for mapping in rule.mappings:
            spec = rule.type.field(mapping.field)
            assert spec is not None
            if mapping.capture is None:
                if not mapping.from_earlier:  # (a field only an earlier record fills: _inherit_fields)
                    values[mapping.field] = FieldValue(doc.text[start:end], start, end, value=mapping.value, given=True)
                continue
            names = (mapping.capture,) if isinstance(mapping.capture, str) else mapping.capture
            occurrences = sorted(
                o for name in names if name in groups for o in raw.occurrences(groups[name]) if o[1] > o[0]
            )
            if not occurrences:
                if mapping.default is not None:
                    values[mapping.field] = FieldValue(doc.text[start:end], start, end, value=mapping.default, given=True)
                continue
            items = [self._field_value(doc, s, e, sentence, spec.type, spec.item, mapping, resolver) for s, e in occurrences]
            if spec.type == "list":
                values[mapping.field] = tuple(items)
            else:
                values[mapping.field] = items[-1]  # the last occurrence, as re's group()
        cls = self.record_classes[rule.type.name]
        return cls(doc=doc.id, rule=rule.name, start=start, end=end, text=doc.text[start:end], **values)

    def _field_value(
        self,
        doc: Document,
        s: int,
        e: int,
        sentence: tuple[int, int],
        field_type: str,
        item_type: str,
        mapping: FieldMapping,
        resolver: NameResolver,
    ) -> FieldValue:
        cs, ce = doc.char_span(s, e, sentence[1])
        text = doc.text[cs:ce]
        value: Any = None
        normalise = mapping.normalise
        kind = item_type if field_type == "list" else field_type
        if normalise is None and kind == "int":
            normalise = "number"
        if normalise is None and kind == "bool":
            normalise = "bool"
        if normalise == "number":
            value = _number_of(doc, s, e)
        elif normalise == "bool":
            value = True
        elif normalise == "lower":
            value = text.lower()
        elif normalise == "strip":
            value = text.strip(" \t\n\"'“”‘’,.;:")
        if mapping.value is not None:
            value = mapping.value
        # Only mention fields name an entity; a title or a quote has no canonical form.
        canonical = resolver.canonical(s, e) if kind == "mention" else None
        return FieldValue(text, cs, ce, value=value, canonical=canonical)


_RESTORED: dict[tuple[bytes, Any], RuleSet] = {}


def _restore_rule_set(payload: bytes, options: tuple[Any, Optional[int], Optional[float]]) -> RuleSet:
    key = (hashlib.sha256(payload).digest(), options[1:])
    found = _RESTORED.get(key)
    if found is None:
        annotator, max_sentence_tokens, time_budget = options
        found = RuleSet(pickle.loads(payload), annotator=annotator, max_sentence_tokens=max_sentence_tokens,
                        time_budget=time_budget)
        _RESTORED[key] = found
    return found


def _rule_nodes(rule: RuleSpec) -> Iterator[Any]:
    """Every pattern node of a rule: its pattern's and its context patterns'."""
    yield from walk(rule.node)
    if rule.context is not None:
        for node in (rule.context.requires_node, rule.context.excludes_node):
            if node is not None:
                yield from walk(node)


def _pattern_in(program: Program, ctx: matcher.DocumentContext, lo: int, hi: int,
                seen: dict[tuple[int, int, int], bool]) -> bool:
    """Whether ``program`` matches (at least one token) in tokens [lo, hi); answers kept in ``seen``."""
    key = (id(program), lo, hi)
    answer = seen.get(key)
    if answer is None:
        answer = seen[key] = any(m.end > m.start for m in matcher.finditer(program, ctx, lo, hi))
    return answer


def _in_stage(rules: tuple[CompiledRule, ...], hits: set[int]) -> list[CompiledRule]:
    """The rules of one stage that the index says can match, in rule order."""
    if len(hits) * 4 < len(rules):  # few candidates: look them up instead of walking the stage
        first = rules[0].order if rules else 0
        by_order = {r.order: r for r in rules} if rules and rules[-1].order - first + 1 != len(rules) else None
        if by_order is None:
            return [rules[o - first] for o in sorted(hits) if first <= o < first + len(rules)]
        return [by_order[o] for o in sorted(hits) if o in by_order]
    return [r for r in rules if r.order in hits]


def cap_sentences(doc: Document, limit: int) -> Document:
    """Split sentences longer than ``limit`` tokens, preferring to cut after , ; : or a dash.

    Each piece is a sentence for matching: ``^``, ``$`` and lookaround see the piece.
    Real news sentences are far below the default limit; this guards against texts
    with no sentence punctuation at all (lists, scraped tables, hostile input).
    """
    if limit <= 0 or all(e - s <= limit for s, e in doc.sentences):
        return doc
    words = doc.column("word") or ()
    pieces: list[tuple[int, int]] = []
    for s, e in doc.sentences:
        while e - s > limit:
            cut = s + limit
            for i in range(s + limit - 1, s + limit // 2, -1):
                if words[i] in (",", ";", ":", "-", "–", "—"):
                    cut = i + 1
                    break
            pieces.append((s, cut))
            s = cut
        pieces.append((s, e))
    return attrs.evolve(doc, sentences=tuple(pieces))


def _at_rule(d: Diagnostic, rule: RuleSpec) -> Diagnostic:
    """A compile error of a rule's pattern, placed at the pattern in its rule file."""
    where = rule.pattern_location or rule.location
    if where is None:
        return d
    return Diagnostic(f"rule '{rule.name}': {d.message}", d.severity, where.file, where.line, where.column, hint=d.hint)


def _spec_problem(message: str, t: TypeSpec) -> Diagnostic:
    loc = t.location
    if loc is None:
        return Diagnostic(message)
    return Diagnostic(message, file=loc.file, line=loc.line, column=loc.column)


def _mappings(rule: RuleSpec, rtype: TypeSpec) -> tuple[FieldMapping, ...]:
    """Explicit mappings, plus: a capture named like a field of the type fills that field."""
    explicit = {m.field: m for m in rule.fields}
    names = set(capture_names(rule.node))
    for f in rtype.fields:
        if f.name not in explicit and f.name in names:
            explicit[f.name] = FieldMapping(f.name, capture=f.name)
    return tuple(explicit[f.name] for f in rtype.fields if f.name in explicit)


def _number_of(doc: Document, s: int, e: int) -> Optional[int]:
    words = [doc.text[doc.starts[i] : doc.ends[i]] for i in range(s, e)]
    lowered = [w.lower() for w in words]
    if lowered and lowered[0] in ZERO_WORDS:
        return 0
    nums = doc.column("num")
    # A number inside a longer phrase ("23 Iranian missiles"): take the number words.
    number_words = [
        w
        for i, w in zip(range(s, e), words)
        if (nums is not None and nums[i] is not None) or w.lower() in ("a", "an", "and")
    ]
    value = parse_number_words(number_words) if number_words else None
    if value is None:
        value = parse_number_words(words)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value  # type: ignore[return-value]


def _phrase_tables(spec: RuleSetSpec) -> dict[tuple[str, str], tuple[dict[Any, list[int]], frozenset[tuple[str, ...]]]]:
    """For lexicons that make mentions: first word → phrase lengths (longest first), and the phrases."""
    tables: dict[tuple[str, str], tuple[dict[Any, set[int]], set[tuple[str, ...]]]] = {}
    for lex in spec.lexicons.values():
        if not lex.mention:
            continue
        fold = lex.field in ("lower", "lemma")
        firsts, phrases = tables.setdefault((lex.field, lex.mention), ({}, set()))
        for entry in lex.entries:
            words = tuple((w.lower() if fold else w) for w in _entry_words(entry))
            if words:
                phrases.add(words)
                firsts.setdefault(words[0], set()).add(len(words))
    return {
        key: ({w: sorted(ls, reverse=True) for w, ls in firsts.items()}, frozenset(phrases))
        for key, (firsts, phrases) in tables.items()
    }


def _phrase_firsts(
    phrases: Mapping[tuple[str, str], tuple[dict[Any, list[int]], frozenset[tuple[str, ...]]]],
) -> dict[str, tuple[dict[Any, tuple[int, ...]], tuple[tuple[str, str], ...]]]:
    """Per field: first word -> the tables (numbers into the field's keys) some entry of which it begins."""
    by_field: dict[str, tuple[dict[Any, list[int]], list[tuple[str, str]]]] = {}
    for key, (firsts, _) in phrases.items():
        words, keys = by_field.setdefault(key[0], ({}, []))
        number = len(keys)
        keys.append(key)
        for word in firsts:
            words.setdefault(word, []).append(number)
    return {field: ({w: tuple(ts) for w, ts in words.items()}, tuple(keys)) for field, (words, keys) in by_field.items()}


def _entry_words(entry: str) -> list[str]:
    """Split a lexicon phrase the way the tokenizer splits text, so entries line up with tokens."""
    from ..text.tokenizer import tokenize

    return [entry[s:e] for s, e in tokenize(entry)]


def _settle_mentions(mentions: Sequence[Mention], types: Mapping[str, TypeSpec]) -> list[Mention]:
    """Apply each mention type's conflict policy; keep document order, drop exact duplicates."""
    unique: dict[tuple[str, int, int], Mention] = {}
    for m in mentions:
        unique.setdefault((m.type, m.start, m.end), m)
    by_type: dict[str, list[Mention]] = defaultdict(list)
    for m in unique.values():
        by_type[m.type].append(m)
    kept: list[Mention] = []
    for type_name, group in by_type.items():
        policy = types[type_name].conflict if type_name in types else "drop-contained"
        kept.extend(_apply_policy(group, policy, lambda m: (m.start, m.end), lambda m: (0, 0)))
    kept.sort(key=lambda m: (m.start, -m.end, m.type))
    return kept


def _settle_more(settled: list[Mention], added: Sequence[Mention], types: Mapping[str, TypeSpec]) -> list[Mention]:
    """``_settle_mentions(settled + added)`` for a ``settled`` list (its result): only the
    types that ``added`` brings are settled again, the others stay as they are."""
    if not added:
        return settled
    changed = {m.type for m in added}
    again = _settle_mentions([m for m in settled if m.type in changed] + list(added), types)
    kept = [m for m in settled if m.type not in changed] + again
    kept.sort(key=lambda m: (m.start, -m.end, m.type))
    return kept


def _propagate(doc: Document, mentions: Sequence[Mention], types: Mapping[str, TypeSpec]) -> list[Mention]:
    """Repeat mentions: "Zelensky" later in a document that named "Volodymyr Zelensky"."""
    found: list[Mention] = []
    repeated = [m for m in mentions if m.end - m.start >= 2 and getattr(types.get(m.type), "propagate", False)]
    if not repeated:
        return found
    # (only the types that repeat need their covered positions)
    covered: dict[str, set[int]] = defaultdict(set)
    repeating = {m.type for m in repeated}
    for m in mentions:
        if m.type in repeating:
            covered[m.type].update(range(m.start, m.end))
    words = doc.column("word") or ()
    positions: Optional[dict[str, list[int]]] = None  # word -> where it occurs, built once if needed
    for m in repeated:
        surname = words[m.end - 1]
        if not surname[:1].isupper():
            continue
        if positions is None:
            positions = defaultdict(list)
            for i, w in enumerate(words):
                positions[w].append(i)  # type: ignore[index]
        for i in positions.get(surname, ()):
            if i not in covered[m.type]:
                covered[m.type].add(i)
                found.append(Mention(m.type, i, i + 1, rule=f"{m.rule}:repeat", fields={}))
    return found


def _merge_records(group: list[Record], rank, text: str, anchor: Sequence[str] = ()) -> list[Record]:
    """merge policy: records of one type in one sentence whose fields do not disagree become
    one record (fields filled from every part, best-ranked first). Two parts disagree when
    both fill a field with spans that do not overlap. With ``anchor`` fields, two parts whose
    anchors overlap (one trigger) tell of one event: their list fields may differ, and the
    merged record lists every part's items ("France and Germany … hold talks with Iran")."""
    merged: list[list[Record]] = []
    for r in sorted(group, key=lambda r: (-rank(r)[0], rank(r)[1], r.start)):
        for parts in merged:
            if all(_parts_agree(p, r, anchor) for p in parts):
                parts.append(r)
                break
        else:
            merged.append([r])
    out = []
    for parts in merged:
        if len(parts) == 1:
            out.append(parts[0])
            continue
        values = {}
        start = min(p.start for p in parts)
        end = max(p.end for p in parts)
        for f in parts[0].field_names:
            # A value read from the text wins over one a rule states; a stated value spans
            # the merged record, as it spanned its part.
            found = [getattr(p, f) for p in parts if getattr(p, f) is not None]
            read = [v for v in found if not (isinstance(v, FieldValue) and v.given)]
            value = (read or found or [None])[0]
            if isinstance(value, FieldValue) and value.given:
                value = FieldValue(text[start:end], start, end, value=value.value, given=True)
            elif anchor and isinstance(value, tuple):
                value = _joined_items(read)
            values[f] = value
        rule = "+".join(dict.fromkeys(p.rule for p in parts))
        out.append(type(parts[0])(doc=parts[0].doc, rule=rule, start=start, end=end, text=text[start:end], **values))
    return out


def _parts_agree(a: Record, b: Record, anchor: Sequence[str]) -> bool:
    """Can two parts be one merged record? Every field compatible, or, when the parts'
    anchor fields overlap, every field that is not a list."""
    differing = [f for f in a.field_names if not _compatible(getattr(a, f), getattr(b, f))]
    if not differing:
        return True
    if not anchor or any(not isinstance(getattr(a, f), tuple) for f in differing):
        return False
    return any(
        _read(x) and _read(y) and _compatible(x, y)
        for x in (getattr(a, f) for f in anchor) for y in (getattr(b, f) for f in anchor)
    )


def _read(value: Any) -> bool:
    """A value the text holds (a stated value spans the whole match: it anchors nothing)."""
    return value is not None and not (isinstance(value, FieldValue) and value.given)


def _joined_items(values: Sequence[tuple]) -> tuple:
    """The items of several parts' list values, best-ranked part first: an item overlapping
    one already taken is left out; document order."""
    taken: list[FieldValue] = []
    for items in values:
        for item in items:
            if not any(item.start < t.end and t.start < item.end for t in taken):
                taken.append(item)
    return tuple(sorted(taken, key=lambda t: t.start))


def _plain(v: FieldValue) -> Any:
    return v.text if v.value is None else v.value


def _compatible(a: Any, b: Any) -> bool:
    """Two parts' values of one field can be one record's: their spans overlap, or a value
    a rule states (``given``) equals the other's value (its text where it has none)."""
    if a is None or b is None:
        return True
    if isinstance(a, FieldValue) and isinstance(b, FieldValue) and (a.given or b.given):
        return _plain(a) == _plain(b)
    a_items = a if isinstance(a, tuple) else (a,)
    b_items = b if isinstance(b, tuple) else (b,)
    return any(x.start < y.end and y.start < x.end for x in a_items for y in b_items)


def _value_key(value: Any) -> Any:
    """What tells two field values apart for exact-duplicate removal: what their ``repr`` shows
    (text, span, value with its type, canonical), without building the string."""
    if isinstance(value, FieldValue):
        v = value.value
        return (value.text, value.start, value.end, type(v), v if _hashable(v) else repr(v), value.canonical)
    if isinstance(value, tuple):
        return tuple(_value_key(x) for x in value)
    return repr(value)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _settle_records(
    records: list[Record], candidates: list[Candidate], types: Mapping[str, TypeSpec], text: str = "",
    inherits: Optional[Mapping[str, Mapping[str, int]]] = None, sentence_starts: Sequence[int] = (),
    follows: Optional[Mapping[str, tuple[str, int]]] = None,
) -> list[Record]:
    """Conflict policy per record type, records that must follow another (``follows``: per rule,
    record type and sentences back) kept only where one does, fields taken from earlier records
    (``inherits``: per rule, field → sentences back; ``sentence_starts``: the first token of each
    sentence), exact duplicates removed, document order."""
    rank = {id(r): (c.rule.spec.priority, c.rule.order) for r, c in zip(records, candidates)}
    sentence_of = {id(r): c.sentence for r, c in zip(records, candidates)}
    unique: dict[Any, Record] = {}
    also: dict[Any, list[str]] = defaultdict(list)  # the rules of the duplicates dropped, per record kept
    for r in sorted(records, key=lambda r: (-rank[id(r)][0], rank[id(r)][1])):
        key = (r.type, r.start, r.end, tuple(sorted((k, _value_key(v)) for k, v in r.fields.items())))
        if unique.setdefault(key, r) is not r and types[r.type].conflict == "merge":
            also[key].append(r.rule)
    # Of a type whose records merge, a duplicate's rules stay named on the record kept, as a merge
    # names them: their own ``follows`` and ``from_earlier`` apply to it too ("The two sides signed …"
    # made alike by a rule that looks three sentences back and one that looks five). Of other types
    # the better-ranked rule alone stays.
    for key, rules in also.items():
        kept_record = unique[key]
        names = list(dict.fromkeys(kept_record.rule.split("+") + [n for rule in rules for n in rule.split("+")]))
        if len(names) > len(kept_record.rule.split("+")):
            named = attrs.evolve(kept_record, rule="+".join(names))
            rank[id(named)] = rank[id(kept_record)]
            sentence_of[id(named)] = sentence_of[id(kept_record)]
            unique[key] = named
    by_type: dict[str, list[Record]] = defaultdict(list)
    for r in unique.values():
        by_type[r.type].append(r)
    kept: list[Record] = []
    for type_name, group in by_type.items():
        policy = types[type_name].conflict
        if policy == "merge":
            by_sentence: dict[tuple[int, int], list[Record]] = defaultdict(list)
            for r in group:
                by_sentence[sentence_of[id(r)]].append(r)
            for sentence in sorted(by_sentence):
                for merged in _merge_records(by_sentence[sentence], lambda r: rank[id(r)], text, types[type_name].anchor):
                    rank.setdefault(id(merged), rank[id(by_sentence[sentence][0])])
                    sentence_of.setdefault(id(merged), sentence)
                    kept.append(merged)
        elif policy == "best" and types[type_name].anchor:
            kept.extend(_best_anchored(group, types[type_name].anchor, lambda r: rank[id(r)]))
        else:
            kept.extend(_apply_policy(group, policy, lambda r: (r.start, r.end), lambda r: rank[id(r)]))
    def sentence_number(r: Record) -> int:
        return bisect_right(sentence_starts, sentence_of[id(r)][0])

    if follows:
        kept = _keep_following(kept, follows, sentence_number, types)
    if inherits:
        kept = _inherit_fields(kept, inherits, sentence_number, rank, types)
    # A record that fills none of its type's key fields identifies nothing (a casualty
    # clause with no strike in its sentence): it was only ever material for a merge.
    kept = [r for r in kept if not types[r.type].key or any(getattr(r, k) is not None for k in types[r.type].key)]
    kept.sort(key=lambda r: (r.start, r.end, r.type, rank[id(r)][1]))
    return kept


def _keep_following(records: list[Record], follows: Mapping[str, tuple[str, int]], sentence_number,
                    types: Mapping[str, TypeSpec]) -> list[Record]:
    """Records whose every rule says ``context: follows:`` kept only when a record of the type
    named lies in one of the sentences before their own that the rule allows: "Gunmen stormed the
    hotel. Eleven guests had died." keeps the toll, "Eleven guests had died." alone does not. A
    record that fills none of its type's key fields is no such record; one kept here is, so a
    detail may follow a detail (as ``from_earlier`` passes values on)."""
    out: list[Record] = []
    seen: dict[str, list[int]] = defaultdict(list)  # type → sentence numbers of its records so far
    for r in sorted(records, key=lambda r: (r.start, r.end)):
        number = sentence_number(r)
        needs = [follows.get(part) for part in r.rule.split("+")]  # a merged record names every rule
        if all(needs) and not any(0 < number - at <= reach for t, reach in needs for at in seen[t]):
            continue
        out.append(r)
        key = types[r.type].key
        if not key or any(getattr(r, k) is not None for k in key):
            seen[r.type].append(number)
    return out


def _inherit_fields(records: list[Record], inherits: Mapping[str, Mapping[str, int]], sentence_number, rank,
                    types: Mapping[str, TypeSpec]) -> list[Record]:
    """Fields that a record's rules take from an earlier record (``from_earlier:``): a field the
    record leaves empty gets the value of the latest record of its type, in document order, that
    fills it, when that record lies in one of the sentences before (as many as the rule allows;
    not the record's own, where the merge policy already joined what belongs together). "Ada Obi met
    Ken Dorr. The talks covered trade." → the talks' participants are the first sentence's. A record
    that took a value passes it on to the next in the same way; one that fills none of its type's key
    fields (and is dropped) passes on nothing."""
    out: list[Record] = []
    latest: dict[tuple[str, str], tuple[int, Any]] = {}  # (type, field) → (sentence number, value)
    for r in sorted(records, key=lambda r: (r.start, r.end)):
        number = sentence_number(r)
        reaches: dict[str, int] = {}
        for part in r.rule.split("+"):  # a merged record names every rule that made it
            for field, reach in inherits.get(part, {}).items():
                reaches[field] = max(reach, reaches.get(field, 0))
        taken = {}
        for field, reach in reaches.items():
            found = latest.get((r.type, field)) if getattr(r, field) is None else None
            if found is not None and 0 < number - found[0] <= reach:
                taken[field] = found[1]
        if taken:
            inherited = attrs.evolve(r, **taken)
            rank[id(inherited)] = rank[id(r)]
            r = inherited
        key = types[r.type].key
        if not key or any(getattr(r, k) is not None for k in key):
            for field in r.field_names:
                if getattr(r, field) is not None:
                    latest[(r.type, field)] = (number, getattr(r, field))
        out.append(r)
    return out


def _apply_policy(items: list, policy: str, span, rank) -> list:
    """keep-all: everything. drop-contained: drop an item whose span lies inside another's
    (equal spans: the better-ranked stays). best: greedy by priority, then length, then
    rule order, skipping anything that overlaps an item already kept."""
    if policy == "keep-all" or len(items) < 2:
        return list(items)

    def better(a, b) -> bool:  # is a preferred to b? priority high, rule order low
        pa, oa = rank(a)
        pb, ob = rank(b)
        return (-pa, oa) < (-pb, ob)

    if policy == "drop-contained":
        return _drop_contained(items, span, better)
    return _best(items, span, rank)


def _drop_contained(items: list, span, better) -> list:
    """Items whose span lies in no other item's span (of equal spans, the best-ranked stay).

    One sort and one sweep: in (start, -end) order every earlier distinct span starts at
    or before this one, so this one is contained in some other exactly when the largest
    end seen so far reaches its end. O(n log n): a page of 100,000 mentions is fine.
    """
    by_span: dict[tuple[int, int], list] = defaultdict(list)
    for x in items:
        by_span[span(x)].append(x)
    winners: dict[tuple[int, int], list] = {}
    for key, group in by_span.items():  # equal spans: drop every item that another beats
        winners[key] = [x for x in group if not any(better(y, x) for y in group if y is not x)] if len(group) > 1 else group
    free: set[tuple[int, int]] = set()
    reach = -1
    for key in sorted(winners, key=lambda k: (k[0], -k[1])):
        if reach < key[1]:
            free.add(key)
        reach = max(reach, key[1])
    return [x for x in sorted(items, key=lambda x: (span(x)[0], -span(x)[1])) if span(x) in free and x in winners[span(x)]]


def _best_order(items: list, span, rank) -> list:
    """The order in which ``best`` (anchored or not) tries items: priority high, then
    length, then rule order, then start."""
    return sorted(items, key=lambda x: (-rank(x)[0], -(span(x)[1] - span(x)[0]), rank(x)[1], span(x)[0]))


def _best(items: list, span, rank) -> list:
    """Greedy by priority, then length, then rule order, skipping anything that overlaps an
    item already kept. The kept spans never overlap, so in start order their ends rise too,
    and an overlap test looks at a few neighbours found by bisection, not at every item."""
    ordered = _best_order(items, span, rank)
    kept = []
    taken: list[tuple[int, int]] = []  # kept spans, sorted
    for x in ordered:
        xs, xe = span(x)
        j = bisect_left(taken, (xe, xe + 1)) - 1  # kept spans that start before x ends (or at, if empty)
        overlaps = False
        while j >= 0:
            ys, ye = taken[j]
            if not (xe <= ys or ye <= xs):
                overlaps = True
                break
            if ye <= xs and ys < xs:
                break
            j -= 1
        if not overlaps:
            kept.append(x)
            insort(taken, (xs, xe))
    return kept


def _anchor_spans(record: Record, anchor: Sequence[str]) -> Optional[list[tuple[int, int]]]:
    """The spans of a record's anchor fields (list fields item by item); None when it fills none."""
    spans: list[tuple[int, int]] = []
    for name in anchor:
        value = getattr(record, name, None)
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, FieldValue) and not v.given:
                spans.append((v.start, v.end))
    return spans or None


def _compete(a: tuple, b: tuple) -> bool:
    """Do two (span, anchor spans) claims compete under anchored ``best``? Their spans must
    overlap; then they compete unless both fill anchor fields and no anchor span of one
    overlaps an anchor span of the other, whatever the fields (a record that fills no
    anchor field competes with every record it overlaps)."""
    (a_start, a_end), a_anchors = a
    (b_start, b_end), b_anchors = b
    if not (a_start < b_end and b_start < a_end):
        return False
    if a_anchors is None or b_anchors is None:
        return True
    return any(xs < ye and ys < xe for xs, xe in a_anchors for ys, ye in b_anchors)


def _best_anchored(items: list[Record], anchor: Sequence[str], rank) -> list[Record]:
    """best with anchor fields: greedy in the order of ``_best`` (priority, then length, then
    rule order), keeping a record unless it competes with one already kept (``_compete``).
    Two statements of one sentence with different verbs ("He said A and told reporters B")
    both stay; two readings of one verb (different speakers for one "said") compete.

    Kept spans may overlap here, so the kept claims are held by start and only those that
    start before the candidate ends, no earlier than the longest kept span allows, are tested."""
    ordered = _best_order(items, lambda x: (x.start, x.end), rank)
    kept: list[Record] = []
    claims: list[tuple[int, int, int]] = []  # (start, end, index into kept_claims), sorted
    kept_claims: list[tuple] = []
    longest = 0
    for x in ordered:
        claim = ((x.start, x.end), _anchor_spans(x, anchor))
        lo = bisect_left(claims, (x.start - longest, -1, -1))
        hi = bisect_left(claims, (x.end, x.end + 1, -1))
        if any(_compete(claim, kept_claims[i]) for _, _, i in claims[lo:hi]):
            continue
        kept.append(x)
        kept_claims.append(claim)
        insort(claims, (x.start, x.end, len(kept_claims) - 1))
        longest = max(longest, x.end - x.start)
    return kept


def _document_of(entry: tuple[Any, Optional[Document], Optional[str]]) -> Optional[Document]:
    return entry[1]


def _identify(item: InputDocument, number: int) -> tuple[str, Union[str, Document]]:
    if isinstance(item, Document):
        return item.id or f"doc{number}", item
    if isinstance(item, str):
        return f"doc{number}", item
    if isinstance(item, tuple) and len(item) == 2:
        return str(item[0]), item[1]
    if isinstance(item, Mapping):
        text = item.get("text")
        if not isinstance(text, str):
            raise ValueError("document has no 'text' string")
        doc_id = item.get("id", f"doc{number}")
        return str(doc_id), text
    raise TypeError(f"cannot read a document from {type(item).__name__}")
