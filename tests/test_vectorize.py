"""Embeddings: the packaged model, its hash check, offline loading and the on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import vectorize
from analysis.vectorize import EmbeddingCache, Embedder, ModelError, resolve_model

TEXTS = ["The navy intercepted a go-fast boat carrying cocaine.",
         "Poverty pushes young men into the gangs.",
         "La pobreza empuja a los jóvenes hacia las bandas."]


def test_default_model_is_packaged_and_verified():
    location, identity = resolve_model("all-MiniLM-L6-v2")
    assert location.endswith("model")
    assert identity.startswith("all-MiniLM-L6-v2@53aa51172d142c89")
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == (location, identity)


def test_substituted_weights_are_refused(monkeypatch):
    monkeypatch.setattr(vectorize, "DEFAULT_MODEL_SHA256", "0" * 64)
    monkeypatch.setattr(vectorize, "_VERIFIED", {})
    with pytest.raises(ModelError, match="corrupted or substituted"):
        resolve_model("all-MiniLM-L6-v2")


def test_missing_local_model_folder_is_named():
    with pytest.raises(ModelError, match="'./no/such/model' does not exist"):
        resolve_model("./no/such/model")


def test_empty_text_is_refused(tmp_path):
    with pytest.raises(ValueError, match="empty or non-text passages at positions \\[1\\]"):
        Embedder(cache_dir=tmp_path, show_progress=False).encode(["fine", "  "])


def test_cache_round_trip(tmp_path):
    cache = EmbeddingCache(tmp_path, "model-x")
    keys = [EmbeddingCache.key(t) for t in TEXTS]
    cache.put(keys[:2], np.eye(2, 4, dtype=np.float32))
    again = EmbeddingCache(tmp_path, "model-x").get(keys)
    assert again[2] is None
    np.testing.assert_array_equal(again[1], np.eye(2, 4)[1])
    assert EmbeddingCache(tmp_path, "model-y").get(keys[:1]) == [None]


@pytest.mark.model
def test_embeddings_are_unit_vectors_cached_and_deterministic(tmp_path):
    first = Embedder(cache_dir=tmp_path, show_progress=False)
    vectors = first.encode(TEXTS)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert first.n_embedded_ == 3
    # the Spanish and English sentences about poverty are closer to each other than to the navy one
    sims = vectors @ vectors.T
    assert sims[1, 2] > sims[0, 2]
    second = Embedder(cache_dir=tmp_path, show_progress=False)
    again = second.encode(list(reversed(TEXTS)) + [TEXTS[0]])
    assert second.n_embedded_ == 0 and second._encoder is None
    np.testing.assert_array_equal(again[:3], vectors[::-1])
    fresh = Embedder(show_progress=False).encode(TEXTS)
    np.testing.assert_allclose(fresh, vectors, atol=1e-6)


@pytest.mark.model
def test_a_local_model_folder_works(tmp_path):
    location, _ = resolve_model()
    local = Embedder(location, show_progress=False)
    assert local.identity.startswith("model@")
    np.testing.assert_allclose(local.encode(TEXTS[:1]), Embedder(show_progress=False).encode(TEXTS[:1]), atol=1e-6)
