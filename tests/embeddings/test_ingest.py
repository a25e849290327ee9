import json
from pathlib import Path

import pytest

from embeddings.errors import CorpusError
from embeddings.ingest import load_corpus

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_seed_corpus_sections_have_titles_and_stable_ids() -> None:
    first = load_corpus([SEEDS])
    second = load_corpus([SEEDS])
    assert [d.doc_id for d in first.documents] == [d.doc_id for d in second.documents]
    assert not first.skipped and len(first.files) == 5
    items_003 = [d for d in first.documents if d.source.startswith("003_")]
    assert len(items_003) >= 10
    assert any("栾城交警帮群众推车" in d.title for d in items_003)
    assert all(d.doc_id.startswith("003_ae197cc1d371ab5a#") for d in items_003)


def test_sections_are_slices_of_the_normalised_file() -> None:
    from embeddings.normalize import normalize_text

    report = load_corpus([SEEDS])
    for path in SEEDS.glob("*.txt"):
        full = normalize_text(path.read_text(encoding="utf-8"))
        for doc in (d for d in report.documents if d.source == path.name):
            assert doc.text in full


def test_encodings_formats_and_broken_files(tmp_path: Path) -> None:
    (tmp_path / "utf8.txt").write_text("派出所民警在巡逻。", encoding="utf-8")
    (tmp_path / "bom.md").write_bytes("\ufeff# 标题\n\n带BOM的文章内容。".encode())
    (tmp_path / "gbk.txt").write_bytes("国标编码的文章，讲述社区民警的故事。".encode("gb18030"))
    (tmp_path / "page.html").write_text(
        "<html><head><title>网页标题</title><script>alert(1)</script></head><body><h1>网页标题</h1><p>网页正文。</p></body></html>",
        encoding="utf-8",
    )
    records = [{"id": "r1", "title": "记录一", "text": "第一条记录。"}, {"id": "r2", "title": "记录二", "text": "第二条记录。"}]
    (tmp_path / "records.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe")
    (tmp_path / "latin1.txt").write_bytes(b"\xff\xfe\xfa\x80\x81")
    report = load_corpus([tmp_path])
    ids = {d.doc_id for d in report.documents}
    assert {"utf8", "gbk", "r1", "r2"} <= ids
    assert any(d.source == "bom.md" and d.title == "标题" for d in report.documents)
    html_doc = next(d for d in report.documents if d.source == "page.html")
    assert "alert" not in html_doc.text and "网页正文" in html_doc.text
    assert next(d for d in report.documents if d.doc_id == "gbk").text.startswith("国标编码")
    skipped = dict(report.skipped)
    assert set(skipped) == {"broken.json", "binary.txt", "latin1.txt"}
    assert "invalid JSON" in skipped["broken.json"]


def test_missing_and_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_corpus([tmp_path / "nope"])
    with pytest.raises(CorpusError, match="no .txt"):
        load_corpus([tmp_path])


def test_json_record_sections_get_hash_suffix(tmp_path: Path) -> None:
    body = "# 第一节\n\n" + "第一节的内容很长。" * 20 + "\n\n# 第二节\n\n" + "第二节的内容也很长。" * 20
    (tmp_path / "a.json").write_text(json.dumps({"id": "art", "title": "文章", "text": body}, ensure_ascii=False), encoding="utf-8")
    ids = [d.doc_id for d in load_corpus([tmp_path]).documents]
    assert ids == ["art#1", "art#2"]
