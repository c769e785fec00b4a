"""Stage 3b, framing: is a passage about militarization, root causes, or neither?

:mod:`.codebook` reads ``codebook.yaml`` (definitions, examples, indicator phrases);
:mod:`.model` holds the three scorers and :class:`FramingClassifier`, whose trained default ships
in ``models/default``; :mod:`.evaluation` measures it against human coding (leave-one-article-out
macro-F1, bootstrap CIs, coder agreement); :mod:`.cli` is ``analysis framing validate | predict |
export | import``.
"""

from .codebook import CODEBOOK_PATH, codebook_examples, indicator_matches, load_codebook
from .frames import FRAME_NAMES, FRAMES, Frame
from .model import (
    DEFAULT_MODEL_DIR,
    METHODS,
    FramingClassifier,
    LexiconScorer,
    SupervisedScorer,
    ZeroShotScorer,
    make_scorer,
    predictions_table,
)

__all__ = ["CODEBOOK_PATH", "DEFAULT_MODEL_DIR", "FRAMES", "FRAME_NAMES", "METHODS", "Frame", "FramingClassifier",
           "LexiconScorer", "SupervisedScorer", "ZeroShotScorer", "codebook_examples", "indicator_matches",
           "load_codebook", "make_scorer", "predictions_table"]
