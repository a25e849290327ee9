"""`POST /api/chat`: a conversation turn; follow-ups resolve against the session's previous turns."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool

from qa.types import Answer
from server.deps import PipelineDep, SessionsDep, SettingsDep, checked_text
from server.schemas import SESSION_ID_PATTERN, ChatRequest, ChatResponse, ErrorOut

router = APIRouter(tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={422: {"model": ErrorOut, "description": "Empty or over-long message."}},
)
async def chat(
    body: ChatRequest, pipe: PipelineDep, sessions: SessionsDep, settings: SettingsDep
) -> ChatResponse:
    """Answer `message` in the session `session_id` (a new session when omitted, unknown or expired)."""
    del pipe  # required only so that chat answers 503 until the index is loaded, like /api/ask
    message = checked_text(body.message, settings.max_question_chars)
    session, created = sessions.get_or_create(body.session_id)

    def turn() -> Answer:
        with session.lock:  # one turn at a time per conversation
            return session.state.ask(message)

    answer = await run_in_threadpool(turn)
    sessions.touch(session)
    return ChatResponse.model_validate(
        {
            **answer.to_dict(),
            "session_id": session.session_id,
            "new_session": created,
        }
    )


@router.delete("/chat/{session_id}", status_code=204, response_class=Response)
async def end_chat(sessions: SessionsDep, session_id: str = Path(pattern=SESSION_ID_PATTERN)) -> Response:
    """Forget a session (the widget's "clear" button); idempotent."""
    sessions.discard(session_id)
    return Response(status_code=204)
