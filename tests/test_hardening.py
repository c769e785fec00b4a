"""Real-world faults: every input path accounted for once, per-file faults stay per-file, a
forged embedding cache is never served, output folders are safe, user errors are one line."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.corpus import load_corpus
from analysis.corpus import readers

REPO = Path(__file__).resolve().parents[1]

_WORDS = ("cocaine navy port police shipment raid border farmers coca poverty youth gangs corruption court "
          "minister troops mayor village market harbour customs cartel judge prison election budget school "
          "clinic river forest mine gold road bridge truck bank loan reform protest union church radio "
          "newspaper senator governor general soldier marine pilot airport container banana coffee harvest").split()


def _articles(n: int, seed: int) -> list[str]:
    """``n`` distinct made-up articles of 30 words (no two near-duplicates)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(30)).capitalize() + "." for _ in range(n)]


def _csv(rows: list[tuple[str, str]], header: str = "id,text") -> str:
    return header + "\n" + "".join(f'{i},"{t}"\n' for i, t in rows)


@pytest.fixture
def messy(tmp_path):
    """A corpus folder with one of every fault, and the set of paths directly in it."""
    texts = iter(_articles(40, seed=15))
    root = tmp_path / "corpus"
    outside = tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (root / "ok.txt").write_text(next(texts), encoding="utf-8")
    (root / "sub" / "inner.txt").write_text(next(texts), encoding="utf-8")
    (outside / "far1.txt").write_text(next(texts), encoding="utf-8")
    (outside / "far2.txt").write_text(next(texts), encoding="utf-8")
    os.symlink(outside, root / "linked")                   # a linked folder of two articles
    os.symlink(root / "missing.txt", root / "gone.txt")   # a broken link
    os.symlink("..", root / "sub" / "loop")               # a link loop
    os.symlink(root / "ok.txt", root / "alias.txt")       # a link to a file read anyway
    (root / "locked").mkdir()
    (root / "locked" / "secret.txt").write_text(next(texts), encoding="utf-8")
    (root / ".notes.txt").write_text(next(texts), encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: main\n", encoding="utf-8")
    bad_name = os.path.join(os.fsencode(root), b"caf\xe9.txt")
    with open(bad_name, "wb") as fh:
        fh.write(next(texts).encode())
    (root / "a.txt").write_text(next(texts), encoding="utf-8")
    (root / "a.md").write_text(next(texts), encoding="utf-8")
    (root / "outlet_a.csv").write_text(_csv([(i, next(texts)) for i in (1, 2, 3)]), encoding="utf-8")
    (root / "outlet_b.csv").write_text(_csv([(i, next(texts)) for i in (1, 2, 3)]), encoding="utf-8")
    (root / "dup_cols.csv").write_text(
        "text,title,text\n" + "".join(f'"{next(texts)}",Title {i},"{next(texts)}"\n' for i in (1, 2)), encoding="utf-8")
    pd.DataFrame({"text": [next(texts).encode("utf-8"), next(texts).encode("utf-8")],
                  "author": [["Ana Ruiz", "Bo Li"], ["Cy Doe"]]}).to_parquet(root / "cells.parquet")
    (root / "notext.csv").write_text("name,when\nalpha,2024\n", encoding="utf-8")
    (root / "array.jsonl").write_text(f'[{{"text": "{next(texts)}"}},\n {{"text": "{next(texts)}"}}]\n',
                                      encoding="utf-8")
    (root / "utf16.txt").write_bytes(("Ecuador: " + next(texts)).encode("utf-16-le"))
    nul = _csv([(1, next(texts)), (2, next(texts))]).encode()
    (root / "nul.csv").write_bytes(nul[:30] + b"\x00" + nul[30:])
    return root


def _unreadable(monkeypatch, folder: Path) -> None:
    """Make ``folder`` unreadable for the walk (chmod does not stop root)."""
    real = os.scandir

    def scandir(path="."):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(readers.os, "scandir", scandir)


def _path_of(manifest_input: str) -> str:
    name = Path(manifest_input).name
    stem, _, row = name.rpartition(":")
    return str(Path(manifest_input).parent / stem) if row.isdigit() else manifest_input


def test_every_input_path_once_and_no_fault_aborts(messy, monkeypatch):
    _unreadable(monkeypatch, messy / "locked")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = load_corpus(messy, show_progress=False)
    manifest = corpus.manifest
    by_input = manifest.set_index("input")
    # one row per file (a table: one per row), per link, per unreadable or hidden folder
    expected = {"ok.txt", "sub/inner.txt", "linked/far1.txt", "linked/far2.txt", "gone.txt", "sub/loop",
                "alias.txt", "locked", ".notes.txt", ".git", "caf\\xe9.txt", "a.txt", "a.md", "outlet_a.csv",
                "outlet_b.csv", "dup_cols.csv", "cells.parquet", "notext.csv", "array.jsonl", "utf16.txt", "nul.csv"}
    paths = [Path(_path_of(i)).relative_to(messy).as_posix() for i in manifest["input"]]
    assert set(paths) == expected
    assert manifest["input"].is_unique
    reason = {Path(i).relative_to(messy).as_posix(): (s, r) for i, s, r in
              zip(manifest["input"], manifest["status"], manifest["reason"])}
    assert reason["linked/far1.txt"][0] == reason["linked/far2.txt"][0] == "loaded"
    assert reason["gone.txt"] == ("skipped", f"broken link (its target '{messy / 'missing.txt'}' does not exist)")
    assert reason["sub/loop"] == ("skipped", "link loop (it points to a folder that holds it)")
    assert reason["alias.txt"] == ("skipped", "link to 'ok.txt', read there")
    assert reason["locked"] == ("skipped", "unreadable folder (Permission denied)")
    assert reason[".notes.txt"] == ("skipped", "hidden file")
    assert reason[".git"] == ("skipped", "hidden folder (not searched)")
    assert reason["caf\\xe9.txt"] == ("skipped", "file name is not valid UTF-8; rename it to read it")
    assert reason["notext.csv"][0] == "skipped" and reason["notext.csv"][1].startswith("no text column (columns: name, when)")
    # same-stem files and two outlets with ids 1..3 are separate articles
    assert {reason["a.txt"][0], reason["a.md"][0]} == {"loaded"}
    ids = by_input["article_id"]
    assert ids[str(messy / "a.txt")] == "a.txt" and ids[str(messy / "a.md")] == "a.md"
    for outlet in ("outlet_a", "outlet_b"):
        for row in (1, 2, 3):
            assert reason[f"{outlet}.csv:{row}"][0] == "loaded"
            assert ids[f"{messy / outlet}.csv:{row}"] == f"{outlet}:{row}"
    assert corpus.articles["article_id"].is_unique
    # reported, not silently reshaped
    assert reason["dup_cols.csv:1"] == ("loaded", "duplicate column 'text' renamed 'text_2' (the first 'text' is read)")
    texts = corpus.articles.set_index("input")["text"]
    assert not texts.str.contains("b'").any()
    assert reason["cells.parquet:1"] == ("loaded", "text cell held bytes (decoded); author cell held a list (joined)")
    assert corpus.articles.set_index("input").loc[f"{messy / 'cells.parquet'}:1", "author"] == "Ana Ruiz; Bo Li"
    assert reason["array.jsonl:1"][0] == reason["array.jsonl:2"][0] == "loaded"
    assert reason["utf16.txt"][0] == "loaded" and texts[str(messy / "utf16.txt")].startswith("Ecuador:")
    assert reason["nul.csv:1"][0] == reason["nul.csv:2"][0] == "loaded"
    assert not texts.str.contains("\x00").any()


def test_ids_stay_as_given_when_unique_and_global_when_named(tmp_path):
    texts = iter(_articles(8, seed=3))
    (tmp_path / "x.csv").write_text(_csv([(f"x{i}", next(texts)) for i in (1, 2)]), encoding="utf-8")
    (tmp_path / "y.csv").write_text(_csv([(f"y{i}", next(texts)) for i in (1, 2)]), encoding="utf-8")
    corpus = load_corpus(tmp_path, show_progress=False)
    assert sorted(corpus.articles["article_id"]) == ["x1", "x2", "y1", "y2"]
    (tmp_path / "z.csv").write_text(_csv([("x1", next(texts))]), encoding="utf-8")
    named = load_corpus(tmp_path, id_column="id", show_progress=False).manifest.set_index("input")
    assert named.loc[f"{tmp_path / 'z.csv'}:1", "reason"].startswith("duplicate id 'x1'")


def test_large_file_warns_before_reading(tmp_path, monkeypatch):
    (tmp_path / "big.txt").write_text(" ".join(_articles(3, seed=1)), encoding="utf-8")
    monkeypatch.setattr(readers, "LARGE_FILE_BYTES", 100)
    with pytest.warns(UserWarning, match=r"big\.txt' is 0 MB and is read into memory whole; split it"):
        load_corpus(tmp_path, show_progress=False)


# --------------------------------------------------------------------------- a forged embedding cache
def _forge(folder: Path, name: str, **arrays) -> None:
    np.savez(folder / f"{name}.npz", **arrays)


@pytest.mark.model
def test_forged_cache_shards_are_ignored_warned_and_tables_equal_a_clean_run(seeds_dir, tmp_path):
    from analysis.report.pipeline import Analysis
    from analysis.vectorize import EmbeddingCache, Embedder

    clean = Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "clean"), cache_dir=str(tmp_path / "c1"),
                     show_progress=False)
    clean_topics, clean_framing = clean.topics(), clean.framing()
    texts = clean.load_corpus().passages["text"].drop_duplicates().tolist()
    identity = Embedder().identity
    cache = EmbeddingCache(tmp_path / "c2" / "embeddings", identity)
    cache.folder.mkdir(parents=True)
    keys = [EmbeddingCache.key(t) for t in texts]
    rng = np.random.default_rng(0)

    def unit(n: int, dim: int = 512) -> np.ndarray:
        v = rng.standard_normal((n, dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    parts = [keys[0:10], keys[10:20], keys[20:30], keys[30:40], keys[40:]]
    wrong_dim, nan, other = unit(10, 3), unit(10), unit(10)
    nan[3, 7] = np.nan
    full = dict(identity=np.asarray(identity))
    _forge(cache.folder, "a_dimension", keys=np.asarray(parts[0]), vectors=wrong_dim, dimension=np.asarray(3),
           checksum=np.asarray(EmbeddingCache.checksum(identity, parts[0], wrong_dim)), **full)
    _forge(cache.folder, "b_nan", keys=np.asarray(parts[1]), vectors=nan, dimension=np.asarray(512),
           checksum=np.asarray(EmbeddingCache.checksum(identity, parts[1], nan)), **full)
    _forge(cache.folder, "c_identity", keys=np.asarray(parts[2]), vectors=other, dimension=np.asarray(512),
           identity=np.asarray("use-multilingual-v3@0000000000000000+norm"),
           checksum=np.asarray(EmbeddingCache.checksum("use-multilingual-v3@0000000000000000+norm", parts[2], other)))
    _forge(cache.folder, "d_old_format", keys=np.asarray(parts[3]), vectors=unit(10))
    tampered = unit(len(parts[4]))
    checksum = EmbeddingCache.checksum(identity, parts[4], tampered)
    tampered[0] = tampered[1]
    _forge(cache.folder, "e_checksum", keys=np.asarray(parts[4]), vectors=tampered, dimension=np.asarray(512),
           checksum=np.asarray(checksum), **full)

    forged = Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "forged"), cache_dir=str(tmp_path / "c2"),
                      show_progress=False)
    with pytest.warns(UserWarning) as caught:
        forged_topics, forged_framing = forged.topics(), forged.framing()
    said = "\n".join(str(w.message) for w in caught)
    for name, why in [("a_dimension", "vectors of dimension 3, the model's is 512"),
                      ("b_nan", "vectors that are not finite"), ("c_identity", "made by model 'use-multilingual-v3@0000"),
                      ("d_old_format", "no checksum, dimension, identity: written by an older version"),
                      ("e_checksum", "checksum does not match its contents")]:
        assert f"{name}.npz is not used ({why}" in said
    assert forged.timings["embedded_passages"] == len(texts)
    np.testing.assert_allclose(forged.embeddings(), clean.embeddings(), atol=1e-6)
    for name in ("passage_topics", "topic_info", "topic_words"):
        pd.testing.assert_frame_equal(forged_topics[name], clean_topics[name])
    pd.testing.assert_frame_equal(forged_framing, clean_framing)
    again = EmbeddingCache(tmp_path / "c2" / "embeddings", identity, 512)
    assert all(v is not None for v in again.get(keys))


def test_model_identity_covers_pooling_tokenizer_and_config(tmp_path, monkeypatch):
    from analysis.vectorize import embed

    packaged, identity = embed.resolve_model("all-MiniLM-L6-v2")
    copies = []
    for name in ("same", "tampered"):
        copy = tmp_path / name / "minilm"
        shutil.copytree(packaged, copy, ignore=shutil.ignore_patterns("model.safetensors"))
        os.symlink(Path(packaged) / "model.safetensors", copy / "model.safetensors")
        copies.append(copy)
    pooling = copies[1] / "1_Pooling" / "config.json"
    pooling.write_text(pooling.read_text().replace('"pooling_mode_mean_tokens": true', '"pooling_mode_mean_tokens": false'))
    (copies[0] / "README.md").write_text("notes that change no vector")
    same, tampered = (embed.resolve_model(str(c))[1] for c in copies)
    assert same.startswith("minilm@") and tampered.startswith("minilm@") and same != tampered
    assert same == embed.resolve_model(str(copies[0]))[1]
    monkeypatch.setitem(embed.MINILM_FILES_SHA256, "1_Pooling/config.json", "0" * 64)
    with pytest.raises(embed.ModelError, match=r"1_Pooling/config\.json has SHA-256 .* corrupted or substituted"):
        embed.resolve_model("all-MiniLM-L6-v2")
