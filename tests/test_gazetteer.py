"""The entity recogniser's gazetteer: what its file holds, and what its lookups answer."""

import pytest

from ruleie.text.gazetteer import GAZETTEER_PATH, MULTI_WORD_HEADER, Gazetteer, default_gazetteer, gazetteer_lines

ROWS = [("city", "Paris"), ("first_lo", "Paris"), ("city", "PARIS"), ("last", "Smith"),
        ("city_big", "New  York"), ("place", "new york"), ("place", "Gulf of Guinea"),
        ("org", "a b c d e f"), ("title", "Mr.")]


@pytest.fixture
def gazetteer(tmp_path):
    path = tmp_path / "gazetteer.tsv"
    path.write_text("# a header\n# another\n" + "\n".join(gazetteer_lines(ROWS)) + "\n", encoding="utf-8")
    return Gazetteer(path)


def test_a_word_has_every_category_it_was_given_in_order(gazetteer):
    # "Paris" and "PARIS" are one entry: the city category counts twice, as the sources gave it
    assert gazetteer.categories("paris") == ("city", "first_lo", "city")
    assert gazetteer.categories("Smith") == ("last",)
    assert gazetteer.categories("Mr.") == ("title",)
    assert gazetteer.categories("London") == ()


def test_a_multi_word_entry_keeps_its_first_category(gazetteer):
    assert gazetteer.multi_category(["New", "York"]) == "city_big"
    assert gazetteer.multi_category(["gulf", "of", "GUINEA"]) == "place"
    assert gazetteer.multi_category(["New"]) is None
    assert gazetteer.multi_category(["New York"]) is None  # one token holding a space is no entry
    assert gazetteer.multi_category(["New", ""]) is None and gazetteer.multi_category(["New", " "]) is None
    assert gazetteer.multi_category(["a", "b", "c", "d", "e", "f"]) is None  # longer than five words
    assert gazetteer.categories("new york") == ()


def test_places_of_the_gpe_kinds(gazetteer):
    assert gazetteer.is_gpe(["Paris"])
    assert gazetteer.is_gpe(["New", "York"])
    assert not gazetteer.is_gpe(["Gulf", "of", "Guinea"])
    assert not gazetteer.is_gpe(["Smith"])
    assert not gazetteer.is_gpe([])


def test_a_gazetteer_of_one_word_entries_only(tmp_path):
    path = tmp_path / "gazetteer.tsv"
    path.write_text("# a header\n" + "\n".join(gazetteer_lines([("city", "Paris")])) + "\n", encoding="utf-8")
    gazetteer = Gazetteer(path)
    assert gazetteer.categories("Paris") == ("city",)
    assert gazetteer.multi_category(["New", "York"]) is None


def test_a_file_in_the_old_layout_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "gazetteer.tsv"
    path.write_text("city\tParis\n", encoding="utf-8")
    with pytest.raises(ValueError, match="build_gazetteer"):
        Gazetteer(path)


def test_the_shipped_gazetteer():
    gazetteer = default_gazetteer()
    assert MULTI_WORD_HEADER in GAZETTEER_PATH.read_text(encoding="utf-8")
    assert "country" in gazetteer.categories("France")
    assert gazetteer.is_gpe(["United", "Arab", "Emirates"])
    assert "title" in gazetteer.categories("President")
