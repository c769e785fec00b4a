"""Tests of analysis.report.workbook: every Parquet table of a run as one sheet of tables.xlsx."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis.report import workbook
from analysis.report.workbook import write_workbook


def _tables(folder):
    folder.mkdir()
    messy = pd.DataFrame({
        "passage_id": ["p1", "p2", "p3"],
        "text": ["plain", "bell\x07 and\x0b vertical tab", None],
        "words": [["cocaine", "port"], [], ["navy"]],
        "p": [0.25, np.nan, 1.0],
        "n": pd.array([3, None, 5], dtype="Int64"),
        "flag": [True, False, True],
        "date": pd.to_datetime(["2026-03-04 10:30", None, "2025-12-05 00:00"]).tz_localize("UTC"),
    })
    messy.to_parquet(folder / "passage_frames.parquet")
    pd.DataFrame({"topic": [0, 1], "label": ["port | cocaine", "navy | strikes"]}).to_parquet(
        folder / "topic_info.parquet")
    return folder


def test_every_table_is_a_sheet_with_its_values_as_pandas_reads_them(tmp_path):
    tables = _tables(tmp_path / "tables")
    path = write_workbook(tables)
    assert path == tables / "tables.xlsx" and not (tables / "tables.xlsx.partial").exists()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["contents", "passage_frames", "topic_info"]
    sheet = book["passage_frames"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("passage_id", "text", "words", "p", "n", "flag", "date")
    assert all(cell.font.b for cell in sheet[1]) and sheet.freeze_panes == "A2"
    assert rows[1] == ("p1", "plain", "cocaine; port", 0.25, 3, True, dt.datetime(2026, 3, 4, 10, 30))
    assert rows[2] == ("p2", "bell and vertical tab", None, None, None, False, None)  # illegal characters dropped
    assert rows[3][:3] == ("p3", None, "navy") and rows[3][6] == dt.datetime(2025, 12, 5)
    streamed = openpyxl.load_workbook(path, read_only=True)  # trusts the size each sheet declares
    assert [(streamed[name].max_row, streamed[name].max_column) for name in streamed.sheetnames] == [
        (3, 5), (4, 7), (3, 2)]
    contents = pd.read_excel(path, sheet_name="contents").fillna("")
    assert contents.to_dict("records") == [
        {"table": "passage_frames", "sheet": "passage_frames", "rows": 3, "columns": 7, "note": ""},
        {"table": "topic_info", "sheet": "topic_info", "rows": 2, "columns": 2, "note": ""}]


def test_a_table_longer_than_a_sheet_is_cut_and_says_so(tmp_path, monkeypatch):
    tables = _tables(tmp_path / "tables")
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 2)
    path = write_workbook(tables)
    assert openpyxl.load_workbook(path)["passage_frames"].max_row == 3  # header and two rows
    note = pd.read_excel(path, sheet_name="contents").set_index("table").loc["passage_frames", "note"]
    assert "first 2 rows" in note and "passage_frames.csv has all 3" in note


def test_a_folder_without_tables_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no .parquet tables"):
        write_workbook(tmp_path)


def test_values_of_every_kind_read_back_as_written(tmp_path):
    """Dates, times, big and odd numbers, markup, spaces, wide and empty tables, as openpyxl reads them."""
    tables = tmp_path / "tables"
    tables.mkdir()
    odd = pd.DataFrame({
        "day": [dt.date(2026, 3, 4), dt.date(1890, 1, 2), None],
        "when": pd.to_datetime(["2026-03-04 10:30:15.250", "2024-02-29 23:59:59.000", None]),
        "big": [2**53 + 1, -7, 0],
        "x": [1 / 3, float("inf"), -0.0],
        "ok": pd.array([True, None, False], dtype="boolean"),
        "text": ["  <b>Tom & Jerry</b>  ", "ñandú “quoted”", "=1+1"],
    })
    odd.to_parquet(tables / "odd.parquet")
    pd.DataFrame({f"c{i}": [i] for i in range(30)}).to_parquet(tables / "wide.parquet")
    pd.DataFrame({"a": pd.Series([], dtype="float64"), "b": pd.Series([], dtype="object")}).to_parquet(
        tables / "a&b empty.parquet")
    book = openpyxl.load_workbook(write_workbook(tables))
    assert book.sheetnames == ["contents", "a&b empty", "odd", "wide"]
    rows = list(book["odd"].iter_rows(values_only=True))
    assert rows[1] == (dt.datetime(2026, 3, 4), dt.datetime(2026, 3, 4, 10, 30, 15, 250000), 2**53 + 1, 1 / 3, True,
                       "  <b>Tom & Jerry</b>  ")
    assert rows[2] == ("1890-01-02", dt.datetime(2024, 2, 29, 23, 59, 59), -7, "inf", None, "ñandú “quoted”")
    assert rows[3] == (None, None, 0, 0.0, False, "=1+1")  # text that looks like a formula stays text
    assert book["odd"]["F4"].data_type == "s"
    wide = list(book["wide"].iter_rows(values_only=True))
    assert wide == [tuple(f"c{i}" for i in range(30)), tuple(range(30))] and book["wide"]["AD2"].value == 29
    assert list(book["a&b empty"].iter_rows(values_only=True)) == [("a", "b")]
    contents = pd.read_excel(tables / "tables.xlsx", sheet_name="contents")
    assert contents["rows"].tolist() == [0, 3, 1] and contents["columns"].tolist() == [2, 6, 30]
