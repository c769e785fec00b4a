"""One function writes every figure: :func:`save_figure` (PNG, SVG, PDF; reproducible bytes).

Saving is most of what a figure costs, so :func:`save_figure` lays a figure out once (the
constrained layout is computed in the draw that checks for clipped text, then kept for every
format) and embeds lean font subsets in PDFs: the glyphs the figure uses without the OpenType
layout tables (GSUB, GPOS, GDEF, ...), which a PDF never reads since matplotlib places every glyph
itself. Parsing those tables was about 80 % of the time of writing a PDF.

:func:`save_figures_from_tables` draws several figures from their tables at once, in worker
processes when more than one core is usable (:func:`figure_workers`): the bytes are those that
drawing them one after the other gives, and a warning a figure raises in a worker is raised again
here.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from matplotlib.figure import Figure

from .style import (
    check_choice,
    figure_style,
    restart_layout,
    texts_outside_figure,
)

__all__ = ["FIGURE_WORKERS_ENV", "draw_and_save", "figure_workers", "save_figures_from_tables", "save_figure"]

#: Resolution of the PNG, in dots per inch.
_DPI = 300
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
    formats = list(dict.fromkeys(formats))
    paths = {}
    with figure_style(), _layout_once(fig), _lean_pdf_fonts():
        if "png" in formats:  # one draw lays the figure out and renders the PNG
            paths["png"] = folder / f"{name}.png"
            clipped = _laid_out_png(fig, paths["png"])
        else:
            clipped = texts_outside_figure(fig)
        if clipped:
            warnings.warn(f"figure {name!r}: text reaches outside the canvas and will be clipped: "
                          f"{clipped[:3]}", UserWarning, stacklevel=2)
        fig.set_layout_engine("none")  # laid out by the draw above; every format keeps that layout
        for fmt in formats:
            if fmt not in paths:
                paths[fmt] = folder / f"{name}.{fmt}"
                fig.savefig(paths[fmt], format=fmt, dpi=_DPI, metadata=_SAVE_METADATA[fmt])
    return [paths[fmt] for fmt in formats]


def _laid_out_png(fig: Figure, path: Path) -> list[str]:
    """Lay out and render ``fig`` in one Agg draw, write it as PNG, return the texts it clips.

    ``savefig`` would draw twice (once to lay out, once to render); the pixels are the same.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    agg = FigureCanvasAgg(fig)  # becomes fig.canvas until the original is put back
    try:
        colors = {part: mpl.rcParams[f"savefig.{part}"] for part in ("facecolor", "edgecolor")}
        colors = {part: getattr(fig, f"get_{part}")() if value == "auto" else value for part, value in colors.items()}
        with fig._cm_set(**colors):  # as savefig draws it
            agg.draw()
            clipped = texts_outside_figure(fig, drawn=True)
            mpl.image.imsave(path, agg.buffer_rgba(), format="png", origin="upper", dpi=_DPI,
                             metadata=_SAVE_METADATA["png"])
    finally:
        fig.set_canvas(canvas)
    return clipped


@contextmanager
def _layout_once(fig: Figure) -> Iterator[None]:
    """Lay ``fig`` out from where its axes started; afterwards give it back its layout engine.

    Inside the block the caller draws once (computing the layout) and may switch the engine off
    so that later saves keep that layout instead of computing it again per format.
    """
    engine, dpi = fig.get_layout_engine(), fig.dpi
    restart_layout(fig)
    fig.dpi = _DPI  # laid out at the resolution of the PNG, as its own save would lay it out
    try:
        yield
    finally:
        fig.dpi = dpi
        fig.set_layout_engine(engine)


#: Tables left out of the fonts embedded in PDFs, beyond those matplotlib leaves out: OpenType
#: layout (substitution, positioning, baselines, justification, maths), which a PDF viewer never applies.
_LEAN_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH")


@contextmanager
def _lean_pdf_fonts() -> Iterator[None]:
    """While saving, subset PDF fonts without OpenType layout tables (same glyphs and metrics)."""
    from matplotlib.backends import _backend_pdf_ps as pdf_ps

    original = getattr(pdf_ps, "get_glyphs_subset", None)
    if original is None or not hasattr(pdf_ps, "SubsetResults"):  # another matplotlib: leave it alone
        yield
        return

    def lean_subset(fontfile, glyphs):
        from fontTools import subset

        options = subset.Options(glyph_names=True, recommended_glyphs=True, layout_features=[])
        options.drop_tables += [*_MATPLOTLIB_DROP_TABLES, *_LEAN_DROP_TABLES]
        options.font_number = getattr(fontfile, "face_index", 0)
        font = subset.load_font(fontfile, options, lazy=True)
        for tag in _LEAN_DROP_TABLES:  # before subsetting, so that they are not even parsed
            if tag in font:
                del font[tag]
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(gids=glyphs)
        subsetter.subset(font)
        return pdf_ps.SubsetResults(font, subsetter.glyph_index_map)._as_cm()

    pdf_ps.get_glyphs_subset = lean_subset
    try:
        yield
    finally:
        pdf_ps.get_glyphs_subset = original


#: The tables matplotlib 3.11 leaves out of its font subsets (``_backend_pdf_ps.get_glyphs_subset``).
_MATPLOTLIB_DROP_TABLES = ("FFTM", "PfEd", "BDF", "meta", "MERG", "TSIV", "Zapf", "bdat", "bloc", "cidg", "fdsc",
                           "feat", "fmtx", "fond", "just", "kerx", "ltag", "morx", "trak", "xref")


#: Environment variable that sets how many processes draw figures at once (1: all in this one).
FIGURE_WORKERS_ENV = "ANALYSIS_FIGURE_WORKERS"
#: Most worker processes used for figures, whatever the cores.
_MAX_FIGURE_WORKERS = 4
#: The worker processes, started when first needed and kept for the next figures (size, pool).
_POOL: list = []


def figure_workers() -> int:
    """Processes that draw figures at once: ``$ANALYSIS_FIGURE_WORKERS``, else the usable cores (at most 4).

    The usable cores are those the encoder counts (:func:`analysis.vectorize.available_cores`), so a
    Dask worker told to use one thread draws its figures itself.
    """
    from ..vectorize.encoders import _threads_from, available_cores  # affinity, CPU quota, thread variables

    value = os.environ.get(FIGURE_WORKERS_ENV, "").strip()
    if value:
        return _threads_from(FIGURE_WORKERS_ENV, value, unit="processes")
    return max(1, min(available_cores(), _MAX_FIGURE_WORKERS))


def draw_and_save(draw: Callable[..., Figure], table, options: dict, name: str, out_dir: str | Path,
                  formats: Sequence[str]) -> tuple[list[Path], list[tuple[type[Warning], str]]]:
    """``save_figure(draw(table, **options), name, out_dir, formats)``, with the warnings it raised.

    Returns the files written and ``(category, message)`` of each warning, so that a worker
    process can hand them back.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = save_figure(draw(table, **options), name, out_dir, formats=formats)
    return paths, [(w.category, str(w.message)) for w in caught]


def _worker_start() -> None:
    """In a figure worker: leave Ctrl-C (and a kernel's interrupt of its process group) to the
    process that started it, which stops its workers itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(workers: int):
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    if _POOL and _POOL[0] != workers:
        _POOL[1].shutdown(wait=False, cancel_futures=True)
        _POOL.clear()
    if not _POOL:
        import sys

        main = sys.modules.get("__main__")
        if main is not None and not hasattr(main, "__spec__"):
            # a Jupyter kernel's __main__ lacks __spec__, which spawning reads; None is what an
            # interactive interpreter's has, and tells it there is no main module to import
            main.__spec__ = None
        # spawned, not forked: this process may hold threads (the encoder's, BLAS's) that a fork copies badly
        _POOL.extend([workers, ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                                   initializer=_worker_start)])
    return _POOL[1]


def save_figures_from_tables(tasks: Sequence[tuple[Callable[..., Figure], object, dict, str, str | Path, Sequence[str]]]
                             ) -> list[list[Path]]:
    """Draw and save several figures: each task is ``(draw, table, options, name, out_dir, formats)``.

    With more than one task and more than one worker (:func:`figure_workers`), the figures are
    drawn in worker processes, started once and kept for the next call; otherwise here, one
    after the other. Either way the files are the same, and the warnings each figure raised are
    raised here, in the tasks' order. Returns the files written, per task.
    """
    tasks = list(tasks)
    workers = figure_workers()
    results = None
    if min(workers, len(tasks)) > 1:
        from concurrent.futures.process import BrokenProcessPool

        try:
            pool = _pool(workers)
            futures = [pool.submit(draw_and_save, *task) for task in tasks]
            results = [future.result() for future in futures]
        except (BrokenProcessPool, OSError, AttributeError) as err:  # no worker could start or one died: draw here
            if _POOL:
                _POOL[1].shutdown(wait=False, cancel_futures=True)
                _POOL.clear()
            warnings.warn(f"figures are drawn in this process: the worker processes failed ({err})",
                          RuntimeWarning, stacklevel=2)
    if results is None:
        results = [draw_and_save(*task) for task in tasks]
    for _, caught in results:
        for category, message in caught:
            warnings.warn(message, category, stacklevel=2)
    return [paths for paths, _ in results]
