"""Errors raised by the question-answering layer."""

from __future__ import annotations

from embeddings.errors import WendaError


class QuestionError(WendaError):
    """The question is empty, whitespace, or longer than the limit."""


def check_question(question: str, max_chars: int) -> str:
    """The stripped question; raises QuestionError when it cannot be asked."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("the question is empty; type a question in Chinese, e.g. 全国共设置多少个公安派出所？")
    text = question.strip()
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return text
