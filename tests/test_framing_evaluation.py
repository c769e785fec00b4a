"""analysis.framing.evaluation: leave-one-article-out validation, bootstrap CIs, coder agreement."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.framing import FRAMES, SupervisedScorer, predictions_table
from analysis.framing.evaluation import (coder_agreement, cross_validate, macro_f1, select_for_annotation,
                                         validation_report)
from framing_data import signal_embeddings


def test_cross_validation_never_tests_on_training_articles():
    labels = list(FRAMES) * 6
    texts = [f"{label} {i}" for i, label in enumerate(labels)]
    groups = [f"article{i % 4}" for i in range(len(labels))]
    fixed = np.zeros(len(labels), bool)
    fixed[:3] = True
    oof = cross_validate(SupervisedScorer(calibrate=False), texts, labels, embeddings=signal_embeddings(labels),
                         groups=groups, always_train=fixed)
    assert oof["y_pred"][:3].isna().all() and oof["y_pred"][3:].notna().all()
    assert macro_f1(oof["y_true"][3:], oof["y_pred"][3:]) > 0.8


def test_validation_report_is_exact_on_perfect_and_imperfect_predictions():
    truth = ["militarization"] * 4 + ["root_cause"] * 4 + ["neither"] * 4
    metrics, confusion = validation_report(truth, truth, n_boot=50)
    overall = metrics.set_index(["metric", "frame"])["value"]
    assert overall[("macro_f1", "all")] == 1.0 and overall[("kappa", "all")] == 1.0
    wrong = truth[:]
    wrong[0] = "neither"
    metrics, confusion = validation_report(truth, wrong, n_boot=200)
    row = metrics.set_index(["metric", "frame"]).loc[("recall", "militarization")]
    assert row["value"] == 0.75 and row["ci_low"] <= 0.75 <= row["ci_high"]
    cell = confusion.set_index(["true", "predicted"])["count"]
    assert cell[("militarization", "neither")] == 1 and confusion["count"].sum() == 12


def test_krippendorff_alpha_between_coders():
    first = ["militarization", "root_cause", "neither", "neither", "militarization"]
    assert coder_agreement(first, first)["krippendorff_alpha"] == 1.0
    disagree = coder_agreement(first, ["root_cause", "root_cause", "neither", "militarization", "militarization"])
    assert disagree["agreement"] == 0.6 and disagree["krippendorff_alpha"] < 0.6 and disagree["n"] == 5
    with pytest.raises(ValueError, match="at least two passages"):
        coder_agreement(["neither"], [""])


def test_select_for_annotation_prefers_unsure_passages_stratified():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet([1, 1, 1], 60)
    predictions = predictions_table([f"p{i}" for i in range(60)], ["text"] * 60, proba)
    chosen = select_for_annotation(predictions, 9, exclude=["p0", "p1"])
    assert len(chosen) == 9 and not {"p0", "p1"} & set(chosen["passage_id"])
    assert set(chosen["label"]) == set(FRAMES)
    assert chosen["margin"].is_monotonic_increasing
    with pytest.raises(ValueError, match="at least 1"):
        select_for_annotation(predictions, 0)
