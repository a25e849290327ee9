"""Build the configured reader with its abstention thresholds (the settings' when set, else the reader's own); a
model reader falls back to the rules when its model cannot be used."""

from __future__ import annotations

import dataclasses
import logging

from qa.reader.evidence import EvidenceScorer
from qa.reader.rules import RULES_ABSTAIN_THRESHOLD, RuleReader, SentenceReader
from qa.settings import QASettings
from qa.types import Reader

log = logging.getLogger(__name__)
READERS = ("neural", "rules", "sentence")
_warned: set[str] = set()


def make_reader(name: str, scorer: EvidenceScorer, settings: QASettings) -> Reader:
    """The reader called `name`. A missing or unloadable neural model is reported once and the rules answer."""
    if name == "rules":
        return _rules(RuleReader, scorer, settings)
    if name == "sentence":
        return _rules(SentenceReader, scorer, settings)
    if name == "neural":
        return _neural(scorer, settings)
    raise ValueError(f"unknown reader {name!r} (choose from {', '.join(READERS)})")


def _neural(scorer: EvidenceScorer, settings: QASettings) -> Reader:
    """The transformer reader; when its model cannot be loaded offline, the rule reader (said once)."""
    from qa.reader.neural.model import ReaderModelError, load_qa_model
    from qa.reader.neural.reader import TYPED_SPANS_PER_WINDOW, DecodeOptions, NeuralReader, policy_of

    try:
        qa = load_qa_model(
            settings.reader_model, settings.model_cache_dir, quantize=settings.reader_quantize,
            runtime=settings.reader_runtime,
        )
    except ReaderModelError as exc:
        if str(exc) not in _warned:
            _warned.add(str(exc))
            log.warning("%s; answering with the rule reader instead", exc)
        return _rules(RuleReader, scorer, settings)
    policy = policy_of(qa.manifest)
    configured = {
        "rank_weight": settings.reader_rank_weight, "threshold": settings.abstain_threshold,
        "evidence_threshold": settings.evidence_threshold, "stop_margin": settings.reader_stop_margin,
    }
    policy = dataclasses.replace(policy, **{k: v for k, v in configured.items() if v is not None})
    options = DecodeOptions(
        max_length=settings.reader_max_length,
        stride=settings.reader_stride,
        max_answer_tokens=settings.reader_max_answer_tokens,
        max_windows=settings.reader_max_windows if settings.reader_max_windows is not None else policy.max_windows,
        per_window=TYPED_SPANS_PER_WINDOW if policy.type_penalty else 1,
    )
    gated = settings.evidence_threshold is not None or policy.evidence_threshold is not None
    return NeuralReader(qa, options, policy, evidence=RuleReader(scorer) if gated else None)


def _rules(cls: type[RuleReader], scorer: EvidenceScorer, settings: QASettings) -> RuleReader:
    """A rule reader (or the sentence baseline) with the configured thresholds, else the rules' own."""
    threshold = settings.abstain_threshold if settings.abstain_threshold is not None else RULES_ABSTAIN_THRESHOLD
    return cls(scorer, threshold, settings.evidence_threshold)
