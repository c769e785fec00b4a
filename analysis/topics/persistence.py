"""Saving and loading a fitted :class:`~analysis.topics.TopicModel` (safetensors, JSON, Parquet; no pickle).

A folder with ``centroids.safetensors`` (topic centroids, c-TF-IDF matrix as CSR parts),
``model.json`` (settings, topic tables, vocabulary, learned names, run record) and
``passages.parquet`` (passage_id, topic, label, x, y, text_key: a digest of the passage text that
:mod:`analysis.topics.extension` checks). No pickle. Reloaded assignments are the
saved ones; ``transform`` uses the saved centroids and threshold. :meth:`TopicModel.save` and
:meth:`TopicModel.load` call :func:`save_model` and :func:`load_model`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .labels import TermAnalyzer

if TYPE_CHECKING:
    from .model import TopicModel

__all__ = ["FORMAT", "load_model", "save_model"]

FORMAT = "analysis.topics/1"


def save_model(self: TopicModel, folder: str | os.PathLike) -> Path:
    """Write the model folder: ``centroids.safetensors``, ``model.json``, ``passages.parquet``.

    No pickle: centroids and the c-TF-IDF matrix (CSR parts) in safetensors, settings, topic
    tables, vocabulary and run record in JSON, the passage-topic table in Parquet.
    """
    from safetensors.numpy import save_file

    self._check_fitted()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {"centroids": np.ascontiguousarray(self.centroids_, dtype=np.float32)}
    ctfidf = getattr(getattr(self, "bertopic_", None), "c_tf_idf_", None)
    if ctfidf is None:
        ctfidf = getattr(self, "_ctfidf_saved", None)
    if ctfidf is not None:
        ctfidf = ctfidf.tocsr()
        tensors |= {
            "ctfidf_data": ctfidf.data.astype(np.float32),
            "ctfidf_indices": ctfidf.indices.astype(np.int64),
            "ctfidf_indptr": ctfidf.indptr.astype(np.int64),
            "ctfidf_shape": np.asarray(ctfidf.shape, dtype=np.int64),
        }
    save_file(tensors, str(folder / "centroids.safetensors"))
    info = self.topic_info_.assign(words=self.topic_info_["words"].map(list))
    meta = {
        "format": FORMAT,
        "settings": self.get_params(),
        "outlier_threshold": self.outlier_threshold_,
        "outlier_share_before": self.outlier_share_before_,
        "outlier_share_after": self.outlier_share_after_,
        "topic_info": info.to_dict(orient="records"),
        "topic_words": self.topic_words_.to_dict(orient="records"),
        "vocabulary": list(self.vocabulary_),
        "names": sorted(self.analyzer_.names_),
        "name_starts": sorted(self.analyzer_.name_starts_),
        "run_record": self.run_record_,
        "centroid_topics": [int(t) for t in getattr(self, "centroid_topics_", range(len(self.centroids_)))],
        "topic_names": {str(t): n for t, n in getattr(self, "topic_names_", {}).items()},
    }
    text = json.dumps(meta, ensure_ascii=False, indent=1, default=_jsonable)
    (folder / "model.json").write_text(text, "utf-8")
    table = self.passage_topics()
    keys = getattr(self, "passage_keys_", None)
    if keys is not None:
        table["text_key"] = keys
    table.to_parquet(folder / "passages.parquet", index=False)
    return folder

def load_model(cls: type[TopicModel], folder: str | os.PathLike) -> TopicModel:
    """Reload a folder written by :meth:`save`; ``transform`` uses the nearest-centroid rule."""
    from safetensors.numpy import load_file
    from scipy import sparse

    folder = Path(folder)
    needed = [folder / name for name in ("model.json", "centroids.safetensors", "passages.parquet")]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise ValueError(f"'{folder}' is not a saved TopicModel folder: missing {missing}")
    meta = json.loads((folder / "model.json").read_text("utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"'{folder}/model.json' has format {meta.get('format')!r}, expected {FORMAT!r}")
    tensors = load_file(str(folder / "centroids.safetensors"))
    passages = pd.read_parquet(folder / "passages.parquet")
    model = cls(**meta["settings"])
    model.centroids_ = tensors["centroids"]
    if "ctfidf_data" in tensors:
        shape = tuple(int(s) for s in tensors["ctfidf_shape"])
        model._ctfidf_saved = sparse.csr_matrix(
            (tensors["ctfidf_data"], tensors["ctfidf_indices"], tensors["ctfidf_indptr"]), shape=shape
        )
    model.outlier_threshold_ = float(meta["outlier_threshold"])
    model.outlier_share_before_ = float(meta["outlier_share_before"])
    model.outlier_share_after_ = float(meta["outlier_share_after"])
    model.topic_info_ = pd.DataFrame(meta["topic_info"])
    model.topic_words_ = pd.DataFrame(meta["topic_words"], columns=["topic", "label", "word", "weight"])
    model.vocabulary_ = meta["vocabulary"]
    model.analyzer_ = TermAnalyzer(stop_words=model._stop_words())
    model.analyzer_.names_ = frozenset(meta["names"])
    model.analyzer_.name_starts_ = frozenset(tuple(pair) for pair in meta["name_starts"])
    model.run_record_ = meta["run_record"]
    model.centroid_topics_ = [int(t) for t in meta.get("centroid_topics", range(len(model.centroids_)))]
    model.topic_names_ = {int(t): n for t, n in meta.get("topic_names", {}).items()}
    model.topics_ = passages["topic"].to_numpy(dtype=int)
    model.passage_ids_ = passages["passage_id"].tolist()
    if "text_key" in passages.columns:
        model.passage_keys_ = passages["text_key"].tolist()
    model.layout_ = passages[["x", "y"]].to_numpy(dtype=np.float32)
    model.n_features_in_ = int(model.centroids_.shape[1])
    model.bertopic_ = None
    return model



def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in model.json")
