"""Embeddings: the packaged model, its hash check, offline loading and the on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.vectorize import embed as vectorize
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
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
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
    location, _ = resolve_model("all-MiniLM-L6-v2")
    local = Embedder(location, show_progress=False)
    assert local.identity.startswith("model@")
    np.testing.assert_allclose(local.encode(TEXTS[:1]), Embedder("all-MiniLM-L6-v2", show_progress=False).encode(TEXTS[:1]),
                               atol=1e-6)


# --------------------------------------------------------------------------- batching, chunks, streaming
class FakeEncoder:
    """Stands in for SentenceTransformer: a vector from each text's hash; records every batch."""

    def __init__(self, fail_on_call: int | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail_on_call = fail_on_call

    def encode(self, texts, batch_size, normalize_embeddings, show_progress_bar, convert_to_numpy):
        assert show_progress_bar is False and batch_size == len(texts)
        if self.fail_on_call is not None and len(self.batches) == self.fail_on_call:
            raise KeyboardInterrupt
        self.batches.append(list(texts))
        return np.stack([vector(t) for t in texts])

    def get_embedding_dimension(self) -> int:
        return 4


def vector(text: str) -> np.ndarray:
    seed = int(EmbeddingCache.key(text)[:8], 16)
    return np.random.default_rng(seed).standard_normal(4).astype(np.float32)


def fake_embedder(cache_dir=None, encoder=None, **settings) -> Embedder:
    embedder = Embedder("fake", cache_dir=cache_dir, show_progress=False, **settings)
    embedder._identity, embedder._location = "fake@0", "fake"
    embedder._encoder = encoder or FakeEncoder()
    return embedder


WORDS = [f"passage {'word ' * n}{n}" for n in (3, 40, 7, 25, 1, 60, 12, 33, 5, 18)]


def test_texts_are_embedded_longest_first_once_and_returned_in_order(tmp_path):
    embedder = fake_embedder(tmp_path, batch_size=3)
    vectors = embedder.encode(WORDS + WORDS[:2])
    np.testing.assert_array_equal(vectors, np.stack([vector(t) for t in WORDS + WORDS[:2]]))
    seen = [t for batch in embedder._encoder.batches for t in batch]
    assert seen == sorted(WORDS, key=len, reverse=True)  # each text once, longest first
    assert [len(b) for b in embedder._encoder.batches] == [3, 3, 3, 1]
    assert embedder.n_embedded_ == 10 and embedder.n_cached_ == 0


def test_each_chunk_is_cached_as_it_finishes_so_an_interrupted_run_keeps_its_work(tmp_path):
    embedder = fake_embedder(tmp_path, encoder=FakeEncoder(fail_on_call=2), batch_size=2, chunk_size=4)
    with pytest.raises(KeyboardInterrupt):
        embedder.encode(WORDS)
    assert embedder.n_embedded_ == 4
    assert len(EmbeddingCache(tmp_path, "fake@0")) == 4
    again = fake_embedder(tmp_path, batch_size=2, chunk_size=4)
    np.testing.assert_array_equal(again.encode(WORDS), np.stack([vector(t) for t in WORDS]))
    assert again.n_embedded_ == 6 and again.n_cached_ == 4


def test_one_progress_bar_counts_the_whole_job(tmp_path, capsys):
    embedder = fake_embedder(tmp_path, batch_size=2, chunk_size=4)
    embedder.show_progress = True
    embedder.encode(WORDS)
    err = capsys.readouterr().err
    # one bar over all ten passages (not one per chunk of four), with tqdm's time estimate
    assert err.count("\n") == 1 and "embedding:" in err and "0/10 [" in err and "10/10 [" in err
    assert "/4 [" not in err and "<00:00" in err


@pytest.mark.parametrize("setting", ["batch_size", "chunk_size"])
def test_bad_batch_settings_are_refused(tmp_path, setting):
    with pytest.raises(ValueError, match=f"{setting}=0 must be a positive whole number"):
        fake_embedder(tmp_path, **{setting: 0}).encode(WORDS)


def test_unfinished_and_unreadable_shards_are_not_used(tmp_path):
    cache = EmbeddingCache(tmp_path, "model-x")
    keys = [EmbeddingCache.key(t) for t in TEXTS]
    cache.put(keys[:1], np.ones((1, 4), dtype=np.float32))
    np.savez(cache.folder / ".half-written.npz", keys=np.asarray(keys[1:2]), vectors=np.ones((1, 4)))
    (cache.folder / "broken.npz").write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="broken.npz is unreadable"):
        found = EmbeddingCache(tmp_path, "model-x").get(keys)
    assert found[0] is not None and found[1] is None and found[2] is None


def write_passages(path, texts) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"passage_id": [f"p{i}" for i in range(len(texts))], "text": texts}), path,
                   row_group_size=4)


def test_parquet_is_streamed_in_row_batches(tmp_path):
    write_passages(tmp_path / "passages.parquet", WORDS)
    embedder = fake_embedder(tmp_path / "cache")
    batches = list(embedder.iter_encode_parquet(tmp_path / "passages.parquet", batch_rows=3))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert max(len(b) for b in embedder._encoder.batches) <= 3  # never more texts than one row batch
    expected = np.stack([vector(t) for t in WORDS])
    np.testing.assert_array_equal(np.vstack(batches), expected)
    again = fake_embedder(tmp_path / "cache")
    stored = again.encode_parquet(tmp_path / "passages.parquet", batch_rows=4, out=tmp_path / "emb.npy")
    assert isinstance(stored, np.memmap) and again.n_embedded_ == 0 and again.n_cached_ == 10
    np.testing.assert_array_equal(np.load(tmp_path / "emb.npy"), expected)


def test_parquet_errors_name_the_problem(tmp_path):
    write_passages(tmp_path / "passages.parquet", ["fine text", " "])
    embedder = fake_embedder()
    with pytest.raises(ValueError, match="has no column 'body'.*pass column="):
        embedder.encode_parquet(tmp_path / "passages.parquet", column="body")
    with pytest.raises(FileNotFoundError, match="'.*missing.parquet' does not exist"):
        embedder.encode_parquet(tmp_path / "missing.parquet")
    with pytest.raises(ValueError, match="empty or non-text passages at positions \\[1\\]"):
        embedder.encode_parquet(tmp_path / "passages.parquet")


# --------------------------------------------------------------------------- never embed twice, across runs
ADDED = [
    "Coast guard crews seized {n} kilos of cocaine from a semi-submersible off the Pacific coast of Colombia "
    "on {day}, the {n}th such vessel intercepted this year according to the navy.",
    "Mayors of river towns in Putumayo asked for paved roads, clinics and credit for cacao farmers, saying "
    "eradication crews return every {n} months while the state never stays.",
    "In Guayaquil, prosecutors charged {n} port workers with helping gangs hide drugs in banana containers, "
    "the latest case in a port that ships fruit to Europe every {day}.",
]


@pytest.mark.model
def test_rerun_embeds_nothing_and_new_articles_embed_only_their_passages(seeds_dir, tmp_path):
    import shutil

    from analysis.report.pipeline import Analysis

    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    settings = dict(corpus=str(corpus), out_dir=str(tmp_path / "out"), show_progress=False)
    first = Analysis(**settings)
    first.embeddings()
    n_passages = len(first.load_corpus().passages)
    assert first.timings["embedded_passages"] == first.load_corpus().passages["text"].nunique() > 50
    rerun = Analysis(**settings)
    rerun.embeddings()
    assert rerun.timings["embedded_passages"] == 0
    added = corpus / "added"
    added.mkdir()
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Easter", "Christmas",
            "May 1"]
    for i in range(10):
        paragraphs = [template.format(n=i + 3 * k + 2, day=days[(i + k) % 10]) for k, template in enumerate(ADDED)]
        (added / f"wire_{i:02d}.txt").write_text(f"Wire story {i}\n\n" + "\n\n".join(paragraphs) + "\n")
    grown = Analysis(**settings)
    grown.embeddings()
    passages = grown.load_corpus().passages
    new = passages[passages["article_id"].str.startswith("added/")]
    assert len(new) >= 10 and len(passages) == n_passages + len(new)
    assert grown.timings["embedded_passages"] == new["text"].nunique()
