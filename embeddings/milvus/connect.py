"""Connecting to Milvus: a file URI is Milvus Lite embedded in this process, anything else a server."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from embeddings.errors import IndexLocationError, WendaError
from embeddings.locks import exclusive
from embeddings.settings import IndexSettings

CONNECT_TIMEOUT_S = 60.0
"""Lite's server binary takes a few seconds to open its socket on a loaded machine; pymilvus waits 10 s."""
_LITE_NAME = re.compile(r"^[A-Za-z0-9.\-_]{1,36}$")
_SCHEMES = ("http://", "https://", "tcp://", "unix:")


class MilvusUnavailableError(WendaError):
    """Milvus cannot be reached, or the Lite file cannot be opened."""


def is_lite(uri: str) -> bool:
    """True when `uri` names a local file (Milvus Lite) rather than a server."""
    return not uri.startswith(_SCHEMES)


def lite_path(uri: str) -> Path:
    """The Lite database file of a file URI; IndexLocationError when Lite cannot use that name."""
    path = Path(uri).expanduser().absolute()
    if path.suffix != ".db" or not _LITE_NAME.match(path.name):
        raise IndexLocationError(
            f"milvus_uri {uri!r}: a Milvus Lite file name must end in .db and have at most 36 of the characters "
            "A-Z a-z 0-9 . - _ (or give a server URI such as http://localhost:19530)"
        )
    return path


def describe(settings: IndexSettings) -> str:
    """Where the index lives, for messages: `Milvus collection 'wenda' at ./milvus.db`."""
    return f"Milvus collection {settings.milvus_collection!r} at {settings.milvus_uri}"


def connect(settings: IndexSettings) -> Any:
    """A `pymilvus.MilvusClient` for settings.milvus_uri (a Lite file's folder is created)."""
    uri = settings.milvus_uri
    if is_lite(uri):
        path = lite_path(uri)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexLocationError(f"the folder of milvus_uri {uri} cannot be created ({exc.strerror or exc})") from None
        uri = str(path)
    # gRPC's core logs Lite's keep-alive throttling ("too_many_pings") on stderr; failures still raise.
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    from pymilvus import MilvusClient
    from pymilvus.exceptions import MilvusException

    if is_lite(settings.milvus_uri):
        with warnings.catch_warnings():  # milvus_lite reads its version with pkg_resources
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            import milvus_lite  # noqa: F401

    # Lite answers no MVCC timestamp to a query iterator; pymilvus then warns on every iterator it opens.
    logging.getLogger("pymilvus.orm.iterator").setLevel(logging.ERROR)
    try:
        return MilvusClient(uri=uri, token=settings.milvus_token or "", timeout=CONNECT_TIMEOUT_S)
    except MilvusException as exc:
        why = exc.message if hasattr(exc, "message") else str(exc)
        if is_lite(settings.milvus_uri):
            why += " (a Milvus Lite file can be open in one process at a time: is another qa using it?)"
        raise MilvusUnavailableError(f"cannot open Milvus at {settings.milvus_uri}: {why}") from None


def lock_path(settings: IndexSettings) -> Path:
    """The writers' lock file: next to a Lite file; in index_dir for a server (one machine's writers)."""
    if is_lite(settings.milvus_uri):
        path = lite_path(settings.milvus_uri)
        return path.with_name(f".{path.name}.wenda-lock")
    key = hashlib.sha256(f"{settings.milvus_uri}\n{settings.milvus_collection}".encode()).hexdigest()[:16]
    return settings.index_dir / f"milvus-{key}.LOCK"


@contextlib.contextmanager
def write_lock(settings: IndexSettings, wait_s: float = 30.0) -> Iterator[None]:
    """Exclusive lock for one `qa index` on this collection; waits up to `wait_s`, then IndexLockedError."""
    path = lock_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held for the duration of the context
    except OSError as exc:
        raise IndexLocationError(f"the lock file {path} cannot be created ({exc.strerror or exc})") from None
    busy = f"another process is writing the index in {describe(settings)}; wait for it to finish and retry"
    with handle, exclusive(handle, wait_s, busy):
        yield
