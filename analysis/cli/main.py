"""Command line: ``analysis report``, ``analysis corpus``, ``analysis framing ...``.

Every error a user can cause (bad input or options, an output path that cannot be written, a
full disk, a closed pipe) ends in one line on stderr that says what to do and exit code 2, with
no traceback; ``--debug`` shows the traceback. ``--help`` on each command describes every option.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence


def _report(args: argparse.Namespace) -> int:
    from ..report.runner import notebook_parameters, parse_parameters, run_report

    params = parse_parameters(args.param or [], notebook_parameters())
    record = run_report(args.corpus, args.out, params, notebooks=args.notebook, progress=not args.quiet)
    seconds = sum(record.get("notebook_seconds", {}).values())
    print(f"report written to {args.out} ({len(record.get('notebook_seconds', {}))} notebooks, {seconds:.0f} s); "
          f"inputs: {record.get('manifest_counts', {})}")
    return 0


def _corpus(args: argparse.Namespace) -> int:
    from ..corpus import load_corpus
    from ..report.outputs import check_out_dir

    if args.out:
        check_out_dir(args.out, args.path)

    header = {"auto": "auto", "yes": True, "no": False}[args.header]
    corpus = load_corpus(args.path, text_column=args.text_column, title_column=args.title_column,
                         date_column=args.date_column, source_column=args.source_column, id_column=args.id_column,
                         country_column=args.country_column, language_column=args.language_column,
                         header=header, language=args.language, date_from=args.date_from, date_to=args.date_to,
                         dayfirst=args.dayfirst, drop_duplicates=not args.keep_duplicates,
                         show_progress=not args.quiet)
    if corpus.columns:
        print(corpus.column_summary())
    print(corpus.summary())
    if args.out:
        corpus.save(args.out)
        print(f"tables written to {args.out}: articles.parquet, passages.parquet, manifest.csv")
    return 0


def _true_or_false(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"'{value}' is not true or false")
    return lowered == "true"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``analysis`` command."""
    parser = argparse.ArgumentParser(
        prog="analysis",
        description="Topic and framing analysis of news about the drug trade and counternarcotics policy: "
                    "what the coverage talks about and whether it frames the response as militarization "
                    "or as root causes.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = commands.add_parser(
        "report", help="run the notebooks on a corpus and write figures, tables and report.html",
        description="Execute notebooks/01-*.ipynb ... 04-report.ipynb with papermill on a corpus. Writes the "
                    "figures (PNG, SVG, PDF), executed notebooks, tables (Parquet and CSV), run.json and "
                    "report.html into the output folder.")
    report.add_argument("--corpus", required=True, help="folder or file of articles (.txt, .md, .html, .csv, "
                        ".tsv, .jsonl, .parquet), e.g. seeds")
    report.add_argument("--out", default="figures", help="output folder (default: figures)")
    from ..report.settings import Settings

    names = ", ".join(n for n in Settings.names() if n not in ("corpus", "out_dir"))
    report.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="set a run parameter, e.g. -p n_topics 8 -p group_by country; repeatable. "
                             f"Parameters: {names} (see analysis.report.Settings). Names and values are "
                             "checked before anything runs")
    report.add_argument("--notebook", action="append", metavar="FILE",
                        help="run only this notebook (file name, e.g. 02-topics.ipynb); repeatable")
    report.add_argument("--quiet", action="store_true", help="no progress bars")
    report.set_defaults(func=_report)

    corpus = commands.add_parser(
        "corpus", help="load a corpus, print its summary and optionally write its tables",
        description="Load articles, clean them, split passages, flag duplicates and account for every input "
                    "(loaded, duplicate or skipped with a reason).")
    corpus.add_argument("path", help="folder or file of articles")
    corpus.add_argument("--out", help="write articles.parquet, passages.parquet and manifest.csv here")
    corpus.add_argument("--text-column", help="column holding the article text (tables; auto-detected if omitted)")
    corpus.add_argument("--title-column", help="column holding the title (tables)")
    corpus.add_argument("--date-column", help="column holding the publication date (tables)")
    corpus.add_argument("--source-column", help="column holding the outlet (tables)")
    corpus.add_argument("--id-column", help="column holding a unique article id (tables)")
    corpus.add_argument("--country-column", help="column giving the country, kept as country_given (tables)")
    corpus.add_argument("--language-column", help="column giving the language, used instead of detecting it (tables)")
    corpus.add_argument("--header", choices=["auto", "yes", "no"], default="auto",
                        help="whether CSV/TSV files have a header row (default: auto)")
    corpus.add_argument("--language", help="keep only articles in this language (ISO code, e.g. en, es)")
    corpus.add_argument("--date-from", help="keep articles dated on or after this date (YYYY-MM-DD)")
    corpus.add_argument("--date-to", help="keep articles dated on or before this date (YYYY-MM-DD)")
    corpus.add_argument("--dayfirst", type=_true_or_false, default=None,
                        metavar="true|false", help="numeric dates put the day first (05/07/2004 = 5 July); "
                        "default: decided per column, then by the articles' language")
    corpus.add_argument("--keep-duplicates", action="store_true", help="analyse duplicate articles too")
    corpus.add_argument("--quiet", action="store_true", help="no progress bar")
    corpus.set_defaults(func=_corpus)

    from ..framing.cli import add_framing_commands

    add_framing_commands(commands)
    for command in _all_commands(parser):
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the full traceback of an error")
    return parser


def _all_commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                found += [command, *_all_commands(command)]
    return found


def _os_message(err: OSError) -> str:
    """One line for an operating-system error, with what to do."""
    where = f" '{err.filename}'" if err.filename else ""
    if err.errno == errno.ENOSPC:
        return f"the disk is full (writing{where}); free some space or write to another disk"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"no permission to write or read{where}; choose another path or change its permissions"
    if err.errno == errno.EISDIR:
        return f"{where.strip() or 'the path'} is a folder, not a file; name a file"
    if err.errno == errno.ENOTDIR:
        return f"a part of{where} is a file, not a folder; choose another path"
    if err.errno == errno.ENOENT:
        return f"no such file or folder{where}; check the path"
    return f"{err.strerror or err}{where}"


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so that Python's exit flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``analysis`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        result = args.func(args)
        sys.stdout.flush()
        return result
    except KeyboardInterrupt:
        print("analysis: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        if debug:
            raise
        print("analysis: error: the output was closed before it was all written (broken pipe); "
              "send it to a file to keep all of it", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError, OSError) as err:
        if debug:
            raise
        if isinstance(err, OSError) and err.errno is not None:
            message = _os_message(err)
        else:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"analysis: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
