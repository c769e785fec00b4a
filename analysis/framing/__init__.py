"""Stage 3b, framing: is a passage about militarization, root causes, or neither?

:mod:`.codebook` reads ``codebook.yaml`` (definitions, examples, indicator phrases);
:mod:`.model` holds the lexicon, zero-shot and supervised scorers and :class:`FramingClassifier`;
:mod:`.ensemble` the default scorer (embedding + character n-grams + lexicon), whose trained model
ships in ``models/default``. :mod:`.gold` is the bilingual gold standard (``gold_standard.csv``,
texts rebuilt from the corpora); :mod:`.protocol` the outlet-grouped validation protocol and
training data; :mod:`.instrument` validates and trains on the gold standard, :mod:`.retrain` on an analyst's own
annotations; :mod:`.evaluation` holds the older
leave-one-article-out helpers; :mod:`.cli` is ``analysis framing validate | train | predict |
export | import``.
"""

from importlib import import_module
from typing import Any

from .frames import FRAME_NAMES, FRAMES, Frame

#: Names this package exports from its modules, imported on first use: drawing a figure needs
#: only :mod:`.frames`, and the models bring scikit-learn with them (most of a figure worker's start).
_EXPORTS = {
    "codebook": ("CODEBOOK_PATH", "codebook_examples", "indicator_matches", "indicator_spans", "load_codebook"),
    "ensemble": ("EnsembleScorer",),
    "model": ("DEFAULT_MODEL_DIR", "METHODS", "FramingClassifier", "LexiconScorer", "SupervisedScorer",
              "ZeroShotScorer", "make_scorer", "predictions_table"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(["FRAMES", "FRAME_NAMES", "Frame", *_MODULE_OF])


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
