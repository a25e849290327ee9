"""Read articles from files and folders into normalised, sectioned `Document`s.

Formats: .txt, .md, .html/.htm, .json (a record, a list of records, or {"data": [...]}) and .jsonl with
records {"id", "title", "text", "url", "date"} (numbers as `date`/`url`/`id`/`title` become strings; other
non-string values skip the file, naming the record). Encodings: UTF-8 (with or without BOM), UTF-16 with a BOM,
and GB18030/GBK or Big5 detected with charset-normalizer; a file in another encoding (Shift-JIS, EUC-KR, …)
or one that cannot be decoded with confidence is reported by name and skipped; the rest are indexed.
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
from embeddings.offsets import SourceMap, align
from embeddings.sections import split_sections

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
MAX_FILE_BYTES = 50_000_000


class UnreadableFileError(ValueError):
    """A file that cannot be decoded or parsed; the message says why."""


CHINESE_ENCODINGS = {"gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "hz": "hz",
                     "big5": "big5", "cp950": "cp950", "big5hkscs": "big5hkscs"}
"""Detected encoding -> the codec that decodes it (GB18030 is a superset of GBK and GB2312)."""
_CANDIDATES = ["gb18030", "big5", "cp950", "big5hkscs", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"]
MAX_CHAOS = 0.1
"""charset-normalizer's mess ratio above which a decoding is not trusted (clean Chinese text scores 0-0.01)."""


def _utf16_bom(data: bytes) -> bool:
    return data[:2] in (b"\xff\xfe", b"\xfe\xff")


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with a BOM, or a detected Chinese encoding (GB18030/GBK,
    Big5); raise UnreadableFileError for binary data, other languages' encodings, and what cannot be decoded
    with confidence."""
    if _utf16_bom(data):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(f"UTF-16 byte order mark but invalid UTF-16 ({exc.reason})") from None
    if b"\x00" in data[:8192]:
        raise UnreadableFileError("binary content (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise UnreadableFileError("not UTF-8, GB18030 or Big5 text (no encoding fits)")
    name = best.encoding.lower().replace("-", "_")
    if name not in CHINESE_ENCODINGS:
        language = f" ({best.language})" if best.language and best.language != "Unknown" else ""
        raise UnreadableFileError(f"looks like {best.encoding}{language} text; wenda reads Chinese in UTF-8, GB18030 or Big5")
    if best.chaos > MAX_CHAOS:
        raise UnreadableFileError(
            f"encoding not recognised with confidence (best guess {best.encoding}, {100 * best.chaos:.0f}% garbled); "
            "save it as UTF-8"
        )
    codec = CHINESE_ENCODINGS[name]
    fallbacks = ["cp950", "big5hkscs"] if codec in ("big5", "cp950") else []
    for attempt in dict.fromkeys([codec, *fallbacks]):
        try:
            text = data.decode(attempt)
        except UnicodeDecodeError:
            continue
        if codec != "gb18030":
            log.info("decoded as %s", attempt)
        return text
    raise UnreadableFileError(f"detected {best.encoding} but the bytes do not decode as it")


class _HTMLText(HTMLParser):
    """Visible text of an HTML page with headings as markdown and blocks as paragraphs."""

    _BLOCKS = {"p", "div", "br", "li", "tr", "section", "article", "blockquote", "pre", "table", "ul", "ol"}
    _SKIP = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.starts: list[tuple[int, int] | None] = []
        """(line, column) in the page where each part's text starts; None for inserted breaks and marks."""
        self.title = ""
        self._skip = 0
        self._in_title = False

    def _add(self, part: str, at: tuple[int, int] | None = None) -> None:
        self.parts.append(part)
        self.starts.append(at)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self._add("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self._BLOCKS:
            self._add("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self._BLOCKS or (len(tag) == 2 and tag[0] == "h" and tag[1] in "123456"):
            self._add("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._add(data.replace("\n", " "), self.getpos())


def html_to_text(html: str) -> tuple[str, str]:
    """(title, text) of an HTML document."""
    title, text, _ = html_to_text_with_positions(html)
    return title, text


def html_to_text_with_positions(html: str) -> tuple[str, str, list[int]]:
    """(title, text, for each character of text its index in `html` or -1). Text inside a node is exact;
    where character references were decoded (`&amp;`) the characters are aligned to the page's."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = [0] + [i + 1 for i, c in enumerate(html) if c == "\n"]
    positions: list[int] = []
    for part, at in zip(parser.parts, parser.starts, strict=True):
        if at is None:
            positions += [-1] * len(part)
            continue
        begin = lines[at[0] - 1] + at[1]
        page = html[begin : begin + len(part)]
        if page.replace("\n", " ") == part:
            positions += range(begin, begin + len(part))
        else:
            window = html[begin : begin + 8 * len(part) + 16]
            positions += [begin + j if j >= 0 else -1 for j in align(window, part)]
    return parser.title.strip(), "".join(parser.parts), positions


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


def _text_field(record: dict[str, Any], key: str, n: int) -> str | None:
    """A record's optional text field: strings as they are, numbers as strings (`"date": 20221231`), None
    when absent; UnreadableFileError naming the record for anything else (a list, an object, true)."""
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise UnreadableFileError(f"record {n}: {key!r} must be a string, not {type(value).__name__} {json.dumps(value)[:40]}")


def _sectioned(
    base_id: str, source: str, raw: str, title: str, url: str | None, date: str | None, digest: str,
    file_text: str | None = None, raw_to_file: list[int] | None = None,
) -> list[Document]:
    """Documents of one normalised text, one per section. With `file_text` (the decoded file) each records
    where its characters stand in the file; `raw_to_file` maps `raw` into `file_text` when they differ (HTML)."""
    text = normalize_text(raw)
    if not text:
        return []
    positions: SourceMap | None = None
    if file_text is not None:
        mapping = align(raw, text)
        if raw_to_file is not None:
            mapping = [raw_to_file[j] if j >= 0 else -1 for j in mapping]
        positions = SourceMap.build(file_text, mapping)
    sections = split_sections(text, title)
    docs = []
    for n, section in enumerate(sections, 1):
        doc_id = base_id if len(sections) == 1 else f"{base_id}#{n}"
        section_title = section.title if len(sections) > 1 or not title else title
        where = positions.shifted(section.start, section.end).to_json() if positions is not None else None
        docs.append(
            Document(doc_id, source, section_title, text[section.start : section.end], url, date, digest, where)
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
            rid = _text_field(record, "id", n) or f"{base_id}-{n}"
            title = _text_field(record, "title", n) or rid
            url, date = _text_field(record, "url", n), _text_field(record, "date", n)
            docs += _sectioned(rid, source, record["text"], title, url, date, digest)
        return docs, digest
    if suffix in HTML_SUFFIXES:
        title, visible, to_file = html_to_text_with_positions(text)
        return _sectioned(base_id, source, visible, title or path.stem, None, None, digest, text, to_file), digest
    return _sectioned(base_id, source, text, "", None, None, digest, text), digest


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
