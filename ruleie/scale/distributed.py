"""ruleie on a Dask cluster: a compiled rule set mapped over bags, dataframes or streams.

The rule set travels to each worker once (a single task in the graph that every
partition depends on; unpickling it on a worker compiles it once per process),
and results come back in input order, so a cluster run gives exactly the records
of a local run. Dask is an optional extra: ``pip install 'ruleie[dask]'``.

    from dask.distributed import Client
    import dask.bag as db, ruleie
    from ruleie.scale.distributed import extract_bag

    client = Client("tcp://scheduler:8786")
    rules = ruleie.load_rules()
    docs = db.read_text("news/*.jsonl").map(json.loads)     # {"id", "text"} dicts
    records = extract_bag(rules, docs).compute()          # record dicts (RECORDS.md)
"""

from __future__ import annotations

from collections import deque
from typing import Any, Iterable, Iterator, Optional

from ..engine.ruleset import RuleSet
from ..io.inputs import InputItem
from .parallel import record_from_dict
from ..engine.records import Record

RecordDict = dict[str, Any]


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("ruleie.scale.distributed needs Dask: pip install 'ruleie[dask]'") from error


def _document(item: Any, number: int) -> tuple[str, str]:
    if isinstance(item, dict):
        return str(item.get("id", f"doc{number}")), item["text"]
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return str(item[0]), item[1]
    return f"doc{number}", item


def _extract_partition(items: Iterable[Any], rules: RuleSet) -> list[RecordDict]:
    out: list[RecordDict] = []
    for number, item in enumerate(items):
        doc_id, text = _document(item, number)
        out.extend(r.to_dict() for r in rules.extract(text, doc_id=doc_id))
    return out


def extract_bag(rules: RuleSet, bag: Any) -> Any:
    """A Dask bag of record dicts (RECORDS.md JSON form) from a bag of documents.

    Documents are ``{"id", "text"}`` dicts, ``(id, text)`` pairs or texts.
    """
    _require_dask()
    import dask

    shipped = dask.delayed(rules, traverse=False)  # one task: each worker receives it once
    return bag.map_partitions(_extract_partition, shipped)


def _extract_frame(frame: Any, rules: RuleSet, id_column: str, text_column: str) -> Any:
    import json

    import pandas as pd

    rows = []
    for doc_id, text in zip(frame[id_column], frame[text_column]):
        for record in rules.extract(text, doc_id=str(doc_id)):
            d = record.to_dict()
            rows.append({"doc": d["doc"], "type": d["type"], "rule": d["rule"], "start": d["start"],
                         "end": d["end"], "text": d["text"], "fields": json.dumps(d["fields"], ensure_ascii=False)})
    return pd.DataFrame(rows, columns=list(_FRAME_COLUMNS))


_FRAME_COLUMNS = {"doc": "object", "type": "object", "rule": "object", "start": "int64", "end": "int64",
                  "text": "object", "fields": "object"}


def extract_dataframe(rules: RuleSet, frame: Any, *, id_column: str = "id", text_column: str = "text") -> Any:
    """A Dask dataframe of records (one row each; ``fields`` as a JSON string) from one of documents."""
    _require_dask()
    import dask

    shipped = dask.delayed(rules, traverse=False)
    return frame.map_partitions(_extract_frame, shipped, id_column, text_column, meta=_FRAME_COLUMNS)


def _extract_chunk(chunk: list[tuple[str, Optional[str], Optional[str]]], rules: RuleSet) -> list[tuple[str, Optional[list[RecordDict]], Optional[str]]]:
    out: list[tuple[str, Optional[list[RecordDict]], Optional[str]]] = []
    for doc_id, text, error in chunk:
        if error is not None or text is None:
            out.append((doc_id, None, error or "no text"))
            continue
        try:
            out.append((doc_id, [r.to_dict() for r in rules.extract(text, doc_id=doc_id)], None))
        except Exception as failure:  # per document, as in one process
            out.append((doc_id, None, f"{type(failure).__name__}: {failure}"))
    return out


class ClusterExtractor:
    """``ruleie run --dask ADDRESS``: the same stream of (item, records, error) as a local run."""

    def __init__(self, rules: RuleSet, address: str, *, chunk_size: int = 64, ahead: int = 32):
        _require_dask()
        from dask.distributed import Client

        self.rules = rules
        self.client = Client(address)
        self.chunk_size = chunk_size
        self.ahead = ahead
        # Scattered once; every task refers to the same copy on each worker.
        self.shipped = self.client.scatter(rules, broadcast=True)

    def run(self, items: Iterable[InputItem]) -> Iterator[tuple[InputItem, list[Record], Optional[str]]]:
        window: deque[tuple[list[InputItem], Any]] = deque()
        chunk: list[InputItem] = []

        def submit(chunk: list[InputItem]) -> None:
            payload = [(i.doc_id, i.text, i.error) for i in chunk]
            window.append((chunk, self.client.submit(_extract_chunk, payload, self.shipped, pure=False)))

        def drain(limit: int) -> Iterator[tuple[InputItem, list[Record], Optional[str]]]:
            while len(window) > limit:
                done, future = window.popleft()
                for item, (_id, dicts, error) in zip(done, future.result()):
                    if error is not None:
                        yield item, [], item.error or error
                    else:
                        yield item, [record_from_dict(self.rules, d) for d in dicts or ()], None

        try:
            for item in items:
                chunk.append(item)
                if len(chunk) >= self.chunk_size:
                    submit(chunk)
                    chunk = []
                    yield from drain(self.ahead)
            if chunk:
                submit(chunk)
            yield from drain(0)
        finally:
            self.client.close()
