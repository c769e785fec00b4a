"""Publication dates: table cells, header lines and datelines, with the day/month order decided once.

Private helpers of :mod:`analysis.corpus`. A date such as ``05/07/2004`` is 5 July in Latin
America and Europe and 7 May in the United States, so the order is never decided per cell:
:func:`resolve_dates` decides it for a whole column (one table file, or all the text files of a
corpus), in this order:

1. an explicit ``dayfirst`` (``-p dayfirst true``);
2. the column itself: any first field above 12 (``21/06/2004``) means day first, any second
   field above 12 means month first;
3. the language of the column's articles: Spanish, Portuguese, French, German and Italian
   write the day first.

A date that stays ambiguous, or that cannot be read, is left undated and a note says why; the
note reaches the manifest's ``date_note`` column. Written-out dates ("14 de marzo de 2025",
"5 de março de 2024", "March 3, 2021") are read by ``dateparser``, offline, with its languages
fixed (no locale detection) and relative dates ("yesterday") refused; each distinct string is
parsed once.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

import pandas as pd

__all__ = ["DATE_LANGUAGES", "DAY_FIRST_LANGUAGES", "DateReading", "column_order", "find_dateline",
           "read_date", "resolve_dates"]

#: Languages whose month names and words dateparser reads, in the order it tries them.
DATE_LANGUAGES: tuple[str, ...] = ("es", "en", "pt", "fr", "de", "it")
#: Languages whose writers put the day first in numeric dates.
DAY_FIRST_LANGUAGES = frozenset({"es", "pt", "fr", "de", "it"})

Order = Literal["day", "month", "mixed"] | None

_ISO_RE = re.compile(
    r"^\s*(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_NUMERIC_RE = re.compile(
    r"^\s*(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)(?:\s*(?P<ampm>[ap])\.?\s?m\.?)?)?\s*$",
    re.IGNORECASE,
)
#: "Culiacán, 14 de marzo de 2025." or "CULIACÁN, Sin., 14 de marzo de 2025.- La Fiscalía ..."
_WORD = r"[A-ZÁÉÍÓÚÑÜÇ][\w'’.-]*"
_DATELINE_RE = re.compile(
    rf"^\s*(?P<place>{_WORD}(?:\s+(?:de|del|la|las|los|el|do|da|{_WORD})){{0,4}})"
    rf"(?:\s*,\s*(?P<region>{_WORD}(?:\s+{_WORD}){{0,2}}))?\s*[,.]\s*(?:\([^)]{{1,30}}\)\s*)?"
    r"(?P<date>(?:\w+\s*,?\s+)?\d{1,2}\s+(?:de\s+)?\w+\.?,?\s+(?:de\s+|del\s+)?\d{4}"
    r"|\w+\.?\s+\d{1,2},?\s+\d{4})"
    r"(?P<end>\s*(?:[.,:;]|[.,]?\s*[-–—]+|\(\w+\))?)",
)
#: Words around a written date that dateparser does not read: "Publicado el", "1º", "10:30 hrs".
_LEADING_WORDS_RE = re.compile(
    r"^(?:publicad[oa]|actualizad[oa]|published|updated|posted|last updated)(?:\s+(?:el|on|em|a las))?\s*:?\s*",
    re.IGNORECASE)
_ORDINAL_RE = re.compile(r"\b(\d{1,2})\s*(?:\.?º|°|\.?ª|er|ro)(?=[\s,]|$)", re.IGNORECASE)
_TRAILING_RE = re.compile(r"\s*(?:hrs?|horas)\.?\s*$", re.IGNORECASE)
_SEPARATOR_RE = re.compile(r"\s+[-–—|]\s+")
_DATELINE_LINES = 3
_EXPLICIT = "the dayfirst setting"
_DATE_TEXT_MAX = 80


@dataclass(frozen=True)
class DateReading:
    """A date read from a value, and a note when it was not read plainly ("" otherwise)."""

    date: pd.Timestamp | None
    note: str = ""


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()


def _naive(stamp: pd.Timestamp) -> pd.Timestamp | None:
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def _numeric_fields(value: object) -> tuple[int, int] | None:
    if not isinstance(value, str):
        return None
    match = _NUMERIC_RE.match(value)
    return (int(match["a"]), int(match["b"])) if match else None


def column_order(values: Sequence[object]) -> Order:
    """The day/month order a column of dates shows by itself.

    Returns
    -------
    "day" when some numeric date has a first field above 12 (and none a second), "month" for the
    reverse, "mixed" when both occur, None when every numeric date is ambiguous (or there is none).
    """
    day = month = False
    for value in values:
        fields = _numeric_fields(value)
        if fields is None:
            continue
        day |= fields[0] > 12
        month |= fields[1] > 12
    if day and month:
        return "mixed"
    return "day" if day else "month" if month else None


@lru_cache(maxsize=4)
def _parser(dayfirst: bool):
    """A dateparser parser with fixed languages, absolute dates only, day, month and year required."""
    from dateparser.date import DateDataParser

    settings = {"DATE_ORDER": "DMY" if dayfirst else "MDY", "RETURN_AS_TIMEZONE_AWARE": False,
                "TO_TIMEZONE": "UTC", "REQUIRE_PARTS": ["day", "month", "year"],
                "PARSERS": ["custom-formats", "absolute-time"], "PREFER_DATES_FROM": "past"}
    return DateDataParser(languages=list(DATE_LANGUAGES), settings=settings, try_previous_locales=False,
                          use_given_order=True)


@lru_cache(maxsize=65536)
def _parse_words(text: str, dayfirst: bool) -> pd.Timestamp | None:
    """A written-out date parsed by dateparser (cached per distinct string)."""
    if len(text) > _DATE_TEXT_MAX or not re.search(r"\d", text):
        return None
    text = _LEADING_WORDS_RE.sub("", text)
    text = _SEPARATOR_RE.sub(" ", _TRAILING_RE.sub("", _ORDINAL_RE.sub(r"\1", text)))
    try:
        found = _parser(dayfirst).get_date_data(text).date_obj
    except (ValueError, TypeError, OverflowError):  # dateparser raises on some odd inputs
        return None
    return None if found is None else pd.Timestamp(found)


def _from_parts(year: int, month: int, day: int, time: str | None = None, ampm: str | None = None) -> pd.Timestamp | None:
    try:
        stamp = pd.Timestamp(date(year, month, day))
    except ValueError:
        return None
    if time:
        hours, minutes, *rest = (int(float(part)) for part in time.split(":"))
        if ampm and ampm.lower() == "p" and hours < 12:
            hours += 12
        if ampm and ampm.lower() == "a" and hours == 12:
            hours = 0
        if hours > 23 or minutes > 59:
            return stamp
        stamp += pd.Timedelta(hours=hours, minutes=minutes, seconds=rest[0] if rest else 0)
    return stamp


def read_date(value: object, dayfirst: bool | None = None, *, why: str = "") -> DateReading:
    """Read one date.

    Parameters
    ----------
    value : str, datetime, date, pandas.Timestamp or None
        "2025-12-05T10:00Z", "05/07/2004", "14 de marzo de 2025", "March 3, 2021", ...
    dayfirst : bool or None
        The order of a numeric date whose two first fields are both 12 or less; None leaves
        such a date undated, with a note.
    why : str
        How ``dayfirst`` was decided; noted when it settles an ambiguous date.

    Returns
    -------
    DateReading
        ``date`` is a timezone-naive timestamp, None when unknown (an ISO text gives the day as
        written; a datetime in a zone is converted to UTC);
        ``note`` says why a date is missing or how an ambiguous one was read.
    """
    if _blank(value):
        return DateReading(None)
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return DateReading(_naive(pd.Timestamp(value)))
    text = " ".join(str(value).split())
    iso = _ISO_RE.match(text)
    if iso:
        stamp = _from_parts(int(iso["y"]), int(iso["m"]), int(iso["d"]))  # the day as written, time dropped
        return DateReading(stamp) if stamp is not None else DateReading(None, f"'{text}' is not a calendar date")
    numeric = _NUMERIC_RE.match(text)
    if numeric:
        return _read_numeric(numeric, text, dayfirst, why)
    stamp = _parse_words(text, True if dayfirst is None else dayfirst)
    if stamp is None:
        return DateReading(None, f"date '{text}' not understood; left undated")
    return DateReading(stamp)


def _read_numeric(match: re.Match[str], text: str, dayfirst: bool | None, why: str) -> DateReading:
    a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
    if len(match["y"]) == 2:
        year += 2000 if year < 70 else 1900
    note = ""
    if a > 12 and b > 12:
        return DateReading(None, f"date '{text}' is not a calendar date; left undated")
    if a > 12 or b > 12:
        first = a > 12
        if dayfirst is not None and first != dayfirst:
            note = f"'{text}' read {'day' if first else 'month'} first, against {why or 'dayfirst'}"
    elif a == b:
        first = True
    elif dayfirst is None:
        return DateReading(None, f"date '{text}' could be day or month first; left undated "
                                 "(set dayfirst true or false)")
    else:
        first = dayfirst
        if why != _EXPLICIT:
            note = f"'{text}' read {'day' if dayfirst else 'month'} first ({why or 'dayfirst'})"
    day, month = (a, b) if first else (b, a)
    stamp = _from_parts(year, month, day, match["time"], match["ampm"])
    if stamp is None:
        return DateReading(None, f"date '{text}' is not a calendar date; left undated")
    return DateReading(stamp, note)


def resolve_dates(values: Sequence[object], columns: Sequence[str], languages: Sequence[str],
                  dayfirst: bool | None = None) -> list[DateReading]:
    """Read the dates of a corpus, deciding the day/month order once per column.

    Parameters
    ----------
    values : sequence, length n_articles
        Raw dates (strings, datetimes or None).
    columns : sequence of str, length n_articles
        Which column each value comes from (a table file, or "" for the text files).
    languages : sequence of str, length n_articles
        Each article's language (ISO 639-1), for columns whose order their dates do not show.
    dayfirst : bool or None
        An explicit order, which overrides the evidence.

    Returns
    -------
    list of DateReading, length n_articles
    """
    members: dict[str, list[int]] = defaultdict(list)
    for i, column in enumerate(columns):
        members[column].append(i)
    readings: list[DateReading] = [DateReading(None)] * len(values)
    for column, rows in members.items():
        order, why = _decide(column, [values[i] for i in rows], [languages[i] for i in rows], dayfirst)
        for i in rows:
            readings[i] = read_date(values[i], order, why=why)
    return readings


def _decide(column: str, values: list[object], languages: list[str], dayfirst: bool | None) -> tuple[bool | None, str]:
    if dayfirst is not None:
        return dayfirst, _EXPLICIT
    shown = column_order(values)
    if shown in ("day", "month"):
        return shown == "day", "the column's other dates"
    spoken = Counter(lang for lang in languages if lang).most_common(1)
    if spoken and spoken[0][0] in DAY_FIRST_LANGUAGES:
        return True, f"articles in '{spoken[0][0]}'"
    return None, ""


def find_dateline(lines: Sequence[str]) -> tuple[str, str] | None:
    """The place and date of a dateline among the first lines of an article.

    "Culiacán, 14 de marzo de 2025." and "CULIACÁN, Sin., 14 de marzo de 2025.- La Fiscalía ..."
    both give ("Culiacán" or "CULIACÁN", "14 de marzo de 2025"). Only the first few non-empty
    lines are read, and only a date dateparser reads counts.

    Returns
    -------
    (place, date_text) or None
    """
    seen = 0
    for line in lines:
        if not line.strip():
            continue
        match = _DATELINE_RE.match(line)
        if match and _parse_words(match["date"], True) is not None:
            rest = line[match.end():]
            if not rest.strip() or match["end"].strip():
                return match["place"].strip(" ."), match["date"]
        seen += 1
        if seen >= _DATELINE_LINES:
            break
    return None
