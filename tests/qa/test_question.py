import pytest

from qa.reader.question import analyse, classify


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
    ],
)
def test_classify(question: str, qtype: str) -> None:
    assert classify(question) == qtype


def test_analyse_unit_and_keywords() -> None:
    analysis = analyse("全国地方公安机关共配备了多少名民警？")
    assert analysis.unit == "名"
    assert "民警" in analysis.keywords and "多少" not in analysis.keywords
    assert analyse("辖区有多少人口？").unit is None
