"""The shape of a turn: pronouns, demonstratives, ellipsis and the attribute of a bare `X呢？`."""

from __future__ import annotations

import pytest

from qa.dialogue.forms import read_form


@pytest.mark.parametrize(
    ("question", "pronoun", "kind"),
    [
        ("那它的面积呢？", "那它", "thing"),
        ("它的所长是谁？", "它", "thing"),
        ("他身高多少？", "他", "person"),
        ("最终为她追回了多少损失？", "她", "person"),
        ("该所把辖区划分为几个巡逻区？", "该所", "thing"),
        ("该大队查获了多少名违法犯罪嫌疑人？", "该大队", "thing"),
        ("那里的平均海拔是多少？", "那里", "thing"),
    ],
)
def test_pronouns_and_what_they_point_at(question: str, pronoun: str, kind: str) -> None:
    form = read_form(question)
    assert (form.pronoun, form.pronoun_kind) == (pronoun, kind)
    assert form.refers_back


@pytest.mark.parametrize("question", ["这种工作模式已成功化解矛盾纠纷多少起？", "其中多少起纠纷得以化解？", "那天的巡逻任务包括几个车站？"])
def test_demonstratives_point_back_without_being_pronouns(question: str) -> None:
    form = read_form(question)
    assert form.pronoun is None and form.demonstrative and form.refers_back


@pytest.mark.parametrize(
    "question", ["全国地方公安机关共设置了多少个公安派出所？", "其他地区的派出所有多少个？", "尤其是哪一年？", "应该找哪个部门？"]
)
def test_words_that_only_contain_pronoun_characters_are_not_references(question: str) -> None:
    form = read_form(question)
    assert form.pronoun is None and form.demonstrative is None and not form.ellipsis


@pytest.mark.parametrize(
    ("question", "attribute"),
    [("那它的面积呢？", "面积"), ("常住人口呢？", "常住人口"), ("副所长呢？", "副所长"), ("2021年呢？", "2021年"),
     ("因公负伤的呢？", "因公负伤")],
)
def test_a_bare_x_ne_asks_about_x(question: str, attribute: str) -> None:
    form = read_form(question)
    assert form.ellipsis and form.attribute == attribute


def test_a_question_word_is_not_an_attribute() -> None:
    assert read_form("那面积是多少呢？").attribute is None


def test_keywords_leave_out_the_referring_word() -> None:
    form = read_form("它的所长是谁？")
    assert form.keywords == ("所长",) and form.short
    assert not read_form("全国地方公安机关共设置了多少个公安派出所？").short
