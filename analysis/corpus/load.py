"""Load a corpus of news articles: read, clean, deduplicate and split into passages.

The first stage of the analysis (corpus -> vectorize -> topics/framing -> figures)::

    from analysis.corpus import load_corpus
    corpus = load_corpus("seeds")
    corpus.passages          # what the models read
    print(corpus.summary())

``path`` is one file or a folder read recursively; the format comes from the extension:
.txt/.md (one article a file, the sub-folder kept as ``collection``), .html/.htm (main text
by trafilatura, offline) and .csv/.tsv/.jsonl/.parquet (one article a row). Every input file
or row ends in :attr:`Corpus.manifest` as loaded, duplicate or skipped, with a reason. Article
ids are file paths without the extension (with it when two files differ only by it) and, for a
table, its id column, unique per file: when another file uses the same ids the file id joins
them ("outlet_b:1"); an ``id_column`` the user names is global.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd
from .._progress import progress_bar as tqdm

from .clean import Cleaned, clean_documents
from .dedupe import find_duplicates
from .dates import resolve_dates
from .memo import IngestMemo, text_key
from .metadata import LANGUAGE_SAMPLE_CHARS, LANGUAGES, detect_languages, language_code, main_country, parse_date
from .passages import passage_spans
from .places import COVERED_COUNTRIES, country_code, country_name, home_country
from .readers import (
    HTML_SUFFIXES,
    TABLE_SUFFIXES,
    CorpusError,
    InputFile,
    RawDoc,
    find_inputs,
    read_html_file,
    read_text_file,
)
from .tables import Header, read_table

__all__ = ["Corpus", "CorpusError", "load_corpus", "ARTICLE_COLUMNS", "PASSAGE_COLUMNS", "MANIFEST_COLUMNS"]

DateLike = str | date | pd.Timestamp | None

#: Column -> dtype of :attr:`Corpus.articles`.
ARTICLE_COLUMNS: dict[str, str] = {
    "article_id": "str", "title": "str", "date": "datetime64[ns]", "source": "str", "url": "str",
    "author": "str", "site": "str", "language": "str", "collection": "str", "country": "str", "country_given": "str",
    "text": "str", "n_words": "int64", "status": "str", "duplicate_of": "str", "input": "str",
}
#: Column -> dtype of :attr:`Corpus.passages`.
PASSAGE_COLUMNS: dict[str, str] = {
    "passage_id": "str", "article_id": "str", "order": "int64", "text": "str", "start": "int64",
    "end": "int64", "n_words": "int64",
}
#: Column -> dtype of :attr:`Corpus.manifest`.
MANIFEST_COLUMNS: dict[str, str] = {"input": "str", "article_id": "str", "status": "str", "reason": "str",
                                    "date_note": "str"}

_FILES = {"articles": "articles.parquet", "passages": "passages.parquet", "manifest": "manifest.csv"}
#: Inputs from which work shows a progress bar (when ``show_progress``).
_PROGRESS_MIN = 200

_Item = TypeVar("_Item")


class Corpus:
    """Articles, their passages and an account of every input.

    Attributes
    ----------
    articles : DataFrame of shape (n_articles, 15)
        One row per loaded or duplicate article, columns :data:`ARTICLE_COLUMNS`.
    passages : DataFrame of shape (n_passages, 7)
        Passages of the articles whose status is "loaded", columns :data:`PASSAGE_COLUMNS`;
        ``articles.text[start:end] == passages.text``.
    manifest : DataFrame of shape (n_inputs, 4)
        One row per input file or table row: input, article_id, status, reason.
    """

    def __init__(self, articles: pd.DataFrame, passages: pd.DataFrame, manifest: pd.DataFrame,
                 columns: dict[str, dict[str, str]] | None = None) -> None:
        self.articles = articles
        self.passages = passages
        self.manifest = manifest
        self.columns = columns or {}  # table file -> role -> column read (see column_summary)

    def __repr__(self) -> str:
        counts = self.manifest["status"].value_counts()
        return (
            f"Corpus({counts.get('loaded', 0)} loaded, {counts.get('duplicate', 0)} duplicate, "
            f"{counts.get('skipped', 0)} skipped; {len(self.passages)} passages)"
        )

    def summary(self) -> str:
        """A few lines for people: counts by status, source, language, collection, dates, passages."""
        from .summary import corpus_summary

        return corpus_summary(self.articles, self.passages, self.manifest)

    def column_summary(self) -> str:
        """Which column of each table file was read as text, title, date, source, id (one line a file)."""
        from .summary import column_summary

        return column_summary(self.columns)

    def save(self, out_dir: str | Path) -> Path:
        """Write articles.parquet, passages.parquet and manifest.csv into ``out_dir`` (created)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.articles.to_parquet(out / _FILES["articles"], index=False)
        self.passages.to_parquet(out / _FILES["passages"], index=False)
        self.manifest.to_csv(out / _FILES["manifest"], index=False)
        return out

    @classmethod
    def load(cls, out_dir: str | Path) -> Corpus:
        """Read a corpus written by :meth:`save`."""
        folder = Path(out_dir)
        missing = [name for name in _FILES.values() if not (folder / name).is_file()]
        if missing:
            raise CorpusError(
                f"no saved corpus in '{folder}' (missing {', '.join(missing)}); "
                "write one with load_corpus(...).save(out_dir)"
            )
        manifest = pd.read_csv(folder / _FILES["manifest"], dtype=str, keep_default_na=False)
        if "date_note" not in manifest:  # saved before dates were noted
            manifest["date_note"] = ""
        return cls(
            _typed(pd.read_parquet(folder / _FILES["articles"]), ARTICLE_COLUMNS),
            _typed(pd.read_parquet(folder / _FILES["passages"]), PASSAGE_COLUMNS),
            _typed(manifest, MANIFEST_COLUMNS),
        )


@dataclass(frozen=True)
class _Options:
    columns: dict[str, str | int | None]
    header: Header
    min_words: int
    max_words: int
    drop_duplicates: bool
    language: str | None
    date_from: pd.Timestamp | None
    date_to: pd.Timestamp | None
    show_progress: bool
    dayfirst: bool | None = None


def load_corpus(
    path: str | Path,
    *,
    text_column: str | int | None = None,
    title_column: str | int | None = None,
    date_column: str | int | None = None,
    source_column: str | int | None = None,
    url_column: str | int | None = None,
    id_column: str | int | None = None,
    country_column: str | int | None = None,
    language_column: str | int | None = None,
    header: Header = "auto",
    min_passage_words: int = 8,
    max_passage_words: int = 180,
    drop_duplicates: bool = True,
    language: str | None = None,
    date_from: DateLike = None,
    date_to: DateLike = None,
    dayfirst: bool | None = None,
    show_progress: bool = True,
    memo: str | Path | None = None,
) -> Corpus:
    """Read every article under ``path``, clean it, flag duplicates and cut passages.

    Parameters
    ----------
    path : str or Path
        A folder (read recursively) or one file.
    text_column, title_column, date_column, source_column, url_column, id_column : str or int, optional
        Table columns for each field; by default found by common names (text/body/content/
        article/description, title/headline, date/published/published_at, source/outlet/
        publisher, url/link, id). Columns of a header-less CSV are numbered from 0.
    country_column, language_column : str or int, optional
        Table columns giving each article's country and language (by default a column named
        country/pais or language/lang/idioma). A language given there ("es", "Spanish",
        "es-MX") is the article's and is not detected. A country ("MX", "México", "Colombia") is
        kept as ``country_given``; ``country``, the country the article is about, is still read
        from the text, with a given covered country taken as the outlet's own (its towns are read
        as home, as for an address ending ``.com.mx``), since a table's country is often the
        outlet's rather than the story's. Group by either (``group_by="country_given"``). A cell
        that names no supported language or no country is noted in the manifest and ignored.
    header : True, False or "auto"
        Whether CSV/TSV files start with a header row; "auto" decides from the first row. A
        header-less file such as ag_news (class, title, description) is mapped by content: the
        longest column is the text, the next the title and a column of few values the
        ``collection`` (named from a ``classes.txt`` beside the file when there is one).
    min_passage_words, max_passage_words : int
        Passage bounds; shorter articles are skipped as "too short".
    drop_duplicates : bool
        Flag exact and near (Jaccard >= 0.8) copies as "duplicate"; they get no passages.
    language : str, optional
        Keep only articles in this language (ISO 639-1: en, es, pt, fr, de, it).
    date_from, date_to : str or date, optional
        Keep only articles dated within these days (inclusive); undated articles are kept.
    dayfirst : bool, optional
        Whether numeric dates such as 05/07/2004 put the day first. By default each column
        decides (a first field above 12 means day first), then its articles' language (es, pt,
        fr, de, it: day first); dates left ambiguous are undated, with a ``date_note`` in the
        manifest (see :mod:`analysis.corpus.dates`).
    show_progress : bool
        Show progress bars when there are more than a few hundred inputs.
    memo : str or Path, optional
        A file (``.npz``, created) that keeps each article's language, country and
        near-duplicate signature between runs, keyed by its content and the code's version
        (:mod:`analysis.corpus.memo`). A rerun after adding articles then does that work for
        the new ones only; the corpus is the same as without it. The report keeps one in its
        state folder.

    Returns
    -------
    Corpus

    Raises
    ------
    CorpusError
        For a missing path, a folder without readable files, bad options, or when no article is
        left after cleaning and filtering. A file that cannot be read (a table without a text
        column, a bad file name, a broken link, ...) is a ``skipped`` row of the manifest instead.
    """
    options = _validate(
        dict(text=text_column, title=title_column, date=date_column, source=source_column,
             url=url_column, id=id_column, country=country_column, language=language_column),
        header, min_passage_words, max_passage_words, drop_duplicates, language, date_from, date_to,
        show_progress,
    )
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise CorpusError(f"dayfirst={dayfirst!r} must be True, False or None")
    options = replace(options, dayfirst=dayfirst)
    inputs = find_inputs(Path(path))
    docs = _mark_repeated_ids(_scope_ids(_read_inputs(inputs, options)))
    readable = [doc for doc in docs if not doc.skip_reason]
    cleaned = clean_documents(readable, _progress(range(len(readable)), options, "cleaning"))
    store = IngestMemo(memo)
    articles = _article_rows(readable, cleaned, options.dayfirst, store)
    _apply_filters(articles, options)
    _mark_duplicates(articles, options.drop_duplicates, store)
    corpus = _assemble(docs, readable, articles, options)
    store.save()
    return corpus


def _validate(columns: dict[str, str | int | None], header: object, min_words: object, max_words: object,
              drop_duplicates: object, language: object, date_from: DateLike, date_to: DateLike,
              show_progress: object) -> _Options:
    """Check every option once, with messages that say how to fix them."""
    if header not in (True, False, "auto"):
        raise CorpusError(f"header={header!r} is not allowed; use True, False or 'auto'")
    for name, value in (("min_passage_words", min_words), ("max_passage_words", max_words)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CorpusError(f"{name}={value!r} must be a positive whole number of words")
    if max_words < 2 * min_words:
        raise CorpusError(
            f"max_passage_words={max_words} must be at least twice min_passage_words={min_words}, "
            "so that long paragraphs can be split into pieces within the bounds"
        )
    if language is not None and (not isinstance(language, str) or language.lower() not in LANGUAGES):
        raise CorpusError(f"language={language!r} is not supported; use one of {', '.join(LANGUAGES)} or None")
    start, end = _day(date_from, "date_from"), _day(date_to, "date_to")
    if start is not None and end is not None and start > end:
        raise CorpusError(f"date_from {start:%Y-%m-%d} is after date_to {end:%Y-%m-%d}; swap them")
    for name, choice in columns.items():
        if choice is not None and not isinstance(choice, (str, int)):
            raise CorpusError(f"{name}_column={choice!r} must be a column name or a column number")
    return _Options(columns, header, min_words, max_words, bool(drop_duplicates),
                    language.lower() if isinstance(language, str) else None, start, end, bool(show_progress))


def _day(value: DateLike, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise CorpusError(f"{name}={value!r} is not a date; write it as 'YYYY-MM-DD'")
    return parsed.normalize()


def _progress(items: Sequence[_Item], options: _Options, what: str) -> Iterable[_Item]:
    """``items`` wrapped in a tqdm bar when progress is wanted and there are many of them."""
    disable = not options.show_progress or len(items) < _PROGRESS_MIN
    return tqdm(items, desc=what, unit="doc", disable=disable)


def _read_inputs(inputs: list[InputFile], options: _Options) -> list[RawDoc]:
    docs: list[RawDoc] = []
    for item in _progress(inputs, options, "reading"):
        suffix = item.path.suffix.lower()
        if item.skip_reason:
            docs.append(RawDoc(item.label, item.article_id, item.collection, "text",
                               skip_reason=item.skip_reason))
        elif suffix in TABLE_SUFFIXES:
            docs.extend(read_table(item, options.columns, options.header))
        elif suffix in HTML_SUFFIXES:
            docs.append(read_html_file(item))
        else:
            docs.append(read_text_file(item))
    return docs


def _scope_ids(docs: list[RawDoc]) -> list[RawDoc]:
    """Ids are unique per file: a file whose detected id column shares ids with another file has
    the file id join its row ids ("outlet_b:1"); an id column the user names is global."""
    files: dict[str, set[str]] = {}
    for doc in docs:
        files.setdefault(doc.article_id, set()).add(doc.file)
    clashing = {doc.file for doc in docs if doc.id_scope and len(files[doc.article_id]) > 1}
    for doc in docs:
        if doc.id_scope and doc.file in clashing:
            doc.article_id = f"{doc.id_scope}:{doc.article_id}"
    return docs


def _mark_repeated_ids(docs: list[RawDoc]) -> list[RawDoc]:
    """Skip later inputs that reuse an article id (a table's id column with repeats)."""
    first: dict[str, str] = {}
    for doc in docs:
        if doc.skip_reason:
            continue
        if doc.article_id in first:
            doc.skip_reason = f"duplicate id '{doc.article_id}' (already used by {first[doc.article_id]})"
        else:
            first[doc.article_id] = doc.input
    return docs


def _article_rows(docs: list[RawDoc], cleaned: list[Cleaned], dayfirst: bool | None = None,
                  memo: IngestMemo | None = None) -> pd.DataFrame:
    memo = memo if memo is not None else IngestMemo()
    texts = [c.text for c in cleaned]
    given_languages, given_countries = _given_metadata(docs)
    # a language the table gives is the article's; the others are detected
    languages = list(given_languages)
    todo = [i for i, lang in enumerate(given_languages) if not lang]
    samples = [texts[i][:LANGUAGE_SAMPLE_CHARS] for i in todo]  # all the detector reads
    detected = memo.lookup("language", [text_key(sample) for sample in samples],
                           lambda missing: detect_languages([samples[j] for j in missing]))
    for i, lang in zip(todo, detected, strict=True):
        languages[i] = lang
    # the outlet's country (from its address, else the table's country of a covered country) is
    # part of the key: it changes how towns are read
    homes = [home_country(doc.url) or (code if code in COVERED_COUNTRIES else "")
             for doc, code in zip(docs, given_countries)]
    countries = memo.lookup("country", [text_key(c.text, c.title, c.place, home) for c, home in zip(cleaned, homes)],
                            lambda missing: [main_country(cleaned[i].text, title=cleaned[i].title,
                                                          place=cleaned[i].place, home=homes[i]) for i in missing])
    dates = resolve_dates([c.date for c in cleaned], [_date_column(doc) for doc in docs], languages, dayfirst)
    rows = [
        {
            "article_id": doc.article_id, "title": c.title, "date": when.date, "source": c.source,
            "url": doc.url, "author": c.author, "site": doc.site, "language": lang,
            "collection": doc.collection, "country": country, "country_given": country_name(code) if code else "",
            "text": c.text, "n_words": len(c.text.split()), "status": "loaded", "duplicate_of": "",
            "input": doc.input,
        }
        for doc, c, lang, country, code, when in zip(docs, cleaned, languages, countries, given_countries, dates)
    ]
    frame = _typed(pd.DataFrame(rows, columns=list(ARTICLE_COLUMNS)), ARTICLE_COLUMNS)
    frame["reason"] = ""
    frame["date_note"] = [when.note for when in dates]
    return frame


def _given_metadata(docs: list[RawDoc]) -> tuple[list[str], list[str]]:
    """Each article's language code and country code from its table's cells ("" where none).

    A cell that names no supported language or no country is noted in the manifest (the article
    is kept, and its language detected or its country read from the text as when no cell is given).
    """
    languages, countries = [], []
    for doc in docs:
        lang, code = language_code(doc.language), country_code(doc.country)
        notes = [doc.note] if doc.note else []
        if doc.language.strip() and not lang:
            notes.append(f"language {doc.language.strip()!r} is not one of {', '.join(LANGUAGES)} "
                         "(give an ISO 639-1 code or the language's name); detected from the text")
        if doc.country.strip() and not code:
            notes.append(f"country {doc.country.strip()!r} is not a country name or ISO 3166 code; "
                         "country_given left empty")
        doc.note = "; ".join(notes)
        languages.append(lang)
        countries.append(code)
    return languages, countries


def _date_column(doc: RawDoc) -> str:
    """The column a date comes from: its table file, or one column for all text and HTML files."""
    return doc.file if doc.kind == "table" else doc.kind


def _apply_filters(articles: pd.DataFrame, options: _Options) -> None:
    """Write a skip reason for articles that are empty, too short, or outside the filters."""
    articles["reason"] = [_filter_reason(row, options) for row in articles.itertuples(index=False)]
    articles.loc[articles["reason"] != "", "status"] = "skipped"


def _filter_reason(row: tuple, options: _Options) -> str:
    if not row.text:
        return "no text after cleaning"
    if row.n_words < options.min_words:
        return f"too short ({row.n_words} words, fewer than min_passage_words={options.min_words})"
    if options.language and row.language != options.language:
        return f"language {row.language or 'undetermined'}"
    if pd.notna(row.date):
        day = row.date.normalize()
        if options.date_from is not None and day < options.date_from:
            return f"date {day:%Y-%m-%d} before date_from {options.date_from:%Y-%m-%d}"
        if options.date_to is not None and day > options.date_to:
            return f"date {day:%Y-%m-%d} after date_to {options.date_to:%Y-%m-%d}"
    return ""


def _mark_duplicates(articles: pd.DataFrame, enabled: bool, memo: IngestMemo | None = None) -> None:
    """Flag exact and near copies among the kept articles, pointing at the first copy."""
    if not enabled:
        return
    kept = articles.index[articles["status"] == "loaded"]
    originals = find_duplicates(articles.loc[kept, "text"].tolist(), memo=memo)
    for position, original in enumerate(originals):
        if original is not None:
            row, first = kept[position], kept[original]
            articles.loc[row, "status"] = "duplicate"
            articles.loc[row, "duplicate_of"] = articles.loc[first, "article_id"]
            articles.loc[row, "reason"] = f"duplicate of {articles.loc[first, 'article_id']}"


def _assemble(docs: list[RawDoc], readable: list[RawDoc], articles: pd.DataFrame, options: _Options) -> Corpus:
    outcome = {doc.input: (row.status, row.reason, row.date_note) for doc, row in zip(readable, articles.itertuples())}
    manifest_rows = [
        {"input": doc.input, "article_id": doc.article_id,
         "status": outcome[doc.input][0] if not doc.skip_reason else "skipped",
         "reason": (outcome[doc.input][1] or doc.note) if not doc.skip_reason else doc.skip_reason,
         "date_note": outcome[doc.input][2] if not doc.skip_reason else ""}
        for doc in docs
    ]
    manifest = _typed(pd.DataFrame(manifest_rows, columns=list(MANIFEST_COLUMNS)), MANIFEST_COLUMNS)
    kept = articles[articles["status"] != "skipped"].drop(columns=["reason", "date_note"]).reset_index(drop=True)
    if not (kept["status"] == "loaded").any():
        raise CorpusError(_empty_message(manifest))
    passages = _passages(kept[kept["status"] == "loaded"], options)
    columns = {doc.file: doc.columns for doc in docs if doc.columns}
    return Corpus(kept, passages, manifest, columns)


def _empty_message(manifest: pd.DataFrame) -> str:
    skipped = manifest[manifest["status"] == "skipped"]
    reasons = Counter(reason.split(" (")[0] for reason in skipped["reason"])
    common = ", ".join(f"{reason} ({count})" for reason, count in reasons.most_common(3))
    first = f"; first: {skipped['input'].iloc[0]}: {skipped['reason'].iloc[0]}" if len(skipped) else ""
    return (
        f"no articles left after cleaning: {len(skipped)} of {len(manifest)} inputs were skipped "
        f"(commonest reasons: {common or 'none'}); see the manifest reasons, or relax "
        f"language=, date_from=/date_to= or min_passage_words={first}"
    )


def _passages(articles: pd.DataFrame, options: _Options) -> pd.DataFrame:
    rows = []
    pairs = list(zip(articles["article_id"], articles["text"]))
    for article_id, text in _progress(pairs, options, "passages"):
        for order, (start, end) in enumerate(passage_spans(text, options.min_words, options.max_words), start=1):
            piece = text[start:end]
            rows.append({"passage_id": f"{article_id}#{order:03d}", "article_id": article_id, "order": order,
                         "text": piece, "start": start, "end": end, "n_words": len(piece.split())})
    return _typed(pd.DataFrame(rows, columns=list(PASSAGE_COLUMNS)), PASSAGE_COLUMNS)


def _typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """``frame`` with exactly the columns of ``schema``, in order, with their dtypes."""
    out = pd.DataFrame(index=frame.index)
    for column, dtype in schema.items():
        values = frame[column]
        if dtype == "str":
            out[column] = values.fillna("").astype(str)
        elif dtype.startswith("datetime"):
            out[column] = pd.to_datetime(values).astype(dtype)
        else:
            out[column] = values.astype(dtype)
    return out
