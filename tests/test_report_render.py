"""analysis.report.render: the report's figures, drawn once and reused while nothing changed."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import figures as fg
from analysis import report
from analysis.report.pipeline import Analysis


@pytest.fixture
def run(tmp_path, seeds_dir):
    return Analysis(corpus=str(seeds_dir), out_dir=str(tmp_path / "out"), cache_dir=str(tmp_path / "cache"))


def test_saved_figure_shows_its_png_at_screen_size(run, pyplot):
    fig = fg.plot_stance_by_group(pd.DataFrame({"group": ["A", "B"], "stance": [0.2, -0.1], "ci_low": [0.1, -0.3],
                                                "ci_high": [0.3, 0.1], "n": [10, 12]}), group_label="Outlet")
    fg.save_figure(fig, "stance", run.out)
    saved = report.SavedFigure("stance", run.out)
    data, meta = saved._repr_png_()
    assert data.startswith(b"\x89PNG") and meta["width"] == int.from_bytes(data[16:20], "big") // 2
    assert [p.suffix for p in saved.files] == [".png", ".svg", ".pdf"] and all(p.is_file() for p in saved.files)


def test_render_names_its_sections(run):
    with pytest.raises(ValueError, match="section must be one of"):
        report.render(run, "maps")
