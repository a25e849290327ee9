"""ONNX Runtime for the built-in transformers: export once into the model cache, then run without torch.

Answering imports neither torch nor sentence-transformers when the exported files are there: ONNX Runtime and
`tokenizers` load in well under a second, where torch, transformers and sentence-transformers took most of the
cold start. Exporting needs torch (the legacy TorchScript exporter, no extra packages) and happens once, beside the
other converted models, one exporter at a time; a failed export leaves nothing behind.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embeddings.encoders.cache import file_lock, install_dir, remove_stale_builds

OPSET = 17
MARKER_FILE = "wenda_onnx.json"


def available() -> bool:
    """Whether onnxruntime can be imported (the torch paths are used otherwise)."""
    return importlib.util.find_spec("onnxruntime") is not None


def session(path: Path) -> Any:
    """An ONNX Runtime CPU session over `path`, every graph optimisation on."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Worker threads that spin while waiting steal the CPU from everything else on a 2-core machine.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@dataclass(frozen=True)
class SharedTokenizer:
    """A `tokenizers.Tokenizer` parsed once per process and shared by the encoder and the reader (parsing the
    250k-piece e5 file takes a second or more), with the lock its users hold while truncation is set on it."""

    backend_tokenizer: Any
    pad_token_id: int
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)


_TOKENIZERS: dict[str, SharedTokenizer] = {}
_TOKENIZERS_LOCK = threading.Lock()


def shared_tokenizer(path: Path, pad_id: int) -> SharedTokenizer:
    """The tokenizer file at `path`, loaded once per process (truncation and padding off)."""
    key = str(Path(path).resolve())
    with _TOKENIZERS_LOCK:
        found = _TOKENIZERS.get(key)
        if found is None:
            from tokenizers import Tokenizer

            raw = Tokenizer.from_file(key)
            raw.no_truncation()
            raw.no_padding()
            found = _TOKENIZERS[key] = SharedTokenizer(raw, int(pad_id))
    return found


def read_marker(export_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(export_dir) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def export_module(
    module: Any, target: Path, inputs: Sequence[str], outputs: Sequence[str], example: Sequence[Any],
) -> None:
    """`module` (a torch module taking `inputs` as keyword tensors) as ONNX at `target`, batch and length dynamic."""
    import warnings

    import torch

    axes = {name: {0: "batch", 1: "length"} for name in (*inputs, *outputs)}

    class _Positional(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            out = self.inner(**dict(zip(inputs, args, strict=True)))
            return tuple(out[name] for name in outputs)

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Positional(module.eval()), tuple(example), str(target), input_names=list(inputs),
            output_names=list(outputs), dynamic_axes=axes, opset_version=OPSET, dynamo=False,
        )


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation (weights int8, activations quantised per call) of MatMul/Gemm/Gather nodes."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


def ensure_export(
    target: Path, marker: dict[str, Any], build: Callable[[Path], None], what: str, progress: bool = True,
) -> Path:
    """`target` holding a finished export whose marker equals `marker`; `build(tmp_dir)` writes one otherwise."""
    target = Path(target)

    def complete(path: Path) -> bool:
        return read_marker(path) == marker

    if complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.parent / f"{target.name}.lock"):
        if complete(target):
            return target
        remove_stale_builds(target)
        started = time.perf_counter()
        if progress:
            print(f"{what}: exporting to ONNX Runtime (once, about a minute)", file=sys.stderr, flush=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            build(tmp)
            (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=2), encoding="utf-8")
            tmp.chmod(0o755)
            install_dir(tmp, target, complete, what)  # replaces an outdated export (it has a wenda_ marker)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if progress:
            print(f"{what}: ONNX export ready in {time.perf_counter() - started:.1f} s at {target}", file=sys.stderr, flush=True)
    return target
