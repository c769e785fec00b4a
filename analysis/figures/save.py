"""One function writes every figure: :func:`save_figure` (PNG, SVG, PDF; reproducible bytes)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from matplotlib.figure import Figure

from .style import (
    check_choice,
    figure_style,
    restart_layout,
    texts_outside_figure,
)

__all__ = ["save_figure"]

#: Formats :func:`save_figure` writes, with metadata that keeps the bytes reproducible.
_SAVE_METADATA: dict[str, dict[str, object]] = {
    "png": {},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def save_figure(fig: Figure, name: str, out_dir: str | Path,
                formats: Sequence[str] = ("png", "svg", "pdf")) -> list[Path]:
    """Write a figure as ``out_dir/name.<format>`` for each format, reproducibly.

    PNG is written at 300 dpi, PDF with embedded TrueType fonts, SVG with text kept as text.
    PDF and SVG carry no creation date, so saving the same figure twice gives identical bytes.

    Parameters
    ----------
    fig : Figure
    name : str
        File name without folder or extension, e.g. ``"topic_sizes"``.
    out_dir : str or Path
        Folder to write to; created (with parents) when missing.
    formats : sequence of {"png", "svg", "pdf"}

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Warns
    -----
    UserWarning
        When a text of the figure reaches outside the canvas (it would be clipped).
    """
    if not name or Path(name).name != name or name in {".", ".."}:
        raise ValueError(f"name must be a bare file name without folders, got {name!r}")
    if isinstance(formats, str):
        formats = (formats,)
    for fmt in formats:
        check_choice(fmt, tuple(_SAVE_METADATA), name="format")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with figure_style():
        restart_layout(fig)
        clipped = texts_outside_figure(fig)
        if clipped:
            warnings.warn(f"figure {name!r}: text reaches outside the canvas and will be clipped: "
                          f"{clipped[:3]}", UserWarning, stacklevel=2)
        for fmt in dict.fromkeys(formats):
            path = folder / f"{name}.{fmt}"
            restart_layout(fig)
            fig.savefig(path, format=fmt, dpi=300, metadata=_SAVE_METADATA[fmt])
            paths.append(path)
    return paths
