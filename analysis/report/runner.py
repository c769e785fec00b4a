"""Run the report notebooks with papermill, check their parameters, write the HTML report.

The runner executes ``notebooks/01-*.ipynb`` ... in order into ``OUT/notebooks/`` (the sources are
never written), passes each notebook only the parameters it declares, and finally converts the
executed summary notebook into one self-contained ``OUT/report.html`` with code hidden.
Parameters are checked by :class:`~analysis.report.settings.Settings` before any notebook runs.
The notebooks share computed results through ``OUT/tables`` and ``OUT/state`` (see
:mod:`analysis.pipeline`), so embeddings and models are computed once.
"""

from __future__ import annotations

import ast
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .outputs import Products, check_out_dir
from .settings import Settings

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
REPORT_NOTEBOOK = "04-report.ipynb"

__all__ = ["NOTEBOOK_DIR", "ReportError", "notebook_parameters", "parse_parameters", "run_report"]


class ReportError(RuntimeError):
    """A report cannot run: bad parameters, missing notebooks, or a failing cell."""


def _notebooks(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    found = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
    if not found:
        raise ReportError(f"no notebooks named NN-*.ipynb in {folder}")
    return found


def notebook_parameters(folder: Path = NOTEBOOK_DIR) -> dict[str, dict[str, Any]]:
    """Parameters declared in the notebooks' ``parameters`` cells, as :class:`Settings` defines them.

    Every name a ``parameters`` cell assigns must be a Settings parameter (plain ``name = value``
    lines; the next cell checks the values with :meth:`Settings.from_namespace`).

    Returns
    -------
    dict mapping name to {"default": value, "help": text, "notebooks": notebooks that declare it}
    """
    import nbformat

    defaults, helps = Settings.defaults(), Settings.help()
    params: dict[str, dict[str, Any]] = {}
    for path in _notebooks(folder):
        notebook = nbformat.read(path, as_version=4)
        cells = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        if not cells:
            raise ReportError(f"{path.name} has no cell tagged 'parameters'")
        for node in ast.parse(cells[0].source).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                raise ReportError(f"{path.name}: the parameters cell holds only plain `name = value` lines, "
                                  f"got `{ast.unparse(node)}`")
            name = node.targets[0].id
            if name not in defaults:
                raise ReportError(f"{path.name}: parameter '{name}' is not one of analysis.report.Settings")
            entry = params.setdefault(name, {"default": defaults[name], "help": helps[name], "notebooks": []})
            entry["notebooks"].append(path.name)
    return params


def parse_parameters(pairs: Sequence[Sequence[str]], declared: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Turn ``-p name value`` pairs into checked values (:meth:`Settings.from_pairs`).

    Values are read as Python literals when they parse as one (``5``, ``None``) and as text
    otherwise. An unknown name or a bad value raises :class:`~analysis.report.settings.SettingsError`
    (a ``ValueError``) with a one-line message, before anything runs. ``declared`` (from
    :func:`notebook_parameters`) further limits the names to those the notebooks take.
    """
    if declared is not None:
        for name, _ in pairs:
            if name not in declared:
                Settings.check_names([name])
                raise ReportError(f"parameter '{name}' is not declared by any notebook")
    settings = Settings.from_pairs(pairs)
    return {name: getattr(settings, name) for name, _ in pairs}


def run_report(corpus: str, out_dir: str, parameters: dict[str, Any] | None = None, *,
               notebooks: Sequence[str] | None = None, kernel_name: str = "python3",
               progress: bool = True) -> dict[str, Any]:
    """Execute the notebooks in order and write the report.

    Parameters
    ----------
    corpus : str
        Folder or file of articles.
    out_dir : str
        Output folder: figures, ``notebooks/`` (executed copies), ``tables/``, ``run.json``,
        ``report.html``.
    parameters : dict, optional
        Further run parameters (names and values as :class:`~analysis.report.settings.Settings`
        defines them; checked before any notebook runs).
    notebooks : sequence of str, optional
        Only these notebooks (file names), in the usual order; an unknown name is refused.

    The notebooks' kernels start in ``out_dir`` in Python's safe-path mode (nothing is imported
    from the current folder) and talk over IPC, so no network interface is needed. ``out_dir`` is
    refused where writing would harm (:func:`~analysis.report.outputs.check_out_dir`); when it
    holds a previous run on another corpus, that run's products (and only they) are removed first.

    Returns
    -------
    dict: the run record written to ``run.json``.
    """
    import papermill as pm

    from .pipeline import Analysis, project_path

    corpus_path = project_path(corpus)
    if not corpus_path.exists():
        raise ReportError(f"corpus path '{corpus}' does not exist")
    out = check_out_dir(project_path(out_dir), corpus_path)
    settings = Settings.from_values({**(parameters or {}), "corpus": str(corpus_path), "out_dir": str(out)})
    if settings.framing_model and not (project_path(settings.framing_model) / "model.json").is_file():
        raise ReportError(f"framing_model '{settings.framing_model}' holds no saved model (model.json); "
                          "train one with `analysis framing train --annotations A.csv --out FOLDER`")
    declared = notebook_parameters()
    params = {name: getattr(settings, name) for name in (*(parameters or {}), "corpus", "out_dir")}
    available = _notebooks()
    unknown = sorted(set(notebooks or ()) - {p.name for p in available})
    if unknown:
        raise ReportError(f"no notebook named {', '.join(unknown)}; choose from "
                          f"{', '.join(p.name for p in available)}")
    paths = [p for p in available if notebooks is None or p.name in notebooks]
    products = Products(out)
    products.begin(str(corpus_path))
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    for path in paths:
        target = out / "notebooks" / path.name
        own = {k: v for k, v in params.items() if path.name in declared.get(k, {}).get("notebooks", [])}
        start = time.perf_counter()
        try:
            with _kernel_environment():
                pm.execute_notebook(str(path), str(target), parameters=own, kernel_name=kernel_name,
                                    progress_bar=progress, cwd=str(out), config=_kernel_config())
        except pm.PapermillExecutionError as err:
            hint = "; free some disk space or choose another --out" if "[Errno 28]" in str(err.evalue) else ""
            raise ReportError(f"notebook {path.name} failed in cell {err.cell_index} (execution count "
                              f"{err.exec_count}): {err.ename}: {err.evalue}{hint}; the partial notebook is kept "
                              f"at {target}") from None
        timings[path.name] = round(time.perf_counter() - start, 2)
    analysis = Analysis(settings, show_progress=False)
    if any(p.name == REPORT_NOTEBOOK for p in paths):
        write_html(out / "notebooks" / REPORT_NOTEBOOK, out / "report.html")
    manifest = Path(analysis.tables_dir / "manifest.csv")
    counts = {}
    if manifest.is_file():
        import pandas as pd

        counts = pd.read_csv(manifest)["status"].value_counts().to_dict()
    path = analysis.write_run_record({"notebook_seconds": timings, "manifest_counts": counts})
    products.finish(str(corpus_path))
    return json.loads(path.read_text())


def _kernel_config():
    """Kernels talk over IPC (Unix sockets), so a report runs with no network interface at all."""
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc"}, "AsyncKernelManager": {"transport": "ipc"}})


@contextmanager
def _kernel_environment() -> Iterator[None]:
    """Start kernels in safe-path mode: no module is imported from the folder they start in."""
    before = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = before


def write_html(executed: Path, target: Path) -> Path:
    """Convert an executed notebook to one self-contained HTML file with the code hidden."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    target.write_text(body, encoding="utf-8")
    return target
