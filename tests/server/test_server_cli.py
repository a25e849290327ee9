"""`qa serve`: the plugin registers, binds, prints the URL and serves."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from qa.cli_common import common_parser
from qa.errors import WendaError
from server.cli import bind, register, url_for


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="qa")
    register(top.add_subparsers(dest="command"), common_parser())
    return top


def test_register_adds_serve_with_host_and_port() -> None:
    args = parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9001", "--index-dir", "idx"])
    assert (args.command, args.host, args.port, args.index_dir) == ("serve", "0.0.0.0", 9001, Path("idx"))
    assert callable(args.func)
    defaults = parser().parse_args(["serve"])
    assert defaults.host is None and defaults.port is None  # settings decide


def test_bind_reports_a_busy_port_clearly() -> None:
    with bind("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(WendaError, match=f"cannot listen on 127.0.0.1:{port}"):
            bind("127.0.0.1", port)
        assert url_for(taken, "127.0.0.1") == f"http://127.0.0.1:{port}"
        assert url_for(taken, "0.0.0.0") == f"http://127.0.0.1:{port}"


def test_serve_prints_the_url_and_answers(
    tiny_settings: Any,
    tiny_pipeline: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import uvicorn

    servers: list[uvicorn.Server] = []

    class RecordedServer(uvicorn.Server):
        def __init__(self, config: uvicorn.Config) -> None:
            super().__init__(config)
            servers.append(self)

    monkeypatch.setattr(uvicorn, "Server", RecordedServer)
    monkeypatch.setenv("WENDA_MODEL_CACHE_DIR", str(tiny_settings.model_cache_dir))
    monkeypatch.setenv("WENDA_RATE_LIMIT_PER_MINUTE", "0")
    args = parser().parse_args(
        ["serve", "--index-dir", str(tiny_settings.index_dir), "--port", "0", "--log-level", "warning"]
    )
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(args.func(args)), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (servers and servers[0].started):
        assert thread.is_alive() and time.monotonic() < deadline, capsys.readouterr()
        time.sleep(0.05)
    output = capsys.readouterr().out
    line = next(line for line in output.splitlines() if line.startswith("serving on "))
    url = line.split()[2].rstrip("/")
    assert url.startswith("http://127.0.0.1:") and "3 documents" in output
    try:
        ready = httpx.get(url + "/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["documents"] == 3
        answer = httpx.post(url + "/api/ask", json={"question": "青山派出所成立于哪一年？"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["passages"]
    finally:
        servers[0].should_exit = True
        thread.join(15)
    assert result == [0]


def test_serve_fails_fast_on_a_busy_port(tiny_settings: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        args = parser().parse_args(
            ["serve", "--port", str(port), "--index-dir", str(tiny_settings.index_dir)]
        )
        with pytest.raises(WendaError, match="cannot listen"):
            args.func(args)
