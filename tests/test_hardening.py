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
