"""Tiny inline passages and stand-in embeddings shared by the framing and report tests."""

from __future__ import annotations

import numpy as np

from analysis.framing import FRAMES

MIL = "The navy deployed troops and carried out raids and strikes against the cartels."
ROOT = "Poverty and corruption drive youth recruitment; experts call for alternative development."
NEITHER = "The minister met his counterpart in Quito on Tuesday."


def signal_embeddings(labels, dim=16, seed=0):
    """Random vectors whose first three dimensions carry the label: a stand-in for real embeddings."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 0.3, (len(labels), dim))
    for i, label in enumerate(labels):
        base[i, FRAMES.index(label)] += 2.0
    return base.astype(np.float32)
