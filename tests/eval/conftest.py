"""Shared fixtures: a tiny corpus of three articles and a gold file over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ARTICLES = {
    "bridge.txt": (
        "长江大桥建成通车\n\n"
        "新华社武汉电 经过四年施工，武汉长江第七大桥于2019年10月8日正式建成通车。"
        "大桥全长4.13公里，主跨达到1700米，由中铁大桥局负责建设。"
        "大桥建成后，汉口到武昌的通行时间缩短至15分钟。"
        "设计单位表示，大桥采用双层桥面，上层为城市快速路，下层为地铁轨道。\n"
    ),
    "tea.txt": (
        "福建茶叶出口创新高\n\n"
        "据福州海关统计，2022年福建省茶叶出口量达到3.2万吨，同比增长12%。"
        "其中，武夷岩茶和安溪铁观音最受欧洲客商欢迎。"
        "海关负责人林晓东介绍，出口增长的主要原因是通关时间大幅缩短。"
        "目前福建茶叶已销往全球六十多个国家和地区。\n"
    ),
    "library.txt": (
        "城市图书馆开放夜间阅读\n\n"
        "为方便市民阅读，杭州图书馆从今年3月起延长开放时间，每天开放至晚上九点。"
        "馆长王丽华说，夜间阅读区共有座位三百个，周末常常坐满。"
        "图书馆还推出了古籍修复体验课，每月举办两次，需要提前在网上预约。\n"
    ),
}

GOLD = [
    {"id": "b1", "question": "武汉长江第七大桥什么时候建成通车？", "answers": ["2019年10月8日"],
     "source": "bridge.txt", "evidence": "武汉长江第七大桥于2019年10月8日正式建成通车。", "type": "date", "style": "lexical"},
    {"id": "b2", "question": "大桥的主跨有多长？", "answers": ["1700米"], "source": "bridge.txt",
     "evidence": "大桥全长4.13公里，主跨达到1700米", "type": "number", "style": "lexical"},
    {"id": "b3", "question": "哪家单位负责修建这座大桥？", "answers": ["中铁大桥局"], "source": "bridge.txt",
     "evidence": "由中铁大桥局负责建设", "type": "organization", "style": "paraphrase"},
    {"id": "t1", "question": "2022年福建茶叶出口了多少？", "answers": ["3.2万吨"], "source": "tea.txt",
     "evidence": "2022年福建省茶叶出口量达到3.2万吨", "type": "number", "style": "lexical"},
    {"id": "t2", "question": "福建茶叶出口增长的主要原因是什么？", "answers": ["通关时间大幅缩短"], "source": "tea.txt",
     "evidence": "出口增长的主要原因是通关时间大幅缩短", "type": "reason", "style": "lexical"},
    {"id": "l1", "question": "杭州图书馆的馆长是谁？", "answers": ["王丽华"], "source": "library.txt",
     "evidence": "馆长王丽华说", "type": "person", "style": "lexical"},
    {"id": "u1", "question": "上海博物馆的门票多少钱？", "answers": [], "source": None, "evidence": None,
     "type": "unanswerable", "style": "unanswerable"},
    {"id": "u2", "question": "火星探测器什么时候发射？", "answers": [], "source": None, "evidence": None,
     "type": "unanswerable", "style": "unanswerable"},
]


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A folder with three short news articles."""
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tiny_gold(tmp_path: Path) -> Path:
    """A gold file over `tiny_corpus`: six answerable and two unanswerable questions."""
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in GOLD), encoding="utf-8")
    return path


@pytest.fixture
def tiny_articles() -> dict[str, str]:
    """File name -> raw text of the tiny corpus."""
    return dict(ARTICLES)


@pytest.fixture
def tiny_gold_records() -> list[dict[str, object]]:
    """The records written to `tiny_gold`."""
    return [dict(r) for r in GOLD]
