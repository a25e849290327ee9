"""Ingest: encodings are detected (Big5 read properly, other languages' encodings skipped), JSON fields typed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from embeddings.ingest import decode_bytes, load_corpus
from embeddings.normalize import normalize_text

TRADITIONAL = (
    "青山派出所位於江城市東湖區，成立於1985年。派出所現有民警28名，輔警40名。\n\n"
    "青山派出所轄區面積為12平方千米，轄區常住人口約3萬人。近年來，派出所推行「社區警務」模式，群眾滿意度達到98%。\n"
)
JAPANESE = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。\n"


def test_big5_is_decoded_as_big5(tmp_path: Path) -> None:
    (tmp_path / "big5.txt").write_bytes(TRADITIONAL.encode("big5"))
    report = load_corpus([tmp_path])
    assert not report.skipped
    assert "".join(d.text for d in report.documents) == normalize_text(TRADITIONAL)
    assert "轄區常住人口約3萬人" in report.documents[0].text


def test_short_big5_and_gb18030_lines() -> None:
    assert decode_bytes("青山派出所位於江城市東湖區。".encode("big5")) == "青山派出所位於江城市東湖區。"
    assert decode_bytes("青山派出所位于江城市东湖区。".encode("gb18030")) == "青山派出所位于江城市东湖区。"


def test_other_encodings_and_noise_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "sjis.txt").write_bytes((JAPANESE * 3).encode("shift_jis"))
    (tmp_path / "noise.txt").write_bytes(bytes(b % 255 + 1 for b in os.urandom(3000)))
    (tmp_path / "ok.txt").write_text("派出所民警在巡逻。", encoding="utf-8")
    report = load_corpus([tmp_path])
    reasons = dict(report.skipped)
    assert set(reasons) == {"sjis.txt", "noise.txt"}, reasons
    assert "Japanese" in reasons["sjis.txt"] and "UTF-8" in reasons["sjis.txt"]
    assert "encoding" in reasons["noise.txt"] or "no encoding fits" in reasons["noise.txt"]
    assert [d.source for d in report.documents] == ["ok.txt"]


def test_utf16_with_bom(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes("派出所民警在巡逻。".encode("utf-16"))
    report = load_corpus([tmp_path])
    assert not report.skipped and report.documents[0].text == "派出所民警在巡逻。"


def test_json_fields_are_strings_or_the_file_is_skipped_naming_the_record(tmp_path: Path) -> None:
    rows = [
        {"id": "x", "text": "某派出所成立于2022年。", "date": 20221231, "url": None},
        {"id": 7, "title": 2023, "text": "另一篇文章。"},
    ]
    (tmp_path / "ok.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    bad = [{"id": "a", "text": "正文一。"}, {"id": "b", "text": "正文二。", "url": ["http://x"]}]
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    report = load_corpus([tmp_path])
    docs = {d.doc_id: d for d in report.documents}
    assert docs["x"].date == "20221231" and docs["x"].url is None
    assert docs["7"].title == "2023"
    assert all(isinstance(v, str | None) for d in report.documents for v in (d.url, d.date, d.title, d.doc_id))
    reasons = dict(report.skipped)
    assert list(reasons) == ["bad.json"] and "record 2" in reasons["bad.json"] and "'url'" in reasons["bad.json"]


def test_binary_that_is_valid_utf8_is_still_binary(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01binary\x00")
    assert dict(load_corpus([tmp_path / "bin.txt"]).skipped) == {"bin.txt": "binary content (NUL bytes)"}
