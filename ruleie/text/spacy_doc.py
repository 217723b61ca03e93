"""A spaCy ``Doc`` as a ruleie ``Document`` (the text stage's door for spaCy users).

Nothing here imports spaCy: ``from_spacy`` reads the Doc's attributes. Tokens keep
spaCy's exact character offsets; sentences, ``lemma``, ``tag``, ``pos``, ``dep`` and
``entity`` come from the Doc when its pipeline set them, and ``doc.ents`` become
mentions of their label. See ``ruleie.tools.spacy_interop`` for records into spaCy.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from .document import CORE_FIELDS, LAYER_FIELDS, Document, Mention
from .lemmatizer import lemmatize
from .tokenizer import split_sentences

__all__ = ["SpacyAnnotator", "from_spacy", "is_spacy_doc", "SPACY_FIELDS"]

# Token fields a spaCy Doc can provide, with the spaCy annotation each needs.
SPACY_FIELDS: Mapping[str, str] = {
    "lemma": "LEMMA",
    "tag": "TAG",
    "pos": "POS",
    "dep": "DEP",
    "entity": "ENT_IOB",
}

# What a pipeline component's declared ``assigns`` tell us it provides.
_ASSIGNS = {
    "token.lemma": "lemma",
    "token.tag": "tag",
    "token.pos": "pos",
    "token.dep": "dep",
    "token.ent_type": "entity",
    "token.ent_iob": "entity",
    "doc.ents": "entity",
}

def is_spacy_doc(value: object) -> bool:
    """True for a spaCy ``Doc`` (duck-typed: no spaCy import needed)."""
    return hasattr(value, "vocab") and hasattr(value, "has_annotation") and hasattr(value, "text")


def from_spacy(doc: Any, doc_id: str = "", *, span_keys: Sequence[str] = (), lemmas: bool = True) -> Document:
    """A ruleie ``Document`` with the tokens, sentences, token fields and entities of a spaCy Doc.

    Whitespace tokens (spaCy's ``"\\n\\n"``) are left out: ruleie tokens are never
    blank. Sentences come from the Doc when it has sentence boundaries (a parser,
    ``senter`` or ``sentencizer`` ran), else from ruleie's own splitter. A field is
    provided only when the Doc has that annotation, so a blank pipeline leaves
    ``lemma`` to ruleie's lemmatizer (``lemmas=False`` always does). ``doc.ents``,
    and the spans of each group in ``span_keys``, become mentions of their label.
    """
    tokens = [t for t in doc if not t.is_space]
    position = {t.i: k for k, t in enumerate(tokens)}  # spaCy token index -> ruleie token index
    starts = [t.idx for t in tokens]
    ends = [t.idx + len(t.text) for t in tokens]
    text: str = doc.text

    sentences: list[tuple[int, int]] = []
    if tokens and doc.has_annotation("SENT_START"):
        for sent in doc.sents:
            inside = [position[i] for i in range(sent.start, sent.end) if i in position]
            if inside:
                sentences.append((inside[0], inside[-1] + 1))
    elif tokens:
        sentences = split_sentences(text, list(zip(starts, ends)))

    extra: dict[str, list[object]] = {}
    if lemmas and doc.has_annotation("LEMMA"):
        extra["lemma"] = [t.lemma_ or lemmatize(t.text) for t in tokens]
    if doc.has_annotation("TAG"):
        extra["tag"] = [t.tag_ or None for t in tokens]
    if doc.has_annotation("POS"):
        extra["pos"] = [t.pos_ or None for t in tokens]
    if doc.has_annotation("DEP"):
        extra["dep"] = [t.dep_ or None for t in tokens]
    if doc.has_annotation("ENT_IOB"):
        extra["entity"] = [t.ent_type_ or None for t in tokens]

    mentions: list[Mention] = []
    groups: list[tuple[str, Iterable[Any]]] = [("spacy:ents", doc.ents)]
    groups += [(f"spacy:spans[{key}]", doc.spans[key]) for key in span_keys if key in doc.spans]
    for rule, spans in groups:
        for span in spans:
            inside = [position[i] for i in range(span.start, span.end) if i in position]
            if not inside or not span.label_:
                continue
            fields = {"kb_id": span.kb_id_} if span.kb_id_ else {}
            mentions.append(Mention(span.label_, inside[0], inside[-1] + 1, rule=rule, fields=fields))
    return Document(doc_id, text, starts, ends, sentences, extra_fields=extra, mentions=mentions)


class SpacyAnnotator:
    """A spaCy pipeline as a rule set's annotator: ``load_rules(annotator=SpacyAnnotator(nlp))``.

    ``fields`` lists what the pipeline's components say they assign (an
    ``attribute_ruler`` may set ``tag``, ``pos`` and ``lemma``).
    """

    def __init__(self, nlp: Any, *, span_keys: Sequence[str] = (), lemmas: bool = True):
        self.nlp = nlp
        self.span_keys = tuple(span_keys)
        self.lemmas = lemmas
        provided: set[str] = set()
        for name in getattr(nlp, "pipe_names", ()):
            meta = nlp.get_pipe_meta(name)
            provided.update(_ASSIGNS[a] for a in meta.assigns if a in _ASSIGNS)
            if meta.factory == "attribute_ruler":
                provided.update({"tag", "pos", "lemma"})
        if not lemmas:
            provided.discard("lemma")
        # ruleie's own layer fills in what the pipeline does not provide.
        self.fields: frozenset[str] = CORE_FIELDS | LAYER_FIELDS | frozenset(provided)

    def annotate(self, text: str, doc_id: str = "") -> Document:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        return from_spacy(self.nlp(text), doc_id, span_keys=self.span_keys, lemmas=self.lemmas)

    def __repr__(self) -> str:
        return f"SpacyAnnotator({getattr(self.nlp, 'pipe_names', [])!r})"
