"""Typed answer candidates inside a sentence: numbers, dates, names, places, organisations, quotes."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from embeddings.tokenize import posseg
from qa.text.names import CHAIN_STOP, PERSON_FLAGS, looks_like_name

_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
_MEASURE = (
    "万元|亿元|千元|余元|元|人次|余人|多人|公里|千米|平方公里|平方米|米|小时|分钟|个月|周年|年|天|日|秒|岁|倍|"
    "个|人|名|起|件|次|家|所|辆|条|项|支|组|场|处|位|座|户|间|台|只|套|份|张|批|轮|期|类|种|部|路|级|届|层|趟|"
    "余个|余名|余起|余件|余次|余家|余所|余年|余天|余路"
)
_NUMBER = re.compile(
    rf"(?:约|近|超过|逾|超)?(?:\d+(?:[.,]\d+)*|[{_CN_NUM}]{{1,6}})(?:多|余)?(?:万|亿|千|百)?(?:多|余)?"
    rf"(?:%|‰|(?:{_MEASURE}))?"
)
_DATE = re.compile(
    r"(?:\d{4}年(?:\d{1,2}(?:[—-]\d{1,2})?月(?:\d{1,2}日)?(?:上午|下午|晚上|夜|凌晨|清晨)?)?"
    r"|\d{1,2}月\d{1,2}日(?:上午|下午|晚上|夜|凌晨|清晨)?(?:\d{1,2}点(?:\d{1,2}分|半)?)?"
    r"|\d{1,2}(?:[—-]\d{1,2})?月(?:份|底|初|中旬|上旬|下旬)?"
    r"|(?:\d{2}世纪)?\d{2,4}年代(?:初|末|中期|以来)?"
    r"|(?:今年|去年|前年|明年)(?:\d{1,2}月(?:\d{1,2}日)?|以来)?"
    r"|(?:上午|下午|晚上|凌晨|清晨)?\d{1,2}点(?:\d{1,2}分|半)?"
    r"|(?:春节|元旦|国庆|五一|“五一”|中秋|端午)(?:期间|前后|小长假)?"
    r"|近年来|近几年|十年间|十年来)"
)
_DURATION = re.compile(
    rf"(?:近|约|不到|超过)?(?:\d+(?:\.\d+)?|[{_CN_NUM}半]{{1,4}})(?:多|余)?"
    r"(?:个)?(?:小时|分钟|秒|天|日|周|星期|个月|月|年)(?:多|余)?(?:的时间)?"
)
_PLACE_END = re.compile(r"(?:省|自治区|市|县|区|镇|乡|村|街道|社区|小区|广场|边境线|口岸|大街|路口|商圈|景区|山|河|湖)$")
_ORG_END = re.compile(
    r"(?:派出所|公安局|公安厅|公安部|分局|公安处|大队|支队|中队|总队|检查站|总站|警务室|警务站|中心|委员会|"
    r"办公室|法院|检察院|医院|学校|中学|小学|大学|公司|集团|报社|日报|司法所|政府|党委|机关|管理局)$"
)
_NAMEISH = {"ns", "nt", "nz", "n", "j", "nr", "b", "ng", "nrt", "nrfg", "an", "f"}
_NEVER_NAMES = {"辖区", "片区", "全市", "全省", "全县", "全区", "该区", "本市"}
_GENERIC_NOUNS = {"地区", "城区", "社区", "小区", "中心", "机关"}
"""Suffix words that name something only with a prefix (北苑小区, not 小区)."""
_CHAIN_STOP = set(CHAIN_STOP)
_QUOTE = re.compile(r"“[^“”]{1,30}”|《[^《》]{1,30}》|「[^「」]{1,30}」|『[^『』]{1,30}』|‘[^‘’]{1,30}’")
_TITLE_NAME = re.compile(
    r"(?:所长|副所长|教导员|民警|辅警|队长|大队长|中队长|支队长|局长|主任|书记|警长|社区民警|记者|老人|村民|群众|居民|"
    r"先生|女士|同志)([\u4e00-\u9fff]{2,3}?)(?=[，。、：；“”（）\s]|说|告诉|介绍|表示|带领|坦言|笑|和|与|是|在|把|向|对|正|已|今年|$)"
)


@dataclass(frozen=True)
class Span:
    """A candidate answer `text[start:end]` of a given kind."""

    start: int
    end: int
    kind: str


def _regex(pattern: re.Pattern[str], text: str, start: int, end: int, kind: str) -> list[Span]:
    return [Span(m.start(), m.end(), kind) for m in pattern.finditer(text, start, end) if m.end() > m.start()]


def numbers(text: str, start: int, end: int) -> list[Span]:
    """Quantities with their units and qualifiers (4万余个, 57万余人, 99.3%), excluding calendar dates."""
    dates = dates_in(text, start, end)
    out = []
    for m in _NUMBER.finditer(text, start, end):
        s, e = m.span()
        body = m.group()
        if not any(ch.isdigit() for ch in body) and len(body.strip("约近超过逾达共仅")) < 2:
            continue
        if not any(ch.isdigit() or ch in "十百千万亿两" for ch in body) and not re.search(_MEASURE, body):
            continue
        if any(d.start <= s and e <= d.end for d in dates):
            continue
        if s > 0 and text[s - 1] in "图第表" and not body.startswith(("约", "近", "超", "逾")):
            continue  # 图2, 第3: labels and ordinals, not quantities
        out.append(Span(s, e, "number"))
    return out


def dates_in(text: str, start: int, end: int) -> list[Span]:
    """Dates, months, decades and named holidays."""
    return _regex(_DATE, text, start, end, "date")


def durations(text: str, start: int, end: int) -> list[Span]:
    """Lengths of time (20分钟, 46天, 70余年), not calendar dates."""
    dates = dates_in(text, start, end)
    return [
        sp for sp in _regex(_DURATION, text, start, end, "duration")
        if not any(d.start < sp.end and sp.start < d.end for d in dates)
    ]


def quotes(text: str, start: int, end: int) -> list[Span]:
    """Quoted names and titles, quotes included."""
    return _regex(_QUOTE, text, start, end, "quote")


def _chains(text: str, start: int, end: int, suffix: re.Pattern[str], kind: str, max_chars: int = 24) -> list[Span]:
    """Runs of name-like jieba words ending in a word with the given suffix (吉林省舒兰市公安局金马派出所)."""
    tokens: list[tuple[int, int, str]] = []
    pos = start
    for word, flag in posseg(text[start:end]):
        tokens.append((pos, pos + len(word), flag))
        pos += len(word)
    spans = []
    for i, (s, e, _flag) in enumerate(tokens):
        if not suffix.search(text[s:e]) or text[s:e] in _NEVER_NAMES:
            continue
        j = i
        while j > 0:
            ps, pe, pflag = tokens[j - 1]
            if pflag not in _NAMEISH or text[ps:pe] in _CHAIN_STOP or e - ps > max_chars:
                break
            j -= 1
        if j == i and text[s:e] in _GENERIC_NOUNS:
            continue
        spans.append(Span(tokens[j][0], e, kind))
    return spans


def organizations(text: str, start: int, end: int) -> list[Span]:
    """Organisation names ending in 派出所, 公安局, 大队 …, plus jieba `nt` words."""
    return _chains(text, start, end, _ORG_END, "organization") + _pos_spans(text, start, end, {"nt"}, "organization")


def places(text: str, start: int, end: int) -> list[Span]:
    """Place names ending in 省, 市, 县 …, plus jieba `ns` words."""
    return _chains(text, start, end, _PLACE_END, "place") + _pos_spans(text, start, end, {"ns"}, "place")


def persons(text: str, start: int, end: int) -> list[Span]:
    """Personal names: names after titles (所长雷玉清) and jieba `nr` words that start with a surname."""
    spans = [Span(m.start(1), m.end(1), "person") for m in _TITLE_NAME.finditer(text, start, end)]
    spans += _pos_spans(text, start, end, PERSON_FLAGS, "person", join=True)
    places = {(p.start, p.end) for p in _pos_spans(text, start, end, {"ns"}, "place")}
    return [s for s in spans if looks_like_name(text[s.start : s.end]) and (s.start, s.end) not in places]


def _pos_spans(text: str, start: int, end: int, flags: AbstractSet[str], kind: str, join: bool = False) -> list[Span]:
    spans: list[Span] = []
    pos = start
    for word, flag in posseg(text[start:end]):
        s, e = pos, pos + len(word)
        pos = e
        if flag not in flags or len(word) < 2 and not join:
            continue
        if join and spans and spans[-1].end == s:
            spans[-1] = Span(spans[-1].start, e, kind)
        else:
            spans.append(Span(s, e, kind))
    return [sp for sp in spans if sp.end - sp.start >= 2]


def headed(text: str, start: int, end: int, head: str) -> list[Span]:
    """Names ending in the asked-for head noun (红袖章义务巡防队, “苏阿姨调解室”)."""
    spans = _chains(text, start, end, re.compile(re.escape(head) + "$"), "entity")
    for m in re.finditer(r"“[^“”]{1,30}" + re.escape(head) + "”", text[start:end]):
        spans.append(Span(start + m.start(), start + m.end(), "entity"))
    return spans


EXTRACTORS = {
    "number": numbers,
    "date": dates_in,
    "duration": durations,
    "quote": quotes,
    "organization": organizations,
    "place": places,
    "person": persons,
}
