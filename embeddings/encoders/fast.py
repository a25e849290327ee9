"""A NumPy implementation of the built-in encoder's forward pass, for a quick start: no torch, no sentence-transformers.

A wenda build is WordEmbeddings(JiebaWordTokenizer) [-> WordWeights] -> Pooling("mean") [-> Normalize]. Its
sentence embedding is sum(w_t * E_t) / max(sum(w_t), 1e-9) over the text's token ids t, L2-normalised;
`NumpyWordEncoder` computes exactly that from the saved directory, with the same tokenizer code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders.loader import NUMPY_BACKEND, EncoderInfo

TOKENIZER_CLASS = "embeddings.encoders.jieba_tokenizer.JiebaWordTokenizer"
_WEIGHT_KEY = "emb_layer.weight"
_MIN_WEIGHT_SUM = 1e-9  # Pooling clamps the weight sum to this
_MIN_NORM = 1e-12  # torch.nn.functional.normalize's eps


class UnsupportedModelError(ValueError):
    """The directory holds a model whose forward pass `NumpyWordEncoder` does not reproduce."""


class NumpyWordEncoder:
    """The built-in encoder without torch: float32, L2-normalised rows (all-zero for a text with no known token).

    Thread-safe: encoding only reads the loaded arrays.
    """

    def __init__(
        self,
        vocab: list[str],
        embeddings: np.ndarray,
        weights: np.ndarray,
        tokenizer_config: dict[str, Any],
        info: EncoderInfo,
        max_seq_length: int = 1_000_000,
    ) -> None:
        from embeddings.encoders.wordpiece import word_index

        if embeddings.ndim != 2 or embeddings.shape[0] != len(vocab) or weights.shape != (len(vocab),):
            raise UnsupportedModelError(
                f"shapes do not match: {len(vocab)} words, embeddings {embeddings.shape}, weights {weights.shape}"
            )
        self.vocab = vocab
        self.word2idx = word_index(vocab)
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.tokenizer_config = dict(tokenizer_config)
        self.max_seq_length = max_seq_length
        self.info = info

    @classmethod
    def from_dir(cls, path: Path, name: str | None = None, builtin: bool = True) -> NumpyWordEncoder:
        """Load a saved wenda build; raises UnsupportedModelError for any other layout, OSError for unreadable files."""
        from safetensors.numpy import load_file

        from embeddings.encoders.wordpiece import load_tokenizer

        path = Path(path)
        modules = _read_json(path / "modules.json")
        if not isinstance(modules, list) or not modules:
            raise UnsupportedModelError(f"{path / 'modules.json'} lists no modules")
        _check_prompts(path)
        kinds = [_kind(module) for module in modules]
        if kinds[0] != "WordEmbeddings" or modules[0].get("path", "") != "":
            raise UnsupportedModelError(
                f"the first module of {path} is {kinds[0]}, not WordEmbeddings at the root"
            )
        rest = kinds[1:]
        if rest and rest[0] == "WordWeights":
            rest = rest[1:]
        if rest not in (["Pooling"], ["Pooling", "Normalize"]):
            raise UnsupportedModelError(f"unsupported module sequence {kinds} in {path}")

        config = _read_json(path / "wordembedding_config.json")
        if config.get("tokenizer_class") != TOKENIZER_CLASS:
            raise UnsupportedModelError(
                f"tokenizer {config.get('tokenizer_class')!r} is not {TOKENIZER_CLASS}"
            )
        vocab, tokenizer_config = load_tokenizer(path)
        embeddings = _tensor(load_file(str(path / "model.safetensors")), path / "model.safetensors")

        weights = np.ones(len(vocab), dtype=np.float32)
        for module, kind in zip(modules[1:], kinds[1:], strict=True):
            sub = path / module.get("path", "")
            if kind == "WordWeights":
                weights = _tensor(load_file(str(sub / "model.safetensors")), sub / "model.safetensors")
                if weights.ndim != 2 or weights.shape[1] != 1:
                    raise UnsupportedModelError(f"word weights of shape {weights.shape} in {sub}")
                weights = weights[:, 0]
            elif kind == "Pooling":
                _check_pooling(_read_json(sub / "config.json"), sub)
            elif kind == "Normalize":
                _check_normalize(sub)

        info = EncoderInfo(
            name=name or str(path),
            resolved=str(path.absolute()),
            dimension=int(embeddings.shape[1]) if embeddings.ndim == 2 else 0,
            normalize=True,
            builtin=builtin,
            backend=NUMPY_BACKEND,
        )
        max_seq_length = int(config.get("max_seq_length", 1_000_000))
        return cls(vocab, embeddings, weights, tokenizer_config, info, max_seq_length=max_seq_length)

    @property
    def dimension(self) -> int:
        """Length of each embedding."""
        return self.info.dimension

    def tokenize(self, text: str) -> list[int]:
        """Vocabulary ids of `text` (the same code the sentence-transformers tokenizer runs), truncated."""
        from embeddings.encoders.wordpiece import token_ids

        return token_ids(text, self.word2idx, **self.tokenizer_config)[: self.max_seq_length]

    def words(self, text: str) -> list[str]:
        """The vocabulary words `text` is encoded as."""
        return [self.vocab[idx] for idx in self.tokenize(text)]

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False, query: bool = False) -> np.ndarray:
        """Embed `texts` as a (n, dimension) float32 array of unit rows (all-zero for a text with no known token);
        queries and passages are embedded alike (`query` is accepted for the encoder protocol)."""
        texts = list(texts)
        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        for start, stop in _batches(len(texts), max(1, batch_size), progress):
            for row in range(start, stop):
                out[row] = self._embed(texts[row])
        return out

    def _embed(self, text: str) -> np.ndarray:
        """Weighted mean of the token vectors, L2-normalised (float64 accumulation, float32 result)."""
        ids = np.asarray(self.tokenize(text), dtype=np.int64)
        if ids.size == 0:
            return np.zeros(self.info.dimension, dtype=np.float32)
        weights = self.weights[ids]
        summed = (self.embeddings[ids] * weights[:, None]).sum(axis=0, dtype=np.float64)
        mean = summed / max(float(weights.sum(dtype=np.float64)), _MIN_WEIGHT_SUM)
        norm = float(np.linalg.norm(mean))
        return (mean / max(norm, _MIN_NORM)).astype(np.float32)


def _batches(n: int, batch_size: int, progress: bool) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive batches, with a progress bar on stderr when asked for."""
    spans = [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if not progress or not spans:
        yield from spans
        return
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover  (tqdm comes with sentence-transformers)
        yield from spans
        return
    with tqdm(total=n, desc="Batches", unit="text", file=sys.stderr) as bar:
        for span in spans:
            yield span
            bar.update(span[1] - span[0])


def _read_json(path: Path) -> Any:
    """Parsed JSON; a malformed file is an UnsupportedModelError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UnsupportedModelError(f"{path} is not valid JSON ({exc})") from exc


def _kind(module: Any) -> str:
    """Class name of a modules.json entry, e.g. "Pooling" for "sentence_transformers...pooling.Pooling"."""
    if not isinstance(module, dict) or not isinstance(module.get("type"), str):
        raise UnsupportedModelError(f"malformed modules.json entry {module!r}")
    return module["type"].rsplit(".", 1)[-1]


def _tensor(tensors: dict[str, np.ndarray], path: Path) -> np.ndarray:
    """The `emb_layer.weight` tensor of a safetensors file."""
    if _WEIGHT_KEY not in tensors:
        raise UnsupportedModelError(f"{path} has no {_WEIGHT_KEY} (found {sorted(tensors)})")
    return tensors[_WEIGHT_KEY]


def _check_pooling(config: dict[str, Any], path: Path) -> None:
    """Only plain mean pooling is reproduced."""
    mode = config.get("pooling_mode")
    if mode is None:  # configs written by older sentence-transformers: one boolean per mode
        mode = [
            key.removeprefix("pooling_mode_")
            for key, value in config.items()
            if key.startswith("pooling_mode_") and value is True
        ]
        mode = ["mean"] if mode == ["mean_tokens"] else mode
    if mode not in ("mean", ["mean"]):
        raise UnsupportedModelError(f"pooling mode {mode!r} in {path} is not 'mean'")


def _check_normalize(path: Path) -> None:
    """Only a Normalize of the sentence embedding is reproduced (it is what `encode` normalises anyway)."""
    config_path = path / "config.json"
    if not config_path.exists():
        return
    config = _read_json(config_path)
    for key in ("module_input_name", "module_output_name"):
        if config.get(key, "sentence_embedding") not in ("sentence_embedding", None):
            raise UnsupportedModelError(f"Normalize in {path} acts on {config[key]!r}")


def _check_prompts(path: Path) -> None:
    """A default prompt would be prepended to every text by sentence-transformers: not reproduced."""
    config_path = path / "config_sentence_transformers.json"
    if not config_path.exists():
        return
    config = _read_json(config_path)
    default = config.get("default_prompt_name")
    if default and (config.get("prompts") or {}).get(default):
        raise UnsupportedModelError(f"{path} has a default prompt {default!r}")
