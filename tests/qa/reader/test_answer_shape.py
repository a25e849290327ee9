"""Answer-type checks: spans of the wrong shape are flagged, plausible answers are not."""

from __future__ import annotations

import pytest

from qa.reader.answer_shape import misfits
from qa.reader.question import analyse


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("莲前派出所的面积是多少？", "大、人口多"),
        ("辖区有多少人口？", "3个繁华商圈、15万多人口"),
        ("一共组织了多少次集中收网？", "5次集中收网行动"),
        ("辖区里住着多少人？", "16平方公里"),
        ("莲前派出所辖区有多少人口？", "16平方公里"),
        ("辖区常住人口有多少？", "3个繁华商圈"),
        ("茨坪派出所有多少名民警？", "1800万人次"),
        ("报告团是哪天走进新疆的？", "2023年"),
        ("改革从哪一年开始？", "2012年开始"),
        ("派出所成立于什么时候？", "在村里"),
        ("沱沱河站派出所副所长是谁？", "赵洪龙、民警林胜、薛兴胜"),
        ("谁是网红主播？", "边欣化身“网红主播”"),
        ("莲前派出所所长是谁？", "陈志昆如数家珍"),
        ("谁带领民警巡线？", "赵洪龙带领"),
        ("民警每天巡逻多少个车站？", "7个车站加1个"),
        ("一共有多少名民警？", "3名民警和2名辅警"),
        ("会展中心每年举办多少场活动？", "23年来"),
        ("全国破获了多少起诈骗案件？", "18.1%"),
        ("沱沱河站派出所的民警每天巡逻多少个车站？", "582千米"),
        ("辖区有多少家企业？", "2万元"),
        ("厦门莲前派出所属于哪个分局？", "福建省厦门市公安局莲前派出所"),
        ("他住在哪个社区？", "社区民警说：\n侨福社区"),
        ("2012年人民群众安全感是多少？", "87.55%上升至2021年的98.62%"),
        ("马怀龙今年多大岁数？", "2008年"),
        ("考试是哪几天？", "平山交警护航保障考试\n\n河北法制报讯（张昊）12月7日至9日"),
    ],
)
def test_a_span_of_the_wrong_shape_misfits(question: str, span: str) -> None:
    assert misfits(analyse(question), span)


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("莲前派出所的面积是多少？", "16平方公里"),
        ("辖区有多少人口？", "15万多人口"),
        ("最冷能到多少度？", "零下30摄氏度"),
        ("挽回了多少损失？", "两万元"),
        ("全国配备了多少名民警？", "57万余人"),
        ("辖区里住着多少人？", "15万多人口"),
        ("每年接待多少人次游客？", "超过1800万人次"),
        ("报告团是哪天走进新疆的？", "2023年12月28日"),
        ("改革从哪一年开始？", "2012年"),
        ("工作室是什么时候成立的？", "2022年6月"),
        ("沱沱河站派出所副所长是谁？", "赵洪龙"),
        ("莲前派出所所长是谁？", "所长陈志昆"),
        ("谁和谁一起值班？", "张三和李四"),
        ("民警每天巡逻多少个车站？", "7个车站"),
        ("这条线路有多少个平方米？", "30平方米"),
        ("辖区有多少家企业？", "300多家"),
        ("红脚鲣鸟的体长和翼展分别是多少？", "约70cm及137cm"),
        ("派出所和警务室各有多少人？", "12人和5人"),
        ("新生儿一天要睡多少个小时？", "18小时"),
        ("获得了多少支持率？", "61.05%"),
        ("超过多少百分比的学生来自海外？", "10%"),
        ("谁提出了相对论？", "阿尔伯特·爱因斯坦"),
        ("这座城市有多少人口？", "1,000万人口"),
        ("辖区有多少流动人口？", "1.4万"),
        ("辖区常住人口有多少？", "5万余人"),
        ("长城始建于什么时候？", "春秋战国时期"),
        ("比赛的比分是多少？", "3:2"),
        ("厦门莲前派出所属于哪个分局？", "思明分局"),
        ("民警刘海在哪个单位工作？", "襄州区分局刑侦大队"),
        ("“枫桥经验”发源于哪里？", "浙江诸暨枫桥"),
        ("为什么要这样做？", "因为群众需要，所以这样做"),
        ("王银5月1日早上几点就起床了？", "5点多"),
        ("交警帮群众推车是哪天？", "12月5日10时许"),
        ("此鱼的侧线鳞片数有多少？", "50至53枚"),
        ("人民群众安全感从多少上升到多少？", "87.55%上升至2021年的98.62%"),
        ("马怀龙今年多大岁数？", "58岁"),
        ("他去世时几岁？", "七十多"),
    ],
)
def test_a_plausible_answer_fits(question: str, span: str) -> None:
    assert not misfits(analyse(question), span)


def test_a_span_one_token_short_of_the_asked_unit_is_completed() -> None:
    from qa.reader.answer_shape import complete_unit

    text = "从2012年开始，配备57名民警，8条线路"
    year, staff = text.index("2012"), text.index("57")
    assert text[year : complete_unit(analyse("从哪一年开始？"), text, year, year + 4)] == "2012年"
    assert text[staff : complete_unit(analyse("配备了多少名民警？"), text, staff, staff + 2)] == "57名"
    lines = text.index("8条")
    assert complete_unit(analyse("有多少个站？"), text, lines, lines + 1) == lines + 1  # 条 is not the 个 asked
    assert complete_unit(analyse("谁配备了民警？"), text, staff, staff + 2) == staff + 2  # not a count or date


def test_a_person_asked_by_office_is_named_near_that_office() -> None:
    from qa.reader.answer_shape import unfit

    article = "棋盘井第一派出所所长李明介绍，近年来辖区变化很大。" + "辖区里居民很多，" * 6 + "驻社区民警王银就起床了。"
    question = analyse("棋盘井第一派出所所长是谁？")
    officer, resident = article.index("李明"), article.index("王银")
    assert not unfit(question, article, officer, officer + 2)
    assert unfit(question, article, resident, resident + 2)  # no 所长 within reach of 王银
    assert not unfit(analyse("谁就起床了？"), article, resident, resident + 2)  # not asked by office
    assert unfit(analyse("辖区有多少人口？"), article, resident, resident + 2)  # and every misfit is unfit


def test_the_deputy_does_not_answer_for_the_office_unless_asked_for() -> None:
    from qa.reader.answer_shape import unfit

    article = "牛街派出所副所长沈琦说，辖区居民很多。" + "辖区里居民很多，" * 6 + "所长王刚介绍了情况。"
    deputy, chief = article.index("沈琦"), article.index("王刚")
    assert unfit(analyse("牛街派出所所长是谁？"), article, deputy, deputy + 2)  # only 副所长 within reach
    assert not unfit(analyse("牛街派出所所长是谁？"), article, chief, chief + 2)
    assert not unfit(analyse("牛街派出所副所长是谁？"), article, deputy, deputy + 2)
    assert unfit(analyse("牛街派出所副所长是谁？"), article, chief, chief + 2)  # only the 所长 within reach


def test_an_office_asked_for_by_who_appoints_it_is_not_a_question_for_its_holder() -> None:
    from qa.reader.answer_shape import unfit

    article = "提名权属于国家主席。" + "宪法对此作了明确规定，" * 5 + "总理人选由全国人大决定。"
    president = article.index("国家主席")
    assert analyse("总理由谁提名？").qtype == "person"
    assert not unfit(analyse("总理由谁提名？"), article, president, president + 4)  # asks who nominates
    assert unfit(analyse("总理由谁担任？"), article, president, president + 4)  # asks the holder: no 总理 in reach
