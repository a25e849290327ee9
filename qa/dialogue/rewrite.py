"""Standalone rewrites of a follow-up: the pronoun replaced by a subject (它的面积呢 -> 莲前派出所的面积是多少？),
the previous question with its attribute switched (…有多少人口 -> …有多少面积), or the previous question and its
answer as context for a bare or demonstrative turn (…出警8次，其中多少起纠纷得以化解？). Several are proposed;
the reader's confidence chooses among them (`qa.conversation`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from embeddings.tokenize import posseg
from qa.dialogue.context import Context, TurnRecord
from qa.dialogue.entities import Entity
from qa.dialogue.forms import TurnForm
from qa.text.punctuation import strip_end

MAX_SUBJECTS = 2
"""Subjects tried for one pronoun (plus the answer, when it is a name of the kind asked for)."""
MAX_REWRITES = 4
_WH_WORD = re.compile(r"^(?:多少|几.?|哪.{0,2}|什么|谁|多大|多长|多高|多远|多久|多少度|何时|何地)$")
_NAME_WORDS = {"名字", "名称", "称号"}
_WH_NOUNS = {"时候", "时间", "地方", "原因", "样子", "名字", "年代"}
"""Nouns that make one question word with 什么 (什么时候, 什么地方)."""
_MEASURES = set("个名人起次家所辆条项支组场处位座户件元倍年天月岁号日点种些批路把份")
_LEAD = re.compile(r"^(?:那么|那(?![个种些位名家天次辆条项支座件起段两里儿])|还有|另外)[，,、\s]*")
_NUMBERISH = re.compile(r"面积|人口|人数|数量|率|海拔|长度|距离|年龄|金额|费用|次数|规模|多少|\d")
_PERSONISH = re.compile(r"(?:所长|教导员|队长|局长|主任|书记|民警|辅警|警官|负责人|员)$")
_WH_BY_TYPE = {
    "number": "是多少", "duration": "是多久", "person": "是谁", "date": "是什么时候", "place": "在哪里",
    "organization": "是哪个单位", "list": "有哪些",
}


@dataclass(frozen=True)
class Rewrite:
    """A standalone reading of a turn: the text retrieval and the reader get, the subject it uses, and how it
    was made ("subject", "attribute", "context", "switch")."""

    text: str
    subject: str | None
    how: str


def _question(text: str) -> str:
    return strip_end(text) + "？"


def _join(subject: str, rest: str) -> str:
    """`subject` + `rest` without repeating an overlap (北屯边境派出所 + 派出所所长是谁 -> 北屯边境派出所所长是谁)."""
    rest = _LEAD.sub("", rest)
    for n in range(min(len(subject), len(rest)), 1, -1):
        if subject.endswith(rest[:n]):
            return subject + rest[n:]
    return subject + rest


def wh_for(attribute: str, previous: TurnRecord | None) -> str:
    """How to ask for `attribute` (面积 -> 是多少, 副所长 -> 是谁), else as the previous question asked."""
    if _PERSONISH.search(attribute):
        return "是谁"
    if _NUMBERISH.search(attribute):
        return "是多少"
    return _WH_BY_TYPE.get(previous.qtype if previous else "", "是什么")


def substitute(form: TurnForm, subject: str, previous: TurnRecord | None) -> str:
    """The turn with its pronoun replaced by `subject` (or `subject` put first); a bare `X呢` completed with the
    question word its attribute needs."""
    body = strip_end(form.text)
    if form.attribute is not None:
        attribute = form.attribute.removesuffix("的")
        return _join(subject, ("的" if not attribute[:1].isdigit() else "") + attribute + wh_for(attribute, previous)) + "？"
    if form.pronoun and form.pronoun in body:
        pronoun = form.pronoun
        body = body.replace(pronoun, subject, 1)
        return _question(_LEAD.sub("", body) if body.startswith(("那", "还有", "另外")) and not subject.startswith("那") else body)
    return _question(_join(subject, body))


def wh_span(body: str) -> tuple[int, int] | None:
    """Where the question word is in `body` (多少 in …有多少人口, 多少个 in …多少个公安派出所, 谁 in …是谁)."""
    pos = 0
    tokens = [(w, f) for w, f in posseg(body)]
    for i, (word, _flag) in enumerate(tokens):
        if _WH_WORD.match(word):
            end = pos + len(word)
            following = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
            if following[1] == "q" or word == "什么" and following[0] in _WH_NOUNS:
                end += len(following[0])
            return pos, end
        pos += len(word)
    return None


def _token_bounds(body: str) -> list[int]:
    """Offsets where jieba's words of `body` start and end."""
    bounds, pos = [0], 0
    for word, _flag in posseg(body):
        pos += len(word)
        bounds.append(pos)
    return bounds


def switch_attribute(previous: str, attribute: str) -> str | None:
    """`previous` with the words it asked about replaced by `attribute` (…有多少人口 + 面积 -> …有多少面积;
    …的所长是谁 + 副所长 -> …的副所长是谁; 2012年… + 2021年 -> 2021年…); None when no place for it is found."""
    body = strip_end(previous)
    attribute = attribute.removesuffix("的")
    if not attribute or attribute in body:
        return None
    # 1. Align on shared characters: the window of `previous` that shares the most characters in place, widened
    #    to whole words (取得基本级执法资格 + 高级执法资格 -> 取得高级执法资格).
    best, best_at = 0, -1
    for at in range(0, max(0, len(body) - len(attribute)) + 1):
        window = body[at : at + len(attribute)]
        shared = sum(1 for a, b in zip(window, attribute, strict=False) if a == b)
        if shared > best:
            best, best_at = shared, at
    if best >= 2 and best * 2 >= len(attribute):
        bounds = _token_bounds(body)
        start = max(b for b in bounds if b <= best_at)
        end = min(b for b in bounds if b >= best_at + len(attribute))
        return _question(body[:start] + attribute + body[end:])
    # 2. Replace the words right after (else right before) the question word and its measure word.
    span = wh_span(body)
    if span is None:
        return None
    start, end = span
    rest = body[end:]
    if len(rest) == 1 and rest in _MEASURES:  # …多少起: the measure word belongs to the question word
        end, rest = len(body), ""
    if 0 < len(rest) <= 6:
        return _question(body[:end] + attribute)
    before = re.search(r"([\u4e00-\u9fff]{2,6})$", body[:start])
    if before:
        words = _token_bounds(body[:start])
        cut = min(b for b in words if b >= before.start())
        return _question(body[:cut] + attribute + body[start:])
    return None


def in_context(record: TurnRecord, form: TurnForm, subject: str | None) -> str | None:
    """The previous question stated with its answer, then this turn (…出警8次，其中多少起纠纷得以化解？); None
    without an answer."""
    if record.answer is None:
        return None
    body = strip_end(record.understood)
    span = wh_span(body)
    if span is None:
        statement = body + "：" + record.answer
    else:
        rest = body[span[1] :]
        answer = record.answer
        head = next((rest[:n] for n in range(len(rest), 0, -1) if answer.endswith(rest[:n])), "")
        if not head:
            head = next((w for w in _NAME_WORDS if rest.startswith(w)), "")
        statement = body[: span[0]] + answer + rest[len(head) :]
    turn = substitute(form, subject, record) if subject and form.pronoun else _question(_LEAD.sub("", form.text))
    return statement + "，" + turn


def switch_subject(record: TurnRecord, entity: Entity) -> str:
    """The previous question about another subject (那茨坪派出所呢？ after …莲前派出所辖区有多少人口？)."""
    body = strip_end(record.understood)
    for old in record.entities:
        if old.text in body:
            return _question(body.replace(old.text, entity.label, 1))
        if old.label in body:
            return _question(body.replace(old.label, entity.label, 1))
    return _question(_join(entity.label, body))


def rewrites(form: TurnForm, context: Context, named: list[Entity]) -> list[Rewrite]:
    """Standalone readings of a follow-up, most plausible first, without duplicates (at most MAX_REWRITES)."""
    record = context.last
    if record is None:
        return []
    out: list[Rewrite] = []

    def add(text: str | None, subject: str | None, how: str) -> None:
        if text and text != form.text and all(r.text != text for r in out):
            out.append(Rewrite(text, subject, how))

    if form.attribute is not None and named and not form.pronoun:
        add(switch_subject(record, named[0]), named[0].label, "switch")
        return out[:MAX_REWRITES]
    subjects = context.subjects(form.pronoun_kind)
    tried = subjects[:MAX_SUBJECTS]
    extra = record.answer_entity
    if (
        extra is not None and extra in subjects and extra not in tried and form.pronoun_kind is not None
        and (extra.kind == "person") == (form.pronoun_kind == "person")
    ):
        tried.append(extra)
    for entity in tried:
        add(substitute(form, entity.label, record), entity.label, "subject")
    if form.attribute is not None:
        add(switch_attribute(record.understood, form.attribute), None, "attribute")
    if form.demonstrative or not form.pronoun and len(form.keywords) <= 1 or not tried:
        add(in_context(record, form, tried[0].label if tried else None), tried[0].label if tried else None, "context")
    if form.attribute is not None and not tried:
        add(_question(strip_end(record.understood) + "，" + form.attribute + wh_for(form.attribute, record)), None, "context")
    return out[:MAX_REWRITES]
