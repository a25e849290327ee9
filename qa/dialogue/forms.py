"""The shape of a turn: which word refers back (它, 他, 该所, 这里 …), whether it is elliptical (`那…呢？`), and
what attribute a bare `X呢？` asks about. Read from jieba's tokens, so 其他, 尤其 and 应该 are not pronouns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from embeddings.tokenize import posseg
from qa.reader.question import analyse
from qa.text.punctuation import strip_end

PERSON_PRONOUNS = {"他", "她", "他们", "她们", "那他", "那她"}
THING_PRONOUNS = {"它", "它们", "那它", "其", "该所", "这里", "那里", "这儿", "那儿", "此地", "该地", "该村", "该局", "该队"}
_THAT_UNIT = re.compile(r"^(?:该|这|那|此)(?:个|所|局|队|大队|中队|支队|站|村|地|中心|直播间|单位|部门|机构|派出所|公司)$")
"""该所, 该大队, 这个派出所: a demonstrative with the kind of thing it points at (a strong reference)."""
_DEMONSTRATIVE = re.compile(
    r"^(?:这|那|此|该)(?:种|些|位|名|家|天|次|辆|条|项|支|座|件|起|段|两家|两人|辆车|一次|时)|^其中$|^此次$|^这|^那(?!么)"
)
"""这种, 那天, 那些, 那辆车, 其中, 此次: points back too, but a turn that names its own subject wins."""
_UNIT_AFTER_THAT = {"所", "局", "队", "大队", "中队", "支队", "站", "村", "中心", "派出所", "直播间"}
_LEAD = re.compile(r"^(?:那么|那(?![个种些位名家天次辆条项支座件起段两里儿])|还有|另外|再问一下|再问|请问)[，,、\s]*")
_ATTRIBUTE = re.compile(r"^(?:(?:他|她|它|其)(?:们)?的?)?(.+?)(?:的)?呢$")
SHORT_KEYWORDS = 3
"""A turn with no subject of its own and at most this many content keywords is taken as a follow-up."""


@dataclass(frozen=True)
class TurnForm:
    """What a turn's words say about its dependence on earlier turns."""

    text: str
    pronoun: str | None = None
    """The referring word as written (它, 他, 该所, 那它), to be replaced by the subject."""
    pronoun_kind: str | None = None
    """"person" (他, 她) or "thing" (它, 该所, 这里)."""
    demonstrative: str | None = None
    """A weaker pointer (这种, 那天, 其中, 此次)."""
    ellipsis: bool = False
    """Starts with 那/那么/还有 or ends with 呢: leans on the previous question."""
    attribute: str | None = None
    """For `（那）X呢？`: X (面积, 常住人口, 副所长, 2021年)."""
    keywords: tuple[str, ...] = ()
    """Content keywords without the referring words."""

    @property
    def refers_back(self) -> bool:
        """Whether the words themselves need an antecedent (pronoun, demonstrative or ellipsis)."""
        return bool(self.pronoun or self.demonstrative or self.ellipsis)

    @property
    def short(self) -> bool:
        return len(self.keywords) <= SHORT_KEYWORDS


def read_form(text: str) -> TurnForm:
    """The form of one turn (see `TurnForm`)."""
    question = text.strip()
    body = strip_end(question)
    tokens = [(w, f) for w, f in posseg(body) if w.strip()]
    pronoun = kind = demonstrative = None
    for i, (word, _flag) in enumerate(tokens):
        following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if word in PERSON_PRONOUNS:
            pronoun, kind = word, "person"
        elif word in THING_PRONOUNS or _THAT_UNIT.match(word):
            pronoun, kind = word, "thing"
        elif word == "该" and following in _UNIT_AFTER_THAT:
            pronoun, kind = word + following, "thing"
        elif demonstrative is None and _DEMONSTRATIVE.match(word) and not (i == 0 and word in ("那", "那么")):
            demonstrative = word
        if pronoun:
            break
    lead = _LEAD.match(body)
    ellipsis = bool(lead) or body.endswith("呢")
    attribute = None
    if body.endswith("呢"):
        match = _ATTRIBUTE.match(_LEAD.sub("", body))
        if match and not re.search(r"什么|多少|哪|谁|几|怎么|为什么", match.group(1)):
            attribute = match.group(1)
    refer_words = {w for w in (pronoun, demonstrative) if w}
    keywords = tuple(k for k in analyse(question).keywords if k not in refer_words and not _is_referring(k))
    return TurnForm(question, pronoun, kind, demonstrative, ellipsis, attribute, keywords)


def _is_referring(word: str) -> bool:
    return word in PERSON_PRONOUNS or word in THING_PRONOUNS or bool(_THAT_UNIT.match(word))
