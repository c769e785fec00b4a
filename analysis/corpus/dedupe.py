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

from .memo import IngestMemo

NEAR_DUPLICATE_JACCARD = 0.8
SHINGLE_WORDS = 5
NUM_PERM = 128
MINHASH_SEED = 1
#: LSH retrieves candidates from this much below the threshold; each is then checked exactly.
_CANDIDATE_MARGIN = 0.15

_WORD_RE = re.compile(r"\w+")


def find_duplicates(texts: Sequence[str], *, threshold: float = NEAR_DUPLICATE_JACCARD,
                    memo: IngestMemo | None = None) -> list[int | None]:
    """For each text, the position of the earlier text it copies, or None.

    Parameters
    ----------
    texts : sequence of str, length n_articles
        Articles in their canonical (sorted input) order; the first copy is the original.
    threshold : float
        Jaccard similarity of word shingles from which two articles are near-duplicates.
    memo : IngestMemo, optional
        MinHash signatures of texts seen before, keyed by their normalised text; the result is
        the same with or without it.

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
    # words are found again where needed rather than kept: a large corpus's words do not fit in memory
    keys = [hashlib.sha1(" ".join(_words(text)).encode("utf-8")).hexdigest() for text in texts]

    def signatures(positions: list[int]) -> list:
        out = []
        for j in positions:
            signature = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=zlib.crc32,
                                permutations=template.permutations, scheme=template.scheme)
            signature.update_batch(list(_shingles(_words(texts[j]))))
            out.append(signature.hashvalues)
        return out

    first = {key: j for j, key in reversed(list(enumerate(keys)))}  # the first position of each text
    distinct = sorted(first.values())
    memo = memo if memo is not None else IngestMemo()
    found = memo.lookup("signature", [keys[j] for j in distinct],
                        lambda missing: signatures([distinct[i] for i in missing]))
    hashvalues = dict(zip(distinct, found))
    originals: dict[str, int] = {}
    shingle_sets: dict[int, set[bytes]] = {}

    def shingles_of(j: int) -> set[bytes]:  # computed only for texts whose similarity is checked
        if j not in shingle_sets:
            shingle_sets[j] = _shingles(_words(texts[j]))
        return shingle_sets[j]

    result: list[int | None] = []
    for j, key in enumerate(keys):
        if key in originals:
            result.append(originals[key])
            continue
        if first[key] != j:  # an exact copy of a text that was itself a near copy: the same original
            result.append(result[first[key]])
            continue
        signature = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=zlib.crc32,
                            permutations=template.permutations, scheme=template.scheme,
                            hashvalues=hashvalues[j])
        candidates = lsh.query(signature)
        match = _best_original(candidates, shingles_of(j) if candidates else set(), shingles_of, threshold)
        result.append(match)
        if match is None:
            originals[key] = j
            lsh.insert(j, signature)
    return result


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.casefold())


def _shingles(words: list[str]) -> set[bytes]:
    """Word n-grams of the text (the whole text as one shingle when it is shorter than n)."""
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}


def _best_original(candidates: list[int], shingles: set[bytes], shingles_of, threshold: float) -> int | None:
    """The earliest candidate whose exact Jaccard similarity reaches ``threshold``."""
    for i in sorted(candidates):
        other = shingles_of(i)
        union = len(shingles | other)
        if union and len(shingles & other) / union >= threshold:
            return i
    return None
