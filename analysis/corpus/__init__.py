"""Stage 1, the corpus: read articles, clean them, split passages, flag duplicates, account for every input.

:func:`load_corpus` turns a folder or file of articles (.txt, .md, .html, .csv, .tsv, .jsonl,
.parquet) into a :class:`Corpus` of three tidy tables: ``articles``, ``passages`` and the
``manifest`` saying of every input whether it was loaded, a duplicate or skipped and why. The
modules are the steps: :mod:`.readers` and :mod:`.tables` (inputs), :mod:`.clean` (site furniture,
boilerplate), :mod:`.header` (a text file's Title/Fecha/Fuente lines), :mod:`.dates` (dates, the day/month order per
column), :mod:`.places` (country, from a gazetteer), :mod:`.metadata` (date lines, language), :mod:`.passages`, :mod:`.dedupe`,
:mod:`.summary`, :mod:`.memo` (per-article results kept between runs), :mod:`.load` (the whole stage) and :mod:`.distributed` (the same over Dask
partitions).
"""

from .distributed import DaskCorpus, load_corpus_dask, partition_inputs
from .load import ARTICLE_COLUMNS, MANIFEST_COLUMNS, PASSAGE_COLUMNS, Corpus, CorpusError, DateLike, load_corpus

__all__ = ["ARTICLE_COLUMNS", "MANIFEST_COLUMNS", "PASSAGE_COLUMNS", "Corpus", "CorpusError", "DaskCorpus", "DateLike",
           "load_corpus", "load_corpus_dask", "partition_inputs"]
