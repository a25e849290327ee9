"""Request and response bodies of the OpenAI-compatible `/v1` routes (the subset chat clients use)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from server.schemas import AnswerOut, UnicodeText, _non_blank

MODEL_ID = "wenda"


class UserMessage(BaseModel):
    """A user message: the last one is the question, earlier ones are the conversation."""

    model_config = ConfigDict(extra="allow")

    role: Literal["user"]
    content: str = Field(
        description="Plain text: at least one non-blank character, at most `max_question_chars` characters."
    )
    name: UnicodeText | None = None

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        return _non_blank(value)


class AssistantMessage(BaseModel):
    """An earlier reply (as this server sent it, or any text)."""

    model_config = ConfigDict(extra="allow")

    role: Literal["assistant"]
    content: UnicodeText | None = None
    name: UnicodeText | None = None


class OtherMessage(BaseModel):
    """System, developer and tool messages are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "tool"]
    content: UnicodeText | None = None
    name: UnicodeText | None = None


Message = Annotated[UserMessage | AssistantMessage | OtherMessage, Field(discriminator="role")]


class ChatCompletionRequest(BaseModel):
    """`POST /v1/chat/completions`: OpenAI's request shape; sampling options (temperature, max_tokens, …) are
    accepted and ignored, since answers are extracted, not generated."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{
                "model": MODEL_ID,
                "messages": [
                    {"role": "user", "content": "莲前派出所辖区有多少人口？"},
                    {"role": "assistant", "content": "15万多人[1]\n\n[1] …"},
                    {"role": "user", "content": "那它的面积呢？"},
                ],
            }]
        },
    )

    model: UnicodeText = Field(default=MODEL_ID, description="Any name; the reply names the model that answered.")
    messages: list[Message] = Field(min_length=1, max_length=100)
    stream: StrictBool = Field(default=False, description="Send the reply as server-sent events (chat.completion.chunk).")


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="The answer with its numbered citations (or why there is none).")


class Choice(BaseModel):
    index: int = 0
    message: CompletionMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    """OpenAI's `chat.completion` object plus `wenda`: the structured answer (text, citations, understood_as …)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    wenda: AnswerOut = Field(description="The answer as `/api/ask` returns it, with the rewrite of a follow-up.")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "wenda"


class ModelList(BaseModel):
    """`GET /v1/models`: the one model this server answers with."""

    object: Literal["list"] = "list"
    data: list[ModelCard]
