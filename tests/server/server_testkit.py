"""Test helpers for the server tests: the tiny corpus and a live uvicorn server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

XSS_DOC_ID = "安全/测试#1"
"""A document id with `/` and `#`: clients must URL-encode it."""

ARTICLES: dict[str, str] = {
    "qingshan.txt": (
        "青山派出所的故事\n\n"
        "青山派出所位于江城市东湖区，成立于1985年。派出所现有民警28名，辅警40名。\n\n"
        "青山派出所辖区面积为12平方千米，辖区常住人口约3万人。近年来，派出所推行“社区警务”模式，"
        "群众满意度达到98%。\n"
    ),
    "panda.md": (
        "# 大熊猫的食性\n\n"
        "大熊猫是中国特有的哺乳动物，主要生活在四川、陕西和甘肃的山区。"
        "成年大熊猫每天要吃12到38千克竹子。野生大熊猫的寿命约为18到20年。\n"
    ),
}

XSS_RECORD: dict[str, str] = {
    "id": XSS_DOC_ID,
    "title": "网页<b>安全</b>测试站",
    "url": "javascript:window.__wendaXss=3",
    "text": (
        "测试站的站长名叫王小明。\n\n"
        "<script>alert(1)</script>\n\n"
        "<img src=x onerror=window.__wendaXss=1>\n\n"
        "测试站成立于2020年，站内共有文章120篇<script>window.__wendaXss=2</script>。\n"
    ),
}

FACT_QUESTION = "青山派出所辖区面积是多少？"
UNANSWERABLE_QUESTION = "火星上的奥林匹斯山有多高？"


def write_corpus(folder: Path) -> Path:
    """Write the tiny corpus (two articles and a record full of markup) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "xss.jsonl").write_text(json.dumps(XSS_RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


@contextmanager
def live_server(app: FastAPI, config: Any = None) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on a free loopback port; yield its base URL. `config` (a
    `uvicorn.Config`, e.g. from `server.cli.uvicorn_config`) replaces the default one."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(config or uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
