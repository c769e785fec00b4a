"""Train a framing model on an analyst's own coded passages: what ``analysis framing train --annotations`` runs.

The coding loop is ``framing export`` (passages to code) -> a coder fills in ``label`` ->
``framing import`` (into an annotations file) -> ``framing train --annotations A.csv --out M`` ->
``analysis report -p framing_model M``. When the project's gold standard cannot be read (its
corpora are not beside the project, or ``--no-gold``), :func:`train_on_annotations` learns from the
annotations and the codebook's examples only, and validates by article-grouped cross-validation
on the annotations (no article on both sides of a split); the model card and ``model.json`` say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .frames import FRAMES

__all__ = ["read_annotation_files", "train_on_annotations"]

_MIN_PER_FOLD_ARTICLES = 2
_MAX_FOLDS = 5


def read_annotation_files(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Coded passages of one or more annotation files, labels normalised, one row per passage.

    Raises
    ------
    ValueError
        When a file is malformed, or two files code the same passage with different labels.
    """
    from .cli import ANNOTATION_COLUMNS, read_annotations, refuse_conflicts

    tables = [read_annotations(path).assign(_file=str(path)) for path in paths]
    coded = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=ANNOTATION_COLUMNS)
    refuse_conflicts(coded, "the annotation files")
    return coded.drop_duplicates("passage_id").drop(columns="_file").reset_index(drop=True)


def train_on_annotations(annotations: Sequence[str | Path], out: str | Path, *, method: str = "ensemble",
                         embedding_model: str | None = None, codebook: bool = True, n_splits: int = _MAX_FOLDS,
                         random_state: int = 0, show_progress: bool = True) -> tuple[Path, dict]:
    """Fit ``method`` on the coded passages (and the codebook's examples) and save it to ``out``.

    Parameters
    ----------
    annotations : sequence of path
        CSV files with columns passage_id, article_id, label, text (as ``framing import`` writes).
    out : path
        Folder for ``model.json``, ``weights.safetensors`` and ``MODEL_CARD.md``.
    method : str
        One of :data:`~analysis.framing.instrument.VALIDATION_METHODS`.
    codebook : bool
        Also learn from the codebook's worked examples (never tested).
    n_splits : int
        Folds of the article-grouped validation (fewer when there are few articles).

    Returns
    -------
    folder : Path
    validation : dict
        ``protocol``, ``macro_f1``, ``accuracy``, ``n`` passages tested, ``n_articles``, ``folds``
        and per-frame ``f1``; ``macro_f1`` is None when there are too few articles to validate.
    """
    from ..vectorize import DEFAULT_MODEL
    from .codebook import codebook_examples
    from .instrument import VALIDATION_METHODS, embed_cached, fit_classifier, make_method

    if method not in VALIDATION_METHODS:
        raise ValueError(f"unknown method '{method}'; choose from {list(VALIDATION_METHODS)}")
    coded = read_annotation_files(annotations)
    if coded.empty:
        raise ValueError("the annotation files hold no coded passage; code some with `analysis framing export` "
                         "and `analysis framing import` first")
    parts = [pd.DataFrame({"text": coded["text"], "label": coded["label"], "source": "annotations",
                           "group": coded["article_id"], "tested": True})]
    if codebook:
        examples = codebook_examples()
        parts.append(pd.DataFrame({"text": examples["text"], "label": examples["label"], "source": "codebook",
                                   "group": "codebook", "tested": False}))
    data = pd.concat(parts, ignore_index=True)
    model_name = embedding_model or DEFAULT_MODEL
    needs_vectors = getattr(make_method(method), "needs_embeddings", True)
    embeddings, identity = (embed_cached(data["text"], model_name, show_progress=show_progress)
                            if needs_vectors else (None, "none"))
    validation = _validate(method, data, embeddings, n_splits, show_progress)
    classifier = fit_classifier(method, data["text"], data["label"], embeddings, embedding_model=model_name,
                                random_state=random_state)
    summary = ([{"method": method, "language": "all", "stratum": "annotations", "metric": "macro_f1",
                 "value": validation["macro_f1"], "n": validation["n"]}] if validation["macro_f1"] is not None else [])
    extra = {"encoder": identity, "validation_method": method,
             "trained_on": {"sources": data["source"].value_counts().to_dict(),
                            "labels": data["label"].value_counts().to_dict(), "n": len(data),
                            "annotation_files": [str(Path(p)) for p in annotations]},
             "validation": {"record": {"protocol": validation["protocol"]}, "macro_f1": summary,
                            "accuracy": validation["accuracy"], "f1": validation["f1"]}}
    folder = classifier.save(out, extra=extra)
    (folder / "MODEL_CARD.md").write_text(_card(method, identity, data, validation, annotations), encoding="utf-8")
    return folder, validation


def _validate(method, data, embeddings, n_splits, show_progress) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    from .instrument import make_method
    from .protocol import grouped_folds, out_of_fold

    tested = data["tested"].to_numpy()
    n_articles = data.loc[tested, "group"].nunique()
    folds_wanted = min(n_splits, n_articles // _MIN_PER_FOLD_ARTICLES)
    protocol = f"article-grouped {max(folds_wanted, 0)}-fold cross-validation on the annotations (no article on both " \
               "sides; the codebook's examples are in every training fold)"
    empty = {"protocol": protocol, "macro_f1": None, "accuracy": None, "f1": {}, "n": 0, "n_articles": int(n_articles),
             "folds": 0}
    if folds_wanted < 2:
        return {**empty, "protocol": f"not validated: {n_articles} coded article(s), at least "
                                     f"{2 * _MIN_PER_FOLD_ARTICLES} are needed for a grouped cross-validation"}
    folds = grouped_folds(data["group"], folds_wanted, tested=tested)
    proba = out_of_fold(lambda: make_method(method), data["text"], data["label"], embeddings, folds,
                        show_progress=show_progress)
    seen = tested & ~np.isnan(proba).any(axis=1)
    truth = data.loc[seen, "label"].to_numpy(dtype=object)
    predicted = np.array(FRAMES, dtype=object)[proba[seen].argmax(axis=1)]
    per_frame = f1_score(truth, predicted, labels=list(FRAMES), average=None, zero_division=0)
    return {"protocol": protocol, "macro_f1": round(float(f1_score(truth, predicted, labels=list(FRAMES),
                                                                   average="macro", zero_division=0)), 4),
            "accuracy": round(float(accuracy_score(truth, predicted)), 4),
            "f1": {frame: round(float(v), 4) for frame, v in zip(FRAMES, per_frame)},
            "n": int(seen.sum()), "n_articles": int(n_articles), "folds": len(folds)}


def _card(method: str, identity: str, data: pd.DataFrame, validation: dict, annotations) -> str:
    counts = data.groupby(["source", "label"]).size().unstack(fill_value=0)
    lines = ["# Framing model card", "",
             f"Method: `{method}`, trained by `analysis framing train --annotations` on "
             + ", ".join(f"`{Path(p).name}`" for p in annotations) + ".",
             f"Encoder: `{identity}`.", "", "## Training data", "",
             "| source | " + " | ".join(counts.columns) + " |", "|---|" + "---|" * len(counts.columns),
             *[f"| {source} | " + " | ".join(str(int(v)) for v in row) + " |" for source, row in counts.iterrows()],
             "", "## Validation", "", f"Protocol: {validation['protocol']}.", ""]
    if validation["macro_f1"] is not None:
        lines += [f"- macro-F1 {validation['macro_f1']:.3f}, accuracy {validation['accuracy']:.3f} on "
                  f"{validation['n']} passages of {validation['n_articles']} articles ({validation['folds']} folds)",
                  "- per-frame F1: " + ", ".join(f"{k} {v:.3f}" for k, v in validation["f1"].items()), ""]
    lines += ["Passages of one outlet or one coder are alike; expect lower scores on other outlets than this "
              "validation shows. The project's gold-standard validation is not part of this model.", ""]
    return "\n".join(lines)
