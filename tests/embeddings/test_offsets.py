"""Citations point into the original file: offsets, line and column of the span in the file the user has."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from embeddings.ingest import load_corpus
from embeddings.normalize import normalize_text
from embeddings.offsets import SourceMap, align

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = "全国地方公安机关共设置了多少个公安派出所？"


def comparable(text: str) -> str:
    """What normalisation keeps of a source span: no whitespace or emphasis marks, NFKC, straight quotes."""
    text = re.sub(r"\s+", "", text).replace("**", "")
    return unicodedata.normalize("NFKC", text).translate(str.maketrans("“”‘’", "\"\"''"))


def line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def test_every_seed_span_is_found_in_its_file() -> None:
    report = load_corpus([SEEDS])
    checked = 0
    for doc in report.documents:
        raw = (SEEDS / doc.source).read_text(encoding="utf-8")
        for start in range(0, len(doc.text) - 6, 5):
            where = doc.locate(start, start + 6)
            assert where is not None, (doc.doc_id, start)
            file_start, file_end, line, column = where
            assert comparable(raw[file_start:file_end]) == comparable(doc.text[start : start + 6]), (doc.doc_id, start)
            assert (line, column) == line_col(raw, file_start)
            checked += 1
    assert checked > 2000


@pytest.mark.parametrize(
    "source",
    [
        "第一行文字，\r\n继续第一段落的文字内容很长很长。\r\n\r\n第二段  有  空格 ，还有**强调**和“引号”。",
        "全角　空格与ＡＢＣ１２３，面积12㎡，约“3万”人。\u200b零宽字符。",
        '英文 mixed text, with "quotes" and 中文（括号）内容。',
    ],
)
def test_alignment_undoes_normalisation(source: str) -> None:
    text = normalize_text(source)
    mapping = align(source, text)
    assert all(j >= 0 for j in mapping), [(c, j) for c, j in zip(text, mapping, strict=True) if j < 0]
    assert mapping == sorted(mapping)
    positions = SourceMap.build(source, mapping)
    for start in range(len(text) - 2):
        file_start, file_end, line, column = positions.locate(start, start + 2)
        assert comparable(text[start]) in comparable(source[file_start:file_end])
        assert (line, column) == line_col(source, file_start)


def test_html_text_points_into_the_page(tmp_path: Path) -> None:
    page = (
        "<html><head><title>标题</title><style>p{color:red}</style></head>\n<body>\n"
        "<h1>青山派出所</h1>\n<p>派出所&amp;警务室现有<b>民警</b>28名，\n辅警40名。</p></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    doc = load_corpus([tmp_path]).documents[0]
    for span in ("民警", "28名", "辅警40名", "警务室"):
        start = doc.text.index(span)
        file_start, file_end, line, column = doc.locate(start, start + len(span))
        assert page[file_start:file_end] == span
        assert (line, column) == line_col(page, file_start)


def test_answer_citation_names_the_line_in_the_file(tmp_path: Path, model_cache_dir: Path) -> None:
    from qa import Settings
    from qa.pipeline import QAPipeline

    settings = Settings(
        index_dir=tmp_path / "idx", corpus=[SEEDS], model_cache_dir=model_cache_dir,
        embedding_model="wenda-w2v-zh", reader="rules",
    )
    answer = QAPipeline.from_settings(settings).ask(QUESTION)
    cite = answer.citations[0]
    raw = (SEEDS / cite.source).read_text(encoding="utf-8")
    assert (cite.start, cite.end) != (cite.file_start, cite.file_end)  # the normalised offsets differ from the file's
    assert raw[cite.file_start : cite.file_end] == answer.text == "4万余个"
    line = raw.split("\n")[cite.line - 1]
    assert line[cite.column - 1 :].startswith(answer.text)
    assert answer.to_dict()["citations"][0]["line"] == cite.line
