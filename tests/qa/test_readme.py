"""The README shows what the program does: the `make ask` sample and the Python example, run as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qa.cli import main

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
META = re.compile(r"^score \d+\.\d\d · answer \d+ ms \(loading \d+\.\d\d s\) · encoder (\S+) · (\S+)$")


def block_after(marker: str) -> list[str]:
    """The lines of the fenced block that follows `marker` in the README."""
    rest = README[README.index(marker) :]
    body = rest.split("```", 2)[1]
    return body.split("\n")[1:-1]


def test_make_ask_sample_is_what_it_prints(seed_pipeline: Any, model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    sample = block_after("<!-- sample: make ask")
    command, expected = sample[0], sample[1:]
    question = re.search(r'Q="([^"]+)"', command).group(1)
    monkeypatch.setenv("WENDA_MODEL_CACHE_DIR", str(model_cache_dir))
    assert main(["ask", question, "--index-dir", str(seed_pipeline.settings.index_dir)]) == 0
    printed = capsys.readouterr().out.rstrip("\n").split("\n")
    assert len(printed) == len(expected)
    assert printed[:-1] == expected[:-1], "README sample is not what `make ask` prints:\n" + "\n".join(printed)
    got, want = META.match(printed[-1]), META.match(expected[-1])
    assert got and want and got.groups() == want.groups(), (printed[-1], expected[-1])


def test_python_example_runs_as_written(tmp_path: Path, model_cache_dir: Path) -> None:
    code = "\n".join(block_after("<!-- python-example"))
    assert len([line for line in code.splitlines() if line.strip()]) <= 6
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "WENDA_MODEL_CACHE_DIR": str(model_cache_dir),
        "WENDA_EMBEDDING_MODEL": "wenda-w2v-zh",  # faster to build than the default; the code is unchanged
        "WENDA_READER": "rules",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    printed = re.match(r"^(\S+) (\S+) line (\d+), column (\d+) ", result.stdout)
    assert printed, result.stdout
    text, source, line, column = printed.group(1), printed.group(2), int(printed.group(3)), int(printed.group(4))
    raw = (REPO / "seeds" / source).read_text(encoding="utf-8").split("\n")
    assert text == "4万余个" and raw[line - 1][column - 1 :].startswith(text)
    assert (tmp_path / ".wenda" / "index" / "CURRENT").is_file()


def test_package_exports_the_public_api() -> None:
    import qa

    for name in qa.__all__:
        assert getattr(qa, name).__name__ == name
    from qa import Answer, Citation, QAPipeline  # noqa: F401

    assert json.loads(json.dumps(Answer("问？", None, 0.0).to_dict()))["abstained"] is True
