"""Backends for the Milvus tests: embedded Milvus Lite, Lite's server binary on 127.0.0.1 (started here, stopped
by its PID), or a real server named by WENDA_TEST_MILVUS_URI (with WENDA_TEST_MILVUS_TOKEN)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

BACKENDS = ["local", "milvus-lite", "milvus-server"]
SERVER_START_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def lite_server(folder: Path) -> Iterator[str]:
    """Milvus Lite's `milvus` binary serving gRPC on a free 127.0.0.1 port; its URI. Skips when it cannot start."""
    try:
        from milvus_lite.server import Server
    except ImportError as exc:
        pytest.skip(f"milvus-lite is not installed ({exc})")
    server = Server(str(folder / "server.db"))
    binary = Path(server.milvus_bin)
    if not binary.is_file():
        pytest.skip(f"milvus-lite ships no server binary at {binary}")
    port = _free_port()
    env = {**os.environ, "LD_LIBRARY_PATH": f"{binary.parent}:{os.environ.get('LD_LIBRARY_PATH', '')}"}
    proc = subprocess.Popen(
        [str(binary), str(folder / "server.db"), f"127.0.0.1:{port}", "ERROR"], cwd=folder, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _listening(port):
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace")[-300:] if proc.stderr else ""
                pytest.skip(f"Milvus Lite's server binary exited with {proc.returncode}: {err}")
            if time.monotonic() > deadline:
                pytest.skip(f"Milvus Lite's server binary did not listen on 127.0.0.1:{port} in {SERVER_START_S:.0f}s")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def milvus_server_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str | None]]:
    """(URI, token) of a Milvus server: WENDA_TEST_MILVUS_URI when set, else Lite's binary started here."""
    uri = os.environ.get("WENDA_TEST_MILVUS_URI")
    if uri:
        yield uri, os.environ.get("WENDA_TEST_MILVUS_TOKEN")
        return
    with lite_server(tmp_path_factory.mktemp("milvus-server")) as started:
        yield started, None


@pytest.fixture
def milvus_settings(request: pytest.FixtureRequest, tmp_path: Path, model_cache_dir: Path):  # noqa: ANN201
    """Settings factory for a fresh Milvus index on the backend named by `request.param` (Lite or server)."""
    from qa import Settings

    kind = getattr(request, "param", "milvus-lite")

    def make(corpus: list[Path], **overrides: object) -> Settings:
        name = f"t_{uuid.uuid4().hex[:12]}"
        if kind == "milvus-server":
            uri, token = request.getfixturevalue("milvus_server_uri")
        else:
            uri, token = str(tmp_path / f"{name}.db"), None
        return Settings(
            index_backend="milvus", milvus_uri=uri, milvus_token=token, milvus_collection=name,
            index_dir=tmp_path / "index", corpus=corpus, model_cache_dir=model_cache_dir, **overrides,
        )

    return make
