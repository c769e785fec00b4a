"""Exact and near-duplicate articles.

Private helpers of :mod:`analysis.corpus`. Exact copies share a hash of their normalised text
(lower case, words only). Near copies are found with MinHash/LSH over word shingles
(datasketch, fixed seed) and confirmed with the exact Jaccard similarity of the shingle sets, so
that the result does not depend on hash collisions.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence

NEAR_DUPLICATE_JACCARD = 0.8
SHINGLE_WORDS = 5
NUM_PERM = 128
MINHASH_SEED = 1
#: LSH retrieves candidates from this much below the threshold; each is then checked exactly.
_CANDIDATE_MARGIN = 0.15

_WORD_RE = re.compile(r"\w+")


def find_duplicates(texts: Sequence[str], *, threshold: float = NEAR_DUPLICATE_JACCARD) -> list[int | None]:
    """For each text, the position of the earlier text it copies, or None.

    Parameters
    ----------
    texts : sequence of str, length n_articles
        Articles in their canonical (sorted input) order; the first copy is the original.
    threshold : float
        Jaccard similarity of word shingles from which two articles are near-duplicates.

    Returns
    -------
    list of (int or None), length n_articles
        ``result[j] = i`` (with ``i < j`` and ``result[i] is None``) when article j is an exact or
        near copy of article i.
    """
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=max(0.1, threshold - _CANDIDATE_MARGIN), num_perm=NUM_PERM)
    # the seeded permutations, drawn once and shared (datasketch would draw the same ones per text)
    template = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=zlib.crc32)
    originals: dict[str, int] = {}
    shingle_sets: dict[int, set[bytes]] = {}
    result: list[int | None] = []
    for j, text in enumerate(texts):
        words = _WORD_RE.findall(text.casefold())
        key = hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()
        if key in originals:
            result.append(originals[key])
            continue
        shingles = _shingles(words)
        signature = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=zlib.crc32,
                            permutations=template.permutations, scheme=template.scheme)
        signature.update_batch(list(shingles))
        match = _best_original(lsh.query(signature), shingles, shingle_sets, threshold)
        result.append(match)
        if match is None:
            originals[key] = j
            shingle_sets[j] = shingles
            lsh.insert(j, signature)
    return result


def _shingles(words: list[str]) -> set[bytes]:
    """Word n-grams of the text (the whole text as one shingle when it is shorter than n)."""
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}


def _best_original(candidates: list[int], shingles: set[bytes], shingle_sets: dict[int, set[bytes]],
                   threshold: float) -> int | None:
    """The earliest candidate whose exact Jaccard similarity reaches ``threshold``."""
    for i in sorted(candidates):
        other = shingle_sets[i]
        union = len(shingles | other)
        if union and len(shingles & other) / union >= threshold:
            return i
    return None
