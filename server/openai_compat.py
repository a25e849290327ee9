"""Between OpenAI chat messages and a `Conversation`: the reply text, reading earlier replies back, SSE chunks.

A request carries the whole conversation, so nothing is kept between requests: the earlier user messages and
replies are recorded into a fresh `Conversation` without being answered again (`Conversation.remember`), using
what this server's replies say (the answer, `（理解为：…）`, the cited article and sentence), and the last user
message is answered. Replies that are not this server's still leave the user messages as context.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from qa.conversation import Conversation
from qa.pipeline import QAPipeline
from qa.types import Answer
from server.openai_schemas import AssistantMessage, UserMessage
from server.schemas import AnswerOut

NO_QUESTION = "请提一个问题：这次请求里没有用户消息。"
_UNDERSTOOD = re.compile(r"（理解为：(.+?)）")
_CITATION = re.compile(r"^\[1\] .*（(?P<doc_id>[^（）]+)）$")
_QUOTE = re.compile(r"^> ?(?P<quote>.+)$")
CHUNK_CHARS = 24
"""Characters of content per streamed chunk."""


def render_content(answer: Answer) -> str:
    """The reply text: the answer with `[1]`, how a follow-up was understood, then the numbered citation (title,
    file and line, document id) and the sentence it quotes; or the message saying why there is no answer."""
    if answer.text is None:
        return answer.message or "资料中没有找到答案。"
    lines = [f"{answer.text}[1]"]
    if answer.understood_as:
        lines.append(f"（理解为：{answer.understood_as}）")
    for n, cite in enumerate(answer.citations, 1):
        where = f"，第 {cite.line} 行" if cite.line is not None else ""
        title = f"{cite.title} — " if cite.title.strip() else ""
        lines += ["", f"[{n}] {title}{cite.source}{where}（{cite.doc_id}）", f"> {cite.quote}"]
    return "\n".join(lines)


@dataclass(frozen=True)
class Reply:
    """What an earlier reply of this server says: the answer, the rewrite, the cited document and sentence."""

    answer: str | None = None
    understood_as: str | None = None
    doc_id: str | None = None
    quote: str | None = None


def parse_reply(content: str | None) -> Reply:
    """Read `render_content`'s text back (anything else gives an empty Reply, or just the rewrite it names)."""
    if not content:
        return Reply()
    lines = content.splitlines()
    understood = _UNDERSTOOD.search(content)
    first = lines[0].strip() if lines else ""
    answer = first[:-3] if first.endswith("[1]") and len(first) > 3 else None
    doc_id = quote = None
    for i, line in enumerate(lines):
        cite = _CITATION.match(line.strip())
        if cite:
            doc_id = cite.group("doc_id")
            following = _QUOTE.match(lines[i + 1].strip()) if i + 1 < len(lines) else None
            quote = following.group("quote") if following else None
            break
    return Reply(answer, understood.group(1) if understood else None, doc_id, quote)


def conversation_from(messages: Sequence[Any], pipeline: QAPipeline) -> tuple[Conversation, str | None]:
    """A conversation holding every turn before the last user message, and that message (None when there is no
    user message)."""
    users = [i for i, m in enumerate(messages) if isinstance(m, UserMessage)]
    conversation = Conversation(pipeline)
    if not users:
        return conversation, None
    last = users[-1]
    for i in users[:-1]:
        reply = next(
            (m for m in messages[i + 1 : last] if isinstance(m, (AssistantMessage, UserMessage))), None
        )
        facts = parse_reply(reply.content) if isinstance(reply, AssistantMessage) else Reply()
        conversation.remember(
            messages[i].content, understood_as=facts.understood_as, answer=facts.answer, doc_id=facts.doc_id,
            quote=facts.quote,
        )
    return conversation, messages[last].content


def completion_id() -> str:
    return "chatcmpl-" + secrets.token_hex(12)


def completion(answer: Answer, model: str) -> dict[str, Any]:
    """The `chat.completion` object of an answer."""
    return {
        "id": completion_id(), "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": render_content(answer)},
                     "finish_reason": "stop"}],
        "wenda": AnswerOut.from_answer(answer).model_dump(),
    }


def stream(answer: Answer, model: str) -> Iterator[str]:
    """Server-sent events of `chat.completion.chunk` objects: the role, the content in pieces, then the finish
    with the structured answer in `wenda`, then `[DONE]`."""
    base = {"id": completion_id(), "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return "data: " + json.dumps(chunk, ensure_ascii=False) + "\n\n"

    yield event({"role": "assistant", "content": ""})
    content = render_content(answer)
    for start in range(0, len(content), CHUNK_CHARS):
        yield event({"content": content[start : start + CHUNK_CHARS]})
    yield event({}, "stop", wenda=AnswerOut.from_answer(answer).model_dump())
    yield "data: [DONE]\n\n"
