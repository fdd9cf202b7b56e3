"""包保: county leaders answer for one or two townships, city leaders for a
county, and each visits at least monthly and logs what was checked and
which problem clues were handed over.
"""

from __future__ import annotations

import datetime as dt
import random

from greenloop.demo.people import Staff
from greenloop.demo.regions import RegionTree
from greenloop.demo.units import UnitSet
from greenloop.org.models import BaobaoAssignment, Person, Unit
from greenloop.org.services import log_visit

VISIT_MONTHS = 4

_CHECKED = (
    "检查辖区散煤治理和清洁取暖改造推进情况，查看燃煤锅炉淘汰台账",
    "实地查看河道垃圾清理、入河排污口排查整治进展",
    "督导建筑工地扬尘防治“六个百分之百”落实情况，抽查两处在建工地",
    "检查秸秆禁烧网格化巡查记录和夜间巡查值守情况",
    "查看畜禽养殖废弃物资源化利用和规模养殖场粪污处理设施运行情况",
    "督导中央生态环境保护督察反馈问题整改进展，核对整改台账和佐证材料",
    "检查农村生活污水治理设施运行维护情况和黑臭水体整治效果",
    "检查加油站油气回收装置运行和重点企业VOCs治理设施运行记录",
    "督导重污染天气应急减排清单企业停限产措施落实情况",
    "查看饮用水水源保护区标志设置和保护区内违规建设清理情况",
    "检查餐饮油烟净化设施安装使用和露天烧烤取缔情况",
    "督导网格员巡查履职情况，抽查网格巡查日志和问题上报记录",
)
_CLUES = (
    "发现村道两侧有建筑垃圾倾倒点一处，已移交乡镇综合行政执法队限期清理",
    "群众反映夜间有异味，疑似小作坊偷排，已移交生态环境分局核查",
    "一处工地裸土未苫盖，已责令当日整改并拍照留证",
    "河道沿岸发现疑似排污口一处，已移交区河长办溯源排查",
    "一家洗车点废水直排雨水管网，已移交住建部门查处",
    "发现秸秆焚烧火点痕迹一处，已通报所在村并追查责任人",
    "散乱污企业“死灰复燃”线索一条，已移交工信、生态环境部门联合核查",
    "沿街餐饮店油烟净化器未开启，已移交城市管理综合行政执法局",
)


def build_baobao(
    tree: RegionTree, units: UnitSet, staff: Staff, rng: random.Random, today: dt.date
) -> None:
    """Create the assignments, then log monthly visits through the service.

    City leaders (the 常务副市长 first, who takes 铁西区) each 包保 a county
    government; every county leader 包保 one or two township bodies.
    """
    start = _months_before(today, VISIT_MONTHS + 1)
    pairs: list[tuple[Person, Unit]] = []
    city = staff.city
    city_leaders = [
        city.executive,
        city.secretary,
        city.deputy_secretary,
        city.mayor,
        *city.vice_mayors,
    ]
    counties = sorted(tree.counties, key=lambda c: c.name != "铁西区")
    for i, county in enumerate(counties):
        pairs.append((city_leaders[i % len(city_leaders)], units.county_governments[county.code]))
    for county in tree.counties:
        townships = list(county.children)
        rng.shuffle(townships)
        for leader in staff.counties[county.code].leaders:
            take = 1 if len(townships) < 4 else rng.choice((1, 2))
            for township in townships[:take]:
                pairs.append((leader, units.township_bodies[township.code]))
            townships = townships[take:]
    assignments = BaobaoAssignment.objects.bulk_create(
        BaobaoAssignment(leader=leader, unit=unit, start_date=start) for leader, unit in pairs
    )
    for assignment in assignments:
        for back in range(VISIT_MONTHS - 1, -1, -1):
            month = _months_before(today, back)
            latest_day = today.day if back == 0 else 28
            log_visit(
                assignment=assignment,
                visit_date=month + dt.timedelta(days=rng.randint(1, latest_day) - 1),
                checked=rng.choice(_CHECKED),
                clues=rng.choice(_CLUES) if rng.random() < 0.6 else "",
                by=None,
            )


def _months_before(today: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
