"""The validation figures and the reliability table they draw from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.figures import plot_reliability
from analysis.framing.frames import FRAMES
from analysis.framing.protocol import reliability_table


def _predictions(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet([1, 1, 1], size=n)
    predicted = np.array(FRAMES, dtype=object)[proba.argmax(axis=1)]
    # a model that is right exactly when its top probability is above 0.6
    label = np.where(proba.max(axis=1) > 0.6, predicted, np.array(FRAMES, dtype=object)[(proba.argmax(axis=1) + 1) % 3])
    table = pd.DataFrame({"method": "ensemble", "language": np.where(np.arange(n) % 2, "en", "es"),
                          "label": label, "predicted": predicted})
    for i, frame in enumerate(FRAMES):
        table[f"p_{frame}"] = proba[:, i]
    return table


def test_reliability_table_bins_confidence_against_accuracy():
    predictions = _predictions()
    table = reliability_table(predictions)
    assert set(table["language"]) == {"en", "es", "all"}
    pooled = table[table["language"] == "all"]
    assert pooled["n"].sum() == len(predictions)
    # bins above 0.6 are always right, bins below always wrong (the construction above)
    assert (pooled.loc[pooled["bin"] >= 6, "accuracy"] == 1.0).all()
    assert (pooled.loc[pooled["bin"] <= 5, "accuracy"] == 0.0).all()
    assert ((pooled["confidence"] >= pooled["bin"] / 10) & (pooled["confidence"] <= (pooled["bin"] + 1) / 10)).all()


def test_reliability_table_names_missing_columns():
    with pytest.raises(ValueError, match="lack the columns.*p_neither"):
        reliability_table(_predictions().drop(columns="p_neither"))


def test_plot_reliability_draws_one_curve_per_language(pyplot):
    fig = plot_reliability(reliability_table(_predictions()))
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "calibrated"
    assert any(label.startswith("English (ECE") for label in labels)
    assert any(label.startswith("Spanish (ECE") for label in labels)
    assert "ensemble" in fig.get_suptitle()


def test_plot_reliability_refuses_an_unknown_method(pyplot):
    with pytest.raises(ValueError, match="no English or Spanish rows for method 'nope'"):
        plot_reliability(reliability_table(_predictions()), method="nope")
