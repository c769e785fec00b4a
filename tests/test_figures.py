"""Tests of analysis.figures: what each figure draws, its style, sizes, labels and saved files."""

from __future__ import annotations

import copy
import textwrap

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from analysis import figures
from analysis.framing.frames import FRAME_NAMES, FRAMES
from analysis.figures import FRAME_COLORS, OUTLIER_COLOR, save_figure, topic_colors, wrap_label

LONG = ("An extraordinarily long label about cocaine shipments leaving the port of Guayaquil in banana "
        "containers bound for Spain")  # 120 characters
assert len(LONG) == 120
WIDTHS = {"single": 3.5, "double": 7.0}


# ---------------------------------------------------------------------------------------------
# Tiny tidy tables, as the other modules hand them over
# ---------------------------------------------------------------------------------------------

def articles_table(long: bool = False) -> pd.DataFrame:
    """Five articles on three dates (like the seed corpus) plus one without a date."""
    return pd.DataFrame({
        "article_id": ["a0", "a1", "a2", "a3", "a4", "a5"],
        "title": [LONG if long else "How the U.S. focus on fentanyl fuelled the cocaine trade",
                  "U.S. and Ecuador launch joint operations", "Latin America deepens anti-narcotics cooperation",
                  "Traffickers moved to Ecuador, says Petro", "", None],
        "date": pd.to_datetime(["2025-12-05", "2026-03-04", "2026-03-04", "2026-01-10", "2026-03-04", None]),
        "source": [LONG if long else "New York Times", "BNN", "Khaleej Times", "AP", "BNN", "AP"],
        "n_passages": [14, 6, 9, 11, 4, 7],
    })


def topic_info_table(long: bool = False) -> pd.DataFrame:
    labels = ["-1_the_of_and", "0_cocaine_ecuador_port", LONG if long else "1_military_operations_southcom",
              "2_coca_farmers_substitution"]
    return pd.DataFrame({"topic": [-1, 0, 1, 2], "label": labels, "size": [30, 120, 80, 55],
                         "share": [30 / 285, 120 / 285, 80 / 285, 55 / 285]})


def topic_words_table(long: bool = False, n_words: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    words = ["cocaine", "port", "Ecuador", "Guayaquil", "container", "shipment", "navy", "Los Lobos",
             "seizure", "banana"][:n_words]
    return pd.DataFrame([{"topic": t, "label": label, "word": w, "weight": rng.uniform(0.01, 0.1)}
                         for t, label in topic_info_table(long)[["topic", "label"]].itertuples(index=False)
                         for w in words])


def passage_topics_table(long: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    centres = {-1: (0, 0, 2.5), 0: (3, 3, 0.5), 1: (-3, 2, 0.5), 2: (2, -3, 0.5)}
    rows = []
    for t, label in topic_info_table(long)[["topic", "label"]].itertuples(index=False):
        x, y, sd = centres[t]
        rows += [{"x": rng.normal(x, sd), "y": rng.normal(y, sd), "topic": t, "label": label} for _ in range(40)]
    return pd.DataFrame(rows)


def topic_time_table(long: bool = False, n_periods: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    labels = topic_info_table(long)["label"]
    return pd.DataFrame([{"period": p, "label": label, "share": s}
                         for p in pd.date_range("2025-10-01", periods=n_periods, freq="MS")
                         for label, s in zip(labels, rng.dirichlet(np.ones(len(labels))))])


def article_frames_table(long: bool = False) -> pd.DataFrame:
    shares = np.array([[0.6, 0.1, 0.3], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4], [0.0, 0.8, 0.2]])
    table = pd.DataFrame(shares, columns=[f"share_{f}" for f in FRAMES])
    table.insert(0, "title", [LONG if long else "Troops deployed to Guayaquil port", "Coca farmers want roads",
                              "", "Poverty drives recruitment by gangs"])
    table.insert(0, "article_id", ["a0", "a1", "a2", "a3"])
    return table


def group_stance_table(long: bool = False, dates: bool = False) -> pd.DataFrame:
    groups = (pd.to_datetime(["2026-02-01", "2025-12-01", "2026-01-01"]) if dates
              else [LONG if long else "New York Times", "BNN", "AP"])
    stance = np.array([0.3, -0.4, 0.05])
    return pd.DataFrame({"group": groups, "stance": stance, "ci_low": stance - 0.2,
                         "ci_high": stance + 0.15, "n": [40, 12, 25]})


def topic_frame_table(long: bool = False) -> pd.DataFrame:
    labels = topic_info_table(long)["label"]
    shares = [[0.2, 0.3, 0.5], [0.7, 0.1, 0.2], [0.1, 0.8, 0.1], [0.4, 0.4, 0.2]]
    return pd.DataFrame([{"label": label, "frame": f, "share": s, "n": int(s * 50)}
                         for label, row in zip(labels, shares) for f, s in zip(FRAMES, row)])


def confusion_table() -> pd.DataFrame:
    counts = [[40, 5, 10], [3, 30, 7], [8, 6, 50]]
    return pd.DataFrame([{"true": t, "predicted": p, "count": counts[i][j]}
                         for i, t in enumerate(FRAMES) for j, p in enumerate(FRAMES)])


#: Every figure function with its table (long labels or not) and the columns it requires.
FIGURES = {
    "articles_over_time": (figures.plot_articles_over_time, articles_table, ["date", "source"]),
    "passages_per_article": (figures.plot_passages_per_article, articles_table, ["article_id", "n_passages"]),
    "topic_sizes": (figures.plot_topic_sizes, topic_info_table, ["topic", "label", "size"]),
    "topic_words": (figures.plot_topic_words, topic_words_table, ["topic", "label", "word", "weight"]),
    "topic_map": (figures.plot_topic_map, passage_topics_table, ["x", "y", "topic", "label"]),
    "topic_share_over_time": (figures.plot_topic_share_over_time, topic_time_table, ["period", "label", "share"]),
    "frame_shares": (figures.plot_frame_shares, article_frames_table,
                     ["article_id", "title", "share_militarization", "share_root_cause", "share_neither"]),
    "stance_by_group": (figures.plot_stance_by_group, group_stance_table,
                        ["group", "stance", "ci_low", "ci_high", "n"]),
    "topic_frame_heatmap": (figures.plot_topic_frame_heatmap, topic_frame_table, ["label", "frame", "share"]),
    "confusion_matrix": (figures.plot_confusion_matrix, lambda long=False: confusion_table(),
                         ["true", "predicted", "count"]),
}


def draw(name: str, *, long: bool = False, width: str = "single") -> Figure:
    function, table, _ = FIGURES[name]
    return function(table(long), width=width)


def main_axes(fig: Figure):
    """The plotting axes (not colour bars, not switched-off panels)."""
    return [ax for ax in fig.axes if ax.axison and ax.get_label() != "<colorbar>"]


def title_of(fig: Figure) -> str:
    suptitle = fig.get_suptitle()
    return suptitle or " ".join(ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right"))


def bar_colors(ax) -> list[str]:
    return [to_hex(p.get_facecolor()) for p in ax.patches if isinstance(p, Rectangle)]


def ticklabels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


# ---------------------------------------------------------------------------------------------
# Colours and labels
# ---------------------------------------------------------------------------------------------

def test_frame_colors_are_okabe_ito_one_per_frame():
    assert tuple(FRAME_COLORS) == FRAMES
    assert FRAME_COLORS == {"militarization": "#D55E00", "root_cause": "#0072B2", "neither": "#999999"}


def test_topic_colors_are_distinct_stable_and_grey_for_outliers():
    labels = ["0_coca", "Outliers", "1_port", "2_army", "-1_the_of"]
    colors = topic_colors(labels)
    assert colors["Outliers"] == colors["-1_the_of"] == OUTLIER_COLOR
    named = [colors[label] for label in ("0_coca", "1_port", "2_army")]
    assert len(set(named)) == 3 and OUTLIER_COLOR not in named
    assert not set(named) & set(FRAME_COLORS.values())  # a topic never looks like a frame
    assert topic_colors(labels) == colors


def test_wrap_label_keeps_lines_short_and_breaks_bertopic_labels_at_underscores():
    wrapped = wrap_label(LONG)
    assert all(len(line) <= 28 for line in wrapped.split("\n"))
    assert wrapped.replace("\n", " ") == LONG
    assert wrap_label("12_cocaine_ecuador_port_guayaquil_navy") == "12_cocaine_ecuador_port_\nguayaquil_navy"
    assert len(wrap_label(LONG, max_lines=3).split("\n")) == 3 and wrap_label(LONG, max_lines=3).endswith("…")


# ---------------------------------------------------------------------------------------------
# What each figure draws
# ---------------------------------------------------------------------------------------------

def test_articles_over_time_draws_one_line_per_outlet_and_notes_missing_dates():
    fig = figures.plot_articles_over_time(articles_table())
    (ax,) = main_axes(fig)
    assert len(ax.lines) == 4  # New York Times, BNN, Khaleej Times, AP
    assert sorted(t.get_text() for t in fig.legends[0].get_texts()) == ["AP", "BNN", "Khaleej Times", "New York Times"]
    counts = {line.get_color(): line.get_ydata().sum() for line in ax.lines}
    assert sum(counts.values()) == 5  # the article without a date is not counted...
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["1 article without a publication date not shown."]  # ...and says so


def test_articles_over_time_with_a_single_period_draws_a_bar_per_outlet():
    articles = articles_table().assign(date=pd.Timestamp("2026-03-04"))
    fig = figures.plot_articles_over_time(articles)
    (ax,) = main_axes(fig)
    assert len(ax.patches) == 4
    assert ticklabels(ax.yaxis) == ["AP", "BNN", "Khaleej Times", "New York Times"]  # AP and BNN: 2 articles
    assert "Mar 2026" in title_of(fig)


def test_articles_over_time_rejects_a_table_without_dates():
    with pytest.raises(ValueError, match="no usable date"):
        figures.plot_articles_over_time(articles_table().assign(date=pd.NaT))


def test_passages_per_article_labels_bars_by_wrapped_title_or_id():
    fig = figures.plot_passages_per_article(articles_table(long=True))
    (ax,) = main_axes(fig)
    assert len(ax.patches) == 6
    labels = ticklabels(ax.yaxis)
    assert labels[0] == wrap_label(LONG, max_lines=3)  # 14 passages: on top
    assert (labels[3], labels[5]) == ("a5", "a4")  # no title (None or ""): the id
    assert [round(p.get_width()) for p in ax.patches] == [14, 11, 9, 7, 6, 4]


def test_passages_per_article_switches_to_a_histogram_for_many_articles():
    many = pd.DataFrame({"article_id": range(100), "n_passages": np.arange(100) % 10 + 1})
    fig = figures.plot_passages_per_article(many)
    (ax,) = main_axes(fig)
    assert len(ax.patches) == 10  # one bin per passage count
    assert sum(p.get_height() for p in ax.patches) == 100
    assert ax.get_ylabel() == "Articles (count)"


def test_topic_sizes_sorts_bars_and_greys_the_outliers_last():
    info = topic_info_table()
    fig = figures.plot_topic_sizes(info)
    (ax,) = main_axes(fig)
    assert len(ax.patches) == len(info)
    assert ticklabels(ax.yaxis) == ["0_cocaine_ecuador_port", wrap_label("1_military_operations_southcom"),
                                    "2_coca_farmers_substitution", "Outliers"]
    colors = bar_colors(ax)
    assert colors[-1] == OUTLIER_COLOR.lower() and OUTLIER_COLOR.lower() not in colors[:-1]
    assert [t.get_text() for t in ax.texts][0] == "120 (42%)"


def test_topic_figures_share_colours_given_once():
    colors = topic_colors(topic_info_table().sort_values("topic")["label"])
    sizes = main_axes(figures.plot_topic_sizes(topic_info_table(), colors=colors))[0]
    assert bar_colors(sizes)[0] == colors["0_cocaine_ecuador_port"].lower()
    shares = main_axes(figures.plot_topic_share_over_time(topic_time_table(), colors=colors))[0]
    assert {to_hex(line.get_color()) for line in shares.lines} == {to_hex(c) for c in colors.values()}


def test_topic_words_draws_one_panel_per_topic_with_n_words_bars():
    fig = figures.plot_topic_words(topic_words_table(long=True), n_words=5)
    panels = main_axes(fig)
    assert len(panels) == 3  # outliers left out
    titles = [p.get_title(loc="left") for p in panels]
    expected = ["0_cocaine_ecuador_port", LONG, "2_coca_farmers_substitution"]
    assert ["".join(t.split()) for t in titles] == ["".join(label.split()) for label in expected]
    assert all(len(line) <= 28 for t in titles for line in t.split("\n"))  # wrapped
    assert all(len(p.patches) == 5 for p in panels)
    first = panels[0]
    words = topic_words_table().query("topic == 0").nlargest(5, "weight")["word"].tolist()
    assert ticklabels(first.yaxis) == words


def test_topic_words_respects_max_topics():
    fig = figures.plot_topic_words(topic_words_table(), max_topics=2, include_outliers=True)
    assert len(main_axes(fig)) == 2


def test_topic_map_labels_each_topic_at_its_median_and_greys_outliers():
    passages = passage_topics_table(long=True)
    fig = figures.plot_topic_map(passages)
    (ax,) = main_axes(fig)
    labels = [t for t in ax.texts if t.get_bbox_patch() is not None]
    assert sorted(t.get_text() for t in labels) == sorted(
        [wrap_label("0_cocaine_ecuador_port"), wrap_label(LONG), wrap_label("2_coca_farmers_substitution")])
    outliers, *topics = ax.collections
    assert {to_hex(c) for c in outliers.get_facecolors()} == {OUTLIER_COLOR.lower()}
    assert len(topics) == 3 and outliers.get_sizes()[0] < topics[0].get_sizes()[0]
    centre = passages.query("topic == 0")[["x", "y"]].median().to_numpy()
    anchor = next(t for t in labels if t.get_text() == "0_cocaine_ecuador_port").xy
    assert np.allclose(anchor, centre)


def test_crowded_topic_map_labels_end_apart_and_inside_the_axes():
    rng = np.random.default_rng(0)
    n_topics = 8  # every topic's median within a small patch: the labels start on top of each other
    passages = pd.DataFrame({"x": rng.normal(0, 0.05, 40 * n_topics), "y": rng.normal(0, 0.05, 40 * n_topics),
                             "topic": np.repeat(np.arange(n_topics), 40)})
    passages["label"] = [f"{t}_word{t}_other{t}" for t in passages["topic"]]
    passages.loc[0, ["x", "y"]] = [10.0, 10.0]  # one far point stretches the axes
    fig = figures.plot_topic_map(passages)
    (ax,) = main_axes(fig)
    fig.draw_without_rendering()
    boxes = [t.get_window_extent() for t in ax.texts if t.get_bbox_patch() is not None]
    assert len(boxes) == n_topics
    frame = ax.get_window_extent()
    assert all(frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 and frame.y0 - 1 <= b.y0 and b.y1 <= frame.y1 + 1
               for b in boxes)
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    assert overlaps == []


def test_topic_share_over_time_draws_a_line_per_topic_or_bars_for_one_period():
    fig = figures.plot_topic_share_over_time(topic_time_table())
    (ax,) = main_axes(fig)
    assert len(ax.lines) == 4
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "Outliers"
    one = figures.plot_topic_share_over_time(topic_time_table(n_periods=1))
    (ax,) = main_axes(one)
    assert len(ax.patches) == 4 and not ax.lines
    area = figures.plot_topic_share_over_time(topic_time_table(), kind="area")
    assert len(main_axes(area)[0].collections) == 4
    with pytest.raises(ValueError, match="kind"):
        figures.plot_topic_share_over_time(topic_time_table(), kind="pie")


def test_frame_shares_diverge_from_zero_in_frame_colours_sorted_by_balance():
    frames = article_frames_table()
    fig = figures.plot_frame_shares(frames)
    (ax,) = main_axes(fig)
    colors = bar_colors(ax)
    assert set(colors) == {c.lower() for c in FRAME_COLORS.values()}
    assert colors.count(FRAME_COLORS["militarization"].lower()) == len(frames)
    assert colors.count(FRAME_COLORS["root_cause"].lower()) == len(frames)
    assert colors.count(FRAME_COLORS["neither"].lower()) == 2 * len(frames)  # half at each end
    assert ticklabels(ax.yaxis) == [wrap_label(title) for title in (
        "Troops deployed to Guayaquil port", "a2", "Coca farmers want roads", "Poverty drives recruitment by gangs")]
    mil = [p for p in ax.patches if to_hex(p.get_facecolor()) == FRAME_COLORS["militarization"].lower()]
    root = [p for p in ax.patches if to_hex(p.get_facecolor()) == FRAME_COLORS["root_cause"].lower()]
    assert all(p.get_x() == 0 and p.get_width() >= 0 for p in mil)
    assert all(p.get_x() == 0 and p.get_width() <= 0 for p in root)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [FRAME_NAMES[f] for f in FRAMES]
    assert (ax.get_title(loc="left"), ax.get_title(loc="right")) == ("← Root causes", "Militarization →")


def test_frame_shares_of_thousands_of_articles_are_four_stepped_areas():
    rng = np.random.default_rng(0)
    shares = rng.dirichlet([1, 1, 1], size=3000)
    frames = pd.DataFrame(shares, columns=[f"share_{f}" for f in FRAMES])
    frames.insert(0, "title", "")
    frames.insert(0, "article_id", [f"a{i}" for i in range(len(frames))])
    fig = figures.plot_frame_shares(frames)
    (ax,) = main_axes(fig)
    colors = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert sorted(colors) == sorted(FRAME_COLORS[f].lower() for f in ("root_cause", "militarization", "neither",
                                                                      "neither"))
    mil = next(p for p in ax.patches if to_hex(p.get_facecolor()) == FRAME_COLORS["militarization"].lower())
    values, edges = mil.get_data()[:2]
    assert len(values) == len(frames) and edges[0] == -0.5 and edges[-1] == len(frames) - 0.5
    balance = frames["share_militarization"] - frames["share_root_cause"]
    top = frames.loc[balance.idxmax(), "share_militarization"]
    assert values[-1] == pytest.approx(top)  # the most militarized article is the top step
    assert ax.get_ylabel() == "Articles (3,000), by balance" and not ax.get_yticks().size


def test_frame_shares_must_add_up_to_one():
    with pytest.raises(ValueError, match="add up to 1"):
        figures.plot_frame_shares(article_frames_table().assign(share_neither=0.9))


def test_stance_by_group_draws_points_with_intervals_and_a_zero_line():
    fig = figures.plot_stance_by_group(group_stance_table())
    (ax,) = main_axes(fig)
    points = ax.collections[-1]
    assert len(points.get_offsets()) == 3
    assert ticklabels(ax.yaxis) == ["New York Times (40 passages)", "AP (25 passages)", "BNN (12 passages)"]  # by stance
    assert [to_hex(c) for c in points.get_facecolors()] == [FRAME_COLORS["militarization"].lower()] * 2 + [
        FRAME_COLORS["root_cause"].lower()]
    assert any(np.allclose(line.get_xdata(), 0) for line in ax.lines)
    assert ax.get_xlim() == pytest.approx((-1.05, 1.05))
    assert (ax.get_title(loc="left"), ax.get_title(loc="right")) == ("← Root causes", "Militarization →")


def test_stance_by_group_orders_dates_chronologically():
    fig = figures.plot_stance_by_group(group_stance_table(dates=True), group_label="Month")
    (ax,) = main_axes(fig)
    assert ticklabels(ax.yaxis) == ["Dec 2025 (12 passages)", "Jan 2026 (25 passages)", "Feb 2026 (40 passages)"]
    assert ax.get_ylabel() == "Month" and "month" in title_of(fig)


def test_stance_by_group_counts_articles_and_passages_and_says_why_a_group_has_no_interval():
    table = group_stance_table().assign(n_articles=[4, 1, 3])
    table.loc[1, ["ci_low", "ci_high"]] = np.nan  # BNN: one article
    fig = figures.plot_stance_by_group(table)
    (ax,) = main_axes(fig)
    assert ticklabels(ax.yaxis) == ["New York Times\n(4 articles, 40 passages)", "AP (3 articles, 25 passages)",
                                    "BNN (1 article, 12 passages)"]
    bars = [c for c in ax.collections if c is not ax.collections[-1]]
    assert sum(len(segments.get_segments()) for segments in bars) == 2  # no bar for BNN
    notes = [" ".join(t.get_text().split()) for t in ax.texts]
    assert any("1 group has no bar: one article" in note for note in notes)


def test_stance_outside_minus_one_to_one_is_rejected():
    with pytest.raises(ValueError, match="stance"):
        figures.plot_stance_by_group(group_stance_table().assign(stance=[1.5, 0, 0]))


def test_topic_frame_heatmap_shows_shares_with_readable_text_and_a_colorbar():
    table = topic_frame_table()
    fig = figures.plot_topic_frame_heatmap(table)
    (ax,) = main_axes(fig)
    image = ax.images[0].get_array()
    assert image.shape == (4, 3)
    assert ticklabels(ax.xaxis) == [FRAME_NAMES[f] for f in FRAMES]
    first = ticklabels(ax.yaxis)[0]
    assert first == "0_cocaine_ecuador_port\n(50 passages)"  # most militarized first, with its passages
    assert ticklabels(ax.yaxis)[-1].startswith("Outliers")
    assert np.allclose(image[0], [0.7, 0.1, 0.2])
    cells = {t.get_text(): t.get_color() for t in ax.texts}
    assert cells["80%"] == "white" and cells["10%"] != "white"
    colorbar = next(a for a in fig.axes if a.get_label() == "<colorbar>")
    assert colorbar.get_ylabel() == "Share of the topic's passages (%)"


def test_topic_frame_heatmap_of_forty_topics_fits_a_page_one_line_per_topic():
    rng = np.random.default_rng(1)
    labels = [f"{i}_{'_'.join(['narcotrafficking', 'extradition', 'prosecutors', 'Guayaquil'])}" for i in range(41)]
    table = pd.DataFrame([{"label": label, "frame": f, "share": s, "n": 12}
                          for label in labels for f, s in zip(FRAMES, rng.dirichlet([1, 1, 1]))])
    fig = figures.plot_topic_frame_heatmap(table, width="double")
    (ax,) = main_axes(fig)
    shown = ticklabels(ax.yaxis)
    assert len(shown) == 41 and all("\n" not in label and label.endswith("(36 passages)") for label in shown)  # 3 frames x 12
    assert any("…" in label for label in shown)  # cut, not wrapped
    assert fig.get_figheight() <= 9.6
    from analysis.figures.style import texts_outside_figure

    assert texts_outside_figure(fig) == []


def test_confusion_matrix_in_frames_order_with_counts_and_row_percentages():
    fig = figures.plot_confusion_matrix(confusion_table().sample(frac=1, random_state=0))
    (ax,) = main_axes(fig)
    assert ax.get_xlabel() == "Classifier" and ax.get_ylabel() == "Coders' label"
    names = [FRAME_NAMES[f] for f in FRAMES]
    assert ticklabels(ax.xaxis) == names and ticklabels(ax.yaxis) == names
    texts = [t.get_text() for t in ax.texts if "\n" in t.get_text()]
    assert texts[:3] == ["40\n73%", "5\n9%", "10\n18%"]
    with pytest.raises(ValueError, match="unknown frames"):
        figures.plot_confusion_matrix(confusion_table().replace({"true": {"neither": "other"}}))


# ---------------------------------------------------------------------------------------------
# Rules every figure follows
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_has_a_title_and_axis_labels(name):
    fig = draw(name)
    assert title_of(fig).strip()
    for ax in main_axes(fig):
        xlabel = ax.get_xlabel() or fig.get_supxlabel()
        ylabel = ax.get_ylabel() or fig.get_supylabel()
        assert xlabel.strip() and ylabel.strip()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", FIGURES)
def test_no_text_leaves_the_canvas_even_with_120_character_labels(name, width):
    fig = draw(name, long=True, width=width)
    assert fig.get_figwidth() == WIDTHS[width]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    hidden = set()
    for ax in fig.axes:  # tick labels outside the view limits are not drawn
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not ax.axison or not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden |= {id(tick.label1), id(tick.label2)}
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden]
    assert any(LONG.split()[0] in t.get_text() for t in texts) or name == "confusion_matrix"
    canvas = fig.bbox
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= canvas.x0 - 1 and box.y0 >= canvas.y0 - 1, text.get_text()
        assert box.x1 <= canvas.x1 + 1 and box.y1 <= canvas.y1 + 1, text.get_text()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", FIGURES)
def test_tick_labels_never_overlap_with_long_labels(name, width):
    fig = draw(name, long=True, width=width)
    fig.canvas.draw()
    for ax in main_axes(fig):
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [t.get_window_extent() for t in axis.get_ticklabels()
                     if t.get_visible() and t.get_text() and t.get_rotation() == 0]
            for i, first in enumerate(boxes):
                assert not any(first.overlaps(second) for second in boxes[i + 1:]), (name, axis.axis_name)


def test_height_grows_with_the_number_of_bars():
    few = figures.plot_topic_sizes(topic_info_table())
    many = figures.plot_topic_sizes(pd.DataFrame({"topic": range(30), "label": [f"{i}_word" for i in range(30)],
                                                  "size": range(30, 0, -1)}))
    assert many.get_figheight() > few.get_figheight() + 3


@pytest.mark.parametrize("name", FIGURES)
def test_plot_functions_leave_global_rcparams_alone(name):
    import matplotlib

    before = copy.deepcopy(dict(matplotlib.rcParams))
    draw(name)
    after = dict(matplotlib.rcParams)
    assert {key for key in before if before[key] != after[key]} == set()


@pytest.mark.parametrize("name", FIGURES)
def test_figures_draw_on_a_given_axes(name, pyplot):
    function, table, _ = FIGURES[name]
    fig, (left, right) = pyplot.subplots(1, 2, figsize=(12, 6), layout="constrained")
    result = function(table(), ax=right)
    assert result is fig
    assert left.has_data() is False
    assert len(fig.axes) >= 2  # drew beside the caller's other axes


@pytest.mark.parametrize("name", FIGURES)
def test_missing_columns_are_named(name):
    function, table, required = FIGURES[name]
    missing = required[-1]
    with pytest.raises(ValueError, match=rf"missing column\(s\) '{missing}'; it has columns: "):
        function(table().drop(columns=missing))


@pytest.mark.parametrize("name", FIGURES)
def test_empty_tables_are_rejected(name):
    function, table, _ = FIGURES[name]
    with pytest.raises(ValueError, match="is empty: there is nothing to plot"):
        function(table().iloc[0:0])


def test_width_must_be_single_or_double():
    with pytest.raises(ValueError, match="width must be one of 'single', 'double'"):
        figures.plot_topic_sizes(topic_info_table(), width="triple")


# ---------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------

def test_save_figure_writes_reproducible_png_svg_and_pdf(tmp_path):
    from PIL import Image

    fig = figures.plot_frame_shares(article_frames_table())
    out = tmp_path / "nested" / "figures"
    paths = save_figure(fig, "frame_shares", out)
    assert [p.name for p in paths] == ["frame_shares.png", "frame_shares.svg", "frame_shares.pdf"]
    with Image.open(paths[0]) as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert image.size == (round(fig.get_figwidth() * 300), round(fig.get_figheight() * 300))
    svg = paths[1].read_bytes()
    assert b"<text" in svg and b"Frames in each article" in svg  # text kept as text
    assert b"/FontFile2" in paths[2].read_bytes()  # TrueType font embedded
    fig.canvas.draw()  # a draw in between (as a notebook display does) must not matter
    again = save_figure(fig, "frame_shares", tmp_path / "again")
    assert paths[1].read_bytes() == again[1].read_bytes()
    assert paths[2].read_bytes() == again[2].read_bytes()
    assert b"CreationDate" not in paths[2].read_bytes()


def test_save_figure_png_has_the_pixels_of_a_plain_savefig_and_leaves_the_figure_as_it_was(tmp_path):
    from matplotlib.image import imread

    fig = figures.plot_confusion_matrix(confusion_table())
    canvas, engine = fig.canvas, fig.get_layout_engine()
    png, svg = save_figure(fig, "confusion", tmp_path / "ours", formats=("png", "svg"))
    assert fig.canvas is canvas and fig.get_layout_engine() is engine
    plain = figures.plot_confusion_matrix(confusion_table())
    with figures.figure_style():
        plain.savefig(tmp_path / "plain.png", dpi=300)  # lays out and renders in its own two draws
    assert np.array_equal(imread(png), imread(tmp_path / "plain.png"))
    assert save_figure(fig, "confusion", tmp_path / "again", formats=("png",))[0].read_bytes() == png.read_bytes()


def test_save_figure_writes_only_the_formats_asked_for(tmp_path):
    fig = figures.plot_confusion_matrix(confusion_table())
    assert save_figure(fig, "confusion", tmp_path, formats=("svg",)) == [tmp_path / "confusion.svg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["confusion.svg"]


@pytest.mark.parametrize("name, formats, match", [
    ("sub/fig", ("png",), "bare file name"),
    ("", ("png",), "bare file name"),
    ("fig", ("jpg",), "format must be one of"),
])
def test_save_figure_rejects_bad_names_and_formats(tmp_path, name, formats, match):
    fig = figures.plot_confusion_matrix(confusion_table())
    with pytest.raises(ValueError, match=match):
        save_figure(fig, name, tmp_path, formats=formats)


def test_save_figure_warns_about_clipped_text(tmp_path):
    fig = figures.plot_confusion_matrix(confusion_table())
    fig.text(0.9, 0.5, "this sentence runs far past the right edge of the figure")
    with pytest.warns(UserWarning, match="outside the canvas"):
        save_figure(fig, "clipped", tmp_path, formats=("png",))


def test_figure_style_applies_the_style_sheet_only_inside_the_block():
    import matplotlib

    fonttype = matplotlib.rcParams["pdf.fonttype"]
    with figures.figure_style():
        assert matplotlib.rcParams["pdf.fonttype"] == 42
        assert matplotlib.rcParams["svg.fonttype"] == "none"
        assert matplotlib.rcParams["savefig.dpi"] == 300
    assert matplotlib.rcParams["pdf.fonttype"] == fonttype


def test_wrapped_labels_match_textwrap_for_plain_text():
    text = "Security forces and the war on drugs in the Andes"
    assert wrap_label(text) == textwrap.fill(text, 28)


def _pdf_fonts(data: bytes) -> list:
    import io
    import re
    import zlib

    from fontTools.ttLib import TTFont

    fonts = []
    for number in re.findall(rb"/FontFile2 (\d+) 0 R", data):
        stream = re.search(rb"\n" + number + rb" 0 obj\n<<[^>]*>>\nstream\n(.*?)\nendstream", data, re.S).group(1)
        fonts.append(TTFont(io.BytesIO(zlib.decompress(stream))))
    return fonts


def _warning_figure(table, *, note):
    """A figure that warns while it is drawn (a draw function a worker process can import)."""
    import warnings

    warnings.warn(note, UserWarning)
    return figures.plot_confusion_matrix(table)


def test_figures_drawn_in_worker_processes_are_the_bytes_drawn_here_and_keep_their_warnings(tmp_path, monkeypatch):
    from analysis.figures import save as saving

    tasks = lambda folder: [  # noqa: E731
        (figures.plot_topic_words, topic_words_table(), {"width": "double"}, "words", folder, ("png", "svg", "pdf")),
        (figures.plot_topic_map, passage_topics_table(), {}, "map", folder, ("png", "pdf")),
        (_warning_figure, confusion_table(), {"note": "drawn in a worker"}, "confusion", folder, ("svg",))]
    monkeypatch.setenv(saving.FIGURE_WORKERS_ENV, "1")
    with pytest.warns(UserWarning, match="drawn in a worker"):
        here = saving.save_figures_from_tables(tasks(tmp_path / "here"))
    monkeypatch.setenv(saving.FIGURE_WORKERS_ENV, "2")
    with pytest.warns(UserWarning, match="drawn in a worker"):
        there = saving.save_figures_from_tables(tasks(tmp_path / "there"))
    assert saving._POOL and saving._POOL[0] == 2  # the workers were used, and are kept for the next call
    assert [[p.name for p in paths] for paths in there] == [["words.png", "words.svg", "words.pdf"],
                                                           ["map.png", "map.pdf"], ["confusion.svg"]]
    for mine, theirs in zip(here, there):
        for a, b in zip(mine, theirs):
            assert a.read_bytes() == b.read_bytes(), b.name
    assert saving.save_figures_from_tables([]) == []


@pytest.mark.parametrize("value", ["two", "0", "-1"])
def test_figure_workers_refuses_a_bad_count(monkeypatch, value):
    from analysis.figures import save as saving

    monkeypatch.setenv(saving.FIGURE_WORKERS_ENV, value)
    with pytest.raises(ValueError, match="ANALYSIS_FIGURE_WORKERS"):
        saving.figure_workers()


def test_save_figure_embeds_lean_but_complete_font_subsets_in_pdf(tmp_path):
    """PDF fonts keep the glyphs and metrics matplotlib's own subsets have, without the OpenType
    layout tables (GSUB, GPOS, GDEF) that no PDF viewer applies."""
    from matplotlib.backends import _backend_pdf_ps

    original = _backend_pdf_ps.get_glyphs_subset
    fig = figures.plot_confusion_matrix(confusion_table())
    (path,) = save_figure(fig, "confusion", tmp_path, formats=("pdf",))
    assert _backend_pdf_ps.get_glyphs_subset is original  # matplotlib is left as it was
    with figures.figure_style():
        fig.savefig(tmp_path / "plain.pdf", format="pdf")  # matplotlib's own subsets
    lean, plain = _pdf_fonts(path.read_bytes()), _pdf_fonts((tmp_path / "plain.pdf").read_bytes())
    assert lean and len(lean) == len(plain)
    for ours, theirs in zip(lean, plain):
        assert {"glyf", "hmtx", "cmap", "head"} <= set(ours.keys())
        assert {"GSUB", "GPOS"} <= set(theirs.keys()) and not {"GSUB", "GPOS", "GDEF"} & set(ours.keys())
        glyphs = ours.getGlyphOrder()
        assert set(glyphs) <= set(theirs.getGlyphOrder())
        for glyph in glyphs:  # same outline and advance as in matplotlib's subset
            assert ours["hmtx"][glyph] == theirs["hmtx"][glyph], glyph
            assert ours["glyf"][glyph].getCoordinates(ours["glyf"])[0] == \
                theirs["glyf"][glyph].getCoordinates(theirs["glyf"])[0], glyph


# ---------------------------------------------------------------------------------------------
# Interactive figures (plotly): hover text
# ---------------------------------------------------------------------------------------------

def test_hover_lines_are_cut_as_textwrap_cuts_them():
    import random

    from analysis.figures.interactive import HOVER_WIDTH, _wrap_lines

    wrapper = textwrap.TextWrapper(HOVER_WIDTH, break_on_hyphens=False)
    rng = random.Random(0)
    texts = ["", "a", "x" * 80, "x" * 81, "x" * 79 + " y", "y " + "x" * 200 + " z", " ".join(["w" * 39] * 7)]
    for i in range(400):  # words of every length; every other text has some longer than a line
        lengths = [1, 2, 5, 9, 20, 40, 79, 80] + ([81, 120] if i % 2 else [])
        words = ["".join(rng.choice("abcñé-") for _ in range(rng.choice(lengths))) for _ in range(rng.randint(1, 60))]
        texts.append(" ".join(words))
    for text in texts:
        assert _wrap_lines(text) == wrapper.wrap(text), text


def test_topic_map_hover_shows_title_topic_frame_outlet_date_and_the_wrapped_passage():
    words = ("The navy seized two tonnes of cocaine off Guayaquil in a semi-submersible & the "
             "government called it <a> victory against narco-terrorist gangs ") * 12
    passages = pd.DataFrame({
        "passage_id": ["p0", "p1", "p2"], "text": [words, "Short   passage\nabout ports.", ""],
        "topic_label": ["navy | cocaine", "navy | cocaine", "ports"], "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 2.0],
        "label": ["militarization", "neither", None], "source": ["El Universo", None, "AP"],
        "date": pd.to_datetime(["2026-03-04", None, "2025-12-05"]), "title": ["Navy <b>raid</b>", None, ""]})
    fig = figures.plot_topic_map_interactive(passages)
    hover = {pid: text for trace in fig.data for pid, text in zip(trace.customdata, trace.hovertext)}
    head, body = hover["p0"].split("<br><br>", 1)
    assert head == ("<b>Navy &lt;b&gt;raid&lt;/b&gt;</b><br>topic: navy | cocaine · frame: "
                    f"{FRAME_NAMES['militarization']} · outlet: El Universo · date: 2026-03-04")
    lines = body.split("<br>")
    assert len(lines) > 5 and all(len(line.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")) <= 80
                                  for line in lines)
    shown = " ".join(lines).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    assert shown.endswith(" …") and len(shown) <= figures.interactive.HOVER_CHARS + 1
    assert words.startswith(shown[:-2])  # cut at a space, not inside a word
    assert "narco-terrorist" in shown  # broken at spaces only
    assert hover["p1"] == "topic: navy | cocaine · frame: Neither · outlet: (unknown) · date: undated<br><br>Short passage about ports."
    assert hover["p2"].endswith("outlet: AP · date: 2025-12-05<br><br>(empty)") and "frame: (not framed)" in hover["p2"]


def test_figures_import_without_the_framing_models_and_the_framing_names_still_resolve():
    """A figure worker imports analysis.figures only: the framing models (and scikit-learn) stay unloaded
    until a name of analysis.framing that needs them is asked for."""
    import subprocess
    import sys

    check = """
import sys
import analysis.figures
assert "sklearn" not in sys.modules and "analysis.framing.model" not in sys.modules, "loaded at import"
import analysis.framing as framing
assert "FramingClassifier" in dir(framing) and "FramingClassifier" in framing.__all__
from analysis.framing import FramingClassifier, indicator_spans
assert FramingClassifier.__module__ == "analysis.framing.model" and "sklearn" in sys.modules
try:
    framing.no_such_name
except AttributeError as err:
    assert "no_such_name" in str(err)
else:
    raise AssertionError("an unknown name resolved")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
