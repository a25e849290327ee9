#!/usr/bin/env python
"""Load-test a local 问答 server: N concurrent clients for T seconds, then throughput and latency.

Only loopback URLs are accepted (this is a tool for your own machine, not for someone else's server).

    python scripts/loadtest.py                                  # 8 clients, 10 s, http://127.0.0.1:8000
    python scripts/loadtest.py -c 32 -d 30 --endpoint chat
    python scripts/loadtest.py --questions eval/gold/seeds.jsonl --json
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
MAX_DURATION_S = 600.0
MAX_CLIENTS = 256

SEED_QUESTIONS = [
    "全国地方公安机关共设置了多少个公安派出所？",
    "全国派出所里一共有多少名警察？",
    "全国已设立社区警务室多少个？",
    "2022年1—11月全国共破获电信网络诈骗案件多少起？",
    "公安部命名了多少个“枫桥式公安派出所”？",
    "北屯边境派出所副所长是谁？",
    "满洲里冬天最冷能到多少度？",
    "我国最大的陆路口岸是哪个？",
    "厦门莲前派出所辖区面积有多大？",
    "正阳派出所建所多少年了？",
    "火星上的大气压是多少帕斯卡？",
]


def is_loopback_url(url: str) -> bool:
    """Whether `url` is http(s) to localhost or a loopback IP (no DNS lookups)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_questions(path: Path | None) -> list[str]:
    """Questions from a .txt (one a line) or .jsonl (`question` field) file, else the built-in seed list."""
    if path is None:
        return list(SEED_QUESTIONS)
    if not path.is_file():
        raise SystemExit(f"error: questions file not found: {path}")
    questions: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if path.suffix == ".jsonl":
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"error: {path}:{n}: not valid JSON ({exc.msg})") from exc
            line = str(record.get("question", "")).strip() if isinstance(record, dict) else ""
        if line:
            questions.append(line)
    if not questions:
        raise SystemExit(f"error: no questions in {path}")
    return questions


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


@dataclass
class Tally:
    """What the clients observed, merged under a lock."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    answered: int = 0
    abstained: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client_loop(
    n: int,
    args: argparse.Namespace,
    questions: list[str],
    deadline: float,
    tally: Tally,
    headers: dict[str, str],
) -> None:
    """One client: ask questions back to back until the deadline."""
    path = "/api/chat" if args.endpoint == "chat" else "/api/ask"
    session_id: str | None = None
    i = n
    with httpx.Client(base_url=args.url, timeout=args.timeout, headers=headers) as http:
        while time.monotonic() < deadline:
            question = questions[i % len(questions)]
            i += 1
            if args.endpoint == "chat":
                payload: dict[str, Any] = {"message": question}
                if session_id:
                    payload["session_id"] = session_id
            else:
                payload = {"question": question}
                if args.top_k:
                    payload["top_k"] = args.top_k
            started = time.perf_counter()
            try:
                response = http.post(path, json=payload)
                elapsed = (time.perf_counter() - started) * 1000
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.errors[type(exc).__name__] += 1
                continue
            with tally.lock:
                if response.status_code == 200:
                    body = response.json()
                    session_id = body.get("session_id", session_id)
                    tally.latencies_ms.append(elapsed)
                    if body.get("text") is None:
                        tally.abstained += 1
                    else:
                        tally.answered += 1
                else:
                    tally.errors[f"HTTP {response.status_code}"] += 1
            if response.status_code == 429:  # back off instead of spinning on the rate limit
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def check_server(url: str, headers: dict[str, str]) -> dict[str, Any]:
    """The server's /readyz body; exits with a message when it is down or not ready."""
    try:
        response = httpx.get(url + "/readyz", headers=headers, timeout=5)
    except httpx.HTTPError as exc:
        raise SystemExit(f"error: cannot reach {url} ({exc}); start it with: qa serve") from exc
    if response.status_code != 200:
        raise SystemExit(f"error: {url}/readyz answered {response.status_code}: {response.text[:200]}")
    return response.json()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="loadtest.py",
        description="Hammer a local 问答 server with concurrent questions and report requests/s and latency.",
    )
    parser.add_argument(
        "--url", default=DEFAULT_URL, help=f"server base URL, loopback only (default {DEFAULT_URL})"
    )
    parser.add_argument(
        "-c", "--clients", type=int, default=8, help=f"concurrent clients, 1-{MAX_CLIENTS} (default 8)"
    )
    parser.add_argument(
        "-d",
        "--duration",
        type=float,
        default=10.0,
        help=f"seconds to run, at most {MAX_DURATION_S:.0f} (default 10)",
    )
    parser.add_argument(
        "--questions",
        type=Path,
        help="file of questions: .txt one per line, or .jsonl with a 'question' field",
    )
    parser.add_argument(
        "--endpoint", choices=["ask", "chat"], default="ask", help="POST /api/ask (default) or /api/chat"
    )
    parser.add_argument("--top-k", type=int, help="top_k sent with /api/ask")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)"
    )
    parser.add_argument(
        "--api-key", default=os.environ.get("WENDA_API_KEY"), help="API key (default: $WENDA_API_KEY)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    args.url = args.url.rstrip("/")
    if not is_loopback_url(args.url):
        parser.error(
            f"refusing {args.url}: only loopback URLs (localhost, 127.0.0.1, ::1) may be load-tested"
        )
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 0 < args.duration <= MAX_DURATION_S:
        parser.error(f"--duration must be between 0 and {MAX_DURATION_S:.0f} seconds")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    questions = load_questions(args.questions)
    headers = {"X-API-Key": args.api_key} if args.api_key else {}
    ready = check_server(args.url, headers)
    if not args.json:
        print(
            f"{args.url}: {ready.get('documents')} documents, encoder {ready.get('encoder')}; "
            f"{args.clients} clients x {args.duration:g} s on /api/{args.endpoint}, {len(questions)} questions",
            file=sys.stderr,
        )
    tally = Tally()
    started = time.monotonic()
    deadline = started + args.duration
    threads = [
        threading.Thread(target=client_loop, args=(n, args, questions, deadline, tally, headers), daemon=True)
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:  # bounded: each client stops at the deadline, plus at most one request timeout
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + args.timeout + 5)
    elapsed = time.monotonic() - started

    latencies = sorted(tally.latencies_ms)
    errors = sum(tally.errors.values())
    summary = {
        "url": args.url,
        "endpoint": f"/api/{args.endpoint}",
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "requests": len(latencies) + errors,
        "ok": len(latencies),
        "answered": tally.answered,
        "abstained": tally.abstained,
        "errors": errors,
        "error_kinds": dict(tally.errors),
        "requests_per_s": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(latencies[-1], 1) if latencies else 0.0,
        },
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        lat = summary["latency_ms"]
        print(
            f"requests   {summary['requests']} in {summary['seconds']} s  ({summary['requests_per_s']} ok/s)"
        )
        print(f"ok         {summary['ok']}  (answered {tally.answered}, abstained {tally.abstained})")
        print(
            f"latency    p50 {lat['p50']} ms   p95 {lat['p95']} ms   p99 {lat['p99']} ms   max {lat['max']} ms"
        )
        kinds = ", ".join(f"{k}: {v}" for k, v in sorted(tally.errors.items())) or "none"
        print(f"errors     {errors}  ({kinds})")
        if tally.errors.get("HTTP 429"):
            print(
                "note: the server's rate limit was hit; start it with WENDA_RATE_LIMIT_PER_MINUTE=0 to measure throughput"
            )
    return 1 if errors and not latencies else 0


if __name__ == "__main__":
    sys.exit(main())
