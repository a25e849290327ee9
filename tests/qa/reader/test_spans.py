from qa.reader.spans import dates_in, durations, numbers, organizations, persons, quotes

TEXT = (
    "全国地方公安机关共设置公安派出所4万余个，配备民警57万余人，建成率达99.3%。"
    "2023年8月1日夜，吉林省舒兰市公安局金马派出所所长雷玉清守在村部。20世纪60年代初，“枫桥经验”由此诞生。历时46天。"
)


def found(extract) -> list[str]:  # noqa: ANN001
    return [TEXT[s.start : s.end] for s in extract(TEXT, 0, len(TEXT))]


def test_numbers_keep_units_and_qualifiers() -> None:
    values = found(numbers)
    assert {"4万余个", "57万余人", "99.3%", "46天"} <= set(values)
    assert not any(v.startswith("2023") for v in values)


def test_dates_durations_names() -> None:
    assert "2023年8月1日夜" in found(dates_in) and "20世纪60年代初" in found(dates_in)
    assert found(durations) == ["46天"]
    assert "吉林省舒兰市公安局金马派出所" in found(organizations)
    assert "雷玉清" in found(persons)
    assert found(quotes) == ["“枫桥经验”"]
