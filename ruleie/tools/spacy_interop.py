"""spaCy interop: a spaCy ``Doc`` in as a ruleie ``Document``, records out as ``doc.spans``.

spaCy is an optional extra (``pip install 'ruleie[spacy]'``); nothing here imports
it until a function needs it, and ``from_spacy`` needs it not at all (it reads the
Doc's attributes).

* ``from_spacy(doc)`` keeps spaCy's tokens (exact character offsets), its sentences
  when the pipeline set them, and its ``lemma``, ``tag``, ``pos``, ``dep`` and
  ``entity`` (the entity label of the token, or None) as token fields; ``doc.ents``
  become mentions of their label (``@PERSON``, ``@GPE``). So rules can say
  ``[tag=NNP]``, ``[pos=VERB]``, ``[entity=PERSON]`` or ``@PERSON``.
* ``RuleSet.extract(spacy_doc)`` converts a Doc this way by itself; ``SpacyAnnotator``
  makes a pipeline the annotator of a rule set, for plain texts.
* ``to_spacy_spans(records, doc)`` writes records into ``doc.spans["ruleie"]`` (label:
  the record type, ``id_``: the rule) and their fields into
  ``doc.spans["ruleie.fields"]`` (label ``Type.field``), for displaCy and spaCy code.

>>> import spacy                                                   # doctest: +SKIP
>>> from spacy.tokens import Span                                  # doctest: +SKIP
>>> nlp = spacy.blank("en")                                        # doctest: +SKIP
>>> doc = nlp("Zelensky met Macron in Paris.")                     # doctest: +SKIP
>>> doc.ents = [Span(doc, 0, 1, "PERSON"), Span(doc, 2, 3, "PERSON")]  # doctest: +SKIP
>>> records = rules.extract(doc)                                   # doctest: +SKIP
>>> to_spacy_spans(records, doc)                                   # doctest: +SKIP
>>> [(s.text, s.label_, s.id_) for s in doc.spans["ruleie"]]       # doctest: +SKIP
[('Zelensky met Macron', 'Meeting', 'meeting.met')]
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence

from ..text.spacy_doc import SPACY_FIELDS, SpacyAnnotator, from_spacy, is_spacy_doc

__all__ = [
    "SpacyAnnotator",
    "from_spacy",
    "to_spacy_spans",
    "spacy_records",
    "displacy_options",
    "is_spacy_doc",
    "SPACY_FIELDS",
]

_INSTALL_HINT = "spaCy is not installed: pip install 'ruleie[spacy]'"


def _require_spacy() -> Any:
    try:
        import spacy
    except ImportError as error:  # pragma: no cover - exercised only without spaCy
        raise ImportError(_INSTALL_HINT) from error
    return spacy


def _as_dict(record: Any) -> Mapping[str, Any]:
    to_dict = getattr(record, "to_dict", None)
    return to_dict() if callable(to_dict) else record


def _field_items(content: Any) -> list[Mapping[str, Any]]:
    if content is None:
        return []
    if isinstance(content, (list, tuple)):
        return [c for c in content if isinstance(c, Mapping)]
    return [content] if isinstance(content, Mapping) else []


def to_spacy_spans(records: Iterable[Any], doc: Any, key: str = "ruleie", *,
                   fields_key: Optional[str] = None) -> Any:
    """Write records into ``doc.spans[key]`` and their fields into ``doc.spans[fields_key]``.

    Each record becomes a span labelled with its type whose ``id_`` is the rule that
    made it; ``doc.spans[key].attrs["records"]`` holds the records' JSON form
    (RECORDS.md), one per span in the same order. Each field value becomes a span
    labelled ``Type.field`` in ``fields_key`` (default ``key + ".fields"``), with
    ``attrs["records"]`` giving the index of its record. Character offsets are
    widened to token boundaries (``alignment_mode="expand"``). Existing groups of
    those names are replaced. Returns the records' span group.

    Raises ValueError when a record's text is not the Doc's text at its offsets
    (records of another document).
    """
    _require_spacy()
    from spacy.tokens import SpanGroup

    fields_key = fields_key if fields_key is not None else f"{key}.fields"
    text: str = doc.text
    spans, kept, field_spans, owners = [], [], [], []
    for record in records:
        r = dict(_as_dict(record))
        start, end = int(r["start"]), int(r["end"])
        if not (0 <= start <= end <= len(text)) or ("text" in r and r["text"] != text[start:end]):
            raise ValueError(
                f"record {r.get('type')} ({r.get('rule')}) at {start}-{end} does not match this Doc's text"
            )
        span = doc.char_span(start, end, label=str(r["type"]), alignment_mode="expand")
        if span is None:  # only whitespace there: no token to hold it
            continue
        span.id_ = str(r.get("rule", ""))
        k = len(spans)
        spans.append(span)
        kept.append(r)
        for name, content in (r.get("fields") or {}).items():
            for item in _field_items(content):
                fs, fe = int(item["start"]), int(item["end"])
                fspan = doc.char_span(fs, fe, label=f"{r['type']}.{name}", alignment_mode="expand")
                if fspan is None:
                    continue
                fspan.id_ = span.id_
                field_spans.append(fspan)
                owners.append(k)
    group = SpanGroup(doc, name=key, attrs={"records": kept}, spans=spans)
    doc.spans[key] = group
    doc.spans[fields_key] = SpanGroup(doc, name=fields_key, attrs={"records": owners}, spans=field_spans)
    return group


def spacy_records(doc: Any, key: str = "ruleie") -> list[tuple[Any, Mapping[str, Any]]]:
    """The ``(span, record)`` pairs that ``to_spacy_spans`` wrote under ``key``."""
    group = doc.spans[key]
    records = group.attrs.get("records", [])
    if len(records) != len(group):
        raise ValueError(f"doc.spans[{key!r}] was changed after to_spacy_spans: {len(group)} spans, {len(records)} records")
    return list(zip(group, records))


def displacy_options(key: str = "ruleie", types: Sequence[str] = (), doc: Any = None) -> dict[str, Any]:
    """Options for ``displacy.render(doc, style="span", options=...)`` in the HTML report's colours.

    ``types`` fixes the colour order (pass the rule set's record types to match the
    report); without it, the labels of ``doc.spans[key]`` in order of appearance.

    >>> displacy_options(types=["Strike", "Statement"])
    {'spans_key': 'ruleie', 'colors': {'Strike': '#f3bebe', 'Statement': '#bcd6e8'}}
    """
    from ..io.report import tint, type_colour

    names = list(dict.fromkeys(types))
    if not names and doc is not None and key in doc.spans:
        names = list(dict.fromkeys(span.label_ for span in doc.spans[key]))
    return {"spans_key": key, "colors": {t: tint(type_colour(i), 0.3) for i, t in enumerate(names)}}
