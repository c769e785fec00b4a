"""Stage 2, vectorize: passage embeddings from a verified local encoder, cached on disk.

:class:`Embedder` encodes passages (ndarray of shape (n_passages, dim)) with the default
multilingual Universal Sentence Encoder (:mod:`.encoders`) or a sentence-transformers model;
:class:`EmbeddingCache` keeps every vector keyed by model identity and passage text, so nothing is
embedded twice. Embedding over Dask partitions is :func:`analysis.report.distributed.embed_partitions`.
"""

from .embed import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_SHA256,
    MINILM_MODEL,
    MINILM_SHA256,
    EmbeddingCache,
    Embedder,
    ModelError,
    resolve_model,
)
from .encoders import USE_MODEL, USEEncoder, available_cores

__all__ = ["DEFAULT_MODEL", "DEFAULT_MODEL_SHA256", "MINILM_MODEL", "MINILM_SHA256", "USE_MODEL", "EmbeddingCache",
           "Embedder", "ModelError", "USEEncoder", "available_cores", "resolve_model"]
