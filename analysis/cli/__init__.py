"""The ``analysis`` command: ``analysis report``, ``analysis corpus``, ``analysis framing ...``.

:func:`main` is the console script; :func:`build_parser` its argument parser. The framing
commands live with the framing stage (:mod:`analysis.framing.cli`).
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
