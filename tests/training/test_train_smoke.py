"""A smoke run of `qa train-reader` on a handful of questions: the real code path end to end (data, windows,
training steps, checkpoint and resume, validation, calibration, artefact), then the artefact loads and answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.datasets import split_of

FACTS = [
    ("莲前派出所", "厦门莲前派出所辖区面积16平方公里，人口15万多人。民警每天巡逻。", "莲前派出所辖区面积有多大？", "16平方公里"),
    ("正阳派出所", "正阳派出所建所70余年，先后获得多项荣誉。所里有民警30名。", "正阳派出所建所多少年了？", "70余年"),
    ("茨坪派出所", "井冈山茨坪派出所有专职巡防队员400余人。他们守护景区平安。", "茨坪派出所有多少专职巡防队员？", "400余人"),
    ("沱沱河站派出所", "沱沱河站派出所的民警在海拔4547米的地方工作。那里气候寒冷。", "民警在海拔多高的地方工作？", "4547米"),
]


def _squad_file(path: Path) -> Path:
    """Articles titled so that both splits get some (the split is by title hash)."""
    articles = []
    n = 0
    while len(articles) < 12 or not any(split_of(a["title"]) == "validation" for a in articles):
        title, context, question, answer = FACTS[n % len(FACTS)]
        title = f"{title}{n}"
        n += 1
        if len(articles) >= 12 and split_of(title) != "validation":
            continue
        articles.append({"title": title, "paragraphs": [{"id": f"p{n}", "context": context, "qas": [
            {"id": f"q{n}", "question": question, "answers": [{"text": answer, "answer_start": context.index(answer)}]},
        ]}]})
    path.write_text(json.dumps({"data": articles}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_smoke_training_writes_an_artefact_that_answers(tmp_path: Path, model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.reader.neural.model import load_qa_model
    from qa.reader.neural.reader import DecodeOptions, predict_spans
    from qa.settings import get_settings
    from training.cli import main

    monkeypatch.setenv("WENDA_MODEL_CACHE_DIR", str(model_cache_dir))
    get_settings.cache_clear()
    data = _squad_file(tmp_path / "tiny.json")
    out, artefact = tmp_path / "run", tmp_path / "model"
    args = ["--train-file", str(data), "--out", str(out), "--artefact", str(artefact), "--batch-size", "4",
            "--max-length", "96", "--stride", "32", "--checkpoint-every", "1", "--quiet"]
    assert main([*args, "--max-steps", "2"]) == 0
    first = json.loads((artefact / "manifest.json").read_text())
    assert first["training"]["steps"] == 2
    assert main([*args, "--max-steps", "3", "--resume"]) == 0  # continues from step 2, does not start over
    manifest = json.loads((artefact / "manifest.json").read_text())
    assert manifest["training"]["steps"] == 3
    assert manifest["hyperparameters"]["max_length"] == 96
    assert manifest["validation"]["paragraph_given"]["all"]["questions"] >= 1
    assert 0.0 <= manifest["calibration"]["threshold"] <= 1.0
    assert manifest["base"]["source_sha256"]
    assert (artefact / "weights.safetensors").stat().st_size < 50_000_000
    qa = load_qa_model(str(artefact), model_cache_dir)
    context = FACTS[0][1]
    spans = predict_spans(qa, FACTS[0][2], [context], DecodeOptions(max_length=96, stride=32))
    assert spans and 0 <= spans[0].start < spans[0].end <= len(context)
    # more training for a trained reader: starts from the artefact and records where it came from
    again = tmp_path / "model-2"
    args = [a if a != str(out) else str(tmp_path / "run-2") for a in args]
    args = [a if a != str(artefact) else str(again) for a in args]
    assert main([*args, "--init-from", str(artefact), "--max-steps", "1", "--seed", "7"]) == 0
    second = json.loads((again / "manifest.json").read_text())["training"]
    assert second["steps"] == 1
    assert second["initialised_from"]["steps"] == 3 and second["initialised_from"]["steps_in_all"] == 3
    assert second["initialised_from"]["artefact"] == str(artefact)
    with pytest.raises(SystemExit, match="started from"):  # its checkpoint began at the artefact, not the base model
        main([*args, "--max-steps", "2", "--seed", "7", "--resume"])
    get_settings.cache_clear()


def test_init_from_a_folder_that_is_no_artefact_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from training.cli import main

    assert main(["--init-from", str(tmp_path), "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert "--init-from" in capsys.readouterr().err and not (tmp_path / "run" / "checkpoint.pt").exists()
