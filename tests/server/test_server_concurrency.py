"""Concurrent requests against a live server give the same answers as sequential ones."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from server_testkit import FACT_QUESTION, UNANSWERABLE_QUESTION, live_server

from server.app import create_app

QUESTIONS = [
    FACT_QUESTION,
    "青山派出所成立于哪一年？",
    "青山派出所现有民警多少名？",
    "成年大熊猫每天要吃多少千克竹子？",
    "测试站共有文章多少篇？",
    "测试站的站长叫什么名字？",
    "野生大熊猫的寿命是多少年？",
    UNANSWERABLE_QUESTION,
]


def _key(body: dict[str, Any]) -> tuple[Any, ...]:
    cites = tuple((c["doc_id"], c["start"], c["end"]) for c in body["citations"])
    passages = tuple(p["chunk_id"] for p in body["passages"])
    return body["question"], body["text"], round(body["score"], 9), cites, passages


def test_parallel_questions_match_sequential(tiny_settings: Any, tiny_pipeline: Any) -> None:
    app = create_app(tiny_settings, tiny_pipeline)
    questions = QUESTIONS * 4  # 32 requests
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        expected = {q: _key(http.post("/api/ask", json={"question": q}).json()) for q in QUESTIONS}

        def ask(question: str) -> tuple[int, dict[str, Any]]:
            with httpx.Client(base_url=url, timeout=30) as own:
                response = own.post("/api/ask", json={"question": question})
                return response.status_code, response.json()

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(ask, questions))

    assert [status for status, _ in results] == [200] * 32
    for question, (_, body) in zip(questions, results, strict=True):
        assert _key(body) == expected[question]


def test_parallel_chat_sessions_stay_separate(tiny_settings: Any, tiny_pipeline: Any) -> None:
    app = create_app(tiny_settings, tiny_pipeline)
    with live_server(app) as url:

        def conversation(n: int) -> tuple[str, str, str]:
            with httpx.Client(base_url=url, timeout=30) as http:
                first = http.post("/api/chat", json={"message": "青山派出所成立于哪一年？"}).json()
                second = http.post(
                    "/api/chat", json={"message": "那它的面积呢？", "session_id": first["session_id"]}
                ).json()
                return first["session_id"], second["session_id"], second["query"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(conversation, range(16)))

    assert len({first for first, _, _ in results}) == 16
    for first, second, query in results:
        assert first == second and "青山派出所" in query
    assert len(app.state.sessions) == 16
