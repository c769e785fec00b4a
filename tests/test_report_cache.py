"""analysis.report.cache: the one stage cache (fingerprint -> reuse or build, save, record)."""

from __future__ import annotations

import json
import warnings

import pandas as pd

from analysis.report.cache import StageCache, fingerprint, inputs_fingerprint, plain_table


def test_a_stage_is_built_once_per_fingerprint_and_recorded(tmp_path):
    cache, calls = StageCache(tmp_path / "state"), []
    out = tmp_path / "out.txt"

    def build():
        calls.append(1)
        out.write_text("result")
        return {"files": [str(out)]}

    def load(record):
        return out.read_text(), record

    value, record = cache.run("demo", "fp-1", build, load, files=lambda r: r.get("files", []))
    assert value == "result" and len(calls) == 1
    assert record["fingerprint"] == "fp-1" and record["files"] == [str(out)] and record["seconds"] >= 0
    assert json.loads((tmp_path / "state" / "demo.json").read_text()) == record
    cache.run("demo", "fp-1", build, load, files=lambda r: r.get("files", []))
    assert len(calls) == 1  # reused
    cache.run("demo", "fp-2", build, load)
    assert len(calls) == 2  # an input or setting changed
    out.unlink()
    cache.run("demo", "fp-2", build, load, files=lambda r: r.get("files", []))
    assert len(calls) == 3  # a saved file went missing
    assert cache.fingerprints("demo", "never-ran") == ["fp-2", None] and cache.record("never-ran") == {}


def test_a_stage_reused_from_the_cache_raises_the_warnings_its_build_raised(tmp_path):
    from analysis.topics import TopicModelWarning

    cache, calls = StageCache(tmp_path / "state"), []

    def build():
        calls.append(1)
        warnings.warn("fell back to k-means", TopicModelWarning)
        warnings.warn("fell back to k-means", TopicModelWarning)  # the same warning is recorded once
        warnings.warn("encoder mismatch", RuntimeWarning)
        warnings.warn("an optional library is missing", ImportWarning)  # silent by default: not kept
        return {}

    for _ in range(3):  # built once, then reused twice: the warnings come every time
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            cache.run("topics", "fp", build, lambda record: record)
        assert [(w.category, str(w.message)) for w in caught] == [
            (TopicModelWarning, "fell back to k-means"), (RuntimeWarning, "encoder mismatch")]
    assert len(calls) == 1
    assert cache.record("topics")["warnings"] == [{"category": "TopicModelWarning", "message": "fell back to k-means"},
                                                  {"category": "RuntimeWarning", "message": "encoder mismatch"}]
    with warnings.catch_warnings(record=True) as caught:  # a filter the user set still applies
        warnings.simplefilter("ignore", RuntimeWarning)
        cache.run("topics", "fp", build, lambda record: record)
    assert [str(w.message) for w in caught] == ["fell back to k-means"]


def test_fingerprints_follow_their_parts_and_the_files():
    assert fingerprint("a", [1, None]) == fingerprint("a", [1, None]) != fingerprint("a", [1, 2])
    assert len(fingerprint("x")) == 16


def test_inputs_fingerprint_sees_a_new_file(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    before = inputs_fingerprint(tmp_path)
    (tmp_path / "b.txt").write_text("two")
    assert inputs_fingerprint(tmp_path) != before
    assert inputs_fingerprint(tmp_path / "a.txt") == inputs_fingerprint(tmp_path / "a.txt")


def test_plain_table_joins_lists_for_csv_and_parquet():
    table = plain_table(pd.DataFrame({"words": [["x", "y"], [], None], "n": [1, 2, 3]}))
    assert table["words"].tolist() == ["x; y", "", ""] and table["n"].tolist() == [1, 2, 3]


def test_every_stage_of_a_run_goes_through_the_cache(tmp_path, seeds_dir):
    from analysis.report import Analysis

    run = Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "out"), show_progress=False)
    corpus = run.load_corpus()
    record = run.stage_record("corpus")
    assert record["fingerprint"] == run.corpus_fingerprint() and record["manifest"] == {"loaded": 5, "skipped": 1}
    again = Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "out"), show_progress=False).load_corpus()
    pd.testing.assert_frame_equal(again.passages, corpus.passages)
    assert run.stage_record("corpus")["seconds"] == record["seconds"]  # reused, not rebuilt


def test_a_stage_does_not_record_the_third_party_notices_the_package_ignores(tmp_path):
    """A build records warnings with "always", which would bring back BERTopic's import-time notice
    that datamapplot is missing whenever a stage is the first to import BERTopic."""
    from analysis._notices import IGNORED_NOTICES

    cache = StageCache(tmp_path / "state")

    def build():
        for notice in IGNORED_NOTICES:  # as the module the notice comes from raises it
            warnings.warn_explicit(notice["message"] + " (as BERTopic says it)", notice["category"],
                                   "_datamap.py", 10, module="bertopic.plotting._datamap")
        warnings.warn_explicit("another notice", UserWarning, "_datamap.py", 11, module="bertopic.plotting._datamap")
        return {}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        cache.run("topics", "fp", build, lambda record: record)
    assert [str(w.message) for w in caught] == ["another notice"]
    assert cache.record("topics")["warnings"] == [{"category": "UserWarning", "message": "another notice"}]
