"""Accuracy and speed of ruleie's part-of-speech tagger (ruleie/text/tagger.py).

    # UPOS and XPOS accuracy on the gold tokens of a CoNLL-U file (default: EWT test)
    python scripts/eval_tagger.py [FILE.conllu]

    # time on the news corpus: ruleie's own annotation (tokens, sentences, lemmas),
    # then the tagger over the same documents, cold (empty word cache) and warm
    python scripts/eval_tagger.py --corpus [/work/shared/corpus/gmb-voa-news.jsonl]

The tagger sees each file as one document (all sentences tagged in one call), the
way ruleie tags a document; the cold time includes loading the model.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ruleie.text.conllu import read_conllu  # noqa: E402
from ruleie.text.tagger import MODEL_DIR, Tagger  # noqa: E402

try:  # the Document moved from ruleie.document to ruleie.text
    from ruleie.text import annotate  # type: ignore[attr-defined]
except ImportError:
    try:
        from ruleie.text.document import annotate
    except ImportError:
        from ruleie.document import annotate  # type: ignore[no-redef]

TREEBANK = Path("/work/shared/treebank/en_ewt-ud-test.conllu")
CORPUS = Path("/work/shared/corpus/gmb-voa-news.jsonl")


def accuracy(path: Path, model: Path, confusions: int) -> None:
    sentences = read_conllu(path)
    words, spans = [], []
    for s in sentences:
        spans.append((len(words), len(words) + len(s.words)))
        words += [w.form for w in s.words]
    tagger = Tagger(model)
    timings = []
    for _ in range(2):  # cold (every word type new), then warm (all cached)
        start = time.perf_counter()
        upos, xpos = tagger.tag_sentences(words, spans)
        timings.append(time.perf_counter() - start)
    gold_u = [w.upos for s in sentences for w in s.words]
    gold_x = [w.xpos for s in sentences for w in s.words]
    n = len(words)
    print(f"{path.name}: {len(sentences)} sentences, {n} tokens")
    print(f"UPOS accuracy {100 * sum(map(str.__eq__, upos, gold_u)) / n:.2f} %")
    print(f"XPOS accuracy {100 * sum(map(str.__eq__, xpos, gold_x)) / n:.2f} %")
    print(f"tagging: {n / timings[0]:,.0f} tokens/s cold, {n / timings[1]:,.0f} tokens/s warm")
    if confusions:
        wrong = collections.Counter((g, p) for g, p in zip(gold_x, xpos) if g != p)
        print("most frequent XPOS confusions (gold → predicted):")
        for (g, p), count in wrong.most_common(confusions):
            print(f"  {g:>5} → {p:<5} {count}")


def corpus_speed(path: Path, model: Path) -> None:
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    start = time.perf_counter()
    docs = []
    for text in texts:
        doc = annotate(text)
        doc.column("word")
        doc.column("lemma")
        docs.append(doc)
    base = time.perf_counter() - start
    n = sum(len(d) for d in docs)
    print(f"{path.name}: {len(docs)} documents, {n:,} tokens")
    print(f"ruleie annotation (tokens, sentences, lemmas): {base:.2f} s, {n / base:,.0f} tokens/s")
    start = time.perf_counter()
    tagger = Tagger(model)
    loaded = time.perf_counter() - start
    print(f"tagger model loaded in {loaded:.2f} s")
    for run in ("cold", "warm"):
        start = time.perf_counter()
        for doc in docs:
            tagger.tag_sentences(doc.column("word"), doc.sentences)  # type: ignore[arg-type]
        took = time.perf_counter() - start
        print(f"tagging, {run} word cache: {took:.2f} s, {n / took:,.0f} tokens/s, "
              f"{took / base:.2f} x the annotation time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("conllu", nargs="?", type=Path, default=TREEBANK)
    parser.add_argument("--corpus", nargs="?", type=Path, const=CORPUS, help="time the tagger on a JSONL corpus")
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    parser.add_argument("--confusions", type=int, default=0, help="show the N most frequent XPOS errors")
    args = parser.parse_args()
    if args.corpus:
        corpus_speed(args.corpus, args.model)
    else:
        accuracy(args.conllu, args.model, args.confusions)


if __name__ == "__main__":
    main()
