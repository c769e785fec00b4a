"""The shipped framing model: trained with the default encoder, the same label across languages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.framing import DEFAULT_MODEL_DIR, FramingClassifier
from analysis.vectorize import Embedder

PAIRS = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "parallel_pairs.csv"


def test_the_shipped_model_records_its_encoder_training_data_and_card():
    model = FramingClassifier.load(DEFAULT_MODEL_DIR)
    assert model.method_ == "ensemble"
    assert model.record_["encoder"] == Embedder().identity
    sources = model.record_["trained_on"]["sources"]
    assert sources["gold"] >= 1400 and sources["offtopic"] > 0 and sources["codebook"] > 0
    card = (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Coder-vs-coder ceiling" in card and "Known failure modes" in card and "| ensemble | es | random |" in card


@pytest.mark.model
def test_a_sentence_and_its_translation_get_the_same_frame():
    pairs = pd.read_csv(PAIRS)
    assert len(pairs) >= 40
    model = FramingClassifier.load(DEFAULT_MODEL_DIR)
    embedder = Embedder(show_progress=False)
    en = model.predict(pairs["en"].tolist(), embeddings=embedder.encode(pairs["en"].tolist()))
    es = model.predict(pairs["es"].tolist(), embeddings=embedder.encode(pairs["es"].tolist()))
    # measured 84% same label (issue 12 asks for 90%: not met yet; Spanish drifts to `neither`)
    assert np.mean(en == es) >= 0.8
    assert np.mean(en == pairs["label"].to_numpy()) >= 0.9 and np.mean(es == pairs["label"].to_numpy()) >= 0.75


PARAGRAPHS = PAIRS.with_name("parallel_paragraphs.csv")


def test_the_paragraph_pairs_are_team_written_coded_blind_and_never_trained_on():
    from analysis.framing.codebook import codebook_examples
    from analysis.framing.frames import FRAMES

    pairs = pd.read_csv(PARAGRAPHS, keep_default_na=False)
    assert len(pairs) == 240 and pairs["pair"].is_unique
    assert pairs["label"].value_counts().to_dict() == {frame: 80 for frame in FRAMES}
    for lang in ("en", "es"):
        assert (pairs[lang].str.split().str.len() >= 30).all(), lang  # paragraphs, not sentences
        assert set(pairs[f"{lang}_blind_label"]) <= set(FRAMES)
        # every side was coded by a session other than its writer, and the two sides by different ones
        assert (pairs[f"{lang}_blind_coder"].str.startswith("blind-")).all()
    assert (pairs["en_blind_coder"] != pairs["es_blind_coder"]).all()
    assert pairs["writer"].str.startswith("writer-").all()
    trained = set(codebook_examples()["text"])
    assert not trained & (set(pairs["en"]) | set(pairs["es"]))


@pytest.mark.model
def test_paragraph_pairs_get_the_same_frame_in_both_languages_most_of_the_time():
    pairs = pd.read_csv(PARAGRAPHS, keep_default_na=False)
    model = FramingClassifier.load(DEFAULT_MODEL_DIR)
    embedder = Embedder(show_progress=False)
    en = model.predict(pairs["en"].tolist(), embeddings=embedder.encode(pairs["en"].tolist()))
    es = model.predict(pairs["es"].tolist(), embeddings=embedder.encode(pairs["es"].tolist()))
    gold = pairs["label"].to_numpy()
    # measured 77% same label, accuracy 67% (English) and 63% (Spanish): a floor, not the target
    assert np.mean(en == es) >= 0.7
    assert np.mean(en == gold) >= 0.6 and np.mean(es == gold) >= 0.55
