"""Benchmark of the whole pipeline: time, throughput and peak memory per stage, against plain
sentence-transformers and plain BERTopic, cold and warm, growth with corpus size, and the Dask path.

Run from the repository root (``make bench``)::

    python benchmarks/bench_pipeline.py                 # BBC and ag_news; ~25 min on 2 quiet cores
    python benchmarks/bench_pipeline.py --quick         # seeds and 10% of BBC; a few minutes
    python benchmarks/bench_pipeline.py --skip-scaling --skip-report --skip-dask --skip-plain
    python benchmarks/bench_pipeline.py --check         # exit 1 when a done-when check fails

The corpora are read from ``../shared/corpora`` beside the clone (``--shared`` or
``ANALYSIS_SHARED`` override it); nothing is copied into the repository. Samples of a corpus are
folders of symbolic links in a temporary folder, removed at the end (``--keep`` keeps them).

What is timed (wall seconds; every run in a fresh Python process, so each pays its own imports,
model loading and numba compilation, as a user's run does):

* Our pipeline, the calls the notebooks make: ``Analysis.load_corpus()`` (split into ``ingest``:
  read, clean, detect language, deduplicate, save tables; and ``passages``: splitting articles into
  passages, timed inside ``load_corpus``), ``Analysis.embeddings()`` (``embed``: empty embedding
  cache), ``Analysis.topics()``, ``Analysis.framing()``, and ``figures``: the report's corpus,
  topic and framing figures (bootstrap tables included) saved as PNG, SVG and PDF by
  ``report.render``, as the notebooks call it (a warm run reuses what is saved).
  ``cold`` starts from an empty output folder and cache; ``warm`` reruns it with both kept.
* Plain sentence-transformers: ``SentenceTransformer(<packaged model>).encode(texts,
  batch_size=64)`` on the same passage texts (import, model loading and encoding timed, as in ours).
* Plain BERTopic: ``BERTopic(embedding_model=None).fit_transform(texts, embeddings)`` with its
  defaults, on the same embeddings (import and fit timed).
* Scaling: the cold pipeline on seeded samples of 25% and 50% of the BBC articles, beside the
  100% run above.
* Report: ``analysis.report.run_report`` (``make report``: four notebooks with papermill) cold,
  then warm, on BBC (on seeds with ``--quick``, where the samples are of the 10% BBC sample).
* Dask: ``run_distributed`` on a LocalCluster of two worker processes against
  ``run_single_process`` on seeds and on 10% of BBC, sharing one embedding cache; on the BBC
  sample also the topic agreement (ARI) of a model fitted on a sample of passages with one fitted
  on all, and how far results drift when each path embeds on its own (no shared cache).

Memory: "peak RSS" is the process's resident set size at its highest during a stage (sampled every
20 ms), the memory the machine needs, native allocations included; the process peak comes from
``getrusage``. ``--python-heap`` adds tracemalloc peaks of Python allocations, which slows
Python-heavy stages several times, so timings of such a run are not comparable.
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
#: Done-when thresholds of the issue.
MAX_PIPELINE_OVER_EMBED = 1.3
MIN_THROUGHPUT_VS_PLAIN = 0.9
MIN_WARM_SPEEDUP = 10.0
MAX_PEAK_GB = 4.0
MAX_GROWTH_PER_PASSAGE = 1.10

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
        step.note = f"{record.get('n_topics')} topics ({record.get('method')})"
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
    """Plain sentence-transformers on the same passage texts."""
    import pandas as pd

    from analysis.vectorize import resolve_model

    texts = pd.read_parquet(spec["passages"], columns=["text"])["text"].tolist()
    location = resolve_model()[0]
    with measure("plain encode", items=len(texts), unit="passages") as step:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(location, device="cpu")
        model.encode(texts, batch_size=64, show_progress_bar=spec["progress"])
    return {"steps": {"plain_encode": step.as_dict()}, "process_peak_rss": process_peak_rss()}


def child_plain_bertopic(spec: dict) -> dict:
    """Plain BERTopic with its defaults on the same embeddings (read from our cache)."""
    import numpy as np
    import pandas as pd

    from analysis.vectorize import Embedder

    texts = pd.read_parquet(spec["passages"], columns=["text"])["text"].tolist()
    embedder = Embedder(cache_dir=spec["cache"], show_progress=False)
    embeddings = embedder.encode(texts)
    if embedder.n_embedded_:
        raise RuntimeError("plain BERTopic should reuse the cold run's embeddings, but some were missing")
    with measure("plain BERTopic", items=len(texts), unit="passages") as step:
        from bertopic import BERTopic

        topics, _ = BERTopic(embedding_model=None).fit_transform(texts, embeddings)
        topics = np.asarray(topics)
        step.note = f"{len(set(topics.tolist()) - {-1})} topics, {np.mean(topics == -1):.0%} outliers"
    return {"steps": {"plain_bertopic": step.as_dict()}, "process_peak_rss": process_peak_rss()}


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
    return {"steps": {"report": step.as_dict()}, "notebook_seconds": record.get("notebook_seconds", {})}


CHILDREN = {"pipeline": child_pipeline, "plain_encode": child_plain_encode, "plain_bertopic": child_plain_bertopic,
            "dask": child_dask, "report": child_report}


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


# =========================================================================== printing
def fmt_mb(n_bytes: float | None) -> str:
    return "-" if n_bytes is None else f"{n_bytes / MB:,.0f}"


def fmt_rate(step: dict) -> str:
    rate = step["items"] / step["seconds"] if step["seconds"] > 0 else float("nan")
    return f"{rate:,.1f}" if rate < 100 else f"{rate:,.0f}"


def print_pipeline(label: str, path: Path, cold: dict, warm: dict | None, python_heap: bool) -> None:
    counts = cold["counts"]
    print(f"\n== {label} ({path}): {counts['inputs']:,} inputs, {counts['loaded']:,} articles loaded, "
          f"{counts['passages']:,} passages ({counts['distinct_texts']:,} distinct texts)")
    heap = f" {'py heap MB':>10}" if python_heap else ""
    print(f"{'stage':9} {'items':>8} {'unit':9} {'cold s':>8} {'items/s':>9} {'peak RSS MB':>11}{heap} "
          f"{'warm s':>8}  notes")
    for name in STAGES:
        step, again = cold["steps"][name], (warm or {}).get("steps", {}).get(name)
        heap = f" {fmt_mb(step['python_peak']):>10}" if python_heap else ""
        notes = "; ".join(n for n in (step["note"], f"warm: {again['note']}" if again and again["note"] else "") if n)
        print(f"{name:9} {step['items']:>8,} {step['unit']:9} {step['seconds']:>8.2f} {fmt_rate(step):>9} "
              f"{fmt_mb(step['rss_peak']):>11}{heap} {again['seconds'] if again else float('nan'):>8.2f}  {notes}")
    total_cold = sum(cold["steps"][s]["seconds"] for s in STAGES)
    total_warm = sum(warm["steps"][s]["seconds"] for s in STAGES) if warm else float("nan")
    print(f"{'total':9} {'':>8} {'':9} {total_cold:>8.2f} {'':>9} {fmt_mb(cold['process_peak_rss']):>11}"
          f"{' ' * 11 if python_heap else ''} {total_warm:>8.2f}  peak RSS of the whole cold run (getrusage)")


def print_plain(cold: dict, plain_encode: dict | None, plain_topics: dict | None) -> dict:
    ratios: dict[str, float] = {}
    ours_embed, ours_topics = cold["steps"]["embed"], cold["steps"]["topics"]
    print(f"{'compared with plain libraries':38} {'items':>8} {'seconds':>8} {'items/s':>9} {'peak RSS MB':>11}  notes")
    for name, ours, plain in (("encode", ours_embed, plain_encode and plain_encode["steps"]["plain_encode"]),
                              ("BERTopic", ours_topics, plain_topics and plain_topics["steps"]["plain_bertopic"])):
        if plain is None:
            continue
        title = ("plain sentence-transformers encode" if name == "encode" else "plain BERTopic (defaults)")
        print(f"{title:38} {plain['items']:>8,} {plain['seconds']:>8.2f} {fmt_rate(plain):>9} "
              f"{fmt_mb(plain['rss_peak']):>11}  {plain['note']}")
        stage = "embed" if name == "encode" else "topics"
        ratios[f"{stage}_seconds"] = ours["seconds"] / plain["seconds"]
        ratios[f"{stage}_throughput"] = plain["seconds"] / ours["seconds"]
        ratios[f"{stage}_peak_rss"] = ours["rss_peak"] / plain["rss_peak"]
        print(f"  ours/plain {stage:6}: seconds x{ratios[f'{stage}_seconds']:.2f}, throughput "
              f"x{ratios[f'{stage}_throughput']:.2f}, peak RSS x{ratios[f'{stage}_peak_rss']:.2f} "
              f"(ours {fmt_mb(ours['rss_peak'])} MB, plain {fmt_mb(plain['rss_peak'])} MB)")
    return ratios


def print_scaling(runs: list[tuple[float, dict]]) -> dict:
    print(f"\n== Scaling on BBC: seeded samples of articles, every run cold in a fresh process")
    print(f"{'share':>5} {'articles':>8} {'passages':>8} " + " ".join(f"{s:>8}" for s in STAGES)
          + f" {'total s':>8} {'s/1k pass':>9} {'peak MB':>8}")
    per_k = {}
    for share, run in runs:
        steps, counts = run["steps"], run["counts"]
        total = sum(steps[s]["seconds"] for s in STAGES)
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
    bbc, ag_news, seeds = corpora_dir / "bbc", corpora_dir / "ag_news", REPO / "seeds"
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
        if args.quick:
            main_label, main_path = "BBC 10%", bbc10
            corpora = [("seeds", seeds), (main_label, main_path)]
        else:
            main_label, main_path = "BBC", bbc
            corpora = [(main_label, main_path)] + ([("ag_news", ag_news)] if ag_news.is_dir() else [])
        print(f"bench_pipeline: {'quick: ' if args.quick else ''}{', '.join(c for c, _ in corpora)}; "
              f"{os.cpu_count()} CPUs; every run in a fresh process; temporary folder {work}")

        def pipeline(path: Path, name: str) -> dict:
            spec = {"corpus": str(path), "out": str(work / name / "out"), "cache": str(work / name / "cache"),
                    "progress": args.progress, "python_heap": args.python_heap}
            return run_child("pipeline", spec, work, args.progress)

        main_cold = main_warm = None
        ratios: dict[str, float] = {}
        for label, path in corpora:
            name = label.replace(" ", "-").replace("%", "pct")
            cold = pipeline(path, name)
            warm = pipeline(path, name)
            print_pipeline(label, path, cold, warm, args.python_heap)
            if not args.skip_plain:
                passages = str(work / name / "out" / "tables" / "passages.parquet")
                spec = {"passages": passages, "cache": str(work / name / "cache" / "embeddings"),
                        "progress": args.progress}
                found = print_plain(cold, run_child("plain_encode", spec, work, args.progress),
                                    run_child("plain_bertopic", spec, work, args.progress))
                if label == main_label:
                    ratios = found
            if label == main_label:
                main_cold, main_warm = cold, warm

        scaling = None
        if not args.skip_scaling:
            runs = []
            for share in (0.25, 0.5):
                runs.append((share, pipeline(sample_corpus(main_path, share, work / f"scale-{share:.2f}"),
                                             f"scale-{share:.2f}-run")))
            runs.append((1.0, main_cold))
            scaling = print_scaling(runs)

        report_seconds = None
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
                notebooks = ", ".join(f"{k} {v:.1f}" for k, v in result["notebook_seconds"].items())
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

        print(f"\n== Done-when checks ({main_label}, measured here, in this run)")
        if main_cold:
            steps = main_cold["steps"]
            total = sum(steps[s]["seconds"] for s in STAGES)
            embed = steps["embed"]["seconds"]
            marks.append(check("pipeline vs embedding", total <= MAX_PIPELINE_OVER_EMBED * embed,
                               f"whole cold pipeline {total:.1f} s = {total / embed:.2f} x our embedding {embed:.1f} s "
                               f"(at most {MAX_PIPELINE_OVER_EMBED})"))
            throughput = ratios.get("embed_throughput")
            marks.append(check("embedding throughput", None if throughput is None else
                               throughput >= MIN_THROUGHPUT_VS_PLAIN,
                               "not measured (--skip-plain)" if throughput is None else
                               f"ours {fmt_rate(steps['embed'])} passages/s = {throughput:.2f} x plain "
                               f"sentence-transformers (at least {MIN_THROUGHPUT_VS_PLAIN})"))
            warm_total = sum(main_warm["steps"][s]["seconds"] for s in STAGES)
            marks.append(check("warm pipeline rerun", total / warm_total >= MIN_WARM_SPEEDUP,
                               f"{warm_total:.1f} s warm vs {total:.1f} s cold = {total / warm_total:.1f}x faster "
                               f"(at least {MIN_WARM_SPEEDUP:g}x)"))
            marks.append(check("warm report rerun", None if not report_seconds else
                               report_seconds[0] / report_seconds[1] >= MIN_WARM_SPEEDUP,
                               "not measured" if not report_seconds else
                               f"{report_seconds[1]:.1f} s warm vs {report_seconds[0]:.1f} s cold = "
                               f"{report_seconds[0] / report_seconds[1]:.1f}x faster (at least {MIN_WARM_SPEEDUP:g}x)"))
            peak = main_cold["process_peak_rss"] / 1024 ** 3
            marks.append(check("peak memory", peak < MAX_PEAK_GB,
                               f"{peak:.2f} GB process peak RSS of the cold pipeline (under {MAX_PEAK_GB:g} GB)"))
        marks.append(check("time growth", None if scaling is None else scaling["growth"] <= MAX_GROWTH_PER_PASSAGE,
                           "not measured (--skip-scaling)" if scaling is None else
                           f"seconds per passage x{scaling['growth']:.2f} from 25% to 100% "
                           f"(at most x{MAX_GROWTH_PER_PASSAGE:.2f})"))
        entries = (dask_result or {}).get("corpora", [])
        marks.append(check("Dask path", None if not entries else all(all(e["identical"].values()) for e in entries),
                           "not measured" if not entries else
                           "identical tables to the single-process procedure on "
                           + ", ".join(e["label"] for e in entries)))
    finally:
        if args.keep:
            print(f"temporary folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\ntotal benchmark time: {(time.perf_counter() - started) / 60:.1f} min")
    return 1 if args.check and "FAIL" in marks else 0


if __name__ == "__main__":
    sys.exit(main())
