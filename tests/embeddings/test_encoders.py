"""Offline encoders: the built-in wenda-w2v-zh (NumPy and sentence-transformers backends), a local
sentence-transformers directory, a missing Hub model."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Pooling, WordEmbeddings
from sentence_transformers.sentence_transformer.modules.tokenizer import WhitespaceTokenizer

from embeddings.encoders import (
    BACKEND_ENV,
    BUILTIN_NAME,
    Encoder,
    EncoderBackendError,
    EncoderUnavailableError,
    TextEncoder,
    load_encoder,
    resolve_encoder_spec,
)
from embeddings.encoders.builtin import BUILTIN_DIRNAME, MARKER_FILE, _install, is_complete_builtin
from embeddings.encoders.fast import NumpyWordEncoder
from embeddings.encoders.jieba_tokenizer import JiebaWordTokenizer

MISSING_HUB_MODEL = "no-such-org/no-such-model-xyz"
ROOT = Path(__file__).resolve().parents[2]
NUMPY = "numpy"
ST = "sentence-transformers"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("encoder-cache")


@pytest.fixture(scope="module")
def builtin(cache_dir: Path) -> NumpyWordEncoder:
    """The built-in encoder on the NumPy backend (built into the empty cache first, with sentence-transformers)."""
    encoder = load_encoder(BUILTIN_NAME, cache_dir, backend=NUMPY)
    assert isinstance(encoder, NumpyWordEncoder)
    return encoder


@pytest.fixture(scope="module")
def st_builtin(builtin: NumpyWordEncoder, cache_dir: Path) -> Encoder:
    """The same build run by sentence-transformers."""
    encoder = load_encoder(BUILTIN_NAME, cache_dir, backend=ST)
    assert isinstance(encoder, Encoder)
    return encoder


@pytest.fixture(params=[NUMPY, ST])
def any_builtin(
    request: pytest.FixtureRequest, builtin: NumpyWordEncoder, st_builtin: Encoder
) -> TextEncoder:
    return builtin if request.param == NUMPY else st_builtin


def cos(encoder: TextEncoder, a: str, b: str) -> float:
    vectors = encoder.encode([a, b])
    return float(vectors[0] @ vectors[1])


# --- built-in encoder -------------------------------------------------------------------------------------


def test_builtin_info_and_marker(any_builtin: TextEncoder, cache_dir: Path) -> None:
    model_dir = cache_dir / BUILTIN_DIRNAME
    assert any_builtin.info.name == BUILTIN_NAME
    assert any_builtin.info.builtin is True
    assert any_builtin.info.normalize is True
    assert any_builtin.info.dimension == any_builtin.dimension == 200
    assert Path(any_builtin.info.resolved) == model_dir
    assert any_builtin.info.backend == (NUMPY if isinstance(any_builtin, NumpyWordEncoder) else ST)
    marker = json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["name"] == BUILTIN_NAME
    assert marker["dimension"] == 200
    assert marker["source_version"]
    assert not list(cache_dir.glob(f".{BUILTIN_DIRNAME}.*"))  # no temporary build left behind


def test_builtin_reloads_as_plain_sentence_transformers_dir(
    any_builtin: TextEncoder, cache_dir: Path
) -> None:
    texts = ["派出所民警在巡逻", "今天股市上涨", "公安机关破获电信诈骗案件"]
    again = SentenceTransformer(
        str(cache_dir / BUILTIN_DIRNAME), device="cpu", trust_remote_code=True, local_files_only=True
    )
    np.testing.assert_allclose(again.encode(texts), any_builtin.encode(texts), rtol=0, atol=1e-6)


def test_builtin_rows_are_float32_unit_vectors(any_builtin: TextEncoder) -> None:
    vectors = any_builtin.encode(["派出所民警在巡逻", "警察在街上巡查", "今天股市上涨", "这是一个测试"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (4, 200)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_empty_matrix(any_builtin: TextEncoder) -> None:
    vectors = any_builtin.encode([])
    assert vectors.shape == (0, 200)
    assert vectors.dtype == np.float32


def test_text_without_known_tokens_gives_a_zero_row(any_builtin: TextEncoder) -> None:
    vectors = any_builtin.encode(["", "!!!", "派出所"])
    assert not np.isnan(vectors).any()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), [0.0, 0.0, 1.0], atol=1e-5)


def test_builtin_semantic_sanity(any_builtin: TextEncoder) -> None:
    related = cos(any_builtin, "派出所民警在巡逻", "警察在街上巡查")
    unrelated = cos(any_builtin, "派出所民警在巡逻", "今天股市上涨")
    assert related > unrelated + 0.1, (related, unrelated)


def test_out_of_vocabulary_word_backs_off_to_characters(st_builtin: Encoder) -> None:
    tokenizer = st_builtin.model[0].tokenizer
    assert isinstance(tokenizer, JiebaWordTokenizer)
    word = "鹏琨"  # a made-up word
    assert word not in tokenizer.word2idx
    pieces = tokenizer.words(word)
    assert pieces and all(len(piece) == 1 and piece in word for piece in pieces)
    assert np.linalg.norm(st_builtin.encode([word])[0]) == pytest.approx(1.0, abs=1e-5)


def test_unknown_word_backs_off_to_longest_known_pieces(
    builtin: NumpyWordEncoder, st_builtin: Encoder
) -> None:
    tokenizer = st_builtin.model[0].tokenizer
    assert "公安机关" not in tokenizer.word2idx
    assert tokenizer.words("公安机关") == ["公安", "机关"] == builtin.words("公安机关")


def test_load_is_cached_per_spec_cache_dir_and_backend(
    builtin: NumpyWordEncoder, st_builtin: Encoder, cache_dir: Path
) -> None:
    assert load_encoder(BUILTIN_NAME, cache_dir, backend=NUMPY) is builtin
    assert load_encoder(BUILTIN_NAME, cache_dir, backend=ST) is st_builtin
    assert resolve_encoder_spec(BUILTIN_NAME, cache_dir) == (BUILTIN_NAME, None)


def test_encode_is_thread_safe(any_builtin: TextEncoder) -> None:
    texts = [f"第{i}号派出所的民警在巡逻" for i in range(50)]
    expected = any_builtin.encode(texts)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(any_builtin.encode(texts))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-6)


# --- NumPy backend: same numbers as sentence-transformers, without torch ----------------------------------

# Unknown words, rare and non-BMP characters, ASCII (upper/lower case), digits, punctuation-only, whitespace,
# stop words only, other scripts, a long text; the rest of the ~200 sentences come from the seed articles.
EDGE_CASES = [
    "",
    " ",
    "\n\t  ",
    "!!!",
    "，。、；：？！“”",
    "……——",
    "---",
    "()[]{}<>",
    "😀🎉",
    "<pad>",
    "pad",
    "Hello World",
    "hello world",
    "HELLO WORLD",
    "GPU and CPU",
    "COVID-19 疫情防控",
    "iPhone 15 Pro Max 发布会",
    "ABC公司的CEO",
    "Python3.11版本",
    "a b c d",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
    "ÉCOLE café",
    "Straße",
    "2022年3月15日",
    "1234567890",
    "3.14159",
    "110",
    "第12345号",
    "100%",
    "鹏琨",
    "犇骉猋",
    "𠀀𠀁𠀂",
    "的",
    "的的的的",
    "了吗呢吧",
    "这是一个什么",
    "公安机关",
    "中华人民共和国国务院总理",
    "北京大学生前来应聘",
    "警察在街上巡邏",
    "こんにちは世界",
    "안녕하세요",
    "  派出所  民警  ",
    "派出所\n民警\t巡逻",
    "派出所民警在巡逻，今天股市上涨。" * 20,
]


def equivalence_texts(per_article: int = 30) -> list[str]:
    """~200 texts: the edge cases plus sentences spread evenly over each seed article."""
    texts = list(EDGE_CASES)
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        sentences = [
            s.strip() for s in re.split(r"(?<=[。！？!?])|\n", path.read_text(encoding="utf-8")) if s.strip()
        ]
        step = max(1, len(sentences) // per_article)
        texts += sentences[::step][:per_article]
    return list(dict.fromkeys(texts))  # some headlines recur across articles


def test_numpy_backend_matches_sentence_transformers(builtin: NumpyWordEncoder, st_builtin: Encoder) -> None:
    texts = equivalence_texts()
    assert len(texts) >= 190 and len(set(texts)) == len(texts)
    fast, slow = builtin.encode(texts), st_builtin.encode(texts)
    assert fast.dtype == np.float32 and fast.shape == slow.shape == (len(texts), 200)
    worst = np.abs(fast - slow).max(axis=1)
    assert np.allclose(fast, slow, atol=1e-5), [
        (texts[i][:20], float(worst[i])) for i in np.argsort(-worst)[:5]
    ]
    zero = np.linalg.norm(slow, axis=1) < 1e-6
    assert zero.any() and not zero.all()  # the edge cases include texts without a known token
    np.testing.assert_array_equal(fast[zero], 0.0)
    np.testing.assert_allclose(np.linalg.norm(fast[~zero], axis=1), 1.0, atol=1e-5)
    tokenizer = st_builtin.model[0].tokenizer
    assert [builtin.tokenize(t) for t in texts] == [tokenizer.tokenize(t) for t in texts]


@pytest.mark.parametrize("mutation", ["uniform-weights", "no-backoff", "char-pieces"])
def test_equivalence_texts_catch_a_wrong_forward_pass(
    builtin: NumpyWordEncoder, st_builtin: Encoder, mutation: str
) -> None:
    """The comparison above can fail: each plausible mistake changes some of its outputs."""
    weights = np.ones_like(builtin.weights) if mutation == "uniform-weights" else builtin.weights
    config = dict(builtin.tokenizer_config)
    if mutation == "char-pieces":
        config["max_piece_len"] = 1
    if mutation == "no-backoff":
        config["backoff"] = False
    wrong = NumpyWordEncoder(builtin.vocab, builtin.embeddings, weights, config, builtin.info)
    texts = equivalence_texts()
    assert not np.allclose(wrong.encode(texts), st_builtin.encode(texts), atol=1e-5)


def test_default_backend_is_numpy_and_the_setting_selects(
    builtin: NumpyWordEncoder, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embeddings.errors import SettingsError
    from embeddings.settings import IndexSettings

    monkeypatch.delenv(BACKEND_ENV, raising=False)
    default = load_encoder(BUILTIN_NAME, cache_dir)
    assert isinstance(default, NumpyWordEncoder) and default.info.backend == NUMPY
    assert load_encoder(BUILTIN_NAME, cache_dir) is default
    assert IndexSettings().encoder_backend == "auto"

    monkeypatch.setenv(BACKEND_ENV, " Sentence-Transformers ")  # read by the settings object, case and spaces aside
    backend = IndexSettings().encoder_backend
    assert backend == ST
    assert load_encoder(BUILTIN_NAME, cache_dir) is default  # the loader reads no environment: only what it is passed
    forced = load_encoder(BUILTIN_NAME, cache_dir, backend)
    assert isinstance(forced, Encoder) and forced.info.backend == ST
    assert isinstance(load_encoder(BUILTIN_NAME, cache_dir, backend=NUMPY), NumpyWordEncoder)

    monkeypatch.setenv(BACKEND_ENV, "tensorflow")
    with pytest.raises(SettingsError, match="encoder_backend"):
        IndexSettings.load()
    with pytest.raises(EncoderBackendError, match="unknown encoder backend"):
        load_encoder(BUILTIN_NAME, cache_dir, backend="jax")


def test_numpy_path_never_imports_torch(builtin: NumpyWordEncoder, cache_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from embeddings.encoders import load_encoder; "
        "e = load_encoder('wenda-w2v-zh', Path(sys.argv[1])); v = e.encode(['测试', '派出所民警在巡逻']); "
        "assert e.info.backend == 'numpy' and v.shape == (2, 200), (e.info, v.shape); "
        "heavy = {'torch', 'sentence_transformers', 'transformers'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    env = {k: v for k, v in os.environ.items() if k != BACKEND_ENV}
    subprocess.run([sys.executable, "-c", code, str(cache_dir)], cwd=ROOT, env=env, check=True, timeout=120)


def test_wenda_dir_the_numpy_backend_cannot_run(
    builtin: NumpyWordEncoder, cache_dir: Path, tmp_path: Path
) -> None:
    """ "auto" falls back to sentence-transformers for a wenda build with another pooling; "numpy" refuses it."""
    model_dir = tmp_path / "max-pooled"
    shutil.copytree(cache_dir / BUILTIN_DIRNAME, model_dir)
    pooling = model_dir / "2_Pooling" / "config.json"
    pooling.write_text(json.dumps({**json.loads(pooling.read_text()), "pooling_mode": "max"}))

    encoder = load_encoder(str(model_dir), tmp_path, backend="auto")
    assert isinstance(encoder, Encoder) and encoder.info.backend == ST and encoder.info.builtin is True
    with pytest.raises(EncoderBackendError, match="pooling mode"):
        load_encoder(str(model_dir), tmp_path, backend=NUMPY)


def test_copied_wenda_dir_runs_on_numpy(builtin: NumpyWordEncoder, cache_dir: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "copy"
    shutil.copytree(cache_dir / BUILTIN_DIRNAME, model_dir)
    encoder = load_encoder(str(model_dir), tmp_path, backend=NUMPY)
    assert isinstance(encoder, NumpyWordEncoder) and encoder.info.builtin is True
    np.testing.assert_array_equal(encoder.encode(["派出所"]), builtin.encode(["派出所"]))


def _fake_build(path: Path, version: int, extra: str) -> Path:
    path.mkdir()
    (path / MARKER_FILE).write_text(json.dumps({"name": BUILTIN_NAME, "version": version}))
    (path / extra).write_text("x")
    return path


def test_install_replaces_an_older_build_and_keeps_a_complete_one(tmp_path: Path) -> None:
    target = _fake_build(tmp_path / BUILTIN_DIRNAME, 0, "old")
    _install(_fake_build(tmp_path / "first", 1, "first"), target)
    assert is_complete_builtin(target) and (target / "first").exists() and not (target / "old").exists()

    _install(_fake_build(tmp_path / "second", 1, "second"), target)  # another builder won: its build stays
    assert (target / "first").exists() and not (target / "second").exists()


def test_install_refuses_to_overwrite_a_foreign_directory(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "data.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        _install(_fake_build(tmp_path / "build", 1, "x"), target)
    assert (target / "data.txt").read_text() == "keep me"


# --- tokenizer ---------------------------------------------------------------------------------------------


def test_tokenizer_round_trip_and_lower_case(tmp_path: Path) -> None:
    tokenizer = JiebaWordTokenizer(vocab=["<pad>", "警察", "巡逻", "警", "察", "gpu", "2022"])
    assert tokenizer.words("GPU 警察 巡逻 2022") == ["gpu", "警察", "巡逻", "2022"]
    tokenizer.save(str(tmp_path))
    loaded = JiebaWordTokenizer.load(str(tmp_path))
    assert loaded.get_vocab() == tokenizer.get_vocab()
    assert loaded.tokenize("警察在巡逻") == tokenizer.tokenize("警察在巡逻")


# --- a named model from a local directory ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny sentence-transformers model over made-up words; deliberately without a Normalize module."""
    vocab = ["<pad>", "alpha", "beta", "gamma", "delta", "epsilon"]
    weights = np.random.default_rng(0).normal(size=(len(vocab), 8)).astype(np.float32)
    embedding = WordEmbeddings(
        tokenizer=WhitespaceTokenizer(vocab=vocab, stop_words=[]), embedding_weights=weights
    )
    model = SentenceTransformer(modules=[embedding, Pooling(8, "mean")], device="cpu")
    path = tmp_path_factory.mktemp("tiny-model")
    model.save(str(path), create_model_card=False)
    return path


def test_local_directory_model_loads(tiny_model_dir: Path, tmp_path: Path) -> None:
    encoder = load_encoder(str(tiny_model_dir), tmp_path, backend=NUMPY)  # not a wenda build: always ST
    assert encoder.info.dimension == 8
    assert encoder.info.builtin is False
    assert encoder.info.backend == ST
    assert encoder.info.name == str(tiny_model_dir)
    vectors = encoder.encode(["alpha beta", "gamma", "delta epsilon alpha"])
    assert vectors.shape == (3, 8)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert resolve_encoder_spec(str(tiny_model_dir), tmp_path) == (str(tiny_model_dir), None)


def test_missing_local_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailableError, match="not a directory"):
        load_encoder(str(tmp_path / "no-such-dir"), tmp_path)


# --- a Hub name that is not cached -------------------------------------------------------------------------


def test_uncached_hub_model_fails_fast_with_actionable_message(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(EncoderUnavailableError) as caught:
        load_encoder(MISSING_HUB_MODEL, tmp_path)
    assert time.monotonic() - started < 5.0
    message = str(caught.value)
    assert "\n" not in message
    for part in (MISSING_HUB_MODEL, "Hugging Face cache", "WENDA_EMBEDDING_MODEL", BUILTIN_NAME):
        assert part in message
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_cached_hub_model_loads_offline(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Hub name found in the local Hugging Face cache loads without any network access."""
    import huggingface_hub.constants

    repo = tmp_path / "hub" / "models--tiny-org--tiny-model"
    revision = "0" * 40
    shutil.copytree(tiny_model_dir, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))

    encoder = load_encoder("tiny-org/tiny-model", tmp_path / "cache")
    assert encoder.info.dimension == 8
    assert Path(encoder.info.resolved) == repo / "snapshots" / revision
    assert encoder.encode(["alpha beta"]).shape == (1, 8)


def test_resolve_falls_back_to_builtin_with_warning(tmp_path: Path) -> None:
    spec, warning = resolve_encoder_spec(MISSING_HUB_MODEL, tmp_path)
    assert spec == BUILTIN_NAME
    assert warning is not None
    assert MISSING_HUB_MODEL in warning and BUILTIN_NAME in warning and "\n" not in warning


# --- import cost -------------------------------------------------------------------------------------------


def test_importing_the_package_does_not_import_torch() -> None:
    code = (
        "import sys, embeddings.encoders; "
        "heavy = {'torch', 'sentence_transformers', 'jieba'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
