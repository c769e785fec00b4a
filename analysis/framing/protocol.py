"""The validation protocol of the framing instrument, and the data it is trained on.

:func:`training_data` assembles every source of labels, one row per passage: the gold standard
(texts rebuilt from the corpora, :mod:`.gold`), the seed annotations, the codebook's team-written
examples and off-topic news passages (BBC News, AG News) that are ``neither`` by construction.
Only gold-standard rows are ever tested; the other sources are kept in every training fold.

:func:`grouped_folds` never puts one outlet (by default; or one article) on both sides of a
split: each outlet's passages are all in one test fold (outlets are dealt to ``n_splits`` folds,
largest first). :func:`validation_table` reports macro-F1, per-class F1, Cohen's kappa against
the final labels and the expected calibration error, per language and per stratum (the random
stratum is the headline: it is what real coverage looks like), each with a percentile bootstrap
95% CI; :func:`human_agreement` gives the coder-vs-coder ceiling beside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

from .frames import FRAMES

__all__ = ["OFFTOPIC_CORPORA", "expected_calibration_error", "grouped_folds", "human_agreement",
           "offtopic_passages", "out_of_fold", "reliability_table", "training_data", "validation_table"]

#: Off-topic news used as ``neither`` examples: corpus folder -> passages per category.
OFFTOPIC_CORPORA = {"bbc": 120, "ag_news": 60}


def _half(article_id: str) -> int:
    """0 or 1, a stable split of off-topic articles into a training half and an evaluation half."""
    return int(hashlib.sha1(article_id.encode("utf-8")).hexdigest()[-1], 16) % 2


@lru_cache(maxsize=4)
def _collection_passages(folder: str) -> pd.DataFrame:
    """Passages of a corpus with their article's ``collection`` (read once per process)."""
    from ..corpus import load_corpus

    loaded = load_corpus(folder, show_progress=False)
    return loaded.passages.merge(loaded.articles[["article_id", "collection"]], on="article_id")


def offtopic_passages(corpora_dir: Path, *, half: int = 0, per_category: int | None = None) -> pd.DataFrame:
    """Passages of BBC News and AG News, ``per_category`` per gold category, from one half of the articles.

    ``half=0`` is the training half, ``half=1`` the held-out half on which the share of framed
    passages is measured. Columns: corpus, collection, article_id, passage_id, text.
    """
    frames = []
    for corpus, default_n in OFFTOPIC_CORPORA.items():
        folder = Path(corpora_dir) / corpus
        if not folder.is_dir():
            continue
        passages = _collection_passages(str(folder.resolve()))
        passages = passages[passages["article_id"].map(_half) == half]
        n = per_category or default_n
        picked = (passages.assign(_key=passages["passage_id"].map(lambda p: hashlib.sha1(p.encode()).hexdigest()))
                  .sort_values("_key").groupby("collection", sort=True).head(n))
        frames.append(picked.assign(corpus=corpus)[["corpus", "collection", "article_id", "passage_id", "text"]])
    if not frames:
        return pd.DataFrame(columns=["corpus", "collection", "article_id", "passage_id", "text"])
    return pd.concat(frames, ignore_index=True)


def training_data(corpora_dir: str | Path | None = None, *, seeds: str | Path | None = None,
                  codebook: bool = True, offtopic: bool = True) -> pd.DataFrame:
    """Every labelled passage the framing model learns from.

    Columns: text, label, source (gold/gold_supplement/seeds/codebook/offtopic), language, outlet,
    group (article), stratum, always_train (bool: kept in every training fold, never tested),
    scored (bool: a gold-standard passage, tested in the fold of its outlet), second_label,
    second_coder. Supplement rows are never scored: they are trained on, except in the fold that
    tests their outlet.
    """
    from .codebook import codebook_examples
    from .gold import attach_texts, default_corpora_dir, read_gold_standard, read_gold_supplement

    root = Path(corpora_dir) if corpora_dir is not None else default_corpora_dir()
    coded = None
    if seeds is not None:
        from .cli import read_annotations

        coded = read_annotations(seeds)  # fails first, and fast, on a missing or malformed file
    gold = read_gold_standard()
    # one read of each corpus for both tables
    supplement = read_gold_supplement(gold=gold)
    tables = [gold.assign(source="gold")] + ([supplement.assign(source="gold_supplement")] if len(supplement) else [])
    coded_passages = attach_texts(pd.concat(tables, ignore_index=True), root)
    parts = [pd.DataFrame({
        "text": coded_passages["text"], "label": coded_passages["final_label"], "source": coded_passages["source"],
        "language": coded_passages["language"], "outlet": coded_passages["outlet"],
        "group": coded_passages["corpus"] + "/" + coded_passages["article_id"], "stratum": coded_passages["stratum"],
        "always_train": False, "scored": coded_passages["source"] == "gold",
        "second_label": coded_passages["second_label"], "second_coder": coded_passages["second_coder"],
        "passage_key": coded_passages["passage_key"]})]
    if coded is not None:
        parts.append(pd.DataFrame({"text": coded["text"], "label": coded["label"], "source": "seeds", "language": "en",
                                   "outlet": "seeds", "group": "seeds/" + coded["article_id"], "stratum": "seeds",
                                   "always_train": True, "scored": False, "second_label": "", "second_coder": "",
                                   "passage_key": coded["passage_id"]}))
    if codebook:
        ex = codebook_examples()
        parts.append(pd.DataFrame({"text": ex["text"], "label": ex["label"], "source": "codebook", "language": "",
                                   "outlet": "codebook", "group": "codebook", "stratum": "codebook",
                                   "always_train": True, "scored": False, "second_label": "", "second_coder": "",
                                   "passage_key": ""}))
    if offtopic:
        off = offtopic_passages(root, half=0)
        parts.append(pd.DataFrame({"text": off["text"], "label": "neither", "source": "offtopic", "language": "en",
                                   "outlet": off["corpus"], "group": off["corpus"] + "/" + off["article_id"],
                                   "stratum": "offtopic", "always_train": True, "scored": False,
                                   "second_label": "", "second_coder": "",
                                   "passage_key": off["corpus"] + "/" + off["passage_id"]}))
    return pd.concat(parts, ignore_index=True)


def grouped_folds(groups: Sequence, n_splits: int = 10, *, tested: np.ndarray | None = None,
                  follow: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds in which every group (outlet or article) is tested in exactly one fold.

    Groups are dealt to folds largest first, each to the fold with the fewest tested passages so
    far (deterministic). Rows with ``tested`` False are in no test set and, unless ``follow`` marks
    them, in every training set; a ``follow`` row (not tested) leaves the training set of the fold
    that tests its group, so that no group is on both sides even through passages never scored.
    """
    groups = np.asarray(list(groups), dtype=object)
    tested = np.ones(len(groups), bool) if tested is None else np.asarray(tested, bool)
    follow = np.zeros(len(groups), bool) if follow is None else np.asarray(follow, bool) & ~tested
    sizes = pd.Series(groups[tested]).value_counts()
    sizes = sizes.sort_index().sort_values(ascending=False, kind="stable")
    k = min(n_splits, len(sizes))
    if k < 2:
        raise ValueError(f"need at least two groups to validate across, got {len(sizes)}")
    load, owner = np.zeros(k), {}
    for group, size in sizes.items():
        fold = int(np.argmin(load))
        owner[group] = fold
        load[fold] += size
    fold_of = np.array([owner.get(g, -1) if t else -1 for g, t in zip(groups, tested)])
    out_of = np.array([owner.get(g, -1) if t or f else -1 for g, t, f in zip(groups, tested, follow)])
    return [(np.flatnonzero(out_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


def out_of_fold(make_scorer: Callable[[], object], texts: Sequence[str], y: Sequence[str], embeddings: np.ndarray | None,
                folds: list[tuple[np.ndarray, np.ndarray]], *, show_progress: bool = False) -> np.ndarray:
    """Out-of-fold probabilities, ndarray of shape (n_passages, 3); NaN rows were never tested."""
    from .._progress import progress_bar as tqdm

    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(list(y), dtype=object)
    proba = np.full((len(texts), len(FRAMES)), np.nan)
    for train, test in tqdm(folds, desc="folds", disable=not show_progress, leave=False):
        model = make_scorer()
        emb = (lambda rows: embeddings[rows]) if embeddings is not None else (lambda rows: None)
        model.fit(list(texts[train]), y[train], embeddings=emb(train))
        proba[test] = model.predict_proba(list(texts[test]), embeddings=emb(test))
    return proba


def expected_calibration_error(y_true: Sequence[str], proba: np.ndarray, n_bins: int = 10) -> float:
    """ECE of the top-label confidence: sum over bins of |accuracy - confidence| weighted by bin size."""
    y_true = np.asarray(list(y_true), dtype=object)
    confidence = proba.max(axis=1)
    correct = np.array(FRAMES, dtype=object)[proba.argmax(axis=1)] == y_true
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        inside = bins == b
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


def reliability_table(predictions: pd.DataFrame, *, n_bins: int = 10) -> pd.DataFrame:
    """The reliability curve of the top-label confidence, per method and language (and both pooled).

    Parameters
    ----------
    predictions : DataFrame
        Out-of-fold predictions with columns ``method``, ``language``, ``label``, ``predicted`` and
        ``p_<frame>`` for every frame (``framing_oof_predictions.csv``).
    n_bins : int, default 10
        Equal-width confidence bins on [0, 1].

    Returns
    -------
    DataFrame with columns method, language ("en", "es" or "all"), bin, confidence (mean top
    probability in the bin), accuracy (share of the bin predicted right), n. Empty bins are left
    out. A calibrated model has accuracy close to confidence in every bin; the expected
    calibration error is the ``n``-weighted mean gap.
    """
    required = {"method", "language", "label", "predicted", *(f"p_{f}" for f in FRAMES)}
    missing = sorted(required - set(predictions.columns))
    if missing:
        raise ValueError(f"predictions lack the columns {missing}: pass framing_oof_predictions.csv")
    rows = []
    for language in [*sorted(set(predictions["language"])), "all"]:
        part_lang = predictions if language == "all" else predictions[predictions["language"] == language]
        for method, part in part_lang.groupby("method", sort=False):
            confidence = part[[f"p_{f}" for f in FRAMES]].to_numpy().max(axis=1)
            correct = (part["predicted"] == part["label"]).to_numpy()
            bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
            for b in np.unique(bins):
                inside = bins == b
                rows.append({"method": method, "language": language, "bin": int(b),
                             "confidence": float(confidence[inside].mean()),
                             "accuracy": float(correct[inside].mean()), "n": int(inside.sum())})
    return pd.DataFrame(rows, columns=["method", "language", "bin", "confidence", "accuracy", "n"])


def _scores(y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray) -> dict[tuple[str, str], float]:
    _, _, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(FRAMES), zero_division=0)
    values = {("macro_f1", "all"): float(np.mean(f1)),
              ("kappa", "all"): float(cohen_kappa_score(y_true, y_pred, labels=list(FRAMES)))
              if len(set(y_true) | set(y_pred)) > 1 else 1.0,
              ("accuracy", "all"): float(np.mean(y_true == y_pred)),
              ("ece", "all"): expected_calibration_error(y_true, proba)}
    for i, frame in enumerate(FRAMES):
        values[("f1", frame)] = float(f1[i])
    return values


def validation_table(method: str, data: pd.DataFrame, proba: np.ndarray, *, n_boot: int = 1000,
                     random_state: int = 0) -> pd.DataFrame:
    """Tidy metrics of one method: one row per language x stratum x metric x frame.

    Columns: method, language, stratum (random, targeted, all), metric (macro_f1, kappa,
    accuracy, ece, f1), frame ("all" or a frame), value, ci_low, ci_high, n. CIs are percentile
    bootstrap 95% intervals over passages.
    """
    rng = np.random.default_rng(random_state)
    tested = ~np.isnan(proba[:, 0])
    y = data["label"].to_numpy(dtype=object)
    pred = np.array(FRAMES, dtype=object)[np.nan_to_num(proba).argmax(axis=1)]
    rows = []
    for language in sorted(set(data.loc[tested, "language"])):
        for stratum in ("random", "targeted", "all"):
            keep = tested & (data["language"].to_numpy() == language)
            if stratum != "all":
                keep &= data["stratum"].to_numpy() == stratum
            idx = np.flatnonzero(keep)
            if len(idx) < 2:
                continue
            point = _scores(y[idx], pred[idx], proba[idx])
            boot = {k: [] for k in point}
            for _ in range(n_boot):
                s = rng.choice(idx, len(idx), replace=True)
                for k, v in _scores(y[s], pred[s], proba[s]).items():
                    boot[k].append(v)
            for (metric, frame), value in point.items():
                low, high = np.percentile(boot[(metric, frame)], [2.5, 97.5])
                rows.append({"method": method, "language": language, "stratum": stratum, "metric": metric,
                             "frame": frame, "value": value, "ci_low": float(low), "ci_high": float(high),
                             "n": len(idx)})
    return pd.DataFrame(rows)


def human_agreement(gold: pd.DataFrame, *, n_boot: int = 1000, random_state: int = 0) -> pd.DataFrame:
    """First vs independent second coder on the double-coded passages, per language.

    Columns: language, metric (krippendorff_alpha, cohen_kappa, agreement, macro_f1), value,
    ci_low, ci_high, n. ``macro_f1`` scores the second coder against the first as a classifier
    would be scored: the ceiling a model can be expected to reach.
    """
    import krippendorff

    rng = np.random.default_rng(random_state)
    coded = gold[gold["second_label"] != ""]
    rows = []

    def scores(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
        codes = {f: i for i, f in enumerate(FRAMES)}
        alpha = krippendorff.alpha(reliability_data=[[codes[v] for v in a], [codes[v] for v in b]],
                                   level_of_measurement="nominal") if len(set(a) | set(b)) > 1 else 1.0
        _, _, f1, _ = precision_recall_fscore_support(a, b, labels=list(FRAMES), zero_division=0)
        return {"krippendorff_alpha": float(alpha), "cohen_kappa": float(cohen_kappa_score(a, b, labels=list(FRAMES))),
                "agreement": float(np.mean(a == b)), "macro_f1": float(np.mean(f1))}

    for language, part in coded.groupby("language", sort=True):
        a, b = part["label"].to_numpy(dtype=object), part["second_label"].to_numpy(dtype=object)
        point = scores(a, b)
        boot = {k: [] for k in point}
        for _ in range(n_boot):
            s = rng.integers(0, len(a), len(a))
            for k, v in scores(a[s], b[s]).items():
                boot[k].append(v)
        for metric, value in point.items():
            low, high = np.nanpercentile(boot[metric], [2.5, 97.5])
            rows.append({"language": language, "metric": metric, "value": value, "ci_low": float(low),
                         "ci_high": float(high), "n": len(a)})
    return pd.DataFrame(rows)
