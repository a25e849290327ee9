"""Read articles from files and folders into normalised, sectioned `Document`s.

Formats: .txt, .md, .html/.htm, .json (a record, a list of records, or {"data": [...]}) and .jsonl with
records {"id", "title", "text", "url", "date"}. Encodings: UTF-8, UTF-8 with BOM, GB18030. A file that
cannot be read is reported by name and skipped; the rest are indexed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from embeddings.documents import Document, IngestReport
from embeddings.errors import CorpusError
from embeddings.normalize import normalize_text
from embeddings.sections import split_sections

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
MAX_FILE_BYTES = 50_000_000


class UnreadableFileError(ValueError):
    """A file that cannot be decoded or parsed; the message says why."""


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030; raise UnreadableFileError otherwise."""
    if b"\x00" in data[:8192]:
        raise UnreadableFileError("binary content (NUL bytes)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError("not UTF-8 or GB18030 text")


class _HTMLText(HTMLParser):
    """Visible text of an HTML page with headings as markdown and blocks as paragraphs."""

    _BLOCKS = {"p", "div", "br", "li", "tr", "section", "article", "blockquote", "pre", "table", "ul", "ol"}
    _SKIP = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self._BLOCKS or (len(tag) == 2 and tag[0] == "h" and tag[1] in "123456"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: str) -> tuple[str, str]:
    """(title, text) of an HTML document."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.title.strip(), "".join(parser.parts)


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """(file, source name) for every supported file under `paths`, sorted, each once."""
    seen: set[Path] = set()
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise CorpusError(f"corpus path not found: {root}")
        if root.is_file():
            candidates = [(root, root.name)]
        else:
            candidates = [
                (p, p.relative_to(root).as_posix())
                for p in sorted(root.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUPPORTED and not any(part.startswith(".") for part in p.relative_to(root).parts)
            ]
        for path, source in candidates:
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield path, source


def _records(text: str, suffix: str) -> list[dict[str, Any]]:
    if suffix == ".jsonl":
        records = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise UnreadableFileError(f"line {n}: invalid JSON ({exc.msg})") from exc
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UnreadableFileError(f"invalid JSON ({exc.msg} at line {exc.lineno})") from exc
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        records = data if isinstance(data, list) else [data]
    for n, record in enumerate(records, 1):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise UnreadableFileError(f"record {n} has no 'text' string")
    return records


def _sectioned(
    base_id: str, source: str, raw: str, title: str, url: str | None, date: str | None, digest: str
) -> list[Document]:
    text = normalize_text(raw)
    if not text:
        return []
    sections = split_sections(text, title)
    docs = []
    for n, section in enumerate(sections, 1):
        doc_id = base_id if len(sections) == 1 else f"{base_id}#{n}"
        section_title = section.title if len(sections) > 1 or not title else title
        docs.append(
            Document(doc_id, source, section_title, text[section.start : section.end], url, date, digest)
        )
    return docs


def read_file(path: Path, source: str, base_id: str) -> tuple[list[Document], str]:
    """Documents of one file and the hash of its bytes; raises UnreadableFileError."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFileError(f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    text = decode_bytes(data)
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        docs: list[Document] = []
        for n, record in enumerate(_records(text, suffix), 1):
            rid = str(record.get("id") or f"{base_id}-{n}")
            title = str(record.get("title") or rid)
            docs += _sectioned(rid, source, record["text"], title, record.get("url"), record.get("date"), digest)
        return docs, digest
    if suffix in HTML_SUFFIXES:
        title, text = html_to_text(text)
        return _sectioned(base_id, source, text, title or path.stem, None, None, digest), digest
    return _sectioned(base_id, source, text, "", None, None, digest), digest


def load_corpus(paths: Iterable[Path]) -> IngestReport:
    """Read every supported file under `paths`; unreadable files are skipped and reported."""
    report = IngestReport()
    files = list(iter_files(paths))
    if not files:
        raise CorpusError("no .txt, .md, .html, .json or .jsonl files found in: " + ", ".join(map(str, paths)))
    stems = [str(Path(source).with_suffix("")) for _, source in files]
    seen_ids: set[str] = set()
    for (path, source), stem in zip(files, stems, strict=True):
        base_id = stem if stems.count(stem) == 1 else source
        try:
            docs, digest = read_file(path, source, base_id)
        except (UnreadableFileError, OSError) as exc:
            log.warning("skipped %s: %s", source, exc)
            report.skipped.append((source, str(exc)))
            continue
        duplicates = [d.doc_id for d in docs if d.doc_id in seen_ids]
        if duplicates:
            report.skipped.append((source, f"duplicate document id {duplicates[0]!r}"))
            continue
        seen_ids.update(d.doc_id for d in docs)
        report.files[source] = digest
        report.documents.extend(docs)
    return report
