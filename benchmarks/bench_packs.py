"""Two rule sets side by side: what matching costs with each, on the same annotated documents.

    python benchmarks/bench_packs.py OLD.yaml NEW.yaml [--limit 300] [--repeat 5]
    # the shipped pack at an earlier commit against the working tree's:
    git archive 35780f6 rules | tar -x -C /tmp/old && \\
        python benchmarks/bench_packs.py /tmp/old/rules/news.yaml rules/news.yaml
    # one pack, a stage's rules searched per rule against in one pass (RULEIE_MATCH):
    python benchmarks/bench_packs.py rules/news.yaml rules/news.yaml --match per-rule,one-pass

The documents are annotated once, with every layer the packs may ask for computed first,
so the times are matching and record-making alone. The rule sets run alternately, chunk by
chunk, in one process, and each chunk's best time over the repeats is kept (the machine is
shared): the ratio is what "a pack may not get slower" is judged by; a whole ``ruleie run``
of each (``--rules``) adds annotation, the same for both.
"""

from __future__ import annotations

import argparse
import contextlib
import time

from common import corpus_docs

import ruleie
from ruleie.language import corevm
from ruleie.text.linguistic import entity_spans, noun_phrase_spans

CHUNK = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packs", nargs=2, metavar="RULES", help="two rule files: the reference, then the one measured")
    parser.add_argument("--limit", type=int, default=300, help="first N documents of the corpus (default 300)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--match", default="", metavar="HOW,HOW",
                        help="how each rule set's stages are searched: per-rule or one-pass (default: RULEIE_MATCH)")
    args = parser.parse_args()
    ways = args.match.split(",") if args.match else [corevm.matching_name()] * 2

    def way(k: int):  # the block runs with rule set k's way of searching
        return corevm.matching(ways[k]) if corevm.available() else contextlib.nullcontext()

    rule_sets = [ruleie.load_rules(path) for path in args.packs]
    docs = [ruleie.annotate(d["text"], d["id"]) for d in corpus_docs(args.limit)]
    for doc in docs:  # the layer is computed lazily: compute it before timing
        for field in ("lemma", "pos", "tag"):
            doc.column(field)
        noun_phrase_spans(doc)
        entity_spans(doc)
    for k, rules in enumerate(rule_sets):  # warm the caches
        with way(k):
            for doc in docs[:CHUNK]:
                rules.extract(doc)
    chunks = [docs[i : i + CHUNK] for i in range(0, len(docs), CHUNK)]
    best = [[float("inf")] * len(chunks) for _ in rule_sets]
    for _ in range(max(1, args.repeat)):
        for c, chunk in enumerate(chunks):
            for k, rules in enumerate(rule_sets):
                with way(k):
                    start = time.process_time()
                    for doc in chunk:
                        rules.extract(doc)
                    best[k][c] = min(best[k][c], time.process_time() - start)
    totals = [sum(b) for b in best]
    for path, how, total in zip(args.packs, ways, totals):
        print(f"{path} ({how}): {total:.3f} s CPU ({len(docs)} documents, best of {args.repeat} per chunk of {CHUNK})")
    print(f"ratio (second / first): {totals[1] / totals[0]:.3f}")


if __name__ == "__main__":
    main()
