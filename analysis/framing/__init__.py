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

from .codebook import CODEBOOK_PATH, codebook_examples, indicator_matches, indicator_spans, load_codebook
from .ensemble import EnsembleScorer
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

__all__ = ["CODEBOOK_PATH", "DEFAULT_MODEL_DIR", "FRAMES", "FRAME_NAMES", "METHODS", "EnsembleScorer", "Frame",
           "FramingClassifier",
           "LexiconScorer", "SupervisedScorer", "ZeroShotScorer", "codebook_examples", "indicator_matches", "indicator_spans",
           "load_codebook", "make_scorer", "predictions_table"]
