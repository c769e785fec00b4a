"""Warnings of a notebook run go to the run record, not into the notebook.

A report is read by people who should not meet a pink stderr box: :func:`capture_warnings`
routes every Python warning raised in a notebook kernel to ``OUT/state/warnings.jsonl``, and
:meth:`~analysis.report.pipeline.Analysis.write_run_record` copies them (once each) into
``run.json`` under ``"warnings"``. What a warning says that a reader needs (a k-means fallback,
say) is also written in the notebook's prose by the functions that explain each stage.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = ["WARNINGS_FILE", "capture_warnings", "recorded_warnings"]

WARNINGS_FILE = "warnings.jsonl"


def capture_warnings(state_dir: str | Path, *, new_log: bool = False) -> Path:
    """Write every warning shown from now on to ``state_dir/warnings.jsonl`` instead of stderr.

    Parameters
    ----------
    state_dir : str or Path
        The run's state folder (``Analysis.state_dir``).
    new_log : bool, default False
        Start a new log (the first notebook of a report does); otherwise append.

    Returns
    -------
    Path of the log.
    """
    log = Path(state_dir) / WARNINGS_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    if new_log:
        log.write_text("", encoding="utf-8")

    def record(message: Warning | str, category: type[Warning], filename: str, lineno: int,
               file: Any = None, line: str | None = None) -> None:
        entry = {"category": category.__name__, "message": str(message), "where": f"{Path(filename).name}:{lineno}",
                 "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    warnings.showwarning = record
    return log


def recorded_warnings(state_dir: str | Path) -> list[dict[str, str]]:
    """The warnings in ``state_dir/warnings.jsonl``, each (category, message) once, in order."""
    log = Path(state_dir) / WARNINGS_FILE
    if not log.is_file():
        return []
    seen, out = set(), []
    for line in log.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        key = (entry["category"], entry["message"])
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out
