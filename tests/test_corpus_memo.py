"""The ingest memo (analysis.corpus.memo): same corpus with or without it, work done once per text."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from analysis.corpus import load as load_module
from analysis.corpus import memo as memo_module
from analysis.corpus import load_corpus
from analysis.corpus.dedupe import find_duplicates
from analysis.corpus.memo import IngestMemo

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
MALFORMED = Path(__file__).resolve().parent / "data" / "malformed"

SPANISH = ("La Armada de Colombia incautó cuatro toneladas de cocaína en una lancha rápida frente a Tumaco. "
           "El gobierno anunció que enviará más tropas a la costa del Pacífico para frenar a los grupos armados "
           "que controlan las rutas del narcotráfico hacia Centroamérica y los puertos de Ecuador.")


def assert_same_corpus(a, b) -> None:
    assert_frame_equal(a.articles, b.articles)
    assert_frame_equal(a.passages, b.passages)
    assert_frame_equal(a.manifest, b.manifest)


@pytest.mark.parametrize("folder", [SEEDS, MALFORMED], ids=["seeds", "malformed"])
def test_memo_gives_the_corpus_loaded_without_it(folder, tmp_path):
    plain = load_corpus(folder, show_progress=False)
    memo = tmp_path / "memo.npz"
    first = load_corpus(folder, show_progress=False, memo=memo)
    assert memo.is_file()
    second = load_corpus(folder, show_progress=False, memo=memo)  # every result from the memo
    assert_same_corpus(plain, first)
    assert_same_corpus(plain, second)


class Counting:
    """Wraps a function and counts the items it was asked about."""

    def __init__(self, function, count=len):
        self.function, self.count, self.items = function, count, 0

    def __call__(self, *args, **kwargs):
        self.items += self.count(args[0]) if self.count is len else 1
        return self.function(*args, **kwargs)


def test_a_rerun_after_adding_an_article_does_the_per_article_work_for_it_only(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    memo = tmp_path / "state" / "memo.npz"
    before = load_corpus(corpus, show_progress=False, memo=memo)
    n_loaded = int((before.articles["status"] == "loaded").sum())
    (corpus / "zz_added.txt").write_text(SPANISH + "\n\nLos analistas dudan de que la medida funcione.\n",
                                         encoding="utf-8")
    languages = Counting(load_module.detect_languages)
    countries = Counting(load_module.main_country, count=None)
    monkeypatch.setattr(load_module, "detect_languages", languages)
    monkeypatch.setattr(load_module, "main_country", countries)
    after = load_corpus(corpus, show_progress=False, memo=memo)
    assert int((after.articles["status"] == "loaded").sum()) == n_loaded + 1
    assert (languages.items, countries.items) == (1, 1)  # the added article only
    added = after.articles.set_index("article_id").loc["zz_added"]
    assert (added["language"], added["country"]) == ("es", "Colombia")
    monkeypatch.undo()
    assert_same_corpus(load_corpus(corpus, show_progress=False), after)


def test_memo_keeps_only_what_the_last_run_used(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    memo = tmp_path / "memo.npz"
    load_corpus(corpus, show_progress=False, memo=memo)
    with np.load(memo) as data:
        n_before = len(data["country_keys"])
    removed = sorted(corpus.glob("*.txt"))[0]
    removed.unlink()
    load_corpus(corpus, show_progress=False, memo=memo)
    with np.load(memo) as data:
        assert len(data["country_keys"]) == n_before - 1
        assert len(data["signature_keys"]) == data["signature_values"].shape[0] < n_before


def test_memo_of_another_code_version_is_not_read(tmp_path, monkeypatch):
    memo = tmp_path / "memo.npz"
    load_corpus(SEEDS, show_progress=False, memo=memo)
    assert "language 5, country 5, signature 5" in repr(IngestMemo(memo))
    monkeypatch.setattr(memo_module, "memo_version", lambda: "another version")
    assert "language 0, country 0, signature 0" in repr(IngestMemo(memo))


def test_unreadable_memo_file_is_ignored(tmp_path):
    memo = tmp_path / "memo.npz"
    memo.write_bytes(b"not a numpy file")
    assert_same_corpus(load_corpus(SEEDS, show_progress=False), load_corpus(SEEDS, show_progress=False, memo=memo))
    assert "language 5" in repr(IngestMemo(memo))  # written again, readable


def test_lookup_computes_each_missing_key_once():
    memo = IngestMemo()
    asked = []

    def compute(missing):
        asked.append(list(missing))
        return [f"v{i}" for i in missing]

    assert memo.lookup("language", ["a", "b", "a"], compute) == ["v0", "v1", "v0"]
    assert memo.lookup("language", ["b", "c"], compute) == ["v1", "v1"]
    assert memo.lookup("language", ["c"], compute) == ["v1"]
    assert asked == [[0, 1], [1]]
    assert (memo.hits["language"], memo.misses["language"]) == (3, 3)


def test_duplicates_are_the_same_with_a_memo_including_copies_of_near_copies():
    base = " ".join(f"word{i}" for i in range(60))
    near = base.replace("word30", "changed")
    texts = [base, "something else entirely with many different words " * 3, near, near, base.upper()]
    plain = find_duplicates(texts)
    assert plain == [None, None, 0, 0, 0]
    memo = IngestMemo()
    assert find_duplicates(texts, memo=memo) == plain
    assert find_duplicates(texts, memo=memo) == plain
    assert memo.hits["signature"] == memo.misses["signature"] == 3  # distinct normalised texts
