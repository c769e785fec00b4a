"""Per-article work of the corpus stage kept between runs, keyed by content.

Private helper of :mod:`analysis.corpus`. A rerun of :func:`~analysis.corpus.load_corpus` on a
corpus that gained a few articles reads and cleans every input again (cleaning looks across
articles for repeated boilerplate), but the work that depends on one article alone is looked up
here instead of being done again:

* the language of a text (lingua, on its first characters),
* the main country of a text with its title and dateline place (the gazetteer),
* the MinHash signature of a text's word shingles (near-duplicate search).

Each entry is keyed by the SHA-1 of exactly what the result is computed from, so a changed
article is a new key, and the whole memo is keyed by the code and library versions that compute
the results (:func:`memo_version`): another version finds an empty memo. A result read from the
memo is the one the computation gives, so a corpus loaded with a memo equals one loaded without.
:meth:`IngestMemo.save` keeps only the entries the last run used, so the file does not grow with
articles that left the corpus. The file is a NumPy ``.npz`` read without pickle.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

__all__ = ["IngestMemo", "memo_version", "text_key"]

_KINDS = ("language", "country")


def text_key(*parts: str) -> str:
    """SHA-1 of the parts, each ended by a NUL (so that ("ab", "c") and ("a", "bc") differ)."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def memo_version() -> str:
    """The code and libraries whose results the memo keeps: a change to any of them empties it."""
    digest = hashlib.sha1(b"ingest-memo/1")
    here = Path(__file__).parent
    for module in ("memo.py", "metadata.py", "places.py", "dedupe.py"):
        digest.update((here / module).read_bytes())
    for package in ("lingua-language-detector", "datasketch", "numpy"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=?".encode())
    return digest.hexdigest()


class IngestMemo:
    """Language, country and MinHash signature per text, read from and written to one file.

    Parameters
    ----------
    path : str or Path, optional
        The ``.npz`` file; read when it exists and was written by the same :func:`memo_version`.
        Without a path the memo lives in memory only.

    Attributes
    ----------
    hits, misses : dict of str to int
        Per kind ("language", "country", "signature"): keys looked up whose result was known
        (stored, or computed earlier in the run) and keys whose result was computed.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._stored: dict[str, dict[str, object]] = {kind: {} for kind in (*_KINDS, "signature")}
        self._used: dict[str, dict[str, object]] = {kind: {} for kind in self._stored}
        self.hits = dict.fromkeys(self._stored, 0)
        self.misses = dict.fromkeys(self._stored, 0)
        if self.path is not None and self.path.is_file():
            self._read(self.path)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{kind} {len(values)}" for kind, values in self._stored.items())
        return f"IngestMemo({str(self.path) if self.path else 'in memory'}: {sizes})"

    def _read(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["version"]) != memo_version():
                    return
                for kind in _KINDS:
                    self._stored[kind] = dict(zip(data[f"{kind}_keys"].tolist(), data[f"{kind}_values"].tolist()))
                self._stored["signature"] = dict(zip(data["signature_keys"].tolist(), data["signature_values"]))
        except (OSError, ValueError, KeyError):  # unreadable or from an older layout: start empty
            self._stored = {kind: {} for kind in self._stored}

    def lookup(self, kind: str, keys: Sequence[str], compute: Callable[[list[int]], Sequence[object]]) -> list[object]:
        """The result for each key: from the memo, or ``compute(positions)`` for the missing ones.

        ``compute`` gets the positions (into ``keys``) of the keys not in the memo, the first
        position of each, and returns their results in that order; it is called once, or not at
        all when every key is known.
        """
        stored, used = self._stored[kind], self._used[kind]
        results: list[object] = [None] * len(keys)
        pending: dict[str, list[int]] = {}  # key not in the memo -> its positions
        for i, key in enumerate(keys):
            if key in used:
                results[i] = used[key]
            elif key in stored:
                results[i] = used[key] = stored[key]
            else:
                pending.setdefault(key, []).append(i)
        self.misses[kind] += len(pending)
        self.hits[kind] += len(keys) - len(pending)
        if pending:
            computed = compute([positions[0] for positions in pending.values()])
            for (key, positions), value in zip(pending.items(), computed, strict=True):
                used[key] = value
                for i in positions:
                    results[i] = value
        return results

    def save(self) -> Path | None:
        """Write the entries this memo's lookups used (only those) to :attr:`path`; None in memory."""
        if self.path is None:
            return None
        arrays: dict[str, np.ndarray] = {"version": np.array(memo_version())}
        for kind in _KINDS:
            entries = self._used[kind]
            arrays[f"{kind}_keys"] = np.array(list(entries), dtype=str)
            arrays[f"{kind}_values"] = np.array([str(value) for value in entries.values()], dtype=str)
        signatures = self._used["signature"]
        arrays["signature_keys"] = np.array(list(signatures), dtype=str)
        arrays["signature_values"] = (np.stack(list(signatures.values())).astype(np.uint64) if signatures
                                      else np.zeros((0, 0), dtype=np.uint64))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial.npz")
        np.savez(partial, **arrays)
        os.replace(partial, self.path)
        return self.path
