"""Stage 2, vectorize: passage embeddings from a verified local sentence-embedding model, cached on disk.

:class:`Embedder` encodes passages (ndarray of shape (n_passages, dim)); :class:`EmbeddingCache`
keeps every vector keyed by model identity and passage text, so nothing is embedded twice.
Embedding over Dask partitions is :func:`analysis.report.distributed.embed_partitions`.
"""

from .embed import DEFAULT_MODEL, DEFAULT_MODEL_SHA256, EmbeddingCache, Embedder, ModelError, resolve_model

__all__ = ["DEFAULT_MODEL", "DEFAULT_MODEL_SHA256", "EmbeddingCache", "Embedder", "ModelError", "resolve_model"]
