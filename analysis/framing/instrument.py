"""Validate and train the framing instrument on the gold standard: what ``analysis framing validate``
and ``analysis framing train`` run.

:func:`validate_instrument` compares methods under the outlet-grouped protocol of
:mod:`.protocol` and returns tidy tables (metrics with CIs per language and stratum, the human
ceiling, out-of-fold predictions, off-topic framed shares). :func:`train_instrument` fits the
chosen method on every labelled passage and saves it with a model card.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .frames import FRAMES

__all__ = ["GATED", "VALIDATION_METHODS", "embed_cached", "fit_classifier", "make_method", "train_instrument",
           "validate_instrument"]

#: The ensemble gated by the relevance score (:mod:`.relevance`), validated beside the methods below.
GATED = "ensemble+relevance"

#: Methods compared by the validation: name -> (scorer method, scorer parameters).
VALIDATION_METHODS: dict[str, tuple[str, dict]] = {
    "lexicon": ("lexicon", {}),
    "supervised": ("supervised", {"C": 1.0}),
    "embedding": ("ensemble", {"ngram_weight": 0.0}),
    "ensemble": ("ensemble", {}),
    "sentence": ("sentence", {}),
}


def make_method(name: str, *, embedding_model: str | None = None):
    """A fresh scorer for a validation method name (see :data:`VALIDATION_METHODS`); ``embedding_model``
    reaches the scorers that embed on their own (the sentence scorer)."""
    from .model import make_scorer

    if name not in VALIDATION_METHODS:
        raise ValueError(f"unknown method '{name}'; choose from {[*VALIDATION_METHODS, GATED]}")
    method, params = VALIDATION_METHODS[name]
    if embedding_model is not None:
        params = {"embedding_model": embedding_model, **params}
    return make_scorer(method, **params)


def embed_cached(texts: Sequence[str], model: str, *, show_progress: bool = True) -> tuple[np.ndarray, str]:
    """Embeddings of ``texts`` through the shared cache (``$ANALYSIS_CACHE/embeddings``), and the encoder identity."""
    from ..vectorize import Embedder

    cache = Path(os.environ.get("ANALYSIS_CACHE", Path.home() / ".cache" / "analysis")) / "embeddings"
    embedder = Embedder(model, cache_dir=cache, show_progress=show_progress)
    return embedder.encode(list(texts)), embedder.identity


def validate_instrument(*, methods: Sequence[str] = tuple(VALIDATION_METHODS), embedding_model: str | None = None,
                        corpora_dir: str | Path | None = None, seeds: str | Path | None = "seeds/annotations.csv",
                        group_by: str = "outlet", n_splits: int = 10, n_boot: int = 1000, random_state: int = 0,
                        show_progress: bool = True) -> dict[str, object]:
    """Run the validation protocol.

    Returns
    -------
    dict with ``metrics`` (tidy table, see :func:`.protocol.validation_table`), ``human``
    (:func:`.protocol.human_agreement`), ``predictions`` (out-of-fold probabilities of every
    method for the gold passages), ``offtopic`` (share of held-out BBC/AG passages framed, per
    category) and ``record`` (data counts, protocol, timings).
    """
    from ..vectorize import DEFAULT_MODEL
    from .gold import default_corpora_dir, read_gold_standard, read_gold_supplement
    from .protocol import grouped_folds, human_agreement, offtopic_passages, out_of_fold, training_data, validation_table

    if group_by not in ("outlet", "article"):
        raise ValueError(f"group_by='{group_by}' must be 'outlet' or 'article'")
    root = Path(corpora_dir) if corpora_dir is not None else default_corpora_dir()
    model_name = embedding_model or DEFAULT_MODEL
    start = time.perf_counter()
    data = training_data(root, seeds=seeds)
    embeddings, identity = embed_cached(data["text"], model_name, show_progress=show_progress)
    tested = data["scored"].to_numpy()
    groups = data["outlet"] if group_by == "outlet" else data["group"]
    # supplement passages are never scored and leave training with their outlet (or article)
    folds = grouped_folds(groups, n_splits, tested=tested, follow=~data["always_train"].to_numpy())
    held_out = offtopic_passages(root, half=1)
    held_emb = embed_cached(held_out["text"], model_name, show_progress=show_progress)[0] if len(held_out) else None
    metrics, predictions, offtopic = [], [], []
    gold_rows = data[tested].reset_index(drop=True)
    relevant = (data["source"] != "offtopic").to_numpy()
    relevance_oof, relevance_full = _relevance_out_of_fold(embeddings, relevant, folds, random_state)
    names = [*methods, GATED] if "ensemble" in methods and GATED not in methods else list(methods)
    proba_of: dict[str, np.ndarray] = {}
    fitted: dict[str, object] = {}
    for name in names:
        if name == GATED:
            from .relevance import gate

            if "ensemble" not in proba_of:
                raise ValueError(f"'{GATED}' is validated from the ensemble's folds: add 'ensemble' to the methods")
            proba = np.full_like(proba_of["ensemble"], np.nan)
            proba[tested] = gate(proba_of["ensemble"][tested], relevance_oof[tested])
        else:
            proba = out_of_fold(lambda: make_method(name, embedding_model=model_name), data["text"], data["label"],
                                embeddings, folds, show_progress=show_progress)
        proba_of[name] = proba
        metrics.append(validation_table(name, data, proba, n_boot=n_boot, random_state=random_state))
        part = gold_rows[["passage_key", "language", "outlet", "stratum", "label"]].assign(method=name)
        for i, frame in enumerate(FRAMES):
            part[f"p_{frame}"] = proba[tested, i]
        part["predicted"] = np.array(FRAMES, dtype=object)[proba[tested].argmax(axis=1)]
        part["p_relevant"] = relevance_oof[tested]
        predictions.append(part)
        if held_emb is not None:
            from .relevance import gate

            base = "ensemble" if name == GATED else name
            if base not in fitted:
                fitted[base] = make_method(base, embedding_model=model_name).fit(
                    list(data["text"]), data["label"].to_numpy(dtype=object), embeddings=embeddings)
            model = fitted[base]
            held_proba = model.predict_proba(list(held_out["text"]), embeddings=held_emb)
            if name == GATED:
                held_proba = gate(held_proba, relevance_full.predict_proba(embeddings=held_emb))
            labels = np.array(FRAMES, dtype=object)[held_proba.argmax(axis=1)]
            shares = (pd.DataFrame({"corpus": held_out["corpus"], "collection": held_out["collection"],
                                    "framed": labels != "neither"})
                      .groupby(["corpus", "collection"]).agg(framed_share=("framed", "mean"), n=("framed", "size"))
                      .reset_index().assign(method=name))
            offtopic.append(shares)
    gold = read_gold_standard()
    double_coded = pd.concat([gold, read_gold_supplement(gold=gold)], ignore_index=True)
    relevance = _relevance_table(data[tested], relevance_oof[tested], held_out,
                                 relevance_full.predict_proba(embeddings=held_emb) if held_emb is not None else None)
    record = {"protocol": f"{group_by}-grouped {len(folds)}-fold cross-validation: no {group_by} on both sides; "
                          "only gold-standard passages are tested; supplement passages are trained on except "
                          "in the fold of their outlet; seeds, codebook examples and off-topic news are in every "
                          "training fold",
              "encoder": identity, "n_tested": int(tested.sum()),
              "sources": data["source"].value_counts().to_dict(),
              "outlets": {lang: int(data.loc[tested & (data["language"] == lang).to_numpy(), "outlet"].nunique())
                          for lang in ("en", "es")},
              "seconds": round(time.perf_counter() - start, 1)}
    return {"data": data, "embeddings": embeddings, "encoder": identity,
            "metrics": pd.concat(metrics, ignore_index=True),
            "human": human_agreement(double_coded, n_boot=n_boot, random_state=random_state),
            "predictions": pd.concat(predictions, ignore_index=True),
            "offtopic": pd.concat(offtopic, ignore_index=True) if offtopic else pd.DataFrame(),
            "relevance": relevance, "record": record}


def _relevance_out_of_fold(embeddings: np.ndarray, relevant: np.ndarray, folds, random_state: int):
    """Out-of-fold p_relevant of the tested passages (NaN elsewhere), and the score fitted on everything."""
    from .relevance import RelevanceScorer

    oof = np.full(len(relevant), np.nan)
    for train, test in folds:
        oof[test] = RelevanceScorer(random_state=random_state).fit(None, relevant[train],
                                                                   embeddings=embeddings[train]).predict_proba(
            embeddings=embeddings[test])
    return oof, RelevanceScorer(random_state=random_state).fit(None, relevant, embeddings=embeddings)


def _relevance_table(tested: pd.DataFrame, p_tested: np.ndarray, held_out: pd.DataFrame,
                     p_held: np.ndarray | None) -> pd.DataFrame:
    """Share of passages and articles judged relevant: gold passages (out of fold) by language and
    label, held-out off-topic news by corpus and category. Columns: set, group, unit, judged_relevant, n."""
    from .relevance import RELEVANCE_THRESHOLD

    rows = []
    for (language, label), part in tested.assign(p=p_tested).groupby(["language", "label"]):
        rows.append({"set": f"gold {language}", "group": label, "unit": "passages",
                     "judged_relevant": float((part["p"] >= RELEVANCE_THRESHOLD).mean()), "n": len(part)})
    if p_held is not None and len(held_out):
        scored = held_out.assign(p_relevant=p_held)
        for (corpus, collection), part in scored.groupby(["corpus", "collection"]):
            rows.append({"set": corpus, "group": collection, "unit": "passages",
                         "judged_relevant": float((part["p_relevant"] >= RELEVANCE_THRESHOLD).mean()), "n": len(part)})
    return pd.DataFrame(rows, columns=["set", "group", "unit", "judged_relevant", "n"])


def train_instrument(out: str | Path, *, method: str = "ensemble", embedding_model: str | None = None,
                     corpora_dir: str | Path | None = None, seeds: str | Path | None = "seeds/annotations.csv",
                     validation: dict[str, object] | None = None, random_state: int = 0,
                     show_progress: bool = True) -> Path:
    """Fit ``method`` on every labelled passage and save it to ``out`` with ``MODEL_CARD.md``."""
    from ..vectorize import DEFAULT_MODEL
    from .gold import default_corpora_dir
    from .model import FramingClassifier
    from .protocol import training_data

    model_name = embedding_model or DEFAULT_MODEL
    if validation is not None and "data" in validation:  # the validation's passages and vectors, not read again
        data, embeddings, identity = validation["data"], validation["embeddings"], validation["encoder"]
    else:
        root = Path(corpora_dir) if corpora_dir is not None else default_corpora_dir()
        data = training_data(root, seeds=seeds)
        embeddings, identity = embed_cached(data["text"], model_name, show_progress=show_progress)
    base = "ensemble" if method == GATED else method
    if base not in VALIDATION_METHODS:
        raise ValueError(f"unknown method '{method}'; choose from {[*VALIDATION_METHODS, GATED]}")
    classifier = fit_classifier(base, data["text"], data["label"], embeddings, embedding_model=model_name,
                                random_state=random_state)
    # Every trained model carries the relevance score (p_relevant per passage, off-topic articles
    # counted and, with relevant_only, excluded by the report); only ensemble+relevance gates by it.
    from .relevance import RelevanceScorer

    classifier.relevance_ = RelevanceScorer(random_state=random_state).fit(
        None, (data["source"] != "offtopic").to_numpy(), embeddings=embeddings)
    classifier.gate_relevance_ = method == GATED
    summary, confusion = {}, None
    if validation is not None:
        metrics = validation["metrics"]
        head = metrics[(metrics["metric"] == "macro_f1") & (metrics["frame"] == "all")]
        summary = head.round(4).to_dict("records")
        oof = validation["predictions"]
        oof = oof[oof["method"] == method]
        confusion = (oof.groupby(["label", "predicted"]).size().rename("count").reset_index()
                     .rename(columns={"label": "true"}).to_dict("records"))
    extra = {"encoder": identity, "validation_method": method,
             "trained_on": {"sources": data["source"].value_counts().to_dict(),
                            "labels": data["label"].value_counts().to_dict(), "n": len(data)},
             "validation": {"record": validation["record"] if validation else None, "macro_f1": summary,
                            "confusion": confusion,
                            "human": validation["human"].round(4).to_dict("records") if validation else None}}
    folder = classifier.save(out, extra=extra)
    (folder / "MODEL_CARD.md").write_text(_model_card(method, identity, data, validation), encoding="utf-8")
    return folder


def fit_classifier(method: str, texts, labels, embeddings: np.ndarray | None, *, embedding_model: str,
                   random_state: int = 0):
    """A :class:`~.model.FramingClassifier` whose scorer is ``method`` (of :data:`VALIDATION_METHODS`) fitted on
    every passage given (no relevance score; the callers add one when they have off-topic news)."""
    from .model import FramingClassifier

    scorer_method, _ = VALIDATION_METHODS[method]
    classifier = FramingClassifier(method=scorer_method, embedding_model=embedding_model, random_state=random_state)
    classifier.scorer_ = make_method(method, embedding_model=embedding_model).fit(
        list(texts), np.asarray(labels, dtype=object), embeddings=embeddings)
    classifier.method_, classifier.selection_, classifier.n_training_ = scorer_method, {}, len(texts)
    classifier.relevance_, classifier.gate_relevance_ = None, False
    return classifier


def _model_card(method: str, identity: str, data: pd.DataFrame, validation: dict | None) -> str:
    counts = data.groupby(["source", "label"]).size().unstack(fill_value=0)
    n_double = int(data["second_coder"].fillna("").ne("").sum())
    lines = ["# Framing model card", "",
             f"Method: `{method}`: the average of a logistic regression on the standardised passage embedding, "
             "a logistic regression on character 2-5-gram TF-IDF (both class-balanced) and the codebook's lexicon "
             "scorer, whose weight is chosen among 0, 0.5 and 1 by cross-validation on the training passages only; "
             "a temperature fitted on the same inner folds calibrates the average."
             + (" The frames are then gated by a learned relevance score (logistic regression on the embedding: "
                "labelled in-domain passages against off-topic news): p(frame) x p_relevant, the rest to `neither`."
                if method == GATED else
                " The model also carries a learned relevance score (logistic regression on the embedding: labelled "
                "in-domain passages against off-topic news). It does not change the frames (gating them did not "
                "score higher over both languages in the validation below); the report uses it to count articles "
                "judged off-topic (mean p_relevant below 0.5) and, with `-p relevant_only true`, to leave them out "
                "of the framing tables and figures."),
             f"Encoder: `{identity}` (multilingual Universal Sentence Encoder v3; the model refuses vectors of "
             "another dimension).", "",
             "## Training data", "", "| source | " + " | ".join(counts.columns) + " |",
             "|---|" + "---|" * len(counts.columns),
             *[f"| {source} | " + " | ".join(str(int(v)) for v in row) + " |" for source, row in counts.iterrows()], "",
             "Gold standard: real passages of Mexican, Colombian and US coverage in Spanish and English, coded "
             "against `codebook.yaml` by AI-agent coders of the team (not human annotators), "
             f"{n_double:,} double-coded blind; gold_supplement: more passages of the same outlets (the other passages "
             "of the gold standard's English and Colombian articles, the rest of the Colombian regional articles "
             "and one more passage each of 200 Lucio Torres articles), coded in later rounds (trained on, held out "
             "with their outlet, never scored); seeds: the project's five seed articles; "
             "codebook: team-written examples; offtopic: BBC News and AG News passages, `neither` by construction.", ""]
    if validation is not None:
        m = validation["metrics"]
        lines += ["## Validation (outlet-grouped cross-validation, 95% bootstrap CIs)", "",
                  "| method | language | stratum | macro-F1 | 95% CI | kappa | ECE | n |", "|---|---|---|---|---|---|---|---|"]
        for (meth, lang, stratum), part in m[m["frame"] == "all"].groupby(["method", "language", "stratum"], sort=False):
            row = part.set_index("metric")
            lines.append(f"| {meth} | {lang} | {stratum} | {row.loc['macro_f1', 'value']:.3f} | "
                         f"[{row.loc['macro_f1', 'ci_low']:.3f}, {row.loc['macro_f1', 'ci_high']:.3f}] | "
                         f"{row.loc['kappa', 'value']:.3f} | {row.loc['ece', 'value']:.3f} | {int(row.loc['macro_f1', 'n'])} |")
        h = validation["human"]
        lines += ["", "Coder-vs-coder ceiling (first vs blind second coder; the coders are AI-agent sessions):", ""]
        for lang, part in h.groupby("language"):
            row = part.set_index("metric")
            lines.append(f"- {lang}: Krippendorff's alpha {row.loc['krippendorff_alpha', 'value']:.3f} "
                         f"[{row.loc['krippendorff_alpha', 'ci_low']:.3f}, {row.loc['krippendorff_alpha', 'ci_high']:.3f}], "
                         f"Cohen's kappa {row.loc['cohen_kappa', 'value']:.3f}, n={int(row.loc['cohen_kappa', 'n'])}")
        rel = validation.get("relevance")
        if rel is not None and len(rel):
            lines += ["", "Relevance score, share of passages judged on topic (gold passages out of fold; off-topic "
                          "news from held-out articles):", ""]
            lines += [f"- {r.set} {r.group}: {r.judged_relevant:.1%} of {r.n}" for r in rel.itertuples()]
        off = validation["offtopic"]
        if len(off):
            part = off[off["method"] == method]
            lines += ["", "Held-out off-topic news framed (share of passages labelled militarization or root cause):", ""]
            lines += [f"- {r.corpus} {r.collection}: {r.framed_share:.1%} of {r.n}" for r in part.itertuples()]
    lines += ["", "## Known failure modes", "",
              "- The boundary between `neither` and a frame is where most errors are: brief police or army reports "
              "(an arrest, a seizure) are militarization only when credited to an operation (codebook rule A2), "
              "and the model often calls them either way.",
              "- Corruption, impunity or poverty mentioned without a link to the drug trade are `neither`; the model "
              "tends to read them as root causes.",
              "- More than half of the Spanish training passages are local crime notes from one Mexican outlet (La "
              "Jornada Zacatecas); other Spanish outlets and registers (opinion, analysis) are scored less reliably.",
              "- Critiques of force without an alternative are militarization by the codebook; the model sometimes "
              "reads the critique as root cause.", ""]
    return "\n".join(lines)
