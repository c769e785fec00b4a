"""Shared fixtures: paths to the seed corpus and to the third-party corpora, and a pyplot fixture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
#: ../shared beside the clone (as in CI); ANALYSIS_SHARED overrides it.
SHARED = Path(os.environ.get("ANALYSIS_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    """The folder of real third-party corpora; skips the test when it is absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"third-party corpora not found at {CORPORA} (set ANALYSIS_SHARED to the shared folder)")
    return CORPORA


@pytest.fixture
def pyplot():
    """matplotlib.pyplot on the Agg backend; closes every figure after the test."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")
