"""Every table of a run in one Excel workbook, one sheet a table (``tables/tables.xlsx``).

Analysts read results in Excel as often as in pandas. :func:`write_workbook` copies each
``tables/*.parquet`` into a sheet named after the table (cut to Excel's 31 characters), after a
first sheet, ``contents``, that lists every table with its rows and columns. Lists (topic words)
become text joined by "; ", times lose their time zone (Excel has none), characters Excel cannot
store are dropped, and a table longer than a sheet is cut at Excel's row limit and marked so in
``contents``; the Parquet and CSV files stay complete.
"""

from __future__ import annotations

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
    tables_dir = Path(tables_dir)
    files = sorted(tables_dir.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"'{tables_dir}' holds no .parquet tables; run the report first (analysis report)")
    target = Path(target) if target else tables_dir / WORKBOOK_NAME
    names = sheet_names([f.stem for f in files])
    contents = []
    partial = target.with_name(target.name + ".partial")
    with pd.ExcelWriter(partial, engine="openpyxl") as writer:
        pd.DataFrame(columns=["table", "sheet", "rows", "columns", "note"]).to_excel(writer, sheet_name="contents",
                                                                                     index=False)
        for path in files:
            table = pd.read_parquet(path)
            note = ""
            if len(table) > EXCEL_MAX_ROWS:
                note = f"cut to the first {EXCEL_MAX_ROWS:,} rows (Excel's limit); {path.stem}.csv has all {len(table):,}"
                table = table.iloc[:EXCEL_MAX_ROWS]
            _for_excel(table).to_excel(writer, sheet_name=names[path.stem], index=False, freeze_panes=(1, 0))
            contents.append({"table": path.stem, "sheet": names[path.stem], "rows": len(table),
                             "columns": table.shape[1], "note": note})
        pd.DataFrame(contents).to_excel(writer, sheet_name="contents", index=False)
    partial.replace(target)
    return target
