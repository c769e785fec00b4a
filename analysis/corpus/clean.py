"""Removing page furniture from article text and reading the fields hidden in it.

Private helpers of :mod:`analysis.corpus`. Cleaning works on lines, in three passes:

1. per document: a metadata header line (" date 2026-03-04 Headline: ...") becomes fields,
   a syndication footer ("The post ... appeared first on <Outlet>.") gives the source and ends
   the article, trailing FAQ/related blocks are cut, and navigation, share, copyright and
   "Read more" lines are dropped;
2. across documents: lines repeated in many documents of one source or collection are dropped;
3. per document: the head is read for the title, a dateline and a byline, and the lines are
   joined into the cleaned text, which starts at the headline.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .dates import find_dateline
from .metadata import date_in_line, is_date_line
from .readers import RawDoc

#: A line repeated in at least this many documents, and in this share of its group, is furniture.
BOILERPLATE_MIN_DOCS = 3
BOILERPLATE_MIN_SHARE = 0.5

#: Lines that are navigation or page chrome wherever they stand (compared lower-case).
_NAV_LINES = frozenset("""
no result|view all result|home|home news|news|menu|search|skip to content|skip to main content
share|share this|share this article|share this story|share on facebook|share on twitter|tweet|email
print|subscribe|subscribe now|sign in|sign up|log in|login|register|advertisement|advertising
read more|continue reading|call to action|comments|leave a comment|related|related articles
related posts|related stories|tags|previous|next|previous article|next article|previous post
next post|back to top|loading...|close|facebook|twitter|whatsapp|linkedin|telegram|reddit
copy link|follow us|newsletter|trending|most read|most popular|latest news|you may also like
recommended|show more|load more|see more|click here|cookie settings|accept cookies
""".replace("\n", "|").strip("|").split("|"))

#: Headings that open the closing block of teasers, FAQs or related links (seed 002's "Go deeper").
_TRAILING_MARKERS = frozenset("""
go deeper|common question|common questions|more on these topics|related articles|related stories
related posts|related content|you may also like|more stories|more from this author|read next
recommended for you|frequently asked questions|also read|more on this story|more on this topic
""".replace("\n", "|").strip("|").split("|"))
_MIN_WORDS_BEFORE_TRAILING_BLOCK = 30

_SECTION_RE = re.compile(r"^in\s+[A-Z][\w&'-]*(?:\s+[A-Z&][\w&'-]*){0,2}$")
_COPYRIGHT_RE = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\s*(?:©\s*)?\d{4}|\ball rights reserved\b", re.IGNORECASE)
_SHARE_RE = re.compile(
    r"^(?:share(?: this| on| via|:)|subscribe\b|sign up\b|follow us\b|join us on\b|download (?:the|our) app"
    r"|get the app)(?!.*[.?]$)", re.IGNORECASE,
)
_READ_MORE_RE = re.compile(
    r"^(?:read more|read also|also read|see also|related|more on this|lea también|leer más|"
    r"te puede interesar|lee también)\b\s*[:»›|-]", re.IGNORECASE,
)
_SYNDICATION_RE = re.compile(r"^The post (?P<title>.+) appeared first on (?P<source>.+?)\.?$")
_HEADER_RE = re.compile(
    r"^\s*date\s*:?\s+(?P<date>\d{4}-\d{2}-\d{2})\s+(?:(?:headline|title)\s*:\s*)?(?P<title>.+?)\s*$",
    re.IGNORECASE,
)
_BYLINE_RE = re.compile(r"^(?:[Bb]y|BY|[Pp]or|POR)\s+(?P<author>[A-ZÁÉÍÓÚÑ][^.!?]{1,80})$")
_TERMINAL_RE = re.compile(r"[.:;,][\"'”’)\]]*$")
_ELLIPSIS_RE = re.compile(r"(?:\.\.\.|…)[\"'”’)\]]*$")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_HEAD_LINES = 10
_PROSE_WORDS = 15


@dataclass
class Cleaned:
    """An article after cleaning: text and the fields read from it.

    ``date`` is the raw date found (a table cell, a header line, a dateline), read later by
    :func:`analysis.corpus.dates.resolve_dates` once the order of its column is known;
    ``place`` is the dateline's place ("Culiacán"), "" when there is none.
    """

    text: str
    title: str
    date: object
    source: str
    author: str
    place: str = ""


@dataclass
class _Draft:
    lines: list[str]
    title: str
    title_in_text: bool
    date: object
    source: str
    group: str


def clean_documents(docs: list[RawDoc], progress: Iterable[int] | None = None) -> list[Cleaned]:
    """Clean every readable document (one :class:`Cleaned` per input, in the same order).

    Parameters
    ----------
    docs : list of RawDoc, length n_docs
        Documents whose ``skip_reason`` is empty.
    progress : iterable of int, optional
        A progress bar over ``range(n_docs)`` (tqdm); plain ``range`` when None.
    """
    drafts = [_first_pass(doc) for doc in docs]
    _drop_boilerplate(drafts)
    steps = progress if progress is not None else range(len(docs))
    return [_finish(drafts[i], docs[i]) for i in steps]


# --- pass 1 ---------------------------------------------------------------------------------


def _first_pass(doc: RawDoc) -> _Draft:
    lines = [_normalise_line(line) for line in doc.text.split("\n")]
    title, date = doc.title, None if _blank(doc.date) else doc.date
    title_in_text = doc.kind != "table"
    header = _read_header(lines)
    if header is not None:
        lines, header_date, title = header
        date, title_in_text = date if date is not None else header_date, False
    lines, syndicated_source, syndicated_title = _cut_syndication_footer(lines)
    title = title or syndicated_title
    lines = _drop_furniture(_cut_related_list(_cut_trailing_block(lines)))
    source = doc.source or syndicated_source or doc.site
    return _Draft(lines, title, title_in_text, date, source, source or f"collection:{doc.collection}")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def _normalise_line(line: str) -> str:
    return _SPACES_RE.sub(" ", _INVISIBLE_RE.sub("", line)).strip()


def _read_header(lines: list[str]) -> tuple[list[str], str, str] | None:
    """A first line such as "date 2026-03-04 Headline: ..." as (remaining lines, date, title)."""
    first = next((i for i, line in enumerate(lines) if line), None)
    if first is None:
        return None
    match = _HEADER_RE.match(lines[first])
    if match is None:
        return None
    title = match["title"] if _ELLIPSIS_RE.search(match["title"]) else match["title"].rstrip(".")
    return lines[first + 1:], match["date"], title


def _cut_syndication_footer(lines: list[str]) -> tuple[list[str], str, str]:
    """Cut at "The post <title> appeared first on <Outlet>." (what follows is a related list)."""
    for i, line in enumerate(lines):
        match = _SYNDICATION_RE.match(line)
        if match:
            return lines[:i], match["source"].strip(), match["title"].strip()
    return lines, "", ""


def _cut_trailing_block(lines: list[str]) -> list[str]:
    """Cut from a closing "Go deeper"/"Common question"/"Related articles" heading to the end."""
    words = 0
    for i, line in enumerate(lines):
        if words >= _MIN_WORDS_BEFORE_TRAILING_BLOCK and line.lower().rstrip(":") in _TRAILING_MARKERS:
            return lines[:i]
        words += len(line.split())
    return lines


def _cut_related_list(lines: list[str]) -> list[str]:
    """Cut a closing list of teaser headlines with dates ("December 27, 2025")."""
    end, dates = len(lines), 0
    while end > 0:
        line = lines[end - 1]
        if is_date_line(line):
            dates += 1
        elif line and not is_furniture(line) and not _is_teaser(line):
            break
        end -= 1
    return lines[:end] if dates >= 2 and end > 0 else lines


def _is_teaser(line: str) -> bool:
    words = line.split()
    if _ELLIPSIS_RE.search(line) or _BYLINE_RE.match(line):
        return len(words) <= 60
    if len(words) > 20:
        return False
    capitalised = sum(word[:1].isupper() or not word[:1].isalpha() for word in words)
    return not _TERMINAL_RE.search(line) or capitalised >= 0.6 * len(words)


def is_furniture(line: str) -> bool:
    """Whether ``line`` is navigation, sharing, copyright or "Read more" chrome."""
    if not line:
        return False
    lowered = line.lower().strip(" :»›|")
    if lowered in _NAV_LINES or _SECTION_RE.match(line):
        return True
    if len(line.split()) > 15:
        return False
    return bool(
        _COPYRIGHT_RE.search(line)
        or (len(line.split()) <= 8 and _SHARE_RE.match(line))
        or _READ_MORE_RE.match(line)
    )


def _drop_furniture(lines: list[str]) -> list[str]:
    """Drop chrome lines and short labels repeated within the page (a site name such as "DNYUZ")."""
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        if line and len(line.split()) <= 3 and not _TERMINAL_RE.search(line):
            counts[line] += 1
    return [line for line in lines if not is_furniture(line) and counts.get(line, 0) < 2]


# --- pass 2 ---------------------------------------------------------------------------------


def _drop_boilerplate(drafts: list[_Draft]) -> None:
    """Drop lines found in >= 3 distinct documents and >= 50% of the documents of a group."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, draft in enumerate(drafts):
        if sum(1 for line in draft.lines if line) >= 2:
            groups[draft.group].append(i)
    for members in groups.values():
        repeated = _repeated_lines([drafts[i].lines for i in members])
        if repeated:
            for i in members:
                drafts[i].lines = [line for line in drafts[i].lines if line not in repeated]


def _repeated_lines(documents: list[list[str]]) -> set[str]:
    unique = {_digest(lines): lines for lines in documents}  # identical copies count once
    if len(unique) < BOILERPLATE_MIN_DOCS:
        return set()
    counts: dict[str, int] = defaultdict(int)
    for lines in unique.values():
        for line in set(lines):
            if line:
                counts[line] += 1
    needed = max(BOILERPLATE_MIN_DOCS, BOILERPLATE_MIN_SHARE * len(unique))
    return {line for line, count in counts.items() if count >= needed}


def _digest(lines: list[str]) -> str:
    return hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()


# --- pass 3 ---------------------------------------------------------------------------------


def _finish(draft: _Draft, doc: RawDoc) -> Cleaned:
    found = find_dateline(draft.lines)
    lines, dateline, author = _read_head(draft.lines)
    lines = lines[next((i for i, line in enumerate(lines) if line), len(lines)):]
    title = draft.title
    if not title and lines and looks_like_title(lines[0]):
        title = lines[0]
    if title:
        lines = _place_title(lines, title, draft.title_in_text)
    text = _join(_trim_tail(lines))
    date = draft.date if draft.date is not None else dateline if dateline is not None else found and found[1]
    return Cleaned(text, title, date or None, draft.source, doc.author or author, found[0] if found else "")


def looks_like_title(line: str) -> bool:
    """Short (3 to 25 words), no final period, not a date or navigation line."""
    words = line.split()
    if not 3 <= len(words) <= 25 or len(line) > 200:
        return False
    if _TERMINAL_RE.search(line) and not _ELLIPSIS_RE.search(line):
        return False
    return not is_date_line(line) and not is_furniture(line)


def _read_head(lines: list[str]) -> tuple[list[str], pd.Timestamp | None, str]:
    """Take a dateline and a byline from the head of the article (before its first long line)."""
    dateline, author, kept, seen = None, "", [], 0
    for i, line in enumerate(lines):
        if seen >= _HEAD_LINES or len(line.split()) >= _PROSE_WORDS:
            return kept + lines[i:], dateline, author
        seen += bool(line)
        found = date_in_line(line) if line else None
        byline = _BYLINE_RE.match(line) if line and len(line.split()) <= 8 else None
        if found is not None:
            dateline = dateline or found
        elif byline is not None:
            author = author or byline["author"].strip()
        else:
            kept.append(line)
    return kept, dateline, author


def _same(a: str, b: str) -> bool:
    return _NON_WORD_RE.sub("", a).casefold() == _NON_WORD_RE.sub("", b).casefold()


_NON_WORD_RE = re.compile(r"\W+")


def _place_title(lines: list[str], title: str, in_text: bool) -> list[str]:
    """Drop repeats of the title in the head; keep it once, as the first line, when it belongs in the text."""
    head = {i for i, line in enumerate(lines[: _HEAD_LINES * 2]) if line and _same(line, title)}
    lines = [line for i, line in enumerate(lines) if i not in head]
    if in_text:
        lines = [title, ""] + lines
    return lines


def _trim_tail(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1] or is_date_line(lines[end - 1]) or is_furniture(lines[end - 1])):
        end -= 1
    return lines[:end]


def _join(lines: list[str]) -> str:
    """Join lines, keeping one blank line where the source had one or more."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
