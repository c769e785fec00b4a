"""Validation of framing scorers against coded passages (leave-one-article-out helpers).

- :func:`cross_validate`: leave-one-article-out out-of-fold predictions.
- :func:`validation_report`: per-class precision/recall/F1, macro-F1, Cohen's kappa, accuracy,
  each with a percentile bootstrap 95% CI (passages resampled with replacement), and the
  confusion matrix as a tidy table.
- :func:`coder_agreement`: Krippendorff's alpha (nominal) and raw agreement between two coders.
- :func:`select_for_annotation`: the passages to hand-code next (least sure, stratified).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from .frames import FRAMES


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Macro-averaged F1 over the three frames (a frame absent from both counts as F1 0)."""
    _, _, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(FRAMES), zero_division=0)
    present = [i for i, f in enumerate(FRAMES) if f in set(y_true) | set(y_pred)]
    return float(np.mean(f1[present])) if present else 0.0


def cross_validate(scorer, texts: Sequence[str], y: Sequence[str], *, embeddings: np.ndarray | None,
                   groups: Sequence, always_train: np.ndarray | None = None) -> pd.DataFrame:
    """Leave-one-group-out predictions.

    Parameters
    ----------
    scorer : estimator with ``fit(texts, y, embeddings=...)`` and ``predict_proba``
    texts, y, groups : sequences of length n_passages
    embeddings : ndarray of shape (n_passages, dim) or None
    always_train : boolean ndarray of shape (n_passages,), optional
        Rows used for training in every fold and never predicted (for example codebook examples).

    Returns
    -------
    DataFrame with one row per passage: group, y_true, y_pred (NaN for always-train rows) and
    p_<frame> columns.
    """
    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(list(y), dtype=object)
    groups = np.asarray(list(groups), dtype=object)
    fixed = np.zeros(len(y), bool) if always_train is None else np.asarray(always_train, bool)
    out = pd.DataFrame({"group": groups, "y_true": y, "y_pred": pd.Series([None] * len(y), dtype=object)})
    proba = np.full((len(y), len(FRAMES)), np.nan)
    for group in pd.unique(groups[~fixed]):
        test = (groups == group) & ~fixed
        train = ~test
        model = clone(scorer)
        emb = (lambda m: embeddings[m]) if embeddings is not None else (lambda m: None)
        model.fit(list(texts[train]), y[train], embeddings=emb(train))
        proba[test] = model.predict_proba(list(texts[test]), embeddings=emb(test))
    tested = ~np.isnan(proba[:, 0])
    out.loc[tested, "y_pred"] = np.array(FRAMES, dtype=object)[np.argmax(proba[tested], axis=1)]
    for i, frame in enumerate(FRAMES):
        out[f"p_{frame}"] = proba[:, i]
    return out


def _metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[tuple[str, str], float]:
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(FRAMES), zero_division=0)
    values = {("accuracy", "all"): float(np.mean(y_true == y_pred)),
              ("macro_f1", "all"): macro_f1(y_true, y_pred),
              ("kappa", "all"): float(cohen_kappa_score(y_true, y_pred, labels=list(FRAMES)))
              if len(set(y_true) | set(y_pred)) > 1 else 1.0}
    for i, frame in enumerate(FRAMES):
        values[("precision", frame)], values[("recall", frame)], values[("f1", frame)] = p[i], r[i], f[i]
    return values


def validation_report(y_true: Sequence[str], y_pred: Sequence[str], *, n_boot: int = 1000,
                      random_state: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics with bootstrap CIs and the confusion matrix.

    Returns
    -------
    metrics : DataFrame with columns metric, frame ("all" for overall metrics), value, ci_low, ci_high
    confusion : DataFrame with columns true, predicted, count (all 9 cells)
    """
    y_true = np.asarray(list(y_true), dtype=object)
    y_pred = np.asarray(list(y_pred), dtype=object)
    if len(y_true) == 0:
        raise ValueError("no predictions to validate")
    point = _metrics(y_true, y_pred)
    rng = np.random.default_rng(random_state)
    boots = [_metrics(y_true[idx], y_pred[idx]) for idx in rng.integers(0, len(y_true), (n_boot, len(y_true)))]
    rows = []
    for key, value in point.items():
        samples = np.array([b[key] for b in boots])
        rows.append({"metric": key[0], "frame": key[1], "value": value,
                     "ci_low": float(np.nanpercentile(samples, 2.5)), "ci_high": float(np.nanpercentile(samples, 97.5))})
    matrix = confusion_matrix(y_true, y_pred, labels=list(FRAMES))
    confusion = pd.DataFrame([{"true": t, "predicted": p, "count": int(matrix[i, j])}
                              for i, t in enumerate(FRAMES) for j, p in enumerate(FRAMES)])
    return pd.DataFrame(rows), confusion


def coder_agreement(first: Sequence[str], second: Sequence[str]) -> dict[str, float]:
    """Krippendorff's alpha (nominal) and percent agreement between two coders.

    Rows where either coder left the label empty are ignored; ``n`` says how many were compared.
    """
    import krippendorff

    pairs = [(a, b) for a, b in zip(first, second) if isinstance(a, str) and a and isinstance(b, str) and b]
    if len(pairs) < 2:
        raise ValueError("need at least two passages coded by both coders to compute agreement")
    codes = {f: i for i, f in enumerate(sorted({v for p in pairs for v in p}))}
    data = np.array([[codes[a] for a, _ in pairs], [codes[b] for _, b in pairs]], dtype=float)
    same = float(np.mean([a == b for a, b in pairs]))
    alpha = 1.0 if same == 1.0 else float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return {"krippendorff_alpha": alpha, "agreement": same, "n": len(pairs)}


def select_for_annotation(predictions: pd.DataFrame, n: int, *, exclude: Sequence[str] = (),
                          random_state: int = 0) -> pd.DataFrame:
    """Passages to hand-code next: the least sure predictions, stratified by predicted label.

    Uncertainty is the margin between the two most probable frames (smaller is less sure).
    The ``n`` slots are shared equally among predicted labels (leftover slots go to the least
    sure passages overall); ties are broken by a seeded shuffle.

    Parameters
    ----------
    predictions : DataFrame with passage_id, label and p_<frame> columns
    n : int
    exclude : passage ids already annotated
    """
    if n < 1:
        raise ValueError("--sample must be at least 1")
    pool = predictions[~predictions["passage_id"].isin(set(exclude))].copy()
    probs = np.sort(pool[[f"p_{f}" for f in FRAMES]].to_numpy(), axis=1)
    pool["margin"] = probs[:, -1] - probs[:, -2]
    pool = pool.sample(frac=1.0, random_state=random_state).sort_values("margin", kind="stable")
    labels = [f for f in FRAMES if (pool["label"] == f).any()]
    quota = n // max(len(labels), 1)
    chosen = pd.concat([pool[pool["label"] == f].head(quota) for f in labels]) if labels else pool.head(0)
    rest = pool.drop(chosen.index).head(n - len(chosen))
    return pd.concat([chosen, rest]).sort_values("margin", kind="stable").head(n)
