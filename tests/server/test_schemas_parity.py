"""The API's response models carry exactly the fields, with the same types, of the `qa.types` dataclasses."""

from __future__ import annotations

import dataclasses
import types
import typing

import pytest
from pydantic import BaseModel

from qa.types import Answer, Citation, Passage
from server.schemas import AnswerOut, CitationOut, PassageOut

PAIRS: list[tuple[type, type[BaseModel]]] = [(Answer, AnswerOut), (Citation, CitationOut), (Passage, PassageOut)]
MODEL_OF = {model: data for data, model in PAIRS}
PROPERTIES = {Answer: {"abstained": bool}}
"""Properties that `to_dict()` adds to the dataclass's fields."""


def _normalised(tp: object) -> object:
    """`tp` with every API model replaced by its dataclass, so list[CitationOut] reads list[Citation]."""
    if isinstance(tp, type) and tp in MODEL_OF:
        return MODEL_OF[tp]
    args = typing.get_args(tp)
    if not args:
        return tp
    origin = typing.get_origin(tp)
    normal = tuple(_normalised(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[normal]  # noqa: UP007  (rebuilt from a tuple of arguments)
    return origin[normal]


def _dataclass_fields(cls: type) -> dict[str, object]:
    hints = typing.get_type_hints(cls)
    out = {f.name: _normalised(hints[f.name]) for f in dataclasses.fields(cls)}
    out.update(PROPERTIES.get(cls, {}))
    return out


def _model_fields(model: type[BaseModel]) -> dict[str, object]:
    return {name: _normalised(info.annotation) for name, info in model.model_fields.items()}


@pytest.mark.parametrize(("data", "model"), PAIRS, ids=[m.__name__ for _d, m in PAIRS])
def test_response_model_matches_dataclass(data: type, model: type[BaseModel]) -> None:
    ours, theirs = _dataclass_fields(data), _model_fields(model)
    assert set(ours) == set(theirs), (
        f"only in {data.__name__}: {sorted(set(ours) - set(theirs))}; only in {model.__name__}: "
        f"{sorted(set(theirs) - set(ours))}"
    )
    assert {k: ours[k] for k in ours if ours[k] != theirs[k]} == {}, {k: theirs[k] for k in ours if ours[k] != theirs[k]}


def test_to_dict_validates_against_the_model() -> None:
    cite = Citation("d", "a.txt", "t", "d#0", 3, 5, "quote", 0, 10, 12, 1, 4)
    passage = Passage("d", "a.txt", "t", "d#0", 0, 20, "text", 0.5)
    answer = Answer("q?", "ab", 0.9, [cite], [passage], candidate=None, understood_as="u")
    assert AnswerOut.from_answer(answer).model_dump() == answer.to_dict()
