"""`qa serve`: run the HTTP API and chat widget with uvicorn (plugin of the `qa` command)."""

from __future__ import annotations

import argparse
import contextlib
import socket
from typing import Any

from qa.errors import WendaError

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the `serve` sub-command."""
    parser = subparsers.add_parser(
        "serve",
        parents=[common],
        help="serve the HTTP API and the embeddable chat widget",
        description=(
            "Load the index once and serve POST /api/ask, POST /api/chat, GET /api/documents, /healthz, "
            "/readyz, the OpenAPI docs at /docs, a demo page at / and the widget at /widget.js."
        ),
    )
    parser.add_argument(
        "--host", default=None, help="interface to listen on (default: settings.host, 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=None, help="TCP port (default: settings.port, 8000; 0 = any free port)"
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level",
    )
    parser.set_defaults(func=serve)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; WendaError with a clear message when that is impossible."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise WendaError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise WendaError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def url_for(sock: socket.socket, host: str) -> str:
    """The http URL a browser on this machine can open for `sock`."""
    port = sock.getsockname()[1]
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def uvicorn_config(app: Any, settings: Any, log_level: str = "info") -> Any:
    """uvicorn's configuration for `app`: forwarded headers (X-Forwarded-For) are believed only from the
    addresses in `settings.trusted_proxies` (uvicorn alone would trust them from 127.0.0.1, so anyone on the
    machine could choose the address the rate limit counts)."""
    import uvicorn

    trusted = [str(a) for a in settings.trusted_proxies]
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=log_level == "debug",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )


def serve(args: argparse.Namespace) -> int:
    """Load the pipeline, bind, print the URL and serve until interrupted."""
    import uvicorn

    from qa.cli_common import settings_from_args
    from qa.pipeline import QAPipeline
    from server.app import create_app
    from server.settings import ServerSettings

    settings = settings_from_args(args, layer=ServerSettings).with_overrides(host=args.host, port=args.port)
    sock = bind(settings.host, settings.port)  # fail fast, before the slow load
    try:
        pipeline = QAPipeline.from_settings(settings, build_if_missing=True, progress=True)
        app = create_app(settings, pipeline)
        url = url_for(sock, settings.host)
        info = pipeline.info()
        print(
            f"问答 wenda: {info.documents} documents, {info.chunks} chunks, encoder {info.encoder}"
        )
        print(f"serving on {url}/  (API docs {url}/docs, widget {url}/widget.js; Ctrl+C stops)", flush=True)
        if settings.host not in _LOOPBACK and not settings.api_key:
            print("warning: listening beyond this machine without an API key (set WENDA_API_KEY)", flush=True)
        server = uvicorn.Server(uvicorn_config(app, settings, args.log_level))
        with contextlib.suppress(
            KeyboardInterrupt
        ):  # uvicorn re-raises the Ctrl+C it handled, after shutdown
            server.run(sockets=[sock])
        print("stopped", flush=True)
    finally:
        sock.close()
    return 0
