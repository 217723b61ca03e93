"""The layer engine's word table: the shipped models' shared vocabulary is copied as it is; the
rows must be those the general path (a lookup per word) gives for any other vocabulary."""

import copy

import numpy as np

from ruleie.text import chunker, entities
from ruleie.text.linear import WORD_OFFSETS, Engine


def _rows(engine: Engine, word: str) -> np.ndarray:
    n_w = len(WORD_OFFSETS)
    tid = engine.words.index(word)
    return engine.table[engine.base + tid * n_w: engine.base + (tid + 1) * n_w]


def test_the_shared_vocabulary_gives_the_rows_a_lookup_per_word_gives():
    models = [chunker.load_model(), entities.load_model()]
    assert models[0].type_words == models[1].type_words  # what the fast path is for
    shipped = Engine(models)
    # The same models with their vocabularies in another order (and one model missing a word)
    # take the general path.
    shuffled = []
    order = np.random.default_rng(7).permutation(len(models[0].type_words))
    for m in models:
        other = copy.copy(m)
        other.type_words = [m.type_words[i] for i in order]
        other.type_rows = m.type_rows[order]
        shuffled.append(other)
    dropped = shuffled[1].type_words[0]
    shuffled[1].type_words = shuffled[1].type_words[1:]
    shuffled[1].type_rows = shuffled[1].type_rows[1:]
    general = Engine(shuffled)
    assert sorted(general.words) == sorted(shipped.words)
    sample = [shipped.words[0], dropped] + shipped.words[1::997]
    for word in sample:
        assert np.array_equal(_rows(shipped, word)[:, :len(models[0].labels)],
                              _rows(general, word)[:, :len(models[0].labels)])
        if word != dropped:  # the model that lost it makes its row from the word's features
            assert np.array_equal(_rows(shipped, word), _rows(general, word))
    assert not np.array_equal(_rows(shipped, dropped), _rows(general, dropped))
