"""The report's tables and figures, built from one :class:`~analysis.report.pipeline.Analysis`.

Notebooks call these functions so that each stays a few lines of calls and prose; the summary
notebook reuses them without recomputing any model (the tables come from ``out_dir/tables``).
Each ``*_tables`` function returns tidy DataFrames, each ``*_figures`` function a dict of
``name -> Figure`` ready for :func:`save_figures`.

:func:`render` is what the notebooks show: it draws each figure of a section and saves it as PNG,
SVG and PDF, or reuses the saved files when they exist and the figure's key is the one they were
drawn with. The key of a figure is a hash of the table it draws (its content), the figure
function and the code and style that draw it (matplotlib's version too) and its options, so
a figure is drawn once per change of what it shows, whichever notebook asks first; a missing file
is written again. Tables are cached through the one stage cache too
(:meth:`analysis.report.pipeline.Analysis.cached_tables`), so a rerun with nothing changed
neither recomputes a bootstrap nor redraws a figure.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from matplotlib.figure import Figure

from .. import figures as fg
from ..framing.frames import FRAME_NAMES
from . import tables as tb
from .cache import fingerprint
from .pipeline import Analysis

__all__ = ["FORMATS", "FigureSpec", "figure_key", "table_hash", "corpus_tables", "corpus_figures", "topic_tables", "topic_figures", "framing_tables",
           "framing_figures", "save_figures", "render", "SavedFigure", "topic_record_text", "classifier_text",
           "summary_text", "relevance_text", "GROUP_LABELS", "HTMLBlock", "Interactive", "browse_table", "evidence_html",
           "highlight_indicators", "interactive", "topic_overview", "topics_with_term"]

UNKNOWN = "(unknown)"
GROUP_LABELS = {"source": "Outlet", "country": "Country", "country_given": "Country (as given)",
                "collection": "Collection", "language": "Language"}


def corpus_tables(run: Analysis) -> dict[str, pd.DataFrame]:
    """``articles`` (with n_passages) and ``manifest_summary`` (inputs by status and reason)."""
    corpus = run.load_corpus()
    counts = corpus.passages.groupby("article_id").size().rename("n_passages")
    articles = corpus.articles.merge(counts, left_on="article_id", right_index=True, how="left")
    articles["n_passages"] = articles["n_passages"].fillna(0).astype(int)
    manifest = corpus.manifest.assign(reason=corpus.manifest["reason"].fillna(""))
    summary = manifest.groupby(["status", "reason"]).size().rename("inputs").reset_index()
    return {"articles": articles, "manifest_summary": summary}


class FigureSpec(NamedTuple):
    """What one figure draws: ``draw(table, **options)`` gives the Figure."""

    draw: Callable[..., Figure]
    table: pd.DataFrame
    options: dict[str, Any]

    def figure(self) -> Figure:
        return self.draw(self.table, **self.options)


def _corpus_specs(run: Analysis) -> dict[str, FigureSpec]:
    articles = corpus_tables(run)["articles"]
    loaded = articles[articles["status"] == "loaded"]
    loaded = loaded.assign(**{run.group_by: loaded[run.group_by].replace("", UNKNOWN)})
    # each figure gets the columns it draws, so that it is redrawn only when they change
    lengths = loaded[[c for c in ("article_id", "title", "n_passages") if c in loaded]]
    specs = {"corpus_passages_per_article": FigureSpec(fg.plot_passages_per_article, lengths, {})}
    if loaded["date"].notna().any():
        specs["corpus_articles_over_time"] = FigureSpec(fg.plot_articles_over_time, loaded[["date", run.group_by]],
                                                        {"by": run.group_by, "width": "double"})
    return specs


def corpus_figures(run: Analysis) -> dict[str, Figure]:
    """Passages per article; articles per outlet over time (when any article has a date)."""
    return {name: spec.figure() for name, spec in _corpus_specs(run).items()}


def topic_tables(run: Analysis) -> dict[str, pd.DataFrame]:
    """Topic tables plus ``topic_by_group`` and, when articles have dates, ``topic_time`` (share per period)."""
    topics = run.topics()

    def build() -> dict[str, pd.DataFrame]:
        passages = run.passage_table()
        assigned = passages[["passage_id", "date", run.group_by]].merge(topics["passage_topics"], on="passage_id")
        extra = {}
        if assigned["date"].notna().any():
            extra["topic_time"] = tb.topics_over_time(assigned, assigned["date"])
        extra["topic_by_group"] = tb.topics_per_class(assigned, assigned[run.group_by])
        return extra

    depends = [run.stage_fingerprints("corpus", "topics"), run.group_by, _code_version()]
    extra = run.cached_tables("topic_tables", depends, build)
    return {**{k: v for k, v in topics.items() if isinstance(v, pd.DataFrame)}, **extra}


def _topic_specs(run: Analysis) -> dict[str, FigureSpec]:
    tables = topic_tables(run)
    colors = fg.topic_colors(tables["topic_info"]["label"].tolist())
    specs = {"topic_sizes": FigureSpec(fg.plot_topic_sizes, tables["topic_info"], {"colors": colors}),
             "topic_words": FigureSpec(fg.plot_topic_words, tables["topic_words"],
                                       {"colors": colors, "width": "double"}),
             "topic_map": FigureSpec(fg.plot_topic_map, tables["passage_topics"], {"colors": colors, "width": "double"})}
    if "topic_time" in tables:
        specs["topic_share_over_time"] = FigureSpec(fg.plot_topic_share_over_time, tables["topic_time"],
                                                    {"colors": colors, "width": "double"})
    return specs


def topic_figures(run: Analysis) -> dict[str, Figure]:
    """Topic sizes, top words, the 2-D passage map and topic share over time."""
    return {name: spec.figure() for name, spec in _topic_specs(run).items()}


def framing_tables(run: Analysis, *, n_boot: int = 1000) -> dict[str, pd.DataFrame]:
    """Framing summaries with bootstrap CIs.

    Returns ``passage_frames`` (one row per passage), ``article_frames``, ``group_stance`` (by
    ``run.group_by``), ``period_stance`` (by month, quarter or year from the date span),
    ``topic_frame`` (frame shares within each topic), ``evidence``, ``article_relevance`` (every
    article's mean ``p_relevant``, when the model has a relevance score) and ``confusion`` (the
    classifier's validation). With ``run.relevant_only`` all but ``article_relevance`` count only
    the articles judged on topic.
    """
    frames = run.framing_in_scope()
    topics = run.topics()["passage_topics"][["passage_id", "topic", "label"]]
    depends = [run.stage_fingerprints("corpus", "topics", "framing"), run.group_by, run.seed, n_boot,
               run.relevant_only, _code_version()]
    tables = run.cached_tables("framing_tables", depends, lambda: _framing_tables(run, frames, topics, n_boot))
    confusion = run.framing_classifier().record_.get("validation", {}).get("confusion")
    if confusion:
        tables["confusion"] = pd.DataFrame(confusion)
    return tables


def _framing_tables(run: Analysis, frames: pd.DataFrame, topics: pd.DataFrame, n_boot: int) -> dict[str, pd.DataFrame]:
    seed = run.seed
    frames = frames.assign(title=frames["article_id"].map(tb.display_titles(frames)))
    tables = {"passage_frames": frames,
              "article_frames": tb.article_frames(frames, n_boot=n_boot, random_state=seed)}
    group = frames.assign(**{run.group_by: frames[run.group_by].replace("", UNKNOWN)})
    tables["group_stance"] = tb.group_stance(group, run.group_by, n_boot=n_boot, random_state=seed)
    if frames["date"].notna().any():
        tables["period_stance"] = tb.period_stance(frames, n_boot=n_boot, random_state=seed)
    with_topics = frames.merge(topics.rename(columns={"label": "topic_label"}), on="passage_id")
    tables["topic_frame"] = tb.topic_frame_table(with_topics)
    tables["evidence"] = tb.evidence_table(frames)
    relevance = run.article_relevance()
    if relevance is not None:  # every article, on topic or not, whatever relevant_only
        tables["article_relevance"] = relevance
    return tables


def _framing_specs(run: Analysis, tables: dict[str, pd.DataFrame] | None = None) -> dict[str, FigureSpec]:
    tables = tables or framing_tables(run)
    specs = {"frame_shares_by_article": FigureSpec(fg.plot_frame_shares, tables["article_frames"], {"width": "double"}),
             "stance_by_group": FigureSpec(fg.plot_stance_by_group, tables["group_stance"],
                                           {"group_label": GROUP_LABELS.get(run.group_by, run.group_by)})}
    if "period_stance" in tables:
        specs["stance_by_period"] = FigureSpec(fg.plot_stance_by_group, tables["period_stance"],
                                               {"group_label": "Period"})
    specs["topic_frame_heatmap"] = FigureSpec(fg.plot_topic_frame_heatmap, tables["topic_frame"], {"width": "double"})
    if "confusion" in tables:
        specs["framing_confusion_matrix"] = FigureSpec(fg.plot_confusion_matrix, tables["confusion"], {})
    return specs


def framing_figures(run: Analysis, tables: dict[str, pd.DataFrame] | None = None) -> dict[str, Figure]:
    """Frame shares per article, stance per group and period, topic x frame heatmap, confusion matrix."""
    return {name: spec.figure() for name, spec in _framing_specs(run, tables).items()}


def save_figures(figs: dict[str, Figure], out_dir: str | Path) -> list[Path]:
    """Save every figure as PNG, SVG and PDF into ``out_dir``; returns the files written."""
    return [path for name, fig in figs.items() for path in fg.save_figure(fig, name, out_dir)]


class SavedFigure:
    """A figure saved as ``folder/name.{png,svg,pdf}``; a notebook shows its PNG.

    The PNG (300 dpi) is shown at half its pixel width, the size at which the notebook's own
    display (150 dpi) would show the figure.
    """

    def __init__(self, name: str, folder: str | Path) -> None:
        self.name = name
        self.folder = Path(folder)

    def path(self, fmt: str) -> Path:
        return self.folder / f"{self.name}.{fmt}"

    @property
    def files(self) -> list[Path]:
        return [self.path(fmt) for fmt in ("png", "svg", "pdf")]

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        data = self.path("png").read_bytes()
        width = int.from_bytes(data[16:20], "big")  # from the PNG header (IHDR)
        return data, {"width": max(1, width // 2)}

    def __repr__(self) -> str:
        return f"SavedFigure({self.name!r}, {str(self.folder)!r})"


_SECTIONS: dict[str, Callable[[Analysis], dict[str, FigureSpec]]] = {
    "corpus": _corpus_specs, "topics": _topic_specs, "framing": _framing_specs}
#: The formats every figure of the report is saved in.
FORMATS = ("png", "svg", "pdf")


def _files_hash(paths, *versions: str) -> str:
    """Hash of library versions and the bytes of ``paths``."""
    digest = hashlib.sha256(" ".join(versions).encode())
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def _code_version() -> str:
    """Hash of the code and style that draw the figures and build the report tables."""
    import matplotlib

    package = Path(__file__).parents[1]
    return _files_hash([package / "report" / "render.py", package / "report" / "tables.py",
                        *sorted((package / "figures").glob("*.py")), package / "figures" / "analysis.mplstyle",
                        package / "framing" / "frames.py"], matplotlib.__version__)


@lru_cache(maxsize=None)
def _figure_code(module: str) -> str:
    """Hash of what draws and saves the figures of one module of :mod:`analysis.figures`: that
    module, the helpers and style sheet every figure shares, and matplotlib's and fontTools' versions."""
    import fontTools
    import matplotlib

    figures = Path(fg.__file__).parent
    shared = ("style.py", "drawing.py", "save.py", "analysis.mplstyle")
    return _files_hash([Path(sys.modules[module].__file__), *(figures / name for name in shared),
                        Path(fg.__file__).parents[1] / "framing" / "frames.py"],
                       matplotlib.__version__, fontTools.version)


def table_hash(table: pd.DataFrame) -> str:
    """A hash of a table's content: column names, dtypes and every value (not the index)."""
    digest = hashlib.sha256(repr([(str(c), str(t)) for c, t in table.dtypes.items()]).encode())
    try:
        digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    except TypeError:  # cells holding lists or dicts: hash their text
        digest.update(pd.util.hash_pandas_object(table.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def figure_key(name: str, spec: FigureSpec) -> str:
    """The key a figure is saved under: its name, table content, drawing code and options."""
    draw = spec.draw
    return fingerprint("figure/1", name, f"{draw.__module__}.{draw.__qualname__}", _figure_code(draw.__module__),
                       table_hash(spec.table), spec.options, FORMATS)


def render(run: Analysis, section: str) -> dict[str, SavedFigure]:
    """A section's figures (``"corpus"``, ``"topics"`` or ``"framing"``), saved under ``run.out``.

    Each figure is drawn and saved (PNG, SVG, PDF) unless its three files exist and were saved
    under the same key (:func:`figure_key`: the table it draws, the figure code, its options),
    in which case they are reused; a figure with a file missing is drawn again and only the missing
    formats are written. What was drawn is recorded in ``state/figures_<section>.json``.
    Returns ``name -> SavedFigure``; the Figure objects themselves come from
    :func:`corpus_figures`, :func:`topic_figures` and :func:`framing_figures`.
    """
    if section not in _SECTIONS:
        raise ValueError(f"section must be one of {sorted(_SECTIONS)}, got {section!r}")
    start = time.perf_counter()
    specs = _SECTIONS[section](run)
    stage = f"figures_{section}"
    previous = run.cache.record(stage).get("keys", {})
    keys = {name: figure_key(name, spec) for name, spec in specs.items()}
    saved = {name: SavedFigure(name, run.out) for name in specs}
    drawn, tasks = [], []
    for name, spec in specs.items():
        missing = [fmt for fmt in FORMATS if not _written(saved[name].path(fmt))]
        if previous.get(name) == keys[name] and not missing:
            continue
        formats = FORMATS if previous.get(name) != keys[name] else tuple(missing)
        tasks.append((spec.draw, spec.table, spec.options, name, run.out, formats))
        drawn.append(name)
    fg.save_figures_from_tables(tasks)  # in worker processes when there are several and cores for them
    if drawn or previous != keys:
        run.cache.mark(stage, fingerprint(stage, keys), figures=list(specs), keys=keys, drawn=drawn,
                       drawn_at=time.time(), seconds=round(time.perf_counter() - start, 3))
    return saved


def _written(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def browse_table(run: Analysis) -> pd.DataFrame:
    """One row per passage with its text, article, frame and topic: what the interactive figures draw.

    Columns: passage_id, article_id, text, title, source, date, label (frame), p_militarization,
    p_root_cause, stance, topic, topic_label, x, y.
    """
    frames = run.framing()
    frames = frames.assign(title=frames["article_id"].map(tb.display_titles(frames)))
    topics = run.topics()["passage_topics"].rename(columns={"label": "topic_label"})
    keep = [c for c in ("passage_id", "article_id", "text", "title", "source", "date", "label", "p_militarization",
                        "p_root_cause", "stance") if c in frames]
    return frames[keep].merge(topics[["passage_id", "topic", "topic_label", "x", "y"]], on="passage_id", how="inner")


class Interactive:
    """A plotly figure shown by JupyterLab as an interactive chart, without plotly.js in the notebook.

    The notebook stores the figure as plotly JSON (``application/vnd.plotly.v1+json``, drawn by
    JupyterLab's plotly extension), so an executed notebook stays small; elsewhere it shows a
    line saying where to open it. ``.figure`` is the plotly Figure (``.figure.write_html(...)``).
    """

    def __init__(self, figure) -> None:
        self.figure = figure

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        import json

        return {"application/vnd.plotly.v1+json": json.loads(self.figure.to_json()),
                "text/plain": "Interactive figure: open this notebook in JupyterLab to hover and filter."}


def interactive(run: Analysis, name: str) -> Interactive:
    """An interactive figure of the run: ``"topic_map"`` or ``"passage_browser"`` (plotly, for JupyterLab)."""
    draw = {"topic_map": fg.plot_topic_map_interactive, "passage_browser": fg.plot_passage_browser}
    if name not in draw:
        raise ValueError(f"interactive figure must be one of {sorted(draw)}, got {name!r}")
    return Interactive(draw[name](browse_table(run)))


def topic_overview(run: Analysis):
    """The topics as a table to read (number, label or name given by hand, size, share), without index."""
    info = run.topics()["topic_info"][["topic", "label", "size", "share"]]
    return (info.rename(columns={"label": "topic label", "size": "passages"}).style.hide(axis="index")
            .format({"share": "{:.0%}"}))


def topics_with_term(run: Analysis, term: str) -> pd.DataFrame:
    """Topics whose passages use ``term`` (case and accents ignored), most first.

    Columns topic, label, passages, share_of_topic, share_of_term; see
    :func:`analysis.topics.find_topics`.
    """
    passages = run.load_corpus().passages
    return run.topic_model().find_topics(term, passages["text"].tolist())


class HTMLBlock(str):
    """HTML text that a notebook (and so ``report.html``) shows as HTML, not as a string."""

    def _repr_html_(self) -> str:
        return str(self)


def highlight_indicators(text: str) -> str:
    """``text`` as HTML with the codebook's indicator phrases marked in their frame's colour.

    Militarization phrases get ``<mark class="militarization">``, root-cause phrases
    ``<mark class="root_cause">``; everything else is escaped, newlines become ``<br>``.
    """
    from html import escape

    from ..framing import indicator_spans

    parts, at = [], 0
    for start, end, frame in indicator_spans(text):
        parts += [escape(text[at:start]),
                  f'<mark class="{frame}" style="background-color:{_MARK_COLOURS[frame]}">{escape(text[start:end])}</mark>']
        at = end
    parts.append(escape(text[at:]))
    return "".join(parts).replace("\n", "<br>")


#: FRAME_COLORS lightened to sit behind text.
_MARK_COLOURS = {"militarization": "#F6D3BF", "root_cause": "#BFDCEF"}


def _mark_style() -> str:
    rules = "".join(f"mark.{frame}{{background:{colour};color:inherit;padding:0 1px;border-radius:2px}}"
                    for frame, colour in _MARK_COLOURS.items())
    return (f"<style>{rules}table.evidence td{{vertical-align:top;text-align:left;white-space:normal}}"
            "table.evidence td.passage{max-width:44em;line-height:1.45}</style>")


def evidence_html(evidence: pd.DataFrame) -> HTMLBlock:
    """The evidence table (:func:`~analysis.report.tables.evidence_table`) as a table to read.

    One block per article (title, outlet, date), then its most militarized and most root-cause
    passage in full, wrapped, with p_militarization and p_root_cause and the codebook's
    indicator phrases highlighted (:func:`highlight_indicators`). No index, no cut text.

    The last table's HTML is kept in memory, so that the notebooks of one report (they share a
    kernel) mark the phrases of the same passages once.
    """
    key = table_hash(evidence)
    if key not in _EVIDENCE_HTML:
        _EVIDENCE_HTML.clear()
        _EVIDENCE_HTML[key] = _evidence_html(evidence)
    return _EVIDENCE_HTML[key]


#: The HTML of the last evidence table shown: table hash -> HTML.
_EVIDENCE_HTML: dict[str, HTMLBlock] = {}


def _evidence_html(evidence: pd.DataFrame) -> HTMLBlock:
    from html import escape

    header = ("<tr><th>Article</th><th>Passage</th><th>p_militarization</th><th>p_root_cause</th>"
              "<th>Label</th><th>Text (indicator phrases marked)</th></tr>")
    rows = []
    articles: dict[object, list[dict]] = {}  # article -> its rows, in the table's order
    for row in evidence.to_dict("records"):
        articles.setdefault(row["article_id"], []).append(row)
    for article_id, part in articles.items():
        first = part[0]
        date = first.get("date")
        meta = " · ".join(x for x in (str(first.get("source") or ""),
                                      "" if pd.isna(date) else f"{pd.Timestamp(date):%Y-%m-%d}") if x)
        article = f"<b>{escape(str(first['title'] or article_id))}</b>" + (f"<br><small>{escape(meta)}</small>" if meta else "")
        for i, row in enumerate(part):
            cell = f'<td rowspan="{len(part)}">{article}</td>' if i == 0 else ""
            rows.append(f"<tr>{cell}<td>{escape(row['side'])}</td><td>{row['p_militarization']:.2f}</td>"
                        f"<td>{row['p_root_cause']:.2f}</td><td>{escape(FRAME_NAMES.get(row['label'], row['label']))}</td>"
                        f'<td class="passage">{highlight_indicators(row["text"])}</td></tr>')
    legend = (f'<p><mark class="militarization" style="background-color:{_MARK_COLOURS["militarization"]}">'
              f'militarization indicator</mark> <mark class="root_cause" style="background-color:'
              f'{_MARK_COLOURS["root_cause"]}">root-cause indicator</mark> (phrases of the codebook, '
              "<code>analysis/framing/codebook.yaml</code>); p_militarization and p_root_cause are the "
              "classifier's probabilities for the passage.</p>")
    return HTMLBlock(f'{_mark_style()}{legend}<table class="evidence"><thead>{header}</thead>'
                     f"<tbody>{''.join(rows)}</tbody></table>")


def topic_record_text(record: dict) -> str:
    """A Markdown paragraph saying how the topics were found (method, fallback, outliers, quality)."""
    if not record:
        return "No topic record found."
    metrics = record.get("metrics", {})
    lines = [f"**{record.get('n_topics')} topics** over {record.get('n_passages')} passages, "
             f"method **{record.get('method')}**."]
    if record.get("fallback_reason"):
        lines.append(f"Fallback: {record['fallback_reason']}.")
    lines.append(f"Outliers: {record.get('outlier_share_before', 0):.0%} of passages before reassignment, "
                 f"{record.get('outlier_share_after', 0):.0%} after ({record.get('outlier_strategy')}).")
    quality = [f"NPMI coherence {metrics['npmi']:.3f} (−1 to 1, higher is better)" if "npmi" in metrics else "",
               f"topic diversity {metrics['diversity']:.2f} (0 to 1)" if "diversity" in metrics else "",
               f"stability (ARI across seeds) {metrics['stability_ari']:.2f}" if "stability_ari" in metrics else ""]
    quality = [q for q in quality if q]
    if quality:
        lines.append("Quality: " + "; ".join(quality) + " (of the topics as found).")
    curation = record.get("curation")
    if curation:
        merged = "; ".join(" + ".join(str(t) for t in group) for group in curation.get("merge", []))
        lines.append(f"Curated by hand in `{Path(curation['file']).name}`: {len(curation.get('names', {}))} topic "
                     f"name(s)" + (f", topics merged: {merged}" if merged else "") + ".")
    else:
        lines.append("To name topics or merge two, write `topic_names.csv` (columns `topic,name`; topics given the "
                     "same name are merged) in the output folder, or pass `-p topic_names FILE`, and run again.")
    return " ".join(lines)


def classifier_text(model) -> str:
    """A Markdown paragraph naming the framing method and its validation against the gold standard."""
    record = getattr(model, "record_", {})
    text = f"Framing classifier: **{model.method_}**"
    trained = record.get("trained_on", {})
    if "sources" in trained:
        src = trained["sources"]
        text += (f", trained on {src.get('gold', 0):,} gold-standard passages of real coverage (English and Spanish), "
                 f"{src.get('seeds', 0)} seed passages, {src.get('codebook', 0)} codebook examples and "
                 f"{src.get('offtopic', 0)} off-topic news passages")
    elif trained:
        text += (f", trained on {trained.get('n_annotated')} hand-coded passages and "
                 f"{trained.get('n_codebook_examples')} codebook examples")
    validation = record.get("validation", {})
    rows = [r for r in validation.get("macro_f1", []) or [] if r.get("stratum") == "random"]
    mine = {r["language"]: r for r in rows if r["method"] == record.get("validation_method")}
    lexicon = {r["language"]: r for r in rows if r["method"] == "lexicon"}
    if mine:
        parts = [f"{lang} **{r['value']:.2f}** (95% CI {r['ci_low']:.2f}–{r['ci_high']:.2f}"
                 + (f"; lexicon baseline {lexicon[lang]['value']:.2f}" if lang in lexicon else "") + ")"
                 for lang, r in sorted(mine.items())]
        text += (". Macro-F1 on outlets held out of training (random sample of passages): " + ", ".join(parts))
        human = {r["language"]: r["value"] for r in validation.get("human", []) or []
                 if r["metric"] == "krippendorff_alpha"}
        if human:
            text += ("; two coders agree at Krippendorff's alpha "
                     + ", ".join(f"{lang} {v:.2f}" for lang, v in sorted(human.items())))
    summary = {row["method"]: row for row in validation.get("summary", []) or []}
    if model.method_ in summary:
        row = summary[model.method_]
        text += (f". Leave-one-article-out macro-F1 **{row['macro_f1']:.2f}** (95% CI {row['macro_f1_low']:.2f}–"
                 f"{row['macro_f1_high']:.2f}), Cohen's kappa {row['kappa']:.2f}")
        if "lexicon" in summary and model.method_ != "lexicon":
            text += f"; the codebook lexicon baseline reaches macro-F1 {summary['lexicon']['macro_f1']:.2f}"
    return text + "."


def relevance_text(run: Analysis) -> str:
    """Markdown: how many articles the relevance score judges off-topic and whether they are counted."""
    relevance = run.article_relevance()
    if relevance is None:
        return "The framing model has no relevance score, so off-topic articles are not counted."
    off = relevance[~relevance["relevant"]]
    text = (f"The relevance score judges **{len(off)} of {len(relevance)} articles off-topic** (not about drugs, "
            f"organised crime or security policy: the mean p_relevant of their passages is below 0.5; "
            f"`tables/article_relevance.csv`); ")
    return text + ("they are left out of the framing figures and tables (`relevant_only`)." if run.relevant_only
                   else "they are counted in the framing figures and tables (`-p relevant_only true` leaves them out).")


def summary_text(run: Analysis) -> str:
    """Markdown: corpus counts and the overall frame shares with bootstrap CIs."""
    corpus = run.load_corpus()
    counts = corpus.manifest["status"].value_counts().to_dict()
    frames = run.framing_in_scope().assign(all="all")
    overall = tb.frame_shares(frames, "all", random_state=run.seed).iloc[0]
    dates = corpus.articles["date"].dropna()
    span = f"from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else "undated"
    scope = relevance_text(run) + " "
    which = "passages of on-topic articles" if run.relevant_only else "passages"
    return (f"**{counts.get('loaded', 0)} articles** analysed ({counts.get('duplicate', 0)} duplicates set aside, "
            f"{counts.get('skipped', 0)} inputs skipped; see `tables/manifest.csv`), {len(corpus.passages)} passages, "
            f"{span}. {scope}Across all {len(frames)} {which}, **{overall['share_militarization']:.0%}** frame the response as "
            f"militarization (95% CI {overall['share_militarization_low']:.0%}–"
            f"{overall['share_militarization_high']:.0%}) and **{overall['share_root_cause']:.0%}** as root causes "
            f"({overall['share_root_cause_low']:.0%}–{overall['share_root_cause_high']:.0%}); mean stance "
            f"{overall['stance']:+.2f} on a scale from −1 (root causes) to +1 (militarization).")
