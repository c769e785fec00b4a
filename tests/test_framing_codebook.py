"""analysis.framing.codebook: the codebook and the indicator phrases counted on folded text."""

from __future__ import annotations

import numpy as np

from analysis.framing import FRAMES, LexiconScorer, codebook_examples, indicator_matches, load_codebook
from framing_data import MIL, NEITHER, ROOT


def test_codebook_defines_every_label_with_rules_indicators_and_examples():
    book = load_codebook()
    for frame in FRAMES:
        spec = book["labels"][frame]
        assert spec["definition"] and spec["include"] and spec["exclude"] and len(spec["examples"]) >= 8
    for frame in ("militarization", "root_cause"):
        assert book["labels"][frame]["indicators"]["en"] and book["labels"][frame]["indicators"]["es"]
    cases = {c["case"].split()[0].lower(): c["label"] for c in book["hard_cases"]}
    assert cases == {"calls": "militarization", "corruption": "root_cause", "seizure": "neither",
                     "critiques": "root_cause"}
    examples = codebook_examples()
    assert set(examples["label"]) == set(FRAMES) and examples["text"].is_unique


def test_indicators_match_without_accents_and_case():
    found = indicator_matches(["La MILITARIZACION y la Corrupción", "Nothing here."])
    assert "militarizacion" in found[0]["militarization"] and "corrupcion" in found[0]["root_cause"]
    assert found[1] == {"militarization": [], "root_cause": [], "neither": []}


def test_lexicon_scorer_reads_the_codebook_without_training():
    scorer = LexiconScorer().fit([MIL, ROOT, NEITHER])
    proba = scorer.predict_proba([MIL, ROOT, NEITHER])
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(scorer.predict([MIL, ROOT, NEITHER])) == list(FRAMES)
