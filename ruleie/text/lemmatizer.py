"""Word → lemma: a small rule-based English lemmatizer for the ``lemma`` field.

It sees one word and no part of speech, so it aims at what rule writers need in
news: verbs and plural nouns reduced to the form they would write in a rule
(``launched`` → ``launch``, ``struck`` → ``strike``, ``casualties`` → ``casualty``).
It works in three steps:

1. tables: irregular verbs and nouns (``went`` → ``go``, ``people`` → ``person``) and
   words that only look inflected (``news``, ``during``, ``hundred``);
2. suffix rules for -s/-es/-ies, -ed/-ied and -ing, undoubling a final consonant
   (``stopped`` → ``stop``) and restoring a silent e (``fired`` → ``fire``) from a list
   of common news verbs and, beyond it, the spelling of the stem;
3. a guard for capitalised words: suffix rules apply to them only when the result is
   a known news word (``Launched`` → ``launch``), so names keep their form
   (``Paris``, ``Brussels``, ``Reynolds``).

Known limits: no part of speech, so noun and verb readings share one lemma
(``meeting`` → ``meet``, ``lives`` → ``life``, ``left`` → ``leave``); comparatives are
kept (``larger``); hyphenated and apostrophe words are only lower-cased
(``so-called``, ``don't``); a capitalised word outside the tables keeps its suffix.
The output is always lower case, with ``’`` written as ``'``.

>>> [lemmatize(w) for w in ("launched", "said", "missiles", "Putin", "countries", "visiting")]
['launch', 'say', 'missile', 'putin', 'country', 'visit']
"""

from __future__ import annotations

import functools

__all__ = ["lemmatize", "regular_lemma"]

# Irregular verbs: the base form, then its irregular forms. Ambiguous forms that
# are far more often something else in news are left out ("ground", "bound",
# "wound", "lay" as a base form).
_IRREGULAR_VERBS = """
arise arose arisen arising | awake awoke awoken | be am is are was were been being
bear bore borne born | beat beaten | become became becoming | begin began begun
bend bent | bet betting | bid bidding | bind binding | bite bitten biting | bleed bled
blow blew blown | break broke broken | breed bred | bring brought | broadcast broadcasting
build built | burn burnt | burst | buy bought | cast | catch caught | choose chose chosen choosing
cling clung | come came coming | cost costing | creep crept | cut cutting | deal dealt
dig dug digging | do does did done doing | draw drew drawn | dream dreamt | drink drank drunk
drive drove driven driving | dwell dwelt | eat ate eaten | fall fell fallen | feed fed
feel felt | fight fought | find found | flee fled | fling flung | fly flew flown flies
forbid forbade forbidden | forecast | foresee foresaw foreseen | forget forgot forgotten
forgive forgave forgiven | freeze froze frozen freezing | get got gotten getting
give gave given giving | go goes went gone going | grind | grow grew grown | hang hung
have has had having | hear heard | hide hid hidden hiding | hit hitting | hold held | hurt
keep kept | kneel knelt | know knew known | lead led | lean leant | leap leapt | learn learnt
leave left leaving | lend lent | lay laid laying | let letting | lie lain lying lies | light lit | lose lost losing
make made making | mean meant | meet met | mislead misled | mistake mistook mistaken
overcome overcame | override overrode overridden | overrun overran | oversee oversaw overseen
overtake overtook overtaken | overthrow overthrew overthrown | pay paid | prove proven
put putting | quit quitting | read | rebuild rebuilt | repay repaid | rid ridding
ride rode ridden riding | ring rang rung | rise rose risen rising | run ran running | say said
see saw seen sees seeing | seek sought | sell sold | send sent | set setting | sew sewn
shake shook shaken shaking | shed shedding | shine shone | shoot shot | show shown
shrink shrank shrunk | shut shutting | sing sang sung | sink sank sunk | sit sat sitting
slay slew slain | sleep slept | slide slid | sling slung | slit | speak spoke spoken
speed sped | spend spent | spill spilt | spin spun | spit spat | split | spread
spring sprang sprung | stand stood | steal stole stolen | stick stuck | sting stung
stink stank stunk | stride strode stridden | strike struck stricken striking
string strung | strive strove striven | swear swore sworn | sweep swept | swell swollen
swim swam swum | swing swung | take took taken taking | teach taught | tear tore torn
tell told | think thought | throw threw thrown | thrust | tread trod trodden
undergo underwent undergone | understand understood | undertake undertook undertaken
undo undid undone | upset | uphold upheld | wake woke woken | wear wore worn
weave wove woven | weep wept | win won winning | withdraw withdrew withdrawn
withhold withheld | withstand withstood | wring wrung | write wrote written writing
die dying | tie tying | vie vying | owe owing owed | eye eyed eyeing
"""

# Irregular plurals, and words the suffix rules would get wrong.
_IRREGULAR_NOUNS = """
person people | child children | man men | woman women | foot feet | tooth teeth | mouse mice
goose geese | ox oxen | crisis crises | analysis analyses | thesis theses
hypothesis hypotheses | diagnosis diagnoses | oasis oases | parenthesis parentheses
criterion criteria | phenomenon phenomena | index indices | appendix appendices
matrix matrices | nucleus nuclei | stimulus stimuli | radius radii | fungus fungi
life lives | knife knives | wife wives | wolf wolves | half halves | shelf shelves
thief thieves | loaf loaves | calf calves | self selves
movie movies | cookie cookies | rookie rookies | zombie zombies | calorie calories
goalie goalies | hippie hippies | prairie prairies | selfie selfies | brownie brownies
niche niches | cache caches | ache aches | headache headaches | avalanche avalanches
moustache moustaches | mustache mustaches | psyche psyches | cliche cliches
canoe canoes | tsunami tsunamis | rabbi rabbis | taxi taxis | alibi alibis | bikini bikinis
kiwi kiwis | safari safaris | ski skis | mufti muftis | semi semis | bus buses busses | gas gases | bias biases | alias aliases | atlas atlases
canvas canvases | virus viruses | bonus bonuses | campus campuses | focus focuses
census censuses | status statuses | circus circuses | chorus choruses | genius geniuses
surplus surpluses | consensus consensuses | apparatus apparatuses | fetus fetuses
prospectus prospectuses | octopus octopuses | syllabus syllabuses | walrus walruses
focus focused focusing focussed focussing | bias biased | agree agreed | free freed
guarantee guaranteed | decree decreed | disagree disagreed | referee refereed
"""

# Compounds in -men whose singular ends in -man ("gunmen" → "gunman"); listed so
# that capitalised forms ("Gunmen opened fire") get them too.
_MEN = """
gun police service spokes congress chair business fisher militia tribes country fire states
horse kins clans noble frontiers sports crafts work law middle sea air marks gentle guards
lines news camera council alder patrol fresh trades fore foot mad hench door post committee
assembly select sales repair watch infantry rifle bow lay oars
"""
_WOMEN = "spokes congress business chair service police council"

# Words that look inflected but are not (or whose inflected reading is rare in news).
_INVARIANT = frozenset(
    """
    news series species always perhaps whereas overseas sometimes besides towards afterwards
    nowadays upwards downwards backwards forwards onwards outwards inwards alms lens chaos
    kudos ethos pathos cosmos thermos christmas pancreas politics economics physics
    mathematics ethics athletics gymnastics electronics linguistics genetics aesthetics
    headquarters whereabouts clothes corps hers ours yours theirs diabetes measles herpes
    rabies scabies mumps innings barracks gallows crossroads thanks
    hundred kindred hatred sacred naked wicked rugged ragged jagged crooked beloved
    seabed hotbed deathbed sickbed flatbed riverbed seedbed testbed infrared
    during morning evening ceiling lightning awning herring shilling pudding sterling
    darling sibling seedling duckling inkling earring outstanding notwithstanding
    wedding viking themselves ourselves yourselves ongoing upcoming outgoing incoming oncoming
    forthcoming wrongdoing uprising willing
    """.split()
)

# Common news verbs and nouns (base forms). They decide doubtful stems ("visit" is a
# verb, so "visited" is not "visite"; "fire" is, so "fired" is not "fir") and are the
# only lemmas a capitalised word may be reduced to.
_KNOWN = frozenset(
    """
    accept accuse achieve acknowledge acquire act add address admit adopt advance advise affect
    agree aim allege allow announce answer appeal appear apply appoint approach approve argue
    arrest arrive ask assassinate assault assess assist assume assure attack attempt attend
    attribute authorize avoid await ban base battle beat behead believe belong block blame blast
    boost bomb brief burn call campaign cancel capture care carry cause cease celebrate challenge
    change charge check cite claim clash clear close collapse combine comment commit compare
    compete complete concern conclude condemn conduct confirm confront consider continue contribute
    control convict cooperate counter cover crash create cross crush damage debate decide declare
    decline defeat defend delay deliver demand deny deploy describe destroy detain determine
    develop die direct disagree discover discuss dismiss displace dispute divide drop elect emerge
    encourage end engage enter escalate escape establish estimate evacuate examine execute exist
    expand expect explain explode express extend face fail fear file fill finance finish fire
    focus follow force form free gain gather govern guarantee halt hand happen head help hope host
    identify ignore impose improve include increase indicate inform injure insist intend
    intercept interview introduce invade investigate invite involve issue join judge jump kidnap
    kill land last launch lift like limit link list live locate look maintain manage march mark
    murder name need negotiate note notice observe obtain occupy occur offer open operate oppose
    order organize organise participate pass phone place plan play please pledge point possess post
    praise prepare present press prevent produce promise promote propose protect protest provide
    publish pull push question raid raise reach react receive recognize record recover reduce
    refuse reject release remain remove repeat replace report represent request require rescue
    resign resolve respond rest restore result resume retaliate retire return reveal rule save
    score secure seize sentence serve settle shell sign solve start stay stop struggle submit
    succeed suffer suggest supply support surrender surround suspect suspend sustain talk target
    term test threaten torture track trade train travel treat try turn urge use visit vote wage
    wait walk want warn watch wonder work worry wound
    attack strike talk force official troop missile rocket drone soldier militant rebel civilian
    explosion protester leader minister country city casualty ally weapon election member worker
    """.split()
)

# Capitalised words stay as written even though the rules know their stem: "United
# States", "Armed Forces" and "United Nations" are names.
_NOT_FROM_CAPITALS = frozenset({"unite", "state", "arm", "force", "nation", "unit"})
# Irregular forms that, capitalised, are more often names: "the Fed", "Rose", "Kim Hung".
_NAMES_TOO = frozenset("fed burns rose sung hung won lent bent sang rang bore lay left said saw found".split())
# Verbs that begin with the prefix un- (other un-words in -ed/-ing are adjectives:
# "unidentified gunmen", "unmanned drone", "unprecedented", kept as written).
_UN_VERBS = frozenset(
    "unite unify unveil uncover unleash unfold unload unlock unravel unearth unblock unfreeze unseat "
    "unpack unroll untie unwind unnerve unsettle unmask unionize undo unfurl".split()
)

# A final l is doubled before -ed/-ing in British spelling of these verbs.
_L_DOUBLING = frozenset(
    """
    control patrol compel expel propel repel dispel rebel cancel travel label model level signal
    fuel total channel counsel equal quarrel marvel pencil excel annul enrol fulfil instil distil
    """.split()
)
# Stems that end in a double consonant of their own.
_KEEP_DOUBLE = frozenset("add odd err ebb egg inn boycott putt butt watt mitt purr".split())
# Bases that need the silent e back although the spelling rules say otherwise, and
# stems that must not get one.
_NEEDS_E = frozenset(
    """
    create recreate procreate unite reunite invite ignite excite incite recite expedite extradite
    complete delete compete deplete secrete concrete promote devote demote denote emote misquote
    postpone condone atone dethrone telephone intone enthrone interfere revere adhere cohere
    persevere ignore restore explore deplore implore adore underscore waste taste paste haste
    convene intervene contravene console parole range
    """.split()
)
_NO_E = frozenset("focus bias canvas nonplus combat".split())

_VOWELS = frozenset("aeiouy")


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for text in (_IRREGULAR_VERBS, _IRREGULAR_NOUNS):
        for group in text.replace("\n", "|").split("|"):  # groups end at | and at line ends
            if not group.strip():
                continue
            base, *forms = group.split()
            table.setdefault(base, base)  # canvas, atlas: a base is never stripped
            for form in forms:
                table.setdefault(form, base)
    for stem in _MEN.split():
        table[stem + "men"] = stem + "man"
    for stem in _WOMEN.split():
        table[stem + "women"] = stem + "woman"
    return table


_IRREGULAR = _table()
# Words in -men that are not plurals of -man.
_MEN_SINGULAR = frozenset(
    "omen amen specimen abdomen regimen stamen acumen semen hymen dolmen lumen rumen bitumen albumen "
    "cognomen nomen gravamen foramen".split()
)


@functools.lru_cache(maxsize=1 << 17)
def lemmatize(word: str) -> str:
    """The lower-case English lemma of one word.

    >>> [lemmatize(w) for w in ("went", "struck", "injured", "stopped", "Launched", "Brussels", "people")]
    ['go', 'strike', 'injure', 'stop', 'launch', 'brussels', 'person']
    """
    lower = word.lower()
    if "’" in lower:
        lower = lower.replace("’", "'")
    capitalised = not word.islower()  # also iTunes, eBay; caseless scripts never reach the rules
    hit = _IRREGULAR.get(lower)
    if hit is not None:
        if capitalised and (lower in _NAMES_TOO or (len(word) <= 3 and word.isupper())):
            return lower  # the Fed, Rose, Won, IS (Islamic State), AM
        return hit
    if not lower.isalpha() or lower in _INVARIANT:
        return lower
    guess = regular_lemma(lower)
    if guess != lower and capitalised and (guess not in _KNOWN or guess in _NOT_FROM_CAPITALS):
        return lower
    return guess


def regular_lemma(lower: str) -> str:
    """The lemma the suffix rules give a lower-case word (no tables, no capital guard).

    >>> [regular_lemma(w) for w in ("planning", "damaged", "taxes", "allies")]
    ['plan', 'damage', 'tax', 'ally']
    """
    if len(lower) <= 3:
        return lower
    if lower.endswith("s"):
        return _strip_s(lower)
    if lower.endswith("ed"):
        return _strip_ed(lower)
    if lower.endswith("ing"):
        return _strip_ing(lower)
    if lower.endswith("men") and lower not in _MEN_SINGULAR:
        return lower[:-3] + "man"
    return lower


def _strip_s(w: str) -> str:
    if w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies"):
        return w[:-3] + "y" if len(w) > 4 else w[:-1]  # countries → country, but dies → die
    if w.endswith("es"):
        if w.endswith(("sses", "shes", "ches", "xes", "zzes")):
            return w[:-2]  # taxes → tax, launches → launch
        if w.endswith("oes"):
            return w[:-2] if len(w) > 5 else w[:-1]  # heroes → hero, but shoes → shoe
        return w[:-1]  # forces → force, strikes → strike
    return w[:-1]


def _strip_ed(w: str) -> str:
    if _un_adjective(w):
        return w
    if w.endswith("ied"):
        return w[:-3] + "y" if len(w) > 4 else w[:-1]  # carried → carry, but died → die
    if w.endswith("eed"):
        return w  # need, speed, exceed (agreed and freed are in the table)
    stem = w[:-2]
    if not _VOWELS.intersection(stem):
        return w  # shred, sled
    return _fix_stem(stem)


def _strip_ing(w: str) -> str:
    stem = w[:-3]
    if len(stem) < 2 or not _VOWELS.intersection(stem) or w in _THINGS or _un_adjective(w):
        return w  # king, bring, string, something, unrelenting
    return _fix_stem(stem)


_THINGS = frozenset("thing something anything nothing everything plaything".split())


def _un_adjective(w: str) -> bool:
    """Whether an un- word in -ed/-ing is an adjective rather than a form of an un- verb."""
    if not w.startswith("un") or w.startswith("under"):
        return False
    stem = w[:-2] if w.endswith("ed") else w[:-3]
    # Compare without the verb's last letter: united/unite, unified/unify.
    return not any(stem.startswith(v[:-1]) for v in _UN_VERBS)


def _fix_stem(stem: str) -> str:
    """The base form of a stem left by removing -ed or -ing."""
    if stem in _KNOWN:
        return stem
    if stem + "e" in _KNOWN:
        return stem + "e"
    last = stem[-1]
    if len(stem) >= 3 and last == stem[-2] and last in "bdgklmnprtv":
        if last == "l":
            return stem[:-1] if stem[:-1] in _L_DOUBLING else stem  # controlled, but killed
        return stem if stem in _KEEP_DOUBLE else stem[:-1]  # stopped, planning, but added
    if stem.endswith("ck") and stem[:-1] in ("panic", "traffic", "mimic", "picnic", "frolic"):
        return stem[:-1]
    return stem + "e" if _needs_e(stem) else stem


def _syllables(stem: str) -> int:
    """Vowel groups, counting the u of "qu" as a consonant and a leading y as one."""
    count = 0
    previous_vowel = False
    for i, c in enumerate(stem):
        vowel = c in _VOWELS and not (c == "u" and i > 0 and stem[i - 1] == "q") and not (c == "y" and i == 0)
        if vowel and not previous_vowel:
            count += 1
        previous_vowel = vowel
    return count


def _needs_e(stem: str) -> bool:
    """Whether a stem lost a silent e: the spelling patterns of English verbs in -e."""
    if stem + "e" in _NEEDS_E:
        return True
    if stem in _NO_E:
        return False
    last = stem[-1]
    before = stem[-2] if len(stem) > 1 else ""
    # The letter before the last one is a single vowel (not part of a vowel pair).
    single_vowel = (
        before in _VOWELS
        and not (len(stem) > 2 and stem[-3] in _VOWELS and not (stem[-3] == "u" and stem[-4:-3] == "q"))
    )
    if last in "aeiowxy":
        return False  # vetoed, agreeing, played, fixed, showed
    if last == "u":
        return True  # argued, continued, issued
    if last in "cv":
        return True  # announced, forced; arrived, involved
    if last == "z":
        return before not in "tz"  # seized, criticized, but waltzed, buzzed
    if last == "s":
        return before != "s"  # caused, used, released, collapsed, but passed
    if last == "g":
        if before != "n":
            return True  # damaged, charged, judged
        return stem.endswith(("eng", "ung")) or (stem.endswith("ang") and len(stem) >= 5)  # changed, challenged
    if last == "h":
        return before == "t" and len(stem) > 2 and stem[-3] in _VOWELS  # breathed, but unearthed
    if last == "l":
        if before in "bcdfgkpstz":
            return True  # settled, tackled, struggled
        if not single_vowel:
            return False  # failed, appealed, curled
        if before in "iu":
            return True  # filed, compiled, ruled, scheduled
        if before in "ao":
            return _syllables(stem) == 1  # scaled, holed, but signaled, totaled
        return False  # canceled, traveled, labeled
    if last in "bdk":
        return single_vowel  # described, decided, invaded, exploded, liked, revoked
    if last == "m":
        return single_vowel  # blamed, named, assumed, welcomed, but claimed, formed
    if last == "n":
        if not single_vowel:
            return False  # joined, remained, warned
        if before == "i":
            return True  # combined, declined, determined
        if before in "aou":
            return _syllables(stem) == 1  # phoned, tuned, but abandoned, orphaned
        return False  # opened, happened
    if last == "p":
        if not single_vowel:
            return False
        if before == "a":
            return True  # escaped, shaped
        return _syllables(stem) == 1  # hoped, wiped, but developed, gossiped
    if last == "r":
        if before in "bcdgkpt" and before:
            return True  # massacred, centred
        if not single_vowel:
            return False  # aired, appeared, poured
        if before in "aiu":
            return True  # declared, fired, injured, measured
        if before == "o":
            return _syllables(stem) == 1  # stored, scored, but monitored, honored
        return False  # offered, entered
    if last == "t":
        if stem.endswith(("iat", "uat")):
            return True  # negotiated, evacuated
        if not single_vowel:
            return False  # tested, treated, waited
        if before in "au":
            return True  # rated, stated, escalated, executed, contributed
        return _syllables(stem) == 1  # cited, voted, noted, but visited, targeted
    return False
