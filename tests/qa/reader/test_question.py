
from qa.reader.question import analyse


def test_analyse_unit_and_keywords() -> None:
    analysis = analyse("全国地方公安机关共配备了多少名民警？")
    assert analysis.unit == "名"
    assert "民警" in analysis.keywords and "多少" not in analysis.keywords
    assert analyse("辖区有多少人口？").unit is None
    assert "人口" in analyse("辖区有多少人口？").keywords  # 多少人 is not the wh-phrase of 多少人口
