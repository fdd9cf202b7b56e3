"""Factor (monitoring-parameter) codes with names and units.

From HJ 212-2017 Appendix B as selected in hj212-2017.md §7: air (Table
B.2), water (Table B.1), noise (Table B.3) and field-device information
(Table B.10), plus the original HJ/T 212-2005 codes (原编码). Units are the
standard's default units for pollution sources; ambient-air channels carry
µg/m³ (CO mg/m³) in practice, so store the unit agreed per data source
(hj212-2017.md §7.1, ⚠ 4). Unknown codes are valid; :func:`factor` returns
``None`` for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor code of Appendix B."""

    code: str
    name_zh: str
    name_en: str
    unit: str | None
    """Default concentration (or value) unit."""
    amount_unit: str | None = None
    """Unit of ``Cou`` (emission amount), if the factor has one."""
    data_type: str | None = None
    """Value format, e.g. ``N5.1`` (2017 §6.3.3)."""
    code_2005: str | None = None
    """Original HJ/T 212-2005 code (原编码)."""
    note: str | None = None


_AIR: Final = (
    Factor("a00000", "废气", "flue gas (flow)", "m³/s", "m³", "N6.1", "B02"),
    Factor("a34013", "烟尘", "smoke dust", "mg/m³", "kg", "N4", "01"),
    Factor("a21026", "二氧化硫", "SO2", "mg/m³", "kg", "N5.2", "02"),
    Factor("a21002", "氮氧化物", "NOx", "mg/m³", "kg", "N5.1", "03"),
    Factor("a21003", "一氧化氮", "NO", "mg/m³", "kg", "N4.1"),
    Factor("a21004", "二氧化氮", "NO2", "mg/m³", "kg", "N4.1"),
    Factor("a21005", "一氧化碳", "CO", "mg/m³", "kg", "N3.3", "04"),
    Factor("a21028", "硫化氢", "H2S", "mg/m³", "kg", "N3.2", "05"),
    Factor("a21018", "氟化物", "fluoride", "mg/m³", "kg", "N2.3", "06"),
    Factor("a21017", "氰化物", "cyanide", "mg/m³", "kg", "N3.3", "07"),
    Factor("a21024", "氯化氢", "HCl", "mg/m³", "kg", "N4.3", "08"),
    Factor("a21001", "氨", "NH3", "ng/m³", "g", "N4.3", "10", "unit as printed in Table B.2"),
    Factor("a05001", "二氧化碳", "CO2", "mg/m³", "kg", "N3.3", "30"),
    Factor("a24088", "非甲烷总烃", "non-methane hydrocarbons", "mg/m³", "kg", "N7.3"),
    Factor("a24087", "碳氢化合物", "hydrocarbons", "mg/m³", "kg", "N5.2", "25"),
    Factor("a25002", "苯", "benzene", "mg/m³", "kg", "N7.3"),
    Factor("a25003", "甲苯", "toluene", "mg/m³", "kg", "N4.2", "17"),
    Factor("a25005", "二甲苯", "xylene", "mg/m³", "kg", "N4.2", "18"),
    Factor("a19001", "氧气含量", "O2 content", "%", None, "N3.1", "S01"),
    Factor("a01011", "烟气流速", "flue gas velocity", "m/s", None, "N5.2", "S02"),
    Factor("a01012", "烟气温度", "flue gas temperature", "°C", None, "N3.1", "S03"),
    Factor("a01017", "烟气动压", "flue gas dynamic pressure", "kPa", None, "N5.3", "S04"),
    Factor("a01014", "烟气湿度", "flue gas humidity", "%", None, "N3.1", "S05"),
    Factor("a01015", "制冷温度", "cooling temperature", "°C", None, "N3.1", "S06"),
    Factor("a01016", "烟道截面积", "duct cross-section", "m²", None, "N4.2", "S07"),
    Factor("a01013", "烟气压力", "flue gas pressure", "kPa", None, "N5.3", "S08"),
    Factor("a01001", "温度", "temperature", "°C", None, "N3.1"),
    Factor("a01002", "湿度", "humidity", "%", None, "N3.1"),
    Factor("a01006", "气压", "air pressure", "kPa", None, "N5.3"),
    Factor("a01007", "风速", "wind speed", "m/s", None, "N4.1"),
    Factor("a01008", "风向", "wind direction", "°", None, "N4"),
    Factor("a01010", "林格曼黑度", "Ringelmann blackness", None, None, "N1", "37"),
    Factor(
        "a01901",
        "垃圾焚烧炉膛内焚烧平均温度",
        "incinerator furnace mean temperature",
        "°C",
        None,
        "N4.1",
    ),
    Factor(
        "a01902", "垃圾焚烧炉膛内DCS温度", "incinerator furnace DCS temperature", "°C", None, "N4.1"
    ),
    Factor(
        "a34001", "总悬浮颗粒物", "TSP", "ng/m³", "g", None, None, "unit as printed in Table B.2"
    ),
    Factor(
        "a34002", "可吸入颗粒物", "PM10", "ng/m³", "g", None, None, "unit as printed in Table B.2"
    ),
    Factor("a34004", "细颗粒物", "PM2.5", "ng/m³", "g", None, None, "unit as printed in Table B.2"),
    Factor(
        "a34005", "亚微米颗粒物", "PM1.0", "ng/m³", "g", None, None, "unit as printed in Table B.2"
    ),
    Factor(
        "a05024", "臭氧", "O3", "µg/m³", None, None, None, "⚠ not in 2017 Table B.2; HJ 524 code"
    ),
)

_WATER: Final = (
    Factor("w00000", "污水", "wastewater (flow)", "L/s", "m³", "N5.2", "B01"),
    Factor("w01001", "pH值", "pH", None, None, "N2.2", "001"),
    Factor("w01002", "色度", "colour", "倍", None, "N3.2", "002"),
    Factor("w01009", "溶解氧", "dissolved oxygen", "mg/L", None, "N3.1"),
    Factor("w01010", "水温", "water temperature", "°C", None, "N3.1"),
    Factor("w01012", "悬浮物", "suspended solids", "mg/L", "kg", "N4", "003"),
    Factor("w01014", "电导率", "conductivity", "µS/cm", None, "N3.1"),
    Factor("w01017", "五日生化需氧量", "BOD5", "mg/L", "kg", "N5.1", "010"),
    Factor("w01018", "化学需氧量", "COD", "mg/L", "kg", "N5.1", "011"),
    Factor("w01019", "高锰酸盐指数", "permanganate index", "mg/L", "kg", "N3.1"),
    Factor("w01020", "总有机碳", "TOC", "mg/L", "kg", "N3.1", "015"),
    Factor("w21003", "氨氮", "ammonia nitrogen", "mg/L", "kg", "N4.2", "060"),
    Factor("w21001", "总氮", "total nitrogen", "mg/L", "kg", "N4.2", "065"),
    Factor("w21011", "总磷", "total phosphorus", "mg/L", "kg", "N3.2", "101"),
    Factor("w21016", "氰化物", "cyanide", "mg/L", "kg", "N3.3", "070"),
    Factor("w21019", "硫化物", "sulfide", "mg/L", "kg", "N3.3", "071"),
    Factor("w21017", "氟化物", "fluoride", "mg/L", "kg", "N4.2", "072"),
    Factor("w22001", "石油类", "petroleum", "mg/L", "kg", "N3.2", "080"),
    Factor("w23002", "挥发酚", "volatile phenol", "mg/L", "kg", "N3.4", "110"),
    Factor("w19002", "阴离子表面活性剂", "anionic surfactant", "mg/L", "kg", "N3.2", "520"),
    Factor("w02003", "粪大肠菌群", "fecal coliform", "个/L", None, "N9", "550"),
    Factor("w20111", "总汞", "total mercury", "µg/L", "g", None, "020"),
    Factor("w20115", "总镉", "total cadmium", "µg/L", "g", None, "022"),
    Factor("w20117", "六价铬", "hexavalent chromium", "µg/L", "g", None, "024"),
    Factor("w20119", "总砷", "total arsenic", "µg/L", "g", None, "026"),
    Factor("w20120", "总铅", "total lead", "µg/L", "g", None, "027"),
    Factor("w20116", "总铬", "total chromium", "mg/L", "kg", None, "023"),
    Factor("w20121", "总镍", "total nickel", "mg/L", "kg", None, "028"),
    Factor("w20122", "总铜", "total copper", "mg/L", "kg", None, "029"),
    Factor("w20123", "总锌", "total zinc", "mg/L", "kg", None, "030"),
)

_NOISE: Final = tuple(
    Factor(code, name, name_en, "dB", None, "N3.1")
    for code, name, name_en in (
        ("LA", "A计权声级", "A-weighted sound level"),
        ("L5", "累积百分声级L5", "percentile level L5"),
        ("L10", "累积百分声级L10", "percentile level L10"),
        ("L50", "累积百分声级L50", "percentile level L50"),
        ("L90", "累积百分声级L90", "percentile level L90"),
        ("L95", "累积百分声级L95", "percentile level L95"),
        ("Leq", "等效声级", "equivalent level"),
        ("Ldn", "昼夜等效声级", "day-night level"),
        ("Ld", "昼间等效声级", "day level"),
        ("Ln", "夜间等效声级", "night level"),
        ("LMx", "最大声级", "maximum level"),
        ("LMn", "最小声级", "minimum level"),
    )
)

_DEVICE: Final = (
    Factor(
        "i12001",
        "工作状态",
        "instrument working state",
        None,
        None,
        None,
        None,
        "0 running, 1 maintenance, 2 fault, 3 calibration, 5 back-flush, 6 power failure, "
        "7 measuring, 8 standardising, 9 standby, 10 O&M",
    ),
    Factor(
        "i12002",
        "分析仪与数采仪通讯状态",
        "analyzer-logger communication",
        None,
        None,
        None,
        None,
        "0 normal, 1 abnormal",
    ),
    Factor("i12003", "COD分析仪报警", "COD analyzer alarm", None),
    Factor("i21001", "数采仪运行日志", "logger log", None),
    Factor(
        "i22001",
        "数采仪运行状态",
        "logger state",
        None,
        None,
        None,
        None,
        "0 running, 1 stopped, 2 fault, 3 maintenance",
    ),
    Factor("i22003", "数采仪与上位机通讯状态", "logger-platform communication", None),
    Factor("i22101", "数采仪通道通讯状态", "logger channel communication", None),
    Factor("i33200", "工厂电流", "plant current", "A", None, "N4.2"),
    Factor("i33201", "累计用电量", "cumulative electricity", "kWh", None, "N13"),
    Factor("i33202", "日用电量", "daily electricity", "kWh", None, "N7"),
)

FACTORS: Final[dict[str, Factor]] = {f.code: f for f in (*_AIR, *_WATER, *_NOISE, *_DEVICE)}

FROM_2005: Final[dict[str, str]] = {
    f.code_2005: f.code for f in FACTORS.values() if f.code_2005 is not None
}
"""HJ/T 212-2005 code → HJ 212-2017 code (Appendix B, column 原编码)."""


def factor(code: str) -> Factor | None:
    """The factor ``code`` (2017 or 2005 spelling), or ``None`` if unknown.

    Examples
    --------
    >>> factor("w01018").name_en, factor("011").code
    ('COD', 'w01018')
    """
    found = FACTORS.get(code)
    if found is None and code in FROM_2005:
        found = FACTORS[FROM_2005[code]]
    return found


def normalise_code(code: str) -> str:
    """The HJ 212-2017 spelling of a code; unknown codes are returned as is.

    Examples
    --------
    >>> normalise_code("060"), normalise_code("a34004"), normalise_code("x1")
    ('w21003', 'a34004', 'x1')
    """
    return FROM_2005.get(code, code)
