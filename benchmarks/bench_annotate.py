"""What the linguistic layer costs: annotating the corpus with and without it, side by side.

    python benchmarks/bench_annotate.py [--limit N] [--repeat R]

Baseline: tokens, sentences and lemmas (what every rule set pays), one ``annotate`` call per
document. Layer: the same plus parts of speech, noun phrases and entities (what a rule set
that uses `pos`, `tag`, `@NP` or an entity type pays), two ways: documents annotated in
batches (``annotate_many``: the layer runs once per batch of ~5,000 tokens, as ``ruleie
annotate``, ``ruleie run`` and ``RuleSet.extract_many`` do) and one document at a time
(``annotate``, as a lone ``RuleSet.extract`` call gets it). All run in this process over the same documents,
alternating, R times each (best time kept: the machine is shared); models are loaded and
warmed on a few documents first, since a long run loads them once. Wall-clock and CPU
time are both reported (on a loaded machine the CPU ratio is the steadier one). The target
is a ratio <= 2 (batched).
"""

from __future__ import annotations

import argparse
import time

from common import corpus_docs

from ruleie.text.document import annotate, annotate_many
from ruleie.text.linguistic import entity_spans, noun_phrase_spans


def baseline(texts: list[str]) -> int:
    tokens = 0
    for text in texts:
        doc = annotate(text)
        doc.column("lemma")
        tokens += len(doc)
    return tokens


def whole_layer(doc) -> int:  # type: ignore[no-untyped-def]
    """Compute every layer of ``doc`` (lemmas, tags, noun phrases, entities); its tokens."""
    doc.column("lemma")
    doc.column("pos")
    doc.column("tag")
    noun_phrase_spans(doc)
    entity_spans(doc)
    return len(doc)


def layer(texts: list[str]) -> int:
    return sum(whole_layer(doc) for doc in annotate_many(texts))


def layer_per_document(texts: list[str]) -> int:
    return sum(whole_layer(annotate(text)) for text in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N documents (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("baseline", "layer", "per-doc"),
                        help="time one pass alone, to set it beside the same pass of other code "
                             "(PYTHONPATH at a worktree of an older commit): no ratio is printed")
    args = parser.parse_args()
    texts = [d["text"] for d in corpus_docs(args.limit)]
    layer(texts[:20])  # load the models
    runs = tuple((name, run) for name, run in (("baseline", baseline), ("layer", layer), ("per-doc", layer_per_document))
                 if args.only in (None, name))
    best = {name: float("inf") for name, _ in runs}
    cpu = {name: float("inf") for name, _ in runs}  # CPU time: what a loaded machine disturbs least
    tokens = 0
    for _ in range(args.repeat):
        for name, run in runs:
            start, start_cpu = time.perf_counter(), time.process_time()
            tokens = run(texts)
            best[name] = min(best[name], time.perf_counter() - start)
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
    print(f"{len(texts)} documents, {tokens:,} tokens, best of {args.repeat}")
    for name, seconds in best.items():
        print(f"  {name:<9} {seconds:6.2f} s  {tokens / seconds / 1e6:.2f} M tokens/s   CPU {cpu[name]:6.2f} s")
    if args.only:
        return
    print(f"  cost ratio (layer / baseline): {best['layer'] / best['baseline']:.2f}  "
          f"CPU {cpu['layer'] / cpu['baseline']:.2f}  (target <= 2)")
    print(f"  one document at a time (per-doc / baseline): {best['per-doc'] / best['baseline']:.2f}  "
          f"CPU {cpu['per-doc'] / cpu['baseline']:.2f}")


if __name__ == "__main__":
    main()
