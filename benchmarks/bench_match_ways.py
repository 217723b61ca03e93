"""A stage's rules searched one rule at a time against all in one pass (``RULEIE_MATCH``).

    python benchmarks/bench_match_ways.py                      # the shipped packs, 1,000 documents
    python benchmarks/bench_match_ways.py --generated 10000    # 10,000 rules from corpus bigrams (rulegen.py)

The same rule set and the same annotated documents (the layer computed beforehand), both
ways alternating in one process, R times each, the best kept: CPU time of
``Index.match_stage`` alone (the part the two ways differ in) and of whole ``extract`` calls
(records made too), and the ratio one-pass / per-rule. Both ways must give the same records
(checked first). Generated rules run over each document as one sentence, as in
``bench_rules.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_docs  # noqa: E402

import ruleie  # noqa: E402
from ruleie.language import corevm  # noqa: E402
from ruleie.text.linguistic import entity_spans, noun_phrase_spans  # noqa: E402

WAYS = (corevm.PER_RULE, corevm.ONE_PASS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="first N documents of the corpus (default 1,000)")
    parser.add_argument("--generated", type=int, default=0, help="this many generated rules instead of the shipped packs")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not corevm.available():
        sys.exit("the compiled matcher core is not built: both ways run in it")
    raw = corpus_docs(args.docs)
    docs = [ruleie.annotate(d["text"], d["id"]) for d in raw]
    if args.generated:
        import attrs
        from rulegen import corpus_statistics, generate, rule_set

        vocabulary, following = corpus_statistics(raw)
        rules = rule_set(generate(args.generated, vocabulary, following))
        docs = [attrs.evolve(d, sentences=((0, len(d)),)) if len(d) else d for d in docs]
        what = f"{args.generated} generated rules"
    else:
        rules = ruleie.load_rules()
        what = "the shipped packs"
    for doc in docs:  # the layer is computed lazily: compute it before timing
        for field in ("lower", "lemma", "pos", "tag"):
            doc.column(field)
        noun_phrase_spans(doc)
        entity_spans(doc)

    real = corevm.match_stage
    in_core = [0.0]

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        start = time.process_time()
        try:
            return real(*a, **k)
        finally:
            in_core[0] += time.process_time() - start

    corevm.match_stage = timed  # type: ignore[assignment]
    records = {}
    for way in WAYS:  # warm, and the same records both ways
        with corevm.matching(way):
            records[way] = [[r.to_dict() for r in rules.extract(d)] for d in docs]
    if records[corevm.PER_RULE] != records[corevm.ONE_PASS]:
        sys.exit("the two ways gave different records")
    best = {way: [float("inf"), float("inf")] for way in WAYS}
    for repeat in range(max(1, args.repeat)):
        for way in WAYS if repeat % 2 == 0 else WAYS[::-1]:
            with corevm.matching(way):
                in_core[0] = 0.0
                start = time.process_time()
                for doc in docs:
                    rules.extract(doc)
                whole = time.process_time() - start
            best[way] = [min(best[way][0], in_core[0]), min(best[way][1], whole)]
    print(f"{what}, {len(docs)} documents, {sum(len(d) for d in docs):,} tokens, best of {args.repeat} (CPU s):")
    for way in WAYS:
        print(f"  {way:9} match_stage {best[way][0]:.3f}  extract {best[way][1]:.3f}")
    one, per = best[corevm.ONE_PASS], best[corevm.PER_RULE]
    print(f"  one-pass / per-rule: match_stage {one[0] / per[0]:.3f}, extract {one[1] / per[1]:.3f}")


if __name__ == "__main__":
    main()
