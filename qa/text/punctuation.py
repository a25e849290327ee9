"""Punctuation the answering layer strips or splits on."""

from __future__ import annotations

import re

QUESTION_END = re.compile(r"[？?！!。.\s]+$")
"""The question or exclamation marks, full stops and spaces a turn ends with (那它的面积呢？ -> 那它的面积呢)."""


def strip_end(text: str) -> str:
    """`text` without its final punctuation and spaces."""
    return QUESTION_END.sub("", text)
