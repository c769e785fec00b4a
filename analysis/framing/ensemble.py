"""The ensemble framing scorer, the default since version 2: embedding model + character n-grams + lexicon."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from .frames import FRAMES
from .model import LexiconScorer, _check_xy, _Scorer
from .model import _fit_temperature as _fit_temperature_on_logits

__all__ = ["LEXICON_WEIGHTS", "EnsembleScorer"]


#: Candidate weights of the lexicon scorer in :class:`EnsembleScorer` (``lexicon_weight="auto"``).
LEXICON_WEIGHTS: tuple[float, ...] = (0.0, 0.5, 1.0)


def _word_wise_counts(counter, vocabulary: dict[str, int], texts) -> "sparse.csr_matrix":
    """``counter.transform(texts)`` as float64 CSR, computed word by word.

    A ``char_wb`` n-gram never crosses a space: a text's n-grams are those of its words, each
    padded with one space. So each distinct (lower-cased) word is analysed once, by the vectorizer's
    own analyzer, and the counts are (texts x words) @ (words x n-grams): news repeats its words,
    and both factors and their product are built by scipy. All counts are whole numbers, so the
    matrix is exactly the vectorizer's.
    """
    from scipy import sparse

    analyze = counter.build_analyzer()
    words: dict[str, int] = {}
    occurrences: list[int] = []  # every text's word ids, one text after the other
    lengths = []
    for text in texts:
        start = len(occurrences)
        occurrences += [words.setdefault(word, len(words)) for word in text.lower().split()]
        lengths.append(len(occurrences) - start)
    grams = [[vocabulary[g] for g in analyze(word) if g in vocabulary] for word in words]
    by_word = sparse.csr_matrix((np.ones(sum(map(len, grams))),
                                 (np.repeat(np.arange(len(grams)), [len(g) for g in grams]),
                                  np.fromiter((i for g in grams for i in g), dtype=np.int64))),
                                shape=(len(grams), len(vocabulary)))
    by_text = sparse.csr_matrix((np.ones(len(occurrences)),
                                 (np.repeat(np.arange(len(lengths)), lengths), np.asarray(occurrences, dtype=np.int64))),
                                shape=(len(lengths), len(grams)))
    counts = (by_text @ by_word).tocsr()
    counts.sort_indices()  # the order scipy builds a matrix from pairs in, so row sums add up alike
    return counts


class EnsembleScorer(_Scorer):
    """Average of two linear models that see the passage differently; the default since version 2.

    - an embedding model: logistic regression on the standardised passage embedding (from a
      multilingual encoder, so English and Spanish passages share one model);
    - a character n-gram model: logistic regression on TF-IDF of character 2-5-grams within word
      boundaries, which catches the wording of a frame ("operativo", "mano dura", "prevención")
      in both languages and their inflections.

    Both are class-balanced; their probabilities are averaged with ``ngram_weight`` for the
    n-gram model and ``lexicon_weight`` for the codebook's :class:`LexiconScorer` (which learns
    nothing). With ``lexicon_weight="auto"`` that weight is chosen among
    :data:`LEXICON_WEIGHTS` by 3-fold cross-validated macro-F1 on the training passages only.
    Chosen by the outlet-grouped validation of the gold standard (README).

    Parameters
    ----------
    C : float, default 0.01
        Inverse regularisation of the embedding model.
    ngram_C : float, default 3.0
        Inverse regularisation of the n-gram model.
    ngram_weight : float, default 1.0
        Weight of the n-gram model in the average (0 uses the embedding model alone).
    lexicon_weight : float or "auto", default "auto"
        Weight of the lexicon scorer's probabilities in the average.
    calibrate : bool, default True
        Fit a temperature on the averaged probabilities of the inner cross-validation (training
        passages only) so that they are calibrated: ``p ∝ p_avg ** (1 / temperature_)``.
    max_features : int, default 30000
        Size of the n-gram vocabulary (most frequent n-grams of the training passages).
    codebook_path : str, optional
    random_state : int, default 0

    Attributes
    ----------
    lexicon_weight_ : float
        The lexicon weight used (chosen when ``lexicon_weight="auto"``).
    lexicon_selection_ : dict
        Inner cross-validated macro-F1 of each candidate weight.
    temperature_ : float
        1.0 when not calibrated; below 1 sharpens the average, above 1 softens it.
    """

    needs_embeddings = True

    def __init__(self, *, C: float = 0.01, ngram_C: float = 3.0, ngram_weight: float = 1.0,
                 lexicon_weight: float | str = "auto", calibrate: bool = True, max_features: int = 30000,
                 codebook_path: str | None = None, random_state: int = 0) -> None:
        self.C = C
        self.ngram_C = ngram_C
        self.ngram_weight = ngram_weight
        self.lexicon_weight = lexicon_weight
        self.calibrate = calibrate
        self.max_features = max_features
        self.codebook_path = codebook_path
        self.random_state = random_state

    def _lr(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=self.random_state)

    def _counts(self):
        from sklearn.feature_extraction.text import CountVectorizer

        # raw counts; sublinear tf, idf weighting and the L2 norm are applied by _ngrams, so that
        # the learned state is one array and a vocabulary (no pickled vectorizer)
        vocabulary = getattr(self, "vocabulary_", None)
        if vocabulary:
            return CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, vocabulary=vocabulary)
        return CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, min_df=2,
                               max_features=self.max_features)

    def _ngrams(self, texts):
        """Sparse matrix of shape (n_passages, n_ngrams): sublinear TF-IDF, rows of unit length."""
        from sklearn.preprocessing import normalize

        tf = _word_wise_counts(self._counter_, self.vocabulary_, texts)
        tf.data = 1.0 + np.log(tf.data)
        return normalize(tf.multiply(self.idf_).tocsr(), norm="l2")

    def fit(self, texts, y=None, *, embeddings=None) -> "EnsembleScorer":
        texts, y, embeddings = _check_xy(texts, y, embeddings, need_embeddings=True)
        if y is None:
            raise ValueError("EnsembleScorer needs labels: fit(texts, y, embeddings=...)")
        if len(set(y)) < 2:
            raise ValueError(f"need at least two labels to learn from, got only {sorted(set(y))}")
        self.lexicon_selection_, self.temperature_ = {}, 1.0
        inner = None
        if pd.Series(y).value_counts().min() >= 3 and (self.lexicon_weight == "auto" or self.calibrate):
            inner = self._inner_proba(texts, y, embeddings)
        if self.lexicon_weight == "auto":
            self.lexicon_weight_ = self._choose_lexicon_weight(y, *inner) if inner is not None else LEXICON_WEIGHTS[0]
        else:
            self.lexicon_weight_ = float(self.lexicon_weight)
        if self.calibrate and inner is not None:
            self.temperature_ = _fit_temperature(self._average(*inner, self.lexicon_weight_), y)
        self._fit_members(texts, y, embeddings)
        return self

    def _inner_proba(self, texts, y, embeddings) -> tuple[np.ndarray, np.ndarray]:
        """3-fold out-of-fold probabilities of the learned members, and the lexicon's, on the training passages."""
        from sklearn.model_selection import StratifiedKFold

        lexicon = LexiconScorer(codebook_path=self.codebook_path).predict_proba(texts)
        learned = np.zeros((len(texts), len(FRAMES)))
        folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=self.random_state)
        texts_arr = np.asarray(texts, dtype=object)
        for train, test in folds.split(texts_arr, y):
            inner = EnsembleScorer(C=self.C, ngram_C=self.ngram_C, ngram_weight=self.ngram_weight, lexicon_weight=0.0,
                                   max_features=self.max_features, random_state=self.random_state)
            inner._fit_members(list(texts_arr[train]), y[train], embeddings[train])
            learned[test] = inner._learned_proba(list(texts_arr[test]), embeddings[test])
        return learned, lexicon

    def _average(self, learned: np.ndarray, lexicon: np.ndarray, weight: float) -> np.ndarray:
        return (learned * (1 + self.ngram_weight) + weight * lexicon) / (1 + self.ngram_weight + weight)

    def _choose_lexicon_weight(self, y, learned: np.ndarray, lexicon: np.ndarray) -> float:
        from sklearn.metrics import f1_score

        for weight in LEXICON_WEIGHTS:
            pred = np.array(FRAMES, dtype=object)[self._average(learned, lexicon, weight).argmax(axis=1)]
            self.lexicon_selection_[str(weight)] = float(f1_score(y, pred, labels=list(FRAMES), average="macro"))
        return float(max(LEXICON_WEIGHTS, key=lambda w: (round(self.lexicon_selection_[str(w)], 6), -w)))

    def _fit_members(self, texts, y, embeddings) -> None:
        self.mean_ = embeddings.mean(axis=0)
        self.scale_ = embeddings.std(axis=0) + 1e-8
        self.embedding_model_ = self._lr(self.C).fit((embeddings - self.mean_) / self.scale_, y)
        self.vocabulary_ = None
        counter = self._counts()
        tf = counter.fit_transform(texts).tocsr()
        self.vocabulary_ = {term: int(i) for term, i in counter.vocabulary_.items()}
        n_docs = tf.shape[0]
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        self.idf_ = np.log((1 + n_docs) / (1 + df)) + 1.0
        self._counter_ = self._counts()
        self.ngram_model_ = self._lr(self.ngram_C).fit(self._ngrams(texts), y)
        self.dimension_ = int(embeddings.shape[1])

    def _proba(self, model, features) -> np.ndarray:
        proba = np.zeros((features.shape[0], len(FRAMES)))
        proba[:, [FRAMES.index(c) for c in model.classes_]] = model.predict_proba(features)
        return proba

    def predict_proba(self, texts, *, embeddings=None) -> np.ndarray:
        """ndarray of shape (n_passages, 3): probabilities in :data:`FRAMES` order."""
        texts, _, embeddings = _check_xy(texts, None, embeddings, need_embeddings=True)
        if embeddings.shape[1] != self.dimension_:
            raise ValueError(f"embeddings have {embeddings.shape[1]} dimensions but this framing model was trained on "
                             f"{self.dimension_}-dimensional vectors: embed with the encoder it was trained with")
        proba = self._learned_proba(texts, embeddings) * (1 + self.ngram_weight)
        if self.lexicon_weight_:
            proba += self.lexicon_weight_ * LexiconScorer(codebook_path=self.codebook_path).predict_proba(texts)
        return _tempered(proba / (1 + self.ngram_weight + self.lexicon_weight_), self.temperature_)

    def _learned_proba(self, texts, embeddings) -> np.ndarray:
        proba = self._proba(self.embedding_model_, (embeddings - self.mean_) / self.scale_)
        if self.ngram_weight:
            proba = (proba + self.ngram_weight * self._proba(self.ngram_model_, self._ngrams(texts))) / (1 + self.ngram_weight)
        return proba

    def get_state(self):
        terms = sorted(self.vocabulary_, key=self.vocabulary_.get)
        meta = {"classes": list(self.embedding_model_.classes_), "ngram_classes": list(self.ngram_model_.classes_),
                "vocabulary": terms, "dimension": self.dimension_, "lexicon_weight": self.lexicon_weight_,
                "lexicon_selection": self.lexicon_selection_, "temperature": self.temperature_}
        arrays = {"mean": self.mean_, "scale": self.scale_, "coef": self.embedding_model_.coef_,
                  "intercept": self.embedding_model_.intercept_, "idf": self.idf_,
                  "ngram_coef": self.ngram_model_.coef_, "ngram_intercept": self.ngram_model_.intercept_}
        return meta, arrays

    def set_state(self, meta, arrays):
        self.mean_, self.scale_ = arrays["mean"], arrays["scale"]
        self.embedding_model_ = self._lr(self.C)
        self.embedding_model_.classes_ = np.array(meta["classes"], dtype=object)
        self.embedding_model_.coef_, self.embedding_model_.intercept_ = arrays["coef"], arrays["intercept"]
        self.ngram_model_ = self._lr(self.ngram_C)
        self.ngram_model_.classes_ = np.array(meta["ngram_classes"], dtype=object)
        self.ngram_model_.coef_, self.ngram_model_.intercept_ = arrays["ngram_coef"], arrays["ngram_intercept"]
        self.vocabulary_ = {term: i for i, term in enumerate(meta["vocabulary"])}
        self.idf_ = arrays["idf"]
        self._counter_ = self._counts()
        self.dimension_ = int(meta["dimension"])
        self.lexicon_weight_ = float(meta.get("lexicon_weight", 0.0))
        self.lexicon_selection_ = meta.get("lexicon_selection", {})
        self.temperature_ = float(meta.get("temperature", 1.0))
        return self


def _tempered(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of ``proba`` raised to ``1 / temperature`` and renormalised (unchanged at 1)."""
    if temperature == 1.0:
        return proba
    logp = np.log(np.clip(proba, 1e-12, None)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    out = np.exp(logp)
    return out / out.sum(axis=1, keepdims=True)


def _fit_temperature(proba: np.ndarray, y) -> float:
    """The temperature minimising the log-loss of ``proba`` tempered by it, against labels ``y``."""
    index = np.array([FRAMES.index(label) for label in y])
    return _fit_temperature_on_logits(np.log(np.clip(proba, 1e-12, None)), index)
