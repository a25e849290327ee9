"""The question-answering layer's settings (retrieval, reader, abstention, conversation) and its loaders.

`QASettings` adds qa's fields to the index layer's `IndexSettings`; HTTP fields belong to `server`. What
the CLI and `wenda.toml` fill is the composed class of every installed layer (`embeddings.settings`
explains how layers register): `load_settings()` and `get_settings()` return it, and `Settings` (read
lazily) is that class, so `Settings(port=...)` still takes every layer's fields.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from embeddings.settings import BUILTIN_ENCODER, E5_ENCODER, REPO_ROOT, IndexSettings, settings_class

__all__ = [
    "BUILTIN_ENCODER",
    "E5_ENCODER",
    "REPO_ROOT",
    "IndexSettings",
    "QASettings",
    "Settings",
    "get_settings",
    "load_settings",
]


class QASettings(IndexSettings):
    """Retrieval (fusion, passages), the reader and its abstention thresholds, and the conversation."""

    # Retrieval
    top_k: int = Field(default=5, ge=1, le=50, description="Passages returned with an answer.")
    read_k: int = Field(default=5, ge=1, le=50, description="Passages the reader reads (independent of top_k).")
    candidates: int = Field(default=50, ge=1, description="Hits taken from each retriever before fusion.")
    max_passage_chars: int | None = Field(
        default=900, ge=50,
        description="A passage grows over overlapping top-ranked chunks of its article up to this many characters "
        "(None: no limit); the reader's cost is linear in the text it reads.",
    )
    rrf_k: int = 60
    weight_bm25: float = 1.0
    weight_dense: float | None = Field(
        default=None,
        description=(
            "RRF weight of dense retrieval; None = by encoder: 0 for the built-in word-vector encoder "
            "(measured best on the seed and CMRC sets), 1 for any other model."
        ),
    )
    retrieval_mode: Literal["hybrid", "bm25", "dense"] = "hybrid"

    # Reader
    reader: Literal["neural", "rules", "sentence"] = Field(
        default="neural",
        description="neural: the transformer reader (wenda-e5-small-qa, or reader_model); rules: hand-written "
        "extractors (the fallback when no model loads); sentence: the whole best sentence (a baseline).",
    )
    reader_model: str | None = Field(
        default=None,
        description="Extractive-QA model of the neural reader: None = wenda-e5-small-qa (shipped in qa/reader/models), "
        "a local directory, or a Hugging Face name already in the local cache.",
    )
    reader_max_answer_tokens: int = Field(default=48, ge=1, le=256, description="Longest answer span, in tokens.")
    reader_max_length: int = Field(default=384, ge=64, le=512, description="Tokens per window the reader reads.")
    reader_stride: int = Field(default=128, ge=0, le=256, description="Tokens shared by neighbouring windows.")
    reader_max_windows: int | None = Field(
        default=None, ge=1,
        description="The reader reads at most this many windows per question, in passage rank order (None: the "
        "reader's own, its manifest's policy, else every window of the read_k passages); its cost is linear in windows.",
    )
    reader_stop_margin: float | None = Field(
        default=None, ge=0.0,
        description="The reader stops after the first window when its best span's margin over that window's no-answer "
        "score reaches this and the span has the asked-for shape. None: the reader's own (its manifest's policy, "
        "fitted by `python -m eval.tune --write`; else it reads every window).",
    )
    reader_runtime: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="What runs the shipped reader: onnx (ONNX Runtime, exported into the model cache on first use; "
        "no torch at answer time), torch, or auto (onnx when onnxruntime is installed, else torch). Other models run on torch.",
    )
    reader_quantize: bool = Field(
        default=False, description="Dynamic int8 quantisation of the reader (ONNX Runtime's int8 copy, or torch's)."
    )
    reader_rank_weight: float | None = Field(
        default=None, ge=0.0,
        description="How much the retrieval rank lowers a span's score (score - w * ln(1 + rank)). None: the reader's "
        "own (its manifest's policy, fitted on the seed gold set's tuning half by `python -m eval.tune --write`; else 0).",
    )
    abstain_threshold: float | None = Field(
        default=None,
        description="Answers scoring below this abstain; None = the reader's own (neural: its manifest's policy, "
        "else the threshold calibrated on held-out validation data; rules: chosen on the seed gold set).",
    )
    evidence_threshold: float | None = Field(
        default=None,
        description="Also abstain when the evidence score (keyword coverage of the best sentence, the rule reader's "
        "score) is below this. None: the reader's own policy (neural: no gate unless its "
        "manifest's policy sets one; rules: their score is the evidence already).",
    )
    max_question_chars: int = Field(default=500, ge=1)

    # Conversation
    followup_rank_penalty: float | None = Field(
        default=None, ge=0.0,
        description="Chat: subtracted from a reading's score per place in the list of readings of a turn (as it "
        "stands, then the rewrites); None: the measured default for the reader (qa.conversation: 0.1 for the neural "
        "reader, 0.05 for the rules).",
    )


if TYPE_CHECKING:
    Settings = QASettings
    """For type checkers: the composed class has at least QASettings' fields."""


def __getattr__(name: str) -> Any:
    """`Settings`: the composed class of every installed layer (at least QASettings)."""
    if name == "Settings":
        return settings_class(QASettings)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_settings(**overrides: Any) -> QASettings:
    """Every layer's settings from the environment and config file, with the non-None `overrides`
    (`IndexSettings.load`: a one-line SettingsError when anything is invalid)."""
    return QASettings.load(**overrides)


@lru_cache(maxsize=1)
def get_settings() -> QASettings:
    """The process-wide settings, read once: for entry points (`python -m eval.tune`); library code takes
    the settings from its caller."""
    return load_settings()
