"""Topic and framing analysis of news about the drug trade and counternarcotics in Latin America.

The data flow one way, one sub-package per stage: :mod:`analysis.corpus` (load, clean, split into
passages) -> :mod:`analysis.vectorize` (embeddings, cached) -> :mod:`analysis.topics` and
:mod:`analysis.framing` (models) -> :mod:`analysis.figures` (pictures from tidy tables) ->
:mod:`analysis.report` (the run's settings and cached stages, the report's tables, the runner of
``notebooks/``). :mod:`analysis.cli` is the ``analysis`` command.

Public names are imported on first use, so ``import analysis`` stays fast.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "load_corpus": "corpus", "Corpus": "corpus", "CorpusError": "corpus",
    "Embedder": "vectorize", "EmbeddingCache": "vectorize", "ModelError": "vectorize", "DEFAULT_MODEL": "vectorize",
    "TopicModel": "topics", "TopicModelWarning": "topics", "topics_over_time": "topics", "topics_per_class": "topics",
    "topic_coherence_npmi": "topics", "topic_diversity": "topics", "topic_stability": "topics",
    "FramingClassifier": "framing", "LexiconScorer": "framing", "ZeroShotScorer": "framing",
    "SupervisedScorer": "framing", "load_codebook": "framing", "FRAMES": "framing",
    "save_figure": "figures", "figure_style": "figures", "FRAME_COLORS": "figures",
    "plot_articles_over_time": "figures", "plot_passages_per_article": "figures", "plot_topic_sizes": "figures",
    "plot_topic_words": "figures", "plot_topic_map": "figures", "plot_topic_share_over_time": "figures",
    "plot_frame_shares": "figures", "plot_stance_by_group": "figures", "plot_topic_frame_heatmap": "figures",
    "plot_confusion_matrix": "figures", "plot_framing_validation": "figures", "plot_reliability": "figures", "EnsembleScorer": "framing",
    "plot_passage_browser": "figures", "plot_topic_map_interactive": "figures",
    "frame_shares": "report.tables", "evidence_table": "report.tables", "topic_frame_table": "report.tables",
    "article_frames": "report.tables", "group_stance": "report.tables", "period_stance": "report.tables",
    "Analysis": "report", "Settings": "report", "SettingsError": "report", "run_report": "report",
}

__all__ = [
    "Analysis", "Corpus", "CorpusError", "DEFAULT_MODEL", "Embedder", "EmbeddingCache", "EnsembleScorer", "FRAMES",
    "FRAME_COLORS", "plot_framing_validation", "plot_reliability", "plot_passage_browser", "plot_topic_map_interactive",
    "FramingClassifier", "LexiconScorer", "ModelError", "Settings", "SettingsError", "SupervisedScorer",
    "TopicModel", "TopicModelWarning", "ZeroShotScorer", "article_frames", "evidence_table", "figure_style",
    "frame_shares", "group_stance", "load_codebook", "load_corpus", "period_stance", "plot_articles_over_time",
    "plot_confusion_matrix", "plot_frame_shares", "plot_passages_per_article", "plot_stance_by_group",
    "plot_topic_frame_heatmap", "plot_topic_map", "plot_topic_share_over_time", "plot_topic_sizes",
    "plot_topic_words", "run_report", "save_figure", "topic_coherence_npmi", "topic_diversity", "topic_frame_table",
    "topic_stability", "topics_over_time", "topics_per_class",
]
assert sorted(__all__) == sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
