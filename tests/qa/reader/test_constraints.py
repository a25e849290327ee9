"""Year constraints: a year the question names must be in the answer's passage."""

from __future__ import annotations

from qa.reader.constraints import lacks_year, missing_years, named_years


def test_the_years_a_question_names() -> None:
    assert named_years("2021年全国有多少名民警因公牺牲？") == ("2021",)
    assert named_years("2020年和2021年派出所结对帮了多少户？") == ("2020", "2021")
    assert named_years("2020、2021两年派出所接到了多少群众求助？") == ()  # no 年 right after either
    assert named_years("辖区有12000年以前的遗址吗？") == ()  # five digits: not a year
    assert named_years("派出所有多少名民警？") == ()


def test_a_passage_without_the_named_year_lacks_it() -> None:
    assert lacks_year(("2021",), "2023年，全国公安机关有253名民警因公牺牲。")
    assert not lacks_year(("2023",), "2023年，全国公安机关有253名民警因公牺牲。")
    assert lacks_year(("2020", "2021"), "2021年共有1206万余起。")
    assert not lacks_year((), "任何段落")


def test_the_years_a_passage_does_not_mention() -> None:
    passage = "2023年，全国公安机关有253名民警因公牺牲。"
    assert missing_years(("2022",), passage) == ("2022",)
    assert missing_years(("2023",), passage) == ()
    assert missing_years(("2022", "2023"), passage) == ("2022",)
