"""The framing instrument's validation figure: macro-F1 with CIs per method, language and stratum.

Its inputs are the tables written by ``analysis framing validate`` (:mod:`analysis.framing.protocol`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import Width, add_note, figure_style, finish, label_axes, new_axes, require_columns

__all__ = ["plot_framing_validation"]

_STRATA = ("random", "all")
_LANGUAGES = {"en": "English", "es": "Spanish"}


def plot_framing_validation(validation: pd.DataFrame, human: pd.DataFrame | None = None, *, width: Width = "single",
                            ax: Axes | None = None) -> Figure:
    """Macro-F1 of each method (point and 95% CI) per language, random stratum and all passages.

    Parameters
    ----------
    validation : DataFrame
        Columns ``method``, ``language``, ``stratum``, ``metric``, ``frame``, ``value``,
        ``ci_low``, ``ci_high``, ``n`` (rows with ``metric == "macro_f1"`` and ``frame == "all"``
        are drawn), as written to ``framing_validation.csv``.
    human : DataFrame, optional
        Columns ``language``, ``metric``, ``value`` (``framing_human_agreement.csv``); the coders'
        macro-F1 against each other is drawn as a dashed line per language, the ceiling.
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(validation, ["method", "language", "stratum", "metric", "frame", "value", "ci_low", "ci_high", "n"],
                    name="validation")
    rows = validation[(validation["metric"] == "macro_f1") & (validation["frame"] == "all")
                      & validation["stratum"].isin(_STRATA)]
    if rows.empty:
        raise ValueError("validation holds no macro_f1 rows for the random stratum or all passages: nothing to plot")
    methods = list(dict.fromkeys(rows["method"]))
    groups = [(lang, stratum) for lang in _LANGUAGES for stratum in _STRATA
              if ((rows["language"] == lang) & (rows["stratum"] == stratum)).any()]
    own = ax is None
    with figure_style():
        fig, ax = new_axes(ax, width=width, height=2.9 if width == "single" else 3.4)
        offsets = np.linspace(-0.3, 0.3, len(methods)) if len(methods) > 1 else np.zeros(1)
        for j, method in enumerate(methods):
            for i, (lang, stratum) in enumerate(groups):
                r = rows[(rows["method"] == method) & (rows["language"] == lang) & (rows["stratum"] == stratum)]
                if r.empty:
                    continue
                r = r.iloc[0]
                ax.errorbar(i + offsets[j], r["value"], yerr=[[r["value"] - r["ci_low"]], [r["ci_high"] - r["value"]]],
                            fmt="o", color=f"C{j}", markersize=4, capsize=2, label=method if i == 0 else None)
        if human is not None and len(human):
            ceiling = human[human["metric"] == "macro_f1"].set_index("language")["value"]
            for i, (lang, _) in enumerate(groups):
                if lang in ceiling:
                    ax.hlines(ceiling[lang], i - 0.45, i + 0.45, colors="0.3", linestyles="dashed", linewidth=0.8,
                              label="coders vs each other" if i == 0 else None)
        ax.axhline(1 / 3, color="0.6", linewidth=0.6, linestyle="dotted")
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([f"{_LANGUAGES[lang]}\n{stratum}" for lang, stratum in groups])
        ax.set_ylim(0, 1)
        ax.legend(loc="lower left", fontsize=6, frameon=False, ncols=2)
        label_axes(ax, title="Framing classifier on outlets it has not seen", xlabel="", ylabel="Macro-F1",
                   own_figure=own)
        n = rows.groupby(["language", "stratum"])["n"].first()
        add_note(ax, "Outlet-grouped cross-validation on the gold standard; bars are 95% bootstrap CIs; dotted line: "
                     "chance (1/3). Passages: " + ", ".join(f"{lang} {s} {int(v)}" for (lang, s), v in n.items()) + ".",
                 own_figure=own)
        return finish(fig)
