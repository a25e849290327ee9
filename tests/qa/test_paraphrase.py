"""Synonym paraphrases of training questions: deterministic, meaning-preserving parts of speech only."""

from __future__ import annotations

from qa.reader.ranker.paraphrase import paraphrase, synonym_groups

CODES = {"担任": "Hd01A01", "充任": "Hd01A01", "出任": "Hd01A01", "冠军": "Dm02A01", "亚军": "Dm02A01",
         "职务": "Di09A01", "罗": "Aa01A01"}


def _always(_a: str, _b: str) -> float:
    return 1.0


def test_groups_need_two_words_of_two_characters() -> None:
    groups = synonym_groups(CODES)
    assert groups["Hd01A01"] == ["充任", "出任", "担任"]
    assert "Di09A01" not in groups and "Aa01A01" not in groups


def test_verbs_are_replaced_and_nouns_are_not() -> None:
    groups = synonym_groups(CODES)
    replaced = {paraphrase("罗保铭担任什么职务？", ["罗保铭", "担任", "职务"], CODES, groups, _always, salt=str(i))
                for i in range(20)}
    replaced.discard(None)
    assert replaced and replaced <= {"罗保铭充任什么职务？", "罗保铭出任什么职务？"}
    for i in range(20):  # 冠军/亚军 share a code but are nouns: never swapped
        assert paraphrase("她获得过几次冠军？", ["获得", "冠军"], CODES, groups, _always, salt=str(i)) is None


def test_same_salt_same_paraphrase_and_cosine_filter() -> None:
    groups = synonym_groups(CODES)
    keywords = ["罗保铭", "担任", "职务"]
    first = [paraphrase("罗保铭担任什么职务？", keywords, CODES, groups, _always, salt=str(i)) for i in range(10)]
    again = [paraphrase("罗保铭担任什么职务？", keywords, CODES, groups, _always, salt=str(i)) for i in range(10)]
    assert first == again
    assert all(paraphrase("罗保铭担任什么职务？", keywords, CODES, groups, lambda a, b: 0.1, salt=str(i)) is None
               for i in range(10))
    assert paraphrase("罗保铭担任什么职务？", ["罗保铭"], CODES, groups, _always) is None  # not a keyword
