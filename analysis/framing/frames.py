"""The three framing labels, their display names and their order, shared by every module."""

from __future__ import annotations

from typing import Literal

Frame = Literal["militarization", "root_cause", "neither"]

#: Passage labels, in the order used for probabilities, tables and legends.
FRAMES: tuple[str, ...] = ("militarization", "root_cause", "neither")

#: Human-readable names for figures and reports.
FRAME_NAMES: dict[str, str] = {
    "militarization": "Militarization",
    "root_cause": "Root causes",
    "neither": "Neither",
}
