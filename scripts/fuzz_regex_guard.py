"""Search for token regexes the guard accepts but Python's ``re`` runs slowly on.

    python scripts/fuzz_regex_guard.py [--seed S] [--count N] [--seconds T]

Draws N random regexes (a wider grammar than the property test in
tests/robustness/test_matching_limits.py), keeps those ``regex_hazard`` accepts, and
times ``re.fullmatch`` of each on adversarial words of the capped length. Prints every
regex that takes longer than T seconds (a hole in the guard) and a count; exits 1 when
it found one. Needs SIGALRM (Unix).
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import sys

from ruleie.language.regex_guard import MAX_REGEX_VALUE_LENGTH, regex_hazard

ATOMS = ["a", "b", ".", "[ab]", r"\w", "x", "-", "a?", "b?", r"\d", "[^b]", ","]
QUANTIFIERS = ["*", "+", "?", "{1,5}", "{2}", "*?", "{0,20}", "+?", "{2,}", "??"]
HALF = MAX_REGEX_VALUE_LENGTH // 2
WORDS = ["a" * MAX_REGEX_VALUE_LENGTH + "!", "1" * MAX_REGEX_VALUE_LENGTH + "!"] + [
    pair * HALF + "!" for pair in ("ab", "ba", "x-", "a,")
]


def random_regex(rng: random.Random, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.3:
        return rng.choice(ATOMS)
    r = rng.random()
    if r < 0.4:
        return random_regex(rng, depth - 1) + random_regex(rng, depth - 1)
    if r < 0.6:
        return "(" + "|".join(random_regex(rng, depth - 1) for _ in range(rng.randint(2, 3))) + ")"
    return "(" + random_regex(rng, depth - 1) + ")" + rng.choice(QUANTIFIERS)


class _Slow(Exception):
    pass


def _alarm(signum, frame):
    raise _Slow()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    signal.signal(signal.SIGALRM, _alarm)
    accepted = slow = 0
    for _ in range(args.count):
        regex = random_regex(rng, 5)
        try:
            re.compile(regex)
        except re.error:
            continue
        if regex_hazard(regex) is not None:
            continue
        accepted += 1
        signal.setitimer(signal.ITIMER_REAL, args.seconds)
        try:
            for word in WORDS:
                re.fullmatch(regex, word)
        except _Slow:
            print(f"slow: {regex}", flush=True)
            slow += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    print(f"{args.count} drawn, {accepted} accepted by the guard, {slow} slow")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
