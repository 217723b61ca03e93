"""Benchmark 1: matching cost as the number of rules grows, ruleie against spaCy's Matcher.

Both get the same tokens (spaCy Docs are built from ruleie's tokens) and the same
rules (benchmarks/rulegen.py). First the benchmark checks that both find exactly
the same matches (ruleie's all-matches mode against the Matcher without
``greedy``); then it times matching alone (tokenizing excluded for both) and
reports tokens/s, the ratio (also from CPU time, steadier on a shared machine) and peak
memory. With ``--tokenizing`` the timed pass starts
from the documents' text on both sides, as the rule-scaling target is stated: ruleie
annotates (tokens, sentences) and matches, spaCy tokenizes (``nlp.make_doc``) and matches
(the match check is still made on shared tokens, before timing).

    pip install -e '.[bench]' && python benchmarks/bench_rules.py [--docs 3000] [--sizes 10,100,1000,10000]
    python benchmarks/bench_rules.py --docs 2000 --sizes 10,10000 --repeat 5 --tokenizing --spacy-sizes 10
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Timer, corpus_docs, peak_rss_mb, table  # noqa: E402
from rulegen import corpus_statistics, generate, rule_set  # noqa: E402

import ruleie  # noqa: E402
from ruleie.text.document import Document  # noqa: E402


def one_sentence(doc: Document) -> Document:
    """Matching over the whole document, as spaCy's Matcher does."""
    import attrs

    return attrs.evolve(doc, sentences=((0, len(doc)),)) if len(doc) else doc


def tokenized(d: dict) -> Document:
    """ruleie's side of a --tokenizing pass, before matching: tokens and sentences from the text."""
    return one_sentence(ruleie.annotate(d["text"], d["id"]))


# "ratio (CPU)": spaCy's CPU time over ruleie's best; "ruleie CPU": that best, in seconds.
HEADERS = ["rules", "compile", "ruleie tokens/s", "spaCy tokens/s", "ratio", "ratio (CPU)", "ruleie matches",
           "spaCy matches", "ruleie CPU", "peak RSS"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=0, help="documents of the corpus to use (default all)")
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--check-docs", type=int, default=500, help="documents on which results are compared")
    parser.add_argument("--repeat", type=int, default=1, help="time ruleie's pass this many times, keep the best")
    parser.add_argument("--spacy-sizes", default=None,
                        help="run spaCy (the check and its timing) only at these sizes (default: every size; "
                             "spaCy's Matcher takes minutes with 10,000 rules)")
    parser.add_argument("--tokenizing", action="store_true",
                        help="time tokenizing and matching from the text on both sides (default: matching alone)")
    args = parser.parse_args()
    try:
        import spacy
        from spacy.matcher import Matcher
        from spacy.tokens import Doc
    except ImportError:
        sys.exit("spaCy is not installed: pip install -e '.[bench]'")

    docs = corpus_docs(args.docs or None)
    vocabulary, following = corpus_statistics(docs[:3000])
    annotated = [one_sentence(ruleie.annotate(d["text"], d["id"])) for d in docs]
    for d in annotated:  # both engines get the token texts ready-made
        d.column("lower")
    n_tokens = sum(len(d) for d in annotated)
    nlp = spacy.blank("en")
    spacy_docs = [
        Doc(nlp.vocab, words=[d.text[s:e] for s, e in zip(d.starts, d.ends)] or [""],
            spaces=[e < len(d.text) and d.text[e:e + 1].isspace() for e in d.ends] or [False])
        for d in annotated
    ]
    print(f"corpus: {len(docs)} documents, {n_tokens} tokens")
    if args.tokenizing:  # how much of ruleie's pass is tokenizing, at any number of rules
        tokenizing = tokenizing_cpu = float("inf")
        for _ in range(max(1, args.repeat)):
            with Timer() as t:
                for d in docs:
                    tokenized(d)
            tokenizing, tokenizing_cpu = min(tokenizing, t.seconds), min(tokenizing_cpu, t.cpu)
        print(f"ruleie tokenizing alone: {tokenizing:.3f} s ({n_tokens / tokenizing:,.0f} tokens/s), "
              f"{tokenizing_cpu:.3f} s of CPU")
    rows = []
    sizes = [int(s) for s in args.sizes.split(",")]
    spacy_sizes = set(sizes if args.spacy_sizes is None else (int(s) for s in args.spacy_sizes.split(",")))
    for size in sizes:
        with_spacy = size in spacy_sizes
        generated = generate(size, vocabulary, following)
        with Timer() as compile_time:
            rules = rule_set(generated)
        matcher = Matcher(nlp.vocab)
        for name, _, spacy_pattern in generated:
            matcher.add(name, [spacy_pattern])

        # Same matches first.
        for d, sd in list(zip(annotated, spacy_docs))[: args.check_docs if with_spacy else 0]:
            ours = sorted(rules.match_all(d))
            theirs = sorted((nlp.vocab.strings[m], s, e) for m, s, e in matcher(sd)) if len(d) else []
            if ours != theirs:
                extra, missing = set(ours) - set(theirs), set(theirs) - set(ours)
                sys.exit(f"results differ on {d.id} with {size} rules: ruleie only {sorted(extra)[:5]}, spaCy only {sorted(missing)[:5]}")

        if args.tokenizing:
            def ours_pass() -> int:
                return sum(len(rules.match_all(tokenized(d))) for d in docs)

            def spacy_pass() -> int:
                return sum(len(matcher(nlp.make_doc(d["text"]))) for d in docs)
        else:
            def ours_pass() -> int:
                return sum(len(rules.match_all(d)) for d in annotated)

            def spacy_pass() -> int:
                return sum(len(matcher(sd)) for sd in spacy_docs)

        gc.collect()
        best = best_cpu = float("inf")
        for _ in range(max(1, args.repeat)):
            with Timer() as ours_time:
                found = ours_pass()
            best, best_cpu = min(best, ours_time.seconds), min(best_cpu, ours_time.cpu)
        ours_rate = n_tokens / best
        if with_spacy:
            with Timer() as spacy_time:
                spacy_found = spacy_pass()
            spacy_rate = n_tokens / spacy_time.seconds
            spacy_cells = [f"{spacy_rate:,.0f}", f"{ours_rate / spacy_rate:.1f}×",
                           f"{spacy_time.cpu / best_cpu:.1f}×", spacy_found]
        else:
            spacy_cells = ["—", "—", "—", "—"]
        rows.append([size, f"{compile_time.seconds:.2f} s", f"{ours_rate:,.0f}", *spacy_cells[:3], found,
                     spacy_cells[3], f"{best_cpu:.3f} s", f"{peak_rss_mb():.0f} MB"])
        print(table(HEADERS, rows[-1:]), flush=True)
    print()
    print(table(HEADERS, rows))
    if len(rows) > 1:
        first = float(rows[0][2].replace(",", ""))
        last = float(rows[-1][2].replace(",", ""))
        cpu_first, cpu_last = (float(rows[i][8].removesuffix(" s")) for i in (0, -1))
        what = "tokenizing and matching" if args.tokenizing else "matching alone"
        print(f"\nruleie ({what}): {rows[0][0]} → {rows[-1][0]} rules costs {first / last:.2f}× "
              f"({cpu_last / cpu_first:.2f}× of CPU) "
              + (f"(spaCy {float(rows[0][3].replace(',', '')) / float(rows[-1][3].replace(',', '')):.0f}×)"
                 if rows[0][3] != "—" and rows[-1][3] != "—" else ""))


if __name__ == "__main__":
    main()
