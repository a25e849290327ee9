"""Standalone rewrites of follow-ups, built from a hand-made context (no index, no reader)."""

from __future__ import annotations

from qa.dialogue.context import Context, TurnRecord, answer_entity
from qa.dialogue.entities import Entity
from qa.dialogue.forms import read_form
from qa.dialogue.rewrite import in_context, rewrites, substitute, switch_attribute

LIANQIAN = Entity("莲前派出所", "organization")


def record(question: str, answer: str | None, qtype: str = "number", *entities: Entity, doc: str | None = "a#4") -> TurnRecord:
    return TurnRecord(question, question, entities, answer, answer_entity(answer, qtype), (), doc, (), qtype)


def test_the_issue_example_becomes_a_standalone_question() -> None:
    context = Context()
    context.add(record("莲前派出所辖区有多少人口？", "15万多人", "number", LIANQIAN))
    found = rewrites(read_form("那它的面积呢？"), context, [])
    assert found[0].text == "莲前派出所的面积是多少？" and found[0].subject == "莲前派出所"
    assert "莲前派出所辖区有多少面积？" in [r.text for r in found]


def test_pronouns_are_replaced_and_bare_questions_get_the_subject() -> None:
    form = read_form("他和哪位民警一起去处理电信诈骗？")
    assert substitute(form, "刘佳奇", None) == "刘佳奇和哪位民警一起去处理电信诈骗？"
    assert substitute(read_form("派出所所长是谁？"), "北屯边境派出所", None) == "北屯边境派出所所长是谁？"
    assert substitute(read_form("副所长呢？"), "茨坪派出所", None) == "茨坪派出所的副所长是谁？"


def test_attribute_switches_keep_the_rest_of_the_previous_question() -> None:
    assert switch_attribute("2012年人民群众安全感是多少？", "2021年") == "2021年人民群众安全感是多少？"
    assert switch_attribute("全国有多少名在职民警取得基本级执法资格？", "高级执法资格") == "全国有多少名在职民警取得高级执法资格？"
    assert switch_attribute("全国地方公安机关共设置了多少个公安派出所？", "社区警务室") == "全国地方公安机关共设置了多少个社区警务室？"


def test_a_demonstrative_turn_is_read_after_the_previous_answer() -> None:
    previous = record("贺小灿说昨天出警几次？", "8次", "number", Entity("贺小灿", "person"))
    assert in_context(previous, read_form("其中多少起纠纷得以化解？"), None) == "贺小灿说昨天出警8次，其中多少起纠纷得以化解？"


def test_a_person_pronoun_prefers_the_person_the_last_answer_named() -> None:
    context = Context()
    context.add(record("北屯边境派出所的副所长叫什么名字？", "刘佳奇", "person", Entity("北屯边境派出所", "organization")))
    assert [e.label for e in context.subjects("person")] == ["刘佳奇"]  # 他 is never a station …
    assert [e.label for e in context.subjects("thing")] == ["北屯边境派出所"]  # … nor 它 a person
    assert rewrites(read_form("他来满洲里多少年了？"), context, [])[0].text == "刘佳奇来满洲里多少年了？"


def test_a_measure_or_a_count_is_never_a_subject() -> None:
    context = Context()
    context.add(record(
        "世界铁路最高点在哪里？", "海拔5072米", "place", Entity("唐古拉山口", "place"), Entity("五年连降", "programme"),
    ))
    assert [e.label for e in context.subjects("thing")] == ["唐古拉山口"]
    assert all("5072" not in r.text for r in rewrites(read_form("它的海拔是多少？"), context, []))


def test_a_new_subject_with_ellipsis_switches_the_subject_of_the_last_question() -> None:
    context = Context()
    context.add(record("莲前派出所辖区有多少人口？", "15万多人", "number", LIANQIAN))
    found = rewrites(read_form("那茨坪派出所呢？"), context, [Entity("茨坪派出所", "organization")])
    assert [r.text for r in found] == ["茨坪派出所辖区有多少人口？"]


def test_only_recent_turns_and_the_previous_article_count() -> None:
    context = Context()
    context.add(record("莲前派出所辖区有多少人口？", "15万多人", "number", LIANQIAN, doc="a#4"))
    context.add(record("正阳派出所建所多少年了？", "70余年", "duration", Entity("正阳派出所", "organization"), doc="d#1"))
    context.add(record("它的所长是谁？", None, "person", Entity("正阳派出所", "organization"), doc=None))
    assert [e.label for e in context.subjects()] == ["正阳派出所"]
    assert context.preferred_docs() == ["d#1"]
