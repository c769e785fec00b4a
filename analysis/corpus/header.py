"""The header block a text article may start with: ``Title:``, ``Fecha:``, ``Fuente:``, ``URL:`` lines.

Private helpers of :mod:`analysis.corpus`. An analyst's own ``.txt`` files often open with a few
``key: value`` lines copied from the page::

    Título: Decomisan 2 toneladas de cocaína en Manzanillo
    Fecha: 14/03/2025
    Fuente: El Universal
    URL: https://www.eluniversal.com.mx/...

Such lines, at the very top of the file and with keys in English or Spanish (any case), are read
as the article's metadata and kept out of its text. The block ends at the first other line.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["HEADER_KEYS", "split_header"]

#: Header key (lower case, accents removed) -> the article field it fills.
HEADER_KEYS: dict[str, str] = {
    "title": "title", "titulo": "title", "headline": "title", "titular": "title",
    "date": "date", "fecha": "date", "published": "date", "publicado": "date", "data": "date",
    "source": "source", "fuente": "source", "outlet": "source", "medio": "source", "fonte": "source",
    "url": "url", "link": "url", "enlace": "url",
    "author": "author", "autor": "author", "by": "author", "por": "author",
}
_LINE_RE = re.compile(r"^\s*(?P<key>[^\W\d_]{2,12})\s*:\s*(?P<value>\S.*?)\s*$")
_MAX_LINES = 12


def _key(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Read the header block at the top of ``text``.

    Parameters
    ----------
    text : str
        The whole file, line ends normalised to "\\n".

    Returns
    -------
    fields : dict
        Field ("title", "date", "source", "url", "author") -> value, for the keys found (the
        first line of a repeated key wins); empty when the text has no header block.
    body : str
        The text after the block (unchanged when there is none).
    """
    lines = text.split("\n")
    fields: dict[str, str] = {}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    start = i
    while i < len(lines) and i - start < _MAX_LINES:
        match = _LINE_RE.match(lines[i])
        field = HEADER_KEYS.get(_key(match["key"])) if match else None
        if field is None:
            break
        fields.setdefault(field, match["value"])
        i += 1
    if not fields:
        return {}, text
    return fields, "\n".join(lines[i:])
