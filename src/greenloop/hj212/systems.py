"""System codes (ST) with their names (HJ 212-2017 §6.6.1, Table 5).

Classes: 10-29 environmental quality, 30-49 pollution sources, 50-69
process (工况) monitoring, 91-99 system interaction, A0-Z9 extensions.
HJ 212-2025 reportedly adds 44 and 45 (hj212-2025.md C1, single source, ⚠);
they are listed with ``confirmed=False``. Unknown codes are valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from greenloop.hj212.versions import Version


@dataclass(frozen=True, slots=True)
class System:
    """One system code."""

    st: str
    name_zh: str
    name_en: str
    since: Version = Version.HJT212_2005
    confirmed: bool = True


_2017, _2025 = Version.HJ212_2017, Version.HJ212_2025

SYSTEMS: Final[dict[str, System]] = {
    s.st: s
    for s in (
        System("21", "地表水质量监测", "surface water quality"),
        System("22", "空气质量监测", "ambient air quality"),
        System("23", "声环境质量监测", "acoustic environment"),
        System("24", "地下水质量监测", "groundwater quality", _2017),
        System("25", "土壤质量监测", "soil quality", _2017),
        System("26", "海水质量监测", "seawater quality", _2017),
        System("27", "挥发性有机物监测", "volatile organic compounds", _2017),
        System("31", "大气环境污染源", "air pollution source"),
        System("32", "地表水体环境污染源", "surface-water pollution source"),
        System("33", "地下水体环境污染源", "groundwater pollution source"),
        System("34", "海洋环境污染源", "marine pollution source"),
        System("35", "土壤环境污染源", "soil pollution source"),
        System("36", "声环境污染源", "noise pollution source"),
        System("37", "振动环境污染源", "vibration source"),
        System("38", "放射性环境污染源", "radioactive source"),
        System("39", "工地扬尘污染源", "construction-site dust", _2017),
        System("41", "电磁环境污染源", "electromagnetic source"),
        System("44", "用电监控", "electricity-use monitoring", _2025, confirmed=False),
        System("45", "关键生产工况监控", "key production condition monitoring", _2025, False),
        System("51", "烟气排放过程监控", "flue-gas emission process", _2017),
        System("52", "污水排放过程监控", "wastewater emission process", _2017),
        System("91", "系统交互", "system interaction"),
    )
}


def system(st: str) -> System | None:
    """The system ``st``, or ``None`` for a code not in the table.

    Examples
    --------
    >>> system("32").name_en
    'surface-water pollution source'
    """
    return SYSTEMS.get(st)
