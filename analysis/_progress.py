"""The one progress bar of the package: a plain text bar, on the right stream.

``tqdm.auto`` picks a widget bar in a Jupyter kernel and, when ipywidgets is not installed,
prints ``TqdmWarning: IProgress not found`` into the notebook. Here the choice is made once:
a plain text bar (:class:`tqdm.std.tqdm`) everywhere; in a Jupyter kernel it writes to the
cell's standard output (so the notebook shows it as text, never as a red stderr box), in a
terminal to standard error as usual. Importing this module also imports ``tqdm.autonotebook``
once with its warning silenced, for the libraries that use ``tqdm.auto`` themselves.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from typing import Any

from tqdm.std import TqdmWarning
from tqdm.std import tqdm as _text_bar

# Libraries we use import tqdm.auto themselves (umap does); imported once here, quietly, it no
# longer prints "IProgress not found" into a notebook, and falls back to the text bar.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", TqdmWarning)
    import tqdm.autonotebook  # noqa: F401

__all__ = ["in_notebook", "progress_bar"]


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (JupyterLab, papermill)."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and type(ipython).__name__ == "ZMQInteractiveShell"


def progress_bar(iterable: Iterable | None = None, **options: Any) -> _text_bar:
    """A text progress bar over ``iterable`` (tqdm's options: desc, total, unit, disable, leave...).

    In a notebook it writes to standard output and redraws at most twice a second.
    """
    if in_notebook():
        options.setdefault("file", sys.stdout)
        options.setdefault("mininterval", 0.5)
    return _text_bar(iterable, **options)
