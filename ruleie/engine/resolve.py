"""Document-level name resolution: the fullest name a document uses for an entity.

"Zelensky" → "Volodymyr Zelensky" (a shorter form of a longer name in the same
document); "the Russian president" → "Vladimir Putin" (a title phrase that the
document attached to a person: "Russian President Vladimir Putin", the nearest such
person before the phrase); "Russian" → "Russia" (a demonym names its country); "he" →
the nearest name before it outside quotation marks (of the pronoun's gender or of none
known, where the rule files declare genders); "which" in
"Sweden, which said" → the name right before the relative pronoun; "they" → the group that opens a
clause before it; "The two leaders" after "X met Y" → "X and Y" (the parties named before it).

The engine knows none of these words or types: what counts as a name, which captures
hold a name and its title, the demonym table and the pronouns all come from the rule
files' ``names:`` section (``rules.spec.NamesSpec``). A rule set that declares no name
types gets no canonical names.

Every lookup goes through indexes built once per document (names by their first and
last words, by start token), so resolving all the fields of a document costs about as
much as reading its names, not names × fields.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cached_property
from typing import Mapping, NamedTuple, Optional

from ..rules.spec import NamesSpec
from ..text.document import Document, Mention

# Words that do not distinguish one title from another ("the Russian president" = "Russian President").
_TITLE_STOPWORDS = frozenset({"the", "a", "an", "his", "her", "its", "their", "of", "'s", "’s", "former", "then"})
_WORD = re.compile(r"[\w’'.-]+")
_LEADING_THE = re.compile(r"^(?:the|The)\s+")
# How many names back a pronoun looks for one of its gender.
_AGREEMENT_REACH = 30
# What may stand between a name and the relative pronoun that refers to it ("Sweden, which").
_RELATIVE_GAP = frozenset({",", "-", "–", "—", "--"})
# How many sentences before its own a group pronoun looks back for its group.
_GROUP_REACH = 1
# Words that may open a sentence before its group pronoun ("But they say …", "And, they added, …").
_CLAUSE_OPENERS = frozenset({"but", "and", "yet", "still", "however", "so", "also", ","})
# How many sentences back a one-word group ("Officials say …") looks for a fuller mention of the same
# group ("Pakistani officials say …") to stand for it.
_FULLER_GROUP_REACH = 3
# The words a definite description opens with, and how many sentences before its own it looks back.
_DEFINITE = frozenset({"the", "this", "that"})
_DESCRIPTION_REACH = 3
_DESCRIPTION_LENGTH = 6
# How many sentences after its own a pronoun with no name before it looks for one.
_FORWARD_REACH = 2
# sentences that open with the same pronoun, walked back over to the one that says who it is:
# "A navy spokesman said …. He said …. He added …"
_CHAIN_REACH = 3
# the longest role noun phrase that stands for a pronoun ("The director of Afghanistan's prisons")
_ROLE_LENGTH = 12
_ARTICLES = frozenset({"a", "an", "the"})
_PHRASE_BREAKS = frozenset({",", "(", "-", "–", "—", "--", ":", ";", '"', "“", "”"})
# words that may end a subject before its verb without being part of the role phrase
_TRAILING_TIME = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                            "today", "yesterday", "tonight", "also", "later", "earlier", "then", "on", "in", "at"})
# Tags of a finite verb: the end of a sentence's subject.
_FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})
# Words that open no fuller form of a group: an indefinite or a count is another part of it.
_NOT_FULLER = frozenset({"a", "an", "some", "several", "many", "few", "other", "two", "three", "four", "five", "dozens", "hundreds"})
# A fronted phrase before the main clause ("During his seven-day visit to Spain,") is at most this
# many tokens; the main clause's name comes at most _TITLE_REACH title words after its comma.
_FRONTED_REACH = 16
_TITLE_REACH = 4
# The words a fronted phrase opens with ("He praised his successor, Umaru Yar'Adua" has none: its
# comma opens an apposition, not the main clause).
_FRONTING_WORDS = frozenset({
    "during", "after", "before", "on", "in", "at", "while", "when", "upon", "following", "since", "as",
    "despite", "ahead", "throughout", "until", "by", "for", "with", "without", "unlike", "like", "once",
})
# Words after which a name in a longer span is a complement, not who the span names; and the
# marks before which a name is the owner of what the span names ("Rwanda's President").
_COMPLEMENT_WORDS = frozenset({"of", "for", "from", "in"})
# Lower-case words that make another title of a title ("the vice president" is not the president).
_TITLE_MODIFIERS = frozenset({"vice", "deputy", "prime", "foreign", "defense", "defence", "interior", "finance",
                              "justice", "assistant", "associate", "junior", "lieutenant", "under", "co", "chief"})
# Modifiers of a title phrase that point to another holder than the one named ("the former president").
_OTHER_HOLDER = frozenset({"former", "ex", "late", "then", "new", "incoming", "outgoing", "future", "next", "previous", "acting"})
# What opens a plural noun that refers back to parties ("the two leaders", "both sides"), the counts
# it may give, how many sentences before its own it looks back, and its longest span.
_PARTY_OPENERS = frozenset({"the", "both", "these", "those", "all"})
_PARTY_COUNTS = {"two": 2, "three": 3, "four": 4, "both": 2}
_PARTY_REACH = 2
_PARTY_LENGTH = 5
# words after a plural noun that give the parties in its own phrase ("The foreign ministers of Japan and Korea")
_PARTY_COMPLEMENTS = frozenset({"of", "from"})
_PARTY_OBJECT_MARKS = frozenset({"with"})
_POSSESSIVE_MARKS = frozenset({"'s", "’s", "'", "’"})
# Capitalised words that make a place of a place ("Southern Sudan"), not a name of something else ("Air France").
_PLACE_MODIFIERS = frozenset({
    "the", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "upper",
    "lower", "greater", "new", "northeastern", "northwestern", "southeastern", "southwestern", "inner", "outer",
    "latin",
})


def _title_key(text: str) -> frozenset[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return frozenset(w for w in words if w not in _TITLE_STOPWORDS)


_OPENING_QUOTES = frozenset({"“", "«"})
_CLOSING_QUOTES = frozenset({"”", "»"})
_STRAIGHT_QUOTES = frozenset({'"', "''"})


def _quoted_tokens(doc: Document) -> frozenset[int]:
    """The tokens between quotation marks. A straight quote opens or closes by turns; a
    paragraph break closes what is open (a quotation running over paragraphs opens again
    on each one), so one unbalanced mark cannot quote the rest of a document."""
    inside: list[int] = []
    words = doc.column("word")
    text = doc.text
    is_open = False
    for i, word in enumerate(words):
        if is_open and i and "\n" in text[doc.ends[i - 1] : doc.starts[i]]:
            is_open = False
        if word in _OPENING_QUOTES:
            is_open = True
        elif word in _CLOSING_QUOTES:
            is_open = False
        elif word in _STRAIGHT_QUOTES:
            is_open = not is_open
        elif is_open:
            inside.append(i)
    return frozenset(inside)


class _Name:
    """One name mention: its text, lower-cased words and token span (the name part)."""

    __slots__ = ("mention", "text", "words", "start", "end")

    def __init__(self, mention: Mention, text: str, words: tuple[str, ...], start: int, end: int):
        self.mention = mention
        self.text = text
        self.words = words
        self.start = start
        self.end = end


class _PronounIndex(NamedTuple):
    """What person pronouns look up (see ``NameResolver._pronouns``)."""

    names: list[_Name]
    ends: list[int]
    ids: set[int]


class _GroupIndex(NamedTuple):
    """What group pronouns look up (see ``NameResolver._group_index``)."""

    subjects: dict[int, list[tuple[int, frozenset[str], Mention]]]
    starts: list[int]
    kinds: list[frozenset[str]]
    groups: list[Mention]
    group_ends: list[int]


class NameResolver:
    """Answers ``canonical(token_start, token_end)`` for the spans of one document."""

    def __init__(self, doc: Document, ancestors: Mapping[str, frozenset[str]], names: NamesSpec = NamesSpec()):
        self.doc = doc
        self.spec = names
        wanted = frozenset(names.types)
        self._names: list[_Name] = []
        for m in doc.mentions:
            if not wanted & ancestors.get(m.type, frozenset({m.type})):
                continue
            s, e = self._name_span(m)
            words = tuple(doc.text[doc.starts[i] : doc.ends[i]].lower() for i in range(s, e))
            self._names.append(_Name(m, doc.text[doc.starts[s] : doc.ends[e - 1]], words, s, e))
        self._names.sort(key=lambda n: (n.start, -n.end))
        self._starts = [n.start for n in self._names]
        # reach[k]: the furthest end among the first k + 1 names (is a span inside some name?)
        self._reach: list[int] = []
        for name in self._names:
            self._reach.append(max(name.end, self._reach[-1] if self._reach else 0))
        # The fullest name that begins or ends with some words: longest, then earliest.
        self._fullest_by_part: dict[tuple[str, ...], _Name] = {}
        for name in self._names:
            for k in range(1, len(name.words) + 1):
                for part in (name.words[:k], name.words[-k:]):
                    best = self._fullest_by_part.get(part)
                    if best is None or len(name.words) > len(best.words):
                        self._fullest_by_part[part] = name
        # Per title key, the names that carried it, in document order (their ends, and their
        # fullest forms): "the president" is the nearest one before it, as a reader takes it
        # in a brief with two presidents.
        self._titles: dict[frozenset[str], tuple[list[int], list[str]]] = {}
        titled: dict[frozenset[str], list[tuple[int, str]]] = {}
        # and per head word of a title ("secretary" of "Defense Secretary", "minister" of "Minister of
        # Finance"), each carrier with its whole title key: "the secretary" when no name carried the
        # bare title, "the Polish minister" for "Polish Foreign Minister Adam Rotfeld"
        self._keyed_heads: dict[str, list[tuple[int, frozenset[str], str]]] = {}
        if names.title_capture:
            for name in self._names:
                title = name.mention.fields.get(names.title_capture)
                title_text = getattr(title, "text", title)
                if isinstance(title_text, str) and title_text:
                    key = _title_key(title_text)
                    if key:
                        carrier = (name.end, self._fullest(name.words) or name.text)
                        titled.setdefault(key, []).append(carrier)
                        head = _WORD.findall(re.split(r"\s+of\s+", title_text)[0].lower())
                        if head:
                            self._keyed_heads.setdefault(head[-1], []).append((carrier[0], key, carrier[1]))
        for key, carriers in titled.items():
            carriers.sort(key=lambda carrier: carrier[0])
            self._titles[key] = ([end for end, _ in carriers], [text for _, text in carriers])
        for keyed in self._keyed_heads.values():
            keyed.sort(key=lambda carrier: carrier[0])
        self._title_heads: dict[str, tuple[list[int], list[str]]] = {
            head: ([end for end, _, _ in keyed], [text for _, _, text in keyed]) for head, keyed in self._keyed_heads.items()}
        self._ancestors = ancestors
        self._people = frozenset({names.pronoun_type}) if names.pronoun_type else frozenset()

    # The indexes below serve particular questions (a pronoun, a description, a relative pronoun):
    # built on the first such question, so a document that asks none does not pay for them.

    @cached_property
    def _quoted(self) -> frozenset[int]:
        """The tokens inside quotation marks. A name inside a quotation is the quoted speaker's topic,
        not someone the narrative goes on about: ‘Brown said "Obi is wrong." He added …’ — "He" is Brown."""
        return _quoted_tokens(self.doc)

    @cached_property
    def _pronouns(self) -> "_PronounIndex":
        """The names a person pronoun may stand for (of ``pronoun_type``, outside quotation marks), by end."""
        names, ancestors = self.spec, self._ancestors
        found = sorted((n for n in self._names if (names.pronoun_type is None
                        or names.pronoun_type in ancestors.get(n.mention.type, frozenset({n.mention.type})))
                        and n.start not in self._quoted), key=lambda n: n.end)
        return _PronounIndex(found, [n.end for n in found], {id(n) for n in found})

    @cached_property
    def _group_kinds(self) -> frozenset[str]:
        """The types any group pronoun stands for (``group_types`` and every pronoun's own)."""
        return frozenset(self.spec.group_types).union(*self.spec.group_pronoun_types.values())

    @cached_property
    def _group_index(self) -> "_GroupIndex":
        """Per sentence, the first mention that opens it (or a clause after a comma) and is a group or a
        person: a group pronoun ("they") stands for the group subject nearest before it. With them, the
        starts and types of the mentions a group pronoun could stand for (groups and people: a date
        between "Defense lawyers boycotted Thursday's session because they say" is no rival), and the
        group mentions by end (the fuller form of a one-word group)."""
        doc, names, ancestors = self.doc, self.spec, self._ancestors
        index = _GroupIndex({}, [], [], [], [])
        groups = self._group_kinds
        if names.group_pronouns and groups:
            for m in sorted(doc.mentions, key=lambda m: (m.start, -m.end)):
                kinds = ancestors.get(m.type, frozenset({m.type}))
                is_group = bool(groups & kinds)
                if not (is_group or self._people & kinds):
                    continue
                index.starts.append(m.start)
                index.kinds.append(kinds)
                if is_group:
                    index.groups.append(m)
                if m.start in self._quoted:
                    continue
                first = doc.sentence_of(m.start)[0]
                if m.start == first or self._word(m.start - 1) == ",":
                    index.subjects.setdefault(first, []).append((m.start, kinds, m))
            index.groups.sort(key=lambda m: m.end)
            index.group_ends.extend(m.end for m in index.groups)
        return index

    @cached_property
    def _described(self) -> dict[str, tuple[list[int], list[Mention]]]:
        """Per described type, its mentions outside quotation marks by end ("the South Asian country" → Pakistan)."""
        described: dict[str, tuple[list[int], list[Mention]]] = {}
        wanted_types = frozenset(self.spec.descriptions.values())
        found: dict[str, list[Mention]] = {}
        for m in self.doc.mentions:
            if m.start in self._quoted:
                continue
            for kind in wanted_types & self._ancestors.get(m.type, frozenset({m.type})):
                found.setdefault(kind, []).append(m)
        for kind, ms in found.items():
            ms.sort(key=lambda m: m.end)
            described[kind] = ([m.end for m in ms], ms)
        return described

    @cached_property
    def _name_ending_at(self) -> dict[int, _Name]:
        """The longest name ending at each token (the antecedent of a relative pronoun after it)."""
        ending: dict[int, _Name] = {}
        for name in self._names:
            best = ending.get(name.end)
            if best is None or name.end - name.start > best.end - best.start:
                ending[name.end] = name
        return ending

    def _name_span(self, m: Mention) -> tuple[int, int]:
        """The name part of a mention: its name capture when the rule made one."""
        if self.spec.name_capture:
            name = m.fields.get(self.spec.name_capture)
            start = getattr(name, "start", None)
            end = getattr(name, "end", None)
            if isinstance(start, int) and isinstance(end, int):
                tokens = [i for i in range(m.start, m.end) if self.doc.starts[i] >= start and self.doc.ends[i] <= end]
                if tokens:
                    return tokens[0], tokens[-1] + 1
        return m.start, m.end

    def _fullest(self, words: tuple[str, ...]) -> Optional[str]:
        """The longest name in the document that ends with, begins with, or equals these words."""
        name = self._fullest_by_part.get(words)
        return name.text if name is not None else None

    def canonical(self, start: int, end: int) -> Optional[str]:
        """The canonical name for tokens [start, end), or None when they name nothing known."""
        if not self._names and not self.spec.demonyms and not self.spec.group_pronouns and not self.spec.descriptions:
            return None
        doc = self.doc
        text = doc.text[doc.starts[start] : doc.ends[end - 1]]
        if self._titles:
            titled = self._titles.get(_title_key(text))
            if titled is None and end - start == 2 and self._word(start).lower() == "the":
                titled = self._title_heads.get(self._word(start + 1).lower())
            if titled is not None:
                return self._titled_name(titled, start)
            described = self._part_of_title(start, end)
            if described is not None:
                return described
        if self.spec.demonyms:
            named = self.spec.demonyms.get(_LEADING_THE.sub("", text))
            if named is not None:
                return named
        if end - start == 1 and text.lower() in self.spec.pronouns:
            return self._cataphor(start, text.lower()) or self._antecedent(start, text.lower())
        if end - start == 1 and text.lower() in self.spec.relatives:
            return self._relative_antecedent(start)
        if end - start == 1 and text.lower() in self.spec.group_pronouns:
            grouped = self._group_antecedent(start, text.lower())
            if grouped is not None or not self.spec.party_pronouns:
                return grouped
        if self.spec.party_pronouns or self.spec.party_nouns:
            reference = self._party_reference(start, end)
            if reference is not None:
                return self._parties(start, *reference)
        if self.spec.descriptions and self._word(start).lower() in _DEFINITE:
            head = self._description_head(start, end)
            described = self._description_antecedent(start, end, head) if head is not None else None
            if described is not None:
                return described
        # A name inside the span, the rest title words: "Russian President Vladimir Putin".
        inside = self._names[bisect_left(self._starts, start) : bisect_left(self._starts, end)]
        # a name in apposition at the span's end is who the span names: "foreign minister, Sergei Lavrov"
        for name in inside:
            if name.end == end and name.start > start + 1 and self._word(name.start - 1) == ",":
                return self._fullest(name.words) or name.text
        best: Optional[_Name] = None
        for name in inside:
            # a name after "of" is the complement, not the head: "the Armed Forces of Colombia" is no Colombia
            if name.start > start and self._word(name.start - 1).lower() in _COMPLEMENT_WORDS:
                continue
            # nor is a name before "'s": "Rwanda's President" is no Rwanda, "Putin's spokesman" no Putin
            if name.end < end and self._word(name.end).lower() in _POSSESSIVE_MARKS:
                continue
            # nor a place in a name that "the" opens and more capitalised words go on: "The New York
            # Times" is no New York ("Moscow Tuesday" keeps Moscow)
            if (name.end < end and id(name) not in self._pronouns.ids and self._word(name.end)[:1].isupper()
                    and self._word(start).lower() == "the"):
                continue
            # nor a place that another capitalised word opens a longer name with: "Air France" is no France
            # ("Southern Sudan", "Indian Kashmir", "Indian-controlled Kashmir" are places still)
            opener = self._word(name.start - 1) if name.start > start else ""
            if (opener[:1].isalpha() and opener[:1].isupper() and id(name) not in self._pronouns.ids and "-" not in opener
                    and opener.lower() not in _PLACE_MODIFIERS and opener not in self.spec.demonyms):
                continue
            if name.end <= end and (best is None or len(name.words) > len(best.words)):
                if all(self._title_like(i) for i in range(start, end) if not name.start <= i < name.end):
                    best = name
        if best is not None:
            return self._fullest(best.words) or best.text
        # The span is (part of) a name: "Putin" inside "President Putin".
        k = bisect_right(self._starts, start) - 1
        if k >= 0 and self._reach[k] >= end:
            span_words = tuple(doc.text[doc.starts[i] : doc.ends[i]].lower() for i in range(start, end))
            return self._fullest(span_words) or text
        return None

    @cached_property
    def _title_vocabulary(self) -> frozenset[str]:
        """Every word of a title some name carried here."""
        return frozenset().union(*self._titles)

    def _part_of_title(self, start: int, end: int) -> Optional[str]:
        """A description that names part of a title a name carried: "the" and up to three modifiers
        before a title's head word ("The Polish minister" for "Polish Foreign Minister Adam Rotfeld",
        "The hard-line president" for "Iranian President Mahmoud Ahmadinejad"). Its capitalised
        modifiers must all be in the title, and so must lower-case ones that make a title ("vice") or
        are words of a title in the document; others ("hard-line", "veteran") may be anything but one that points to
        another holder ("former"). The nearest such name before it, else the first after."""
        if not 3 <= end - start <= 5 or self._word(start).lower() != "the":
            return None
        carriers = self._keyed_heads.get(self._word(end - 1).lower())
        if not carriers:
            return None
        modifiers = [self._word(i) for i in range(start + 1, end - 1)]
        if any(not w[:1].isalpha() or w.lower() in _COMPLEMENT_WORDS or w.lower() in _OTHER_HOLDER for w in modifiers):
            return None
        # (a lower-case modifier that is a word of some title here is wanted too: "the vice president"
        # is not President X when Vice President Y is named)
        vocabulary = self._title_vocabulary
        wanted = frozenset(w.lower() for w in modifiers
                           if w[:1].isupper() or w.lower() in vocabulary or w.lower() in _TITLE_MODIFIERS)
        fitting = [(e, text) for e, key, text in carriers if wanted <= key]
        if not fitting:
            return None
        before = [text for e, text in fitting if e <= start]
        return before[-1] if before else fitting[0][1]

    @staticmethod
    def _titled_name(titled: tuple[list[int], list[str]], position: int) -> str:
        """The name that carried a title nearest before ``position`` (the first one after it
        when none comes before: "The president … President Ada Brown said")."""
        ends, fullest = titled
        k = bisect_right(ends, position) - 1
        return fullest[max(k, 0)]

    def _antecedent(self, position: int, pronoun: str) -> Optional[str]:
        """The nearest name that ends before a pronoun, in its fullest form. A pronoun with a
        gender skips names marked as of another gender (looking back at most
        ``_AGREEMENT_REACH`` names); names of no known gender stay candidates. A pronoun that
        opens its sentence first tries the subject of the sentence before (see ``_subject_before``)."""
        wanted = self.spec.pronoun_genders.get(pronoun)
        found = self._sentence_before(position, wanted)
        subject = self._subject_before(found, wanted) if found is not None else None
        if subject is not None:
            return subject
        k = bisect_right(self._pronouns.ends, position) - 1
        for j in range(k, max(k - _AGREEMENT_REACH, -1), -1):
            name = self._pronouns.names[j]
            gender = self._gender(name) if wanted is not None else None
            if gender is None or gender == wanted:
                return self._fullest(name.words) or name.text
        if k < 0:
            named = self._named_after(position, wanted)
            if named is not None:
                return named
        # a bare definite role names someone told of before ("The pontiff said … He said"): the name before
        # goes first, the role itself when there is none
        return self._role_subject(*found, wanted, introducing=False) if found is not None else None

    def _named_after(self, position: int, wanted: Optional[str]) -> Optional[str]:
        """For a pronoun that no name comes before (a brief cut from a longer story: "He said …
        Mr. Bush stressed …"), the name that opens one of the ``_FORWARD_REACH`` sentences after its
        own (title words allowed before it), of its gender or none known. A name later in the
        pronoun's own sentence is what it acts on ("he met with Iyad Allawi"), not who it is."""
        doc = self.doc
        first = doc.sentence_of(position)[1]
        for _hop in range(_FORWARD_REACH):
            if first >= len(doc.starts):
                break
            start, end = doc.sentence_of(first)
            k = bisect_left(self._starts, start)
            while k < len(self._names) and self._names[k].start < end:
                name = self._names[k]
                k += 1
                if not all(self._title_like(i) for i in range(start, name.start)):
                    break
                if id(name) not in self._pronouns.ids:
                    continue
                gender = self._gender(name) if wanted is not None else None
                if gender is None or gender == wanted:
                    return self._fullest(name.words) or name.text
                break
            first = end
        return None

    def _subject_before(self, found: tuple[int, int, object], wanted: Optional[str]) -> Optional[str]:
        """For a pronoun that opens its sentence, the subject of the sentence before: the last
        person named before its first finite verb, "Mr. Chen met with the envoy, Stephen Young.
        He said …" is Chen, "In a letter to the White House, Mr. Kerik says … He said" is Kerik.
        A name after a preposition ("at the White House") or before a noun it modifies ("a White
        House spokesman") is no subject. None when the sentence before names no subject, or one of
        the other gender. A subject that names nobody but
        brings in someone by role stands for the pronoun ("A navy spokesman said …", see ``_role_subject``).
        ``found``: the sentence before, as ``_sentence_before`` gives it."""
        start, verb, tags = found
        subject: Optional[_Name] = None
        k = bisect_left(self._pronouns.ends, start + 1)
        while k < len(self._pronouns.names) and self._pronouns.names[k].end <= verb:
            name = self._pronouns.names[k]
            k += 1
            # (back over its title and article: "to President Ada Brown", "at the White House")
            before = name.start - 1
            while before >= start and (self._word(before)[:1].isupper() or self._word(before).lower() in ("the", "a", "an")):
                before -= 1
            if name.start < start or (before >= start and tags[before] in ("IN", "TO")) or tags[name.end] in ("NN", "NNS"):
                continue
            subject = name
        if subject is None:
            return self._role_subject(start, verb, tags, wanted, introducing=True)
        gender = self._gender(subject) if wanted is not None else None
        if gender is not None and gender != wanted:
            return None
        return self._fullest(subject.words) or subject.text

    def _sentence_before(self, position: int, wanted: Optional[str]) -> Optional[tuple[int, int, object]]:
        """For a pronoun that opens its sentence (after "But", "However," and the like too): the first
        token and first finite verb of the sentence before, walking back over up to ``_CHAIN_REACH``
        sentences that open with a pronoun of its gender ("A navy spokesman said …. He said …. He
        added"), and the tag column. None for a pronoun inside its sentence, in the first one, or in a
        document with no part-of-speech tags."""
        doc = self.doc
        first = doc.sentence_of(position)[0]
        # (after "But", "And", "However," too: "But he said …")
        if first == 0 or not all(self._word(i).lower() in _CLAUSE_OPENERS for i in range(first, position)):
            return None
        tags = doc.column("tag")
        if tags is None:
            return None
        start, end = doc.sentence_of(first - 1)
        for _hop in range(_CHAIN_REACH):
            opener = self._word(start).lower()
            if start == 0 or opener not in self.spec.pronouns or self.spec.pronoun_genders.get(opener) != wanted:
                break
            start, end = doc.sentence_of(start - 1)
        return start, next((i for i in range(start, end) if tags[i] in _FINITE_TAGS), end), tags

    def _role_subject(self, start: int, verb: int, tags, wanted: Optional[str], introducing: bool) -> Optional[str]:
        """A sentence's subject that names nobody but a role: an article, modifiers, a role noun of
        ``names: roles:`` and its complements, up to the first finite verb or comma ("A spokeswoman for the
        agency says", "The manager of Pakistan's railway system has ruled out …"), without a trailing time
        word; the person named in commas after a phrase cut before its verb ("The head of the agency that
        guards the arsenal, Ken Obi, told"). Its canonical when it has one ("The president" → the president
        named before), else its text; None when the sentence opens otherwise, or the phrase marks the
        other gender ("spokeswoman" for "he").
        ``introducing``: only a phrase that brings in someone new, an indefinite one or one with a
        complement ("A NATO spokesman", "The director of the prison"); else only a bare definite one ("The
        pontiff"), which most often names someone told of before."""
        if not self.spec.roles or self._word(start).lower() not in _ARTICLES:
            return None
        # (to the first comma, dash or relative pronoun: "The official, who asked not to be named, told")
        stop = next((i for i in range(start, verb) if self._word(i) in _PHRASE_BREAKS or str(tags[i]).startswith("W")), verb)
        # a person named in commas after it is who it is: "The head of the agency that …, Khalid Kidwai, told"
        # (only for a phrase cut before its verb: "A spokesman said a police official, Ada Obi, died" is the spokesman)
        last = min(self.doc.sentence_of(start)[1], stop + _ROLE_LENGTH) if stop < verb else stop
        comma = next((i for i in range(stop, last) if self._word(i) == ","), None)
        k = bisect_left(self._starts, comma + 1) if comma is not None else len(self._names)
        if k < len(self._names) and self._names[k].start == comma + 1 and id(self._names[k]) in self._pronouns.ids \
                and self._word(self._names[k].end) == ",":
            named = self._names[k]
            gender = self._gender(named) if wanted is not None else None
            return (self._fullest(named.words) or named.text) if gender in (None, wanted) else None
        if stop - start > _ROLE_LENGTH:
            return None
        # (a role noun, not an adjective or a possessor: "The official IRNA news agency", "The pope's views")
        head = next((i for i in range(start + 1, stop) if self._word(i).lower() in self.spec.roles
                     and str(tags[i]).startswith("NN") and self._word(i + 1) not in _POSSESSIVE_MARKS), None)
        # (only modifiers before the role noun: "A top Iranian diplomat", not "The visit of the diplomat")
        if head is None or not all(str(tags[i])[:2] in ("JJ", "NN", "CD", "PO", "HY", "VB") and str(tags[i]) not in _FINITE_TAGS
                                   for i in range(start + 1, head)):
            return None
        # (up to a verb the tagger did not take as finite: "An editor at Izvestia resigned last year")
        stop = next((i for i in range(head + 1, stop) if str(tags[i]).startswith("VB")), stop)
        while stop - 1 > head and (self._word(stop - 1).lower() in _TRAILING_TIME or str(tags[stop - 1]).startswith("RB")):
            stop -= 1
        if introducing != (self._word(start).lower() != "the" or stop - 1 > head):
            return None
        if wanted is not None and self.spec.genders:
            words = {self._word(i).lower() for i in range(start, stop)}
            if any(not words.isdisjoint(marks) for gender, marks in self.spec.genders.items() if gender != wanted):
                return None
        return self.canonical(start, stop) or self.doc.text[self.doc.starts[start] : self.doc.ends[stop - 1]]

    def _cataphor(self, position: int, pronoun: str) -> Optional[str]:
        """The name that opens the main clause after a fronted phrase holding the pronoun:
        "During his visit to Spain, Chinese President Hu Jintao signed …" — "his" is Hu Jintao,
        whoever the sentences before named. Only for a pronoun before the first comma of a sentence
        that opens with a preposition or conjunction, and a name right after that comma (title words
        allowed before it), or a role phrase of ``names: roles:`` there ("After his visit, the pontiff
        said" → "the pontiff", or the name it stands for); None otherwise."""
        first, last = self.doc.sentence_of(position)
        if self._word(first).lower() not in _FRONTING_WORDS or any(self._word(i) == "," for i in range(first, position)):
            return None
        comma = next((i for i in range(position + 1, min(last, position + _FRONTED_REACH)) if self._word(i) == ","), None)
        if comma is None:
            return None
        wanted = self.spec.pronoun_genders.get(pronoun)
        k = bisect_left(self._starts, comma + 1)
        if k == len(self._names) or self._names[k].start > comma + 1 + _TITLE_REACH:
            # a role opening the main clause: "After his visit to the region, the pontiff declared …"
            tags = self.doc.column("tag")
            if tags is None:
                return None
            verb = next((i for i in range(comma + 1, last) if tags[i] in _FINITE_TAGS), last)
            return (self._role_subject(comma + 1, verb, tags, wanted, introducing=True)
                    or self._role_subject(comma + 1, verb, tags, wanted, introducing=False))
        name = self._names[k]
        if id(name) not in self._pronouns.ids or not all(self._title_like(i) for i in range(comma + 1, name.start)):
            return None
        gender = self._gender(name) if wanted is not None else None
        if gender is not None and gender != wanted:
            return None
        return self._fullest(name.words) or name.text

    def _relative_antecedent(self, position: int) -> Optional[str]:
        """The name right before a relative pronoun, or before the comma or dash in front of
        it ("Ada Brown, who said"), in its fullest form; None when no name stands there
        ("the utility, which said": the utility is no name)."""
        doc = self.doc
        name = self._name_ending_at.get(position)
        if name is None and position > 0 and doc.text[doc.starts[position - 1] : doc.ends[position - 1]] in _RELATIVE_GAP:
            name = self._name_ending_at.get(position - 1)
        if name is None:
            return None
        return self._fullest(name.words) or name.text

    def _group_antecedent(self, position: int, pronoun: str) -> Optional[str]:
        """The group that a group pronoun ("they") stands for. Inside a sentence: the first group
        opening it, when no other mention stands between the two ("Police say they killed …", not
        "Police say the soldiers were ambushed when they …"). Opening a sentence (or after its
        comma): the first group or person opening the sentence before; a person there ends the
        search with nothing ("Ada Obi said … They said" is not hers)."""
        doc = self.doc
        wanted = frozenset(self.spec.group_pronoun_types.get(pronoun, self.spec.group_types))
        first = doc.sentence_of(position)[0]
        index = self._group_index
        subjects = index.subjects.get(first, ())
        if subjects and subjects[0][0] < position:
            start, kinds, mention = subjects[0]
            # (a rival is a group of the pronoun's types or a person: "Police in South Korea … who they say" is Police)
            rivals = wanted | self._people
            between = any(rivals & k for k in index.kinds[bisect_right(index.starts, mention.end - 1) : bisect_left(index.starts, position)])
            return self._group_text(mention) if wanted & kinds and not between else None
        if (position != first and self._word(position - 1) != ","
                and not all(self._word(i).lower() in _CLAUSE_OPENERS for i in range(first, position))):
            return None
        for _hop in range(_GROUP_REACH):
            if first == 0:
                break
            first = doc.sentence_of(first - 1)[0]
            for _start, kinds, mention in index.subjects.get(first, ())[:1]:
                return self._group_text(mention) if wanted & kinds else None
        return None

    def _party_reference(self, start: int, end: int) -> Optional[tuple[tuple[str, ...], Optional[int]]]:
        """The types and the count (None when it gives none) of a plural reference to parties: a
        word of ``party_pronouns`` alone ("they"), or a noun of ``party_nouns`` after an opener and
        up to three words ("the two leaders", "both sides", "the two close allies") that holds no
        name and has no complement after it that names its parties ("The foreign ministers of
        Japan and Korea")."""
        words = [self._word(i).lower() for i in range(start, end)]
        # (the object of talks is another pair than their subjects: "X and Y held talks with both sides")
        if self._word(start - 1).lower() in _PARTY_OBJECT_MARKS:
            return None
        if len(words) == 1:
            kinds = self.spec.party_pronouns.get(words[0])
            # (not after a group in its own sentence: "Police say the drivers were attacked when they …")
            if not kinds or self._group_before(start):
                return None
            return kinds, _PARTY_COUNTS.get(words[0])
        kinds = self.spec.party_nouns.get(words[-1])
        # (its words after the opener in lower case: "The United Nations" is a name, "The Russian officials" a kind)
        if (not kinds or len(words) > _PARTY_LENGTH or words[0] not in _PARTY_OPENERS
                or any(not self._word(i)[:1].islower() for i in range(start + 1, end))):
            return None
        k = bisect_left(self._starts, start)
        if (k < len(self._names) and self._names[k].start < end) or self._word(end).lower() in _PARTY_COMPLEMENTS:
            return None
        count = _PARTY_COUNTS.get(words[1]) if words[0] == "the" else _PARTY_COUNTS.get(words[0])
        return kinds, count

    def _group_before(self, position: int) -> bool:
        """Whether a group mention (of any group pronoun's types) stands before ``position`` in its sentence."""
        index = self._group_index
        first = self.doc.sentence_of(position)[0]
        groups = self._group_kinds
        return any(groups & kinds for kinds in index.kinds[bisect_left(index.starts, first) : bisect_left(index.starts, position)])

    def _parties(self, position: int, kinds: tuple[str, ...], count: Optional[int]) -> Optional[str]:
        """The parties a plural reference stands for: the names of one of its types (in order) before it,
        outside quotation marks, in its own sentence up to it and then sentence by sentence back (up to
        ``_PARTY_REACH``), until there are as many as it counts; one that gives no count takes the
        nearest sentence that names any. They must be exactly as many as it counts, or two: more is a
        guess among them. Each name in its fullest form, once, in document order, joined: "Hugo Chavez
        and Alvaro Uribe"."""
        doc = self.doc
        tags = doc.column("tag")
        for kind in kinds:
            found: list[str] = []
            first, stop = doc.sentence_of(position)[0], position
            for _hop in range(_PARTY_REACH + 1):
                window: list[str] = []
                for name in self._names[bisect_left(self._starts, first) : bisect_left(self._starts, stop)]:
                    # (a name of the type outside quotation marks, not a plural common noun the entity
                    # layer took for a name: "Farmers say …")
                    if (name.end > stop or name.start in self._quoted
                            or kind not in self._ancestors.get(name.mention.type, frozenset({name.mention.type}))
                            or (tags is not None and tags[name.end - 1] == "NNS")):
                        continue
                    fullest = self._fullest(name.words) or name.text
                    if fullest not in found and fullest not in window:
                        window.append(fullest)
                found = window + found
                # (one with no count names its parties in one sentence: "Ada Obi met Ken Obi. He said they …")
                if len(found) >= (count or 2) or first == 0 or (count is None and found):
                    break
                first, stop = doc.sentence_of(first - 1)[0], first
            if len(found) == (count or 2):
                return ", ".join(found[:-1]) + " and " + found[-1]
        return None

    def _description_head(self, start: int, end: int) -> Optional[str]:
        """The described noun a span ends with: its last two words when the settings name them ("news
        agency"), else its last word; None when neither is described."""
        if end - start >= 3:
            pair = f"{self._word(end - 2).lower()} {self._word(end - 1).lower()}"
            if pair in self.spec.descriptions:
                return pair
        last = self._word(end - 1).lower()
        return last if last in self.spec.descriptions else None

    def _description_antecedent(self, start: int, end: int, head: str) -> Optional[str]:
        """What a definite description stands for: the nearest mention of its head noun's type
        ending before it, in its sentence or the ``_DESCRIPTION_REACH`` before ("Pakistan … the South
        Asian country said" → Pakistan), the nearest whose name ends in the noun first; None when the description holds a name of its own ("Pakistan's
        neighbouring country") or no such mention is near."""
        tags = self.doc.column("tag")
        # (a short noun phrase with a lower-case head: not "The World Health Organization", nor "the car
        # carrying the nation")
        if (end - start > _DESCRIPTION_LENGTH or not self._word(end - 1)[:1].islower()
                or (tags is not None and any(str(tags[i]).startswith("VB") for i in range(start, end)))):
            return None
        k = bisect_left(self._starts, start)
        if k < len(self._names) and self._names[k].start < end:
            return None
        ends, mentions = self._described.get(self.spec.descriptions[head], ([], []))
        # (a description that holds a mention of its type names that one: "the U.N. refugee agency")
        if any(start <= m.start < end for m in mentions[bisect_right(ends, start):bisect_right(ends, end)]):
            return None
        oldest = self._sentence_start_back(start, _DESCRIPTION_REACH)
        # the nearest mention that is a proper name (a capital in its last word: "Amnesty International", "al-Watan", not
        # "Pakistani authorities") and not a modifier of a noun after it ("U.S. officials"); one
        # whose name ends in the head noun goes first ("The Defense Security Agency says it notified Congress.
        # The agency says" is the agency)
        nearest: Optional[Mention] = None
        last = head.split()[-1]
        j = bisect_right(ends, start) - 1
        while j >= 0 and mentions[j].start >= oldest:
            m = mentions[j]
            j -= 1
            if not any(ch.isupper() for ch in self._word(m.end - 1)) or (tags is not None and m.end < len(tags) and tags[m.end] in ("NN", "NNS", "NNP", "NNPS")):
                continue
            if self._word(m.end - 1).lower() == last:
                nearest = m
                break
            nearest = nearest or m
        if nearest is None:
            return None
        # (its name part, when its rule kept one: "the newspaper al-Watan" is al-Watan)
        s, e = self._name_span(nearest)
        return _LEADING_THE.sub("", self.doc.text[self.doc.starts[s] : self.doc.ends[e - 1]])

    def _group_text(self, mention: Mention) -> str:
        """A group's text, or for a group named by one bare word ("Officials say …", "the
        economists") the nearest fuller mention of the same group a few sentences before
        ("Pakistani officials say …"): the one a reader takes it for."""
        words = [self._word(i).lower() for i in range(mention.start, mention.end)]
        if words and words[0] == "the":
            words = words[1:]
        if len(words) != 1:
            return self._text(mention)
        oldest = self._sentence_start_back(mention.start, _FULLER_GROUP_REACH)
        index = self._group_index
        k = bisect_right(index.group_ends, mention.start) - 1
        while k >= 0 and index.groups[k].start >= oldest:
            other = index.groups[k]
            opening = self._word(other.start).lower()
            # (not "the rebels" for "rebels", nor a count or an indefinite: "left three militants
            # dead" names other militants than "The militants kidnapped …")
            if (other.end - other.start > (2 if opening == "the" else 1) and opening not in _NOT_FULLER
                    and not opening[:1].isdigit() and self._word(other.end - 1).lower() == words[0]):
                return self._text(other)
            k -= 1
        return self._text(mention)

    def _sentence_start_back(self, position: int, hops: int) -> int:
        """The first token of the sentence ``hops`` sentences before the one holding ``position``
        (of the document's first sentence, when there are fewer)."""
        first = self.doc.sentence_of(position)[0]
        for _hop in range(hops):
            if first == 0:
                break
            first = self.doc.sentence_of(first - 1)[0]
        return first

    def _text(self, mention: Mention) -> str:
        return self.doc.text[self.doc.starts[mention.start] : self.doc.ends[mention.end - 1]]

    def _gender(self, name: _Name) -> Optional[str]:
        """The one gender whose marking words the name has (in its fullest form, the word just
        before it, or its title capture: "Mrs.", "Maria"), else None."""
        if not self.spec.genders:
            return None
        doc = self.doc
        words = set(name.words)
        fullest = self._fullest_by_part.get(name.words)
        if fullest is not None:
            words.update(fullest.words)
            if fullest.start > 0:
                words.add(doc.text[doc.starts[fullest.start - 1] : doc.ends[fullest.start - 1]].lower())
        if name.start > 0:
            words.add(doc.text[doc.starts[name.start - 1] : doc.ends[name.start - 1]].lower())
        if self.spec.title_capture:
            title = name.mention.fields.get(self.spec.title_capture)
            words.update(w.lower() for w in _WORD.findall(getattr(title, "text", "") or ""))
        found = [g for g, marks in self.spec.genders.items() if not words.isdisjoint(marks)]
        return found[0] if len(found) == 1 else None

    def _word(self, i: int) -> str:
        """The text of token ``i``; "" past either end of the document (a phrase may end with it)."""
        if not 0 <= i < len(self.doc.starts):
            return ""
        return self.doc.text[self.doc.starts[i] : self.doc.ends[i]]

    def _title_like(self, i: int) -> bool:
        word = self._word(i)
        return word[:1].isupper() or word.lower() in _TITLE_STOPWORDS or not word[:1].isalnum()
