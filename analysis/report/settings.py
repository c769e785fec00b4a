"""The parameters of one run, defined once: names, types, allowed values, defaults and help.

:class:`Settings` is the single definition. Everything that takes run parameters derives from it:
the CLI's ``-p NAME VALUE`` (:meth:`Settings.from_pairs`), the runner, :class:`~analysis.report.Analysis`,
the Dask entry point (:func:`~analysis.report.distributed.run_distributed`) and the notebooks'
``parameters`` cells (:func:`parameters_cell` writes them; their next cell calls
:meth:`Settings.from_namespace`). Values are checked when a ``Settings`` is made, before anything
runs, and a bad value raises :class:`SettingsError` with a one-line message.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import date
from typing import Any, Literal, get_args

from ..corpus.metadata import LANGUAGES
from ..vectorize import DEFAULT_MODEL

__all__ = ["GROUP_BY", "GroupBy", "Settings", "SettingsError", "parameters_cell"]

GroupBy = Literal["source", "country", "country_given", "collection", "language"]
#: Article columns that framing and topics can be compared by.
GROUP_BY: tuple[str, ...] = get_args(GroupBy)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Table fields whose column can be named (``text_column`` ...).
_ROLES = ("text", "title", "date", "source", "id", "country", "language")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


class SettingsError(ValueError):
    """A run parameter is unknown or has a bad value; the message says which and what is allowed."""

    def _render_traceback_(self) -> list[str]:  # IPython (and so papermill) shows this one line
        return [f"SettingsError: {self}"]


def _param(default: Any, kind: str, help: str) -> Any:
    return field(default=default, metadata={"kind": kind, "help": help})


@dataclass(frozen=True)
class Settings:
    """The parameters of one analysis run, checked when made.

    Parameters
    ----------
    corpus : str, default "seeds"
        Folder or file of articles; relative paths are taken from the project root.
    out_dir : str, default "figures"
        Where figures, tables, the run record and the report go.
    embedding_model : str
        Sentence-transformers model name or local folder.
    seed : int, default 0
        Random seed for every model (a whole number, 0 or more).
    n_topics : int or None
        Number of topics (at least 2); None finds them automatically.
    min_topic_size : int or None
        Smallest topic in passages (at least 2); None sizes it from the corpus.
    date_from, date_to : str or None
        Keep articles dated on or after / on or before this day, as ``YYYY-MM-DD``.
    group_by : {"source", "country", "country_given", "collection", "language"}
        Article column framing and topics are compared by: ``country`` is the country an article
        is about, read from its text; ``country_given`` the one its table's country column gives.
    language : {"en", "es", "pt", "fr", "de", "it"} or None
        Keep only articles in this language; None keeps all.
    topic_names : str or None
        Topic names by hand: a CSV with columns ``topic,name`` (or a YAML ``{topic: name}``);
        topics given the same name are merged. None reads ``OUT/topic_names.csv`` (or
        ``.yaml``) when the run folder has one.
    dayfirst : bool or None
        Whether numeric dates (05/07/2004) put the day first; None decides per column (see
        :mod:`analysis.corpus.dates`).
    text_column, title_column, date_column, source_column, id_column : str or None
        The table columns holding each field; None detects them by common names.
    country_column, language_column : str or None
        The table columns giving each article's country (kept as ``country_given``) and language
        (used instead of detecting it); None reads a column named country/pais or
        language/lang/idioma when there is one.
    framing_model : str or None
        Folder of a framing model saved by ``analysis framing train``; None uses the shipped one.
    relevant_only : bool, default False
        Leave articles the framing model's relevance score judges off-topic (mean ``p_relevant``
        of their passages below 0.5) out of the framing tables and figures. Either way the report
        counts them and lists them in ``tables/article_relevance.csv``.

    Raises
    ------
    SettingsError
        When a value has the wrong type or is not allowed.
    """

    corpus: str = _param("seeds", "path", "folder or file of articles (.txt .md .html .csv .tsv .jsonl .parquet)")
    out_dir: str = _param("figures", "path", "where figures, tables, the run record and the report go")
    embedding_model: str = _param(DEFAULT_MODEL, "text", "encoder: use-multilingual-v3 (default), all-MiniLM-L6-v2, or a sentence-transformers folder")
    seed: int = _param(0, "seed", "random seed for every model")
    n_topics: int | None = _param(None, "count", "number of topics; None finds them automatically")
    min_topic_size: int | None = _param(None, "count", "smallest topic, in passages; None sizes it from the corpus")
    date_from: str | None = _param(None, "day", "keep articles dated on or after this day (YYYY-MM-DD)")
    date_to: str | None = _param(None, "day", "keep articles dated on or before this day (YYYY-MM-DD)")
    group_by: GroupBy = _param("source", "group", "compare framing by: source (outlet), country (read from the "
                                                      "text), country_given (the table's country column), "
                                                      "collection or language")
    language: str | None = _param(None, "language", "keep only articles in this language (en, es, ...); None keeps all")
    topic_names: str | None = _param(None, "file", "CSV topic,name (or YAML) naming topics; same name merges them; None reads OUT/topic_names.csv if there")
    dayfirst: bool | None = _param(None, "flag", "numeric dates put the day first (05/07/2004 is 5 July): True, False, or None to decide per column")
    text_column: str | None = _param(None, "column", "table column holding the article text; None detects it")
    title_column: str | None = _param(None, "column", "table column holding the headline; None detects it")
    date_column: str | None = _param(None, "column", "table column holding the publication date; None detects it")
    source_column: str | None = _param(None, "column", "table column holding the outlet; None detects it")
    id_column: str | None = _param(None, "column", "table column holding a unique article id; None numbers the rows")
    country_column: str | None = _param(None, "column", "table column giving the country (kept as country_given); "
                                                         "None reads a column named country or pais")
    language_column: str | None = _param(None, "column", "table column giving the language (not detected then); "
                                                          "None reads a column named language, lang or idioma")
    framing_model: str | None = _param(None, "model", "folder of a framing model saved by `analysis framing train`; None uses the shipped one")
    relevant_only: bool = _param(False, "bool", "True leaves articles judged off-topic (relevance score) out of the framing tables and figures")

    def __post_init__(self) -> None:
        for item in fields(self):
            _check(item.name, item.metadata["kind"], getattr(self, item.name))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SettingsError(f"date_from={self.date_from!r} is after date_to={self.date_to!r}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The parameter names, in their order."""
        return tuple(item.name for item in fields(cls))

    @classmethod
    def help(cls) -> dict[str, str]:
        """``name -> help text`` of every parameter."""
        return {item.name: item.metadata["help"] for item in fields(cls)}

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """``name -> default`` of every parameter."""
        return {item.name: item.default for item in fields(cls) if item.default is not MISSING}

    @classmethod
    def check_names(cls, names: Iterable[str]) -> None:
        """Raise :class:`SettingsError` for the first name that is not a parameter (suggesting the closest)."""
        known = cls.names()
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SettingsError(f"unknown parameter '{name}'{hint}; the parameters are: {', '.join(known)}")

    @classmethod
    def from_values(cls, values: Mapping[str, Any], base: Settings | None = None) -> Settings:
        """Settings from ``name -> value`` (unknown names refused), on top of ``base`` or the defaults."""
        cls.check_names(values)
        start = asdict(base) if base is not None else {}
        return cls(**{**start, **values})

    @classmethod
    def from_pairs(cls, pairs: Sequence[Sequence[str]], base: Settings | None = None) -> Settings:
        """Settings from the CLI's ``-p NAME VALUE`` pairs (values as typed on the command line).

        A value is read as a Python literal when it parses as one (``5``, ``None``) and as text
        otherwise; parameters that hold text (paths, dates, names) keep the text as typed.
        """
        cls.check_names(name for name, _ in pairs)
        kinds = {item.name: item.metadata["kind"] for item in fields(cls)}
        return cls.from_values({name: _parse(kinds[name], raw) for name, raw in pairs}, base)

    @classmethod
    def from_namespace(cls, namespace: Mapping[str, Any]) -> Settings:
        """Settings from a notebook's variables (``globals()`` after its ``parameters`` cell).

        Plain values (text, numbers, booleans, None) whose names do not start with "_" are taken
        as parameters, so a misspelt one injected by ``papermill -p`` is refused by name.
        """
        values = {name: value for name, value in namespace.items()
                  if not name.startswith("_") and (value is None or type(value) in (str, int, float, bool))}
        return cls.from_values(values)

    # ------------------------------------------------------------------ use
    def as_dict(self) -> dict[str, Any]:
        """``name -> value`` of every parameter."""
        return asdict(self)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some parameters changed (and checked)."""
        return self.from_values(changes, base=self)

    def load_options(self) -> dict[str, Any]:
        """The options of :func:`~analysis.corpus.load_corpus` that these settings fix."""
        return {"language": self.language, "date_from": self.date_from, "date_to": self.date_to,
                "dayfirst": self.dayfirst, **{f"{role}_column": getattr(self, f"{role}_column") for role in _ROLES}}


def parameters_cell() -> str:
    """The source of every notebook's ``parameters`` cell: plain literals, one per parameter, with help.

    Plain ``name = value  # help`` lines are what papermill's parameter inspection reads.
    """
    lines = ["# Parameters: papermill replaces these; relative paths are taken from the project root.",
             "# Types and allowed values: analysis.report.Settings, which checks them in the next cell."]
    for item in fields(Settings):
        value = json.dumps(item.default) if isinstance(item.default, str) else repr(item.default)
        lines.append(f"{item.name} = {value}  # {item.metadata['help']}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- checks, one per kind
_EXPECTED = {
    "path": "a non-empty text", "text": "a non-empty text", "seed": "a whole number, 0 or more",
    "count": "a whole number of at least 2, or None", "day": "a date written YYYY-MM-DD, or None",
    "group": f"one of {', '.join(GROUP_BY)}", "language": f"one of {', '.join(LANGUAGES)}, or None",
    "file": "a file path, or None",
    "flag": "True, False or None", "bool": "True or False", "column": "a column name, or None",
    "model": "a folder of a saved framing model, or None",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid(kind: str, value: Any) -> bool:
    if kind in ("path", "text"):
        return isinstance(value, str) and bool(value.strip())
    if kind == "seed":
        return _is_int(value) and value >= 0
    if kind == "count":
        return value is None or (_is_int(value) and value >= 2)
    if kind == "day":
        if value is None:
            return True
        if not isinstance(value, str) or not _DAY.fullmatch(value):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    if kind == "group":
        return value in GROUP_BY
    if kind == "file":
        return value is None or (isinstance(value, str) and bool(value.strip()))
    if kind == "language":
        return value is None or (isinstance(value, str) and value.lower() in LANGUAGES)
    if kind == "flag":
        return value is None or isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("column", "model"):
        return value is None or (isinstance(value, str) and bool(value.strip()))
    raise AssertionError(f"unknown parameter kind {kind!r}")


def _check(name: str, kind: str, value: Any) -> None:
    if not _valid(kind, value):
        raise SettingsError(f"parameter '{name}' must be {_EXPECTED[kind]}, got {value!r}")


def _parse(kind: str, raw: str) -> Any:
    if raw == "None" and kind in ("count", "day", "language", "file", "flag", "column", "model"):
        return None
    if kind in ("flag", "bool"):
        lowered = raw.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else raw
    if kind in ("path", "text", "day", "group", "language", "file", "column", "model"):
        return raw
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw
