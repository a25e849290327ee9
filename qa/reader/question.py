"""Question analysis: what kind of answer is asked for, and which words must match."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from embeddings.tokenize import tokenize

# Ordered: the first pattern that matches decides the answer type.
_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("reason", re.compile(r"为什么|为何|为啥|什么原因|原因是|因为什么|何以|出于什么|怎么会|咋")),
    ("definition", re.compile(r"什么是|是什么意思|指的是什么|指什么|什么含义|是指什么|意思是")),
    ("date", re.compile(r"什么时候|何时|哪一?年(?!代)|哪一?天|几月|几号|几日|哪个月|什么时间|哪个时间|日期|哪一?时期|什么年代|哪个年代|几点")),
    ("duration", re.compile(r"多久|多长时间|多少时间|几个小时|几天|几年(?!级)|多少天|多少年(?!代)|多少小时|多少分钟|用时")),
    ("number", re.compile(r"(?:面积|人口|人数|数量|规模|距离|长度|金额|费用|比例|占比|建成率|增幅|降幅)(?:是|有|为)?(?:多少|多大|呢|[？?]|$)|多少|几[个名人起次家所辆条项支组场处位座户件万千百亿成]|多大|多高|多长|多远|比例|百分之|占比|几成|数量|人数|数字")),
    ("person", re.compile(
        r"谁|哪位|哪一位|什么人(?!员)|姓名|哪名|"
        r"(?:所长|局长|队长|教导员|民警|辅警|警察|警官|干部|记者|老人|男孩|女孩|孩子|夫妻|大爷|大妈|阿姨|先生|女士|员|者|人)"
        r"(?:的名字)?(?:叫什么|是什么名字|叫啥)"
    )),
    ("organization", re.compile(r"哪个(?:单位|部门|机构|派出所|公安局|分局|大队|支队|中队|组织|机关|学校|医院|企业|队|警务站|警务室)|哪家|什么(?:单位|部门|机构|组织)|哪支")),
    ("place", re.compile(r"哪里|哪儿|什么地方|哪个(?:省|市|县|区|镇|乡|村|地方|城市|地区|国家|小区|社区|车站|站)|在哪|何地|何处|什么地点|哪座|哪条")),
    ("quote", re.compile(r"叫什么|称为|被称作|称作|什么(?:称号|荣誉|经验|模式|机制|活动|口号|名称|品牌|平台|队伍|理念|工作法|名字|主题|行动|称呼)|名为|美誉|誉为|被称|称赞为|昵称")),
    ("list", re.compile(r"哪些|哪几|包括什么|有什么(?=措施|举措|方面|内容|职能|工作)|哪几种")),
    ("method", re.compile(r"怎么|怎样|如何|通过什么|采取了?什么|做了什么|用什么方法|什么方式|什么办法|什么措施|什么作用")),
    ("yesno", re.compile(r"[吗嘛][？?]?$|是否|是不是|有没有|能否|可不可以")),
]
_UNIT = re.compile(r"(?:多少|几)(万|亿|千|百)?([个名人起次家所辆条项支组场处位座户件元倍年天月岁米里](?!口)|公里|千米|小时|分钟|人次|余)?")
_WH = re.compile(r"[哪谁几怎何吗呢]|什么|多少")
# Wh-phrases and the measure word glued to them are removed before keywords are taken (多少年 -> no 年).
_WH_PHRASE = re.compile(
    r"(?:多少|几|哪一?|什么)(?:[个名人起次家所辆条项支组场处位座户件元倍年天月岁号日点种些批路]|小时|分钟|人次|时候|时间)?"
)
# 哪个派出所 / 什么队伍 / 叫什么: the head noun the answer ends with.
_ASKED_HEAD = re.compile(r"(?:哪个|哪一个|哪家|哪座|哪所|哪支|哪条|什么)([\u4e00-\u9fff]{1,4}?)(?=[？?，。的是在有]|$)")
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


def classify(question: str) -> str:
    """The expected answer type (see `_TYPE_PATTERNS`), `entity` when nothing more specific matches."""
    for qtype, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return qtype
    return "entity"


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
    keywords = []
    for token in tokenize(_WH_PHRASE.sub("，", stripped)):
        if _WH.search(token) or token in keywords:
            continue
        keywords.append(token)
    return QuestionAnalysis(question, qtype, unit, keywords, head)
