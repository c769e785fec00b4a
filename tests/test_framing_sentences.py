"""The sentence-level scorer: sentences split in both languages, passage scored by its most framed sentence."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.framing.frames import FRAMES
from analysis.framing.sentences import SentenceScorer, split_sentences


def test_sentences_split_on_english_and_spanish_punctuation():
    text = ("El alcalde inauguró un mercado nuevo. ¿Quién pagará la obra? «Nadie», dijo un vecino. Sí. "
            "Then the navy seized two tonnes of cocaine off the coast.")
    assert split_sentences(text) == ["El alcalde inauguró un mercado nuevo.", "¿Quién pagará la obra?",
                                     "«Nadie», dijo un vecino.",
                                     "Then the navy seized two tonnes of cocaine off the coast."]
    assert split_sentences("no boundary here at all") == ["no boundary here at all"]
    assert split_sentences("Dr. Smith arrived at 3 p.m. yesterday to testify.") != []


@pytest.mark.model
def test_one_framed_sentence_frames_the_passage(tmp_path):
    filler = ["The mayor opened a new market on Sunday.", "El alcalde inauguró un mercado el domingo.",
              "Rain is expected in the afternoon.", "Se espera lluvia por la tarde."]
    military = ["The army deployed thousands of troops to fight the cartels.",
                "La Marina desplegó tropas y decomisó cocaína.", "Soldiers raided the gang's hideout."]
    roots = ["Poverty and lack of jobs push young people into gangs.",
             "La falta de empleo y de escuelas empuja a los jóvenes al narco.",
             "Treatment for addiction would cut the demand for drugs."]
    texts, labels = [], []
    for i in range(12):
        texts.append(f"{filler[i % 4]} {military[i % 3]} {filler[(i + 1) % 4]}")
        labels.append("militarization")
        texts.append(f"{filler[(i + 2) % 4]} {roots[i % 3]}")
        labels.append("root_cause")
        texts.append(f"{filler[i % 4]} {filler[(i + 3) % 4]}")
        labels.append("neither")
    scorer = SentenceScorer(cache_dir=str(tmp_path / "cache")).fit(texts, labels)
    test = ["The weather was mild. Marines stormed the drug lab and arrested ten men.",
            "Los jóvenes sin trabajo son reclutados por las bandas. Hubo mercado el lunes.",
            "The market opened on Monday. It rained."]
    proba = scorer.predict_proba(test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(np.array(FRAMES)[proba.argmax(axis=1)]) == ["militarization", "root_cause", "neither"]
