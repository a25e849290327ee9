"""The shipped reader on ONNX Runtime: exported once from the torch model, then answered without torch.

The export lives in the model cache under the sha256 of the artefact's weights, so new weights get a new export;
an int8 copy (dynamic quantisation) sits beside the fp32 one. The graph takes `inputs_embeds`: the word-embedding
matrix, frozen in training, is the encoder export's memory-mapped one, and the tokenizer is the encoder's too
(both checked at export). Windows are tokenised with the bare `tokenizers` file, so answering imports neither
torch nor transformers.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import onnx_runtime
from qa.reader.neural.model import WEIGHTS_FILE, ReaderModelError, read_manifest

FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
INPUTS = ("inputs_embeds", "attention_mask")
OUTPUTS = ("start_logits", "end_logits")


@dataclass
class OnnxQAModel:
    """Same face as `QAModel` (name, tokenizer, manifest, logits) over an ONNX Runtime session."""

    name: str
    tokenizer: Any
    session: Any
    table: np.ndarray
    """The word-embedding matrix (memory-mapped)."""
    manifest: dict[str, Any] = field(default_factory=dict)
    runtime: str = "onnx"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits (float32, (n, length)) for a batch of windows."""
        with self.lock:
            start, end = self.session.run(list(OUTPUTS), {"inputs_embeds": self.table[input_ids], "attention_mask": attention_mask})
        return start.astype(np.float32, copy=False), end.astype(np.float32, copy=False)


def weights_digest(artefact: Path) -> str:
    """The first 16 hex digits of the sha256 of the artefact's weights file."""
    digest = hashlib.sha256()
    with open(Path(artefact) / WEIGHTS_FILE, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def export_dir(artefact: Path, cache_dir: Path, name: str) -> Path:
    return Path(cache_dir).expanduser() / "onnx" / f"{name}-{weights_digest(artefact)}"


def load_onnx_artefact(artefact: Path, cache_dir: Path, name: str, *, quantize: bool) -> OnnxQAModel:
    """The artefact on ONNX Runtime, exporting it first (with torch, once) when the cache has no export."""
    manifest = read_manifest(artefact)
    target = export_dir(artefact, cache_dir, name)
    marker = {"name": name, "weights": target.name.rsplit("-", 1)[-1], "opset": onnx_runtime.OPSET, "int8": True,
              "input": "inputs_embeds", "tokenizer": "encoder's"}
    try:
        from embeddings.encoders.e5 import ensure_e5_model
        from embeddings.encoders.onnx_encoder import e5_tokenizer, export_e5, word_embeddings

        encoder_export = export_e5(ensure_e5_model(cache_dir), cache_dir)
        table, tokenizer = word_embeddings(encoder_export), e5_tokenizer(encoder_export)
        onnx_runtime.ensure_export(target, marker, lambda tmp: _export(artefact, cache_dir, tmp, table, tokenizer), name)
        session = onnx_runtime.session(target / (INT8_FILE if quantize else FP32_FILE))
    except ReaderModelError:
        raise
    except Exception as exc:  # noqa: BLE001  (export or load failure of any kind: the torch path answers)
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ReaderModelError(f"reader {name}: ONNX Runtime cannot run it ({detail})") from exc
    return OnnxQAModel(name, tokenizer, session, table, manifest, "onnx-int8" if quantize else "onnx")


def _export(artefact: Path, cache_dir: Path, tmp: Path, table: np.ndarray, tokenizer: Any) -> None:
    """fp32 and int8 ONNX files of the torch model into `tmp`, once its embeddings and tokenizer are the encoder's."""
    import torch

    from qa.reader.neural.model import load_artefact

    qa = load_artefact(artefact, cache_dir)
    own = qa.model.get_input_embeddings().weight.detach().numpy()
    if own.shape != table.shape or not np.array_equal(own, table):
        raise ReaderModelError("its word embeddings are not the encoder's (the artefact was not trained from it)")
    if qa.tokenizer.backend_tokenizer.get_vocab() != tokenizer.backend_tokenizer.get_vocab() or int(
        qa.tokenizer.pad_token_id or 0
    ) != tokenizer.pad_token_id:
        raise ReaderModelError("its tokenizer is not the encoder's")
    example = (torch.zeros((2, 16, table.shape[1])), torch.ones((2, 16), dtype=torch.long))
    onnx_runtime.export_module(qa.model, tmp / FP32_FILE, INPUTS, OUTPUTS, example)
    onnx_runtime.quantize_int8(tmp / FP32_FILE, tmp / INT8_FILE)
