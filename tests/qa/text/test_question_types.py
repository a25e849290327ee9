"""Question types: the reader's answer types and the labels of converted gold questions (`qa.text.question_types`)."""

import pytest

from qa.text.question_types import GOLD_TYPES, answer_type, gold_type


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("全国共设置了多少个公安派出所？", "number"),
        ("“枫桥经验”是什么时候诞生的？", "date"),
        ("正阳派出所所长是谁？", "person"),
        ("枫桥经验诞生在哪里？", "place"),
        ("雷玉清在哪个派出所工作？", "organization"),
        ("为什么民警能把风险化解在基层？", "reason"),
        ("什么是“枫桥经验”？", "definition"),
        ("派出所承担哪些职能？", "list"),
        ("民警是怎么找到孩子的？", "method"),
        ("莲前派出所辖区的面积呢？", "number"),
        ("找回手机用了多长时间？", "duration"),
        ("全省高中学业水平考试是哪几天？", "date"),
        ("开角龙亚科生存在哪个时代？", "date"),
        ("佛科留斯系统将星系分为哪几个种类？", "list"),
        ("他去过几个国家？", "number"),
    ],
)
def test_answer_type(question: str, qtype: str) -> None:
    assert answer_type(question) == qtype


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("大桥什么时候建成？", "date"),
        ("大桥有多长？", "number"),
        ("谁设计了大桥？", "person"),
        ("大桥位于哪里？", "place"),
        ("为什么要修建大桥？", "reason"),
        ("生命数耗完即算为什么？", "entity"),
        ("大桥有哪些特点？", "list"),
        ("大桥是否通车？", "yesno"),
        ("梵語是甚麼意思？", "definition"),
        ("誰發現了印歐語系？", "person"),
        ("大桥叫什么名字？", "entity"),
    ],
)
def test_gold_type(question: str, kind: str) -> None:
    assert gold_type(question) == kind


def test_gold_labels_are_gold_types() -> None:
    assert {gold_type(q) for q in ("大桥有多长？", "谁？", "哪里？", "哪些？", "是否？", "什么？")} <= set(GOLD_TYPES)
