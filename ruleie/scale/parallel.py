"""Many documents on many cores: ``ruleie run --jobs N``.

Documents go to worker processes in chunks, at most a few chunks ahead of the
writer, and come back in input order, so the output is byte-for-byte what one
process writes and memory stays flat however long the input. A worker that
dies (killed, out of memory, a crash in native code) loses no document: its
chunk is retried one document per task in a fresh pool, and a document that
kills a worker again is reported as failed, with the others processed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterable, Iterator, Optional, Sequence

from ..engine.ruleset import RuleSet
from ..io.inputs import InputItem
from ..engine.records import FieldValue, Record

Outcome = tuple[str, Optional[list[dict[str, Any]]], Optional[str]]  # doc id, record dicts, error

_WORKER_RULES: Optional[RuleSet] = None


def _init_worker(rules: Optional[RuleSet], paths: Optional[Sequence[str]], options: dict[str, Any]) -> None:
    global _WORKER_RULES
    if rules is not None:  # inherited through fork: nothing to load
        _WORKER_RULES = rules
        return
    from ..api import load_rules

    _WORKER_RULES = load_rules(paths or None, **options)


def _extract_chunk(chunk: list[tuple[str, Optional[str], Optional[str]]]) -> list[Outcome]:
    rules = _WORKER_RULES
    assert rules is not None, "worker not initialised"
    out: list[Outcome] = []
    for doc_id, text, error in chunk:
        if error is not None or text is None:
            out.append((doc_id, None, error or "no text"))
            continue
        try:
            records = rules.extract(text, doc_id=doc_id)
        except Exception as failure:  # reported per document, as in one process
            out.append((doc_id, None, f"{type(failure).__name__}: {failure}"))
        else:
            out.append((doc_id, [r.to_dict() for r in records], None))
    return out


def record_from_dict(rules: RuleSet, data: dict[str, Any]) -> Record:
    """Rebuild a record object from its JSON form (``Record.to_dict``)."""
    cls = rules.record_classes[data["type"]]

    def field(content: Any) -> Any:
        if content is None:
            return None
        if isinstance(content, list):
            return tuple(FieldValue(**item) for item in content)
        return FieldValue(**content)

    fields = {name: field(content) for name, content in data["fields"].items()}
    return cls(doc=data["doc"], rule=data["rule"], start=data["start"], end=data["end"], text=data["text"], **fields)


class ParallelExtractor:
    """Runs ``RuleSet.extract`` over a stream of input items in ``jobs`` processes."""

    def __init__(
        self,
        rules: RuleSet,
        jobs: int,
        *,
        paths: Optional[Sequence[str]] = None,
        options: Optional[dict[str, Any]] = None,
        chunk_size: int = 16,
    ):
        self.rules = rules
        self.jobs = max(1, jobs)
        self.paths = paths
        self.options = options or {}
        self.chunk_size = chunk_size
        methods = multiprocessing.get_all_start_methods()
        # fork hands the compiled rules to the workers for free; elsewhere they load them.
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.worker_deaths = 0

    def _pool(self) -> ProcessPoolExecutor:
        inherited = self.rules if self.context.get_start_method() == "fork" else None
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=self.context,
            initializer=_init_worker,
            initargs=(inherited, self.paths, self.options),
        )

    def run(self, items: Iterable[InputItem]) -> Iterator[tuple[InputItem, list[Record], Optional[str]]]:
        """(item, records, error) per item, in input order."""
        pool = self._pool()
        window: deque[tuple[list[InputItem], Future[list[Outcome]]]] = deque()
        ahead = self.jobs * 4  # chunks in flight: enough to keep workers busy, few enough to keep memory flat
        try:
            for chunk in _chunks(items, self.chunk_size):
                window.append((chunk, pool.submit(_extract_chunk, _payload(chunk))))
                while len(window) >= ahead:
                    done_chunk, future = window.popleft()
                    outcomes, pool = self._collect(done_chunk, future, pool)
                    yield from self._emit(done_chunk, outcomes)
            while window:
                done_chunk, future = window.popleft()
                outcomes, pool = self._collect(done_chunk, future, pool)
                yield from self._emit(done_chunk, outcomes)
        finally:
            for _, future in window:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _collect(
        self, chunk: list[InputItem], future: Future[list[Outcome]], pool: ProcessPoolExecutor
    ) -> tuple[list[Outcome], ProcessPoolExecutor]:
        try:
            return future.result(), pool
        except BrokenProcessPool:
            # A worker died, and the pool with it: every chunk in flight failed.
            self.worker_deaths += 1
            pool.shutdown(wait=False, cancel_futures=True)
            pool = self._pool()
        except CancelledError:
            pass  # submitted to a pool that broke earlier: innocent, just not done
        # Retry this chunk one document per task, so a document that kills a worker
        # again is the only one reported; the chunks after it come here in turn.
        outcomes: list[Outcome] = []
        for item in chunk:
            try:
                outcomes.extend(pool.submit(_extract_chunk, _payload([item])).result())
            except BrokenProcessPool:
                self.worker_deaths += 1
                outcomes.append((item.doc_id, None, "a worker process died while processing this document"))
                pool.shutdown(wait=False, cancel_futures=True)
                pool = self._pool()
        return outcomes, pool

    def _emit(
        self, chunk: list[InputItem], outcomes: list[Outcome]
    ) -> Iterator[tuple[InputItem, list[Record], Optional[str]]]:
        for item, (_doc_id, dicts, error) in zip(chunk, outcomes):
            if error is not None:
                yield item, [], item.error or error
            else:
                yield item, [record_from_dict(self.rules, d) for d in dicts or ()], None


def _payload(chunk: list[InputItem]) -> list[tuple[str, Optional[str], Optional[str]]]:
    return [(item.doc_id, item.text, item.error) for item in chunk]


def _chunks(items: Iterable[InputItem], size: int) -> Iterator[list[InputItem]]:
    chunk: list[InputItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1
