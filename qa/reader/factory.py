"""Build the configured reader; the trained one falls back to the rules when its artefact cannot be used."""

from __future__ import annotations

import logging
from typing import Any

from embeddings.settings import Settings
from qa.reader.base import Reader
from qa.reader.evidence import EvidenceScorer
from qa.reader.rules import RuleReader, SentenceReader

log = logging.getLogger(__name__)
READERS = ("trained", "rules", "sentence")
_warned: set[str] = set()


def make_reader(name: str, scorer: EvidenceScorer, settings: Settings, encoder: Any = None) -> Reader:
    """The reader called `name`. A missing or mismatched trained artefact is reported once and the rules answer."""
    if name == "rules":
        return RuleReader(scorer)
    if name == "sentence":
        return SentenceReader(scorer)
    if name != "trained":
        raise ValueError(f"unknown reader {name!r} (choose from {', '.join(READERS)})")
    from qa.reader.ranked import RankedReader, load_model
    from qa.reader.ranker.model import ArtefactError

    try:
        model = load_model(settings.reader_model)
    except ArtefactError as exc:
        if str(exc) not in _warned:
            _warned.add(str(exc))
            log.warning("%s; answering with the rule reader instead", exc)
        return RuleReader(scorer)
    return RankedReader(scorer, model, encoder=encoder, cache_dir=settings.model_cache_dir)
