"""The analysis on a Dask cluster: ingestion, embedding and framing over partitions.

For corpora that outgrow one machine. The steps are those of the single-process path, run over
the partitions of Dask DataFrames on whatever scheduler is current (a ``distributed.Client``
to a cluster, a ``LocalCluster``, or Dask's local threads)::

    from distributed import Client
    from analysis.report.distributed import run_distributed
    tables = run_distributed("corpus/", Client("tcp://scheduler:8786"), cache_dir="/shared/cache")

1. :func:`~analysis.corpus.distributed.load_corpus_dask` reads the input files in contiguous blocks of the sorted input list
   (so partitions are assigned deterministically), then splits the documents into
   ``npartitions`` equal blocks; cleaning, language and country detection, filters and passage
   splitting run per partition. The three corpus-wide steps of :func:`analysis.corpus.load_corpus`
   are reductions: repeated article ids (ids only), boilerplate lines repeated within a source
   or collection (64-bit line hashes per distinct document) and near-duplicate detection (one
   task over the loaded texts, in corpus order). Articles, passages and manifest equal those of
   ``load_corpus`` row for row.
2. :func:`embed_partitions` embeds each partition with :class:`~analysis.vectorize.Embedder`,
   one model per worker process, through the shared on-disk cache (``cache_dir`` must then be a
   folder every worker can reach; ``None`` embeds without cache).
3. :func:`frame_partitions` predicts frames per partition with the shipped (or a given)
   :class:`~analysis.framing.FramingClassifier`.
4. :func:`topics_on_sample` fits one :class:`~analysis.topics.TopicModel` in the client on a
   seeded sample of ``sample_size`` passages (the passages with the smallest hash of seed and
   passage id, so the sample does not depend on partitioning), in corpus order;
   :func:`assign_topics` gives every passage its topic: the fitted topic for sampled passages,
   the model's nearest-centroid :meth:`~analysis.topics.TopicModel.transform` for the others.

:func:`run_single_process` runs the same procedure without Dask and is the reference the Dask
path is tested against: with a shared embedding cache the tables are identical. When the
sample holds every passage, topics equal those of :meth:`analysis.pipeline.Analysis.topics`.
A topic model fitted on a sample is not the model fitted on all passages; compare the two with
:func:`sklearn.metrics.adjusted_rand_score` on the ``topic`` columns.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..corpus import Corpus, load_corpus
from ..corpus.distributed import DEFAULT_PARTITIONS, dask_scheduler, load_corpus_dask
from ..vectorize import DEFAULT_MODEL, Embedder, resolve_model
from .settings import Settings

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

    from ..topics import TopicModel

__all__ = [
    "assign_topics",
    "embed_partitions",
    "embedding_columns",
    "frame_partitions",
    "run_distributed",
    "run_single_process",
    "sample_passages",
    "save_tables",
    "topics_on_sample",
]

#: Passages the topic model is fitted on by default.
DEFAULT_SAMPLE_SIZE = 20_000
_EMBEDDING_PREFIX = "emb_"


# --------------------------------------------------------------------------- embedding and framing
_WORKER_MODELS: dict[tuple, Any] = {}


def _worker_embedder(model: str, cache_dir: str | None, batch_size: int) -> Embedder:
    """One Embedder per worker process and settings, so the model loads once per worker."""
    key = ("embedder", model, cache_dir, batch_size)
    if key not in _WORKER_MODELS:
        _WORKER_MODELS[key] = Embedder(model, batch_size=batch_size, cache_dir=cache_dir, show_progress=False)
    return _WORKER_MODELS[key]


def _worker_classifier(folder: str | None):
    from ..framing import DEFAULT_MODEL_DIR, FramingClassifier

    key = ("framing", folder)
    if key not in _WORKER_MODELS:
        _WORKER_MODELS[key] = FramingClassifier.load(folder or DEFAULT_MODEL_DIR)
    return _WORKER_MODELS[key]


def embedding_columns(dim: int) -> list[str]:
    """Names of the embedding columns: ``emb_000`` ... (one float32 column per dimension)."""
    return [f"{_EMBEDDING_PREFIX}{i:03d}" for i in range(dim)]


def _embeddings_of(frame: pd.DataFrame) -> np.ndarray:
    columns = [c for c in frame.columns if c.startswith(_EMBEDDING_PREFIX)]
    return frame[columns].to_numpy(dtype=np.float32)


def _model_dimension(model: str) -> int:
    """Embedding length from the model folder's pooling config, without loading the model."""
    location, _ = resolve_model(model)
    for config in sorted(Path(location).glob("*_Pooling/config.json")) if Path(location).is_dir() else []:
        dim = json.loads(config.read_text()).get("word_embedding_dimension")
        if dim:
            return int(dim)
    return Embedder(model, show_progress=False).dimension


def _embed_block(frame: pd.DataFrame, model: str, cache_dir: str | None, batch_size: int, dim: int) -> pd.DataFrame:
    if len(frame):
        vectors = _worker_embedder(model, cache_dir, batch_size).encode(frame["text"].tolist())
    else:
        vectors = np.zeros((0, dim), dtype=np.float32)
    return pd.concat([frame, pd.DataFrame(vectors, columns=embedding_columns(dim), index=frame.index)], axis=1)


def embed_partitions(passages: dd.DataFrame, *, model: str = DEFAULT_MODEL, cache_dir: str | Path | None = None,
                     batch_size: int = 64) -> dd.DataFrame:
    """Embed every partition of a passages DataFrame.

    Parameters
    ----------
    passages : dask DataFrame with columns passage_id, article_id, text (and any others)
    model : str
        As for :class:`~analysis.vectorize.Embedder`; every worker must be able to load it.
    cache_dir : path or None
        Embedding cache shared by the workers (a folder they can all write); None for no cache.
    batch_size : int, default 64

    Returns
    -------
    dask DataFrame
        ``passages`` with float32 columns ``emb_000`` ... ``emb_{dim-1}``.
    """
    dim = _model_dimension(model)
    folder = None if cache_dir is None else str(cache_dir)
    meta = pd.concat([passages._meta, pd.DataFrame(np.zeros((0, dim), np.float32), columns=embedding_columns(dim))],
                     axis=1)
    return passages.map_partitions(_embed_block, model, folder, batch_size, dim, meta=meta)


def _frame_block(frame: pd.DataFrame, folder: str | None) -> pd.DataFrame:
    classifier = _worker_classifier(folder)
    embeddings = _embeddings_of(frame) if classifier.needs_embeddings else None
    return classifier.predict_table(frame["passage_id"].tolist(), frame["text"].tolist(), embeddings=embeddings)


def frame_partitions(embedded: dd.DataFrame, framing_model: str | Path | None = None) -> dd.DataFrame:
    """Framing predictions per partition (see :meth:`~analysis.framing.FramingClassifier.predict_table`).

    Parameters
    ----------
    embedded : dask DataFrame from :func:`embed_partitions`
    framing_model : path, optional
        A folder saved by ``FramingClassifier.save``, readable by every worker; default the
        shipped model.

    Returns
    -------
    dask DataFrame with columns passage_id, label, p_militarization, p_root_cause, p_neither,
    stance, evidence
    """
    folder = None if framing_model is None else str(Path(framing_model).resolve())
    dim = len([c for c in embedded.columns if c.startswith(_EMBEDDING_PREFIX)])
    probe = embedded._meta.iloc[:0].copy()
    probe = pd.concat([probe, pd.DataFrame([{"passage_id": "probe", "text": "probe passage",
                                             **dict.fromkeys(embedding_columns(dim), 0.0)}])], ignore_index=True)
    meta = _frame_block(probe, folder).iloc[:0]
    return embedded.map_partitions(_frame_block, folder, meta=meta)


# --------------------------------------------------------------------------- topics on a sample
def _sample_rank(passage_ids: Sequence[str], random_state: int) -> np.ndarray:
    """A seeded 64-bit hash of each passage id: the sample is the passages with the smallest."""
    return np.array([int.from_bytes(hashlib.blake2b(f"{random_state}\x00{pid}".encode(), digest_size=8).digest(),
                                    "little") for pid in passage_ids], dtype=np.uint64)


def _smallest_ranks(passage_ids: pd.Series, size: int, random_state: int) -> pd.DataFrame:
    """The ``size`` passages of one partition with the smallest seeded hash (a partial sample)."""
    ranks = pd.DataFrame({"passage_id": passage_ids, "rank": _sample_rank(passage_ids.tolist(), random_state)})
    return ranks.sort_values("rank", kind="stable").iloc[:size]


def sample_passages(passage_ids: Sequence[str], sample_size: int | None, random_state: int = 0) -> set[str]:
    """The seeded sample of passage ids the topic model is fitted on.

    Parameters
    ----------
    passage_ids : sequence of str
    sample_size : int or None
        Passages to keep; None (or at least the number of passages) keeps all.
    random_state : int

    Returns
    -------
    set of str
        The ``sample_size`` ids with the smallest seeded hash: the same set however the
        passages are ordered or partitioned.
    """
    _check_sample_size(sample_size)
    ids = list(passage_ids)
    if sample_size is None or sample_size >= len(ids):
        return set(ids)
    order = np.argsort(_sample_rank(ids, random_state), kind="stable")
    return {ids[i] for i in order[:sample_size]}


def _check_sample_size(sample_size: int | None) -> None:
    if sample_size is not None and (isinstance(sample_size, bool) or not isinstance(sample_size, int)
                                    or sample_size < 2):
        raise ValueError(f"sample_size={sample_size!r} must be a whole number of at least 2 passages, or None for all")


def _fit_sample(sample: pd.DataFrame, embeddings: np.ndarray, random_state: int,
                topic_params: dict[str, Any]) -> TopicModel:
    from ..topics import TopicModel

    model = TopicModel(random_state=random_state, **topic_params)
    return model.fit(sample["text"].tolist(), embeddings, passage_ids=sample["passage_id"].tolist())


def _with_position(frame: pd.DataFrame, offsets: list[int], partition_info: dict | None = None) -> pd.DataFrame:
    start = offsets[partition_info["number"]] if partition_info else 0
    return frame.assign(position=np.arange(start, start + len(frame), dtype=np.int64))


def topics_on_sample(embedded: dd.DataFrame, *, sample_size: int | None = DEFAULT_SAMPLE_SIZE, random_state: int = 0,
                     **topic_params: Any) -> TopicModel:
    """Fit a :class:`~analysis.topics.TopicModel` in the client on a seeded sample of passages.

    Parameters
    ----------
    embedded : dask DataFrame from :func:`embed_partitions`, in corpus order
    sample_size : int or None, default 20,000
        Passages to fit on (:func:`sample_passages`); None fits on all of them.
    random_state : int, default 0
        Seed of the sample and of the model.
    **topic_params
        Other TopicModel settings (``n_topics``, ``min_topic_size``, ...).

    Returns
    -------
    TopicModel
        Fitted on the sampled passages in corpus order; ``passage_ids_`` are theirs.
    """
    _check_sample_size(sample_size)
    ids = embedded["passage_id"]
    if sample_size is not None:
        meta = pd.DataFrame({"passage_id": ids._meta, "rank": pd.Series([], dtype=np.uint64)})
        smallest = ids.map_partitions(_smallest_ranks, sample_size, random_state, meta=meta).compute()
        chosen = smallest.sort_values("rank", kind="stable")["passage_id"].iloc[:sample_size].tolist()
        embedded = embedded[embedded["passage_id"].isin(chosen)]
    lengths = embedded.map_partitions(len).compute().tolist()
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(int).tolist()
    sample = embedded.map_partitions(_with_position, offsets, meta=embedded._meta.assign(position=np.int64(0)))
    sample = sample.compute().sort_values("position", kind="stable")
    return _fit_sample(sample, _embeddings_of(sample), random_state, topic_params)


def _transform_only(model):
    """A copy of a fitted TopicModel without the BERTopic object, small to send to workers."""
    light = copy.copy(model)
    light.bertopic_ = None
    return light


def _assign_block(frame: pd.DataFrame, model, fitted: dict[str, tuple[int, float, float]]) -> pd.DataFrame:
    ids = frame["passage_id"].tolist()
    topics = (model.transform(frame["text"].tolist(), _embeddings_of(frame)) if len(frame)
              else np.zeros(0, dtype=int))
    in_sample = np.array([pid in fitted for pid in ids], dtype=bool)
    x = np.full(len(ids), np.nan)
    y = np.full(len(ids), np.nan)
    for i, pid in enumerate(ids):
        if pid in fitted:
            topics[i], x[i], y[i] = fitted[pid]
    labels = dict(zip(model.topic_info_["topic"].astype(int), model.topic_info_["label"]))
    return pd.DataFrame({"passage_id": ids, "topic": topics.astype(np.int64),
                         "label": [labels.get(int(t), "outliers") for t in topics], "x": x, "y": y,
                         "in_sample": in_sample}, index=frame.index)


def _fitted_topics(model) -> dict[str, tuple[int, float, float]]:
    table = model.passage_topics()
    return {pid: (int(t), float(x), float(y))
            for pid, t, x, y in zip(table["passage_id"], table["topic"], table["x"], table["y"])}


def assign_topics(embedded: dd.DataFrame, model: TopicModel) -> dd.DataFrame:
    """The topic of every passage: fitted for sampled passages, nearest centroid for the others.

    Parameters
    ----------
    embedded : dask DataFrame from :func:`embed_partitions`
    model : TopicModel fitted by :func:`topics_on_sample`

    Returns
    -------
    dask DataFrame with columns passage_id, topic, label, x, y (2-D layout of sampled passages,
    NaN for the others), in_sample
    """
    light, fitted = _transform_only(model), _fitted_topics(model)
    meta = pd.DataFrame({"passage_id": pd.Series([], dtype=embedded._meta["passage_id"].dtype),
                         "topic": pd.Series([], dtype=np.int64), "label": pd.Series([], dtype="str"),
                         "x": pd.Series([], dtype=float), "y": pd.Series([], dtype=float),
                         "in_sample": pd.Series([], dtype=bool)})
    return embedded.map_partitions(_assign_block, light, fitted, meta=meta)


# --------------------------------------------------------------------------- whole runs
def _run_parameters(corpus: str | Path | Settings, embedding_model: str, random_state: int, n_topics: int | None,
                    min_topic_size: int | None, load_options: dict[str, Any]) -> tuple[Any, ...]:
    """The run's parameters, from a :class:`Settings` or checked by one before anything runs."""
    if isinstance(corpus, Settings):
        return (corpus.corpus, corpus.embedding_model, corpus.seed, corpus.n_topics, corpus.min_topic_size,
                {**load_options, **corpus.load_options()})
    dates = {k: (v.isoformat()[:10] if hasattr(v, "isoformat") else v)
             for k, v in load_options.items() if k in ("language", "date_from", "date_to")}
    Settings(corpus=str(corpus), embedding_model=embedding_model, seed=random_state, n_topics=n_topics,
             min_topic_size=min_topic_size, **dates)
    return corpus, embedding_model, random_state, n_topics, min_topic_size, load_options


def _tables(corpus: Corpus, framing: pd.DataFrame, assigned: pd.DataFrame, model, record: dict) -> dict[str, Any]:
    def by_passage(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values("passage_id", kind="stable").reset_index(drop=True)

    return {"articles": corpus.articles.reset_index(drop=True), "passages": by_passage(corpus.passages),
            "manifest": corpus.manifest.reset_index(drop=True), "passage_topics": by_passage(assigned),
            "topic_info": model.topic_info_.copy(), "topic_words": model.topic_words_.copy(),
            "framing_predictions": by_passage(framing), "record": record}


def run_distributed(
    corpus: str | Path | Settings,
    client: Client | None = None,
    *,
    npartitions: int = DEFAULT_PARTITIONS,
    embedding_model: str = DEFAULT_MODEL,
    cache_dir: str | Path | None = None,
    framing_model: str | Path | None = None,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE,
    random_state: int = 0,
    n_topics: int | None = None,
    min_topic_size: int | None = None,
    **load_options: Any,
) -> dict[str, Any]:
    """Corpus, embeddings, framing and topics of ``corpus`` on a Dask cluster.

    Parameters
    ----------
    corpus : str, Path or Settings
        Folder or file of articles, at the same path for the client and every worker; or the
        run's :class:`~analysis.report.settings.Settings`, which then also give
        ``embedding_model``, ``random_state`` (its ``seed``), ``n_topics``, ``min_topic_size``,
        ``language``, ``date_from`` and ``date_to``. Either way the values are checked by
        Settings before anything runs.
    client : distributed.Client, optional
        The cluster to run on, e.g. ``Client("tcp://scheduler:8786")``; default the current
        Dask scheduler (a Client made earlier in this process, else local threads).
    npartitions : int, default 8
    embedding_model : str
        Embedding model; installed on every worker.
    cache_dir : path, optional
        Embedding cache every worker can read and write; reruns then embed nothing.
    framing_model : path, optional
        Framing classifier folder; default the shipped model.
    sample_size : int or None, default 20,000
        Passages the topic model is fitted on (:func:`sample_passages`); None for all.
    random_state : int, default 0
    n_topics, min_topic_size : int, optional
        As for :class:`~analysis.topics.TopicModel`.
    **load_options
        Options of :func:`~analysis.corpus.load_corpus` (``language``, ``date_from``, ...).

    Returns
    -------
    dict
        ``articles``, ``passages``, ``manifest`` (as :class:`~analysis.corpus.Corpus`),
        ``passage_topics`` (passage_id, topic, label, x, y, in_sample), ``topic_info``,
        ``topic_words``, ``framing_predictions`` (as ``predict_table``) and ``record`` (sizes,
        seconds per step); per-passage tables sorted by passage_id.
    """
    import dask

    corpus, embedding_model, random_state, n_topics, min_topic_size, load_options = _run_parameters(
        corpus, embedding_model, random_state, n_topics, min_topic_size, load_options)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    with dask_scheduler(client):
        loaded = load_corpus_dask(corpus, npartitions=npartitions, **load_options)
        passages = loaded.passages.persist()
        seconds["corpus"] = time.perf_counter() - start
        start = time.perf_counter()
        embedded = embed_partitions(passages, model=embedding_model, cache_dir=cache_dir).persist()
        dask.compute(embedded.map_partitions(len))  # wait, so that embedding is timed on its own
        seconds["embeddings"] = time.perf_counter() - start
        start = time.perf_counter()
        framing = frame_partitions(embedded, framing_model)
        model = topics_on_sample(embedded, sample_size=sample_size, random_state=random_state, n_topics=n_topics,
                                 min_topic_size=min_topic_size)
        seconds["topic_fit"] = time.perf_counter() - start
        start = time.perf_counter()
        assigned = assign_topics(embedded, model)
        articles, passages_, manifest, framing_, assigned_ = dask.compute(
            loaded.articles, passages, loaded.manifest, framing, assigned)
        seconds["framing_and_assignment"] = time.perf_counter() - start
    corpus_ = Corpus(articles, passages_, manifest)
    record = {"path": "distributed", "npartitions": npartitions, "n_passages": len(passages_),
              "n_sample": len(model.passage_ids_), "sample_size": sample_size, "random_state": random_state,
              "seconds": {k: round(v, 3) for k, v in seconds.items()}, "topics": model.run_record_}
    return _tables(corpus_, framing_, assigned_, model, record)


def run_single_process(
    corpus: str | Path | Settings,
    *,
    embedding_model: str = DEFAULT_MODEL,
    cache_dir: str | Path | None = None,
    framing_model: str | Path | None = None,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE,
    random_state: int = 0,
    n_topics: int | None = None,
    min_topic_size: int | None = None,
    show_progress: bool = False,
    **load_options: Any,
) -> dict[str, Any]:
    """The procedure of :func:`run_distributed` in one process, without Dask (its reference).

    Same parameters and the same tables; with the same ``cache_dir`` (so that both read the
    same embeddings) the tables are identical.
    """
    corpus, embedding_model, random_state, n_topics, min_topic_size, load_options = _run_parameters(
        corpus, embedding_model, random_state, n_topics, min_topic_size, load_options)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    loaded = load_corpus(corpus, show_progress=show_progress, **load_options)
    passages = loaded.passages
    seconds["corpus"] = time.perf_counter() - start
    start = time.perf_counter()
    embeddings = Embedder(embedding_model, cache_dir=cache_dir, show_progress=show_progress).encode(
        passages["text"].tolist())
    seconds["embeddings"] = time.perf_counter() - start
    start = time.perf_counter()
    _check_sample_size(sample_size)
    chosen = sample_passages(passages["passage_id"], sample_size, random_state)
    rows = passages["passage_id"].isin(chosen).to_numpy()
    model = _fit_sample(passages[rows], embeddings[rows], random_state,
                        {"n_topics": n_topics, "min_topic_size": min_topic_size})
    seconds["topic_fit"] = time.perf_counter() - start
    start = time.perf_counter()
    frame = pd.concat([passages, pd.DataFrame(embeddings, columns=embedding_columns(embeddings.shape[1]),
                                              index=passages.index)], axis=1)
    folder = None if framing_model is None else str(Path(framing_model).resolve())
    framing = _frame_block(frame, folder)
    assigned = _assign_block(frame, _transform_only(model), _fitted_topics(model))
    seconds["framing_and_assignment"] = time.perf_counter() - start
    record = {"path": "single-process", "n_passages": len(passages), "n_sample": int(rows.sum()),
              "sample_size": sample_size, "random_state": random_state,
              "seconds": {k: round(v, 3) for k, v in seconds.items()}, "topics": model.run_record_}
    return _tables(loaded, framing, assigned, model, record)


def save_tables(tables: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write the tables of :func:`run_distributed` as Parquet and CSV, and the record as JSON.

    Parameters
    ----------
    tables : dict
        As returned by :func:`run_distributed` or :func:`run_single_process`.
    out_dir : path
        Output folder; files go to ``out_dir/tables/<name>.parquet|.csv`` (list cells joined with
        "; ") and ``out_dir/distributed_run.json``.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(out_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        if not isinstance(table, pd.DataFrame):
            continue
        table = table.copy()
        for column in table.columns:
            if table[column].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
                table[column] = table[column].map(lambda v: "; ".join(map(str, v)))
        table.to_parquet(folder / f"{name}.parquet", index=False)
        table.to_csv(folder / f"{name}.csv", index=False)
        written += [folder / f"{name}.parquet", folder / f"{name}.csv"]
    record = Path(out_dir) / "distributed_run.json"
    record.write_text(json.dumps(tables.get("record", {}), indent=2, default=str) + "\n", encoding="utf-8")
    return written + [record]
