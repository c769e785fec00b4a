"""Finding input files, decoding their bytes and reading text, Markdown and HTML articles.

Private helpers of :mod:`analysis.corpus`. Every reader returns :class:`RawDoc` records; a file
that cannot be read becomes a record with a ``skip_reason`` instead of an exception, so that
every input ends in the manifest.
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + TABLE_SUFFIXES

#: File stems that document a corpus rather than belong to it (README.TXT of the BBC corpus).
_DOCUMENTATION_STEMS = {"readme", "license", "licence", "copying", "changelog", "notice", "citation"}
#: A file of class names beside a header-less table (ag_news ships one).
LABEL_FILE_NAME = "classes.txt"

#: Encodings that charset-normalizer may choose between when a file is not UTF-8.
_FALLBACK_ENCODINGS = ["cp1252", "latin_1", "iso8859_15", "mac_roman", "cp1250", "utf_16"]
_BINARY_PROBE_BYTES = 8192
#: A file larger than this is read into memory whole only after a warning.
LARGE_FILE_BYTES = 50 * 1024 * 1024

Kind = Literal["text", "html", "table"]


class CorpusError(ValueError):
    """A corpus input the user can fix: a missing path, a table without a text column, ..."""


CorpusError.__module__ = "analysis.corpus"


@dataclass
class RawDoc:
    """One input article before cleaning (one file, or one row of a table).

    ``skip_reason`` is set when the input could not be read; such a record reaches the
    manifest only.
    """

    input: str
    article_id: str
    collection: str
    kind: Kind
    text: str = ""
    title: str = ""
    date: object = None
    source: str = ""
    url: str = ""
    author: str = ""
    site: str = ""
    #: A table's own country and language cells, as written (read in :func:`.load._article_rows`).
    country: str = ""
    language: str = ""
    skip_reason: str = ""
    #: Something the reader changed or noticed and reports in the manifest (a renamed column, ...).
    note: str = ""
    #: The input file the record comes from (``input`` itself for a text file).
    file: str = ""
    #: For a table row whose id comes from a detected id column: the file's id, which joins the
    #: row id when another file uses the same ids (ids are unique per file, not per corpus).
    id_scope: str = ""
    columns: dict[str, str] | None = None  # a table row: role -> the column it was read from

    def __post_init__(self) -> None:
        if not self.file:
            self.file = self.input


# --- discovery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """A path found under the corpus root, with its article id and collection.

    ``path`` opens the file (it may pass through a followed link); ``label`` is how the path is
    shown in the manifest (``str(path)``, with bytes of a name that is not UTF-8 escaped).
    """

    path: Path
    article_id: str
    collection: str
    skip_reason: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", display_path(self.path))


def display_path(path: Path | str) -> str:
    """``path`` as text that can be written anywhere: bytes that are not UTF-8 shown as ``\\xe9``."""
    return os.fsencode(str(path)).decode("utf-8", errors="backslashreplace")


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def find_inputs(path: Path) -> list[InputFile]:
    """Every path under ``path`` (or ``path`` itself), in sorted order, each exactly once.

    Links are followed once: a link to a file or folder already read, a link loop and a broken
    link are returned with a ``skip_reason``, and so are unreadable folders, hidden files and
    folders (names starting with "."; a hidden folder is one entry, not searched), names that
    are not valid UTF-8, and files the loader does not read (unsupported types, README files,
    class-name files), so that every path reaches the manifest. Files that share a name but for
    the extension (``a.txt`` and ``a.md``) get ids with their extension (``a.txt``, ``a.md``).

    Raises
    ------
    CorpusError
        When ``path`` does not exist or holds no file of a supported type.
    """
    if not path.exists():
        if path.is_symlink():
            raise CorpusError(f"corpus path '{display_path(path)}' is a broken link; point it at a folder or a file")
        raise CorpusError(f"corpus path '{display_path(path)}' does not exist; pass a folder or a file of articles")
    if path.is_file():
        root, found = path.parent, [(path, "")]
    elif not path.is_dir():
        raise CorpusError(f"corpus path '{display_path(path)}' is not a file or a folder")
    else:
        root, found = path, _walk(path)
    inputs = _with_ids([_input_file(p, root, reason) for p, reason in found])
    if not any(not f.skip_reason for f in inputs):
        listed = "/".join(SUPPORTED_SUFFIXES)
        if path.is_file():
            raise CorpusError(f"corpus file '{display_path(path)}' is not an article file: {inputs[0].skip_reason}; "
                              f"pass a {listed} file or a folder of them")
        raise CorpusError(
            f"corpus folder '{display_path(path)}' holds no {listed} files to read"
            + (f" (found {len(inputs)} other files)" if inputs else " (it is empty)")
        )
    return inputs


def corpus_paths(path: Path) -> list[tuple[Path, str]]:
    """``(path, skip reason or "")`` of every entry :func:`find_inputs` would list, without checks."""
    if path.is_file() or not path.is_dir():
        return [(path, "")]
    return _walk(path)


def _walk(root: Path) -> list[tuple[Path, str]]:
    """Entries under ``root`` in sorted order: real folders first, then links followed once."""
    found: list[tuple[Path, str]] = []
    seen: dict[tuple[int, int], Path] = {}
    links: list[tuple[Path, frozenset[tuple[int, int]]]] = []

    def key(stat: os.stat_result) -> tuple[int, int]:
        return stat.st_dev, stat.st_ino

    def walk(folder: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as error:
            found.append((folder, f"unreadable folder ({error.strerror or error})"))
            return
        for entry in entries:
            here = Path(entry.path)
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir(follow_symlinks=False)
                if not _valid_name(entry.name):
                    found.append((here, f"{'folder' if is_dir else 'file'} name is not valid UTF-8; "
                                        "rename it to read it"))
                elif _is_hidden(Path(entry.name)):
                    found.append((here, "hidden folder (not searched)" if is_dir else "hidden file"))
                elif is_link:
                    links.append((here, ancestors))
                elif is_dir:
                    stat = entry.stat(follow_symlinks=False)
                    seen[key(stat)] = here
                    walk(here, ancestors | {key(stat)})
                elif entry.is_file(follow_symlinks=False):
                    seen[key(entry.stat(follow_symlinks=False))] = here
                    found.append((here, ""))
                else:
                    found.append((here, "not a regular file (a pipe, socket or device)"))
            except OSError as error:
                found.append((here, f"unreadable ({error.strerror or error})"))

    walk(root, frozenset({key(root.stat())}))
    while links:
        link, ancestors = links.pop(0)
        try:
            stat = link.stat()
        except FileNotFoundError:
            found.append((link, f"broken link (its target '{display_path(os.readlink(link))}' does not exist)"))
            continue
        except OSError as error:
            found.append((link, f"unusable link ({error.strerror or error})"))
            continue
        if key(stat) in ancestors:
            found.append((link, "link loop (it points to a folder that holds it)"))
        elif key(stat) in seen:
            found.append((link, f"link to '{_relative(seen[key(stat)], root)}', read there"))
        elif link.is_dir():
            seen[key(stat)] = link
            walk(link, ancestors | {key(stat)})
        elif link.is_file():
            seen[key(stat)] = link
            found.append((link, ""))
        else:
            found.append((link, "link to something that is not a file or a folder"))
    return sorted(found, key=lambda item: display_path(_relative(item[0], root)))


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


def _input_file(path: Path, root: Path, reason: str = "") -> InputFile:
    relative = path.relative_to(root)
    article_id = display_path(relative.with_suffix("").as_posix() if relative.suffix else relative.as_posix())
    collection = display_path(relative.parent.as_posix()) if relative.parent != Path(".") else ""
    suffix = path.suffix.lower()
    if reason:
        pass
    elif suffix not in SUPPORTED_SUFFIXES:
        reason = f"unsupported file type '{display_path(path.suffix or path.name)}'"
    elif path.stem.lower() in _DOCUMENTATION_STEMS:
        reason = f"documentation file ({display_path(path.name)})"
    elif path.name.lower() == LABEL_FILE_NAME and _sibling_tables(path):
        reason = f"class names for {_sibling_tables(path)[0].name}"
    return InputFile(path, article_id, collection, reason)


def _with_ids(inputs: list[InputFile]) -> list[InputFile]:
    """Readable files sharing an id (``a.txt`` and ``a.md``) get ids that keep their extension."""
    counts = Counter(item.article_id for item in inputs if not item.skip_reason)
    return [
        replace(item, article_id=f"{item.article_id}{display_path(item.path.suffix)}")
        if not item.skip_reason and counts[item.article_id] > 1 else item
        for item in inputs
    ]


def _sibling_tables(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.suffix.lower() in (".csv", ".tsv"))


def label_names(table_path: Path) -> list[str]:
    """Class names from a ``classes.txt`` beside ``table_path`` (line i names class i), or []."""
    label_file = next((p for p in table_path.parent.iterdir() if p.name.lower() == LABEL_FILE_NAME), None)
    if label_file is None:
        return []
    text, _ = decode_bytes(label_file.read_bytes())
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- decoding -------------------------------------------------------------------------------


def decode_bytes(data: bytes) -> tuple[str | None, str]:
    """Decode file bytes to NFC text, repairing classic UTF-8-read-as-cp1252 mojibake.

    Returns
    -------
    text : str or None
        The decoded text (line ends normalised to "\\n"), None when unreadable.
    reason : str
        Why the bytes could not be decoded ("empty file", "binary file", "undecodable ..."),
        or "" on success.
    """
    if not data.strip():
        return None, "empty file"
    text = _decode_with_bom(data)
    if text is None:
        text = _decode_utf16_without_bom(data)
    if text is None:
        if _looks_binary(data):
            return None, "binary file"
        text = _decode_without_bom(data)
        if text is None:
            return None, "undecodable text (not UTF-8, Windows-1252 or Latin-1)"
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = unicodedata.normalize("NFC", repair_mojibake(text))
    if not text.strip():
        return None, "empty file"
    return text, ""


def _decode_with_bom(data: bytes) -> str | None:
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    return None


def _decode_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: most high bytes of the probe are zero."""
    probe = data[:_BINARY_PROBE_BYTES]
    half = len(probe) // 2
    if half < 2:
        return None
    even, odd = probe[0::2].count(0), probe[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        encoding = "utf-16-le"
    elif even > 0.3 * half and odd < 0.05 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data[: len(data) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    sample = text[:_BINARY_PROBE_BYTES]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\f\r")
    return text if controls <= 0.05 * len(sample) else None


def _looks_binary(data: bytes) -> bool:
    """Many control bytes (a stray NUL in a text file is not enough)."""
    probe = data[:_BINARY_PROBE_BYTES]
    if probe.count(0) > 0.01 * len(probe):
        return True
    controls = len(probe.translate(None, _NOT_CONTROL))  # what is left: the control bytes
    return controls > 0.05 * len(probe)


#: Every byte value but the controls that text does not hold (tab, line feed, form feed and return are text).
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13))


def warn_if_large(path: Path, label: str) -> None:
    """Warn before a file over :data:`LARGE_FILE_BYTES` is read into memory whole."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size > LARGE_FILE_BYTES:
        warnings.warn(f"'{label}' is {size / 1024 ** 2:.0f} MB and is read into memory whole; "
                      "split it into smaller files if memory runs short", stacklevel=3)


def _decode_without_bom(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=_FALLBACK_ENCODINGS))
    if not matches:
        return None
    # Western European text decodes equally well as cp1250 and cp1252: break ties by preference.
    best = min(
        matches,
        key=lambda m: (round(m.chaos, 3), -round(m.coherence, 3), _FALLBACK_ENCODINGS.index(m.encoding)),
    )
    return str(best)


#: cp1252 renderings of UTF-8 lead bytes (0xC2-0xF4) and continuation bytes (0x80-0xBF).
_LEAD = "".join(bytes([b]).decode("cp1252") for b in range(0xC2, 0xF5))
_CONT = "".join(bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xC0)) + "\x81\x8d\x8f\x90\x9d"
_MOJIBAKE_RE = re.compile(f"[{re.escape(_LEAD)}][{re.escape(_CONT)}]{{1,3}}")
_MOJIBAKE_HINT_RE = re.compile("â€|Ã[\u0080-\u00bf\u0152-\u2122]|Â[\u00a0-\u00bf]")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Windows-1252 ("Itâ€™s" -> "It’s", "PerÃº" -> "Perú").

    Only runs of characters that re-encode to one valid UTF-8 character are replaced, so text
    that merely contains "â" or "Ã" is left alone.
    """
    if not _MOJIBAKE_HINT_RE.search(text):
        return text
    return _MOJIBAKE_RE.sub(_repair_run, text)


def _repair_run(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        raw = b"".join(_cp1252_byte(ch) for ch in run)
        fixed = raw.decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return run
    return fixed if len(fixed) == 1 else run


def _cp1252_byte(ch: str) -> bytes:
    return ch.encode("latin-1") if ch in "\x81\x8d\x8f\x90\x9d" else ch.encode("cp1252")


# --- file readers ---------------------------------------------------------------------------


def read_text_file(item: InputFile) -> RawDoc:
    """Read a .txt or .md article; Markdown markup is reduced to plain text."""
    doc = RawDoc(item.label, item.article_id, item.collection, "text")
    text, reason = _read_decoded(item)
    if text is None:
        doc.skip_reason = reason
        return doc
    doc.text = _markdown_to_text(text) if item.path.suffix.lower() == ".md" else text
    _apply_header(doc)
    return doc


def _apply_header(doc: RawDoc) -> None:
    """Move a header block (``Title:``, ``Fecha:``, ``Fuente:``, ``URL:`` lines) into the fields."""
    from .header import split_header
    from .metadata import domain_of

    fields, doc.text = split_header(doc.text)
    doc.title, doc.date, doc.source = fields.get("title", ""), fields.get("date"), fields.get("source", "")
    doc.url, doc.author = fields.get("url", ""), fields.get("author", "")
    doc.site = domain_of(doc.url)


def _read_decoded(item: InputFile) -> tuple[str | None, str]:
    warn_if_large(item.path, item.label)
    try:
        data = item.path.read_bytes()
    except OSError as error:
        return None, f"unreadable file ({error.strerror or error})"
    return decode_bytes(data)


_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MD_FRONT_MATTER_RE = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def _markdown_to_text(text: str) -> str:
    text = _MD_FRONT_MATTER_RE.sub("", text)
    text = _MD_HEADING_RE.sub(r"\1", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    return _MD_EMPHASIS_RE.sub(r"\2", text)


def read_html_file(item: InputFile) -> RawDoc:
    """Read an .html/.htm page with trafilatura (offline): main text, title, date, author, site."""
    doc = RawDoc(item.label, item.article_id, item.collection, "html")
    html, reason = _read_decoded(item)
    if html is None:
        doc.skip_reason = reason
        return doc
    import trafilatura

    try:
        found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    except Exception as error:  # trafilatura raises assorted lxml errors on broken pages
        doc.skip_reason = f"unparseable HTML ({type(error).__name__})"
        return doc
    if hasattr(found, "as_dict"):  # trafilatura 2 returns a Document, 1.x a dict
        found = found.as_dict()
    if not found or not (found.get("text") or "").strip():
        doc.skip_reason = "no main text found in HTML"
        return doc
    doc.text = found["text"]
    doc.title = (found.get("title") or "").strip()
    doc.date = found.get("date")
    doc.author = (found.get("author") or "").strip()
    doc.url = (found.get("url") or "").strip()
    doc.site = (found.get("sitename") or found.get("hostname") or "").strip()
    return doc
