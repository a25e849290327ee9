"""The Milvus backend against the local one on the seed corpus: same passages, answers and citations; incremental
upserts and deletes; the manifest check; one writer at a time. Real Milvus Lite (embedded and its server
binary), or the server in WENDA_TEST_MILVUS_URI; rankings and ids are compared, never score values."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"

QUESTIONS = [json.loads(line)["question"] for line in (REPO / "eval/gold/seeds.jsonl").read_text(encoding="utf-8").splitlines()[::20]]
SEED_QUESTION = "全国地方公安机关共设置了多少个公安派出所？"


def _milvus_pipeline(settings: Any, seed_pipeline: Any) -> Any:
    """A rule-reader pipeline over a Milvus index of `settings.corpus`, built with the seed pipeline's encoder."""
    from embeddings.backend import build_index, load_index
    from qa.pipeline import QAPipeline

    encoder = seed_pipeline.encoder
    build_index(settings, encoder_factory=lambda: encoder)
    index = load_index(settings, encoder.info.name)
    return QAPipeline(settings, index, encoder, reader="rules", codes=seed_pipeline.codes)


@pytest.fixture(scope="session", params=["local", "milvus-lite", "milvus-server"])
def backend_pipeline(request: pytest.FixtureRequest, seed_pipeline, tmp_path_factory, model_cache_dir):  # noqa: ANN001, ANN201
    """The seed corpus on each backend, with the rule reader (the local one shares conftest's seed index)."""
    from qa import Settings

    if request.param == "local":
        return seed_pipeline.with_options(reader="rules")
    name = f"seed_{uuid.uuid4().hex[:8]}"
    if request.param == "milvus-server":
        uri, token = request.getfixturevalue("milvus_server_uri")
    else:
        uri, token = str(tmp_path_factory.mktemp("milvus-lite") / "seed.db"), None
    settings = Settings(
        index_backend="milvus", milvus_uri=uri, milvus_token=token, milvus_collection=name, corpus=[SEEDS],
        index_dir=tmp_path_factory.mktemp("unused-index"), model_cache_dir=model_cache_dir,
    )
    return _milvus_pipeline(settings, seed_pipeline)


def _ids(passages: list[Any]) -> list[tuple[str, int, int]]:
    return [(p.doc_id, p.start, p.end) for p in passages]


@pytest.fixture(scope="session")
def local_results(seed_pipeline) -> dict[tuple[str, str], Any]:  # noqa: ANN001
    """The local backend's passages and rule-reader answers, computed once for every backend's comparison."""
    cache: dict[tuple[str, str], Any] = {}
    rules = seed_pipeline.with_options(reader="rules")
    for mode in ("hybrid", "bm25", "dense"):
        pipe = seed_pipeline.with_options(retrieval_mode=mode)
        cache.update({(mode, q): _ids(pipe.retrieve(q, 5)) for q in QUESTIONS})
    cache.update({("answer", q): rules.ask(q) for q in [SEED_QUESTION, *QUESTIONS]})
    return cache


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_same_passages_as_local(backend_pipeline, local_results, mode: str) -> None:  # noqa: ANN001
    other = backend_pipeline.with_options(retrieval_mode=mode)
    for question in QUESTIONS:
        assert _ids(other.retrieve(question, 5)) == local_results[mode, question], question


def test_same_answers_and_citations_as_local(backend_pipeline, seed_pipeline, local_results) -> None:  # noqa: ANN001
    local = seed_pipeline.with_options(reader="rules")
    assert backend_pipeline.info().chunks == local.info().chunks
    assert backend_pipeline.idf("派出所") == pytest.approx(local.idf("派出所"))
    for question in [SEED_QUESTION, *QUESTIONS]:
        mine, theirs = backend_pipeline.ask(question), local_results["answer", question]
        assert (mine.text, mine.message) == (theirs.text, theirs.message), question
        assert [asdict(c) for c in mine.citations] == [asdict(c) for c in theirs.citations], question


def test_neural_reader_answer_matches_local(backend_pipeline, seed_pipeline) -> None:  # noqa: ANN001
    if getattr(backend_pipeline.index, "backend", "local") != "milvus" or not backend_pipeline.settings.milvus_uri.endswith(".db"):
        pytest.skip("one neural comparison (embedded Lite) is enough")
    mine = backend_pipeline.with_options(reader="neural").ask(SEED_QUESTION)
    theirs = seed_pipeline.ask(SEED_QUESTION)
    assert mine.text == theirs.text == "4万余个"
    assert [asdict(c) for c in mine.citations] == [asdict(c) for c in theirs.citations]


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("milvus_settings", ["milvus-lite", "milvus-server"], indirect=True)
def test_incremental_upsert_and_delete(milvus_settings, seed_pipeline, tmp_path: Path) -> None:  # noqa: ANN001
    from embeddings.backend import build_index, load_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, "a.txt", "城关派出所成立于1950年。\n所长是张三。")
    _write(corpus, "b.txt", "东湖派出所辖区面积12平方公里。")
    _write(corpus, "c.txt", "西山派出所有民警30名。")
    settings = milvus_settings([corpus])
    encoder = seed_pipeline.encoder
    first = build_index(settings, encoder_factory=lambda: encoder)
    assert first.added == ["a.txt", "b.txt", "c.txt"] and first.chunks == 3
    assert build_index(settings, encoder_factory=lambda: encoder).up_to_date

    _write(corpus, "a.txt", "城关派出所成立于1952年。\n所长是李四。")
    (corpus / "c.txt").unlink()
    _write(corpus, "d.txt", "南岸派出所去年接警8000起。")
    second = build_index(settings, encoder_factory=lambda: encoder)
    assert (second.added, second.changed, second.removed, second.unchanged) == (["d.txt"], ["a.txt"], ["c.txt"], ["b.txt"])
    assert second.encoded_chunks == 2 and second.chunks == 3

    index = load_index(settings, encoder.info.name)
    assert sorted(index.doc_by_id) == ["a", "b", "d"] and len(index.chunks) == 3
    assert [c.doc_id for c, _ in index.search_bm25(["西山"], 5)] == []
    hits = index.search_bm25(["城关", "李四"], 5)
    assert hits[0][0].doc_id == "a" and hits[0][0].text == index.doc_by_id["a"].text
    assert [c.doc_id for c, _ in index.search_bm25(["南岸"], 5)] == ["d"]
    assert index.bm25.vocab.get("西山") is None and "南岸" in index.bm25.vocab
    index.close()


def test_manifest_mismatch_says_how_to_rebuild(backend_pipeline) -> None:  # noqa: ANN001
    from embeddings.backend import load_index
    from embeddings.errors import IndexMismatchError

    if getattr(backend_pipeline.index, "backend", "local") != "milvus":
        pytest.skip("the local index's mismatch is tested in tests/embeddings/test_store.py")
    with pytest.raises(IndexMismatchError, match=r"built with encoder 'wenda-e5-small' but the configured encoder is "
                       r"'other-model'; rebuild with: qa index --rebuild --model other-model \(or set WENDA_EMBEDDING_MODEL"):
        load_index(backend_pipeline.settings, "other-model")


def test_a_second_writer_is_refused(milvus_settings, seed_pipeline, tmp_path: Path) -> None:  # noqa: ANN001
    from embeddings.errors import IndexLockedError
    from embeddings.milvus.build import build_milvus_index
    from embeddings.milvus.connect import write_lock

    settings = milvus_settings([SEEDS])
    with write_lock(settings), pytest.raises(IndexLockedError, match="another process is writing the index in Milvus collection"):
        build_milvus_index(settings, encoder_factory=lambda: seed_pipeline.encoder, lock_wait_s=0.3)


def test_lite_file_names_are_checked(milvus_settings, tmp_path: Path) -> None:  # noqa: ANN001
    from embeddings.backend import prepare
    from embeddings.errors import IndexLocationError

    settings = milvus_settings([SEEDS]).model_copy(update={"milvus_uri": str(tmp_path / "no suffix")})
    with pytest.raises(IndexLocationError, match="must end in .db"):
        prepare(settings)


def test_local_start_up_does_not_import_pymilvus() -> None:
    code = "import sys, qa.cli, qa.pipeline, server.app; sys.exit('pymilvus' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=120).returncode == 0


def test_cli_ask_and_info_on_lite(backend_pipeline, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    """`qa info --json` and `qa ask --json` in-process against the Lite seed index."""
    if getattr(backend_pipeline.index, "backend", "local") != "milvus" or not backend_pipeline.settings.milvus_uri.endswith(".db"):
        pytest.skip("the CLI is exercised on embedded Lite")
    from qa.cli import main

    s = backend_pipeline.settings
    env = {
        "WENDA_INDEX_BACKEND": "milvus", "WENDA_MILVUS_URI": s.milvus_uri, "WENDA_MILVUS_COLLECTION": s.milvus_collection,
        "WENDA_MODEL_CACHE_DIR": str(s.model_cache_dir), "WENDA_READER": "rules",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert main(["info", "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["backend"] == "milvus" and info["index_type"] == "milvus-flat" and info["chunks"] > 0
        assert main(["ask", "--json", SEED_QUESTION]) == 0
        answer = json.loads(capsys.readouterr().out)
        assert answer["text"] == "4万余个" and answer["citations"][0]["line"] == 52
