"""Benchmark of the framing instrument: encoders, languages, off-topic news, speed.

Run from the repository root (needs ``../shared/corpora``; ``ANALYSIS_SHARED`` overrides)::

    python benchmarks/bench_framing.py [--encoders use-multilingual-v3,all-MiniLM-L6-v2] [--n-boot 300]

What it prints, in one run:

* Encoders: the outlet-grouped validation of the gold standard (the protocol of
  ``analysis framing validate``) with the default ``ensemble`` and the ``embedding``-only model,
  for each encoder: macro-F1 per language on the random stratum and on all passages, with CIs.
* Speed: passages per second of each encoder on 800 BBC passages (one process, the threads the
  encoder is given by default).
* Languages: the shipped model on the team-written parallel pairs
  (``benchmarks/data/parallel_pairs.csv``): share of pairs whose English and Spanish sentences
  get the same label, and accuracy per language; then the same on the pairs neither of whose
  sentences is close to a codebook example the model is trained on (cosine >= 0.9 in the
  encoder's space: some pairs repeat an example word for word).
* Paragraphs: the shipped model on the team-written paragraph pairs
  (``benchmarks/data/parallel_paragraphs.csv``, never trained on): share of pairs given the same
  label, accuracy and F1 per language, and how many framed paragraphs it calls neither. Four
  team sessions (AI agents, not human annotators; column ``writer``) wrote 60 news paragraphs each
  from the codebook alone, 20 of each frame, in English and in Latin American Spanish; each side
  was then coded blind (codebook and passage only) by another session (``*_blind_coder``), never
  the same one for both sides of a pair.
* Off-topic: the shipped model on the held-out half of BBC News (articles never used in
  training): share of passages per category labelled militarization or root cause, the
  mean stance of each category's articles with a bootstrap 95% CI, and the share of articles
  its relevance score judges off-topic.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.framing import DEFAULT_MODEL_DIR, FramingClassifier  # noqa: E402
from analysis.framing.codebook import codebook_examples  # noqa: E402
from analysis.framing.frames import FRAMES  # noqa: E402
from analysis.framing.gold import default_corpora_dir  # noqa: E402
from analysis.framing.instrument import validate_instrument  # noqa: E402
from analysis.framing.protocol import offtopic_passages  # noqa: E402
from analysis.vectorize import Embedder  # noqa: E402


def encoder_table(encoders: list[str], corpora: Path, n_boot: int) -> None:
    print("== encoders under the outlet-grouped validation (macro-F1 [95% CI])")
    for name in encoders:
        result = validate_instrument(methods=["embedding", "ensemble"], embedding_model=name, corpora_dir=corpora,
                                     seeds=REPO / "seeds" / "annotations.csv", n_boot=n_boot, show_progress=False)
        m = result["metrics"]
        head = m[(m["metric"] == "macro_f1") & (m["frame"] == "all") & m["stratum"].isin(["random", "all"])]
        for method, rows in head.groupby("method", sort=False):
            cells = [f"{r.language} {r.stratum} {r.value:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" for r in rows.itertuples()]
            print(f"  {name:<22} {method:<10} " + "  ".join(cells))


def speed(encoders: list[str], corpora: Path) -> None:
    print("== encoder speed on 800 BBC passages (no cache)")
    texts = offtopic_passages(corpora, half=1, per_category=160)["text"].tolist()[:800]
    for name in encoders:
        embedder = Embedder(name, show_progress=False)
        embedder.encode(texts[:8])  # load the model outside the timing
        start = time.perf_counter()
        embedder.encode(texts)
        seconds = time.perf_counter() - start
        print(f"  {name:<22} {len(texts) / seconds:7.1f} passages/s")


def languages() -> None:
    pairs = pd.read_csv(REPO / "benchmarks" / "data" / "parallel_pairs.csv")
    model = FramingClassifier.load(DEFAULT_MODEL_DIR)
    embedder = Embedder(show_progress=False)
    en_emb, es_emb = embedder.encode(pairs["en"].tolist()), embedder.encode(pairs["es"].tolist())
    en = model.predict(pairs["en"].tolist(), embeddings=en_emb)
    es = model.predict(pairs["es"].tolist(), embeddings=es_emb)
    gold = pairs["label"].to_numpy()
    print(f"== parallel pairs ({len(pairs)} team-written EN/ES pairs): same label {np.mean(en == es):.1%}; "
          f"accuracy EN {np.mean(en == gold):.1%}, ES {np.mean(es == gold):.1%}")
    for i in np.flatnonzero(en != es):
        print(f"  pair {pairs['pair'][i]} ({gold[i]}): EN {en[i]}, ES {es[i]}")
    examples = embedder.encode(codebook_examples()["text"].tolist())
    nearest = np.maximum((en_emb @ examples.T).max(axis=1), (es_emb @ examples.T).max(axis=1))
    unseen = nearest < 0.9
    print(f"   pairs not close to a codebook example (cosine < 0.9; {int((~unseen).sum())} are, pairs "
          f"{', '.join(str(p) for p in pairs['pair'][~unseen])}): {int(unseen.sum())} pairs, same label "
          f"{np.mean(en[unseen] == es[unseen]):.1%}; accuracy EN {np.mean(en[unseen] == gold[unseen]):.1%}, "
          f"ES {np.mean(es[unseen] == gold[unseen]):.1%}")


def paragraphs() -> None:
    """The shipped model on the team-written paragraph pairs, which nothing is trained on."""
    from sklearn.metrics import f1_score

    pairs = pd.read_csv(REPO / "benchmarks" / "data" / "parallel_paragraphs.csv", keep_default_na=False)
    model = FramingClassifier.load(DEFAULT_MODEL_DIR)
    embedder = Embedder(show_progress=False)
    gold = pairs["label"].to_numpy()
    labels = {lang: model.predict(pairs[lang].tolist(), embeddings=embedder.encode(pairs[lang].tolist()))
              for lang in ("en", "es")}
    print(f"== parallel paragraphs ({len(pairs)} team-written EN/ES news paragraphs, each side coded blind by "
          f"another session: {np.mean(pairs['en_blind_label'] == gold):.0%} and "
          f"{np.mean(pairs['es_blind_label'] == gold):.0%} agree with the writer): same label "
          f"{np.mean(labels['en'] == labels['es']):.1%}")
    for lang, predicted in labels.items():
        f1 = f1_score(gold, predicted, labels=list(FRAMES), average=None)
        missed = {frame: int(((gold == frame) & (predicted == "neither")).sum()) for frame in FRAMES if frame != "neither"}
        print(f"  {lang}: accuracy {np.mean(predicted == gold):.1%}, macro-F1 {f1.mean():.3f} ("
              + ", ".join(f"{frame} {value:.2f}" for frame, value in zip(FRAMES, f1))
              + "); framed paragraphs called neither: "
              + ", ".join(f"{frame} {n} of {int((gold == frame).sum())}" for frame, n in missed.items()))


def offtopic(corpora: Path) -> None:
    held = offtopic_passages(corpora, half=1, per_category=100_000)
    held = held[held["corpus"] == "bbc"]
    model = FramingClassifier.load(DEFAULT_MODEL_DIR)
    emb = Embedder(show_progress=False).encode(held["text"].tolist())
    table = model.predict_table(held["passage_id"].tolist(), held["text"].tolist(), embeddings=emb)
    table["collection"], table["article_id"] = held["collection"].to_numpy(), held["article_id"].to_numpy()
    print("== held-out BBC News (articles never trained on): passages labelled militarization or root cause")
    rng = np.random.default_rng(0)
    for collection, part in table.groupby("collection"):
        framed = (part["label"] != "neither").mean()
        stance = part.groupby("article_id")["stance"].mean().to_numpy()
        boot = [rng.choice(stance, len(stance)).mean() for _ in range(1000)]
        low, high = np.percentile(boot, [2.5, 97.5])
        print(f"  {collection:<14} {framed:6.1%} of {len(part):,} passages; mean article stance {stance.mean():+.3f} "
              f"[{low:+.3f}, {high:+.3f}] over {len(stance)} articles")
    if "p_relevant" in table:
        from analysis.framing.relevance import article_relevance

        print("== held-out BBC News: articles judged off-topic by the relevance score (mean p_relevant < 0.5)")
        for collection, part in table.groupby("collection"):
            articles = article_relevance(part)
            print(f"  {collection:<14} {1 - articles['relevant'].mean():6.1%} of {len(articles):,} articles off-topic; "
                  f"passages p_relevant >= 0.5: {(part['p_relevant'] >= 0.5).mean():.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoders", default="use-multilingual-v3,all-MiniLM-L6-v2")
    parser.add_argument("--n-boot", type=int, default=300)
    parser.add_argument("--skip-encoders", action="store_true", help="only the shipped model's checks")
    args = parser.parse_args()
    corpora = default_corpora_dir()
    if not corpora.is_dir():
        print(f"skipped: third-party corpora not found at {corpora} (set ANALYSIS_SHARED)")
        return
    encoders = args.encoders.split(",")
    languages()
    paragraphs()
    offtopic(corpora)
    speed(encoders, corpora)
    if not args.skip_encoders:
        encoder_table(encoders, corpora, args.n_boot)


if __name__ == "__main__":
    main()
