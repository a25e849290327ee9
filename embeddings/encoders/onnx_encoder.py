"""`wenda-e5-small` on ONNX Runtime: the same embeddings as sentence-transformers, without importing torch.

The sentence-transformers directory (Transformer -> mean Pooling -> Normalize, `query: `/`passage: ` prompts) is
exported once into the model cache: its BertModel as ONNX (fp32) taking `inputs_embeds`, its tokenizer file, and
the word-embedding matrix (250k x 384, 384 MB) as a `.npy` file that is memory-mapped, so start-up reads none of
it and a query touches only its own rows. The reader shares the same matrix (frozen in its training). Encoding
runs the pipeline the directory describes: prompt, tokenise (truncated to its max_seq_length), the model, mean
over the attention mask, L2 normalisation. Tests hold it to the sentence-transformers embeddings (cosine >= 0.9999).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import onnx_runtime
from embeddings.encoders.e5 import E5_DIRNAME, read_marker

MODEL_FILE = "model.onnx"
EMBEDDINGS_FILE = "word_embeddings.npy"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"
ONNX_BACKEND = "onnx"


class OnnxEncoder:
    """A sentence encoder (mean pooling, normalised) over an ONNX Runtime session; safe to share across threads."""

    def __init__(
        self, session: Any, tokenizer: onnx_runtime.SharedTokenizer, info: Any, config: dict[str, Any], table: np.ndarray,
    ) -> None:
        self.session = session
        self.table = table
        """The word-embedding matrix (memory-mapped)."""
        self.tokenizer = tokenizer
        self.info = info
        self.prompts: dict[str, str] = config.get("prompts") or {}
        self.max_length = int(config["max_length"])
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return int(self.info.dimension)

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False, query: bool = False) -> np.ndarray:
        """(n, dimension) float32 unit rows; the "query" prompt for queries, the "passage" prompt for the rest."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        prompt = self.prompts.get("query" if query else "passage", "")
        raw = self.tokenizer.backend_tokenizer
        with self.tokenizer.lock:
            raw.enable_truncation(self.max_length)
            try:
                encodings = raw.encode_batch([prompt + t for t in texts])
            finally:
                raw.no_truncation()
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        from tqdm import tqdm

        for lo in tqdm(range(0, len(order), batch_size), desc="encode", unit="batch", disable=not progress):
            rows = order[lo : lo + batch_size]
            length = max(len(encodings[i].ids) for i in rows)
            ids = np.full((len(rows), length), self.tokenizer.pad_token_id, dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            with self._lock:
                hidden = self.session.run(["last_hidden_state"], {"inputs_embeds": self.table[ids], "attention_mask": mask})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.clip(norms, 1e-12, None)
        return out


def export_e5(model_dir: Path, cache_dir: Path, progress: bool = True) -> Path:
    """The ONNX export of the converted e5 directory under `cache_dir` (exported first when missing)."""
    source = read_marker(model_dir) or {}
    marker = {"name": E5_DIRNAME, "source_sha256": source.get("source_sha256"), "opset": onnx_runtime.OPSET,
              "input": "inputs_embeds"}
    target = Path(cache_dir).expanduser() / "onnx" / E5_DIRNAME
    return onnx_runtime.ensure_export(target, marker, lambda tmp: _export(model_dir, tmp), "wenda-e5-small", progress)


def load_onnx_e5(model_dir: Path, cache_dir: Path, info: Any) -> OnnxEncoder:
    """The e5 encoder on ONNX Runtime (`info` is the EncoderInfo to report)."""
    target = export_e5(model_dir, cache_dir)
    config = json.loads((target / CONFIG_FILE).read_text(encoding="utf-8"))
    tokenizer = e5_tokenizer(target)
    return OnnxEncoder(onnx_runtime.session(target / MODEL_FILE), tokenizer, info, config, word_embeddings(target))


def e5_tokenizer(export: Path) -> onnx_runtime.SharedTokenizer:
    """The export's tokenizer, shared with the reader (which reads with the same pieces)."""
    config = json.loads((Path(export) / CONFIG_FILE).read_text(encoding="utf-8"))
    return onnx_runtime.shared_tokenizer(Path(export) / TOKENIZER_FILE, int(config["pad_id"]))


def word_embeddings(export: Path) -> np.ndarray:
    """The export's word-embedding matrix, memory-mapped read-only."""
    return np.load(Path(export) / EMBEDDINGS_FILE, mmap_mode="r")


def _export(model_dir: Path, tmp: Path) -> None:
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    table = model.get_input_embeddings().weight.detach().numpy()
    np.save(tmp / EMBEDDINGS_FILE, np.ascontiguousarray(table, dtype=np.float32))
    example = (torch.zeros((2, 16, table.shape[1])), torch.ones((2, 16), dtype=torch.long))
    onnx_runtime.export_module(model, tmp / MODEL_FILE, ("inputs_embeds", "attention_mask"), ("last_hidden_state",), example)
    tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_FILE))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    tokenizer.save(str(tmp / TOKENIZER_FILE))
    st = json.loads((model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    seq = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError(f"{model_dir} does not mean-pool")
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    (tmp / CONFIG_FILE).write_text(
        json.dumps({"prompts": st.get("prompts") or {}, "max_length": int(seq["max_seq_length"]),
                    "pad_id": int(config.get("pad_token_id") or 0), "dimension": int(config["hidden_size"])}),
        encoding="utf-8",
    )
