"""Stage 5, the report: one run's settings, its cached stages, the report's tables and figures, the runner.

:mod:`.settings` is :class:`Settings`, the one definition of a run's parameters; :mod:`.pipeline` is :class:`Analysis`, the stages of one run (corpus -> embeddings -> topics and
framing) with results shared on disk through the one stage cache (:mod:`.cache`); :mod:`.tables` the tidy tables the figures draw;
:mod:`.render` the report's figures and text, drawn or reused; :mod:`.notes` keeps warnings
out of the notebooks and in the run record; :mod:`.workbook` writes the tables as one Excel file; :mod:`.runner` executes the
notebooks with papermill into ``report.html``; :mod:`.distributed` is the same run on a Dask
cluster.
"""

from .cache import StageCache, fingerprint
from .pipeline import Analysis, project_path
from .notes import capture_warnings, recorded_warnings
from .render import (
    GROUP_LABELS,
    HTMLBlock,
    Interactive,
    SavedFigure,
    browse_table,
    classifier_text,
    corpus_figures,
    corpus_tables,
    evidence_html,
    framing_figures,
    framing_tables,
    interactive,
    render,
    save_figures,
    summary_text,
    relevance_text,
    topic_figures,
    topic_record_text,
    topic_tables,
    topic_overview,
    topics_with_term,
)
from .settings import GROUP_BY, Settings, SettingsError, parameters_cell
from .runner import NOTEBOOK_DIR, ReportError, notebook_parameters, parse_parameters, run_report
from .tables import (
    article_frames,
    display_titles,
    evidence_table,
    frame_shares,
    group_stance,
    period_stance,
    topic_frame_table,
    topics_over_time,
    topics_per_class,
)
from .workbook import write_workbook

__all__ = ["GROUP_BY", "GROUP_LABELS", "NOTEBOOK_DIR", "Analysis", "HTMLBlock", "ReportError", "SavedFigure", "Settings",
           "Interactive", "browse_table", "interactive", "topic_overview", "topics_with_term",
           "capture_warnings", "display_titles", "evidence_html", "recorded_warnings", "write_workbook",
           "SettingsError", "StageCache", "article_frames", "fingerprint", "group_stance", "parameters_cell",
           "period_stance", "topics_over_time", "topics_per_class", "classifier_text",
           "corpus_figures", "corpus_tables", "evidence_table", "frame_shares", "framing_figures", "framing_tables",
           "notebook_parameters", "parse_parameters", "project_path", "render", "run_report", "save_figures",
           "summary_text", "relevance_text", "topic_figures", "topic_frame_table", "topic_record_text", "topic_tables"]
