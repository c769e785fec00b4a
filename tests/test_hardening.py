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
@pytest.mark.slow  # two whole runs on seeds: ~30 s
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
                      ("e_checksum", "checksum does not match its contents")]:
        assert f"{name}.npz is not used ({why}" in said
    assert "1 embedding cache shards in" in said and "(written by an older version or not by this tool: no " \
        "identity, dimension or checksum): d_old_format.npz;" in said
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


# --------------------------------------------------------------------------- output folders
def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("where, message", [
    ("root", "is the project folder, whose notebooks it would overwrite"),
    ("notebooks", "is inside the project's notebooks/ folder"),
    ("analysis", "is inside the project's analysis/ folder"),
    ("corpus", "is inside the corpus"),
    ("file", "is a file; pass a folder"),
    ("under_file", "is under the file"),
])
def test_out_is_refused_where_writing_would_harm(tmp_path, capsys, where, message):
    from analysis.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_articles(1, seed=2)[0], encoding="utf-8")
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    out = {"root": REPO, "notebooks": REPO / "notebooks" / "run", "analysis": REPO / "analysis" / "run",
           "corpus": corpus / "results", "file": tmp_path / "afile", "under_file": tmp_path / "afile" / "run"}[where]
    before = sorted(p.name for p in REPO.iterdir())
    assert main(["report", "--corpus", str(corpus), "--out", str(out)]) == 2
    assert message in _one_line_error(capsys)
    assert sorted(p.name for p in REPO.iterdir()) == before and not (corpus / "results").exists()
    if where in ("corpus", "file"):
        assert main(["corpus", str(corpus), "--out", str(out), "--quiet"]) == 2
        assert message in _one_line_error(capsys)


def test_an_unknown_notebook_is_refused(tmp_path, capsys):
    from analysis.cli import main

    assert main(["report", "--corpus", str(REPO / "seeds"), "--out", str(tmp_path / "out"),
                 "--notebook", "99-nope.ipynb"]) == 2
    assert "no notebook named 99-nope.ipynb; choose from 01-corpus.ipynb, 02-topics.ipynb" in _one_line_error(capsys)
    assert not (tmp_path / "out").exists()


def _write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reused_out_loses_the_previous_corpus_products_only(tmp_path, capsys):
    from analysis.report.outputs import Products

    out = tmp_path / "out"
    first = Products(out)
    first.begin("/corpus/a")
    for rel in ("tables/manifest.csv", "tables/topic_info.parquet", "state/corpus.json", "notebooks/01-corpus.ipynb",
                "models/topics/model.json", "topic_sizes.png", "topic_sizes.svg", "report.html", "run.json"):
        _write(out / rel)
    first.finish("/corpus/a")
    os.utime(out / "run.json", (1, 1))  # old enough to be from before the user's files
    mine = [_write(out / "my-notes.txt"), _write(out / "tables" / "mine.xlsx"), _write(out / "draft.png")]
    for path in mine:
        os.utime(path, (1, 1))
    assert Products(out).begin("/corpus/a") == []  # the same corpus: everything is reused
    capsys.readouterr()
    removed = Products(out).begin("/corpus/b")
    said = capsys.readouterr().err
    assert len(removed) == 9 and "removed 9 stale files of the previous run on /corpus/a" in said
    assert "models/topics/model.json, notebooks/01-corpus.ipynb" in said and said.count("\n") == 1
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".analysis-products.json", "draft.png", "my-notes.txt", "tables/mine.xlsx"]
    assert not (out / "models").exists() and not (out / "notebooks").exists()


def test_a_folder_written_before_the_ledger_is_cleared_by_its_run_record(tmp_path, capsys):
    import json

    from analysis.report.outputs import Products

    out = tmp_path / "out"
    _write(out / "run.json", json.dumps({"parameters": {"corpus": "/corpus/old"}}))
    _write(out / "state" / "figures_topics.json", json.dumps({"figures": ["topic_sizes"]}))
    for rel in ("topic_sizes.png", "topic_sizes.pdf", "tables/passages.parquet", "holiday.png"):
        _write(out / rel)
    removed = {p.name for p in Products(out).begin("/corpus/new")}
    assert removed == {"run.json", "figures_topics.json", "topic_sizes.png", "topic_sizes.pdf", "passages.parquet"}
    assert (out / "holiday.png").is_file()


# --------------------------------------------------------------------------- one-line errors
def test_a_full_disk_is_one_line_and_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    import errno

    from analysis.cli import main
    from analysis.corpus import Corpus

    def full(self, out_dir):
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(out_dir) / "articles.parquet"))

    monkeypatch.setattr(Corpus, "save", full)
    args = ["corpus", str(REPO / "seeds"), "--out", str(tmp_path / "out"), "--quiet"]
    assert main(args) == 2
    err = _one_line_error(capsys)
    assert err.startswith("analysis: error: the disk is full (writing '") and "free some space" in err
    with pytest.raises(OSError, match="No space left"):
        main(["--debug", *args])
    with pytest.raises(OSError, match="No space left"):
        main([*args, "--debug"])


def test_a_full_disk_leaves_no_half_written_cache_shard(tmp_path, monkeypatch):
    import errno

    from analysis.vectorize import EmbeddingCache

    cache = EmbeddingCache(tmp_path, "model-x")
    real = np.savez

    def full(file, **arrays):
        real(file, **arrays)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    with pytest.raises(OSError):
        cache.put(["k1"], np.ones((1, 4), dtype=np.float32))
    assert [p.name for p in cache.folder.iterdir()] == ["model.txt"]


def test_a_closed_pipe_is_one_line_without_traceback():
    script = f"{sys.executable} -m analysis.cli corpus {REPO / 'seeds'} --quiet | true; exit ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == ("analysis: error: the output was closed before it was all written (broken pipe); "
                                     "send it to a file to keep all of it")


@pytest.mark.parametrize("output, message", [
    ("folder", "is a folder; name a CSV file"),
    ("missing/predictions.csv", "does not exist; create it or choose another"),
])
def test_framing_predict_output_errors_are_one_line(tmp_path, capsys, output, message):
    from analysis.cli import main

    (tmp_path / "folder").mkdir()
    (tmp_path / "in.csv").write_text("id,text\n1,The navy seized cocaine at the port.\n", encoding="utf-8")
    assert main(["framing", "predict", "--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / output)]) == 2
    assert message in _one_line_error(capsys)


# --------------------------------------------------------------------------- the notebook kernel
def _unshare_works() -> str:
    if shutil.which("unshare") is None:
        return "the unshare command is not installed"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    return "" if probe.returncode == 0 else f"unshare -n does not work here ({probe.stderr.strip() or 'not root'})"


@pytest.mark.notebooks
@pytest.mark.model
@pytest.mark.slow
def test_report_runs_without_network_and_imports_nothing_from_the_current_folder(tmp_path):
    here = tmp_path / "start"
    (here / "analysis").mkdir(parents=True)
    (here / "analysis" / "__init__.py").write_text('raise SystemExit("analysis imported from the current folder")\n')
    why_not = _unshare_works()
    command = [str(Path(sys.executable).with_name("analysis")), "report", "--corpus", str(REPO / "seeds"),
               "--out", str(tmp_path / "out"), "--quiet"]
    result = subprocess.run((["unshare", "-n"] if not why_not else []) + command, cwd=here, capture_output=True,
                            text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(REPO),
                                                         "ANALYSIS_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "imported from the current folder" not in result.stderr
    assert "without encryption" not in result.stderr and (tmp_path / "out" / "report.html").is_file()
    if why_not:
        pytest.skip(f"the report ran with the network: {why_not}")


def test_the_command_reads_the_faulty_corpus_to_the_end(messy, tmp_path, capsys):
    from analysis.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["corpus", str(messy), "--out", str(tmp_path / "tables"), "--quiet"]) == 0
    manifest = pd.read_csv(tmp_path / "tables" / "manifest.csv", dtype=str, keep_default_na=False)
    assert "caf\\xe9.txt" in "\n".join(manifest["input"]) and (manifest["status"] == "loaded").sum() >= 20
