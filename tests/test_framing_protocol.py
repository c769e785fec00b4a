"""The validation protocol: grouped folds, calibration error, tidy metrics with CIs, human ceiling (coder vs coder)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.framing.protocol import expected_calibration_error, grouped_folds, human_agreement, validation_table


def test_no_outlet_is_on_both_sides_and_fixed_rows_are_never_tested():
    groups = ["a"] * 10 + ["b"] * 4 + ["c"] * 4 + ["d"] * 2 + ["codebook"] * 3
    tested = np.array([True] * 20 + [False] * 3)
    folds = grouped_folds(groups, 3, tested=tested)
    assert len(folds) == 3
    seen = np.concatenate([test for _, test in folds])
    assert sorted(seen) == list(range(20))
    groups = np.array(groups)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert {20, 21, 22} <= set(train)
    with pytest.raises(ValueError, match="at least two groups"):
        grouped_folds(["a", "a"], 5)


def test_following_rows_leave_training_with_their_group_and_are_never_tested():
    # supplement-like rows: coded passages of outlets "a" and "b" that are never scored
    groups = np.array(["a"] * 6 + ["b"] * 4 + ["c"] * 4 + ["a", "b", "codebook"])
    tested = np.array([True] * 14 + [False] * 3)
    follow = np.array([False] * 14 + [True, True, False])
    folds = grouped_folds(groups, 3, tested=tested, follow=follow)
    assert sorted(np.concatenate([test for _, test in folds])) == list(range(14))
    for train, test in folds:
        tested_groups = set(groups[test])
        assert not tested_groups & set(groups[train])
        assert 16 in train  # the codebook row stays in every training set
        assert (14 in train) == ("a" not in tested_groups) and (15 in train) == ("b" not in tested_groups)
    # without follow the same rows are trained on everywhere (the old behaviour)
    assert all({14, 15} <= set(train) for train, _ in grouped_folds(groups, 3, tested=tested))


def test_expected_calibration_error():
    y = ["militarization", "neither", "neither", "root_cause"]
    sure = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, 0, 1.0], [0, 1.0, 0]])
    assert expected_calibration_error(y, sure) == pytest.approx(0.0)
    wrong = sure[[3, 0, 0, 1]]
    assert expected_calibration_error(y, wrong) == pytest.approx(1.0)


def test_validation_table_reports_languages_strata_and_cis():
    rng = np.random.default_rng(0)
    labels = np.array(["militarization", "root_cause", "neither"])[rng.integers(0, 3, 60)]
    data = pd.DataFrame({"label": labels, "language": ["en", "es"] * 30, "stratum": ["random", "targeted", "targeted"] * 20})
    proba = np.eye(3)[[["militarization", "root_cause", "neither"].index(v) for v in labels]]
    wrong = rng.random(60) < 0.3
    proba[wrong] = proba[wrong][:, [1, 2, 0]]  # about a third wrong
    table = validation_table("m", data, proba, n_boot=50)
    head = table[(table["metric"] == "macro_f1") & (table["frame"] == "all")]
    assert set(head["language"]) == {"en", "es"} and set(head["stratum"]) == {"random", "targeted", "all"}
    assert (head["ci_low"] <= head["value"]).all() and (head["value"] <= head["ci_high"]).all()
    assert head["value"].between(0.3, 0.97).all() and (head["ci_high"] > head["ci_low"]).all()


def test_human_agreement_per_language():
    gold = pd.DataFrame({"language": ["en"] * 6 + ["es"] * 6,
                         "label": ["militarization", "neither", "root_cause"] * 4,
                         "second_label": ["militarization", "neither", "root_cause"] * 2 + ["neither"] * 6})
    table = human_agreement(gold, n_boot=50).set_index(["language", "metric"])["value"]
    assert table[("en", "krippendorff_alpha")] == pytest.approx(1.0)
    assert table[("es", "agreement")] == pytest.approx(1 / 3)
