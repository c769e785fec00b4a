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
    cases = {c["case"]: c["label"] for c in book["hard_cases"]}
    assert cases["Calls for more intelligence or technology for the forces."] == "militarization"
    assert cases["Seizure statistics reported as plain facts."] == "neither"
    assert cases["Critiques of force that point to alternatives."] == "root_cause"
    # the clarifications of version 1.1 for real coverage, each with a team-written example
    assert cases["A critique of force (legal, human-rights or effectiveness) that names no non-coercive "
                 "alternative."] == "militarization"
    assert cases["A passage that repudiates the drug war or prohibition as a paradigm."] == "root_cause"
    assert cases["Forced eradication and aerial fumigation."] == "militarization"
    assert cases["Voluntary crop substitution and alternative development."] == "root_cause"
    assert all(c["example"] and c["why"] for c in book["hard_cases"])
    # the adjudication rules of version 1.2: an id, a rule, a label and an example each
    rules = book["adjudication_rules"]
    assert [r["id"] for r in rules] == [f"A{i}" for i in range(1, len(rules) + 1)]
    assert all(r["rule"] and r["example"] and r["label"] in FRAMES for r in rules)
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


def _spans_char_by_char(text):
    """indicator_spans computed the plain way: fold each character, keep where it came from."""
    from analysis.framing.codebook import CODEBOOK_PATH, _fold, _indicator_patterns

    pieces = [_fold(c) for c in text]
    origin = [i for i, piece in enumerate(pieces) for _ in piece]
    folded = "".join(pieces)
    spans = sorted((origin[m.start()], origin[m.end() - 1] + 1, frame)
                   for frame, pattern in _indicator_patterns(str(CODEBOOK_PATH)).items() if pattern is not None
                   for m in pattern.finditer(folded) if m.end() > m.start())
    kept = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def test_indicator_spans_point_at_the_phrases_as_written_also_after_characters_that_fold_to_two():
    from analysis.framing import indicator_spans

    plain = "La MILITARIZACIÓN de las cárceles no resuelve la pobreza; troops raided the port."
    spans = indicator_spans(plain)
    assert [plain[s:e] for s, e, _ in spans][:1] == ["MILITARIZACIÓN"]
    assert {"pobreza"} <= {plain[s:e] for s, e, f in spans if f == "root_cause"}
    # "ﬁ" folds to two characters and a lone combining accent to none: positions still map back
    shifted = "ﬁnal: \u0301 " + plain + " ﬀ corrupción"
    moved = indicator_spans(shifted)
    assert [shifted[s:e] for s, e, _ in moved][: len(spans)] == [plain[s:e] for s, e, _ in spans]
    assert shifted[moved[-1][0]:moved[-1][1]] == "corrupción"
    for text in (plain, shifted, "", "ﬁ", "İstanbul police seized cocaine", "SEÑOR, la extradición"):
        assert indicator_spans(text) == _spans_char_by_char(text)


def test_indicator_matches_asked_twice_answer_alike_and_follow_the_codebook(tmp_path):
    from analysis.framing.codebook import CODEBOOK_PATH

    texts = ["La Marina desplegó tropas y militarizó las cárceles", "Poverty and youth recruitment", "Weather"]
    first = indicator_matches(texts)
    first[0]["militarization"].append("changed by the caller")
    again = indicator_matches(list(texts))  # the same texts in a new list: answered from the last call
    assert again == indicator_matches(texts) and again[0]["militarization"] and "changed by the caller" not in again[0]["militarization"]
    other = tmp_path / "codebook.yaml"  # another codebook, whose militarization indicators are different
    other.write_text(CODEBOOK_PATH.read_text(encoding="utf-8").replace("tropas", "tropasx"), encoding="utf-8")
    assert indicator_matches(texts, other)[0]["militarization"] != again[0]["militarization"]
    assert indicator_matches(texts[:2]) == again[:2]
