"""``ruleie annotate``: what the linguistic layer sees, as a table, CoNLL-U or JSON Lines.

Input documents are texts (tokenized by ruleie) or CoNLL-U sentences (tokens and
sentences taken as given). For each document the output shows every token with its
lemma, part of speech (``pos``: Universal POS; ``tag``: Penn Treebank), its place in a
base noun phrase and its entity, in IOB2 (``B-PERSON``, ``I-PERSON``).

In CoNLL-U output LEMMA, UPOS and XPOS are filled and MISC gets ``Entity=B-PERSON`` /
``I-…`` and ``NP=B`` / ``NP=I`` (other MISC items, the comments, multiword tokens and a
parse in the input are kept).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import IO, Iterable, Iterator, Optional, Sequence

from ..text.conllu import Sentence, format_conllu
from ..text.document import Document, from_tokens
from ..text.linguistic import entity_spans, noun_phrase_spans

__all__ = ["iob_columns", "write_table", "write_jsonl", "annotated_conllu", "conllu_document"]


def iob_columns(doc: Document) -> tuple[list[Optional[str]], list[Optional[str]]]:
    """Per token: its noun-phrase tag (B, I or None) and entity tag (B-PERSON, I-PERSON or None)."""
    n = len(doc)
    np_tags: list[Optional[str]] = [None] * n
    entity_tags: list[Optional[str]] = [None] * n
    for s, e, _head in noun_phrase_spans(doc):
        np_tags[s] = "B"
        for i in range(s + 1, e):
            np_tags[i] = "I"
    for s, e, label in entity_spans(doc):
        entity_tags[s] = f"B-{label}"
        for i in range(s + 1, e):
            entity_tags[i] = f"I-{label}"
    return np_tags, entity_tags


def write_table(doc: Document, out: IO[str]) -> None:
    """One block per sentence: index, token, lemma, pos, tag, NP, entity."""
    words, lemmas = doc.column("word"), doc.column("lemma")
    pos, tags = doc.column("pos"), doc.column("tag")
    np_tags, entity_tags = iob_columns(doc)
    heads = {h for _s, _e, h in noun_phrase_spans(doc)}
    rows = [("#", "token", "lemma", "pos", "tag", "NP", "entity")]
    for number, (s, e) in enumerate(doc.sentences, 1):
        if number > 1:
            rows.append(("",) * 7)
        for i in range(s, e):
            np_cell = (np_tags[i] or "") + ("*" if i in heads else "")
            rows.append((str(i), str(words[i]), str(lemmas[i]), str(pos[i]), str(tags[i]),  # type: ignore[index]
                         np_cell, entity_tags[i] or ""))
    widths = [max(len(r[k]) for r in rows) for k in range(7)]
    if doc.id:
        out.write(f"== {doc.id}\n")
    for r in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() + "\n")
    out.write("(NP: B begins a noun phrase, I continues it, * marks its head)\n\n")


def write_jsonl(doc: Document, out: IO[str]) -> None:
    """One JSON object per document: tokens with offsets and fields, sentences, noun phrases, entities."""
    words, lemmas = doc.column("word"), doc.column("lemma")
    pos, tags = doc.column("pos"), doc.column("tag")
    tokens = [
        {"start": doc.starts[i], "end": doc.ends[i], "word": words[i], "lemma": lemmas[i], "pos": pos[i], "tag": tags[i]}  # type: ignore[index]
        for i in range(len(doc))
    ]

    def text(s: int, e: int) -> str:
        return doc.text[doc.starts[s] : doc.ends[e - 1]]

    obj = {
        "id": doc.id,
        "tokens": tokens,
        "sentences": [list(r) for r in doc.sentences],
        "noun_phrases": [{"start": s, "end": e, "head": h, "text": text(s, e)} for s, e, h in noun_phrase_spans(doc)],
        "entities": [{"start": s, "end": e, "label": label, "text": text(s, e)} for s, e, label in entity_spans(doc)],
    }
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def conllu_document(sentences: Sequence[Sentence], doc_id: str = "") -> Document:
    """The syntactic words of CoNLL-U sentences as one Document, sentence by sentence."""
    return from_tokens(([w.form for w in s.words] for s in sentences if s.words), doc_id)


def annotated_conllu(doc: Document, sentences: Optional[Sequence[Sentence]] = None) -> str:
    """CoNLL-U for a document: the input sentences with LEMMA, UPOS, XPOS and MISC filled, or new ones."""
    lemmas, pos, tags = doc.column("lemma"), doc.column("pos"), doc.column("tag")
    np_tags, entity_tags = iob_columns(doc)
    if sentences is None:
        from ..text.conllu import Word

        sentences = []
        for s, e in doc.sentences:
            words = [Word(i - s + 1, doc.text[doc.starts[i] : doc.ends[i]],
                          misc="SpaceAfter=No" if i + 1 < e and doc.ends[i] == doc.starts[i + 1] else "_")
                     for i in range(s, e)]
            sentences.append(Sentence(words=words))
    out: list[Sentence] = []
    k = 0
    for sentence in sentences:
        if not sentence.words:
            out.append(sentence)
            continue
        words = []
        for w in sentence.words:
            misc = [item for item in w.misc.split("|") if item and item != "_"
                    and not item.startswith(("Entity=", "NP="))]
            if entity_tags[k]:
                misc.append(f"Entity={entity_tags[k]}")
            if np_tags[k]:
                misc.append(f"NP={np_tags[k]}")
            words.append(replace(w, lemma=str(lemmas[k]), upos=str(pos[k]), xpos=str(tags[k]),  # type: ignore[index]
                                 misc="|".join(misc) or "_"))
            k += 1
        out.append(Sentence(words=words, comments=list(sentence.comments), multiword=list(sentence.multiword)))
    return format_conllu(out)


def documents_of_conllu(sentences: Iterable[Sentence], doc_id: str) -> Iterator[tuple[Document, list[Sentence]]]:
    """CoNLL-U sentences grouped into documents at ``# newdoc`` comments (the whole file when there are none)."""
    group: list[Sentence] = []
    name = doc_id
    number = 0
    for sentence in sentences:
        newdoc = sentence.meta("newdoc id") or (
            "" if not any(c.strip().startswith("newdoc") for c in sentence.comments) else f"{doc_id}:{number + 1}")
        if newdoc and group:
            yield conllu_document(group, name), group
            group = []
        if newdoc:
            number += 1
            name = newdoc
        group.append(sentence)
    if group:
        yield conllu_document(group, name), group
