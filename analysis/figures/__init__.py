"""Stage 4, figures: publication figures drawn from tidy tables (one module per stage they show).

Every ``plot_*`` function takes a tidy DataFrame with the documented columns (never a fitted
model), keyword options and ``ax=None``. It draws on ``ax`` or makes its own figure and returns
the :class:`~matplotlib.figure.Figure`. Nothing here calls ``plt.show()`` or writes a file except
:func:`save_figure`.

* Style: one style sheet (``analysis.mplstyle``) applied by :func:`figure_style` inside every
  function; the global ``rcParams`` are never changed.
* Colours: :data:`FRAME_COLORS` gives one colour-blind-safe colour per frame in every figure;
  :func:`topic_colors` gives topic colours (outlier topic grey). Pass the same ``colors`` mapping
  to every topic figure to keep each topic's colour across figures.
* Size: ``width="single"`` (3.5 in) or ``"double"`` (7 in); heights grow with the rows.
* Long labels are wrapped at 28 characters (article titles to at most 3 lines).
* Empty tables raise ``ValueError`` ("... is empty: there is nothing to plot").
* Interactive figures for JupyterLab (:mod:`.interactive`, plotly) return a plotly Figure from
  the same kind of table; they are never saved as the static exports.
* New figures are not registered with pyplot: show one by leaving it as the last expression of a
  notebook cell.
"""

from .corpus import plot_articles_over_time, plot_passages_per_article
from .interactive import plot_passage_browser, plot_topic_map_interactive
from .framing import plot_confusion_matrix, plot_frame_shares, plot_stance_by_group, plot_topic_frame_heatmap
from .save import save_figure, save_figures_from_tables
from .style import FRAME_COLORS, OUTLIER_COLOR, figure_style, topic_colors, wrap_label
from .validation import plot_framing_validation, plot_reliability
from .topics import plot_topic_map, plot_topic_share_over_time, plot_topic_sizes, plot_topic_words

__all__ = [
    "FRAME_COLORS", "OUTLIER_COLOR", "figure_style", "topic_colors", "wrap_label", "save_figure", "save_figures_from_tables",
    "plot_articles_over_time", "plot_passages_per_article", "plot_topic_sizes", "plot_topic_words",
    "plot_topic_map", "plot_topic_share_over_time", "plot_frame_shares", "plot_stance_by_group",
    "plot_topic_frame_heatmap", "plot_confusion_matrix", "plot_framing_validation", "plot_reliability",
    "plot_passage_browser", "plot_topic_map_interactive",
]
