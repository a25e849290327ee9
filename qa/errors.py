"""Errors raised by the question-answering layer, and the one error base of every layer re-exported.

`WendaError` (the base: a one-line message, not a traceback) and the index layer's errors are defined in
`embeddings.errors`, the bottom layer, so every layer raises the same base; `server`, `eval` and `training`
import them from here (or `qa`), never past qa from `embeddings`.
"""

from __future__ import annotations

import re

from embeddings.errors import (
    CorpusError,
    IndexCorruptError,
    IndexLocationError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    SettingsError,
    WendaError,
)

__all__ = [
    "CorpusError",
    "IndexCorruptError",
    "IndexLocationError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "QuestionError",
    "SettingsError",
    "WendaError",
    "check_question",
    "unicode_problem",
]

_SURROGATE = re.compile("[\ud800-\udfff]")


class QuestionError(WendaError):
    """The question is empty, whitespace, longer than the limit, or not valid Unicode text."""


def unicode_problem(text: str) -> str | None:
    """Why `text` is not valid Unicode text (a lone surrogate, as JSON's "\\ud800" decodes to), or None."""
    match = _SURROGATE.search(text)
    if match is None:
        return None
    return f"holds a lone surrogate (\\u{ord(match.group()):04x} at character {match.start()}), which is not valid Unicode text"


def check_question(question: str, max_chars: int) -> str:
    """The stripped question; raises QuestionError when it cannot be asked."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("the question is empty; type a question in Chinese, e.g. 全国共设置多少个公安派出所？")
    problem = unicode_problem(question)
    if problem:
        raise QuestionError(f"the question {problem}")
    text = question.strip()
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return text
