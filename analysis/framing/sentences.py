"""A sentence-level framing scorer: the passage's label aggregates its sentences.

Framing is often carried by one sentence of a passage ("the government sent 3,000 troops"), the
rest being report. :class:`SentenceScorer` embeds every sentence, learns a sentence classifier by
multiple-instance learning (a framed passage must hold at least one sentence of its frame; a
``neither`` passage holds none) and scores a passage by its most framed sentences:
``p(frame) = max over sentences``, ``p(neither) = min over sentences``, renormalised.

It is one of the methods compared by ``analysis framing validate`` (method ``sentence``); the
outlet-grouped validation decides whether it is used (README: it is not, it scores below the
passage-level ensemble).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from ..vectorize import DEFAULT_MODEL
from .frames import FRAMES
from .model import _check_xy, _Scorer

__all__ = ["SentenceScorer", "split_sentences"]

_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'»”’)]*\s+(?=[¿¡\"'«“(]*[A-ZÁÉÍÓÚÑÜ0-9])")
_MIN_CHARS = 15


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage (English or Spanish punctuation); fragments under 15 characters are
    dropped, and a passage with no sentence boundary is one sentence."""
    parts = [part.strip() for part in _BOUNDARY.split(text)]
    kept = [part for part in parts if len(part) >= _MIN_CHARS]
    return kept or [text.strip()]


class SentenceScorer(_Scorer):
    """Multiple-instance sentence classifier aggregated to passages by max.

    Parameters
    ----------
    embedding_model : str
        Encoder of the sentences (through the shared embedding cache).
    C : float, default 0.01
        Inverse regularisation of the sentence logistic regression (standardised embeddings).
    iterations : int, default 2
        Relabelling rounds: after each fit, in a framed passage only the sentences the model finds
        most likely of that frame (the best one, and any above 0.5) keep the passage's label, the
        others become ``neither``.
    cache_dir : str, optional
        Embedding cache folder (default ``$ANALYSIS_CACHE/embeddings``).
    random_state : int, default 0
    """

    needs_embeddings = False

    def __init__(self, *, embedding_model: str = DEFAULT_MODEL, C: float = 0.01, iterations: int = 2,
                 cache_dir: str | None = None, random_state: int = 0) -> None:
        self.embedding_model = embedding_model
        self.C = C
        self.iterations = iterations
        self.cache_dir = cache_dir
        self.random_state = random_state

    def _sentence_vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors of shape (n_sentences, dim), owner passage index of each sentence)."""
        from ..vectorize import Embedder
        from .instrument import embed_cached

        sentences, owner = [], []
        for i, text in enumerate(texts):
            parts = split_sentences(text)
            sentences += parts
            owner += [i] * len(parts)
        if self.cache_dir is None:  # the shared cache of the validation
            vectors = embed_cached(sentences, self.embedding_model, show_progress=False)[0]
        else:
            vectors = Embedder(self.embedding_model, cache_dir=self.cache_dir, show_progress=False).encode(sentences)
        return np.asarray(vectors, dtype=np.float64), np.asarray(owner)

    def fit(self, texts, y=None, *, embeddings=None) -> "SentenceScorer":
        texts, y, _ = _check_xy(texts, y, None, need_embeddings=False)
        if y is None or len(set(y)) < 2:
            raise ValueError("SentenceScorer needs at least two labels to learn from: fit(texts, y)")
        vectors, owner = self._sentence_vectors(texts)
        self.mean_, self.scale_ = vectors.mean(axis=0), vectors.std(axis=0) + 1e-8
        features = (vectors - self.mean_) / self.scale_
        labels = np.asarray(y, dtype=object)[owner]
        for round_ in range(self.iterations + 1):
            model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000, random_state=self.random_state)
            model.fit(features, labels)
            if round_ == self.iterations:
                break
            proba = self._proba(model, features)
            labels = np.array(["neither"] * len(owner), dtype=object)
            for passage in np.flatnonzero(np.asarray(y, dtype=object) != "neither"):
                frame = FRAMES.index(y[passage])
                rows = np.flatnonzero(owner == passage)
                labels[rows[proba[rows, frame] > 0.5]] = y[passage]
                labels[rows[np.argmax(proba[rows, frame])]] = y[passage]
        self.coef_, self.intercept_ = self._full(model)
        return self

    @staticmethod
    def _proba(model: LogisticRegression, features: np.ndarray) -> np.ndarray:
        proba = np.zeros((len(features), len(FRAMES)))
        proba[:, [FRAMES.index(c) for c in model.classes_]] = model.predict_proba(features)
        return proba

    @staticmethod
    def _full(model: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients in :data:`FRAMES` order (a class never seen gets a very low intercept)."""
        coef = np.zeros((len(FRAMES), model.coef_.shape[1]))
        intercept = np.full(len(FRAMES), -1e3)
        for row, cls in enumerate(model.classes_):
            coef[FRAMES.index(cls)], intercept[FRAMES.index(cls)] = model.coef_[row], model.intercept_[row]
        return coef, intercept

    def predict_proba(self, texts, *, embeddings=None) -> np.ndarray:
        """ndarray of shape (n_passages, 3): probabilities in :data:`FRAMES` order."""
        texts, _, _ = _check_xy(texts, None, None, need_embeddings=False)
        vectors, owner = self._sentence_vectors(texts)
        z = ((vectors - self.mean_) / self.scale_) @ self.coef_.T + self.intercept_
        z -= z.max(axis=1, keepdims=True)
        sentence = np.exp(z)
        sentence /= sentence.sum(axis=1, keepdims=True)
        out = np.zeros((len(texts), len(FRAMES)))
        neither = FRAMES.index("neither")
        for i in range(len(texts)):
            rows = sentence[owner == i]
            out[i] = rows.max(axis=0)
            out[i, neither] = rows[:, neither].min()
        return out / out.sum(axis=1, keepdims=True)

    def get_state(self):
        return ({"dimension": int(self.mean_.shape[0])},
                {"mean": self.mean_, "scale": self.scale_, "coef": self.coef_, "intercept": self.intercept_})

    def set_state(self, meta, arrays):
        self.mean_, self.scale_ = arrays["mean"], arrays["scale"]
        self.coef_, self.intercept_ = arrays["coef"], arrays["intercept"]
        return self
