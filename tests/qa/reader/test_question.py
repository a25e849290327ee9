
from qa.reader.question import analyse


def test_analyse_unit_and_keywords() -> None:
    analysis = analyse("全国地方公安机关共配备了多少名民警？")
    assert analysis.unit == "名"
    assert "民警" in analysis.keywords and "多少" not in analysis.keywords
    assert analyse("辖区有多少人口？").unit is None
    assert "人口" in analyse("辖区有多少人口？").keywords  # 多少人 is not the wh-phrase of 多少人口


def test_a_definition_question_keeps_its_term_and_a_question_that_is_all_head_keeps_its_words() -> None:
    defined = analyse("什么是代数群？")
    assert defined.head is None and defined.keywords == ["代数", "群"]  # 是代数群 is not a head noun
    assert analyse("什么是派出所？").keywords == ["派出所"]
    unit = analyse("他在什么单位工作？")
    assert unit.keywords and "工作" in unit.keywords  # never left with nothing to search for
    assert analyse("厦门莲前派出所属于哪个分局？").keywords == ["厦门", "莲前", "派出所", "属于"]  # the head still goes


def test_a_name_with_he_stays_a_keyword_and_a_question_word_with_he_does_not() -> None:
    assert analyse("什么是何尊？").keywords == ["何尊"]  # was no keyword at all: the pipeline said not found
    assert "何荫棠" in analyse("何荫棠是谁？").keywords
    for question in ("他何时出生？", "该镇位于何处？", "为何要这样做？", "这有何意义？", "长剑有何用途？", "但因何原因作罢？"):
        assert not any("何" in k for k in analyse(question).keywords), question
