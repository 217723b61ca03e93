"""Training and evaluation data for the noun-phrase chunker and the entity recogniser.

A small, self-contained reader of the EWT CoNLL-U and Universal NER IOB2 files in
/work/shared/treebank (see its README.md), used by scripts/train_chunker.py,
scripts/train_entities.py and scripts/eval_layer.py. Not part of the runtime.

The gold base noun phrase (read off a UD tree; the reading is documented in
ruleie/text/models/chunker/README.md and implemented in ``gold_noun_phrases``):

* Heads: every NOUN, PROPN, PRON or NUM token that is not itself swallowed by the
  base noun phrase of another head (so "my" in "my dog", "2" in "2 dogs" and
  "Iraqi" in "the Iraqi prime minister" are not heads of phrases of their own).
* A head's phrase runs leftwards over its contiguous left dependents whose chain of
  relations up to the head uses only ``NP_LEFT_RELATIONS`` (det, det:predet, amod,
  nummod, compound, nmod:poss, nmod:desc, flat, case for the possessive 's ...),
  with the dependents of those dependents ("very" in "a very big dog", "the" and "'s"
  in "the minister's aide"). The first token that does not qualify ends the phrase.
* Rightwards, only ``flat`` dependents (the rest of a name: "Bashar Assad" hangs off
  "Bashar") and their own flat/compound parts extend the phrase.
* A phrase never starts with punctuation, and nested phrases are dropped (the
  outer one wins), so phrases never overlap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TREEBANK = Path(os.environ.get("RULEIE_TREEBANK", "/work/shared/treebank"))
CORPUS = Path(os.environ.get("RULEIE_CORPUS", "/work/shared/corpus/gmb-voa-news.jsonl"))

HEAD_UPOS = frozenset({"NOUN", "PROPN", "PRON", "NUM"})
# Relations of a left dependent (or of a dependent of one) that keep it inside a base NP.
NP_LEFT_RELATIONS = frozenset({
    "det", "det:predet", "det:poss", "amod", "nummod", "compound", "nmod:poss", "nmod:desc",
    "flat", "fixed", "goeswith",
    # Inside a modifier only (their head is not the NP head): "a [very] big dog",
    # "[the] minister['s] aide", "[three] - year - old".
    "advmod", "case", "punct", "cc:preconj",
})
# These may not attach directly to the head: "only the dog", "of dogs" are not in the base NP.
NOT_ON_HEAD = frozenset({"advmod", "case", "punct", "cc:preconj"})
RIGHT_RELATIONS = frozenset({"flat", "compound", "goeswith"})


@dataclass
class Sentence:
    sent_id: str
    doc_id: str
    text: str
    words: list[str] = field(default_factory=list)
    upos: list[str] = field(default_factory=list)
    xpos: list[str] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)  # 0-based, -1 for the root
    deprels: list[str] = field(default_factory=list)


def read_conllu(path: Path | str) -> list[Sentence]:
    sentences: list[Sentence] = []
    doc_id = ""
    current: Sentence | None = None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.startswith("# newdoc id = "):
                doc_id = line[len("# newdoc id = "):]
            elif line.startswith("# sent_id = "):
                current = Sentence(line[len("# sent_id = "):], doc_id, "")
            elif line.startswith("# text = ") and current is not None:
                current.text = line[len("# text = "):]
            elif not line:
                if current is not None and current.words:
                    sentences.append(current)
                current = None
            elif not line.startswith("#") and current is not None:
                cols = line.split("\t")
                if "-" in cols[0] or "." in cols[0]:
                    continue
                current.words.append(cols[1])
                current.upos.append(cols[3])
                current.xpos.append(cols[4])
                current.heads.append(int(cols[6]) - 1)
                current.deprels.append(cols[7])
    if current is not None and current.words:
        sentences.append(current)
    return sentences


def _chain(i: int, head: int, s: Sentence) -> list[int] | None:
    """The tokens on the way from token i up to ``head`` if every relation on it may stay in a base NP."""
    path, j = [], i
    while j != head:
        rel, parent = s.deprels[j], s.heads[j]
        if rel not in NP_LEFT_RELATIONS or parent < 0 or len(path) > len(s.words):
            return None
        if parent == head and rel in NOT_ON_HEAD and not (rel == "case" and s.xpos[j] == "POS"):
            return None
        path.append(parent)
        j = parent
    return path


def _right_end(h: int, s: Sentence) -> int:
    end = h + 1
    while end < len(s.words) and s.heads[end] >= h and s.heads[end] < end and s.deprels[end] in RIGHT_RELATIONS:
        end += 1
    return end


def gold_noun_phrases(s: Sentence) -> list[tuple[int, int, int]]:
    """(start, end exclusive, head) of the base noun phrases of one sentence, by the reading above."""
    spans: list[tuple[int, int, int]] = []
    for h, pos in enumerate(s.upos):
        if pos not in HEAD_UPOS:
            continue
        end = _right_end(h, s)
        start, paths = h, {}
        while start > 0:
            path = _chain(start - 1, h, s)
            if path is None or max(path) >= end:
                break
            start -= 1
            paths[start] = path
        # A dependent whose way up leaves the span on the left ("-" of "15-year" hangs
        # off "15") keeps only what lies right of it: shrink until every path is inside.
        changed = True
        while changed:
            changed = False
            for k in range(start, h):
                if min(paths[k], default=h) < start:
                    start, changed = k + 1, True
        while start < h and s.upos[start] == "PUNCT":
            start += 1
        spans.append((start, end, h))
    # Outer phrases win: drop any phrase inside (or crossing) a longer one.
    spans.sort(key=lambda sp: (-(sp[1] - sp[0]), sp[0]))
    taken = [False] * len(s.words)
    kept: list[tuple[int, int, int]] = []
    for start, end, h in spans:
        if any(taken[start:end]):
            continue
        for k in range(start, end):
            taken[k] = True
        kept.append((start, end, h))
    kept.sort()
    return kept


@dataclass
class NerSentence:
    text: str
    words: list[str]
    spans: list[tuple[int, int, str]]  # (start, end exclusive, PER/ORG/LOC)


def read_iob2(path: Path | str) -> list[NerSentence]:
    out: list[NerSentence] = []
    text = ""
    words: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if words:
            out.append(NerSentence(text, list(words), iob_to_spans(tags)))
        words.clear()
        tags.clear()

    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line.startswith("# text = "):
                text = line[len("# text = "):]
            elif line.startswith("#"):
                continue
            elif not line.strip():
                flush()
            else:
                cols = line.split("\t")
                words.append(cols[1])
                tags.append(cols[2])
    flush()
    return out


def iob_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate(tags + ["O"]):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != label):
            if start >= 0:
                spans.append((start, i, label))
            start, label = (i, tag[2:]) if tag != "O" else (-1, "")
    return spans


def _squash(text: str) -> str:
    return "".join(text.split())


def aligned_ner(split: str) -> list[tuple[Sentence, list[tuple[int, int, str]]]]:
    """EWT sentences of ``split`` with UNER gold spans mapped onto their tokens by character offsets.

    UNER follows an older EWT tokenisation, so tokens are matched through the
    sentence's characters (whitespace removed), not by position. A gold span whose
    edges fall inside an EWT token is widened to whole tokens.
    """
    ewt = read_conllu(TREEBANK / f"en_ewt-ud-{split}.conllu")
    uner = read_iob2(TREEBANK / f"en_ewt-uner-{split}.iob2")
    by_text: dict[str, list[NerSentence]] = {}
    for ns in uner:
        by_text.setdefault(_squash("".join(ns.words)), []).append(ns)
    out: list[tuple[Sentence, list[tuple[int, int, str]]]] = []
    missing = 0
    for s in ewt:
        key = _squash("".join(s.words))
        candidates = by_text.get(key)
        if not candidates:
            missing += 1
            out.append((s, []))
            continue
        ns = candidates.pop(0) if len(candidates) > 1 else candidates[0]
        out.append((s, _map_spans(ns, s)))
    if missing:
        print(f"[layer_data] {split}: {missing} EWT sentences without a UNER match")
    return out


def _offsets(words: list[str]) -> list[tuple[int, int]]:
    pos, spans = 0, []
    for w in words:
        n = len(_squash(w))
        spans.append((pos, pos + n))
        pos += n
    return spans


def _map_spans(ns: NerSentence, s: Sentence) -> list[tuple[int, int, str]]:
    src = _offsets(ns.words)
    dst = _offsets(s.words)
    mapped = []
    for start, end, label in ns.spans:
        c0, c1 = src[start][0], src[end - 1][1]
        toks = [i for i, (a, b) in enumerate(dst) if a < c1 and b > c0]
        if toks:
            mapped.append((toks[0], toks[-1] + 1, label))
    return mapped


def flatten(sentences: list[Sentence]) -> tuple[list[str], list[str], list[str], list[tuple[int, int]]]:
    """Document columns (words, upos, xpos) and sentence ranges of a list of sentences."""
    words: list[str] = []
    upos: list[str] = []
    xpos: list[str] = []
    ranges: list[tuple[int, int]] = []
    for s in sentences:
        ranges.append((len(words), len(words) + len(s.words)))
        words.extend(s.words)
        upos.extend(s.upos)
        xpos.extend(s.xpos)
    return words, upos, xpos, ranges


def tags_for(words: list[str], ranges: list[tuple[int, int]], upos: list[str], xpos: list[str],
             source: str) -> tuple[list[str], list[str]]:
    """The gold tags as given, or the tags ruleie.text.tagger predicts.

    Predicted tags come from the shipped tagger model, or from the model folder named
    by the environment variable RULEIE_TAGGER_DIR (a model trained elsewhere).
    """
    if source == "gold":
        return upos, xpos
    from ruleie.text.tagger import Tagger, default_tagger  # the production tagger

    tagger = Tagger(os.environ["RULEIE_TAGGER_DIR"]) if os.environ.get("RULEIE_TAGGER_DIR") else default_tagger()
    tagged_upos: list[str] = []
    tagged_xpos: list[str] = []
    for docs in _document_slices(ranges):  # one call per stretch of sentences, as a document would be
        a, b = docs[0][0], docs[-1][1]
        pu, px = tagger.tag_sentences(words[a:b], [(s - a, e - a) for s, e in docs])
        tagged_upos += pu
        tagged_xpos += px
    return tagged_upos, tagged_xpos


def _document_slices(ranges: list[tuple[int, int]], size: int = 200) -> list[list[tuple[int, int]]]:
    return [ranges[i:i + size] for i in range(0, len(ranges), size)]


def corpus_sentences() -> list[list[str]]:
    """The unlabelled news corpus, tokenised and split by ruleie's own tokenizer."""
    import json

    from ruleie.text.tokenizer import segment

    out: list[list[str]] = []
    with open(CORPUS, encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["text"]
            starts, ends, sentences = segment(text)
            for a, b in sentences:
                out.append([text[starts[i]:ends[i]] for i in range(a, b)])
    return out


def shipped_vocabulary(min_count: int = 2) -> list[str]:
    """Word forms whose rows ship with the models: EWT train and dev words, news forms seen twice.

    Both models ship rows for the same forms, so the shared engine needs to compute
    none at load time. (Words outside it are featurised on first sight at run time.)
    """
    from collections import Counter

    counts: Counter[str] = Counter()
    for name in ("train", "dev"):
        for s in read_conllu(TREEBANK / f"en_ewt-ud-{name}.conllu"):
            counts.update(s.words)
            counts.update(s.words)  # a treebank word counts as seen twice
    for words in corpus_sentences():
        counts.update(words)
    return sorted(w for w, c in counts.items() if c >= min_count)
