"""The output folder of a report: refused where it would harm, and cleared of stale products.

:func:`check_out_dir` refuses an output folder that is the project root, inside the project's
``notebooks/`` or ``analysis/``, inside the corpus, or a file. :class:`Products` keeps a ledger
(``OUT/.analysis-products.json``) of the files this tool wrote into a folder, so that a run on
another corpus removes the previous run's tables, figures and notebooks, and only those: a
user's own files in the folder stay. The embedding cache (``OUT/.cache``) is kept.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

__all__ = ["LEDGER", "OutDirError", "Products", "check_out_dir"]

PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = Path(__file__).resolve().parents[1]
LEDGER = ".analysis-products.json"
#: Sub-folders whose files are all products; at the top level only these and figures are.
_PRODUCT_FOLDERS = ("tables", "state", "notebooks", "models")
_TOP_PRODUCTS = ("report.html", "run.json")
_FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


class OutDirError(ValueError):
    """An output folder the run must not write into."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_out_dir(out: str | os.PathLike, corpus: str | os.PathLike | None = None) -> Path:
    """The resolved output folder, after refusing one where writing would harm.

    Raises
    ------
    OutDirError
        When ``out`` is a file (or under one), the project root, inside the project's
        ``notebooks/`` or ``analysis/`` folders, or inside the corpus.
    """
    path = Path(out).expanduser().resolve()
    shown = str(out)
    for parent in (path, *path.parents):
        if parent.exists() and not parent.is_dir():
            raise OutDirError(f"--out '{shown}' is {'a file' if parent == path else f'under the file {parent}'}; "
                              "pass a folder (it is created when missing)")
    if path == PROJECT:
        raise OutDirError(f"--out '{shown}' is the project folder, whose notebooks it would overwrite; "
                          "pass a folder of its own, e.g. --out results/my-run")
    for folder in (PROJECT / "notebooks", PACKAGE):
        if _inside(path, folder):
            raise OutDirError(f"--out '{shown}' is inside the project's {folder.name}/ folder; "
                              "pass a folder of its own, e.g. --out results/my-run")
    if corpus is not None:
        source = Path(corpus).expanduser().resolve()
        if source.is_dir() and _inside(path, source):
            raise OutDirError(f"--out '{shown}' is inside the corpus '{corpus}', whose next run would read the "
                              "outputs as articles; pass a folder outside it")
    return path


class Products:
    """The files this tool wrote into an output folder, recorded in its ledger.

    Parameters
    ----------
    out : Path
        The output folder (checked by :func:`check_out_dir`).
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.ledger = out / LEDGER
        self.started = time.time()

    def _product_like(self) -> list[Path]:
        """Files where this tool writes: its sub-folders, figures and the report at the top."""
        if not self.out.is_dir():
            return []
        found = [p for name in _PRODUCT_FOLDERS for p in (self.out / name).rglob("*") if p.is_file()]
        found += [p for p in self.out.iterdir() if p.is_file()
                  and (p.name in _TOP_PRODUCTS or p.suffix.lower() in _FIGURE_SUFFIXES)]
        return found

    def _previous(self) -> tuple[str | None, set[Path]]:
        """The corpus of the previous run and the files it wrote (``None, set()`` when none)."""
        try:
            record = json.loads(self.ledger.read_text(encoding="utf-8"))
            started = float(record.get("started", 0))
            files = {self.out / rel for rel in record.get("files", [])}
            corpus = record.get("corpus")
        except (OSError, ValueError, TypeError, AttributeError):
            return self._legacy()
        # an interrupted run wrote files its ledger does not list yet
        files |= {p for p in self._product_like() if p.stat().st_mtime >= started}
        return corpus, {p for p in files if p.is_file()}

    def _legacy(self) -> tuple[str | None, set[Path]]:
        """A folder written before the ledger existed: its run.json names the corpus."""
        try:
            corpus = json.loads((self.out / "run.json").read_text(encoding="utf-8"))["parameters"]["corpus"]
        except (OSError, ValueError, KeyError, TypeError):
            return None, set()
        figures = set()
        for record in (self.out / "state").glob("figures_*.json"):
            try:
                names = json.loads(record.read_text(encoding="utf-8")).get("figures", [])
            except (OSError, ValueError, AttributeError):
                continue
            figures |= {self.out / f"{name}{suffix}" for name in names for suffix in _FIGURE_SUFFIXES}
        top = {p for p in self._product_like() if p.parent != self.out or p.name in _TOP_PRODUCTS}
        return str(corpus), {p for p in top | figures if p.is_file()}

    def begin(self, corpus: str) -> list[Path]:
        """Start a run on ``corpus``: remove the previous run's products when it read another
        corpus (said on stderr), record the run's start; returns the files removed."""
        previous, files = self._previous()
        removed: list[Path] = []
        if previous is not None and previous != corpus and files:
            for path in sorted(files):
                path.unlink(missing_ok=True)
                removed.append(path)
            for name in _PRODUCT_FOLDERS:
                for folder in sorted((self.out / name).glob("**/"), key=lambda p: -len(p.parts)):
                    if folder.is_dir() and not any(folder.iterdir()):
                        folder.rmdir()
            shown = ", ".join(p.relative_to(self.out).as_posix() for p in removed[:5])
            more = f" and {len(removed) - 5} more" if len(removed) > 5 else ""
            print(f"analysis: removed {len(removed)} stale files of the previous run on {previous} from "
                  f"{self.out}: {shown}{more}", file=sys.stderr)
            files = set()
        self._write(corpus, files)
        return removed

    def finish(self, corpus: str) -> None:
        """Record every product of the run just finished (and those it reused)."""
        _, files = self._previous()
        self._write(corpus, files)

    def _write(self, corpus: str, files: set[Path]) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        record = {"corpus": corpus, "started": self.started,
                  "files": sorted(p.relative_to(self.out).as_posix() for p in files)}
        tmp = self.ledger.with_name(f".{LEDGER}.tmp")
        tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.ledger)
