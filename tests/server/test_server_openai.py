"""The OpenAI-compatible routes, driven by the official `openai` client against a live uvicorn server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_testkit import FACT_QUESTION, live_server

from server.app import create_app
from server.openai_compat import NO_QUESTION, parse_reply, render_content

openai = pytest.importorskip("openai", reason="the openai package is not installed: pip install -e .[test]")

FIRST = "青山派出所成立于哪一年？"
FOLLOW_UP = "那它的面积呢？"


@pytest.fixture(scope="module")
def base_url(tiny_settings: Any, tiny_pipeline: Any) -> Iterator[str]:
    app = create_app(tiny_settings, tiny_pipeline)
    with live_server(app) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Any:
    return openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0, timeout=60)


def test_a_question_gets_the_answer_with_its_citation(client: Any) -> None:
    completion = client.chat.completions.create(model="wenda", messages=[{"role": "user", "content": FIRST}])
    content = completion.choices[0].message.content
    assert completion.object == "chat.completion" and completion.choices[0].finish_reason == "stop"
    assert content.startswith("1985年[1]") and "\n[1] " in content and "（qingshan）" in content
    wenda = completion.model_extra["wenda"]
    assert wenda["text"] == "1985年" and wenda["citations"][0]["doc_id"] == "qingshan"
    assert wenda["understood_as"] is None


def test_earlier_messages_are_the_conversation(client: Any) -> None:
    first = client.chat.completions.create(model="wenda", messages=[{"role": "user", "content": FIRST}])
    messages = [
        {"role": "system", "content": "你是问答助手。"},
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": FOLLOW_UP},
    ]
    follow = client.chat.completions.create(model="wenda", messages=messages)
    wenda = follow.model_extra["wenda"]
    assert "青山派出所" in wenda["understood_as"]
    assert "12" in wenda["text"] and wenda["citations"][0]["doc_id"] == "qingshan"  # 12平方千米
    assert f"（理解为：{wenda['understood_as']}）" in follow.choices[0].message.content
    alone = client.chat.completions.create(model="wenda", messages=[{"role": "user", "content": FOLLOW_UP}])
    assert alone.model_extra["wenda"]["understood_as"] is None  # no earlier messages: nothing to follow up on


def test_streaming_sends_the_same_content_in_chunks(client: Any) -> None:
    plain = client.chat.completions.create(model="wenda", messages=[{"role": "user", "content": FIRST}])
    chunks = list(client.chat.completions.create(model="wenda", messages=[{"role": "user", "content": FIRST}], stream=True))
    assert len(chunks) >= 3 and all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["wenda"]["text"] == "1985年"


def test_models_lists_the_bot(client: Any) -> None:
    assert [m.id for m in client.models.list()] == ["wenda"]


def test_the_api_key_is_the_bearer_token(tiny_settings: Any, tiny_pipeline: Any) -> None:
    app = create_app(tiny_settings.with_overrides(api_key="sekrit"), tiny_pipeline)
    with live_server(app) as url:
        good = openai.OpenAI(base_url=url + "/v1", api_key="sekrit", max_retries=0)
        assert good.chat.completions.create(model="wenda", messages=[{"role": "user", "content": FIRST}]).choices
        bad = openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.chat.completions.create(model="wenda", messages=[{"role": "user", "content": FIRST}])


def test_bad_requests_are_422_and_no_question_is_said(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_question_chars=20)
    url = "/v1/chat/completions"
    assert client.post(url, json={"messages": []}).status_code == 422
    assert client.post(url, json={"messages": [{"role": "user", "content": "  "}]}).status_code == 422
    assert client.post(url, json={"messages": [{"role": "user", "content": "问" * 21}]}).status_code == 422
    assert client.post(url, json={"messages": [{"role": "robot", "content": FACT_QUESTION}]}).status_code == 422
    assert client.post(url, json={"messages": [{"role": "user", "content": FACT_QUESTION}], "stream": 0}).status_code == 422
    body = client.post(url, json={"messages": [{"role": "system", "content": "hi"}], "temperature": 0}).json()
    assert body["choices"][0]["message"]["content"] == NO_QUESTION


def test_a_reply_reads_back_into_what_it_said(tiny_pipeline: Any) -> None:
    from qa.conversation import Conversation

    chat = Conversation(tiny_pipeline)
    chat.ask(FIRST)
    answer = chat.ask(FOLLOW_UP)
    reply = parse_reply(render_content(answer))
    assert reply.answer == answer.text and reply.understood_as == answer.understood_as
    assert reply.doc_id == answer.citations[0].doc_id and reply.quote == answer.citations[0].quote
    assert parse_reply("随便什么文字") == type(reply)()
