"""What every topic module shares: the warning, settings checks and BERTopic plumbing."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import warnings
from contextlib import contextmanager
from typing import Any, Literal, get_args

import numpy as np

from .._notices import ignore_notices

__all__ = ["OUTLIER_LABEL", "OutlierStrategy", "StopWords", "TopicModelWarning", "check_choice", "check_inputs",
           "unit_rows"]

OUTLIER_LABEL = "outliers"

ignore_notices()  # BERTopic's notice that datamapplot is missing, among others (analysis._notices)

OutlierStrategy = Literal["embeddings", "none"]
StopWords = Literal["en+es", "en", "es"]
_CHOICES: dict[str, tuple[str, ...]] = {
    "outlier_strategy": get_args(OutlierStrategy),
    "stop_words": get_args(StopWords),
}


class TopicModelWarning(Warning):
    """A topic model fell back to another method or dropped input; see the message.

    Not a ``UserWarning``: importing BERTopic adds a global filter that ignores every
    ``UserWarning`` (we import it so that its filters are undone, but a user may import it too).
    """


def _bertopic():
    """BERTopic's classes, imported without its global ``ignore UserWarning`` filter.

    Importing ``bertopic`` also imports its optional integrations (:data:`_DEFERRED`), which pull
    in sentence-transformers, transformers and torch: about 10 s of a new process, for parts this
    project never uses. They are imported when first asked for instead (:func:`_import_bertopic`).
    """
    with warnings.catch_warnings():
        _import_bertopic()
        from bertopic import BERTopic
        from bertopic.dimensionality import BaseDimensionalityReduction
        from bertopic.vectorizers import ClassTfidfTransformer
    return BERTopic, BaseDimensionalityReduction, ClassTfidfTransformer


#: BERTopic's optional integrations that its package imports eagerly: package -> {module: name}.
_DEFERRED = {"bertopic.backend": {"_multimodal": "MultiModalBackend"},
             "bertopic.representation": {"_textgeneration": "TextGeneration",
                                         "_zeroshot": "ZeroShotClassification",
                                         "_visual": "VisualRepresentation"}}


class _DeferOptional:
    """An import hook, present only while ``bertopic`` is imported, that holds back the
    :data:`_DEFERRED` modules and the ``import torch`` of ``bertopic._save_utils``."""

    def __init__(self) -> None:
        self.held = {f"{package}.{module}" for package, modules in _DEFERRED.items() for module in modules}

    def find_spec(self, name, path=None, target=None):
        if name in self.held or (name == "torch" and self._from_save_utils()):
            raise ModuleNotFoundError(f"{name} is imported when first used", name=name)
        return None

    @staticmethod
    def _from_save_utils() -> bool:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_globals.get("__name__") == "bertopic._save_utils":
                return True
            frame = frame.f_back
        return False


class _Later:
    """A module imported on first attribute access (``bertopic._save_utils.torch``)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)


def _import_bertopic() -> None:
    """Import ``bertopic`` with its :data:`_DEFERRED` parts (and torch) imported on first use.

    Afterwards ``bertopic.representation.TextGeneration`` and the rest import their module when
    first read, and BERTopic's save/load finds torch if it is installed: nothing is lost, only
    moved to when it is needed. A process that imported ``bertopic`` already is left as it is.
    """
    if "bertopic" in sys.modules:
        return
    hook = _DeferOptional()
    sys.meta_path.insert(0, hook)
    try:
        import bertopic  # noqa: F401
    finally:
        sys.meta_path.remove(hook)
    for package, modules in _DEFERRED.items():
        namespace = vars(sys.modules[package])
        for name in modules.values():
            namespace.pop(name, None)  # BERTopic's "not installed" placeholder
        namespace["__getattr__"] = _importer(package, {name: module for module, name in modules.items()})
    save_utils = sys.modules.get("bertopic._save_utils")
    if save_utils is not None and "torch" not in vars(save_utils):
        save_utils.torch = _Later("torch")
        save_utils._has_torch = importlib.util.find_spec("torch") is not None


def _importer(package: str, modules: dict[str, str]):
    def __getattr__(name: str):
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{modules[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


def check_choice(name: str, value: Any) -> None:
    """The one place where Literal settings are validated."""
    if value not in _CHOICES[name]:
        raise ValueError(f"{name}={value!r} is not one of {list(_CHOICES[name])}")


def check_inputs(texts: Any, embeddings: Any, *, min_passages: int = 2) -> tuple[list[str], np.ndarray]:
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of passage strings, not a single string")
    texts = list(texts)
    if len(texts) < min_passages:
        raise ValueError(f"a topic model needs at least {min_passages} passages; got {len(texts)}")
    empty = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
    if empty:
        raise ValueError(f"empty or non-text passages at positions {empty[:10]}; drop them before fitting")
    emb = np.asarray(embeddings, dtype=np.float64) if embeddings is not None else None
    if emb is None:
        raise ValueError("embeddings are required: pass the ndarray from analysis.vectorize.Embedder.encode")
    if emb.ndim != 2:
        raise ValueError(f"embeddings must be 2-D (n_passages, dim); got an array with {emb.ndim} dimension(s)")
    if emb.shape[0] != len(texts):
        raise ValueError(f"embeddings have {emb.shape[0]} rows but there are {len(texts)} texts; they must match")
    if not np.isfinite(emb).all():
        bad = np.flatnonzero(~np.isfinite(emb).all(axis=1))
        raise ValueError(f"embeddings contain NaN or infinite values in rows {bad[:10].tolist()}")
    return texts, emb


def unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


class _PrecomputedReduction:
    """A dimensionality-reduction stand-in returning an already computed reduction."""

    def __init__(self, reduced: np.ndarray) -> None:
        self.reduced = reduced

    def fit(self, X: np.ndarray, y: Any = None) -> _PrecomputedReduction:
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if len(X) != len(self.reduced):
            raise ValueError("a precomputed reduction only transforms its own training passages")
        return self.reduced


@contextmanager
def _quiet_bertopic():
    """Silence BERTopic's logger (it warns on every manual topic update)."""
    logger = logging.getLogger("BERTopic")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
