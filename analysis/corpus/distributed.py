"""Corpus ingestion over partitions on a Dask cluster (the Dask path of :func:`load_corpus`).

:func:`load_corpus_dask` reads the input files in contiguous blocks of the sorted input list (so
partitions are assigned deterministically), then splits the documents into ``npartitions`` equal
blocks; cleaning, language and country detection, filters and passage splitting run per
partition. The three corpus-wide steps of :func:`analysis.corpus.load_corpus` are reductions:
repeated article ids (ids only), boilerplate lines repeated within a source or collection (64-bit
line hashes per distinct document) and near-duplicate detection (one task over the loaded texts,
in corpus order). Articles, passages and manifest equal those of ``load_corpus`` row for row.
Embedding, framing and topics over partitions, and whole runs, are in
:mod:`analysis.report.distributed`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .clean import BOILERPLATE_MIN_DOCS, BOILERPLATE_MIN_SHARE, _Draft, _digest, _finish, _first_pass
from .dedupe import find_duplicates
from .readers import InputFile, RawDoc, find_inputs
from .tables import Header
from .load import (
    ARTICLE_COLUMNS,
    MANIFEST_COLUMNS,
    PASSAGE_COLUMNS,
    Corpus,
    CorpusError,
    DateLike,
    _apply_filters,
    _article_rows,
    _empty_message,
    _mark_repeated_ids,
    _scope_ids,
    _Options,
    _passages,
    _read_inputs,
    _typed,
    _validate,
    load_corpus,
)

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

__all__ = ["DEFAULT_PARTITIONS", "DaskCorpus", "dask_scheduler", "load_corpus_dask", "partition_inputs"]

#: Partitions by default: a few per worker thread of a small cluster.
DEFAULT_PARTITIONS = 8


# --------------------------------------------------------------------------- partitions of inputs
def partition_inputs(items: Sequence[Any], npartitions: int) -> list[list[Any]]:
    """Split ``items`` into ``npartitions`` contiguous blocks of near-equal size, in order.

    Parameters
    ----------
    items : sequence, length n_items
        Inputs in their canonical (sorted) order.
    npartitions : int
        At least 1; fewer blocks are returned when there are fewer items.

    Returns
    -------
    list of lists
        Non-empty blocks whose concatenation is ``items``; their sizes differ by at most one.
    """
    if isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1:
        raise ValueError(f"npartitions={npartitions!r} must be a positive whole number")
    items = list(items)
    k = max(1, min(npartitions, len(items)))
    bounds = [len(items) * i // k for i in range(k + 1)]
    return [items[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a] or [[]]


def dask_scheduler(client: Client | None):
    """A context in which dask computes on ``client`` (the current scheduler when None)."""
    if client is None:
        return nullcontext()
    import dask

    return dask.config.set(scheduler=client)


# --------------------------------------------------------------------------- ingestion
@dataclass
class DaskCorpus:
    """The tables of :class:`~analysis.corpus.Corpus` as Dask DataFrames, in corpus order.

    Attributes
    ----------
    articles : dask DataFrame with columns :data:`~analysis.corpus.ARTICLE_COLUMNS`
    passages : dask DataFrame with columns :data:`~analysis.corpus.PASSAGE_COLUMNS`
    manifest : dask DataFrame with columns :data:`~analysis.corpus.MANIFEST_COLUMNS`
    """

    articles: dd.DataFrame
    passages: dd.DataFrame
    manifest: dd.DataFrame

    def compute(self) -> Corpus:
        """Gather the tables into one in-memory :class:`~analysis.corpus.Corpus`."""
        import dask

        articles, passages, manifest = dask.compute(self.articles, self.passages, self.manifest)
        return Corpus(*(frame.reset_index(drop=True) for frame in (articles, passages, manifest)))


def _read_block(items: list[InputFile], options: _Options) -> list[RawDoc]:
    return _read_inputs(items, options)


def _doc_keys(docs: list[RawDoc]) -> list[tuple[str, str, str, str, str]]:
    return [(doc.input, doc.article_id, doc.skip_reason, doc.file, doc.id_scope) for doc in docs]


def _rebalanced(blocks: list[tuple[list[RawDoc], int, int]], start: int,
                skips: dict[int, tuple[str, str]]) -> list[RawDoc]:
    """Concatenate slices of read blocks; docs whose global position is in ``skips`` get that
    (article id, skip reason)."""
    docs = [doc for block, a, b in blocks for doc in block[a:b]]
    return [replace(doc, article_id=skips[start + i][0], skip_reason=skips[start + i][1]) if start + i in skips
            else doc for i, doc in enumerate(docs)]


def _line_hash(line: str) -> int:
    return int.from_bytes(hashlib.blake2b(line.encode("utf-8"), digest_size=8).digest(), "little")


def _drafts(docs: list[RawDoc]) -> list[_Draft]:
    return [_first_pass(doc) for doc in docs if not doc.skip_reason]


def _boilerplate_candidates(drafts: list[_Draft]) -> dict[str, dict[str, frozenset[int]]]:
    """Per group, the distinct documents (by digest) as sets of their non-empty line hashes."""
    groups: dict[str, dict[str, frozenset[int]]] = defaultdict(dict)
    for draft in drafts:
        if sum(1 for line in draft.lines if line) >= 2:
            groups[draft.group][_digest(draft.lines)] = frozenset(_line_hash(line) for line in draft.lines if line)
    return dict(groups)


def _boilerplate_lines(parts: list[dict[str, dict[str, frozenset[int]]]]) -> dict[str, frozenset[int]]:
    """Hashes of the lines in at least 3 distinct documents and half the documents of a group."""
    merged: dict[str, dict[str, frozenset[int]]] = defaultdict(dict)
    for part in parts:
        for group, documents in part.items():
            merged[group].update(documents)
    repeated: dict[str, frozenset[int]] = {}
    for group, documents in merged.items():
        if len(documents) < BOILERPLATE_MIN_DOCS:
            continue
        counts: dict[int, int] = defaultdict(int)
        for lines in documents.values():
            for line in lines:
                counts[line] += 1
        needed = max(BOILERPLATE_MIN_DOCS, BOILERPLATE_MIN_SHARE * len(documents))
        found = frozenset(line for line, count in counts.items() if count >= needed)
        if found:
            repeated[group] = found
    return repeated


def _article_block(docs: list[RawDoc], drafts: list[_Draft], repeated: dict[str, frozenset[int]],
                   options: _Options) -> pd.DataFrame:
    """Finish cleaning a block without its group's boilerplate; article rows with filter reasons."""
    readable = [doc for doc in docs if not doc.skip_reason]
    cleaned = []
    for doc, draft in zip(readable, drafts):
        drop = repeated.get(draft.group)
        if drop and sum(1 for line in draft.lines if line) >= 2:
            draft = replace(draft, lines=[line for line in draft.lines if not line or _line_hash(line) not in drop])
        cleaned.append(_finish(draft, doc))
    articles = _article_rows(readable, cleaned, options.dayfirst)
    _apply_filters(articles, options)
    return articles


def _loaded_texts(articles: pd.DataFrame) -> tuple[list[str], list[str]]:
    loaded = articles[articles["status"] == "loaded"]
    return loaded["article_id"].tolist(), loaded["text"].tolist()


def _duplicate_map(*parts: tuple[list[str], list[str]]) -> dict[str, str]:
    """``{article_id: id of the article it copies}`` over the loaded articles of all blocks, in order."""
    ids = [i for part in parts for i in part[0]]
    texts = [t for part in parts for t in part[1]]
    return {ids[j]: ids[i] for j, i in enumerate(find_duplicates(texts)) if i is not None}


def _assemble_block(docs: list[RawDoc], articles: pd.DataFrame, duplicates: dict[str, str],
                    options: _Options) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Articles kept (loaded or duplicate), passages and manifest rows of one block."""
    articles = articles.copy()
    copies = articles["article_id"].isin(duplicates.keys()) & (articles["status"] == "loaded")
    originals = articles.loc[copies, "article_id"].map(duplicates)
    articles.loc[copies, "status"] = "duplicate"
    articles.loc[copies, "duplicate_of"] = originals
    articles.loc[copies, "reason"] = "duplicate of " + originals
    readable = [doc for doc in docs if not doc.skip_reason]
    outcome = {doc.input: (row.status, row.reason, row.date_note) for doc, row in zip(readable, articles.itertuples())}
    rows = [{"input": doc.input, "article_id": doc.article_id,
             "status": "skipped" if doc.skip_reason else outcome[doc.input][0],
             "reason": doc.skip_reason or outcome[doc.input][1] or doc.note,
             "date_note": "" if doc.skip_reason else outcome[doc.input][2]} for doc in docs]
    manifest = _typed(pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS)), MANIFEST_COLUMNS)
    kept = articles[articles["status"] != "skipped"].drop(columns=["reason", "date_note"]).reset_index(drop=True)
    passages = _passages(kept[kept["status"] == "loaded"], options)
    return kept, passages, manifest


def _empty(schema: dict[str, str]) -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=list(schema)), schema)


def load_corpus_dask(
    path: str | Path,
    *,
    npartitions: int = DEFAULT_PARTITIONS,
    text_column: str | int | None = None,
    title_column: str | int | None = None,
    date_column: str | int | None = None,
    source_column: str | int | None = None,
    url_column: str | int | None = None,
    id_column: str | int | None = None,
    country_column: str | int | None = None,
    language_column: str | int | None = None,
    header: Header = "auto",
    min_passage_words: int = 8,
    max_passage_words: int = 180,
    drop_duplicates: bool = True,
    language: str | None = None,
    date_from: DateLike = None,
    date_to: DateLike = None,
    dayfirst: bool | None = None,
) -> DaskCorpus:
    """:func:`analysis.corpus.load_corpus` over partitions on the current Dask scheduler.

    Parameters
    ----------
    path : str or Path
        A folder or file every worker can read (the same path on every machine).
    npartitions : int, default 8
        Blocks of documents cleaned and split in parallel.
    text_column, ..., date_to, dayfirst
        As for :func:`~analysis.corpus.load_corpus`.

    Returns
    -------
    DaskCorpus
        Lazy tables whose partitions are persisted intermediate results; ``.compute()`` equals
        ``load_corpus(path, ...)``.

    Raises
    ------
    CorpusError
        As :func:`~analysis.corpus.load_corpus` does.
    """
    import dask
    import dask.dataframe as dd
    from dask import delayed

    options = _validate(
        dict(text=text_column, title=title_column, date=date_column, source=source_column, url=url_column,
             id=id_column, country=country_column, language=language_column),
        header, min_passage_words, max_passage_words, drop_duplicates, language, date_from, date_to, False)
    options = replace(options, dayfirst=dayfirst)  # the order of a column is decided per block here
    inputs = find_inputs(Path(path))
    read = dask.persist(*[delayed(_read_block)(block, options) for block in partition_inputs(inputs, npartitions)])
    keys = dask.compute(*[delayed(_doc_keys)(block) for block in read])
    # repeated ids over the whole corpus, by global document position
    stand_ins = [RawDoc(i, a, "", "text", skip_reason=r, file=f, id_scope=s) for block in keys for i, a, r, f, s in block]
    skips = _new_skips(keys, _mark_repeated_ids(_scope_ids(stand_ins)))
    docs = dask.persist(*_rebalance(read, [len(block) for block in keys], npartitions, skips))
    drafts = dask.persist(*[delayed(_drafts)(block) for block in docs])
    repeated = _boilerplate_lines(dask.compute(*[delayed(_boilerplate_candidates)(d) for d in drafts]))
    articles = dask.persist(*[delayed(_article_block)(block, d, repeated, options) for block, d in zip(docs, drafts)])
    loaded = [delayed(_loaded_texts)(a) for a in articles]
    duplicates = delayed(_duplicate_map)(*loaded).compute() if options.drop_duplicates else {}
    parts = [delayed(_assemble_block, nout=3)(block, a, duplicates, options) for block, a in zip(docs, articles)]
    parts = dask.persist(*[piece for part in parts for piece in part])
    kept, passages, manifest = parts[0::3], parts[1::3], parts[2::3]
    n_loaded = sum(dask.compute(*[delayed(_count_loaded)(k) for k in kept]))
    if not n_loaded:
        raise CorpusError(_empty_message(pd.concat(dask.compute(*manifest), ignore_index=True)))
    return DaskCorpus(
        dd.from_delayed(list(kept), meta=_empty(ARTICLE_COLUMNS), verify_meta=False),
        dd.from_delayed(list(passages), meta=_empty(PASSAGE_COLUMNS), verify_meta=False),
        dd.from_delayed(list(manifest), meta=_empty(MANIFEST_COLUMNS), verify_meta=False),
    )


def _count_loaded(kept: pd.DataFrame) -> int:
    return int((kept["status"] == "loaded").sum())


def _new_skips(keys: Sequence[list[tuple[str, str, str, str, str]]],
               marked: list[RawDoc]) -> dict[int, tuple[str, str]]:
    """Global positions whose id was scoped to its file or that were skipped for a repeated id:
    (article id, skip reason)."""
    before = [(a, r) for block in keys for _, a, r, _, _ in block]
    return {p: (doc.article_id, doc.skip_reason) for p, doc in enumerate(marked)
            if (doc.article_id, doc.skip_reason) != before[p]}


def _rebalance(read: Sequence[Any], sizes: list[int], npartitions: int, skips: dict[int, str]) -> list[Any]:
    """Delayed blocks of near-equal document counts, in order, built from slices of ``read``."""
    from dask import delayed

    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    total = int(offsets[-1])
    out = []
    for block in partition_inputs(range(total), npartitions):
        if not block:
            continue
        start, stop = block[0], block[-1] + 1
        pieces = []
        for i, size in enumerate(sizes):
            a, b = max(start, offsets[i]), min(stop, offsets[i] + size)
            if b > a:
                pieces.append((read[i], int(a - offsets[i]), int(b - offsets[i])))
        own = {p: r for p, r in skips.items() if start <= p < stop}
        out.append(delayed(_rebalanced)(pieces, start, own))
    return out


