"""The codebook (``codebook.yaml``): frame definitions, examples and indicator phrases.

The lexicon features every scorer uses (indicator phrases per frame, drug-trade context words)
are counted here, on accent- and case-folded text.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .frames import FRAMES

__all__ = ["CODEBOOK_PATH", "codebook_examples", "indicator_matches", "indicator_spans", "load_codebook"]

CODEBOOK_PATH = Path(__file__).with_name("codebook.yaml")


@lru_cache(maxsize=4)
def _read_codebook(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        book = yaml.safe_load(fh)
    missing = [f for f in FRAMES if f not in book.get("labels", {})]
    if missing:
        raise ValueError(f"codebook {path} lacks the labels {missing}; it must define {list(FRAMES)}")
    return book


def load_codebook(path: str | Path | None = None) -> dict[str, Any]:
    """Read the codebook (YAML): labels with definition, include/exclude rules, indicators, examples.

    Parameters
    ----------
    path : path, optional
        Defaults to the codebook shipped in the package.
    """
    return _read_codebook(str(path or CODEBOOK_PATH))


def codebook_examples(codebook: dict[str, Any] | None = None) -> pd.DataFrame:
    """The team-written examples of the codebook as a table with columns text, label, source."""
    book = codebook or load_codebook()
    rows = [(t, f, "codebook example") for f in FRAMES for t in book["labels"][f].get("examples", [])]
    rows += [(h["example"], h["label"], "codebook hard case") for h in book.get("hard_cases", [])]
    rows += [(h["example"], h["label"], "adjudication rule " + h["id"]) for h in book.get("adjudication_rules", [])]
    return pd.DataFrame(rows, columns=["text", "label", "source"])


@lru_cache(maxsize=1)
def _combining_marks() -> dict[int, None]:
    """Every combining code point (``unicodedata.combining`` non-zero), for ``str.translate`` to drop."""
    return dict.fromkeys(c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c)))


def _fold(text: str) -> str:
    """Lower-case and strip accents so that 'militarización' matches 'militarizacion'."""
    return unicodedata.normalize("NFKD", text.lower()).translate(_combining_marks())


def _phrase_pattern(phrases) -> re.Pattern | None:
    phrases = {_fold(p) for p in phrases}
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@lru_cache(maxsize=4)
def _indicator_patterns(path: str) -> dict[str, re.Pattern | None]:
    book = _read_codebook(path)
    return {frame: _phrase_pattern(p for lang in book["labels"][frame].get("indicators", {}).values() for p in lang or [])
            for frame in FRAMES}


@lru_cache(maxsize=4)
def _context_pattern(path: str) -> re.Pattern | None:
    return _phrase_pattern(_read_codebook(path).get("context_indicators", []))


#: The texts and codebook of the last :func:`indicator_matches` call, and its answer: scoring passages
#: and writing their evidence ask for the same matches one after the other.
_LAST_MATCHES: list = []


def indicator_matches(texts: Sequence[str], codebook_path: str | Path | None = None) -> list[dict[str, list[str]]]:
    """Indicator phrases found in each text, per frame (accent- and case-insensitive)."""
    path = str(codebook_path or CODEBOOK_PATH)
    key = (path, tuple(texts))
    last = _LAST_MATCHES[0] if _LAST_MATCHES else None  # one (key, answer) pair, read once: thread-safe
    if last is not None and last[0] == key:
        return [{f: list(found) for f, found in row.items()} for row in last[1]]
    patterns = _indicator_patterns(path)
    out = []
    for text in key[1]:
        folded = _fold(text)
        out.append({f: (p.findall(folded) if p is not None else []) for f, p in patterns.items()})
    _LAST_MATCHES[:] = [(key, out)]
    return [{f: list(found) for f, found in row.items()} for row in out]


#: ``_fold`` of each character met so far (a passage repeats few distinct characters), and the
#: same folds as a ``str.translate`` table for the characters whose fold is one character.
_FOLDED_CHARS: dict[str, str] = {}
_FOLD_TABLE: dict[int, str] = {}


def _folded_with_origin(text: str) -> tuple[str, Sequence[int]]:
    """``text`` folded character by character, and where in ``text`` each folded character comes from.

    When every character folds to exactly one character (nearly always), the fold is one
    ``str.translate`` and the origin is ``range(len(text))``.
    """
    one_to_one = True
    for char in set(text):
        piece = _FOLDED_CHARS.get(char)
        if piece is None:
            piece = _FOLDED_CHARS[char] = _fold(char)
            if len(piece) == 1:
                _FOLD_TABLE[ord(char)] = piece
        one_to_one = one_to_one and len(piece) == 1
    if one_to_one:
        return text.translate(_FOLD_TABLE), range(len(text))
    pieces = [_FOLDED_CHARS[char] for char in text]
    origin = [i for i, piece in enumerate(pieces) for _ in piece]
    return "".join(pieces), origin


def indicator_spans(text: str, codebook_path: str | Path | None = None) -> list[tuple[int, int, str]]:
    """Where the codebook's indicator phrases are in ``text``: ``(start, end, frame)``, in order.

    Matched as :func:`indicator_matches` matches them (accent- and case-insensitive), with the
    positions mapped back to ``text`` as written, so that ``text[start:end]`` is the phrase.
    Overlapping matches of the two frames keep the earlier one.
    """
    folded, origin = _folded_with_origin(text)
    spans = []
    for frame, pattern in _indicator_patterns(str(codebook_path or CODEBOOK_PATH)).items():
        if pattern is not None:
            spans += [(origin[m.start()], origin[m.end() - 1] + 1, frame) for m in pattern.finditer(folded) if m.end() > m.start()]
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _lexicon_features(texts: Sequence[str], codebook_path: str | None) -> np.ndarray:
    """ndarray of shape (n, 2): log(1 + count) of militarization and root-cause indicators."""
    matches = indicator_matches(texts, codebook_path)
    counts = np.array([[len(m["militarization"]), len(m["root_cause"])] for m in matches], dtype=float)
    return np.log1p(counts)


def _context_features(texts: Sequence[str], codebook_path: str | None) -> np.ndarray:
    """ndarray of shape (n, 1): log(1 + count) of the codebook's drug-trade context words."""
    pattern = _context_pattern(str(codebook_path or CODEBOOK_PATH))
    if pattern is None:
        return np.zeros((len(texts), 1))
    return np.log1p(np.array([[len(pattern.findall(_fold(t)))] for t in texts], dtype=float))
