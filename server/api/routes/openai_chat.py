"""OpenAI-compatible chat: `POST /v1/chat/completions` (also streamed) and `GET /v1/models`, so chat clients that
speak OpenAI's API (Chatchat, txtai, the `openai` package) can use the bot. Answers stay extractive and cited."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from qa.types import Answer
from server.deps import PipelineDep, SettingsDep, checked_text
from server.openai_compat import NO_QUESTION, completion, conversation_from, stream
from server.openai_schemas import (
    MODEL_ID,
    ChatCompletion,
    ChatCompletionRequest,
    ModelCard,
    ModelList,
    UserMessage,
)
from server.schemas import ErrorOut

router = APIRouter(tags=["openai"])


SSE_EVENT = {
    "type": "object",
    "description": "One server-sent event: `data` is a JSON `chat.completion.chunk`, the last one `[DONE]`.",
    "required": ["data"],
    "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"}},
}


@router.get("/models", response_model=ModelList)
async def models() -> ModelList:
    """The one model this server answers with."""
    return ModelList(data=[ModelCard(id=MODEL_ID)])


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {
            "description": "A `chat.completion`, or with `stream: true` server-sent `chat.completion.chunk` events "
            "ending in `data: [DONE]`.",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        },
        422: {"model": ErrorOut, "description": "No messages, a blank or over-long user message, or a bad body."},
    },
)
async def chat_completions(body: ChatCompletionRequest, pipe: PipelineDep, settings: SettingsDep) -> Response:
    """Answer the last user message; the earlier messages are the conversation it follows up on. The reply's
    content is the answer with its numbered citation; `wenda` holds the structured answer (citations,
    `understood_as`)."""
    for message in body.messages:
        if isinstance(message, UserMessage):
            checked_text(message.content, settings.max_question_chars)

    def answer() -> Answer:
        conversation, question = conversation_from(body.messages, pipe)
        if question is None:
            return Answer(question="", text=None, score=0.0, message=NO_QUESTION, encoder=pipe.index.manifest[
                "encoder"]["name"], reader=pipe.reader_name, retrieval=pipe.retrieval_mode)
        return conversation.ask(checked_text(question, settings.max_question_chars))

    result = await run_in_threadpool(answer)
    if body.stream:
        # Encoded before the headers go out: a failure then is a 500 reply, not a stream cut off mid-way.
        events = [event.encode("utf-8") for event in stream(result, body.model)]
        return StreamingResponse(iter(events), media_type="text/event-stream")
    return JSONResponse(completion(result, body.model))
