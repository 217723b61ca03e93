"""The shipped models' string lists: stored as one UTF-8 byte array, read back unchanged."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from ruleie.text.stored import stored_strings, strings_blob

# Any text but a newline (the separator); at least one string that is not empty, as a model stores.
lines = st.lists(st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",))), min_size=1).filter(
    lambda strings: strings != [""])


@given(lines)
def test_a_list_reads_back_as_written(strings):
    assert stored_strings(strings_blob(strings)) == strings


@given(lines)
def test_the_older_string_array_reads_the_same(strings):
    # numpy's fixed-width arrays drop trailing NULs, which no word holds
    strings = [s.rstrip("\x00") for s in strings]
    assert stored_strings(np.asarray(strings)) == strings


def test_a_newline_cannot_be_stored():
    with pytest.raises(ValueError, match="newline"):
        strings_blob(["two\nlines"])


def test_the_shipped_models_load_their_word_lists():
    from ruleie.text.linear import LinearModel
    from ruleie.text.chunker import MODEL_PATH as CHUNKER
    from ruleie.text.entities import MODEL_PATH as ENTITIES

    for path in (CHUNKER, ENTITIES):
        with np.load(path, allow_pickle=False) as data:
            assert data["type_words"].dtype == np.uint8  # the compact format
        model = LinearModel(path, featurize=lambda word: [])
        assert len(model.type_words) == model.type_rows.shape[0]
        assert all(isinstance(w, str) and "\n" not in w for w in model.type_words[:1000])
