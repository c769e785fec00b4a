"""Drawing helpers shared by the figure modules: labelled bars, non-overlapping labels, annotated heatmaps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.container import BarContainer
from matplotlib.text import Annotation
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .style import BAR_HEIGHT, SEQUENTIAL_CMAP, row_positions, text_color_on, text_width

__all__ = ["labelled_barh", "place_labels", "annotated_heatmap"]


def labelled_barh(ax: Axes, labels: Sequence[str], values: Sequence[float], colors,
                  texts: Sequence[str] = ()) -> BarContainer:
    """Horizontal bars, first label on top, each annotated with its text (if any) at the bar end."""
    positions = row_positions(ax, labels)
    bars = ax.barh(positions, values, color=colors, height=BAR_HEIGHT)
    ax.set_yticks(positions, labels=list(labels))
    for bar, text in zip(bars, texts):
        ax.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(2, 0),
                    textcoords="offset points", va="center", fontsize=6.5, color="#333333")
    ax.set_xlim(0, max(max(values, default=0), 1e-9) * 1.22)
    if np.issubdtype(np.asarray(values).dtype, np.integer):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return bars


def place_labels(ax: Axes, labels: list[Annotation], *, passes: int = 50) -> None:
    """Move annotations (in points from their anchors) so they do not overlap or leave ``ax``.

    Overlapping labels are pushed apart vertically; a label reaching past the axes is pulled back
    inside. Works in display space after one draw, so it follows the final layout: each label's box
    is measured once, and since an offset in points moves the box by the same amount on the canvas,
    the boxes are then moved arithmetically and the offsets set once at the end.
    """
    if not labels:
        return
    fig = ax.get_figure(root=True)
    fig.draw_without_rendering()
    to_points = 72 / fig.dpi
    pad = 2.5 / to_points  # the label's box reaches about 2.5 points past its text
    frame = ax.get_window_extent()
    # x0, y0, x1, y1 of each padded box, in display pixels
    boxes = [list(label.get_window_extent().padded(pad).extents) for label in labels]
    moves = [[0.0, 0.0] for _ in labels]

    def shift(k: int, dx: float, dy: float) -> None:
        b = boxes[k]
        b[0] += dx
        b[2] += dx
        b[1] += dy
        b[3] += dy
        moves[k][0] += dx
        moves[k][1] += dy

    for _ in range(passes):
        moved = False
        for k, b in enumerate(boxes):
            dx = max(0.0, frame.x0 - b[0]) - max(0.0, b[2] - frame.x1)
            dy = max(0.0, frame.y0 - b[1]) - max(0.0, b[3] - frame.y1)
            if abs(dx) > 0.5 or abs(dy) > 0.5:
                shift(k, dx, dy)
                moved = True
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]:
                    continue
                step = (min(a[3], b[3]) - max(a[1], b[1])) / 2 + 1
                upper, lower = (i, j) if a[1] + a[3] >= b[1] + b[3] else (j, i)
                shift(upper, 0.0, step)
                shift(lower, 0.0, -step)
                moved = True
        if not moved:
            break
    for label, (dx, dy) in zip(labels, moves):
        if dx or dy:
            x, y = label.xyann
            label.xyann = (x + dx * to_points, y + dy * to_points)


def annotated_heatmap(ax: Axes, values: np.ndarray, texts: list[list[str]], *, xlabels: Sequence[str],
                      ylabels: Sequence[str], colorbar_label: str | None) -> None:
    """A heatmap of values in [0, 1] with a text in each cell, dark or white as reads better.

    Column labels are slanted when they are wider than a column; ``colorbar_label=None`` draws no
    colour bar.
    """
    norm = Normalize(0, 1)
    image = ax.imshow(values, cmap=SEQUENTIAL_CMAP, norm=norm, aspect="auto")
    for (row, col), value in np.ndenumerate(values):
        fill = image.cmap(norm(value)) if np.isfinite(value) else "white"
        ax.text(col, row, texts[row][col], ha="center", va="center", fontsize=6.5, color=text_color_on(fill))
    ax.set_xticks(range(len(xlabels)), labels=list(xlabels))
    ax.set_yticks(range(len(ylabels)), labels=list(ylabels))
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    fig = ax.get_figure(root=True)
    if colorbar_label is not None:
        colorbar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0, decimals=0), shrink=0.9, aspect=25,
                                pad=0.03)
        colorbar.set_label(colorbar_label)
        colorbar.outline.set_visible(False)
    fig.draw_without_rendering()
    column_width = ax.get_window_extent().width / fig.dpi / max(1, len(xlabels))
    if max(text_width(label, 7) for label in xlabels) > 0.92 * column_width:
        ax.tick_params(axis="x", labelrotation=30)
        for label in ax.get_xticklabels():
            label.set(ha="right", rotation_mode="anchor")
