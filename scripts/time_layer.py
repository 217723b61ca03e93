#!/usr/bin/env python3
"""Time the tagger, the noun-phrase chunker and the entity recogniser on the benchmark news corpus.

Documents are tokenised and split with ruleie's tokenizer. The tagger is timed first,
one document at a time and (with --batch) in batches (``layer.layer_many``); then the
documents are tagged with ruleie.text.tagger (or, with --stand-in-tags or when its model
is missing, with each word's most frequent EWT-train tag, which costs nothing to time),
outside the timed part, and each document goes through ``noun_phrases`` and ``entities``
one call each, as the annotator would, and the seconds are printed. The first pass also
fills the word caches (new word types cost ~20 us each); later passes are the warm cost.

    python scripts/time_layer.py [--corpus PATH] [--limit N] [--repeat 2] [--batch 5000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from ruleie.text.chunker import default_chunker  # noqa: E402
from ruleie.text.entities import default_recognizer  # noqa: E402
from ruleie.text.tokenizer import segment  # noqa: E402


def stand_in_tagger():
    from layer_data import TREEBANK, read_conllu

    counts: dict[str, Counter] = defaultdict(Counter)
    for s in read_conllu(TREEBANK / "en_ewt-ud-train.conllu"):
        for w, u, x in zip(s.words, s.upos, s.xpos):
            counts[w][(u, x)] += 1
    best = {w: c.most_common(1)[0][0] for w, c in counts.items()}

    def tag(words, sentences):
        pairs = [best.get(w) or (("PROPN", "NNP") if w[:1].isupper() else ("NOUN", "NN")) for w in words]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)

    return tag


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/shared/corpus/gmb-voa-news.jsonl")
    ap.add_argument("--limit", type=int, default=0, help="first N documents only")
    ap.add_argument("--repeat", type=int, default=2, help="passes; the first also fills the word caches")
    ap.add_argument("--stand-in-tags", action="store_true")
    ap.add_argument("--batch", type=int, default=0,
                    help="also time ruleie.text.layer.analyse_many with batches of this many tokens")
    args = ap.parse_args()

    tag = None
    if not args.stand_in_tags:
        try:
            from ruleie.text.tagger import default_tagger

            tag = default_tagger().tag_sentences
        except (ImportError, OSError) as exc:
            print(f"tagger unavailable ({exc}); using stand-in tags")
    if tag is None:
        tag = stand_in_tagger()
    texts = []
    with open(args.corpus, encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if args.limit and i >= args.limit:
                break
            texts.append(json.loads(line)["text"])
    # The yardstick, timed on this machine now (a shared machine's speed varies): ruleie's
    # annotator making tokens, sentences and lemmas (1.9 s for the corpus on a quiet machine).
    from ruleie.text.document import annotate

    t0 = time.perf_counter()
    for text in texts:
        annotate(text).column("lemma")
    base = time.perf_counter() - t0
    print(f"reference: ruleie annotate (tokens, sentences, lemmas) {base:.3f} s")
    docs = []
    for text in texts:
        if True:
            starts, ends, sentences = segment(text)
            words = tuple(text[a:b] for a, b in zip(starts, ends))
            upos, xpos = tag(words, sentences)
            docs.append((words, upos, xpos, sentences))
    tokens = sum(len(d[0]) for d in docs)
    chunker, recognizer = default_chunker(), default_recognizer()  # loading is not timed
    print(f"{len(docs)} documents, {tokens:,} tokens")
    if not args.stand_in_tags and tag is not stand_in_tagger:
        from ruleie.text.layer import layer_many

        for rep in range(args.repeat):
            t0 = time.perf_counter()
            for words, _u, _x, sentences in docs:
                tag(words, sentences)
            t1 = time.perf_counter()
            print(f"tagger pass {rep + 1}: {t1 - t0:.3f} s = {(t1 - t0) / tokens * 1e6:.2f} us/token "
                  f"= {(t1 - t0) / base:.2f} x the reference")
            if args.batch:
                t0 = time.perf_counter()
                group: list = []
                size = 0
                for words, _u, _x, sentences in docs + [((), (), (), ())]:
                    if (size >= args.batch or not words) and group:
                        layer_many(group)
                        group, size = [], 0
                    group.append((words, sentences))
                    size += len(words)
                t1 = time.perf_counter()
                print(f"        layer_many tags (batches of {args.batch:,} tokens): {t1 - t0:.3f} s "
                      f"= {(t1 - t0) / tokens * 1e6:.2f} us/token = {(t1 - t0) / base:.2f} x the reference")
    for rep in range(args.repeat):
        # As the annotator calls them: both on one document, then the next (the second
        # call reuses the scores the first computed for both models).
        phrases, found = [], []
        t0 = time.perf_counter()
        for doc in docs:
            nps = chunker(*doc)
            phrases.append(nps)
            found.append(recognizer(*doc, nps))
        t1 = time.perf_counter()
        n_np, n_ent = sum(map(len, phrases)), sum(map(len, found))
        print(f"pass {rep + 1}: {t1 - t0:.3f} s for {n_np:,} noun phrases and {n_ent:,} entities "
              f"= {(t1 - t0) / tokens * 1e6:.2f} us/token = {(t1 - t0) / base:.2f} x the reference")
        if args.batch:
            from ruleie.text.layer import analyse_many

            t0 = time.perf_counter()
            batched = list(analyse_many(docs, batch_tokens=args.batch))
            t1 = time.perf_counter()
            assert batched == list(zip(phrases, found)), "batched results differ"
            print(f"        analyse_many (batches of {args.batch:,} tokens): {t1 - t0:.3f} s "
                  f"= {(t1 - t0) / tokens * 1e6:.2f} us/token = {(t1 - t0) / base:.2f} x the reference")


if __name__ == "__main__":
    main()
