"""Every table of a run in one Excel workbook, one sheet a table (``tables/tables.xlsx``).

Analysts read results in Excel as often as in pandas. :func:`write_workbook` copies each
``tables/*.parquet`` into a sheet named after the table (cut to Excel's 31 characters), after a
first sheet, ``contents``, that lists every table with its rows and columns. Lists (topic words)
become text joined by "; ", times lose their time zone (Excel has none), characters Excel cannot
store are dropped, and a table longer than a sheet is cut at Excel's row limit and marked so in
``contents``; the Parquet and CSV files stay complete. Sheets are streamed row by row (openpyxl's
write-only mode), which is about twice as fast as pandas' ``to_excel`` and holds one row at a time.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["EXCEL_MAX_ROWS", "WORKBOOK_NAME", "sheet_names", "write_workbook"]

WORKBOOK_NAME = "tables.xlsx"
#: Data rows a sheet holds under its header row.
EXCEL_MAX_ROWS = 1_048_575
_MAX_CELL = 32_767


def sheet_names(names: list[str]) -> dict[str, str]:
    """``table name -> sheet name``: at most 31 characters, unique, without ``[]:*?/\\``."""
    out: dict[str, str] = {}
    used = {"contents"}
    for name in names:
        base = "".join("_" if c in '[]:*?/\\' else c for c in name)[:31]
        sheet, i = base, 2
        while sheet.lower() in used:
            suffix = f"~{i}"
            sheet, i = base[: 31 - len(suffix)] + suffix, i + 1
        used.add(sheet.lower())
        out[name] = sheet
    return out


def _cell(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, (list, tuple, np.ndarray)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:_MAX_CELL]
    return value


def _for_excel(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in table.columns:
        series = table[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            table[column] = series.dt.tz_localize(None)
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            table[column] = series.map(_cell)
    return table


def write_workbook(tables_dir: str | Path, target: str | Path | None = None) -> Path:
    """Write every ``tables_dir/*.parquet`` as a sheet of one workbook.

    Parameters
    ----------
    tables_dir : str or Path
        A run's ``tables/`` folder.
    target : str or Path, optional
        The workbook; default ``tables_dir/tables.xlsx``.

    Returns
    -------
    Path of the workbook.

    Raises
    ------
    FileNotFoundError
        When ``tables_dir`` holds no Parquet table.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    tables_dir = Path(tables_dir)
    files = sorted(tables_dir.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"'{tables_dir}' holds no .parquet tables; run the report first (analysis report)")
    target = Path(target) if target else tables_dir / WORKBOOK_NAME
    names = sheet_names([f.stem for f in files])
    book = Workbook(write_only=True)
    header_font = Font(bold=True)

    contents_sheet = book.create_sheet("contents")  # first, filled in once every table is written
    contents = []
    for path in files:
        table = pd.read_parquet(path)
        note = ""
        if len(table) > EXCEL_MAX_ROWS:
            note = f"cut to the first {EXCEL_MAX_ROWS:,} rows (Excel's limit); {path.stem}.csv has all {len(table):,}"
            table = table.iloc[:EXCEL_MAX_ROWS]
        sheet = book.create_sheet(names[path.stem])
        sheet.freeze_panes = "A2"
        _append_rows(sheet, _for_excel(table), header_font)
        contents.append({"table": path.stem, "sheet": names[path.stem], "rows": len(table),
                         "columns": table.shape[1], "note": note})
    _append_rows(contents_sheet, pd.DataFrame(contents, columns=["table", "sheet", "rows", "columns", "note"]),
                 header_font)
    partial = target.with_name(target.name + ".partial")
    book.save(partial)
    partial.replace(target)
    return target


def _plain(value):
    """A cell value as pandas would write it: missing values (None, NaN, NaT, NA) as empty cells."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _append_rows(sheet, table: pd.DataFrame, header_font) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    # a streamed sheet writes its size before its rows, from this hook when present: without it,
    # readers that trust the size (openpyxl's read-only mode, some viewers) see an empty sheet
    corner = f"{get_column_letter(max(1, table.shape[1]))}{len(table) + 1}"
    sheet.calculate_dimension = lambda: f"A1:{corner}"

    names = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=str(column))
        cell.font = header_font
        names.append(cell)
    sheet.append(names)
    for row in table.itertuples(index=False, name=None):
        sheet.append([_plain(v) for v in row])
