"""问答 (wenda) as a library: index a folder of Chinese articles, ask, read the cited span.

    from qa import QAPipeline, Settings
    pipe = QAPipeline.from_settings(Settings(corpus=["articles/"], index_dir="articles.index"))
    answer = pipe.ask("全国地方公安机关共设置了多少个公安派出所？")
    print(answer.text, answer.citations[0].source, answer.citations[0].line)

The names below are imported on first use, so `import qa` stays cheap. See docs/CONTRACT.md. The error base
and the settings are defined in `embeddings` (the index layer raises and reads them too) and re-exported here,
so `server`, `eval` and library users import them from `qa` without reaching past it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embeddings.documents import Document
    from embeddings.errors import IndexNotFoundError, SettingsError, WendaError
    from embeddings.settings import Settings, get_settings, load_settings
    from embeddings.store import BuildReport
    from qa.conversation import Conversation
    from qa.errors import QuestionError
    from qa.pipeline import QAPipeline
    from qa.types import Answer, Citation, Passage

_EXPORTS = {
    "QAPipeline": "qa.pipeline",
    "Conversation": "qa.conversation",
    "Answer": "qa.types",
    "Citation": "qa.types",
    "Passage": "qa.types",
    "Settings": "embeddings.settings",
    "get_settings": "embeddings.settings",
    "load_settings": "embeddings.settings",
    "Document": "embeddings.documents",
    "BuildReport": "embeddings.store",
    "WendaError": "embeddings.errors",
    "SettingsError": "embeddings.errors",
    "IndexNotFoundError": "embeddings.errors",
    "QuestionError": "qa.errors",
}
__all__ = [
    "Answer",
    "BuildReport",
    "Citation",
    "Conversation",
    "Document",
    "IndexNotFoundError",
    "Passage",
    "QAPipeline",
    "QuestionError",
    "Settings",
    "SettingsError",
    "WendaError",
    "get_settings",
    "load_settings",
]


def __getattr__(name: str) -> Any:
    """Import an exported name from the module that defines it, once."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
