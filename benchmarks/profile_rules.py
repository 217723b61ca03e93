"""Which rules of a rule set cost the most: automaton instructions per rule over the corpus.

    python benchmarks/profile_rules.py [RULES] [--limit 1000] [--top 25]

The compiled core counts, per rule, the instructions its Pike VM and its lookaround set
simulations visit (``Index.profile``): a measure of matching work that, unlike a timing,
does not move with the machine's load, so two versions of a rule can be compared on a
shared machine. Predicate bitsets, lexicon mentions and records are not in it (they are
shared between rules). Needs the compiled core.
"""

from __future__ import annotations

import argparse

from common import corpus_docs

import ruleie
from ruleie.language import corevm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rules", nargs="?", default=None, help="a rule file (default: the shipped pack)")
    parser.add_argument("--limit", type=int, default=1000, help="first N documents of the corpus (default 1000)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if not corevm.active():
        raise SystemExit("profile_rules needs the compiled matcher core (pip install .)")
    rules = ruleie.load_rules(args.rules) if args.rules else ruleie.load_rules()
    docs = [ruleie.annotate(d["text"], d["id"]) for d in corpus_docs(args.limit)]
    rules.extract(docs[0])  # builds the core's index
    index = rules._core_index()
    index.profile()
    for doc in docs:
        rules.extract(doc)
    steps = index.profiled_steps()
    total = sum(steps) or 1
    print(f"{len(docs)} documents, {total:,} instructions visited by {len(rules.rules)} rules")
    ranked = sorted(range(len(steps)), key=lambda k: -steps[k])
    for k in ranked[: args.top]:
        print(f"  {steps[k]:>14,}  {steps[k] / total:6.1%}  {rules.rules[k].name}")


if __name__ == "__main__":
    main()
