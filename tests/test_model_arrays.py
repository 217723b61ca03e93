"""The models' arrays: read from the shipped .npz, or from the cache's uncompressed copy, the same."""

import numpy as np
import pytest

from ruleie.text.stored import model_arrays


@pytest.fixture
def model(tmp_path):
    arrays = {"weights": np.arange(12, dtype=np.int8).reshape(3, 4), "scale": np.float32(0.5) * np.ones(()),
              "words": np.frombuffer(b"a\nb\nc", np.uint8), "empty": np.zeros((0, 3), np.float16)}
    path = tmp_path / "model.npz"
    np.savez_compressed(path, **arrays)
    return path, arrays


def _same(got, arrays):
    assert list(got) == list(arrays)
    for name, array in arrays.items():
        assert got[name].dtype == array.dtype and got[name].shape == array.shape
        assert np.array_equal(got[name], array)
        assert type(got[name]) is np.ndarray  # not a memmap: no subclass in later arithmetic


def test_the_first_load_writes_a_copy_the_next_reads(model, tmp_path, monkeypatch):
    path, arrays = model
    monkeypatch.setenv("RULEIE_CACHE_DIR", str(tmp_path / "cache"))
    _same(model_arrays(path), arrays)
    entries = list((tmp_path / "cache" / "models").iterdir())
    assert [e.name.split("-")[0] for e in entries] == ["model"]
    again = model_arrays(path)
    _same(again, arrays)
    assert not again["weights"].flags.writeable  # mapped from the copy, read-only


def test_a_changed_model_gets_its_own_copy(model, tmp_path, monkeypatch):
    path, arrays = model
    monkeypatch.setenv("RULEIE_CACHE_DIR", str(tmp_path / "cache"))
    model_arrays(path)
    changed = dict(arrays, weights=arrays["weights"] + 1)
    np.savez_compressed(path, **changed)
    _same(model_arrays(path), changed)
    assert len(list((tmp_path / "cache" / "models").iterdir())) == 2


def test_a_damaged_copy_falls_back_to_the_model(model, tmp_path, monkeypatch):
    path, arrays = model
    monkeypatch.setenv("RULEIE_CACHE_DIR", str(tmp_path / "cache"))
    model_arrays(path)
    (entry,) = (tmp_path / "cache" / "models").iterdir()
    (entry / "0.npy").write_bytes(b"not an array")
    _same(model_arrays(path), arrays)
    (entry / "1.npy").unlink()
    _same(model_arrays(path), arrays)


def test_no_cache_and_an_unwritable_cache_read_the_model(model, tmp_path, monkeypatch):
    path, arrays = model
    monkeypatch.setenv("RULEIE_NO_CACHE", "1")
    monkeypatch.setenv("RULEIE_CACHE_DIR", str(tmp_path / "cache"))
    _same(model_arrays(path), arrays)
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv("RULEIE_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv("RULEIE_CACHE_DIR", str(blocker))
    _same(model_arrays(path), arrays)


def test_the_shipped_tagger_tags_the_same_from_the_copy(tmp_path, monkeypatch):
    from ruleie.text.tagger import Tagger

    words = "The minister met his Turkish counterpart in Ankara on Monday .".split()
    monkeypatch.setenv("RULEIE_NO_CACHE", "1")
    plain = Tagger().tag(words)
    monkeypatch.delenv("RULEIE_NO_CACHE")
    monkeypatch.setenv("RULEIE_CACHE_DIR", str(tmp_path / "cache"))
    Tagger()  # writes the copy
    assert Tagger().tag(words) == plain
