"""Constraints a question puts on the passage its answer comes from.

A year the question names (2021年全国有多少名民警因公牺牲) must be in that passage: a passage about another year
(2023年…253名) answers a different question, however confident the reader is.
"""

from __future__ import annotations

import re

_YEAR = re.compile(r"(?<![0-9０-９])((?:1[0-9]|20)[0-9]{2})(?=年)")


def named_years(question: str) -> tuple[str, ...]:
    """The four-digit years the question names before 年 (2021年 -> 2021; 2020、2021两年 names none)."""
    return tuple(dict.fromkeys(_YEAR.findall(question)))


def lacks_year(years: tuple[str, ...], passage: str) -> bool:
    """Whether some year of `years` does not occur in `passage`."""
    return bool(missing_years(years, passage))


def missing_years(years: tuple[str, ...], passage: str) -> tuple[str, ...]:
    """The years of `years` that `passage` does not mention (what the bot tells the user it did not find)."""
    return tuple(year for year in years if year not in passage)
