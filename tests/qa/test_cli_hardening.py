"""`qa` with bad input and on a first run: one-line errors, one warning per skipped file, honest timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.cli import main
from qa.render import render_answer
from qa.types import Answer, Citation

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
FAST = ["--model", "wenda-w2v-zh", "--reader", "rules"]
QUESTION = "全国地方公安机关共设置了多少个公安派出所？"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path) -> Path:
    """An index of the seed corpus built with the word-vector encoder (fast)."""
    from qa import Settings
    from qa.pipeline import QAPipeline

    index_dir = tmp_path_factory.mktemp("cli-hardening") / "index"
    settings = Settings(index_dir=index_dir, corpus=[SEEDS], model_cache_dir=model_cache_dir, embedding_model="wenda-w2v-zh")
    QAPipeline.build(settings, progress=False)
    return index_dir


@pytest.fixture
def env(seed_index: Path, model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "WENDA_INDEX_DIR": str(seed_index),
        "WENDA_MODEL_CACHE_DIR": str(model_cache_dir),
        "WENDA_CORPUS": json.dumps([str(SEEDS)]),
        "WENDA_EMBEDDING_MODEL": "wenda-w2v-zh",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values, "PYTHONPATH": str(REPO)}


def one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def run_qa(args: list[str], env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, env=env, timeout=240, check=False, **kw
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not utf-8: 派出所".encode("gb18030"), "not UTF-8"),
        (b'{"id": "a", "question": "\\ud800\xe6\xb4\xbe\xe5\x87\xba\xe6\x89\x80\xef\xbc\x9f"}\n', "q.jsonl:1: 'question' holds a lone surrogate"),
        (b'{"id": "a", "question": "ok?"}\n[1]\n', "q.jsonl:2"),
    ],
)
def test_bad_questions_file_is_one_line_error(
    env: dict[str, str], tmp_path: Path, content: bytes, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(content)
    assert expected in one_line_error(["ask", "--questions", str(path), "--json", *FAST], capsys)
    assert capsys.readouterr().out == ""  # nothing was answered (and nothing lost): the file is refused whole


def test_index_dir_that_is_a_file_or_cannot_be_created(env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("keep me", encoding="utf-8")
    assert "not a folder" in one_line_error(["index", str(SEEDS), "--index-dir", str(a_file), *FAST[:2]], capsys)
    assert "cannot be created" in one_line_error(["ask", QUESTION, "--index-dir", "/proc/x", *FAST], capsys)
    assert a_file.read_text(encoding="utf-8") == "keep me"


def test_damaged_index_is_one_line_error(env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from embeddings.store import current_version

    copy = tmp_path / "idx"
    shutil.copytree(Path(env["WENDA_INDEX_DIR"]), copy)
    postings = current_version(copy) / "bm25_data.npy"
    postings.write_bytes(postings.read_bytes()[:64])
    assert "bm25_data.npy" in one_line_error(["ask", QUESTION, "--index-dir", str(copy), *FAST], capsys)
    (copy / "CURRENT").write_bytes(b"\xff\xfe")
    assert "qa index --rebuild" in one_line_error(["ask", QUESTION, "--index-dir", str(copy), *FAST], capsys)
    assert main(["index", "--rebuild", "--index-dir", str(copy), *FAST[:2]]) == 0
    assert main(["ask", QUESTION, "--index-dir", str(copy), "--json", *FAST]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["text"] == "4万余个"


def test_non_utf8_argument_is_one_line_error(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"qa.cli", b"ask", b"\xff\xe6\xb4\xbe\xe5\x87\xba\xe6\x89\x80", *[a.encode() for a in FAST]],
        capture_output=True, env=env, timeout=120, check=False,
    )
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and err.startswith("error: ") and "surrogate" in err and "Traceback" not in err, err


def test_skipped_file_is_reported_once(env: dict[str, str], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("甲派出所位于城东，辖区有3万人。民警每天巡逻两次。", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x01binary\x00")
    result = run_qa(["index", str(corpus), "--index-dir", str(tmp_path / "idx"), *FAST[:2]], env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("bad.txt") == 1, result.stderr


def test_empty_title_has_no_double_space() -> None:
    cite = Citation("gbk", "gbk.txt", "", "gbk::0", 3, 5, "派出所有民警。", 0)
    out = render_answer(Answer("问？", "民警", 0.9, citations=[cite]))
    assert "[1] gbk.txt，" in out and "  —" not in out and "[1]  " not in out


def test_human_output_separates_load_and_answer_time(env: dict[str, str]) -> None:
    result = run_qa(["ask", QUESTION, *FAST], env)
    assert result.returncode == 0, result.stderr
    meta = result.stdout.strip().splitlines()[-1]
    assert "answer " in meta and "loading " in meta, meta
    answer_ms = float(meta.split("answer ")[1].split(" ms")[0])
    load_s = float(meta.split("loading ")[1].split(" s")[0])
    assert answer_ms < 1000 * load_s  # jieba's dictionary and the encoder load before the answer's clock starts


def test_json_answer_has_the_api_shape(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from server.schemas import AnswerOut, CitationOut

    assert main(["ask", QUESTION, "--json", *FAST]) == 0
    answered = json.loads(capsys.readouterr().out)
    assert main(["ask", "火星上的奥林匹斯山有多高？", "--json", *FAST]) == 0
    abstained = json.loads(capsys.readouterr().out)
    assert answered["abstained"] is False and abstained["abstained"] is True and abstained["text"] is None
    for answer in (answered, abstained):
        assert set(answer) == set(AnswerOut.model_fields)
        AnswerOut.model_validate(answer)
    assert set(answered["citations"][0]) == set(CitationOut.model_fields)


def test_first_run_says_it_builds_the_encoder(env: dict[str, str], tmp_path: Path) -> None:
    fresh = {**env, "WENDA_MODEL_CACHE_DIR": str(tmp_path / "models")}
    result = run_qa(["ask", QUESTION, *FAST], fresh)
    assert result.returncode == 0, result.stderr
    assert "Building the wenda-w2v-zh encoder" in result.stderr and "first run only" in result.stderr
    again = run_qa(["ask", QUESTION, *FAST], fresh)
    assert "Building" not in again.stderr
