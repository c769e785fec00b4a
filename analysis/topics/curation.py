"""Curating a fitted :class:`~analysis.topics.TopicModel`: name topics, merge them, find them by a term.

Topics are found, not given; an analyst reads them and then names a few, merges two that are one
subject, or asks which topic a word belongs to. These functions change a fitted model in place
(and return it, as scikit-learn's ``set_params`` does); every table of the model
(``topic_info_``, ``topic_words_``, :meth:`~analysis.topics.TopicModel.passage_topics`) follows,
so the report's tables and figures do too.

* :func:`set_topic_names` replaces automatic labels by names.
* :func:`merge_topics` joins groups of topics. The merged topic keeps the smallest id of its
  group (other ids are not renumbered, so names given by id stay valid); its centroid is the
  unit mean of its passages' embeddings (or the size-weighted mean of the old centroids when no
  embeddings are passed), and every topic's words are computed again by c-TF-IDF over the new
  assignment (:func:`topic_words`), as the fit computes them. BERTopic's own ``merge_topics``
  and ``reduce_topics`` are not used: on the model the fit leaves (precomputed reduction and
  assignments set after the fit) they fail ("Input contains infinity"), and after
  :meth:`~analysis.topics.TopicModel.load` there is no BERTopic object at all.
* :func:`reduce_topics` merges the two most similar topics (cosine of centroids) until
  ``n_topics`` remain.
* :func:`find_topics` ranks topics by how many of their passages use a term.
* :func:`read_topic_names` reads a ``topic,name`` CSV or a ``{topic: name}`` YAML file, in which
  topics given the same name are merged.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from .base import OUTLIER_LABEL, _bertopic, unit_rows
from .labels import bertopic_docs, term_vectorizer, topic_label

if TYPE_CHECKING:
    from .model import TopicModel

__all__ = ["TopicCuration", "find_topics", "merge_topics", "read_topic_names", "reduce_topics", "set_topic_names",
           "topic_words"]

#: Candidate words per topic handed to the coverage rerank, as BERTopic hands them.
_CANDIDATES = 30


class TopicCuration(dict):
    """``{"names": {topic: name}, "merge": [[topic, ...], ...]}`` as read from a names file."""

    @property
    def names(self) -> dict[int, str]:
        return self["names"]

    @property
    def merge(self) -> list[list[int]]:
        return self["merge"]


def _topic_ids(model: TopicModel) -> list[int]:
    return [int(t) for t in model.topic_info_["topic"] if int(t) != -1]


def _check_topics(model: TopicModel, topics, what: str) -> None:
    known = set(_topic_ids(model))
    unknown = sorted({int(t) for t in topics} - known)
    if unknown:
        raise ValueError(f"{what}: topic(s) {unknown} do not exist; the topics are {sorted(known)} "
                         "(see topic_info_ or tables/topic_info.csv)")


def set_topic_names(model: TopicModel, names: Mapping[int, str]) -> TopicModel:
    """Name topics by hand: ``{topic id: name}``; topics not named keep their label.

    Raises
    ------
    ValueError
        For an unknown topic id, the outlier topic -1, or an empty name.
    """
    model._check_fitted()
    names = {int(t): str(n).strip() for t, n in names.items()}
    if -1 in names:
        raise ValueError("topic -1 holds the outliers and cannot be named; name topics 0, 1, ...")
    _check_topics(model, names, "set_topic_names")
    empty = sorted(t for t, n in names.items() if not n)
    if empty:
        raise ValueError(f"set_topic_names: topic(s) {empty} have an empty name; give a name or leave them out")
    labels = dict(zip(model.topic_info_["topic"].astype(int), model.topic_info_["label"]))
    labels.update(names)
    model.topic_info_ = model.topic_info_.assign(label=model.topic_info_["topic"].astype(int).map(labels))
    model.topic_words_ = model.topic_words_.assign(label=model.topic_words_["topic"].astype(int).map(labels))
    model.topic_names_ = {**getattr(model, "topic_names_", {}), **names}
    return model


def topic_words(model: TopicModel, texts: Sequence[str], topics: np.ndarray) -> dict[int, list[tuple[str, float]]]:
    """Each topic's words by c-TF-IDF (BERTopic's, frequent words reduced) x coverage ** word_coverage.

    The same computation as the fit's (vocabulary, term analyzer, c-TF-IDF, coverage rerank of
    the 30 best candidates), for any assignment ``topics`` (ndarray of shape (n_passages,)).
    """
    _, _, ClassTfidfTransformer = _bertopic()
    counts = term_vectorizer(model.analyzer_, list(model.vocabulary_)).transform(bertopic_docs(list(texts)))
    ids = sorted(set(np.asarray(topics).tolist()))
    rows = np.searchsorted(ids, topics)
    member = sparse.csr_matrix((np.ones(len(topics)), (rows, np.arange(len(topics)))), shape=(len(ids), len(topics)))
    per_topic = (member @ counts).tocsr()
    per_topic.sort_indices()  # as CountVectorizer's own output, so that ties fall as in the fit
    weights = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(per_topic).tocsr()
    sizes = np.asarray(member.sum(axis=1)).ravel()
    coverage = np.asarray((member @ (counts > 0).astype(float)).todense()) / sizes[:, None]
    vocabulary = np.asarray(model.vocabulary_, dtype=object)
    out = {}
    for i, topic in enumerate(ids):
        start, stop = weights.indptr[i], weights.indptr[i + 1]
        data, columns = weights.data[start:stop], weights.indices[start:stop]
        pick = min(_CANDIDATES, len(data))
        chosen = columns[np.argpartition(data, -pick)[-pick:]] if pick else columns[:0]
        values = np.asarray(weights[i, chosen].todense()).ravel() if pick else data[:0]
        order = np.argsort(values)[::-1]  # BERTopic's selection and order of its candidates
        candidates = [(int(chosen[j]), float(values[j])) for j in order if values[j] > 0]
        scored = sorted(((str(vocabulary[j]), w * float(coverage[i, j]) ** model.word_coverage) for j, w in candidates),
                        key=lambda pair: -pair[1])
        out[int(topic)] = scored[: model.top_n_words]
    model.analyzer_.clear_memo()
    return out


def _rebuild_tables(model: TopicModel, texts: Sequence[str], unit: np.ndarray | None,
                    representatives: Mapping[int, str]) -> None:
    words = topic_words(model, texts, model.topics_)
    names = getattr(model, "topic_names_", {})
    n = len(model.topics_)
    ids = sorted(words)
    centroid_of = dict(zip(_centroid_topics(model), model.centroids_.astype(np.float64)))
    rows, word_rows = [], []
    for t in ids:
        members = np.flatnonzero(model.topics_ == t)
        top = [w for w, _ in words[t]]
        if t == -1:
            label, representative = OUTLIER_LABEL, ""
        else:
            label = names.get(t) or topic_label(top) or f"topic {t}"
            if unit is not None:
                representative = texts[members[np.argmax(unit[members] @ centroid_of[t])]]
            else:
                representative = representatives.get(t, "")
        rows.append({"topic": t, "label": label, "words": top, "size": int(len(members)), "share": len(members) / n,
                     "representative": representative})
        word_rows += [{"topic": t, "label": label, "word": w, "weight": s} for w, s in words[t]]
    model.topic_info_ = pd.DataFrame(rows, columns=["topic", "label", "words", "size", "share", "representative"])
    model.topic_words_ = pd.DataFrame(word_rows, columns=["topic", "label", "word", "weight"])


def _centroid_topics(model: TopicModel) -> list[int]:
    """The topic id of each row of ``centroids_`` (0 .. k-1 after a fit; with gaps after merges)."""
    return list(getattr(model, "centroid_topics_", range(len(model.centroids_))))


def _texts_for(model: TopicModel, texts: Sequence[str] | None) -> list[str]:
    if texts is None or isinstance(texts, str):
        raise ValueError("texts are needed to compute the merged topics' words: pass the training passages' texts")
    texts = list(texts)
    if len(texts) != len(model.topics_):
        raise ValueError(f"texts has {len(texts)} passages but the model holds {len(model.topics_)}; "
                         "pass the passages the model was fitted on, in the same order")
    return texts


def merge_topics(model: TopicModel, groups: Sequence[Sequence[int]], texts: Sequence[str], *,
                 embeddings: np.ndarray | None = None) -> TopicModel:
    """Merge each group of topics into one, which keeps the group's smallest id.

    Parameters
    ----------
    model : TopicModel
        A fitted (or loaded) model, changed in place.
    groups : sequence of sequences of int
        Topics to merge, e.g. ``[[1, 4], [2, 6, 7]]``; a topic may be in one group only.
    texts : sequence of str, length n_passages
        The training passages, in the order of the fit (for the new topic words).
    embeddings : ndarray of shape (n_passages, dim), optional
        The training embeddings: merged centroids and representative passages from them.
        Without, the merged centroid is the size-weighted mean of the old ones.

    Returns
    -------
    The model.
    """
    model._check_fitted()
    texts = _texts_for(model, texts)
    groups = [sorted({int(t) for t in group}) for group in groups]
    if not groups:
        return model
    for group in groups:
        if len(group) < 2:
            raise ValueError(f"merge_topics: a group needs two or more different topics, got {group}")
        if -1 in group:
            raise ValueError("merge_topics: topic -1 holds the outliers and cannot be merged")
        _check_topics(model, group, "merge_topics")
    flat = [t for group in groups for t in group]
    if len(flat) != len(set(flat)):
        raise ValueError(f"merge_topics: a topic appears in two groups ({groups}); join those groups into one")
    unit = None
    if embeddings is not None:
        unit = unit_rows(np.asarray(embeddings, dtype=np.float64))
        if unit.shape != (len(texts), model.centroids_.shape[1]):
            raise ValueError(f"embeddings must have shape ({len(texts)}, {model.centroids_.shape[1]}), got {unit.shape}")
    representatives = dict(zip(model.topic_info_["topic"].astype(int), model.topic_info_["representative"]))
    sizes = dict(zip(model.topic_info_["topic"].astype(int), model.topic_info_["size"]))
    centroids = dict(zip(_centroid_topics(model), model.centroids_.astype(np.float64)))
    into = {t: group[0] for group in groups for t in group}
    names = getattr(model, "topic_names_", {})
    for group in groups:
        keep = group[0]
        representatives[keep] = representatives[max(group, key=lambda t: sizes[t])]
        weighted = sum(sizes[t] * centroids[t] for t in group)
        for t in group[1:]:
            del centroids[t]
            names.pop(t, None)
        centroids[keep] = unit_rows(weighted[None, :])[0]
    model.topics_ = np.array([into.get(t, t) for t in model.topics_.tolist()], dtype=int)
    if unit is not None:
        for group in groups:
            centroids[group[0]] = unit_rows(unit[model.topics_ == group[0]].mean(axis=0)[None, :])[0]
    order = sorted(centroids)
    model.centroids_ = np.vstack([centroids[t] for t in order]).astype(np.float32)
    model.centroid_topics_ = order
    model.topic_names_ = names
    model.run_record_ = {**model.run_record_, "merged": [*model.run_record_.get("merged", []), *groups],
                         "n_topics": len(order)}
    _rebuild_tables(model, texts, unit, representatives)
    return model


def reduce_topics(model: TopicModel, n_topics: int, texts: Sequence[str], *,
                  embeddings: np.ndarray | None = None) -> TopicModel:
    """Merge the two topics with the most similar centroids (cosine) until ``n_topics`` remain."""
    model._check_fitted()
    current = _topic_ids(model)
    if not 2 <= n_topics <= len(current):
        raise ValueError(f"reduce_topics: n_topics={n_topics} must be from 2 to the {len(current)} topics there are")
    while len(_topic_ids(model)) > n_topics:
        ids = _centroid_topics(model)
        sims = model.centroids_.astype(np.float64) @ model.centroids_.astype(np.float64).T
        np.fill_diagonal(sims, -np.inf)
        i, j = np.unravel_index(np.argmax(sims), sims.shape)
        merge_topics(model, [[ids[i], ids[j]]], texts, embeddings=embeddings)
    return model


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def find_topics(model: TopicModel, term: str, texts: Sequence[str]) -> pd.DataFrame:
    """Topics whose passages use ``term`` (case and accents ignored, whole words), most first.

    Returns
    -------
    DataFrame with columns topic, label, passages (of the topic that use the term),
    share_of_topic (of the topic's passages) and share_of_term (of all passages that use it);
    topics that never use it are left out.
    """
    model._check_fitted()
    texts = _texts_for(model, texts)
    if not str(term).strip():
        raise ValueError("find_topics: give a word or phrase to look for")
    pattern = re.compile(rf"(?<!\w){re.escape(_fold(str(term).strip()))}(?!\w)")
    hits = np.array([bool(pattern.search(_fold(t))) for t in texts])
    table = pd.DataFrame({"topic": model.topics_, "hit": hits})
    counts = table.groupby("topic").agg(passages=("hit", "sum"), size=("hit", "size")).reset_index()
    counts = counts[counts["passages"] > 0]
    labels = dict(zip(model.topic_info_["topic"].astype(int), model.topic_info_["label"]))
    out = pd.DataFrame({"topic": counts["topic"].astype(int), "label": counts["topic"].map(labels),
                        "passages": counts["passages"].astype(int),
                        "share_of_topic": counts["passages"] / counts["size"],
                        "share_of_term": counts["passages"] / max(int(hits.sum()), 1)})
    return out.sort_values(["passages", "share_of_topic"], ascending=False, kind="stable").reset_index(drop=True)


def read_topic_names(path: str | os.PathLike) -> TopicCuration:
    """Read topic names from a ``topic,name`` CSV or a ``{topic: name}`` YAML file.

    Topics given the same name are merged (under that name); a row with an empty name is
    ignored. Returns ``{"names": {topic: name}, "merge": [[topic, ...], ...]}``.

    Raises
    ------
    ValueError
        When the file cannot be read as such a table.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"topic names file '{path}' does not exist; write a CSV with columns topic,name")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"'{path}' must map topic numbers to names, e.g. `3: Port seizures`")
        pairs = list(data.items())
    else:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        table.columns = [c.strip().lower() for c in table.columns]
        if not {"topic", "name"} <= set(table.columns):
            raise ValueError(f"'{path}' needs columns topic,name; it has {list(table.columns)}")
        pairs = list(zip(table["topic"], table["name"]))
    names: dict[int, str] = {}
    for topic, name in pairs:
        name = "" if name is None else str(name).strip()
        if not name:
            continue
        try:
            number = int(str(topic).strip())
        except ValueError:
            raise ValueError(f"'{path}': topic {topic!r} is not a topic number (0, 1, ...)") from None
        names[number] = name
    by_name: dict[str, list[int]] = {}
    for topic, name in names.items():
        by_name.setdefault(name, []).append(topic)
    merge = [sorted(group) for group in by_name.values() if len(group) > 1]
    return TopicCuration(names=names, merge=merge)
