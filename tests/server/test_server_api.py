"""HTTP API: every route, every error, as JSON."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from server_testkit import FACT_QUESTION, UNANSWERABLE_QUESTION, XSS_DOC_ID

from qa.errors import IndexCorruptError, IndexNotFoundError
from server.app import create_app

ANSWER_KEYS = {
    "question",
    "text",
    "abstained",
    "score",
    "citations",
    "passages",
    "message",
    "encoder",
    "reader",
    "retrieval",
    "query",
    "understood_as",
    "latency_ms",
    "candidate",
}


def assert_error(response: Any, status: int, *words: str) -> str:
    """The response is `status` with JSON `{"detail": "<message>"}` mentioning `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"]
    for word in words:
        assert word in body["detail"], body["detail"]
    return body["detail"]


# ---------- health ----------


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_reports_the_loaded_index(client: TestClient, tiny_pipeline: Any) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["encoder"] == tiny_pipeline.info().encoder
    assert body["documents"] == len(tiny_pipeline.documents) and body["chunks"] > 0


def test_lifespan_loads_once_and_readyz_is_503_until_loaded(tiny_settings: Any, tiny_pipeline: Any) -> None:
    release = threading.Event()
    calls: list[Any] = []

    def loader(settings: Any) -> Any:
        calls.append(settings)
        release.wait(10)
        return tiny_pipeline

    app = create_app(tiny_settings, loader=loader)
    with TestClient(app) as client:
        assert_error(client.get("/readyz"), 503, "loading")
        response = client.post("/api/ask", json={"question": FACT_QUESTION})
        assert_error(response, 503, "loading")
        assert response.headers["retry-after"]
        assert client.get("/healthz").status_code == 200
        release.set()
        app.state.loader_thread.join(10)
        assert client.get("/readyz").status_code == 200
        assert client.post("/api/ask", json={"question": FACT_QUESTION}).status_code == 200
    assert len(calls) == 1


def test_load_failure_is_reported_not_raised(tiny_settings: Any) -> None:
    def loader(settings: Any) -> Any:
        raise IndexNotFoundError("no index at /nowhere; build one with: qa index")

    app = create_app(tiny_settings, loader=loader)
    with TestClient(app) as client:
        app.state.loader_thread.join(10)
        assert_error(client.get("/readyz"), 503, "no index at /nowhere")
        assert_error(client.get("/api/documents"), 503, "no index at /nowhere")


# ---------- /api/ask ----------


def test_ask_returns_a_cited_answer(client: TestClient, tiny_pipeline: Any) -> None:
    response = client.post("/api/ask", json={"question": FACT_QUESTION})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ANSWER_KEYS
    assert body["question"] == FACT_QUESTION
    assert body["text"] and not body["abstained"] and "12" in body["text"]
    assert body["encoder"] and body["reader"] and body["retrieval"]
    assert body["passages"] and body["passages"][0]["doc_id"] == "qingshan"
    citation = body["citations"][0]
    document = client.get(f"/api/documents/{quote(citation['doc_id'], safe='')}").json()
    assert document["text"][citation["start"] : citation["end"]] == body["text"]
    offset = citation["start"] - citation["quote_start"]
    assert citation["quote"][offset : offset + len(body["text"])] == body["text"]


def test_ask_matches_the_pipeline(client: TestClient, tiny_pipeline: Any) -> None:
    direct = tiny_pipeline.ask(FACT_QUESTION)
    body = client.post("/api/ask", json={"question": FACT_QUESTION}).json()
    assert (body["text"], body["score"]) == (direct.text, direct.score)


def test_ask_top_k_limits_passages(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": FACT_QUESTION, "top_k": 1}).json()
    assert len(body["passages"]) == 1


def test_ask_abstains_with_a_message(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": UNANSWERABLE_QUESTION}).json()
    assert body["text"] is None and body["abstained"] is True
    assert body["message"] and body["citations"] == []


def test_empty_question_is_422(client: TestClient) -> None:
    assert_error(client.post("/api/ask", json={"question": ""}), 422, "question")
    assert_error(client.post("/api/ask", json={"question": "  \n "}), 422, "question", "empty")


def test_over_long_question_is_422(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_question_chars=20)
    assert_error(client.post("/api/ask", json={"question": "青山派出所" * 5}), 422, "25", "20")
    assert client.post("/api/ask", json={"question": "青山派出所" * 4}).status_code == 200


def test_malformed_requests_are_422(client: TestClient) -> None:
    assert_error(client.post("/api/ask", json={}), 422, "question", "required")
    assert_error(client.post("/api/ask", json={"question": FACT_QUESTION, "top_k": 0}), 422, "top_k")
    assert_error(client.post("/api/ask", json={"question": FACT_QUESTION, "extra": 1}), 422, "extra")
    bad_json = client.post("/api/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(bad_json, 422, "JSON")


# ---------- /api/chat ----------


def test_chat_keeps_a_session_and_resolves_follow_ups(client: TestClient) -> None:
    first = client.post("/api/chat", json={"message": "青山派出所成立于哪一年？"}).json()
    assert first["new_session"] is True and first["session_id"]
    assert set(first) == ANSWER_KEYS | {"session_id", "new_session"}
    second = client.post(
        "/api/chat", json={"message": "那它的面积呢？", "session_id": first["session_id"]}
    ).json()
    assert second["session_id"] == first["session_id"] and second["new_session"] is False
    assert first["understood_as"] is None
    assert "青山派出所" in second["understood_as"] and second["query"] == second["understood_as"]
    assert second["passages"][0]["doc_id"] == "qingshan"


def test_chat_sessions_are_separate(client: TestClient) -> None:
    a = client.post("/api/chat", json={"message": "青山派出所成立于哪一年？"}).json()
    b = client.post("/api/chat", json={"message": "那它的面积呢？"}).json()
    assert a["session_id"] != b["session_id"]
    assert "青山派出所" not in b["query"]


def test_chat_unknown_session_starts_a_new_one(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": FACT_QUESTION, "session_id": "no-such-session"}).json()
    assert body["new_session"] is True and body["session_id"] != "no-such-session"


def test_chat_errors(client: TestClient) -> None:
    assert_error(client.post("/api/chat", json={"message": " "}), 422, "message")
    assert_error(client.post("/api/chat", json={"message": "hi", "session_id": "bad id!"}), 422, "session_id")


def test_chat_delete_forgets_the_session(client: TestClient) -> None:
    first = client.post("/api/chat", json={"message": "青山派出所成立于哪一年？"}).json()
    assert client.delete(f"/api/chat/{first['session_id']}").status_code == 204
    again = client.post(
        "/api/chat", json={"message": "那它的面积呢？", "session_id": first["session_id"]}
    ).json()
    assert again["new_session"] is True
    assert again["understood_as"] is None and again["text"] is None  # not answered from the forgotten topic
    assert client.delete("/api/chat/never-existed").status_code == 204


def test_sessions_are_bounded(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_sessions=2)
    ids = [client.post("/api/chat", json={"message": FACT_QUESTION}).json()["session_id"] for _ in range(3)]
    assert len(client.app.state.sessions) == 2  # type: ignore[attr-defined]
    oldest = client.post("/api/chat", json={"message": FACT_QUESTION, "session_id": ids[0]}).json()
    assert oldest["new_session"] is True
    newest = client.post("/api/chat", json={"message": FACT_QUESTION, "session_id": ids[2]}).json()
    assert newest["new_session"] is False


# ---------- /api/documents ----------


def test_documents_list(client: TestClient, tiny_pipeline: Any) -> None:
    body = client.get("/api/documents").json()
    assert body["count"] == len(tiny_pipeline.documents) == 3
    by_id = {d["doc_id"]: d for d in body["documents"]}
    assert set(by_id) == {"qingshan", "panda", XSS_DOC_ID}
    for doc in body["documents"]:
        assert {"doc_id", "title", "source", "length"} <= set(doc) and "text" not in doc
        assert doc["length"] == len(tiny_pipeline.document(doc["doc_id"]).text)
    assert by_id["panda"]["source"] == "panda.md"


def test_document_by_encoded_id(client: TestClient, tiny_pipeline: Any) -> None:
    response = client.get("/api/documents/" + quote(XSS_DOC_ID, safe=""))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["doc_id"] == XSS_DOC_ID and body["source"] == "xss.jsonl"
    assert body["text"] == tiny_pipeline.document(XSS_DOC_ID).text


def test_unknown_document_is_404(client: TestClient) -> None:
    assert_error(client.get("/api/documents/nope"), 404, "nope")
    assert_error(client.get("/api/documents/" + quote("a#b/c", safe="")), 404, "a#b/c")


def test_markup_in_articles_comes_back_as_plain_json_text(client: TestClient) -> None:
    response = client.get("/api/documents/" + quote(XSS_DOC_ID, safe=""))
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "<script>alert(1)</script>" in body["text"]
    assert "<img src=x onerror=window.__wendaXss=1>" in body["text"]
    assert body["title"] == "网页<b>安全</b>测试站"


# ---------- limits, auth, CORS ----------


def test_oversized_body_by_content_length_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=200)
    big = {"question": "青山" * 200}
    assert_error(client.post("/api/ask", json=big), 413, "200 bytes")
    assert client.post("/api/ask", json={"question": FACT_QUESTION}).status_code == 200


def test_oversized_streamed_body_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=200)

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        yield b'{"question": "'
        for _ in range(50):
            yield "青山派出所".encode()
        yield b'"}'

    response = client.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "too large")


def test_lying_content_length_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=200)

    def chunks() -> Iterator[bytes]:
        yield b"x" * 150
        yield b"x" * 150

    response = client.post(
        "/api/ask", content=chunks(), headers={"Content-Type": "application/json", "Content-Length": "10"}
    )
    assert_error(response, 413)


def test_api_key(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key="s3cret")
    payload = {"question": FACT_QUESTION}
    missing = client.post("/api/ask", json=payload)
    assert_error(missing, 401, "X-API-Key")
    assert missing.headers["www-authenticate"] == "Bearer"
    assert_error(client.post("/api/ask", json=payload, headers={"X-API-Key": "wrong"}), 401)
    assert_error(client.get("/api/documents"), 401)
    assert client.post("/api/ask", json=payload, headers={"X-API-Key": "s3cret"}).status_code == 200
    assert (
        client.post("/api/ask", json=payload, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    )
    for public in ("/healthz", "/readyz", "/", "/widget.js", "/widget.css", "/openapi.json"):
        assert client.get(public).status_code == 200, public


def test_rate_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_per_minute=2)
    assert client.get("/api/documents").status_code == 200
    assert client.post("/api/ask", json={"question": FACT_QUESTION}).status_code == 200
    limited = client.get("/api/documents")
    assert_error(limited, 429, "2 per minute")
    assert int(limited.headers["retry-after"]) >= 1
    assert client.get("/healthz").status_code == 200  # only /api/* is limited


def test_cors(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=["https://blog.example"], api_key="k")
    preflight = client.options(
        "/api/chat",
        headers={
            "Origin": "https://blog.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://blog.example"
    refused = client.get("/api/documents", headers={"Origin": "https://blog.example"})
    assert (
        refused.status_code == 401
        and refused.headers["access-control-allow-origin"] == "https://blog.example"
    )
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


# ---------- pipeline failures ----------


class BrokenPipeline:
    """Delegates to a real pipeline but fails on ask."""

    def __init__(self, real: Any, error: Exception) -> None:
        self.real = real
        self.error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def ask(self, question: str, **kwargs: Any) -> Any:
        raise self.error


def test_wenda_error_becomes_a_clear_json_error(
    make_client: Callable[..., TestClient], tiny_pipeline: Any
) -> None:
    broken = BrokenPipeline(
        tiny_pipeline, IndexCorruptError("index files are unreadable; rebuild with: qa index --rebuild")
    )
    client = make_client(pipeline=broken)
    assert_error(client.post("/api/ask", json={"question": FACT_QUESTION}), 503, "rebuild with: qa index")
    assert_error(client.post("/api/chat", json={"message": FACT_QUESTION}), 503, "unreadable")


def test_unexpected_error_is_a_500_without_traceback(
    make_client: Callable[..., TestClient], tiny_pipeline: Any
) -> None:
    client = make_client(
        pipeline=BrokenPipeline(tiny_pipeline, RuntimeError("boom at 0xdeadbeef")),
        raise_server_exceptions=False,
    )
    response = client.post("/api/ask", json={"question": FACT_QUESTION})
    detail = assert_error(response, 500, "internal server error")
    assert "boom" not in detail and "Traceback" not in response.text


# ---------- docs and widget files ----------


def test_openapi_docs(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    # Served from local files: no CDN, so the docs work offline.
    assert "cdn." not in page.text and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/ask",
        "/api/chat",
        "/api/documents",
        "/api/documents/{doc_id}",
        "/healthz",
        "/readyz",
    } <= set(paths)


def test_unknown_route_is_json_404(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404)


def test_widget_files_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.headers["content-type"].startswith("text/html") and 'src="/widget.js"' in page.text
    js = client.get("/widget.js")
    assert js.headers["content-type"].startswith("text/javascript") and "attachShadow" in js.text
    css = client.get("/widget.css")
    assert css.headers["content-type"].startswith("text/css") and "max-width: 400px" in css.text
    assert "http://" not in css.text and "https://" not in css.text  # no external fonts or CDNs


def test_widget_never_parses_server_text_as_html(client: TestClient) -> None:
    js = client.get("/widget.js").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    assert "textContent" in js and "createTextNode" in js
