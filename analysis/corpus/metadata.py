"""Article metadata read from text: date lines, language and the Latin American country covered.

Private helpers of :mod:`analysis.corpus`. Lines that hold nothing but a date (a page's
"Published December 5, 2025") are recognised by a few regular expressions, so that a stray number
in prose is never taken for one; the dates themselves are read by :mod:`.dates` (dateparser, the
day/month order decided per column) and the country by :mod:`.places` (a gazetteer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

import pandas as pd

#: ISO 639-1 codes the language detector chooses between.
LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr", "de", "it")

#: Characters of an article the language detector reads (enough for a stable answer).
LANGUAGE_SAMPLE_CHARS = 1000

_MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12, "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5,
    "junio": 6, "julio": 7, "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10,
    "noviembre": 11, "diciembre": 12,
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|sun"
    r"|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo"
)
_ISO = r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_MDY = rf"(?P<am>{_MONTH})\.?\s+(?P<ad>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ay>\d{{4}})"
_DMY = rf"(?P<bd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:de\s+)?(?P<bm>{_MONTH})\.?,?\s+(?:de\s+|del\s+)?(?P<by>\d{{4}})"
_DATE = rf"(?:{_ISO}|{_MDY}|{_DMY})"
_TIME = r"(?:\s*(?:[,|·•–-]|at|a las)?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?\s?m\.?)?(?:\s*\(?[A-Z]{2,5}\)?)?)"
_PREFIX = r"(?:(?:published|updated|posted|publicado|actualizado|last updated)(?:\s+on)?\s*:?\s*)"

_DATE_RE = re.compile(_DATE, re.IGNORECASE)
_DATE_LINE_RE = re.compile(
    rf"^\s*{_PREFIX}?(?:(?:{_WEEKDAY})\.?,?\s+)?{_DATE}{_TIME}?\s*$", re.IGNORECASE
)


def is_date_line(line: str) -> bool:
    """Whether ``line`` holds nothing but a date (with an optional weekday, time or "Updated")."""
    return len(line) <= 80 and _DATE_LINE_RE.match(line) is not None


def date_in_line(line: str) -> pd.Timestamp | None:
    """The date written on a date-only line, or None when the line is not one."""
    if not is_date_line(line):
        return None
    match = _DATE_LINE_RE.match(line)
    return _timestamp_from_match(match) if match else None


def _timestamp_from_match(match: re.Match[str]) -> pd.Timestamp | None:
    groups = match.groupdict()
    if groups.get("iy"):
        year, month, day = groups["iy"], groups["im"], groups["id"]
    elif groups.get("ay"):
        year, month, day = groups["ay"], _MONTHS[groups["am"].lower()], groups["ad"]
    else:
        year, month, day = groups["by"], _MONTHS[groups["bm"].lower()], groups["bd"]
    try:
        return pd.Timestamp(date(int(year), int(month), int(day)))
    except ValueError:
        return None


def parse_date(value: object) -> pd.Timestamp | None:
    """Parse one date written unambiguously (a filter bound, a header line, an HTML page's date).

    Parameters
    ----------
    value : str, datetime, date, pandas.Timestamp or None
        Free text such as "December 5, 2025", "5 de diciembre de 2025", "2025-12-05T10:00Z".

    Returns
    -------
    pandas.Timestamp or None
        A timezone-naive timestamp; None when unknown, or when a numeric date could be read day
        or month first (see :func:`analysis.corpus.dates.read_date`).
    """
    from .dates import read_date

    return read_date(value).date


def domain_of(url: str) -> str:
    """The host name of ``url`` without "www." ("" when there is none)."""
    if not url or "." not in url:
        return ""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.removeprefix("www.")


# --- language -------------------------------------------------------------------------------


#: Names and three-letter codes of :data:`LANGUAGES` a table may give (folded: lower case, no accents).
_LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "ingles": "en", "eng": "en", "spanish": "es", "espanol": "es", "castellano": "es",
    "spa": "es", "portuguese": "pt", "portugues": "pt", "por": "pt", "french": "fr", "frances": "fr",
    "francais": "fr", "fra": "fr", "fre": "fr", "german": "de", "aleman": "de", "deutsch": "de", "deu": "de",
    "ger": "de", "italian": "it", "italiano": "it", "ita": "it",
}


def language_code(value: str) -> str:
    """The code in :data:`LANGUAGES` of a language as a table cell gives it, "" when it names none.

    Accepts the code itself, a regional tag ("es-MX", "en_US"), a three-letter code ("spa") or the
    language's English or own name ("Spanish", "Español").
    """
    from .places import _fold  # lower case, accents stripped

    text = _fold((value or "").strip())
    head = re.split(r"[-_]", text, maxsplit=1)[0]
    if head in LANGUAGES:
        return head
    return _LANGUAGE_NAMES.get(text, "")


@lru_cache(maxsize=1)
def _language_detector():
    """The lingua detector for :data:`LANGUAGES`, built once per process."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect_languages(texts: Sequence[str]) -> list[str]:
    """ISO 639-1 code of each text's language, "" when undetermined.

    Parameters
    ----------
    texts : sequence of str, length n_articles

    Returns
    -------
    list of str, length n_articles
        Codes from :data:`LANGUAGES`.
    """
    if not texts:
        return []
    samples = [text[:LANGUAGE_SAMPLE_CHARS] for text in texts]
    found = _language_detector().detect_languages_in_parallel_of(samples)
    return ["" if lang is None else lang.iso_code_639_1.name.lower() for lang in found]


# --- country --------------------------------------------------------------------------------


def main_country(text: str, *, title: str = "", place: str = "", home: str = "") -> str:
    """The country an article is about, from a gazetteer weighted toward the dateline and the lead.

    ``home`` is the ISO code of the outlet's country (:func:`analysis.corpus.places.home_country`
    of its address), whose towns are read as home. See :func:`analysis.corpus.places.main_country`.
    """
    from .places import main_country as from_gazetteer

    return from_gazetteer(text, title=title, place=place, home=home)
