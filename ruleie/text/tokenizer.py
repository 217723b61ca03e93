"""Text → document tokens and sentences: the default English tokenizer and sentence splitter.

Both work from compiled regular expressions so that a text is read in C, not one
character at a time in Python: ``tokenize`` is a single ``finditer`` pass, and
``split_sentences`` only looks at the few places where a sentence could end.
``segment``, what the annotator calls, finds the same tokens faster: the same
expression preceded by the whitespace before each token and a shortcut for plain words,
read with ``findall`` so that no match object is built (see ``_TOKEN_RUNS``);
``tokenize`` is its reference, and a property test holds them equal.

Offsets are exact: for every span ``(start, end)``, ``text[start:end]`` is the
token, never empty and never containing whitespace, and every non-whitespace
character of the text belongs to exactly one token.

>>> text = "Putin’s forces fired 1,000 rockets at Kyiv, U.S. officials said."
>>> [text[s:e] for s, e in tokenize(text)]  # doctest: +NORMALIZE_WHITESPACE
['Putin', '’s', 'forces', 'fired', '1,000', 'rockets', 'at', 'Kyiv', ',', 'U.S.',
 'officials', 'said', '.']
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate
from operator import sub
from typing import Any, Iterable, Sequence

__all__ = ["tokenize", "split_sentences", "segment", "TITLES", "ABBREVIATIONS", "SENTENCE_STARTERS"]

# Combining marks and joiners continue a word: without them a decomposed "é" or a
# Devanagari vowel sign would be cut off as a token of its own. Python's ``re`` has
# no \p{M}, so the blocks that matter are listed (the Indic and Thai blocks whole:
# their few symbols joining a word is harmless).
_MARK = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u0900-\u0963\u0966-\u0dff\u0e00-\u0e7f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u200c\u200d\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
)
_W = f"[\\w{_MARK}]"  # a word character: Unicode letters, digits, _ and combining marks
_UPPER = "A-ZÀ-ÖØ-Þ"  # upper-case letters that start dotted acronyms and initials

# Titles come before a name, so a period after one never ends a sentence.
TITLES: frozenset[str] = frozenset(
    "Mr Mrs Ms Messrs Mme Mlle Dr Prof Gen Gens Col Lt Maj Capt Cmdr Cmdt Adm Brig Sgt Cpl Pvt "
    "Sen Sens Rep Reps Cong Gov Govs Pres Rev Msgr Fr Hon Supt Insp Det Amb Atty St Ste Ft Mt No".split()
)
# Other abbreviations that keep their period. They often end a sentence ("... and tanks,
# etc."), so after them a sentence ends only before a word in SENTENCE_STARTERS.
ABBREVIATIONS: frozenset[str] = frozenset(
    "Jr Sr Inc Co Corp Ltd Bros Plc Dept Univ Assn Ave Blvd Rd Hwy "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec "
    "etc vs approx est al cf viz ca".split()
)
# Capitalised words that begin sentences but hardly ever follow an acronym or an
# abbreviation inside one: "U.S. President" goes on, "... in the U.S. The talks" ends.
SENTENCE_STARTERS: frozenset[str] = frozenset(
    "The A An He She It They We I You This That These Those There Here His Her Its Their Our My Your "
    "But And Or So Yet If When While After Before Since Although Though Because As Once Until "
    "In On At For From With By During Under Over Meanwhile However Also Still Earlier Later Now Then "
    "Some Many Most Several Other Both Each All Few No Not What Who Whom Whose Which Where Why How "
    "It's That's There's He's She's They're We're I'm It’s That’s There’s He’s She’s They’re We’re I’m".split()
)


def _trie(words: Iterable[str]) -> str:
    """A regex for any one of ``words``, longest first, factored on common prefixes.

    It matches what the alternation of the words sorted longest first matches, but the
    engine tests a word's first letter once instead of once per word: with 77 titles and
    abbreviations that alternation was tried at the start of every token.

    >>> _trie(["Gen", "Gens", "Gov", "Jr"])
    '(?:G(?:en(?:s)?|ov)|Jr)'
    """
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def alternatives(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + alternatives(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer word first

    return alternatives(tree)


# "No." is a title only before a number ("No. 10 Downing Street"); "said no." is a word.
_ABBREV_ALTERNATIVES = _trie((TITLES | ABBREVIATIONS) - {"No"})

# One piece of a word. Order matters: the first alternative that fits wins. The
# lookbehinds keep the pass linear: a dotted or comma-grouped piece is only tried
# where such a run begins, never again inside it ("a.a.a.….x" would be quadratic);
# the lookaheads before them reject ordinary words after a character or two.
_PIECE = rf"""
      (?=[{_UPPER}][a-z]?\.[{_UPPER}])(?<![.\w{_MARK}])
      (?:[{_UPPER}][a-z]?\.)+[{_UPPER}][a-z]?\.?(?!{_W})     # acronyms: U.S.  U.N.  Ph.D.  U.S
    | (?=[a-z]\.[a-z]\.)(?<![.\w{_MARK}])(?:[a-z]\.){{2,}}(?!{_W})   # lower-case ones: a.m.  e.g.
    | [{_UPPER}]\.(?!{_W})                                  # an initial: J. (K. Rowling)
    | (?=\d+,\d)(?<!\d)(?<!\d,)
      (?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,2}}(?:,\d\d)+,\d{{3}})(?!\d){_W}*   # 1,000  1,000,000  1,00,000 (Indian, in wire copy)
    | {_W}+
"""
# What may join two pieces into one token.
_JOIN = rf"""
      [-\u2010\u2011](?={_W})                     # well-known  twenty-three  Minsk-based  U.S.-led
    | ['’](?![sS](?!{_W}))(?={_W})                # don't  O'Brien, but not the clitic in Putin's
    | \.(?=[^\W_{_UPPER}А-ЯЁ])                    # 2.5  1,000.50  bbc.co.uk (not "war.He")
    | (?<=\d)[/:](?=\d)                           # 9/11  24/7  10:30
    | (?<=[A-Z])&(?=[A-Z])                        # AT&T  S&P
    | @(?=\w[\w-]*\.\w)                           # name@example.com
"""
_TOKEN_ALTERNATIVES = rf"""
      (?i:https?://|ftp://|www\.)[^\s<>"“”‘’]*[^\s<>"“”‘’.,;:!?)\]}}'…]   # a URL, without trailing punctuation
    | (?:{_ABBREV_ALTERNATIVES})\.                # Mr.  Gen.  Jan.  etc.
    | No\.(?=\s*\d)
    | ['’][sS](?!{_W})                            # the clitic 's, split off: Putin ’s
    | [@\#]{_W}+                                  # @handle  #hashtag
    | (?:{_PIECE})(?:(?:{_JOIN})(?:{_PIECE}))*    # a word or number
    | -{{2,}} | \.{{2,}}                          # -- and ... as one token each
    | \S[{_MARK}\U0001f3fb-\U0001f3ff]*           # anything else: one character (with its marks)
"""
_TOKEN = re.compile(_TOKEN_ALTERNATIVES, re.VERBOSE)
# segment's form of _TOKEN. Each match is a token with the whitespace before it, so the
# matches tile the text and their texts give the offsets by their lengths. Skipping the
# whitespace possessively finds the token finditer finds, for _TOKEN matches at every
# non-space character. findall stops before the text's trailing whitespace (after the last
# token the search would try every position of it, each time skipping the rest): no
# lookahead of _TOKEN tells that whitespace from the end of the text. The shortcut takes
# a run of ASCII letters followed by whitespace or by punctuation that joins no pieces;
# there _TOKEN matches the same run (its alternatives before the word need a "." or ":"
# after the letters, and the word stops where the run does).
_TOKEN_RUNS = re.compile(
    rf"""\s*+(?: [A-Za-z]++(?=[\s,;!?)\]”"]) | {_TOKEN_ALTERNATIVES})""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the tokens of ``text``, in order.

    >>> tokenize("Kyiv, 23 missiles.")
    [(0, 4), (4, 5), (6, 8), (9, 17), (17, 18)]
    """
    return [m.span() for m in _TOKEN.finditer(text)]


def segment(text: str) -> tuple[tuple[int, ...], tuple[int, ...], list[tuple[int, int]]]:
    """Token starts, token ends and sentence ranges of ``text`` in one pass: what an annotator needs.

    >>> segment("Hi. Bye")
    ((0, 2, 4), (2, 3, 7), [(0, 2), (2, 3)])
    """
    starts, ends, _, sentences = _segment(text)
    return starts, ends, sentences


def _segment(
    text: str,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[str, ...], list[tuple[int, int]]]:
    """``segment`` and the token texts (the annotator's ``word`` column, already sliced)."""
    runs = _TOKEN_RUNS.findall(text, 0, len(text.rstrip()))  # str.isspace is re's \s
    words = tuple(map(str.lstrip, runs))
    ends = tuple(accumulate(map(len, runs)))
    starts = tuple(map(sub, ends, map(len, words)))
    return starts, ends, words, _split(text, starts, ends)


# A place where a sentence may end: terminal punctuation, closing quotes or brackets
# (they stay with the ending sentence), whitespace, then what the next one starts with.
# The run of marks is matched from its first mark only (the lookbehind after it), and
# starting with a character class lets the search skip to the next mark in C instead of
# trying the expression at every character of the text.
_SENTENCE_END = re.compile(
    r"""(?P<end>[.!?…](?<![.!?…][.!?…])[.!?…]*)(?P<close>['"”’»)\]}]*)(?P<space>\s+)"""
    r"""(?=(?P<open>['"“‘«(\[{]*)(?P<next>\S))"""
)
# Every line break ends a sentence: headlines and bylines stand on lines of their own.
_LINE_BREAK_CHARS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"[{_LINE_BREAK_CHARS}]+")
_TERMINAL = frozenset(".!?…")
_OPENING = frozenset("'\"“‘«([{")


def split_sentences(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token ranges ``(start, end)`` of the sentences of ``text`` tokenized as ``spans``.

    The ranges are in order, non-empty and cover every token exactly once. A sentence
    ends at every line break, and after ``. ! ? …`` (with any closing quotes or
    brackets) followed by whitespace and an upper-case or caseless letter, a digit or
    an opening quote. A period kept inside a token marks an abbreviation: after a
    title (``Mr.``, ``Gen.``, ``No.``) the sentence never ends; after another
    abbreviation, an acronym or an initial (``etc.``, ``U.S.``, ``a.m.``, ``J.``) it
    ends only before a word in SENTENCE_STARTERS, so "U.S. President" and
    "J. K. Rowling" go on while "... in the U.S. The talks" ends. A number opening a
    line and its period ("1. First item") stay together.

    >>> text = "Mr. Putin met Lukashenko. They talked.\\nBBC News"
    >>> split_sentences(text, tokenize(text))
    [(0, 5), (5, 8), (8, 10)]
    """
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    return _split(text, starts, ends)


def _split(text: str, starts: Sequence[int], ends: Sequence[int]) -> list[tuple[int, int]]:
    n = len(starts)
    if n == 0:
        return []
    cuts: set[int] = set()
    if any(c in text for c in _LINE_BREAK_CHARS):  # ten scans in C: cheaper than one by the regex
        cuts.update(bisect_left(starts, m.start()) for m in _LINE_BREAK.finditer(text))
    for m in _SENTENCE_END.finditer(text):
        nxt = m.group("next")
        if not (m.group("open") or nxt.isdigit() or (nxt.isalpha() and not nxt.islower())):
            continue
        first = bisect_left(starts, m.start("space"))  # first token of the next sentence
        if first >= n:
            continue
        last = bisect_right(starts, m.end("end") - 1) - 1  # the token holding the final mark
        if last < 0:
            continue  # spans from another tokenizer may leave the mark outside every token
        word = text[starts[last] : ends[last]]
        if _TERMINAL.issuperset(word):
            if word == "." and _is_list_number(text, starts, ends, last - 1):
                continue
        elif not _ends_sentence_after(word, text, starts, ends, first):
            continue
        cuts.add(first)
    bounds = sorted(c for c in cuts if 0 < c < n)
    bounds.append(n)
    sentences = []
    lo = 0
    for hi in bounds:
        sentences.append((lo, hi))
        lo = hi
    return sentences


def _is_list_number(text: str, starts: Sequence[int], ends: Sequence[int], i: int) -> bool:
    """Whether token ``i`` is a number opening a line, as in a numbered list ("1. First item")."""
    if i < 0 or not text[starts[i] : ends[i]].isdigit():
        return False
    return i == 0 or _LINE_BREAK.search(text, ends[i - 1], starts[i]) is not None


def _ends_sentence_after(word: str, text: str, starts: Sequence[int], ends: Sequence[int], first: int) -> bool:
    """Whether a token that keeps its own period (``Mr.``, ``U.S.``, ``etc.``) ends a sentence."""
    if word[:-1] in TITLES:
        return False
    # Skip opening quotes and brackets to reach the next word.
    n = len(starts)
    while first < n - 1 and text[starts[first] : ends[first]] in _OPENING:
        first += 1
    return text[starts[first] : ends[first]] in SENTENCE_STARTERS
