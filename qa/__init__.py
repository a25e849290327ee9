"""问答 (wenda) as a library: index a folder of Chinese articles, ask, read the cited span.

    from qa import QAPipeline, Settings
    pipe = QAPipeline.from_settings(Settings(corpus=["articles/"], index_dir="articles.index"))
    answer = pipe.ask("全国地方公安机关共设置了多少个公安派出所？")
    print(answer.text, answer.citations[0].source, answer.citations[0].line)

The names below are imported on first use, so `import qa` stays cheap. See docs/CONTRACT.md. The error base
is defined in `embeddings.errors` (the index layer raises it too) and re-exported by `qa.errors`; `Settings`
(`qa.settings`) is the composed settings class of every installed layer. `server`, `eval` and library users
import both from `qa` without reaching past it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embeddings.documents import Document
    from embeddings.store import BuildReport
    from qa.conversation import Conversation
    from qa.errors import IndexNotFoundError, QuestionError, SettingsError, WendaError
    from qa.pipeline import QAPipeline
    from qa.settings import QASettings, Settings, get_settings, load_settings
    from qa.types import Answer, Citation, Passage

_EXPORTS = {
    "QAPipeline": "qa.pipeline",
    "Conversation": "qa.conversation",
    "Answer": "qa.types",
    "Citation": "qa.types",
    "Passage": "qa.types",
    "Settings": "qa.settings",
    "QASettings": "qa.settings",
    "get_settings": "qa.settings",
    "load_settings": "qa.settings",
    "Document": "embeddings.documents",
    "BuildReport": "embeddings.store",
    "WendaError": "qa.errors",
    "SettingsError": "qa.errors",
    "IndexNotFoundError": "qa.errors",
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
    "QASettings",
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
