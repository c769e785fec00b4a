"""analysis.corpus.distributed: ingestion over Dask partitions equals load_corpus row for row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus import CorpusError, load_corpus
from analysis.corpus.distributed import load_corpus_dask, partition_inputs

MALFORMED = Path(__file__).resolve().parent / "data" / "malformed"
TAGLINE = "La Voz del Pacífico publishes independent reporting from the coast every single day."
STORIES = [
    "Soldiers searched the port warehouses after a tip about a cocaine shipment hidden in banana crates.",
    "Farmers in the valley said that without roads or credit, coca remains the only crop that pays.",
    "The attorney general announced charges against three customs officers accused of taking bribes.",
    "Fishermen described how speedboats now cross the bay at night while the navy patrols elsewhere.",
    "A regional governor asked for more police, while teachers asked for schools and clinics instead.",
    "Prosecutors traced the money from the shipment through exchange houses in two border towns.",
]


def write_outlet(folder: Path) -> None:
    """Six articles of one outlet sharing a tagline line, an exact and a near copy, another outlet."""
    outlet = folder / "la-voz"
    outlet.mkdir(parents=True)
    for i, story in enumerate(STORIES):
        others = " ".join(STORIES[(i + k) % len(STORIES)] for k in (1, 2))
        body = f"{story} Officials confirmed the details on day {i}.\n\n{others}\n\n{TAGLINE}\n"
        (outlet / f"story_{i}.txt").write_text(f"Headline number {i} about the drug trade\n\n{body}")
    (outlet / "zz_copy.txt").write_text((outlet / "story_0.txt").read_text())
    (outlet / "zz_near.txt").write_text((outlet / "story_1.txt").read_text().replace("on day 1.", "on day 1 again."))
    other = folder / "el-norte"
    other.mkdir()
    (other / "report.txt").write_text("Border report\n\n" + " ".join(STORIES[::-1]) + "\n")


# --------------------------------------------------------------------------- partitions and sample
def test_partitions_are_contiguous_balanced_and_deterministic():
    items = list(range(10))
    blocks = partition_inputs(items, 4)
    assert [x for block in blocks for x in block] == items
    assert sorted(len(b) for b in blocks) == [2, 2, 3, 3]
    assert partition_inputs(items, 4) == blocks
    assert partition_inputs(items[:2], 5) == [[0], [1]]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_partition_count_is_refused(bad):
    with pytest.raises(ValueError, match="npartitions=.* must be a positive whole number"):
        partition_inputs([1, 2], bad)


def assert_same_corpus(path: Path, npartitions: int) -> None:
    import dask

    expected = load_corpus(path, show_progress=False)
    with dask.config.set(scheduler="sync"):
        got = load_corpus_dask(path, npartitions=npartitions).compute()
    for name in ("articles", "passages", "manifest"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_dask_ingestion_equals_load_corpus_across_partitions(tmp_path, npartitions):
    write_outlet(tmp_path)
    assert_same_corpus(tmp_path, npartitions)
    # the corpus-wide steps did something, so the equality above is not trivial
    corpus = load_corpus(tmp_path, show_progress=False)
    assert len(corpus.articles) == 9 and not corpus.articles["text"].str.contains("independent reporting").any()
    assert sorted(corpus.articles.loc[corpus.articles["status"] == "duplicate", "duplicate_of"]) == [
        "la-voz/story_0", "la-voz/story_1"]


@pytest.mark.parametrize("npartitions", [2, 5])
def test_dask_ingestion_equals_load_corpus_on_malformed_inputs(npartitions):
    assert_same_corpus(MALFORMED, npartitions)


def test_dask_ingestion_equals_load_corpus_on_seeds(seeds_dir):
    assert_same_corpus(seeds_dir, 3)


def test_dask_ingestion_fails_like_load_corpus_when_nothing_is_left(tmp_path):
    import dask

    for i in range(3):
        (tmp_path / f"tiny_{i}.txt").write_text(f"Too short {i}.")
    with dask.config.set(scheduler="sync"), pytest.raises(CorpusError, match="no articles left after cleaning"):
        load_corpus_dask(tmp_path, npartitions=2)
