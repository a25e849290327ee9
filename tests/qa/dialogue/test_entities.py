"""Named things from jieba and from the corpus; generic words and mistagged ordinary words are not names."""

from __future__ import annotations

from dataclasses import dataclass

from qa.dialogue.entities import Gazetteer, mentions, named_in, org_names, short_name


@dataclass
class Doc:
    doc_id: str
    title: str
    text: str


DOCS = [
    Doc("a#1", "福建省厦门市公安局莲前派出所 “始终牢记做群众的贴心人”",
        "福建省厦门市公安局莲前派出所——\n\n坐落于厦门岛东部，辖区16平方公里分布着3个繁华商圈、15万多人口……"
        "莲前派出所所长陈志昆如数家珍。从2012年开始，莲前派出所率先启动“两队一室”改革。"),
    Doc("a#2", "青藏铁路公安局格尔木公安处沱沱河站派出所",
        "青藏铁路公安局格尔木公安处沱沱河站派出所副所长赵洪龙说，辖区有27座无人车站。人民群众安全感很高。"),
    Doc("b", "服务万家灯火", "全国地方公安机关共设置公安派出所4万余个。北京市公安局西城分局牛街派出所辖区总面积1.44平方公里。"),
]


def test_short_names_and_cores_of_organisation_chains() -> None:
    assert short_name("福建省厦门市公安局思明分局莲前派出所") == "莲前派出所"
    assert short_name("上海市公安局浦东分局刑侦支队") == "浦东分局刑侦支队"
    assert ("莲前", "莲前派出所") in org_names("福建省厦门市公安局莲前派出所")
    assert org_names("公安派出所") == [] and org_names("全国地方公安机关") == [] and org_names("4个基层派出所") == []


def test_gazetteer_names_stations_people_places_and_programmes() -> None:
    g = Gazetteer.from_documents(DOCS)
    assert g.names["莲前"].label == "莲前派出所"
    assert g.names["沱沱河站派出所"].kind == "organization"  # jieba tags 站 as a verb; the unit boundary finds it
    assert g.names["陈志昆"].kind == "person" and g.names["赵洪龙"].kind == "person"
    assert g.names["两队一室"].kind == "programme"
    assert "安全感" not in g.names and "公安派出所" not in g.names  # jieba tags 安全感 as a name
    assert [e.label for e in g.subjects["a#2"]] == ["沱沱河站派出所"]  # not its parent unit, 格尔木公安处
    assert [e.label for e in g.subjects["a#1"]] == ["莲前派出所"]


def test_mentions_use_the_corpus_and_prefer_the_longest_name() -> None:
    g = Gazetteer.from_documents(DOCS)
    assert [e.label for e in mentions("莲前派出所辖区有多少人口？", g)] == ["莲前派出所"]
    assert [e.label for e in mentions("沱沱河站海拔多少米？", g)] == ["沱沱河站派出所"]
    assert mentions("那它的面积呢？", g) == []
    assert mentions("全国地方公安机关共设置了多少个公安派出所？", g) == []
    assert [e.label for e in mentions("陆女士被骗转账共多少钱？")] == ["陆女士"]


def test_a_large_index_gets_a_lazy_gazetteer_that_reads_articles_on_demand(monkeypatch) -> None:  # noqa: ANN001
    from qa.dialogue import entities

    class Index:
        documents = DOCS
        doc_by_id = {d.doc_id: d for d in DOCS}

    monkeypatch.setattr(entities, "EAGER_DOCUMENTS", 2)  # three documents: over the limit
    index = Index()
    g = entities.gazetteer_for(index)
    assert g.names == {} and g.subjects == {}  # nothing read up front
    assert [e.label for e in g.subjects_of("a#2")] == ["沱沱河站派出所"]
    assert g.names["赵洪龙"].kind == "person" and "陈志昆" not in g.names  # only the article it landed on
    assert g.subjects_of("missing") == [] and g.subjects_of(None) == []
    eager = Gazetteer.from_documents(DOCS)
    for doc in DOCS:
        g.subjects_of(doc.doc_id)
    assert g.subjects == eager.subjects and set(g.names) <= set(eager.names)


def test_a_subject_is_named_in_a_text_leading_time_words_aside() -> None:
    article = "今年以来，安各庄派出所共调解纠纷120起。"
    assert named_in("今年安各庄派出所", article) and named_in("安各庄派出所", article)
    assert not named_in("栾城交警", article)
    assert named_in("今年", "今年")  # nothing but time words: the subject itself
