"""Named things a turn can be about: stations and other organisations, people, places and programmes.

Two sources: the names found in the indexed articles (`Gazetteer`, built once per index), and what one jieba
pass tags in the text itself. Generic words that name something only with a prefix (公安派出所, 边境派出所,
全国公安机关) and ordinary dictionary words that jieba mistags as names (安全感, 治安) are never entities.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from embeddings.tokenize import posseg, word_freq
from qa.text.names import CHAIN_STOP, PERSON_FLAGS, looks_like_name

KINDS = ("organization", "person", "place", "programme")

_ORG_SUFFIX = re.compile(
    r"(?:派出所|公安局|公安厅|公安部|分局|公安处|总站|支队|大队|中队|总队|检查站|警务站|警务室|交警|特警|巡警|"
    r"工作室|调解室|服务队|巡逻队|直播间|中心|委员会|法院|检察院|医院|中学|小学|大学|学校|公司|司法所|政府|党委|机关)$"
)
"""How an organisation name ends; what precedes it must name something (莲前 in 莲前派出所)."""
_UNIT_END = re.compile(
    r"(?:自治区|省|市|县|区|旗|公安厅|公安局|分局|公安处|总站|支队|大队|中队|总队|派出所|警务站|警务室|交警|特警|巡警)"
)
"""Where one administrative unit of an organisation chain ends (福建省|厦门市|公安局|莲前派出所)."""
_STATION = re.compile(r"(?:(?<=[局处站队区县市省旗])|^)([^局处队区县市省旗\W\d]{2,6}?)派出所")
"""A station named right after the unit above it (…格尔木公安处沱沱河站派出所) or first in a text, which jieba
may split oddly (莲/前/派出所)."""
_PLACE_SUFFIX = re.compile(
    r"(?:自治区|省|市|县|区|镇|乡|村|岛|街道|社区|小区|口岸|景区|山口|山|河|湖|广场|商圈|"
    r"大桥|桥|隧道|机场|车站|公园|博物馆|图书馆|体育馆|纪念馆|陈列馆)$"
)
"""How a place or a named facility ends (满洲里口岸, 武汉长江第七大桥, 杭州图书馆)."""
_FACILITY = re.compile(r"(?:大桥|桥|隧道|机场|车站|公园|博物馆|图书馆|体育馆|纪念馆|陈列馆)$")
"""A named facility, which an article's title may be about (长江大桥建成通车)."""
_AREAS = {"辖区", "片区", "城区", "地区", "该区", "全区", "本区", "评论区", "核心区", "棚户区", "主城区", "景区", "社区", "小区"}
"""Area words that end like a place name but name none on their own."""
_GENERIC = {
    "公安", "地方", "全国", "基层", "城区", "边境", "各地", "各级", "市级", "县级", "省级", "城乡", "社区", "农村",
    "乡镇", "铁路", "刑侦", "高速", "交通", "交通管理", "管理", "边防", "出入境", "检查", "机关", "部门", "单位",
    "全市", "全省", "全县", "全区", "当地", "本地", "辖区", "上级", "异地", "时代", "新时代", "新型", "专职", "义务",
    "中国", "人民", "我国", "国家", "世界", "代表", "所在", "所属", "相关", "该", "本", "各", "其", "这", "那",
    "民警", "辅警", "警察", "警务", "志愿", "专业", "临时", "综合", "治安", "派出所", "首批", "第一批",
}
"""Words that never name a particular station, place or programme on their own."""
_NAMEISH = {"ns", "nt", "nz", "n", "j", "nr", "b", "ng", "nrt", "nrfg", "eng", "s", "f", "m"}
"""jieba tags a chain of name parts may have (第七 in 武汉长江第七大桥; not first: see `_chain_start`)."""
_QUOTED = re.compile(r"[“「『‘]([^“”「」『』‘’]{2,8})[”」』’]|《([^《》]{2,12})》")
_PUNCT = re.compile(r"[，。、；：！？,.;:!?\s…—]")
_POLITE_NAME = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff](?:女士|先生|大爷|大妈|奶奶|阿姨|警官))|老([\u4e00-\u9fff])(?=[，。、说的是在把和])")
"""陆女士, 韩奶奶, 老马: people named by surname and a form of address."""
_TITLE_NAME = re.compile(
    r"(?:所长|副所长|教导员|副教导员|民警|辅警|队长|局长|主任|书记|警长|护边员|记者|老人|大爷|奶奶|女士|先生)"
    r"([\u4e00-\u9fff]{2,3}?)(?=[，。、：；“”（）\s]|说|告诉|介绍|表示|带领|来到|正|仔细|一边|笑|和|与|是|在|把|向|对|已|最近|的|$)"
)
COMMON_WORD_FREQ = 50
"""A word that jieba's dictionary counts this often is an ordinary word, not a name (安全感 181, 智慧 1581)."""
BARE_PLACE = "?"
"""`Entity.name` of a word jieba alone tags as a place: kept in the gazetteer only when the corpus also uses it
inside a longer place or organisation name (满洲里 in 满洲里口岸), since jieba tags ordinary words so too (锦旗)."""


@dataclass(frozen=True)
class Entity:
    """A named thing: its text as written, its kind (one of KINDS) and the short name a rewrite uses."""

    text: str
    kind: str
    name: str = ""
    """The short form (莲前派出所 for 福建省厦门市公安局莲前派出所); `text` when empty."""

    @property
    def label(self) -> str:
        return self.name or self.text


Mention = tuple[int, int, Entity]
"""(start, end, entity) of a name in a text."""


@lru_cache(maxsize=8192)
def generic(core: str, counted: bool = True) -> bool:
    """Whether `core` (a name without its suffix) names nothing of its own: shorter than two characters, only
    generic words (公安, 边境, 全国地方), or, when `counted`, a count or date first (4个基层, 2017年枫桥; a quoted
    programme may start with one: “两队一室”)."""
    parts = [(w, f) for w, f in posseg(core) if w.strip()]
    if len(core) < 2 or not parts:
        return True
    if counted and (parts[0][1][0] in "mq" or any(ch.isdigit() for ch in core)):
        return True
    return all(w in _GENERIC or len(w) == 1 and w in "市县区省镇乡村所" for w, _f in parts)


def units(chain: str) -> list[str]:
    """The administrative units of an organisation chain, outermost first (福建省|厦门市|公安局|莲前派出所)."""
    out, start = [], 0
    for match in _UNIT_END.finditer(chain):
        if match.end() - start >= 2:
            out.append(chain[start : match.end()])
            start = match.end()
    if start < len(chain):
        out.append(chain[start:])
    return out


def short_name(chain: str) -> str:
    """The innermost units that name something of their own (…公安局莲前派出所 -> 莲前派出所;
    上海市公安局浦东分局刑侦支队 -> 浦东分局刑侦支队, since 刑侦支队 alone is generic)."""
    name = ""
    for part in reversed(units(chain)):
        name = part + name
        if not generic(_ORG_SUFFIX.sub("", part)):
            return name
    return chain


def org_names(chain: str) -> list[tuple[str, str]]:
    """(surface form, short name) pairs for an organisation chain: the chain, its short name and the short
    name's core (莲前派出所 -> 莲前); none when the short name is generic."""
    short = short_name(chain)
    core = _ORG_SUFFIX.sub("", short)
    if core == short or generic(core):
        return []
    out = [(chain, short)]
    if short != chain:
        out.append((short, short))
    if len(core) >= 2 and not _ORG_SUFFIX.search(core):
        out.append((core, short))
    return out


def _tokens(text: str) -> list[tuple[int, int, str, str]]:
    tokens, pos = [], 0
    for word, flag in posseg(text):
        tokens.append((pos, pos + len(word), word, flag))
        pos += len(word)
    return tokens


def _chain_start(tokens: list[tuple[int, int, str, str]], i: int, max_chars: int = 24) -> int:
    """Index of the first token of the run of name-like tokens ending at token `i`."""
    j = i
    while j > 0:
        ps, _pe, pword, pflag = tokens[j - 1]
        if pflag not in _NAMEISH or pword in CHAIN_STOP or tokens[i][1] - ps > max_chars:
            break
        j -= 1
    while j < i and tokens[j][3] in ("f", "m"):  # a chain does not start with a locative or a count (前, 4个)
        j += 1
    return j


def _person(name: str, anchored: bool) -> bool:
    """A personal name: a surname first; not an ordinary dictionary word unless a title anchors it (所长陈志昆)."""
    return looks_like_name(name) and (anchored or word_freq(name) == 0)


def scan(text: str) -> list[Mention]:
    """Every name one jieba pass finds in `text` (overlapping mentions included; see `resolve`): the tagged
    words first, then the written patterns (their order decides ties in `resolve`)."""
    return _tagged(text, _tokens(text)) + _patterned(text)


def _tagged(text: str, tokens: list[tuple[int, int, str, str]]) -> list[Mention]:
    """Organisation and place chains ending in a suffix word, jieba's place words and person names."""
    found: list[Mention] = []
    for i, (s, e, word, flag) in enumerate(tokens):
        if _ORG_SUFFIX.search(word) or flag == "nt":
            start = tokens[_chain_start(tokens, i)][0]
            chain = text[start:e]
            found += [(start, e, Entity(surface, "organization", short)) for surface, short in org_names(chain)[:1]]
        if _PLACE_SUFFIX.search(word) and (len(word) >= 2 or i > 0) and flag in _NAMEISH and word not in _AREAS:
            start = tokens[_chain_start(tokens, i)][0]
            name = text[start:e]
            if not generic(_PLACE_SUFFIX.sub("", name)) and len(name) <= 12:
                found.append((start, e, Entity(name, "place")))
        elif flag == "ns" and len(word) >= 2 and not generic(word):
            found.append((s, e, Entity(word, "place", BARE_PLACE)))
        if flag in PERSON_FLAGS and _person(word, anchored=False):
            found.append((s, e, Entity(word, "person")))
    return found


def _patterned(text: str) -> list[Mention]:
    """Stations named after their parent unit, polite and titled names, and quoted programme names."""
    found: list[Mention] = []
    for m in _STATION.finditer(text):
        for surface, short in org_names(m.group(0))[:1]:
            found.append((m.start(), m.end(), Entity(surface, "organization", short)))
    for m in _POLITE_NAME.finditer(text):
        name, surname = (m.group(1), m.group(1)[0]) if m.group(1) else (m.group(0), m.group(2))
        if looks_like_name(surname + "某"):
            found.append((m.start(), m.end(), Entity(name, "person")))
    for m in _TITLE_NAME.finditer(text):
        if _person(m.group(1), anchored=True):
            found.append((m.start(1), m.end(1), Entity(m.group(1), "person")))
    for m in _QUOTED.finditer(text):
        group = 1 if m.group(1) else 2
        name = m.group(group)
        if not _PUNCT.search(name) and word_freq(name) < COMMON_WORD_FREQ and not generic(name, counted=False):
            found.append((m.start(group), m.end(group), Entity(name, "programme")))
    return found


def resolve(found: Sequence[Mention]) -> list[Mention]:
    """The longest of overlapping mentions, in text order."""
    kept: list[Mention] = []
    for start, end, entity in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        if all(end <= s or e <= start for s, e, _ in kept):
            kept.append((start, end, entity))
    return sorted(kept, key=lambda f: f[0])


def innermost(found: Sequence[Mention]) -> list[Mention]:
    """Mentions without the parent units written just before an organisation (福建省厦门市公安局 in
    福建省厦门市公安局莲前派出所, when jieba splits the chain)."""
    org_starts = {s for s, _e, entity in found if entity.kind == "organization"}
    return [m for m in found if not (m[2].kind in ("organization", "place") and m[1] in org_starts)]


@dataclass
class Gazetteer:
    """Names found in a corpus (surface form -> entity) and what each article is about."""

    names: dict[str, Entity] = field(default_factory=dict)
    subjects: dict[str, list[Entity]] = field(default_factory=dict)
    """doc_id -> the organisations, people and programmes its title names, else the organisation or person its
    text names most often."""
    _pattern: re.Pattern[str] | None = None

    def add(self, entity: Entity) -> None:
        if len(entity.text) >= 2 and entity.text not in self.names:
            self.names[entity.text] = entity
            self._pattern = None

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping known names in `text`, longest match first."""
        if not self.names:
            return []
        pattern = self._pattern
        if pattern is None:
            with self._lock:  # a lazy gazetteer may be learning in another conversation's thread
                ordered = sorted(self.names, key=lambda s: (-len(s), s))
                pattern = self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
        return [(m.start(), m.end(), self.names[m.group()]) for m in pattern.finditer(text)]

    documents: Mapping[str, object] | None = field(default=None, repr=False, compare=False)
    """Set on a lazy gazetteer (a corpus over `EAGER_DOCUMENTS`): the documents it learns from on demand."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    """Serialises a lazy gazetteer's learning with the building of its pattern (conversations share it)."""

    def subjects_of(self, doc_id: str | None) -> list[Entity]:
        """What article `doc_id` is about; a lazy gazetteer reads the article (and learns its names) first."""
        if not doc_id:
            return []
        if doc_id not in self.subjects and self.documents is not None and doc_id in self.documents:
            with self._lock:
                if doc_id not in self.subjects:
                    self.learn(self.documents[doc_id])
        return self.subjects.get(doc_id, [])

    def learn(self, doc: object, bare_places: set[str] | None = None) -> None:
        """Add the names of one document and what it is about (see `from_documents`); `bare_places` collects
        its frequent words tagged as places for the caller to settle, else they are settled against the names
        known so far."""
        text: str = getattr(doc, "text", "")
        places: set[str] = set() if bare_places is None else bare_places
        counts: Counter[Entity] = Counter()
        for _s, _e, entity in scan(text):
            if entity.kind == "organization":
                for surface, short in org_names(entity.text):
                    self.add(Entity(surface, "organization", short))
                counts[Entity(entity.label, "organization")] += 1
            elif entity.name == BARE_PLACE:
                places.add(entity.text)
            else:
                self.add(entity)
                if entity.kind == "person":
                    counts[entity] += 1
        title: str = getattr(doc, "title", "")
        own = [e for _s, _e, e in innermost(resolve(scan(title))) if e.kind != "place" or _FACILITY.search(e.text)]
        if not own and counts:
            own = [counts.most_common(1)[0][0]]
        self.subjects[getattr(doc, "doc_id", "")] = [Entity(e.label, e.kind) for e in own]
        if bare_places is None:
            self._settle(places)

    def _settle(self, bare_places: set[str]) -> None:
        longer = [name for name in self.names if len(name) > 2]
        for word in sorted(bare_places):
            if any(word in name and word != name for name in longer):
                self.add(Entity(word, "place"))

    @classmethod
    def from_documents(cls, documents: Iterable[object]) -> Gazetteer:
        """Collect the organisations (with their short names and cores), people, places and quoted programme
        names of every document. A frequent dictionary word tagged as a place counts only when the corpus also
        uses it inside a longer place name (上海 in 上海市), not 东西 or 城市."""
        gazetteer = cls()
        bare_places: set[str] = set()
        for doc in documents:
            gazetteer.learn(doc, bare_places)
        gazetteer._settle(bare_places)
        return gazetteer


def mentions(text: str, gazetteer: Gazetteer | None = None) -> list[Entity]:
    """The entities named in `text` (the corpus's names and jieba's), in text order, overlaps resolved to the
    longest; organisation chains carry their short name."""
    known = gazetteer.find(text) if gazetteer is not None else []
    tagged = [
        (s, e, Entity(x.text, x.kind) if x.name == BARE_PLACE else x)
        for s, e, x in scan(text)
        if x.name != BARE_PLACE or word_freq(x.text) < COMMON_WORD_FREQ
    ]
    out: list[Entity] = []
    for _start, _end, entity in resolve(known + tagged):
        if entity not in out:
            out.append(entity)
    return out


_CACHE: dict[int, tuple[weakref.ref[object], Gazetteer]] = {}
_CACHE_LOCK = threading.Lock()


EAGER_DOCUMENTS = 5_000
"""Up to this many documents the gazetteer reads the whole corpus on first use (the seed corpus: 29 documents,
well under a second); a larger index gets a lazy one that reads each article when a conversation first lands on
it, so a 1M-chunk index does not spend minutes in jieba before its first chat turn. A lazy gazetteer knows the
names of the articles read so far; jieba's own tags still name people, places and organisations elsewhere."""


def gazetteer_for(index: object) -> Gazetteer:
    """The gazetteer of a loaded index (built on first use, then shared by every conversation over it; lazy for
    an index of more than `EAGER_DOCUMENTS` documents)."""
    with _CACHE_LOCK:
        for key in [k for k, (ref, _g) in _CACHE.items() if ref() is None]:
            del _CACHE[key]
        cached = _CACHE.get(id(index))
        if cached is not None and cached[0]() is index:
            return cached[1]
        documents = getattr(index, "documents", [])
        if len(documents) > EAGER_DOCUMENTS:
            gazetteer = Gazetteer(documents=getattr(index, "doc_by_id", {}))
        else:
            gazetteer = Gazetteer.from_documents(documents)
        _CACHE[id(index)] = (weakref.ref(index), gazetteer)
        return gazetteer


_TIME_LEAD = re.compile(r"^(?:今年|去年|明年|当年|近年|[0-9]{4}年|[0-9]{1,2}月份?|以来|来)+")
"""Time words a subject may start with (今年安各庄派出所): not part of the name an article gives."""


def named_in(subject: str, text: str) -> bool:
    """Whether `text` names `subject`, leading time words aside (今年安各庄派出所 -> 安各庄派出所)."""
    core = _TIME_LEAD.sub("", subject) or subject
    return core in text
