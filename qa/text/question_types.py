"""Question types: which kind of answer a Chinese question asks for, read from its question words.

Two rule lists, each first-match-wins: `answer_type` is what the reader looks for (simplified Chinese, as the
corpus is normalised); `gold_type` labels questions converted from SQuAD-format data sets for eval's per-type
figures (simplified and traditional forms, since DRCD is traditional). They were fitted separately and differ
on purpose: the reader's list has finer types (duration, quote, method) and the seed gold set's questions; the
gold list only the labels of `GOLD_TYPES`. Changing either changes answers or eval figures.
"""

from __future__ import annotations

import re

# Ordered: the first pattern that matches decides the answer type.
ANSWER_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("reason", re.compile(r"为什么|为何|为啥|什么原因|原因是|因为什么|何以|出于什么|怎么会|咋")),
    ("definition", re.compile(r"什么是|是什么意思|指的是什么|指什么|什么含义|是指什么|意思是")),
    ("date", re.compile(r"什么时候|何时|哪[一几]?年(?!代)|哪[一几]?天|几月|几号|几日|哪个月|什么时间|哪个时间|日期|哪一?时期|什么年代|哪个年代|什么时代|哪个时代|几点")),
    ("duration", re.compile(r"多久|多长时间|多少时间|几个小时|几天|几年(?!级)|多少天|多少年(?!代)|多少小时|多少分钟|用时")),
    ("number", re.compile(r"(?:面积|人口|人数|数量|规模|距离|长度|金额|费用|比例|占比|建成率|增幅|降幅)(?:是|有|为)?(?:多少|多大|呢|[？?]|$)|多少|(?<!哪)几[个名人起次家所辆条项支组场处位座户件万千百亿成]|多大|多高|多长|多远|比例|百分之|占比|几成|数量|人数|数字")),
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

GOLD_TYPES = (
    "number",
    "date",
    "person",
    "place",
    "organization",
    "entity",
    "reason",
    "definition",
    "list",
    "yesno",
    "unanswerable",
)
"""The type labels of the seed gold set (a gold file may use any other label)."""

# Question-word heuristic for the type of a converted question; first match wins.
# Character classes cover simplified and traditional forms (DRCD is traditional).
GOLD_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("yesno", re.compile(r"是否|是不是|有沒有|有没有|能不能|可不可以|[吗嗎][？?]?$")),
    ("reason", re.compile(r"(?<![算称稱成作叫])[为為][什甚][么麼]|[为為]何|原因|理由|因[为為][什甚][么麼]")),
    ("definition", re.compile(r"[什甚][么麼]意思|指的是|是指|指[什甚][么麼]|定[义義]|含[义義]|^[什甚][么麼]是")),
    ("date", re.compile(r"[什甚][么麼]?[时時]候|何[时時]|哪一?年|哪一?天|哪一?月|[几幾][月号號日]|[时時][间間]|年份|日期")),
    ("person", re.compile(r"[谁誰]|哪一?位|[什甚][么麼]人|哪[个個]人|哪些人|[创創]始人|作者是")),
    (
        "place",
        re.compile(
            r"哪[里裡裏儿兒]|何[处處]|[什甚][么麼]地[方区區]|哪[一个個座]?(?:国家|國家|城市|省|地[区區]|地方)|哪些地[区區]|位于|位於"
        ),
    ),
    (
        "organization",
        re.compile(r"哪[一个個家所]?(?:公司|大[学學]|机构|機構|[组組][织織]|球[队隊]|俱[乐樂]部|[学學]校|政党|政黨)|哪家|哪所"),
    ),
    ("number", re.compile(r"多少|[几幾]|多[大长長高重远遠久宽寬深厚]|[数數]量|面[积積]|人口")),
    ("list", re.compile(r"哪些")),
]


def first_match(rules: list[tuple[str, re.Pattern[str]]], question: str) -> str:
    """The type of the first rule whose pattern occurs in `question`; "entity" when none does."""
    return next((name for name, pattern in rules if pattern.search(question)), "entity")


def answer_type(question: str) -> str:
    """The answer type the reader looks for (see `ANSWER_TYPE_RULES`), `entity` when nothing more specific matches."""
    return first_match(ANSWER_TYPE_RULES, question)


def gold_type(question: str) -> str:
    """Gold label of a converted question from its question words (see `GOLD_TYPE_RULES`), else "entity"."""
    return first_match(GOLD_TYPE_RULES, question)
