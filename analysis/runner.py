"""Run the report notebooks with papermill, check their parameters, write the HTML report.

The runner executes ``notebooks/01-*.ipynb`` ... in order into ``OUT/notebooks/`` (the sources are
never written), passes each notebook only the parameters it declares, and finally converts the
executed summary notebook into one self-contained ``OUT/report.html`` with code hidden.
The notebooks share computed results through ``OUT/tables`` and ``OUT/state`` (see
:mod:`analysis.pipeline`), so embeddings and models are computed once.
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
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
    """Parameters declared in the notebooks' ``parameters`` cells.

    Returns
    -------
    dict mapping name to {"types": allowed type names, "default": value, "help": comment,
    "notebooks": notebooks that declare it}
    """
    import nbformat

    params: dict[str, dict[str, Any]] = {}
    for path in _notebooks(folder):
        notebook = nbformat.read(path, as_version=4)
        cells = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        if not cells:
            raise ReportError(f"{path.name} has no cell tagged 'parameters'")
        for node in ast.parse(cells[0].source).body:
            if not isinstance(node, ast.AnnAssign):
                raise ReportError(f"{path.name}: every parameter needs a type annotation, e.g. `seed: int = 0`")
            name = node.target.id
            types = {t.strip() for t in ast.unparse(node.annotation).split("|")}
            comment = cells[0].source.splitlines()[node.lineno - 1].partition("#")[2].strip()
            entry = params.setdefault(name, {"types": types, "default": ast.literal_eval(node.value),
                                             "help": comment, "notebooks": []})
            entry["notebooks"].append(path.name)
    return params


_TYPES = {"int": int, "float": (int, float), "str": str, "bool": bool, "None": type(None)}


def parse_parameters(pairs: Sequence[Sequence[str]], declared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Turn ``-p name value`` pairs into typed values, checked against the declared parameters.

    Values are read as Python literals when they parse as one (``5``, ``0.5``, ``None``, ``True``)
    and as strings otherwise. An unknown name or a value of the wrong type raises ReportError.
    """
    values: dict[str, Any] = {}
    for name, raw in pairs:
        if name not in declared:
            raise ReportError(f"unknown parameter '{name}'; the notebooks take: {', '.join(sorted(declared))}")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        types = declared[name]["types"]
        if "str" in types and not isinstance(value, str) and value is not None:
            value = raw if "int" not in types and "float" not in types else value
        ok = any(isinstance(value, _TYPES[t]) and not (t in ("int", "float") and isinstance(value, bool))
                 for t in types if t in _TYPES)
        if not ok:
            raise ReportError(f"parameter '{name}' must be {' or '.join(sorted(types))}, got {raw!r}")
        values[name] = value
    return values


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
        Further notebook parameters (already checked by :func:`parse_parameters`).
    notebooks : sequence of str, optional
        Only these notebooks (file names), in the usual order.

    Returns
    -------
    dict: the run record written to ``run.json``.
    """
    import papermill as pm

    from .pipeline import Analysis, project_path

    corpus_path, out = project_path(corpus), project_path(out_dir)
    if not corpus_path.exists():
        raise ReportError(f"corpus path '{corpus}' does not exist")
    declared = notebook_parameters()
    params = {**(parameters or {}), "corpus": str(corpus_path), "out_dir": str(out)}
    paths = [p for p in _notebooks() if notebooks is None or p.name in notebooks]
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    for path in paths:
        target = out / "notebooks" / path.name
        own = {k: v for k, v in params.items() if path.name in declared.get(k, {}).get("notebooks", [])}
        start = time.perf_counter()
        try:
            pm.execute_notebook(str(path), str(target), parameters=own, kernel_name=kernel_name,
                                progress_bar=progress, cwd=str(Path.cwd()))
        except pm.PapermillExecutionError as err:
            raise ReportError(f"notebook {path.name} failed in cell {err.cell_index} (execution count "
                              f"{err.exec_count}): {err.ename}: {err.evalue}; the partial notebook is kept "
                              f"at {target}") from None
        timings[path.name] = round(time.perf_counter() - start, 2)
    known = {k: v for k, v in params.items() if k in Analysis.__dataclass_fields__}
    analysis = Analysis(**known, show_progress=False)
    if any(p.name == REPORT_NOTEBOOK for p in paths):
        write_html(out / "notebooks" / REPORT_NOTEBOOK, out / "report.html")
    manifest = Path(analysis.tables_dir / "manifest.csv")
    counts = {}
    if manifest.is_file():
        import pandas as pd

        counts = pd.read_csv(manifest)["status"].value_counts().to_dict()
    path = analysis.write_run_record({"notebook_seconds": timings, "manifest_counts": counts})
    return json.loads(path.read_text())


def write_html(executed: Path, target: Path) -> Path:
    """Convert an executed notebook to one self-contained HTML file with the code hidden."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    target.write_text(body, encoding="utf-8")
    return target
