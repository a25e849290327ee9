"""The server under attack-shaped input: lone surrogates, typed documents, an exact schema (schemathesis on the
loopback), forwarded headers only from trusted proxies, HEAD probes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_testkit import FACT_QUESTION, live_server

from server.app import create_app
from server.cli import uvicorn_config

REPO = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"
SURROGATE_BODY = b'{"question": "\\ud800\xe6\xb4\xbe\xe5\x87\xba\xe6\x89\x80\xef\xbc\x9f"}'


def test_lone_surrogate_is_422_not_500(make_client: Callable[..., TestClient]) -> None:
    client = make_client(raise_server_exceptions=False)
    headers = {"content-type": "application/json"}
    for path, body in (("/api/ask", SURROGATE_BODY), ("/api/chat", SURROGATE_BODY.replace(b"question", b"message"))):
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert "surrogate" in response.json()["detail"]
    late = json.dumps({"question": "派出所？" + "\ud83d"}).encode()  # at the end, after valid text
    assert client.post("/api/ask", content=late, headers=headers).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        b'{"model": "\\ud800", "stream": true, "messages": [{"role": "user", "content": "\xe9\x9d\xa2\xe7\xa7\xaf\xef\xbc\x9f"}]}',
        b'{"model": "\\ud800", "messages": [{"role": "user", "content": "\xe9\x9d\xa2\xe7\xa7\xaf\xef\xbc\x9f"}]}',
        b'{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "\\udfff[1]"},'
        b' {"role": "user", "content": "b"}]}',
        b'{"messages": [{"role": "system", "content": "x", "name": "\\ud83d"}, {"role": "user", "content": "b"}]}',
    ],
    ids=["model-streamed", "model", "earlier-reply", "system-name"],
)
def test_lone_surrogate_anywhere_in_a_chat_completion_is_422(make_client: Callable[..., TestClient], body: bytes) -> None:
    """Not only the question: a surrogate in the model name used to cut a streamed reply off mid-way (the
    headers had gone out), and one in an earlier reply reached the tokenizer (500)."""
    client = make_client(raise_server_exceptions=False)
    response = client.post("/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "surrogate" in response.json()["detail"]


def test_boolean_top_k_is_422(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": FACT_QUESTION, "top_k": True}).status_code == 422


def test_documents_with_non_string_fields_are_served(tmp_path: Path, model_cache_dir: Path) -> None:
    from qa import Settings
    from qa.pipeline import QAPipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    record = {"id": "x", "title": "数字日期", "text": "某派出所成立于2022年，现有民警12名。", "date": 20221231, "url": 42}
    (corpus / "n.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    settings = Settings(
        index_dir=tmp_path / "idx", corpus=[corpus], model_cache_dir=model_cache_dir,
        embedding_model="wenda-w2v-zh", reader="rules", rate_limit_per_minute=0,
    )
    pipe = QAPipeline.from_settings(settings)
    with TestClient(create_app(settings, pipe), raise_server_exceptions=False) as client:
        listed = client.get("/api/documents")
        assert listed.status_code == 200, listed.text
        assert listed.json()["documents"][0]["date"] == "20221231"
        one = client.get("/api/documents/x")
        assert one.status_code == 200 and one.json()["url"] == "42"


def test_head_probes(client: TestClient) -> None:
    for path in ("/healthz", "/readyz"):
        response = client.head(path)
        assert response.status_code == 200 and response.content == b""


def test_schema_states_limits_errors_and_security(make_client: Callable[..., TestClient]) -> None:
    open_schema = make_client(max_question_chars=123).get("/openapi.json").json()
    ask = open_schema["components"]["schemas"]["AskRequest"]["properties"]["question"]
    chat = open_schema["components"]["schemas"]["ChatRequest"]["properties"]["message"]
    for field in (ask, chat):
        assert field["maxLength"] == 123 and field["pattern"] == r"\S"
    assert "HTTPValidationError" not in json.dumps(open_schema)
    assert "securitySchemes" not in open_schema.get("components", {})
    delete = open_schema["paths"]["/api/chat/{session_id}"]["delete"]["responses"]
    assert delete["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    for path, operations in open_schema["paths"].items():
        for operation in operations.values():
            assert {"400", "413"} <= set(operation["responses"]), path
            assert "401" not in operation["responses"] and "security" not in operation
            assert ("429" in operation["responses"]) is False  # the test apps run with the limit off
    locked = make_client(api_key="k", rate_limit_per_minute=5).get("/openapi.json").json()
    ask_op = locked["paths"]["/api/ask"]["post"]
    assert {"401", "429"} <= set(ask_op["responses"]) and ask_op["security"]
    assert "429" not in locked["paths"]["/healthz"]["get"]["responses"]


def test_over_long_question_with_padding_is_refused_as_the_schema_says(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_question_chars=10)
    assert client.post("/api/ask", json={"question": "  " + "问" * 10}).status_code == 422  # 12 characters sent
    assert client.post("/api/ask", json={"question": "问" * 9 + "？"}).status_code == 200


def run_schemathesis(url: str, *extra: str, examples: int, cwd: Path) -> tuple[int, str]:
    """`st run` against a live server on the loopback with every check; (exit code, output). A body over
    `max_body_bytes` is rejected with 413 before it is parsed, so 413 counts as rejecting invalid data too."""
    (cwd / "schemathesis.toml").write_text(
        '[checks.negative_data_rejection]\nexpected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", '
        '"415", "422", "428", "429", "5xx"]\n', encoding="utf-8",
    )
    result = subprocess.run(
        [str(ST), "run", f"{url}/openapi.json", "--checks", "all", "--max-examples", str(examples),
         "--seed", "12", "--no-color", "--suppress-health-check", "all", *extra],
        capture_output=True, text=True, timeout=240, check=False, cwd=cwd,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed: pip install -e .[test]")
@pytest.mark.parametrize(
    ("overrides", "extra", "examples"),
    [({}, (), 25), ({"api_key": "sekrit", "rate_limit_per_minute": 600}, ("-H", "X-API-Key: sekrit"), 10)],
)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    tiny_settings: Any, tiny_pipeline: Any, overrides: dict[str, Any], extra: tuple[str, ...], examples: int, tmp_path: Path
) -> None:
    app = create_app(tiny_settings.with_overrides(**overrides), tiny_pipeline)
    with live_server(app) as url:
        code, out = run_schemathesis(url, *extra, examples=examples, cwd=tmp_path)
    summary = re.search(r"(\d+) generated, (.*)", out)
    assert code == 0 and summary, re.sub(r"curl .*", "curl …", out)[-6000:]
    assert int(summary.group(1)) >= 8 * examples, summary.group(0)
    assert "No issues found" in out, out[-6000:]


def get(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("trusted", [[], ["127.0.0.1"]])
def test_forwarded_for_is_believed_only_from_trusted_proxies(tiny_settings: Any, tiny_pipeline: Any, trusted: list[str]) -> None:
    settings = tiny_settings.with_overrides(rate_limit_per_minute=3, trusted_proxies=trusted)
    app = create_app(settings, tiny_pipeline)
    with live_server(app, uvicorn_config(app, settings, "warning")) as url:
        codes = [get(f"{url}/api/documents", {"X-Forwarded-For": f"192.0.2.{n}"}) for n in range(6)]
    if trusted:  # behind a listed proxy each forwarded client has its own budget
        assert codes == [200] * 6
    else:  # anyone on this machine: one client, whatever the header says
        assert codes == [200, 200, 200, 429, 429, 429]
