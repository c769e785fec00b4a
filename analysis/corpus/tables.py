"""Reading articles from tables: .csv, .tsv, .jsonl and .parquet, one article per row.

Private helpers of :mod:`analysis.corpus`. Columns are mapped to the roles text, title, date,
source, url, id and collection, either as the user names them or by common column names;
header-less CSV files (such as ag_news: class, title, description) are mapped by content.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .metadata import domain_of
from .readers import CorpusError, InputFile, RawDoc, decode_bytes, label_names, warn_if_large

Header = bool | Literal["auto"]
ROLES = ("text", "title", "date", "source", "url", "id", "author", "collection", "country", "language")

#: Column names recognised for each role, best first (compared lower-case, "_" for spaces).
_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "article_text", "full_text", "maintext", "story",
             "description", "summary"),
    "title": ("title", "headline", "heading"),
    "date": ("date", "published", "published_at", "publish_date", "pubdate", "date_published",
             "datetime", "timestamp", "time"),
    "source": ("source", "outlet", "publisher", "source_name", "media", "newspaper", "site"),
    "url": ("url", "link", "href", "permalink", "source_url"),
    "id": ("id", "article_id", "doc_id", "docid", "uid", "guid"),
    "author": ("author", "authors", "byline", "writer"),
    "collection": ("collection", "category", "class", "label", "section", "topic"),
    "country": ("country", "pais", "país", "country_code", "country_name"),
    "language": ("language", "lang", "idioma", "language_code"),
}
_ALL_ALIASES = {alias for aliases in _ALIASES.values() for alias in aliases}
_SAMPLE_ROWS = 200
_MAX_CLASS_VALUES = 20
_FIELD_SIZE_LIMIT = 50_000_000
#: A table with this column holds passages (annotations, model output), not articles.
_PASSAGE_ID_COLUMN = "passage_id"


@dataclass
class Table:
    """Rows of one table file: column names, good rows by number, and unreadable rows."""

    columns: list[str]
    headerless: bool
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    #: What was changed to read the file (duplicate column names renamed, ...), for the manifest.
    notes: list[str] = field(default_factory=list)


def read_table(item: InputFile, columns: dict[str, str | int | None], header: Header) -> list[RawDoc]:
    """Read every row of a table file as a :class:`RawDoc` (unreadable rows carry a skip reason).

    Parameters
    ----------
    item : InputFile
    columns : dict
        Role ("text", "title", ...) -> column name (or position for a header-less CSV); None
        lets the role be detected.
    header : True, False or "auto"
        Whether a CSV/TSV starts with a header row; "auto" decides from the first row.

    Raises
    ------
    CorpusError
        When no text column can be found or a named column is missing.
    """
    table, reason = _load(item, header)
    if table is not None and _PASSAGE_ID_COLUMN in {_normal_name(name) for name in table.columns}:
        table, reason = None, f"passage table, not articles (it has a {_PASSAGE_ID_COLUMN} column)"
    if table is None:
        return [_file_doc(item, reason)]
    try:
        mapping = _map_columns(table, columns, item)
    except CorpusError as error:  # this file only: the others are still read
        return [_file_doc(item, getattr(error, "reason", str(error)))]
    labels = _class_labels(item, table, mapping.get("collection"))
    scope = item.article_id if "id" in mapping and columns.get("id") is None else ""
    docs = [_row_doc(item, number, row, mapping, labels, scope) for number, row in table.rows]
    for doc in docs:
        doc.columns = mapping
    docs += [
        RawDoc(f"{item.label}:{number}", f"{item.article_id}:{number}", item.collection, "table", skip_reason=why,
               file=item.label)
        for number, why in table.bad_rows
    ]
    if not docs:
        return [_file_doc(item, "table has no rows")]
    if table.notes:
        note = "; ".join(table.notes)
        warnings.warn(f"{item.label}: {note}", stacklevel=3)
        for doc in docs:
            doc.note = "; ".join(filter(None, [note, doc.note]))
    return sorted(docs, key=lambda doc: _row_number(doc.input))


def _file_doc(item: InputFile, reason: str) -> RawDoc:
    return RawDoc(item.label, item.article_id, item.collection, "table", skip_reason=reason)


def _row_number(input_name: str) -> int:
    return int(input_name.rsplit(":", 1)[1])


# --- loading --------------------------------------------------------------------------------


def _load(item: InputFile, header: Header) -> tuple[Table | None, str]:
    suffix = item.path.suffix.lower()
    warn_if_large(item.path, item.label)
    if suffix == ".parquet":
        return _load_parquet(item)
    try:
        data = item.path.read_bytes()
    except OSError as error:
        return None, f"unreadable file ({error.strerror or error})"
    text, reason = decode_bytes(data)
    if text is None:
        return None, reason
    if suffix == ".jsonl":
        return _load_jsonl(text), ""
    return _load_delimited(text, "\t" if suffix == ".tsv" else ",", header), ""


def _load_parquet(item: InputFile) -> tuple[Table | None, str]:
    import pyarrow.parquet as pq

    try:
        data = pq.ParquetFile(item.path).read()  # keeps repeated column names, unlike pandas
    except Exception as error:  # pyarrow raises several error types on bad files
        return None, f"unreadable Parquet file ({type(error).__name__})"
    table = Table([], headerless=False)
    table.columns = _unique_names([str(c) for c in data.column_names], table.notes)
    values = [data.column(i).to_pylist() for i in range(data.num_columns)]
    for number, row in enumerate(zip(*values), start=1):
        table.rows.append((number, dict(zip(table.columns, row))))
    return table, ""


def _load_jsonl(text: str) -> Table:
    table = Table([], headerless=False)
    seen: dict[str, None] = {}
    renamed: set[str] = set()

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        names = _unique_names([str(k) for k, _ in items], [])
        renamed.update(name for name, (key, _) in zip(names, items) if name != str(key))
        return dict(zip(names, (value for _, value in items)))

    records: list[tuple[int, object]] = []
    if text.lstrip().startswith("["):  # a JSON array written to a .jsonl file: one record per element
        try:
            array = json.loads(text, object_pairs_hook=pairs)
        except json.JSONDecodeError:
            array = None
        if isinstance(array, list):
            table.notes.append("a JSON array, not JSON lines: read one article per element")
            records = list(enumerate(array, start=1))
    if not records:
        for number, line in enumerate((line for line in text.split("\n") if line.strip()), start=1):
            try:
                records.append((number, json.loads(line, object_pairs_hook=pairs)))
            except json.JSONDecodeError as error:
                table.bad_rows.append((number, f"unreadable JSON line ({error.msg})"))
    if renamed:
        table.notes.append(f"repeated keys renamed {', '.join(sorted(renamed))}")
    for number, record in records:
        if not isinstance(record, dict):
            table.bad_rows.append((number, "unreadable JSON line (not an object)"))
            continue
        seen.update(dict.fromkeys(str(k) for k in record))
        table.rows.append((number, {str(k): v for k, v in record.items()}))
    table.columns = list(seen)
    return table


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _load_delimited(text: str, delimiter: str, header: Header) -> Table:
    with _csv_field_limit(_FIELD_SIZE_LIMIT):
        records = _parse_records(text, delimiter)
    good = [fields for _, fields in records if fields is not None]
    if not good:
        bad = [(number, why) for number, (why, _) in enumerate(records, start=1)]
        return Table([], headerless=header is False, bad_rows=bad)
    has_header = _first_row_is_header(good[0]) if header == "auto" else bool(header)
    if has_header:
        first = next(i for i, (_, fields) in enumerate(records) if fields is not None)
        notes: list[str] = []
        names = _column_names(records[first][1], notes)
        records = records[:first] + records[first + 1:]
    else:
        notes = []
        names = [str(i) for i in range(max(len(fields) for fields in good))]
    table = Table(names, headerless=not has_header, notes=notes)
    records = _reparse_broken(records, text, delimiter, len(names))
    for number, (where, fields) in enumerate(records, start=1):
        if fields is None:
            table.bad_rows.append((number, f"unreadable CSV row ({where})"))
        elif len(fields) != len(names):
            table.bad_rows.append(
                (number, f"unreadable CSV row ({where}: {len(fields)} fields, expected {len(names)})")
            )
        else:
            table.rows.append((number, dict(zip(names, fields))))
    return table


def _reparse_broken(records: list[tuple[str, list[str] | None]], text: str, delimiter: str,
                    width: int) -> list[tuple[str, list[str] | None]]:
    """Read a bad record that spans several lines (a stray quote) again, line by line, so that
    the rows it swallowed are recovered and only the broken line is lost."""
    lines = text.split("\n")
    out: list[tuple[str, list[str] | None]] = []
    for where, fields in records:
        span = re.fullmatch(r"lines (\d+)-(\d+)", where)
        if fields is None or len(fields) == width or span is None:
            out.append((where, fields))
            continue
        for number in range(int(span[1]), int(span[2]) + 1):
            line = lines[number - 1]
            if line.strip():
                out.append((f"line {number}", _parse_line(line, delimiter)))
    return out


def _parse_line(line: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=False), None)
    except csv.Error:
        return None


def _parse_records(text: str, delimiter: str) -> list[tuple[str, list[str] | None]]:
    """Split delimited text into records: (physical lines, fields), fields None when unreadable."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
    records: list[tuple[str, list[str] | None]] = []
    last_line = 0
    while True:
        try:
            fields: list[str] | None = next(reader)
            problem = ""
        except StopIteration:
            break
        except csv.Error as error:
            fields, problem = None, f": {error}"
        first, last_line = last_line + 1, reader.line_num
        where = f"lines {first}-{last_line}" if last_line > first else f"line {last_line}"
        if fields is None or any(value.strip() for value in fields):
            records.append((where + problem, fields))
    return records


def _first_row_is_header(fields: list[str]) -> bool:
    """Whether a CSV's first row names columns (short, distinct labels) rather than holds data."""
    names = [value.strip() for value in fields]
    if any(_normal_name(name) in _ALL_ALIASES for name in names):
        return True
    looks_like_labels = all(
        name and len(name) <= 30 and len(name.split()) <= 3 and not re.fullmatch(r"[\d.,:/ -]+", name)
        for name in names
    )
    return looks_like_labels and len(set(names)) == len(names)


def _column_names(fields: list[str], notes: list[str] | None = None) -> list[str]:
    return _unique_names([value.strip() or f"column_{i}" for i, value in enumerate(fields)],
                         notes if notes is not None else [])


def _unique_names(names: list[str], notes: list[str]) -> list[str]:
    """Column names made unique: a repeated name gets ``_2``, ``_3`` ..., reported in ``notes``."""
    out: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate in out:
            n += 1
            candidate = f"{name}_{n}"
        if candidate != name:
            notes.append(f"duplicate column '{name}' renamed '{candidate}' (the first '{name}' is read)")
        out.append(candidate)
    return out


def _normal_name(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


# --- column mapping -------------------------------------------------------------------------


def _map_columns(table: Table, chosen: dict[str, str | int | None], item: InputFile) -> dict[str, str]:
    """Role -> column name, from the user's choices, then column names, then content."""
    mapping: dict[str, str] = {}
    for role, choice in chosen.items():
        if choice is not None:
            mapping[role] = _check_column(table, role, choice, item)
    if table.headerless:
        _map_by_content(table, mapping)
    else:
        _map_by_name(table, mapping)
    if "text" not in mapping:
        raise _column_error(
            f"no text column (columns: {', '.join(table.columns) or 'none'}); "
            "pass text_column=... to name the column that holds the article text")
    return mapping


def _column_error(reason: str) -> CorpusError:
    """The error of a table whose columns do not fit; ``reason`` is what its manifest row says."""
    error = CorpusError(reason)
    error.reason = reason  # type: ignore[attr-defined]
    return error


def _check_column(table: Table, role: str, choice: str | int, item: InputFile) -> str:
    name = str(choice)
    if name in table.columns:
        return name
    raise _column_error(
        f"{role}_column={choice!r} is not a column (columns: {', '.join(table.columns) or 'none'}"
        + ("; a header-less file's columns are numbered from 0)" if table.headerless else ")")
    )


def _map_by_name(table: Table, mapping: dict[str, str]) -> None:
    by_normal = {_normal_name(name): name for name in table.columns}
    for role in ROLES:
        if role in mapping:
            continue
        taken = set(mapping.values())
        for alias in _ALIASES[role]:
            name = by_normal.get(alias)
            if name is not None and name not in taken:
                mapping[role] = name
                break


def _map_by_content(table: Table, mapping: dict[str, str]) -> None:
    """Header-less table: the longest column is the text, the next the title, a few-valued one the class."""
    sample = [row for _, row in table.rows[:_SAMPLE_ROWS]]
    if not sample:
        return
    free = [name for name in table.columns if name not in mapping.values()]
    lengths = {name: sum(len(str(row[name])) for row in sample) / len(sample) for name in free}
    classes = [name for name in free if _looks_like_class([str(row[name]).strip() for row in sample])]
    wordy = sorted(
        (name for name in free if name not in classes and lengths[name] >= 12),
        key=lambda name: -lengths[name],
    )
    if "text" not in mapping and wordy:
        mapping["text"] = wordy.pop(0)
    if "title" not in mapping and wordy:
        mapping["title"] = wordy.pop(0)
    if "collection" not in mapping and classes:
        mapping["collection"] = classes[0]


def _looks_like_class(values: list[str]) -> bool:
    """Short labels that repeat (few distinct values), and not dates."""
    distinct = set(values)
    if not 1 < len(distinct) <= _MAX_CLASS_VALUES or len(distinct) == len(values):
        return False
    return all(len(v) <= 30 and len(v.split()) <= 3 and not re.search(r"\d{4}|\d/\d", v) for v in distinct)


def _class_labels(item: InputFile, table: Table, column: str | None) -> dict[str, str]:
    """Class number -> name from a classes.txt beside the table, when the numbers fit it."""
    if column is None or item.path.suffix.lower() not in (".csv", ".tsv"):
        return {}
    names = label_names(item.path)
    numbers = {str(row[column]).strip() for _, row in table.rows}
    mapping = {str(i): name for i, name in enumerate(names, start=1)}
    return mapping if numbers and numbers <= mapping.keys() else {}


# --- rows -----------------------------------------------------------------------------------


def _row_doc(item: InputFile, number: int, row: dict[str, object], mapping: dict[str, str],
             labels: dict[str, str], scope: str = "") -> RawDoc:
    notes: list[str] = []
    odd: list[str] = []

    def cell(role: str) -> str:
        if role not in mapping:
            return ""
        value, what = cell_text(row.get(mapping[role]), paragraphs=role in ("text", "title"))
        if what == "unreadable":
            odd.append(f"{mapping[role]} cell holds {type(row.get(mapping[role])).__name__}, not text")
        elif what:
            notes.append(f"{mapping[role]} cell held {what}")
        return value

    title, text, url = cell("title"), cell("text"), cell("url")
    collection = cell("collection")
    row_id = cell("id")
    doc = RawDoc(
        input=f"{item.label}:{number}",
        article_id=row_id or f"{item.article_id}:{number}",
        collection=labels.get(collection, collection) if "collection" in mapping else item.collection,
        kind="table",
        text=join_title(title, text),
        title=title,
        date=row.get(mapping["date"]) if "date" in mapping else None,
        source=cell("source") or domain_of(url),
        url=url,
        author=cell("author"),
        site=domain_of(url),
        country=cell("country"),
        language=cell("language"),
        note="; ".join(notes),
        file=item.label,
        id_scope=scope if row_id else "",
    )
    if not text:
        doc.skip_reason = odd[0] if odd and odd[0].startswith(mapping["text"]) else "empty text"
    return doc


def cell_text(value: object, *, paragraphs: bool = False) -> tuple[str, str]:
    """A table cell as plain text, and what it held when that was not text.

    Returns ``(text, what)``: ``what`` is "" for text and numbers, "bytes (decoded)" or "a list
    (joined)" when those were turned into text, "unreadable" (with text "") for anything else
    (a mapping, undecodable bytes).
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        decoded, _ = decode_bytes(bytes(value))
        return (clean_cell(decoded), "bytes (decoded)") if decoded is not None else ("", "unreadable")
    if isinstance(value, (list, tuple, np.ndarray)):
        parts = [cell_text(part, paragraphs=paragraphs) for part in list(value)]
        if any(what == "unreadable" for _, what in parts):
            return "", "unreadable"
        joined = ("\n\n" if paragraphs else "; ").join(text for text, _ in parts if text)
        return joined, "a list (joined)"
    if isinstance(value, (dict, set)):
        return "", "unreadable"
    return clean_cell(value), ""


_ENTITY_RE = re.compile(r"(?<![&\w])#(\d{2,4});|(?<![&\w])(quot|amp|lt|gt|nbsp);")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]{0,300}>")
_BACKSLASH_RE = re.compile(r"\s*\\+\s*")


def clean_cell(value: object) -> str:
    """A table cell as plain text: HTML entities (also ag_news' "#39;") decoded, tags dropped,
    backslash line-break escapes turned into spaces."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    text = _ENTITY_RE.sub(_entity, text)
    text = html.unescape(text)
    text = _TAG_RE.sub(" ", text)
    text = _BACKSLASH_RE.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _entity(match: re.Match[str]) -> str:
    if match.group(2):
        return f"&{match.group(2)};"
    code = int(match.group(1))
    if 128 <= code < 160:  # cp1252 code points written as numeric entities (#151; for an em dash)
        return bytes([code]).decode("cp1252", errors="replace")
    return chr(code) if code < 0x110000 else match.group(0)


def join_title(title: str, text: str) -> str:
    """Title and text as one passage-ready text ("Title. Text"), unless the text already starts with it."""
    if not title or text.startswith(title):
        return text
    if not text:
        return title
    return f"{title} {text}" if title[-1] in ".!?…" else f"{title}. {text}"
