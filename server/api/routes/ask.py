"""`POST /api/ask`: one question, one answer."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from server.deps import PipelineDep, SettingsDep, checked_text
from server.schemas import AnswerOut, AskRequest, ErrorOut

router = APIRouter(tags=["questions"])


@router.post(
    "/ask",
    response_model=AnswerOut,
    responses={422: {"model": ErrorOut, "description": "Empty or over-long question."}},
)
async def ask(body: AskRequest, pipe: PipelineDep, settings: SettingsDep) -> AnswerOut:
    """Answer a question from the articles, with citations; `text` is null when they do not say."""
    question = checked_text(body.question, settings.max_question_chars)
    answer = await run_in_threadpool(pipe.ask, question, top_k=body.top_k)
    return AnswerOut.from_answer(answer)
