"""Topic and framing analysis of news about the drug trade and counternarcotics in Latin America.

The data flow one way: :mod:`analysis.corpus` (load, clean, split into passages) ->
:mod:`analysis.vectorize` (embeddings, cached) -> :mod:`analysis.topics` and
:mod:`analysis.framing` (models) -> :mod:`analysis.figures` (pictures from tidy tables) ->
``notebooks/``, run by :mod:`analysis.runner`. :mod:`analysis.pipeline` ties the stages of one run
together and :mod:`analysis.report` builds the report's tables and figures.

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
    "Analysis": "pipeline", "run_report": "runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
