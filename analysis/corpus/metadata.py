"""Article metadata read from text: dates, language and the Latin American country covered.

Private helpers of :mod:`analysis.corpus`. Dates are parsed with a small set of regular
expressions (English and Spanish month names, ISO dates) rather than a general date parser,
so that a stray number in prose is never taken for a date.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

import pandas as pd

#: ISO 639-1 codes the language detector chooses between.
LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr", "de", "it")

#: Characters of an article the language detector reads (enough for a stable answer).
_LANGUAGE_SAMPLE_CHARS = 1000

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
    """Parse a date from a table cell, a header line or an HTML page.

    Parameters
    ----------
    value : str, datetime, date, pandas.Timestamp or None
        Free text such as "December 5, 2025", "5 de diciembre de 2025", "2025-12-05T10:00Z".

    Returns
    -------
    pandas.Timestamp or None
        A timezone-naive timestamp (UTC when the input had a zone); None when unknown.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return _naive(pd.Timestamp(value))
    text = str(value).strip()
    if not text:
        return None
    match = _DATE_LINE_RE.match(text)
    if match:
        return _timestamp_from_match(match)
    try:
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    except (ValueError, TypeError, OverflowError):
        return None
    return _naive(parsed)


def _naive(stamp: pd.Timestamp) -> pd.Timestamp | None:
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def domain_of(url: str) -> str:
    """The host name of ``url`` without "www." ("" when there is none)."""
    if not url or "." not in url:
        return ""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.removeprefix("www.")


# --- language -------------------------------------------------------------------------------


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
    samples = [text[:_LANGUAGE_SAMPLE_CHARS] for text in texts]
    found = _language_detector().detect_languages_in_parallel_of(samples)
    return ["" if lang is None else lang.iso_code_639_1.name.lower() for lang in found]


# --- country --------------------------------------------------------------------------------

#: Country -> names and demonyms in English and Spanish (accents optional, case-insensitive).
_COUNTRY_TERMS: dict[str, tuple[str, ...]] = {
    "Mexico": ("mexico", "mexican", "mexicans", "mexicano", "mexicana", "mexicanos", "mexicanas"),
    "Colombia": ("colombia", "colombian", "colombians", "colombiano", "colombiana", "colombianos", "colombianas"),
    "Ecuador": ("ecuador", "ecuadorian", "ecuadorean", "ecuadorians", "ecuadoreans", "ecuatoriano",
                "ecuatoriana", "ecuatorianos", "ecuatorianas"),
    "Peru": ("peru", "peruvian", "peruvians", "peruano", "peruana", "peruanos", "peruanas"),
    "Bolivia": ("bolivia", "bolivian", "bolivians", "boliviano", "boliviana", "bolivianos", "bolivianas"),
    "Venezuela": ("venezuela", "venezuelan", "venezuelans", "venezolano", "venezolana", "venezolanos",
                  "venezolanas"),
    "Brazil": ("brazil", "brasil", "brazilian", "brazilians", "brasileno", "brasilena", "brasilenos",
               "brasilenas"),
    "Argentina": ("argentina", "argentine", "argentines", "argentinian", "argentinians", "argentino",
                  "argentinos", "argentinas"),
    "Chile": ("chile", "chilean", "chileans", "chileno", "chilena", "chilenos", "chilenas"),
    "Paraguay": ("paraguay", "paraguayan", "paraguayans", "paraguayo", "paraguaya", "paraguayos"),
    "Uruguay": ("uruguay", "uruguayan", "uruguayans", "uruguayo", "uruguaya", "uruguayos"),
    "Guatemala": ("guatemala", "guatemalan", "guatemalans", "guatemalteco", "guatemalteca", "guatemaltecos"),
    "Honduras": ("honduras", "honduran", "hondurans", "hondureno", "hondurena", "hondurenos"),
    "El Salvador": ("el salvador", "salvadoran", "salvadorans", "salvadorean", "salvadoreno", "salvadorena",
                    "salvadorenos"),
    "Nicaragua": ("nicaragua", "nicaraguan", "nicaraguans", "nicaraguense", "nicaraguenses"),
    "Costa Rica": ("costa rica", "costa rican", "costa ricans", "costarricense", "costarricenses"),
    "Panama": ("panama", "panamanian", "panamanians", "panameno", "panamena", "panamenos"),
    "Cuba": ("cuba", "cuban", "cubans", "cubano", "cubana", "cubanos"),
    "Dominican Republic": ("dominican republic", "republica dominicana", "dominican", "dominicans",
                           "dominicano", "dominicana", "dominicanos"),
    "Haiti": ("haiti", "haitian", "haitians", "haitiano", "haitiana", "haitianos"),
    "Guyana": ("guyana", "guyanese"),
    "Suriname": ("suriname", "surinamese"),
    "Belize": ("belize", "belizean"),
    "Jamaica": ("jamaica", "jamaican", "jamaicans"),
    "Trinidad and Tobago": ("trinidad and tobago", "trinidad", "trinidadian"),
    "Puerto Rico": ("puerto rico", "puerto rican", "puerto ricans", "puertorriqueno"),
}
_TERM_TO_COUNTRY = {tuple(term.split()): country for country, terms in _COUNTRY_TERMS.items() for term in terms}
_FIRST_WORDS = frozenset(term[0] for term in _TERM_TO_COUNTRY)
_LONGEST_TERM = max(len(term) for term in _TERM_TO_COUNTRY)
_TOKEN_RE = re.compile(r"\w+")
#: Mentions of the United States; case-sensitive so that the pronoun "us" does not count.
_US_RE = re.compile(r"\b(?:United States|Estados Unidos|EE\.\s?UU\.|EEUU|USA)\b|\bU\.S\.(?:A\.)?|\bUS\b")


def _fold(text: str) -> str:
    """Lower-case ``text`` and strip accents (Perú -> peru, hondureño -> hondureno)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def main_country(text: str) -> str:
    """The Latin American country ``text`` mentions most, by names and demonyms.

    Ties go to the country mentioned first. "United States" is returned only when no Latin
    American country is mentioned, and "" when neither is.
    """
    words = _TOKEN_RE.findall(_fold(text))
    counts: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for i in [i for i, word in enumerate(words) if word in _FIRST_WORDS]:
        for size in range(_LONGEST_TERM, 0, -1):
            country = _TERM_TO_COUNTRY.get(tuple(words[i:i + size]))
            if country is not None:
                counts[country] = counts.get(country, 0) + 1
                first_seen.setdefault(country, i)
                break
    if counts:
        return min(counts, key=lambda country: (-counts[country], first_seen[country]))
    return "United States" if _US_RE.search(text) else ""
