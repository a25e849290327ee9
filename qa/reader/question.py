"""Question analysis: what kind of answer is asked for, and which words must match."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from embeddings.tokenize import posseg, tokenize
from qa.text.question_types import answer_type as classify

_UNIT = re.compile(r"(?:多少|几)(万|亿|千|百)?([个名人起次家所辆条项支组场处位座户件元倍年天月岁米里](?!口)|公里|千米|小时|分钟|人次|余)?")
_WH = re.compile(r"[哪谁几怎何吗呢]|什么|多少")
# Wh-phrases and the measure word glued to them are removed before keywords are taken (多少年 -> no 年).
_WH_PHRASE = re.compile(
    r"(?:多少|几|哪一?|什么)(?:[个名人起次家所辆条项支组场处位座户件元倍年天月岁号日点种些批路](?!口)|小时|分钟|人次|时候|时间)?"
)
# 哪个派出所 / 什么队伍 / 叫什么: the head noun the answer ends with.
_ASKED_HEAD = re.compile(r"(?:哪个|哪一个|哪家|哪座|哪所|哪支|哪条|什么)(?![是叫为样])([\u4e00-\u9fff]{1,4}?)(?=[？?，。的是在有]|$)")
"""什么 followed by a copula (什么是派出所？) asks for a definition: no head noun, the term stays a keyword."""
_NAMING = r"(?:的名字)?(?:叫什么名字|是什么名字|叫什么|叫啥|名叫什么|被称为什么|称作什么|称为什么)"
_NAMED_HEAD = re.compile(r"([\u4e00-\u9fff]{1,3}?)" + _NAMING)


@dataclass(frozen=True)
class QuestionAnalysis:
    """The parsed question."""

    text: str
    qtype: str
    unit: str | None
    keywords: list[str] = field(default_factory=list)
    head: str | None = None
    """The noun the answer should end with (哪个派出所 -> 派出所; 调解室叫什么 -> 调解室)."""


def _head_noun(phrase: str) -> str:
    """The last word of a noun phrase (那个调解室 -> 调解室)."""
    from embeddings.tokenize import words

    parts = [w for w in words(phrase) if w.strip()]
    return parts[-1] if parts else phrase


def analyse(question: str) -> QuestionAnalysis:
    """Answer type, the measure word asked for (多少名 -> 名) and the content keywords."""
    qtype = classify(question)
    unit = None
    if qtype in ("number", "duration"):
        match = _UNIT.search(question)
        if match:
            unit = match.group(2) or match.group(1)
    head = None
    stripped = question
    named = _NAMED_HEAD.search(question)
    asked = _ASKED_HEAD.search(question)
    if named and qtype != "person":
        head = _head_noun(named.group(1))
        stripped = stripped[: named.end(1)] + "，" + stripped[named.end() :]
    elif asked and qtype != "person":
        head = asked.group(1)
        stripped = stripped[: asked.start()] + "，" + stripped[asked.end() :]
    stripped = re.sub(_NAMING, "，", stripped)
    keywords = _keywords(stripped) or _keywords(question)  # a question that is all head (在什么单位工作) keeps its words
    return QuestionAnalysis(question, qtype, unit, keywords, head)


NAME_FLAGS = ("nr", "ns", "nz")
"""jieba POS flags of names: a name with 何 in it (何尊, 何荫棠, 萧何) is a keyword, not the question word 何."""
_HE_ASKS = re.compile(r"^何(?:原因|用途|意义|作用|目的|区别|不同|关系|影响|特点|含义|变化|好处|功能|用处|种|时|处|地|人|事|年)")
"""What jieba tags a name although it asks (因何原因, 有何用途: 何 as a surname)."""


def _keywords(text: str) -> list[str]:
    keywords: list[str] = []
    names = {w for w, flag in posseg(text) if flag.startswith(NAME_FLAGS) and not _HE_ASKS.match(w)} if "何" in text else set()
    for token in tokenize(_WH_PHRASE.sub("，", text)):
        if (_WH.search(token) and token not in names) or token in keywords:
            continue
        keywords.append(token)
    return keywords
