from pathlib import Path

from embeddings.normalize import normalize_text

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_seed_001_spaces_between_cjk_removed() -> None:
    raw = seed("001")
    assert "基 层" in raw and "派 出所" in raw
    text = normalize_text(raw)
    assert "基 层" not in text and "派 出所" not in text
    assert "承担着众多基层治理职能的公安派出所" in text
    assert "人民群众安全感由2012年的87.55%上升至2021年的98.62%" in text


def test_half_width_punctuation_and_quotes_become_chinese() -> None:
    assert normalize_text('办户口,访民情;"平安中国"这一系统') == "办户口，访民情；“平安中国”这一系统"


def test_numbers_and_latin_words_keep_their_form() -> None:
    assert normalize_text("共1,000人, 时间10:30") == "共1,000人，时间10:30"
    assert normalize_text("使用 Python 编程") == "使用 Python 编程"


def test_fullwidth_digits_and_letters_nfkc() -> None:
    assert normalize_text("ＡＢＣ１２３个") == "ABC123个"


def test_extraction_line_break_inside_sentence_is_joined() -> None:
    text = normalize_text("网格民警发现该情况后，立刻赶到现场，稳定双方当事人情绪，防\n\n止矛盾激化。随后处理。")
    assert "防止矛盾激化" in text


def test_paragraph_breaks_and_titles_are_kept() -> None:
    text = normalize_text("第一段说明了情况。\n\n第二段继续。\n\n忠诚守护 平安同行\n\n正文开始，记者来到现场。")
    assert text.split("\n\n") == ["第一段说明了情况。", "第二段继续。", "忠诚守护平安同行", "正文开始，记者来到现场。"]


def test_crlf_bom_zero_width_and_emphasis() -> None:
    assert normalize_text("\ufeff**河北法制报讯**\u200b 内容。\r\n") == "河北法制报讯内容。"
