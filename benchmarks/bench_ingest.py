"""Time corpus ingestion on the shared third-party corpora (BBC folder tree, ag_news CSV).

Run from the repository root::

    python benchmarks/bench_ingest.py            # prints seconds and articles/second
    python benchmarks/bench_ingest.py --check    # exits 1 when BBC takes longer than the target

The corpora are read from ``../shared/corpora`` beside the clone (``ANALYSIS_SHARED`` overrides
the shared folder). Times are wall-clock seconds of one ``load_corpus`` call each, including the
one-off start-up of the language detector, as a user would see them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ANALYSIS_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"
#: Seconds within which the 2,225 BBC articles should load on a 2-core machine.
BBC_TARGET_SECONDS = 15.0

try:
    from analysis.corpus import load_corpus
except ModuleNotFoundError:  # running from a clone without `pip install -e .`
    sys.path.insert(0, str(REPO))
    from analysis.corpus import load_corpus


def time_ingest(path: Path) -> tuple[float, dict[str, int], int]:
    """Wall seconds to load ``path``, manifest counts by status, and the number of passages."""
    start = time.perf_counter()
    corpus = load_corpus(path, show_progress=False)
    seconds = time.perf_counter() - start
    counts = corpus.manifest["status"].value_counts().to_dict()
    return seconds, counts, len(corpus.passages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when BBC ingestion takes more than {BBC_TARGET_SECONDS:g} s")
    args = parser.parse_args(argv)
    if not CORPORA.is_dir():
        print(f"skipped: third-party corpora not found at {CORPORA} (set ANALYSIS_SHARED)")
        return 0
    results = {}
    for name in ("bbc", "ag_news"):
        seconds, counts, n_passages = time_ingest(CORPORA / name)
        articles = counts.get("loaded", 0) + counts.get("duplicate", 0)
        results[name] = seconds
        print(
            f"{name:8s} {seconds:6.2f} s  {articles:5d} articles ({counts.get('loaded', 0)} loaded, "
            f"{counts.get('duplicate', 0)} duplicate, {counts.get('skipped', 0)} skipped inputs)  "
            f"{n_passages:6d} passages  {articles / seconds:7.0f} articles/s"
        )
    verdict = "within" if results["bbc"] <= BBC_TARGET_SECONDS else "OVER"
    print(f"bbc target: {BBC_TARGET_SECONDS:g} s ({verdict})")
    return 1 if args.check and verdict == "OVER" else 0


if __name__ == "__main__":
    sys.exit(main())
