"""The framing instrument's validation figures: macro-F1 with CIs per method, language and stratum, and
the reliability curve of its probabilities.

Its inputs are the tables written by ``analysis framing validate`` (:mod:`analysis.framing.protocol`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import Width, add_note, figure_style, finish, label_axes, new_axes, require_columns

__all__ = ["plot_framing_validation", "plot_reliability"]

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


def plot_reliability(reliability: pd.DataFrame, *, method: str | None = None, width: Width = "single",
                     ax: Axes | None = None) -> Figure:
    """Reliability curve: mean top-label probability against the share predicted right, per language.

    Parameters
    ----------
    reliability : DataFrame
        Columns ``method``, ``language``, ``bin``, ``confidence``, ``accuracy``, ``n``, as written
        by :func:`analysis.framing.protocol.reliability_table` (``framing_reliability.csv``).
    method : str, optional
        The method drawn (default: the last one in the table, the validated default).
    width : {"single", "double"}
    ax : Axes, optional
    """
    require_columns(reliability, ["method", "language", "bin", "confidence", "accuracy", "n"], name="reliability")
    if reliability.empty:
        raise ValueError("reliability holds no rows: nothing to plot")
    method = method if method is not None else reliability["method"].iloc[-1]
    rows = reliability[(reliability["method"] == method) & reliability["language"].isin(_LANGUAGES)]
    if rows.empty:
        raise ValueError(f"reliability holds no English or Spanish rows for method '{method}'; "
                         f"methods: {sorted(set(reliability['method']))}")
    own = ax is None
    with figure_style():
        fig, ax = new_axes(ax, width=width, height=2.9 if width == "single" else 3.4)
        ax.plot([0, 1], [0, 1], color="0.6", linewidth=0.7, linestyle="dotted", label="calibrated")
        for j, (lang, name) in enumerate(_LANGUAGES.items()):
            part = rows[rows["language"] == lang].sort_values("confidence")
            if part.empty:
                continue
            ece = float((part["n"] * (part["accuracy"] - part["confidence"]).abs()).sum() / part["n"].sum())
            ax.plot(part["confidence"], part["accuracy"], color=f"C{j}", linewidth=1.0,
                    label=f"{name} (ECE {ece:.3f}, n={int(part['n'].sum())})")
            ax.scatter(part["confidence"], part["accuracy"], s=6 + 40 * part["n"] / part["n"].max(), color=f"C{j}",
                       zorder=3)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal", adjustable="box")
        ax.legend(loc="upper left", fontsize=6, frameon=False)
        label_axes(ax, title=f"Calibration ({method})",
                   xlabel="Predicted probability of the chosen frame", ylabel="Share predicted right", own_figure=own)
        add_note(ax, "Out-of-fold predictions of the outlet-grouped validation on the gold standard, in 10 "
                     "confidence bins; marker area is the number of passages in the bin.", own_figure=own)
        return finish(fig)
