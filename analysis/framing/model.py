"""Framing of passages: militarization, root causes, or neither.

Three scorers share one interface (``fit(texts, y, embeddings=...)``, ``predict_proba``):

- :class:`LexiconScorer`, the transparent codebook scorer and baseline: counts the codebook's
  indicator phrases (English and Spanish) per frame; it learns nothing from annotations.
- :class:`ZeroShotScorer`: cosine similarity of a passage's embedding to each label's prototype,
  the mean embedding of the codebook's definition and examples; with annotations it learns a
  calibration of those similarities.
- :class:`SupervisedScorer`: multinomial logistic regression on passage embeddings plus the
  lexicon counts, class-balanced, with temperature scaling fitted on out-of-fold predictions.

:class:`FramingClassifier` wraps one of them (``method="auto"`` picks the one with the best
leave-one-article-out macro-F1 and records the comparison), predicts the tidy table of passage
labels, probabilities, stance and evidence, and saves to a folder of JSON and safetensors
(no pickle). The default model trained on the project's annotations ships in
``analysis/framing/models/default``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from .codebook import (
    CODEBOOK_PATH,
    _context_features,
    _lexicon_features,
    codebook_examples,
    indicator_matches,
    load_codebook,
)
from ..vectorize import DEFAULT_MODEL
from .frames import FRAMES

__all__ = [
    "CODEBOOK_PATH",
    "DEFAULT_MODEL_DIR",
    "FRAMES",
    "FramingClassifier",
    "LexiconScorer",
    "SupervisedScorer",
    "ZeroShotScorer",
    "load_codebook",
    "codebook_examples",
    "predictions_table",
]

#: The classifier shipped with the package (trained on the project's annotations).
DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "default"
Method = Literal["auto", "lexicon", "zeroshot", "supervised", "ensemble"]
METHODS: tuple[str, ...] = ("lexicon", "zeroshot", "supervised", "ensemble")


def _check_xy(texts: Sequence[str], y: Sequence[str] | None, embeddings: np.ndarray | None, need_embeddings: bool):
    texts = list(texts)
    if not texts:
        raise ValueError("no passages given")
    if any(not isinstance(t, str) or not t.strip() for t in texts):
        raise ValueError("every passage needs a non-empty text")
    if y is not None:
        y = np.asarray(y, dtype=object)
        if len(y) != len(texts):
            raise ValueError(f"{len(texts)} passages but {len(y)} labels")
        unknown = sorted(set(y) - set(FRAMES))
        if unknown:
            raise ValueError(f"unknown labels {unknown}; labels must be one of {list(FRAMES)}")
    if need_embeddings:
        if embeddings is None:
            raise ValueError("this scorer needs passage embeddings: pass embeddings=Embedder().encode(texts)")
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(texts):
            raise ValueError(f"embeddings of shape {embeddings.shape} do not match {len(texts)} passages")
    return texts, y, embeddings


def _fit_temperature(logits: np.ndarray, y_idx: np.ndarray) -> float:
    """Temperature T minimising the negative log-likelihood of softmax(logits / T)."""

    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t), axis=1)
        return -np.mean(np.log(p[np.arange(len(y_idx)), y_idx] + 1e-12))

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


class _Scorer(ClassifierMixin, BaseEstimator):
    """Shared plumbing: label order, probabilities to labels, saving of learned state."""

    needs_embeddings = False
    classes_ = np.array(FRAMES, dtype=object)

    def predict(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Most probable frame per passage: ndarray of shape (n_passages,) of str."""
        return self.classes_[np.argmax(self.predict_proba(texts, embeddings=embeddings), axis=1)]

    def _calibrator(self, features: np.ndarray, y: np.ndarray) -> LogisticRegression:
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        return model.fit(features, y)

    def _calibrated(self, features: np.ndarray) -> np.ndarray:
        proba = np.zeros((len(features), len(FRAMES)))
        cols = [FRAMES.index(c) for c in self.calibration_.classes_]
        proba[:, cols] = self.calibration_.predict_proba(features)
        return proba

    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Learned state as (JSON-able dict, dict of arrays) for :meth:`FramingClassifier.save`."""
        arrays = {}
        calib = getattr(self, "calibration_", None)
        if calib is not None:
            arrays = {"calib_coef": calib.coef_, "calib_intercept": calib.intercept_}
        meta = {"calib_classes": list(calib.classes_) if calib is not None else None}
        return meta, arrays

    def set_state(self, meta: dict, arrays: dict[str, np.ndarray]) -> "_Scorer":
        if meta.get("calib_classes"):
            calib = LogisticRegression()
            calib.classes_ = np.array(meta["calib_classes"], dtype=object)
            calib.coef_, calib.intercept_ = arrays["calib_coef"], arrays["calib_intercept"]
            self.calibration_ = calib
        else:
            self.calibration_ = None
        return self


class LexiconScorer(_Scorer):
    """Transparent codebook scorer: counts indicator phrases per frame; the baseline.

    It learns nothing from annotations: ``fit`` only checks its input, so its scores are exactly
    what the codebook says. With ``m`` and ``r`` the numbers of militarization and root-cause
    indicators found, probabilities are ``softmax(3 * [log1p(m), log1p(r), 0.5])``: a passage
    with no indicator is 'neither', one indicator tips it, more indicators make it surer.

    Parameters
    ----------
    codebook_path : path, optional
        Codebook to read indicators from (default: the packaged one).
    """

    def __init__(self, *, codebook_path: str | None = None) -> None:
        self.codebook_path = codebook_path

    def fit(self, texts, y=None, *, embeddings=None) -> "LexiconScorer":
        _check_xy(texts, y, None, need_embeddings=False)
        return self

    def predict_proba(self, texts, *, embeddings=None) -> np.ndarray:
        """ndarray of shape (n_passages, 3): probabilities in :data:`FRAMES` order."""
        texts, _, _ = _check_xy(texts, None, None, need_embeddings=False)
        features = _lexicon_features(texts, self.codebook_path)
        scores = np.column_stack([features, np.full(len(features), 0.5)])
        return softmax(3.0 * scores, axis=1)


class ZeroShotScorer(_Scorer):
    """Similarity of passage embeddings to codebook prototypes.

    Each label's prototype is the normalised mean embedding of its definition, inclusion rules
    and examples. Fitted on annotations, a logistic regression calibrates the three
    similarities; otherwise probabilities are ``softmax(similarity / temperature)``.

    Parameters
    ----------
    embedding_model : str
        Model used to embed the codebook (must match the passages' embeddings).
    temperature : float, default 0.05
    codebook_path : path, optional
    """

    needs_embeddings = True

    def __init__(self, *, embedding_model: str = DEFAULT_MODEL, temperature: float = 0.05,
                 codebook_path: str | None = None, cache_dir: str | None = None) -> None:
        self.embedding_model = embedding_model
        self.temperature = temperature
        self.codebook_path = codebook_path
        self.cache_dir = cache_dir

    def _prototypes(self) -> np.ndarray:
        from ..vectorize import Embedder

        book = load_codebook(self.codebook_path)
        embedder = Embedder(self.embedding_model, cache_dir=self.cache_dir, show_progress=False)
        protos = []
        for frame in FRAMES:
            spec = book["labels"][frame]
            texts = [spec["definition"], *spec.get("include", []), *spec.get("examples", [])]
            mean = embedder.encode(texts).mean(axis=0)
            protos.append(mean / np.linalg.norm(mean))
        return np.vstack(protos)

    def fit(self, texts, y=None, *, embeddings=None) -> "ZeroShotScorer":
        texts, y, embeddings = _check_xy(texts, y, embeddings, need_embeddings=True)
        self.prototypes_ = self._prototypes()
        sims = self._similarities(embeddings)
        self.calibration_ = self._calibrator(sims, y) if y is not None else None
        return self

    def _similarities(self, embeddings: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
        return (embeddings / np.maximum(norms, 1e-12)) @ self.prototypes_.T

    def predict_proba(self, texts, *, embeddings=None) -> np.ndarray:
        """ndarray of shape (n_passages, 3): probabilities in :data:`FRAMES` order."""
        texts, _, embeddings = _check_xy(texts, None, embeddings, need_embeddings=True)
        if not hasattr(self, "prototypes_"):
            self.prototypes_ = self._prototypes()
        sims = self._similarities(embeddings)
        if getattr(self, "calibration_", None) is not None:
            return self._calibrated(sims)
        return softmax(sims / self.temperature, axis=1)

    def get_state(self):
        meta, arrays = super().get_state()
        return meta, {**arrays, "prototypes": self.prototypes_}

    def set_state(self, meta, arrays):
        self.prototypes_ = arrays["prototypes"]
        return super().set_state(meta, arrays)


class SupervisedScorer(_Scorer):
    """Logistic regression on passage embeddings plus lexicon counts, temperature-calibrated.

    Features: the embedding, and ``lexicon_weight`` times log(1 + count) of militarization
    indicators, root-cause indicators and drug-trade context words (all from the codebook).

    Parameters
    ----------
    C : float, default 1.0
        Inverse regularisation strength.
    lexicon_weight : float, default 3.0
        Scale of the three count features appended to the embedding (0 drops them). The
        default was chosen by leave-one-article-out macro-F1 on the seed annotations among
        0, 1, 3 and 10.
    calibrate : bool, default True
        Fit a temperature on out-of-fold decision values (when each class has >= 3 passages).
    random_state : int, default 0
    """

    needs_embeddings = True

    def __init__(self, *, C: float = 1.0, lexicon_weight: float = 3.0, calibrate: bool = True,
                 codebook_path: str | None = None, random_state: int = 0) -> None:
        self.C = C
        self.lexicon_weight = lexicon_weight
        self.calibrate = calibrate
        self.codebook_path = codebook_path
        self.random_state = random_state

    def _features(self, texts, embeddings) -> np.ndarray:
        lex = np.hstack([_lexicon_features(texts, self.codebook_path), _context_features(texts, self.codebook_path)])
        return np.hstack([embeddings, lex * self.lexicon_weight])

    def _model(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.random_state)

    def fit(self, texts, y=None, *, embeddings=None) -> "SupervisedScorer":
        texts, y, embeddings = _check_xy(texts, y, embeddings, need_embeddings=True)
        if y is None:
            raise ValueError("SupervisedScorer needs labels: fit(texts, y, embeddings=...)")
        present = sorted(set(y))
        if len(present) < 2:
            raise ValueError(f"need at least two labels to learn from, got only {present}")
        features = self._features(texts, embeddings)
        self.model_ = self._model().fit(features, y)
        self.temperature_ = 1.0
        counts = pd.Series(y).value_counts()
        if self.calibrate and counts.min() >= 3 and len(counts) == len(FRAMES):
            from sklearn.model_selection import StratifiedKFold, cross_val_predict

            folds = StratifiedKFold(n_splits=min(5, int(counts.min())), shuffle=True, random_state=self.random_state)
            logits = cross_val_predict(self._model(), features, y, cv=folds, method="decision_function")
            order = list(self.model_.classes_)
            self.temperature_ = _fit_temperature(logits, np.array([order.index(v) for v in y]))
        return self

    def predict_proba(self, texts, *, embeddings=None) -> np.ndarray:
        """ndarray of shape (n_passages, 3): probabilities in :data:`FRAMES` order."""
        texts, _, embeddings = _check_xy(texts, None, embeddings, need_embeddings=True)
        logits = self.model_.decision_function(self._features(texts, embeddings))
        proba = np.zeros((len(texts), len(FRAMES)))
        cols = [FRAMES.index(c) for c in self.model_.classes_]
        proba[:, cols] = softmax(logits / self.temperature_, axis=1)
        return proba

    def get_state(self):
        meta = {"classes": list(self.model_.classes_), "temperature": self.temperature_}
        return meta, {"coef": self.model_.coef_, "intercept": self.model_.intercept_}

    def set_state(self, meta, arrays):
        model = self._model()
        model.classes_ = np.array(meta["classes"], dtype=object)
        model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
        self.model_, self.temperature_ = model, float(meta["temperature"])
        return self


_SCORERS: dict[str, type[_Scorer]] = {
    "lexicon": LexiconScorer,
    "zeroshot": ZeroShotScorer,
    "supervised": SupervisedScorer,
}


def _scorer_class(method: str) -> type[_Scorer]:
    if method == "ensemble":
        from .ensemble import EnsembleScorer

        return EnsembleScorer
    if method == "sentence":
        from .sentences import SentenceScorer

        return SentenceScorer
    if method not in _SCORERS:
        raise ValueError(f"unknown framing method '{method}'; choose one of {list(METHODS)} or 'auto'")
    return _SCORERS[method]


def make_scorer(method: str, **params) -> _Scorer:
    """A fresh scorer for ``method`` ('lexicon', 'zeroshot' or 'supervised')."""
    cls = _scorer_class(method)
    return cls(**{k: v for k, v in params.items() if k in cls._get_param_names()})


def predictions_table(passage_ids: Sequence[str], texts: Sequence[str], proba: np.ndarray,
                      codebook_path: str | None = None, p_relevant: np.ndarray | None = None) -> pd.DataFrame:
    """Tidy predictions: passage_id, label, p_militarization, p_root_cause, p_neither, stance, evidence.

    With ``p_relevant`` (from a model with a relevance score) a ``p_relevant`` column follows
    ``stance``: the probability that the passage is about drugs, organised crime or security policy.

    ``stance`` is ``p_militarization - p_root_cause`` in [-1, 1]; ``evidence`` lists the
    codebook indicator phrases found for the predicted frame (or for both frames when the
    passage is 'neither'), so a reader can see what drove the score.
    """
    proba = np.asarray(proba, dtype=float)
    labels = np.array(FRAMES, dtype=object)[np.argmax(proba, axis=1)]
    evidence = []
    for label, found in zip(labels, indicator_matches(texts, codebook_path)):
        frames = [label] if label != "neither" else ["militarization", "root_cause"]
        phrases = [p for f in frames for p in dict.fromkeys(found[f])]
        evidence.append("; ".join(phrases))
    table = pd.DataFrame({"passage_id": list(passage_ids), "label": labels})
    for i, frame in enumerate(FRAMES):
        table[f"p_{frame}"] = proba[:, i]
    table["stance"] = table["p_militarization"] - table["p_root_cause"]
    if p_relevant is not None:
        table["p_relevant"] = np.asarray(p_relevant, dtype=float)
    table["evidence"] = evidence
    return table


class FramingClassifier(ClassifierMixin, BaseEstimator):
    """Passage framing classifier: militarization, root_cause or neither.

    Parameters
    ----------
    method : {"auto", "lexicon", "zeroshot", "supervised"}, default "auto"
        "auto" compares the three by leave-one-article-out macro-F1 on the training annotations
        (needs ``groups`` in :meth:`fit`) and keeps the best; the comparison is in ``selection_``.
    embedding_model : str, default "use-multilingual-v3"
        Encoder whose vectors the scorer reads (recorded when saved).
    C : float, optional
        Regularisation of the embedding model of the supervised or ensemble scorer (None: the
        scorer's own default).
    random_state : int, default 0
    """

    def __init__(self, *, method: Method = "auto", embedding_model: str = DEFAULT_MODEL, C: float | None = None,
                 codebook_path: str | None = None, cache_dir: str | None = None, random_state: int = 0) -> None:
        self.method = method
        self.embedding_model = embedding_model
        self.C = C
        self.codebook_path = codebook_path
        self.cache_dir = cache_dir
        self.random_state = random_state

    def _scorer(self, method: str) -> _Scorer:
        params = {k: v for k, v in self.get_params().items() if k != "method" and not (k == "C" and v is None)}
        return make_scorer(method, **params)

    def fit(self, texts, y, *, embeddings=None, groups=None, always_train=None) -> "FramingClassifier":
        """Fit on annotated passages.

        Parameters
        ----------
        texts : sequence of str, length n_passages
        y : sequence of str, length n_passages
            Frames from :data:`FRAMES`.
        embeddings : ndarray of shape (n_passages, dim), optional
            Needed by the zero-shot and supervised scorers.
        groups : sequence, length n_passages, optional
            Article id of each passage, for the leave-one-article-out comparison of "auto".
        always_train : boolean ndarray of shape (n_passages,), optional
            Rows (such as codebook examples) kept in every training fold and never tested.
        """
        if self.method not in ("auto", *METHODS):
            raise ValueError(f"unknown framing method '{self.method}'; choose one of {['auto', *METHODS]}")
        texts, y, embeddings = _check_xy(texts, y, embeddings, need_embeddings=self.method != "lexicon")
        chosen, self.selection_ = self.method, {}
        if self.method == "auto":
            if groups is None:
                raise ValueError("method='auto' compares scorers across articles: pass groups=article ids")
            from .evaluation import cross_validate, macro_f1

            for method in METHODS:
                oof = cross_validate(self._scorer(method), texts, y, embeddings=embeddings, groups=groups,
                                     always_train=always_train)
                tested = oof["y_pred"].notna()
                self.selection_[method] = macro_f1(oof.loc[tested, "y_true"], oof.loc[tested, "y_pred"])
            chosen = max(METHODS, key=lambda m: (round(self.selection_[m], 6), -METHODS.index(m)))
        self.method_ = chosen
        self.relevance_ = None  # set by analysis.framing.instrument.train_instrument
        self.gate_relevance_ = False
        self.scorer_ = self._scorer(chosen).fit(texts, y, embeddings=embeddings)
        self.n_training_ = len(texts)
        return self

    def predict_proba(self, texts, *, embeddings=None) -> np.ndarray:
        """ndarray of shape (n_passages, 3): probabilities in :data:`FRAMES` order.

        When the model gates by its relevance score (``gate_relevance_``, true for the method
        ``ensemble+relevance``) the frames are multiplied by ``p_relevant``
        (:func:`.relevance.gate`), so an off-topic passage is ``neither`` with high probability. The
        shipped model carries a relevance score without gating: the outlet-grouped validation
        scored the ungated ensemble higher, and ``p_relevant`` serves to count and exclude off-topic
        articles instead (:func:`.relevance.article_relevance`).
        """
        proba = self.scorer_.predict_proba(texts, embeddings=embeddings)
        relevance = getattr(self, "relevance_", None)
        if relevance is not None and embeddings is not None and getattr(self, "gate_relevance_", False):
            from .relevance import gate

            proba = gate(proba, relevance.predict_proba(embeddings=embeddings))
        return proba

    def predict_relevance(self, embeddings: np.ndarray) -> np.ndarray | None:
        """ndarray of shape (n_passages,): p_relevant, or None when the model has no relevance score."""
        relevance = getattr(self, "relevance_", None)
        return None if relevance is None else relevance.predict_proba(embeddings=embeddings)

    def predict(self, texts, *, embeddings=None) -> np.ndarray:
        return np.array(FRAMES, dtype=object)[self.predict_proba(texts, embeddings=embeddings).argmax(axis=1)]

    @property
    def classes_(self) -> np.ndarray:
        return np.array(FRAMES, dtype=object)

    @property
    def needs_embeddings(self) -> bool:
        return self.scorer_.needs_embeddings

    def predict_table(self, passage_ids, texts, *, embeddings=None) -> pd.DataFrame:
        """Tidy predictions for passages; see :func:`predictions_table`."""
        p_relevant = self.predict_relevance(embeddings) if embeddings is not None else None
        return predictions_table(passage_ids, texts, self.predict_proba(texts, embeddings=embeddings),
                                 self.codebook_path, p_relevant=p_relevant)

    # ----------------------------------------------------------------- persistence
    def save(self, folder: str | Path, *, extra: dict | None = None) -> Path:
        """Write ``model.json`` and ``weights.safetensors`` into ``folder``."""
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta, arrays = self.scorer_.get_state()
        relevance = getattr(self, "relevance_", None)
        if relevance is not None:
            relevance_meta, relevance_arrays = relevance.get_state()
            arrays = {**arrays, **{f"relevance.{k}": v for k, v in relevance_arrays.items()}}
        record = {
            "format": "analysis.framing/1",
            "method": self.method_,
            "params": self.get_params(),
            "scorer_params": self.scorer_.get_params(),
            "state": meta,
            "selection": self.selection_,
            "n_training": self.n_training_,
            "relevance": relevance_meta if relevance is not None else None,
            "gate_relevance": bool(getattr(self, "gate_relevance_", False)) if relevance is not None else False,
            **(extra or {}),
        }
        (folder / "model.json").write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
        save_file({k: np.ascontiguousarray(v, dtype=np.float64) for k, v in arrays.items()},
                  str(folder / "weights.safetensors"))
        return folder

    @classmethod
    def load(cls, folder: str | Path = DEFAULT_MODEL_DIR) -> "FramingClassifier":
        """Load a classifier saved by :meth:`save` (default: the model shipped with the package)."""
        from safetensors.numpy import load_file

        folder = Path(folder)
        if not (folder / "model.json").is_file():
            raise FileNotFoundError(
                f"no framing model in '{folder}': train one with `analysis framing train --out {folder}`"
            )
        record = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        arrays = load_file(str(folder / "weights.safetensors")) if (folder / "weights.safetensors").is_file() else {}
        model = cls(**record["params"])
        scorer = _scorer_class(record["method"])(**record["scorer_params"])
        model.scorer_ = scorer.set_state(record["state"], arrays)
        model.method_, model.selection_ = record["method"], record.get("selection", {})
        model.n_training_ = record.get("n_training", 0)
        model.relevance_ = None
        if record.get("relevance"):
            from .relevance import RelevanceScorer

            prefix = "relevance."
            model.relevance_ = RelevanceScorer(C=record["relevance"].get("C", 0.01)).set_state(
                record["relevance"], {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
        # models saved before the flag gated whenever they had a relevance score
        model.gate_relevance_ = bool(record.get("gate_relevance", model.relevance_ is not None))
        model.record_ = record
        return model

