"""Answer-type checking: whether a candidate span has the shape the question asks for.

The transformer reader's span scores know the passage but not the kind of answer; a span that cannot be the
answer (莲前派出所的面积 answered 大、人口多, 副所长是谁 answered with three names) loses the policy's
`type_penalty`, so that the best-scoring span of the right shape wins among each window's top spans (and, with
`misfit_gate`, the reader abstains when even the best one lacks it). The
checks are deliberately loose (a span that fails them is unlikely, not impossible, to be right) and use only
the question's parsed type, head noun and wording (and, for a person, jieba's POS tags). `complete_unit` extends
a span that stops one character short of the unit the question asks in (2012 -> 2012年).
"""

from __future__ import annotations

import re

from embeddings.tokenize import posseg, words
from qa.reader.question import QuestionAnalysis

NUMERAL = re.compile(r"[0-9０-９一二三四五六七八九十百千万亿两零〇半几]")
_CLAUSE_BREAK = re.compile(r"[、，；;。！？!?\n]|(?<![0-9])[,:：]|[,:：](?![0-9])")
"""Punctuation between clauses or list items; a comma or colon between digits (1,000 / 3:2) is not one."""
_NAME_BREAK = re.compile(r"[、，,；;：:。！？!?\n“”\"《》（）()]")
_QUOTES = "“”\"‘’《》「」『』"
_DATE_END = re.compile(r"(?:[0-9０-９一二三四五六七八九十〇零年月日号时分秒初末底代前后间旬朝期季节夜晚晨多许]|世纪|上午|下午|中午|左右)$")
"""How a date or time ends (2022年6月, 战国时期, 5点多, 10时许)."""
_ERA = re.compile(r"[朝代纪期季节春夏秋冬夜晚晨旬]|时候|时代|年间|当年|今年|去年|明年|前夕|以来")
"""Time words a date may be given in without a numeral (唐朝, 战国时期, 秋季, 当年)."""
_ASKS_DAY = re.compile(r"哪一?天|哪一?日|哪几天|几号|几日|几月几")
_HAS_DAY = re.compile(r"[日号]|[0-9０-９]{1,2}[\-/.][0-9０-９]{1,2}")
MAX_UNIT_CHARS = 4
"""A count's unit and head after its last numeral (15万多人口, 零下30摄氏度); more is a clause, not a count."""
GENERIC_HEADS = frozenset({
    "单位", "部门", "机构", "组织", "机关", "企业", "学校", "地方", "地区", "地点", "位置", "方位", "方向", "城市",
    "国家", "省份", "时候", "时间",
})
"""Head nouns an answer seldom ends with (在哪个单位 -> 襄州区分局刑侦大队; 哪个城市 -> 满洲里): not checked."""
PEOPLE = frozenset("人名位")
UNIT_GROUPS = (PEOPLE, frozenset("元"), frozenset("米里"))
"""Measure words that stand for one another in an answer (多少名民警 -> 57万余人); a count asked in one of them
misfits a span with none of its group (多少人 -> 16平方公里). Other measure words are not checked (多少个 is
answered in any classifier)."""
OTHER_COUNTS = ("人次",)
"""Units holding a group's measure word that count something else (1800万人次 are visits, not people): they
answer a count asked in that group only when the question says them too (多少人次)."""
POPULATION = "人口"
"""Asked with no measure word (多少人口, 常住人口有多少), a population is given in 人/名/位 or bare (1.4万), never in
another unit (16平方公里, 3个繁华商圈)."""
_APPROX = "多余左右约近"
"""Words around a count that are not its unit (15万多, 3万左右)."""
COUNTED = frozenset({"number", "duration"})
_CHANGE = r"(?:上升|增长|增加|提高|提升|下降|降低|减少|跃升|攀升|回落)(?:至|到|为)|[增升降减跌涨]至|变为|变成"
_JOINED_COUNT = re.compile(
    NUMERAL.pattern + r"[^0-9０-９]{1,4}?(?:外加|以及|再加|加上|[加和及与跟另]|" + _CHANGE + r")了?[0-9０-９一二三四五六七八九十两几]"
)
"""Two counts joined by a conjunction (7个车站加1个隧道) or a change (87.55%上升至2021年的98.62%): the answer is one of
them, unless the question asks for more than one thing or for the change (`_ASKS_SEVERAL`: 体长和翼展分别是多少 ->
约70cm及137cm). A range (50至53枚) is one answer."""
_ASKS_SEVERAL = re.compile(r"分别|各|[和及与加跟]|变化|从")
_TIME_UNIT = re.compile(r"^[多余]?(?:年|个月|月|天|日|小时|分钟|周|星期)")
_TIME_ASKED = re.compile(r"(?:多少|几)个?(?:年|月|天|日|小时|分钟|周|星期)")
_RATIO_ASKED = re.compile(r"百分|率|比例|比重|占比|%|％|成")
"""A count asked in a measure word (多少场, 几所) is not a stretch of time (23年来) unless the question names a time
unit after its wh-word (多少个小时), nor a percentage (18.1%) unless it asks for a share."""
CLASSIFIERS = frozenset("个座所家条项支组场处户件辆起次")
_MEASURE = re.compile(
    r"^[多余约近]?((?:平方|立方)?(?:厘|毫|微|纳|英|海|美|港|日|欧|人民币)?(?:米|公里|里|公顷|亩|元|吨|公斤|克|斤|升|度|瓦|伏|尺|寸|磅|盎司|镑|卡|焦|帕|赫))"
)
"""A count asked in a classifier (多少个车站) is not a measurement (582千米 -> 米 after the numerals) unless the
question names that unit too; no CMRC/DRCD gold answer of the 265 asked in a classifier is one."""
ONE_LINE = frozenset({"number", "duration", "date", "person", "organization", "place"})
"""Answer types whose answer never runs over a line break (a headline and its dateline): no CMRC/DRCD gold answer of
the 6,955 to such questions does."""
_ASKS_AGE = re.compile(r"岁数|年纪|几岁|多少岁|多大年龄|多大了")
"""An age (多大岁数) is given in 岁 or as a bare number, not as a year (2008年): all 13 CMRC/DRCD gold answers are."""
RUN_ON_FLAGS = frozenset({"i", "l", "v", "vd", "d", "p", "c"})
"""jieba POS flags of words that run a name on into its sentence (陈志昆如数家珍: idiom, verb, adverb, preposition,
conjunction)."""


OFFICES = (
    "所长", "局长", "队长", "书记", "主任", "经理", "总统", "主席", "教练", "校长", "市长", "省长", "县长", "村长",
    "总理", "部长", "院长", "社长", "会长", "董事长", "总裁", "教导员", "政委", "站长",
)
_ASKED_OFFICE = re.compile(
    "(" + "|".join(OFFICES) + r")(?:的名字)?(?:是谁|叫什么|是哪位|是何人|为谁|由谁(?=担任|出任|兼任|来担任|[？?]|$))"
)
"""由谁 asks for the office holder only when the office is held (总理由谁担任), not when something is done to it
(总理由谁任命 asks who appoints)."""
OFFICE_REACH = 40
"""A person asked by office (所长是谁) is named within this many characters of the office: all 35 CMRC/DRCD gold
answers to such questions are."""
DEPUTY = "副"
"""Before an office it names the deputy (副所长): a question for the office needs a mention without it, a question for
the deputy (副所长是谁) one with it; all CMRC/DRCD gold answers asked for by office have the mention they need."""


def unfit(question: QuestionAnalysis, article: str, start: int, end: int) -> bool:
    """Whether the span `article[start:end]` cannot answer `question`: it `misfits`, or it is a person asked by
    office (所长是谁) with no mention of that office within OFFICE_REACH characters (驻社区民警王银); the deputy's
    title (副所长) is the mention a question for the deputy (副所长是谁) needs and does not count for the office."""
    return misfits(question, article[start:end]) or _lacks_office(question, article, start, end)


def _lacks_office(question: QuestionAnalysis, article: str, start: int, end: int) -> bool:
    asked = _ASKED_OFFICE.search(question.text) if question.qtype == "person" else None
    if asked is None:
        return False
    office = asked.group(1)
    asks_deputy = question.text[max(0, asked.start() - len(DEPUTY)) : asked.start()] == DEPUTY
    lo = max(0, start - OFFICE_REACH)
    mentions = (lo + m.start() for m in re.finditer(re.escape(office), article[lo : end + OFFICE_REACH]))
    return not any((article[max(0, at - len(DEPUTY)) : at] == DEPUTY) == asks_deputy for at in mentions)


def misfits(question: QuestionAnalysis, text: str) -> bool:
    """Whether `text` does not have the shape of an answer to `question` (see the module docstring)."""
    kind = question.qtype
    if kind in ONE_LINE and "\n" in text.strip():
        return True
    if kind in COUNTED or kind == "date":
        return _misfits_numeric(question, text)
    if kind == "person":
        return _NAME_BREAK.search(text) is not None or _runs_past_name(text)
    if kind in ("organization", "place"):
        return _misfits_named(question.head, text)
    return False


def _misfits_numeric(question: QuestionAnalysis, text: str) -> bool:
    numerals = list(NUMERAL.finditer(text))
    if question.qtype == "date":
        return _misfits_date(question, text, bool(numerals))
    if not numerals:
        return True
    if _CLAUSE_BREAK.search(text) is not None or len(text) - numerals[-1].end() > MAX_UNIT_CHARS:
        return True
    if _ASKS_AGE.search(question.text) and "岁" not in text and text[numerals[-1].end() :].strip(_APPROX):
        return True
    if _JOINED_COUNT.search(text) is not None and _ASKS_SEVERAL.search(question.text) is None:
        return True
    if question.unit and question.qtype == "number" and _misfits_unit(question, text[numerals[-1].end() :]):
        return True
    group = next((g for g in UNIT_GROUPS if question.unit and question.unit[-1] in g), None)
    if group is None:
        if question.unit is None and POPULATION in question.text:
            unit = text[numerals[-1].end() :].strip(_APPROX)
            return bool(unit) and not any(ch in PEOPLE for ch in unit)
        return False
    counted = text[numerals[0].start() :]
    for other in OTHER_COUNTS:
        if other not in question.text:
            counted = counted.replace(other, "")
    return not any(ch in group for ch in counted)


def _misfits_date(question: QuestionAnalysis, text: str, has_numeral: bool) -> bool:
    if not has_numeral:
        return _ERA.search(text) is None
    core = text.strip(_QUOTES)
    if _DATE_END.search(core) is None:
        return True
    return _ASKS_DAY.search(question.text) is not None and _HAS_DAY.search(core) is None


def _misfits_unit(question: QuestionAnalysis, unit: str) -> bool:
    """A count asked in a measure word given as a stretch of time, a percentage the question does not ask for, or
    (asked in a classifier) a measurement in a unit the question does not name."""
    asked = question.text
    if _TIME_UNIT.match(unit) is not None and _TIME_ASKED.search(asked) is None:
        return True
    if unit.startswith(("%", "％")) and _RATIO_ASKED.search(asked) is None:
        return True
    measure = _MEASURE.match(unit) if question.unit and question.unit[-1] in CLASSIFIERS else None
    return measure is not None and measure.group(1) not in asked


def _runs_past_name(text: str) -> bool:
    """A person answer that goes on past its last name (2+ characters, tagged nr*) into a verb, idiom or function
    word of 2+ characters (陈志昆如数家珍): the name, not the clause, is the answer."""
    tagged = posseg(text)
    last = max((i for i, (w, flag) in enumerate(tagged) if flag.startswith("nr") and len(w) >= 2), default=None)
    if last is None:
        return False
    return any(len(w) >= 2 and flag in RUN_ON_FLAGS for w, flag in tagged[last + 1 :])


def _misfits_named(head: str | None, text: str) -> bool:
    """A station, unit or place is one phrase; when the question names its head noun (哪个分局), it ends so.

    The head is the question's first word after 哪个/什么 (哪个单位工作 -> 单位)."""
    if _CLAUSE_BREAK.search(text.replace("、", "")) is not None:
        return True
    if not head:
        return False
    noun = next((w for w in words(head) if w.strip()), head)
    if len(noun) < 2 or noun in GENERIC_HEADS:
        return False
    return not text.strip(_QUOTES).endswith(noun[-1])


_DATE_UNITS = "年月日号"
_ENDS_ON_DIGIT = re.compile(r"[0-9０-９]$")


def complete_unit(question: QuestionAnalysis, text: str, start: int, end: int) -> int:
    """`end`, or one character on when the span `text[start:end]` stops on a digit right before the unit the question
    asks in (哪一年 -> 2012 + 年, 多少名 -> 57 + 名): the reader's span often ends one token short of it."""
    if end >= len(text) or end <= start or _ENDS_ON_DIGIT.search(text[start:end]) is None:
        return end
    unit = text[end]
    if question.qtype == "date":
        return end + 1 if unit in _DATE_UNITS else end
    if question.qtype in COUNTED and question.unit and unit == question.unit[-1]:
        return end + 1
    return end
