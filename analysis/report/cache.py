"""The one stage cache: fingerprint of inputs and settings -> reuse or build, save, record.

Every stage of a run (corpus, topics, framing, the report's tables and figures) goes through
:meth:`StageCache.run`. A stage's record ``state/<stage>.json`` holds the fingerprint it was
built with and what it recorded (timings, table or figure names, model details); while the
fingerprint is unchanged and the stage's files exist, the saved outputs are reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .._notices import ignore_notices

__all__ = ["StageCache", "fingerprint", "inputs_fingerprint", "plain_table"]

T = TypeVar("T")


def fingerprint(*parts: Any) -> str:
    """A short hash of JSON-serialisable parts (stage name, upstream fingerprints, settings)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def inputs_fingerprint(path: str | os.PathLike) -> str:
    """Names, sizes and modification times of every path the corpus loader lists under ``path``
    (or of the file itself), through followed links; a skipped path counts by name and reason."""
    from ..corpus.readers import corpus_paths, display_path

    path = Path(path)
    parts = []
    for p, reason in corpus_paths(path):
        name = display_path(p.relative_to(path) if p != path else p.name)
        stat = None
        try:
            stat = None if reason else p.stat()
        except OSError as error:
            reason = str(error)
        parts.append((name, reason) if stat is None else (name, stat.st_size, int(stat.st_mtime)))
    return fingerprint(parts)


def plain_table(table: pd.DataFrame) -> pd.DataFrame:
    """Lists in cells become '; '-joined strings so the table saves to CSV and Parquet alike."""
    table = table.copy()
    for column in table.columns:
        if table[column].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            table[column] = table[column].map(lambda v: "; ".join(map(str, v)) if v is not None else "")
    return table


def _no_files(record: dict[str, Any]) -> Iterable[Path]:
    return ()


#: Warnings Python does not show unless asked (its default filters): not kept in a stage's record.
_SILENT_BY_DEFAULT = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def _warning_class(name: str) -> type[Warning]:
    """The warning class called ``name``: a built-in one or one of this package's; UserWarning otherwise."""
    import builtins

    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, Warning):
        return found
    from ..topics.base import TopicModelWarning

    return TopicModelWarning if name == TopicModelWarning.__name__ else UserWarning


def _warn_again(said: Iterable[dict[str, str]]) -> None:
    """Raise the recorded warnings again, through the filters in force but without the
    once-per-location registry (a stage's warning would otherwise be shown only once per kernel)."""
    for w in said:
        warnings.warn_explicit(w["message"], _warning_class(w["category"]), __file__, 0, registry={})


class StageCache:
    """Records of the stages of one run, kept in ``state_dir``.

    Parameters
    ----------
    state_dir : path
        Folder of the ``<stage>.json`` records (created when missing).
    """

    def __init__(self, state_dir: str | os.PathLike) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)

    def record(self, stage: str) -> dict[str, Any]:
        """What ``stage`` recorded when it last ran (``{}`` when it has not run)."""
        marker = self.state_dir / f"{stage}.json"
        return json.loads(marker.read_text()) if marker.is_file() else {}

    def fingerprints(self, *stages: str) -> list[str | None]:
        """The fingerprints the given stages last ran with (``None`` for a stage not run yet)."""
        return [self.record(stage).get("fingerprint") for stage in stages]

    def fresh(self, stage: str, fingerprint: str,
              files: Callable[[dict[str, Any]], Iterable[Path]] = _no_files) -> bool:
        """Whether ``stage`` last ran with ``fingerprint`` and every file it lists still exists."""
        record = self.record(stage)
        return record.get("fingerprint") == fingerprint and all(Path(p).is_file() for p in files(record))

    def run(self, stage: str, fingerprint: str, build: Callable[[], dict[str, Any]],
            load: Callable[[dict[str, Any]], T],
            files: Callable[[dict[str, Any]], Iterable[Path]] = _no_files) -> T:
        """Reuse or build a stage's outputs.

        Parameters
        ----------
        stage : str
            The stage's name (its record is ``state_dir/<stage>.json``).
        fingerprint : str
            Of everything the outputs depend on (:func:`fingerprint`).
        build : callable
            Computes and saves the outputs; returns what to record about them (JSON-serialisable).
            Called only when the stage is not fresh; the seconds it took are recorded too.
        load : callable
            Takes the stage's record and returns the outputs (from disk, or from what ``build``
            kept in memory).
        files : callable, optional
            Takes the record and lists the files the outputs are saved in; a missing one rebuilds.

        Returns
        -------
        What ``load`` returns.

        Warnings raised while building are kept in the record (``"warnings"``) and raised again
        each time the stage is reused, so a run that loads a stage reports what building it said.
        """
        if not self.fresh(stage, fingerprint, files):
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ignore_notices()  # what the package ignores stays ignored
                info = build()
            pairs = dict.fromkeys((w.category.__name__, str(w.message)) for w in caught
                                  if not issubclass(w.category, _SILENT_BY_DEFAULT))  # each once, in order
            said = [{"category": category, "message": message} for category, message in pairs]
            self.mark(stage, fingerprint, **info, seconds=time.perf_counter() - start, warnings=said)
        record = self.record(stage)
        _warn_again(record.get("warnings", []))
        return load(record)

    def mark(self, stage: str, fingerprint: str, **info: Any) -> None:
        """Write the record of ``stage``: its fingerprint and ``info``."""
        record = {"fingerprint": fingerprint, **info}
        (self.state_dir / f"{stage}.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
