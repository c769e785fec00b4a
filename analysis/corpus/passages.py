"""Splitting a cleaned article into passages with exact character offsets.

Private helpers of :mod:`analysis.corpus`. A passage is a paragraph; fragments shorter than
``min_words`` (sub-headings, a headline) join the next paragraph (the previous one at the end),
and paragraphs longer than ``max_words`` are cut at sentence ends into pieces within the bounds.
Every passage is a span ``(start, end)`` of the text, so ``text[start:end]`` is the passage.
"""

from __future__ import annotations

import math
import re

Span = tuple[int, int]

_LINE_RE = re.compile(r"[^\n]*")
_WORD_RE = re.compile(r"\S+")
#: A sentence ends with . ! ? or … (and closing quotes or brackets) before white space.
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[¿¡]?[A-Z0-9À-ÖØ-Þ])")
_ABBREVIATION_RE = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Sra|Jr|St|Gen|Gov|Sen|Rep|Lt|Col|Capt|Sgt|Adm|Rev|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Vol|vs|etc|Inc|Corp|Co|Ltd|Dept|Univ|Ave)\.|"
    r"\b[A-Z]\.)$"
)
_TERMINAL_RE = re.compile(r"[.!?:;…\"'”’)\]]$")
#: A one-line paragraph of at most this many words without closing punctuation is a heading.
_HEADING_WORDS = 20


def passage_spans(text: str, min_words: int, max_words: int) -> list[Span]:
    """Cut ``text`` into passages of ``min_words`` to ``max_words`` words.

    Parameters
    ----------
    text : str
        A cleaned article.
    min_words, max_words : int
        Bounds on the words in a passage (``max_words >= 2 * min_words``). A whole article
        shorter than ``min_words`` is one passage.

    Returns
    -------
    list of (int, int)
        Character spans in order, without leading or trailing white space.
    """
    spans = _merge_fragments(text, paragraph_spans(text), min_words)
    out: list[Span] = []
    for span in spans:
        if _count(text, span) > max_words:
            out.extend(_split_long(text, span, min_words, max_words))
        else:
            out.append(span)
    return out


def paragraph_spans(text: str) -> list[Span]:
    """Paragraphs: blocks between blank lines, and lines of a block that ends each line with a
    full stop (one paragraph per line); a line that stops mid-sentence and is followed by a
    lower-case line is hard-wrapped and continues."""
    spans: list[Span] = []
    current: Span | None = None
    for match in _LINE_RE.finditer(text):
        start, end = match.span()
        line = match.group(0).strip()
        if not line:
            if current is not None:
                spans.append(current)
                current = None
            continue
        start += len(match.group(0)) - len(match.group(0).lstrip())
        end -= len(match.group(0)) - len(match.group(0).rstrip())
        if current is not None and _continues(text[current[0]:current[1]], line):
            current = (current[0], end)
        else:
            if current is not None:
                spans.append(current)
            current = (start, end)
    if current is not None:
        spans.append(current)
    return spans


def _continues(previous: str, line: str) -> bool:
    return not _TERMINAL_RE.search(previous) and line[:1].islower()


def _count(text: str, span: Span) -> int:
    return len(text[span[0]:span[1]].split())


def _merge_fragments(text: str, spans: list[Span], min_words: int) -> list[Span]:
    """Join fragments (under ``min_words``, or headings) to the next paragraph, or the previous at the end."""
    out: list[Span] = []
    pending: int | None = None
    for start, end in spans:
        if _is_fragment(text[start:end], min_words):
            pending = start if pending is None else pending
            continue
        out.append((start if pending is None else pending, end))
        pending = None
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], spans[-1][1])
        else:
            out.append((pending, spans[-1][1]))
    return out


def _is_fragment(paragraph: str, min_words: int) -> bool:
    """A paragraph too short to stand alone, or a one-line heading (no closing punctuation)."""
    words = len(paragraph.split())
    if words < min_words:
        return True
    return words <= _HEADING_WORDS and "\n" not in paragraph and not _TERMINAL_RE.search(paragraph)


def _units(text: str, span: Span, max_words: int) -> list[Span]:
    """Sentences of a span; a sentence longer than ``max_words`` is cut into even word runs."""
    start, end = span
    bounds = [start]
    for match in _SENTENCE_END_RE.finditer(text, start, end):
        if not _ABBREVIATION_RE.search(text[max(start, match.start() - 12):match.end()].rstrip("\"'”’)]")):
            bounds.append(match.end())
    bounds.append(end)
    units: list[Span] = []
    for left, right in zip(bounds, bounds[1:]):
        piece = _strip(text, (left, right))
        if piece[0] < piece[1]:
            units.extend(_even_word_runs(text, piece, max_words))
    return units


def _strip(text: str, span: Span) -> Span:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _even_word_runs(text: str, span: Span, max_words: int) -> list[Span]:
    words = [m.span() for m in _WORD_RE.finditer(text, span[0], span[1])]
    if len(words) <= max_words:
        return [span]
    pieces = math.ceil(len(words) / max_words)
    size = math.ceil(len(words) / pieces)
    return [(words[i][0], words[min(i + size, len(words)) - 1][1]) for i in range(0, len(words), size)]


def _split_long(text: str, span: Span, min_words: int, max_words: int) -> list[Span]:
    """Pack sentences greedily up to ``max_words``, then mend any piece under ``min_words``."""
    pieces: list[Span] = []
    for unit in _units(text, span, max_words):
        if pieces and _count(text, (pieces[-1][0], unit[1])) <= max_words:
            pieces[-1] = (pieces[-1][0], unit[1])
        else:
            pieces.append(unit)
    return _mend_short(text, pieces, min_words, max_words)


def _mend_short(text: str, pieces: list[Span], min_words: int, max_words: int) -> list[Span]:
    """Merge each piece under ``min_words`` into a neighbour; re-cut the pair evenly if too long."""
    i = 0
    while len(pieces) > 1 and i < len(pieces):
        if _count(text, pieces[i]) >= min_words:
            i += 1
            continue
        j = i - 1 if i == len(pieces) - 1 or (
            i > 0 and _count(text, pieces[i - 1]) <= _count(text, pieces[i + 1])
        ) else i + 1
        left, right = sorted((i, j))
        merged = (pieces[left][0], pieces[right][1])
        replacement = [merged] if _count(text, merged) <= max_words else _halve(text, merged)
        pieces[left:right + 1] = replacement
        i = left if len(replacement) == 1 else left + 2
    return pieces


def _halve(text: str, span: Span) -> list[Span]:
    words = [m.span() for m in _WORD_RE.finditer(text, span[0], span[1])]
    middle = len(words) // 2
    return [(words[0][0], words[middle - 1][1]), (words[middle][0], words[-1][1])]
