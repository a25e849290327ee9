"""The `qa` command: one-shot and batch answers, info, index, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.cli import main

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"


@pytest.fixture
def env(tmp_path: Path, model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "WENDA_INDEX_DIR": str(tmp_path / "index"),
        "WENDA_MODEL_CACHE_DIR": str(model_cache_dir),
        "WENDA_CORPUS": json.dumps([str(SEEDS)]),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values}


def test_first_ask_builds_the_index_and_prints_json(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "全国地方公安机关共设置了多少个公安派出所？", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["text"] == "4万余个" and answer["encoder"] == "wenda-e5-small"
    assert answer["citations"][0]["source"].startswith("000_")
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["files"] == 5 and info["chunks"] > 0 and info["encoder"]["name"] == "wenda-e5-small"


def test_human_output_highlights_and_cites(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "正阳派出所今年1至4月调处了多少起矛盾纠纷？"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("答：") and "【" in out and "[1]" in out and "004_7d64527d58eb176b.txt" in out


def test_batch_mode_writes_one_json_line_per_question(env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "question": "全国地方公安机关共设置了多少个公安派出所？"},
        {"id": "b", "question": "火星上有派出所吗？"},
        {"id": "c", "question": "   "},
    ]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert main(["ask", "--questions", str(questions), "--json"]) == 1  # one question was empty
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert lines[0]["text"] == "4万余个" and lines[0]["citations"]
    assert "error" in lines[2] and "empty" in lines[2]["error"]


def test_index_reports_incremental_work(env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("甲派出所位于城东，辖区有3万人。民警每天巡逻两次。", encoding="utf-8")
    assert main(["index", str(corpus), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["added"] == ["a.txt"] and first["encoded_chunks"] == first["chunks"]
    (corpus / "b.txt").write_text("乙派出所位于城西，辖区有5万人。", encoding="utf-8")
    assert main(["index", str(corpus), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["added"] == ["b.txt"] and second["unchanged"] == ["a.txt"] and second["encoded_chunks"] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", ""], "empty"),
        (["ask", "   "], "empty"),
        (["ask", "问" * 600], "limit"),
        (["ask"], "give a question"),
        (["ask", "--questions", "/nonexistent/q.jsonl"], "not found"),
        (["index", "/nonexistent/corpus"], "not found"),
    ],
)
def test_bad_input_is_one_line_error(env: dict[str, str], argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_empty_corpus_and_missing_index(env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["index", str(empty)]) == 2
    assert "no .txt" in capsys.readouterr().err
    assert main(["info", "--index-dir", str(tmp_path / "nothing")]) == 2
    assert "no index" in capsys.readouterr().err


def test_subprocess_error_has_no_traceback(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "  "], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and "Traceback" not in result.stderr
    help_text = subprocess.run(
        [sys.executable, "-m", "qa.cli", "--help"], capture_output=True, text=True, env=env, timeout=60, check=True
    ).stdout
    assert "qa ask" in help_text and "index" in help_text and "chat" in help_text


def test_chat_carries_context_between_turns(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "chat"],
        input="莲前派出所辖区有多少人口？\n那它的面积呢？\n\n/reset\n/quit\n",
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("答：") == 2
    assert "（理解为：莲前派出所" in out and "(context cleared)" in out  # the follow-up is shown as it was understood
    assert "答：15万多人口" in out and "答：16平方公里" in out  # the transcript, with the default reader
