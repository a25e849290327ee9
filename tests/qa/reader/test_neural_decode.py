"""Span decoding: best start/end pair within the length limit, over passage tokens only; no-answer scores."""

from __future__ import annotations

import numpy as np

from qa.reader.neural.decode import passage_nulls, window_spans
from qa.reader.neural.reader import confidence, trim
from qa.reader.neural.windows import Windows


def _windows(n: int, length: int, passage: list[int]) -> Windows:
    starts = np.tile(np.arange(length) * 2, (n, 1)) - 2  # token t covers characters [2t-2, 2t)
    ends = starts + 2
    starts[:, :2] = -1  # first token and one question token
    ends[:, :2] = -1
    ids = np.ones((n, length), dtype=np.int64)
    return Windows(ids, ids.copy(), starts, ends, np.asarray(passage))


def test_best_span_respects_order_length_and_passage_tokens() -> None:
    w = _windows(1, 10, [0])
    start = np.full((1, 10), -10.0)
    end = np.zeros((1, 10))
    start[0, 1] = 50.0  # a question token: never chosen
    start[0, 6] = 5.0
    end[0, 3] = 9.0  # before the start: not a span
    end[0, 7] = 4.0
    spans = window_spans(start, end, w, max_answer_tokens=4)
    best = spans[0]
    assert (best.start, best.end) == (10, 14) and best.score == 9.0
    short = window_spans(start, end, w, max_answer_tokens=1)[0]
    assert (short.start, short.end) == (10, 12)  # one token


def test_spans_across_windows_are_ranked_and_keep_their_passage() -> None:
    w = _windows(3, 8, [0, 1, 1])
    start = np.zeros((3, 8))
    end = np.zeros((3, 8))
    start[2, 4], end[2, 5] = 3.0, 3.0
    start[0, 3], end[0, 3] = 1.0, 1.0
    start[:, 0] = [0.5, 2.0, -1.0]
    end[:, 0] = [0.5, 2.0, -1.0]
    spans = window_spans(start, end, w, max_answer_tokens=5)
    assert spans[0].passage == 1 and spans[0].window == 2 and spans[0].margin == 6.0 + 2.0
    assert passage_nulls(start, end, w) == {0: 1.0, 1: -2.0}


def test_confidence_and_trim() -> None:
    assert confidence(0.0) == 0.5 and confidence(50.0) > 0.999 and confidence(-800.0) == 0.0
    text = "，16平方公里。"
    assert trim(text, 0, len(text)) == (1, len(text) - 1)
    assert trim("，。", 0, 2) == (0, 2)
    text = "有400余人的队伍"
    assert text[slice(*trim(text, 1, 7))] == "400余人"  # a trailing 的 that is a word of its own goes
    assert trim("目的", 0, 2) == (0, 2)  # 的 inside a word stays
    assert trim("的", 0, 1) == (0, 1)


def test_trim_closes_or_drops_a_quote_mark_left_open_at_an_edge() -> None:
    def shown(text: str, answer: str) -> str:
        start = text.index(answer)
        return text[slice(*trim(text, start, start + len(answer)))]

    assert shown("他读了《三国演义》这本书", "《三国演义") == "《三国演义》"  # closed by the next character
    assert shown("他读了《三国演义》这本书", "三国演义》") == "《三国演义》"
    assert shown("推行“实名制改革", "“实名制") == "实名制"  # nothing closes it: dropped
    assert shown("罗索（Lossow）和费维格（Viehweger)。", "费维格（Viehweger)") == "费维格（Viehweger)"  # widths mix
    assert shown("》改革“", "》改革“") == "改革"  # a closer first, an opener last
    assert shown("《红楼梦》与《三国》", "《红楼梦》") == "《红楼梦》"  # balanced: unchanged


def test_locate_gives_the_trimmed_span_in_the_article_that_the_type_check_judges() -> None:
    from embeddings.documents import Document
    from qa.reader.answer_shape import misfits
    from qa.reader.neural.decode import SpanScore
    from qa.reader.neural.reader import locate
    from qa.reader.question import analyse
    from qa.types import Passage

    article = "前言。改革从2012年，开始推进。"
    doc = Document("d", "d.txt", "标题", article)
    passage = Passage("d", "d.txt", "标题", "d::0", 3, len(article), article[3:], 1.0)
    span = SpanScore(0, 0, article.index("2012") - 3, article.index("开始") - 3, 5.0, 0.0)  # "2012年，"
    question = analyse("改革从哪一年开始？")
    text, start, end = locate(span, [passage], {"d": doc}, question)
    assert text is article and text[start:end] == "2012年"
    assert misfits(question, passage.text[span.start : span.end]) and not misfits(question, text[start:end])
