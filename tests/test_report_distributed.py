"""analysis.report.distributed: the seeded sample, saved tables, and whole runs on a local cluster of two
worker processes equal to the single-process procedure (ingestion: test_corpus_distributed.py)."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from analysis.report.distributed import sample_passages, save_tables


def test_sample_does_not_depend_on_order_or_partitioning():
    ids = [f"a{i // 7}#{i % 7:03d}" for i in range(200)]
    chosen = sample_passages(ids, 50, random_state=3)
    assert len(chosen) == 50 and chosen <= set(ids)
    shuffled = ids[:]
    random.Random(1).shuffle(shuffled)
    assert sample_passages(shuffled, 50, random_state=3) == chosen
    assert sample_passages(ids, 50, random_state=4) != chosen
    assert sample_passages(ids, None) == set(ids) == sample_passages(ids, 500)


@pytest.mark.parametrize("bad", [1, 0, 2.5, "all"])
def test_bad_sample_size_is_refused(bad):
    with pytest.raises(ValueError, match="sample_size=.* must be a whole number of at least 2"):
        sample_passages([f"p{i}" for i in range(10)], bad)


# --------------------------------------------------------------------------- ingestion
def test_tables_are_saved_as_parquet_csv_and_a_json_record(tmp_path):
    import json

    tables = {"topic_info": pd.DataFrame({"topic": [0, 1], "words": [["coca", "navy"], ["farmers"]]}),
              "passage_topics": pd.DataFrame({"passage_id": ["a#001"], "topic": [1]}), "record": {"n_passages": 1}}
    written = save_tables(tables, tmp_path)
    assert sorted(p.name for p in written) == ["distributed_run.json", "passage_topics.csv", "passage_topics.parquet",
                                               "topic_info.csv", "topic_info.parquet"]
    assert pd.read_parquet(tmp_path / "tables" / "topic_info.parquet")["words"].tolist() == ["coca; navy", "farmers"]
    assert json.loads((tmp_path / "distributed_run.json").read_text()) == {"n_passages": 1}


# --------------------------------------------------------------------------- whole runs on a local cluster
@pytest.fixture(scope="module")
def cluster_client():
    """A LocalCluster of two worker processes (one thread each); skips when it cannot start."""
    distributed = pytest.importorskip("distributed")
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
        client = distributed.Client(cluster)
    except Exception as err:  # pragma: no cover - depends on the machine
        pytest.skip(f"a local Dask cluster could not start: {type(err).__name__}: {err}")
    yield client
    client.close()
    cluster.close()


def assert_same_tables(got: dict, expected: dict) -> None:
    for name in ("articles", "passages", "manifest", "passage_topics", "framing_predictions", "topic_info",
                 "topic_words"):
        pd.testing.assert_frame_equal(got[name], expected[name], obj=name)


@pytest.mark.slow
@pytest.mark.model
def test_dask_run_on_seeds_equals_single_process_and_analysis(cluster_client, seeds_dir, tmp_path):
    from analysis.report.distributed import run_distributed, run_single_process
    from analysis.report.pipeline import Analysis

    cache = tmp_path / "cache" / "embeddings"  # where Analysis(cache_dir=tmp_path / "cache") keeps them
    got = run_distributed(seeds_dir, cluster_client, npartitions=3, cache_dir=cache)
    assert got["record"]["n_passages"] == 63 and got["passage_topics"]["in_sample"].all()
    expected = run_single_process(seeds_dir, cache_dir=cache)
    assert_same_tables(got, expected)
    # the sample holds every passage, so topics and frames are those of the notebooks' Analysis
    run = Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "out"), cache_dir=str(cache.parent),
                   show_progress=False)
    topics = run.topics()["passage_topics"].sort_values("passage_id").reset_index(drop=True)
    assert run.timings["embedded_passages"] == 0
    pd.testing.assert_frame_equal(got["passage_topics"][["passage_id", "topic", "label"]],
                                  topics[["passage_id", "topic", "label"]], check_dtype=False)
    frames = run.framing().sort_values("passage_id").reset_index(drop=True)
    assert got["framing_predictions"]["label"].tolist() == frames["label"].tolist()


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.corpora
def test_dask_run_on_a_tenth_of_bbc_equals_single_process(cluster_client, corpora_dir, tmp_path):
    from analysis.report.distributed import run_distributed, run_single_process

    files = sorted(p for p in (corpora_dir / "bbc").rglob("*.txt") if p.parent != corpora_dir / "bbc")
    random.Random(0).shuffle(files)
    for source in files[: len(files) // 10]:
        target = tmp_path / "bbc" / source.relative_to(corpora_dir / "bbc")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)
    cache = tmp_path / "cache"
    got = run_distributed(tmp_path / "bbc", cluster_client, npartitions=4, cache_dir=cache, sample_size=400)
    expected = run_single_process(tmp_path / "bbc", cache_dir=cache, sample_size=400)
    assert got["record"]["n_sample"] == 400 < got["record"]["n_passages"]
    assert (~got["passage_topics"]["in_sample"]).sum() > 400
    assert_same_tables(got, expected)
