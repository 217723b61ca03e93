"""Generate N token rules that both ruleie and spaCy's Matcher can express (LOWER, IN, REGEX, OP).

Each rule begins with a word from the corpus (ranks 100-20,000 of the lower-cased
vocabulary, so rules look like real anchored rules: most are rare, some frequent)
and continues with one of a few shapes built from words that really follow it in
the corpus, so rules do match. The same seed gives the same rules.

    python benchmarks/rulegen.py 1000 out.yaml      # a ruleie rule file (and out.spacy.json)
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_docs  # noqa: E402

import ruleie  # noqa: E402
from ruleie.rules.spec import RuleSetSpec, RuleSpec, TypeSpec  # noqa: E402

WORD = re.compile(r"[a-z]+")


def corpus_statistics(docs: Iterable[dict]) -> tuple[list[str], dict[str, Counter]]:
    counts: Counter = Counter()
    following: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        d = ruleie.annotate(doc["text"])
        lowers = d.column("lower") or ()
        counts.update(lowers)
        for a, b in zip(lowers, lowers[1:]):
            if WORD.fullmatch(a) and WORD.fullmatch(b):
                following[a][b] += 1
    vocabulary = [w for w, _ in counts.most_common() if WORD.fullmatch(w)]
    return vocabulary, following


def generate(n: int, vocabulary: list[str], following: dict[str, Counter], seed: int = 0) -> list[tuple[str, str, list[dict]]]:
    """(name, ruleie pattern, spaCy pattern) for n rules."""
    rng = random.Random(seed)
    anchors = [w for w in vocabulary[100:20000] if following.get(w)]
    rules = []
    for i in range(n):
        w1 = rng.choice(anchors)
        nexts = [w for w, _ in following[w1].most_common(8)] or [rng.choice(vocabulary[:500])]
        w2 = rng.choice(nexts)
        shape = i % 5
        if shape == 0:  # a bigram
            pattern = f"[lower={w1}] [lower={w2}]"
            spacy = [{"LOWER": w1}, {"LOWER": w2}]
        elif shape == 1:  # a word then one of a few
            options = sorted(set(nexts[:4]))
            pattern = f"[lower={w1}] [lower=/{'|'.join(options)}/]"
            spacy = [{"LOWER": w1}, {"LOWER": {"IN": options}}]
        elif shape == 2:  # an optional token in between
            w3 = rng.choice([w for w, _ in following.get(w2, Counter({w2: 1})).most_common(5)] or [w2])
            pattern = f"[lower={w1}] []? [lower={w3}]"
            spacy = [{"LOWER": w1}, {"OP": "?"}, {"LOWER": w3}]
        elif shape == 3:  # a suffix regex
            suffix = rng.choice(["ed", "ing", "s", "ly", "tion"])
            pattern = f"[lower={w1}] [lower=/[a-z]+{suffix}/]"
            spacy = [{"LOWER": w1}, {"LOWER": {"REGEX": f"^[a-z]+{suffix}$"}}]
        else:  # one of two first words, then a repeated word
            other = rng.choice(anchors)
            pattern = f"[lower={w1} | lower={other}] [lower={w2}]+"
            spacy = [{"LOWER": {"IN": [w1, other]}}, {"LOWER": w2, "OP": "+"}]
        rules.append((f"gen{i:05d}", pattern, spacy))
    return rules


def rule_set(rules: list[tuple[str, str, list[dict]]]) -> ruleie.RuleSet:
    """A compiled ruleie rule set of the generated rules (one record type, every rule stage 1)."""
    spec = RuleSetSpec(
        types={"Hit": TypeSpec("Hit", "record", conflict="keep-all")},
        lexicons={},
        vars={},
        rules=tuple(RuleSpec(name, "Hit", p, ruleie.parse_pattern(p)) for name, p, _ in rules),
    )
    # Sentences are not cut: spaCy's Matcher sees whole documents too.
    return ruleie.RuleSet(spec, max_sentence_tokens=0)


def write_yaml(rules: list[tuple[str, str, list[dict]]], path: Path) -> None:
    lines = ["ruleie: 1", "types:", "  Hit: {kind: record, conflict: keep-all}", "rules:"]
    for name, pattern, _ in rules:
        lines.append(f"  - {{name: {name}, type: Hit, pattern: '{pattern}'}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    count, out = int(sys.argv[1]), Path(sys.argv[2])
    vocab, follow = corpus_statistics(corpus_docs(3000))
    generated = generate(count, vocab, follow)
    write_yaml(generated, out)
    out.with_suffix(".spacy.json").write_text(json.dumps({n: s for n, _, s in generated}), encoding="utf-8")
    print(f"wrote {count} rules to {out} and {out.with_suffix('.spacy.json')}")
