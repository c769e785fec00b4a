"""Extending a fitted :class:`~analysis.topics.TopicModel` to a corpus that grew a little.

Refitting topics costs tens of seconds and renumbers them; when a corpus only gains a few
articles, the fitted topics describe it as well as before. :func:`extend_model` keeps the fit and
places the new passages in it:

* The fitted passages keep their topics and their place on the 2-D map.
* Each new passage gets the fitted model's ``transform``: the nearest topic centroid by cosine,
  topic -1 below ``outlier_threshold_``.
* On the map a new passage sits at the mean position of its :data:`LAYOUT_NEIGHBOURS` most
  cosine-similar known passages (ties by position), so it lands among the passages it resembles.
* Topic sizes and shares are counted again; topic words, labels, centroids and representatives
  are the fit's (c-TF-IDF is not recomputed).
* Passages of the fit whose text changed are placed again, as new passages are.
* Passages of the fit that are gone are dropped with their topics. That happens when an added
  article comes before an existing one it duplicates: the earlier copy is kept, the later one
  becomes a duplicate (on BBC, adding 1% of the articles removed 9 fitted passages this way).
* ``run_record_["update"]`` says that the topics were extended, from how many fitted passages,
  by how many added and gone, and why that was allowed; a refit says why it refitted (see the
  pipeline).

:func:`extension_refusal` says when a model must be refitted instead: the passages added, gone
and changed since the fit reach :data:`MAX_GROWTH` of the fitted ones (counted from the fit over
every extension, so repeated small changes cannot drift far from it). A passage's identity is its
id and a digest of its text, kept with the model; a fitted passage whose text changed (a line
of it is cut as boilerplate once added articles repeat it, say) is placed again like an added one. Nothing
here is random: the same model and the same passages in the same order give the same result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .base import OUTLIER_LABEL, check_inputs, unit_rows

if TYPE_CHECKING:
    from .model import TopicModel

__all__ = ["LAYOUT_NEIGHBOURS", "MAX_GROWTH", "extend_model", "extension_refusal", "text_keys"]

#: Passages added since the fit, as a share of the fitted ones, from which a model is refitted.
MAX_GROWTH = 0.05
#: Known passages whose mean map position places a new passage.
LAYOUT_NEIGHBOURS = 5


def text_keys(texts: Sequence[str]) -> list[str]:
    """A short digest of each passage text (16 hex digits of BLAKE2b), kept with a fitted model."""
    return [hashlib.blake2b(t.encode("utf-8"), digest_size=8).hexdigest() for t in texts]


def _fitted_count(model: TopicModel) -> int:
    return int(model.run_record_.get("update", {}).get("fitted_passages", model.run_record_["n_passages"]))


def extension_refusal(model: TopicModel, texts: Sequence[str], passage_ids: Sequence,
                      *, max_growth: float = MAX_GROWTH) -> str | None:
    """Why ``model`` cannot be extended to these passages, or ``None`` when it can.

    Parameters
    ----------
    model : TopicModel
        Fitted (or loaded) model.
    texts : sequence of str, length n_passages
        Every passage of the grown corpus, the fitted ones included, in corpus order.
    passage_ids : sequence, length n_passages
    max_growth : float
        Share of passages added, gone and changed since the fit from which the model must be refitted.
    """
    return _refusal(model, list(passage_ids), text_keys(texts), max_growth)


def _refusal(model: TopicModel, passage_ids: list, keys: list[str], max_growth: float) -> str | None:
    """:func:`extension_refusal` for passages given by id and text digest."""
    model._check_fitted()
    if getattr(model, "passage_keys_", None) is None:
        return "the saved topic model has no passage text digests (saved by an older version)"
    fitted = _fitted_count(model)
    _, _, _, added, gone, changed = _changes(model, passage_ids, keys)
    growth = (added + gone + changed) / fitted
    if growth >= max_growth:
        parts = [f"{added:,} passages added to"] + ([f"{gone:,} gone from"] if gone else []) + (
            [f"{changed:,} changed in"] if changed else [])
        what = " and ".join(parts) if len(parts) < 3 else f"{parts[0]}, {parts[1]} and {parts[2]}"
        return (f"{what} the {fitted:,} fitted ones ({growth:.1%}), "
                f"at least the {max_growth:.0%} up to which topics are extended")
    return None


def _changed_ids(model: TopicModel, passage_ids: Sequence, keys: Sequence[str]) -> set:
    """Fitted passages still there whose text is not the text they were placed with."""
    known = dict(zip(model.passage_ids_, model.passage_keys_))
    return {p for p, key in zip(passage_ids, keys) if p in known and known[p] != key}


def _changes(model: TopicModel, passage_ids: Sequence, keys: Sequence[str]) -> tuple[int, int, int, int, int, int]:
    """Passages added, gone and changed now, and added, gone and changed since the fit (over every extension)."""
    before = model.run_record_.get("update", {})
    extended = before.get("mode") == "extended"
    known, now = set(model.passage_ids_), set(passage_ids)
    added_now, gone_now = len(now - known), len(known - now)
    changed_now = len(_changed_ids(model, passage_ids, keys))

    def since(name: str, value: int) -> int:
        return value + (int(before.get(name, 0)) if extended else 0)

    return (added_now, gone_now, changed_now, since("added_since_fit", added_now), since("gone_since_fit", gone_now),
            since("changed_since_fit", changed_now))


def extend_model(model: TopicModel, texts: Sequence[str], embeddings: np.ndarray, *,
                 passage_ids: Sequence, max_growth: float = MAX_GROWTH) -> TopicModel:
    """Place the passages a fitted model has not seen in its topics, in place (module docstring).

    Parameters
    ----------
    model : TopicModel
        Fitted (or loaded) model.
    texts : sequence of str, length n_passages
        Every passage of the grown corpus, the fitted ones included, in corpus order.
    embeddings : ndarray of shape (n_passages, dim)
    passage_ids : sequence, length n_passages
    max_growth : float
        As in :func:`extension_refusal`.

    Returns
    -------
    model, its passages now ``passage_ids`` in that order.

    Raises
    ------
    ValueError
        When :func:`extension_refusal` gives a reason, or the inputs do not match.
    """
    texts, emb = check_inputs(texts, embeddings, min_passages=1)
    ids = list(passage_ids)
    if len(ids) != len(texts):
        raise ValueError(f"passage_ids has {len(ids)} entries but there are {len(texts)} texts")
    if emb.shape[1] != model.centroids_.shape[1]:
        raise ValueError(f"embeddings have {emb.shape[1]} columns but the model was fitted on "
                         f"{model.centroids_.shape[1]}; refit the topics for a new encoder")
    keys = text_keys(texts)
    reason = _refusal(model, ids, keys, max_growth)
    if reason is not None:
        raise ValueError(f"cannot extend the topic model: {reason}; refit it")
    changed = _changed_ids(model, ids, keys)
    position = {p: i for i, p in enumerate(model.passage_ids_)}
    old = np.array([p in position and p not in changed for p in ids])
    from_old = np.array([position[p] for p, o in zip(ids, old) if o], dtype=int)
    unit = unit_rows(emb)
    topics = np.full(len(ids), -1, dtype=int)
    layout = np.zeros((len(ids), 2), dtype=np.float32)
    topics[old] = model.topics_[from_old]
    layout[old] = model.layout_[from_old]
    added = np.flatnonzero(~old)
    if len(added):
        topics[added] = model._nearest(unit[added])
        layout[added] = _neighbour_positions(unit[added], unit[old], layout[old])
    fitted = _fitted_count(model)
    changes = _changes(model, ids, keys)
    model.topics_ = topics
    model.layout_ = layout
    model.passage_ids_ = ids
    model.passage_keys_ = keys
    model.topic_info_ = _recount(model.topic_info_, topics)
    model.outlier_share_after_ = float(np.mean(topics == -1))
    update = _update_record(fitted, len(ids), changes, topics[added], max_growth)
    model.run_record_ = {**model.run_record_, "update": update}
    return model


def _neighbour_positions(new: np.ndarray, known: np.ndarray, known_layout: np.ndarray) -> np.ndarray:
    k = min(LAYOUT_NEIGHBOURS, len(known))
    sims = new @ known.T
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return known_layout[nearest].mean(axis=1).astype(np.float32)


def _recount(info: pd.DataFrame, topics: np.ndarray) -> pd.DataFrame:
    counts = pd.Series(topics).value_counts()
    info = info.copy()
    if -1 in counts.index and not (info["topic"] == -1).any():
        outliers = pd.DataFrame([{"topic": -1, "label": OUTLIER_LABEL, "words": [], "size": 0, "share": 0.0,
                                  "representative": ""}])
        info = pd.concat([outliers, info], ignore_index=True)
    info["size"] = info["topic"].map(counts).fillna(0).astype(int)
    info["share"] = info["size"] / len(topics)
    return info


def _update_record(fitted: int, n: int, changes: tuple[int, int, int, int, int, int], new_topics: np.ndarray,
                   max_growth: float) -> dict[str, Any]:
    added_now, gone_now, changed_now, added_since, gone_since, changed_since = changes
    growth = (added_since + gone_since + changed_since) / fitted
    gone_note = (f" and {gone_since:,} gone (their topics dropped; e.g. an article that became a duplicate of an "
                 f"added one)" if gone_since else "")
    changed_note = f", {changed_since:,} whose text changed placed again" if changed_since else ""
    return {
        "mode": "extended",
        "fitted_passages": fitted,
        "passages": n,
        "added_since_fit": added_since,
        "gone_since_fit": gone_since,
        "changed_since_fit": changed_since,
        "added_now": added_now,
        "gone_now": gone_now,
        "changed_now": changed_now,
        "growth": growth,
        "max_growth": max_growth,
        "added_outliers": int(np.sum(new_topics == -1)),
        "note": (f"topics extended, not refit: {added_since:,} passage(s) added to the {fitted:,} fitted{gone_note}"
                 f"{changed_note} ({growth:.1%} < {max_growth:.0%}); added passages were assigned to the nearest "
                 "fitted topic; topic words are those of the fit"),
    }
