"""Accuracy of the country detector against a reader's judgement on 100 in-domain articles.

Run from the repository root::

    python benchmarks/bench_country.py           # accuracy, per-corpus counts and every miss
    python benchmarks/bench_country.py --full    # load the whole corpora (slower), not only the checked rows
    python benchmarks/bench_country.py --check   # exit 1 below the 90% target

``benchmarks/data/country_check.csv`` holds the country a team coder decided after reading each
article's title and lead (corpus, article_id, country, set and coder only, no text; the coder,
``session-h14a``, is an AI-agent session of the team, not a human annotator) for two samples of
in-domain articles of ``../shared/corpora``:

* ``development``: 100 articles (seed 14: ljz_zacatecas 30, colombia_regional_2020 25,
  luciotorres_co 20, amazon_underworld_en 6, pages_en 19), whose misses were looked at while the
  detector was tuned;
* ``held-out``: 40 further articles (seed 1414: ljz_zacatecas 12, colombia_regional_2020 8,
  luciotorres_co 8, pages_en 12), read and recorded after the tuning. The detector first got 34 of
  them right (85%); its misses then showed word collisions (Para, Federal, Mauricio, Central,
  surnames) that were fixed, so the set is no longer strictly held out (37/40 after).

``benchmarks/data/country_column_check.csv`` holds 80 more articles of ljz_zacatecas, whose table
gives ``country`` MX for every article (the outlet's country): a seeded sample of those whose
country changes when that column is read as the outlet's country (30 that named no place, 50 filed
under another country before), read by a team coder (``session-helper-84``, an AI-agent session)
who saw the title and lead only. The benchmark prints how many of them the detector gets right
with and without the column.

An empty country means the reader found no single country (a regional story); the detector is
right there only when it also says "". The articles are read through
:func:`analysis.corpus.load_corpus`, so the country is the one the pipeline records (dateline place,
title and lead weighted).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ANALYSIS_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"
CHECK = REPO / "benchmarks" / "data" / "country_check.csv"
COLUMN_CHECK = REPO / "benchmarks" / "data" / "country_column_check.csv"
TARGET = 0.90

try:
    from analysis.corpus import load_corpus
except ModuleNotFoundError:  # running from a clone without `pip install -e .`
    sys.path.insert(0, str(REPO))
    from analysis.corpus import load_corpus


def detected_countries(corpus: str, ids: set[str], full: bool, *, table_country: bool = True) -> dict[str, str]:
    """article_id -> country as load_corpus records it, for the checked articles of one corpus.

    With ``table_country`` False the corpus's own ``country`` field is left out, as if the table
    had no such column.
    """
    source = CORPORA / corpus / "articles.jsonl"
    if full and table_country:
        articles = load_corpus(source, show_progress=False).articles
    else:
        with open(source, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
        rows = [row for row in rows if full or row["id"] in ids]
        if not table_country:
            rows = [{key: value for key, value in row.items() if key != "country"} for row in rows]
        with tempfile.TemporaryDirectory() as folder:
            subset = Path(folder) / "articles.jsonl"
            subset.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
            articles = load_corpus(subset, show_progress=False, drop_duplicates=full).articles
    return dict(zip(articles["article_id"], articles["country"]))


def column_check(full: bool) -> None:
    """The articles whose country the table's own country column changed, with and without it."""
    import pandas as pd

    check = pd.read_csv(COLUMN_CHECK, dtype=str, keep_default_na=False)
    print(f"== articles whose country the table's country column changes ({len(check)} read by a team coder, "
          "sampled among those of ljz_zacatecas, whose column says MX for every article)")
    for corpus, rows in check.groupby("corpus", sort=False):
        ids = set(rows["article_id"])
        cells = []
        for table_country in (False, True):
            detected = detected_countries(corpus, ids, full, table_country=table_country)
            right = rows["country"].to_numpy() == rows["article_id"].map(detected).to_numpy()
            per = {name: f"{int(right[(rows['sample'] == name).to_numpy()].sum())}/{int((rows['sample'] == name).sum())}"
                   for name in rows["sample"].unique()}
            cells.append(f"{'with' if table_country else 'without'} the column {int(right.sum())}/{len(rows)} right "
                         f"({', '.join(f'{name}: {count}' for name, count in per.items())})")
        print(f"  {corpus}: " + "; ".join(cells))


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="load the whole corpora, not only the checked rows")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when accuracy is below {TARGET:.0%}")
    args = parser.parse_args(argv)
    if not CORPORA.is_dir():
        print(f"skipped: third-party corpora not found at {CORPORA} (set ANALYSIS_SHARED)")
        return 0
    check = pd.read_csv(CHECK, dtype=str, keep_default_na=False)
    start = time.perf_counter()
    found: dict[tuple[str, str], str] = {}
    for corpus, rows in check.groupby("corpus", sort=False):
        detected = detected_countries(corpus, set(rows["article_id"]), args.full)
        found.update({(corpus, article_id): detected.get(article_id, "(not loaded)") for article_id in rows["article_id"]})
    check["detected"] = [found[(c, a)] for c, a in zip(check["corpus"], check["article_id"])]
    check["right"] = check["detected"] == check["country"]
    accuracy = check["right"].mean()
    print(f"country detector vs the reader: {int(check['right'].sum())}/{len(check)} = {accuracy:.1%} "
          f"({time.perf_counter() - start:.1f} s)")
    for name, rows in check.groupby("set", sort=False):
        print(f"  {name:24s} {int(rows['right'].sum()):3d}/{len(rows)} = {rows['right'].mean():.1%}")
    for (name, corpus), rows in check.groupby(["set", "corpus"], sort=False):
        print(f"    {name[:4]} {corpus:24s} {int(rows['right'].sum()):3d}/{len(rows)}")
    misses = check[~check["right"]]
    if len(misses):
        print("misses (reader -> detector):")
        for row in misses.itertuples():
            print(f"  [{row.set}] {row.corpus}/{row.article_id}: {row.country or '(none)'} -> {row.detected or '(none)'}")
    column_check(args.full)
    return 1 if args.check and accuracy < TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
