"""Command codes (CN) with their names (HJ 212-2017 §6.6.5 Table 9;
HJ 212-2025 §6.7.5 Table 12 as far as known, hj212-2025.md C3-C7).

Ranges: 1000-1999 initialisation and parameters, 2000-2999 data, 3000-3999
control, 9000-9999 interaction. Unknown codes are valid packets: look them
up with :func:`command`, which returns ``None``, and keep the packet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from greenloop.hj212.versions import Version


class CommandKind(enum.StrEnum):
    """The four command types of 2017 §6.5."""

    REQUEST = "request"
    UPLOAD = "upload"
    NOTIFICATION = "notification"
    INTERACTION = "interaction"


@dataclass(frozen=True, slots=True)
class Command:
    """One command code."""

    cn: str
    name_zh: str
    name_en: str
    kinds: frozenset[CommandKind]
    since: Version = Version.HJT212_2005
    """Oldest version that has it. ⚠ 2005 lists are inferred (2017 §10)."""


_R, _U, _N, _I = (
    CommandKind.REQUEST,
    CommandKind.UPLOAD,
    CommandKind.NOTIFICATION,
    CommandKind.INTERACTION,
)
_2017, _2025 = Version.HJ212_2017, Version.HJ212_2025

_ROWS: Final[tuple[tuple[str, str, str, tuple[CommandKind, ...], Version], ...]] = (
    ("1000", "设置超时时间及重发次数", "set timeout and resend count", (_R,), Version.HJT212_2005),
    ("1001", "上传数采仪硬件序列号", "upload data-logger hardware serial", (_U,), _2025),
    ("1002", "设置数采仪入网编码", "set data-logger network-access code (MN)", (_R,), _2025),
    (
        "1011",
        "提取/上传现场机时间",
        "get / upload field-device time",
        (_R, _U),
        Version.HJT212_2005,
    ),
    ("1012", "设置现场机时间", "set field-device time", (_R,), Version.HJT212_2005),
    ("1013", "现场机时间校准请求", "field-device time calibration request", (_N,), _2017),
    ("1014", "密钥申请/设置", "request / set SM4 key", (_R, _U), _2025),
    (
        "1061",
        "提取/上传实时数据间隔",
        "get / upload real-time interval",
        (_R, _U),
        Version.HJT212_2005,
    ),
    ("1062", "设置实时数据间隔", "set real-time interval", (_R,), Version.HJT212_2005),
    ("1063", "提取/上传分钟数据间隔", "get / upload minute-data interval", (_R, _U), _2017),
    ("1064", "设置分钟数据间隔", "set minute-data interval", (_R,), _2017),
    ("1072", "设置现场机访问密码", "set field-device password", (_R,), Version.HJT212_2005),
    (
        "2011",
        "取污染物实时数据/上传实时数据",
        "upload pollutant real-time data",
        (_R, _U),
        Version.HJT212_2005,
    ),
    ("2012", "停止察看污染物实时数据", "stop viewing real-time data", (_N,), Version.HJT212_2005),
    ("2013", "提取/上传原始监测数据", "get / upload raw monitoring data", (_R, _U), _2025),
    (
        "2021",
        "取设施运行状态/上传运行状态",
        "upload treatment-facility running state",
        (_R, _U),
        Version.HJT212_2005,
    ),
    ("2022", "停止察看设施运行状态", "stop viewing running state", (_N,), Version.HJT212_2005),
    (
        "2031",
        "取/上传污染物日历史数据",
        "upload pollutant daily data",
        (_R, _U),
        Version.HJT212_2005,
    ),
    (
        "2041",
        "取/上传设施运行时间日历史数据",
        "upload facility run-time daily data",
        (_R, _U),
        Version.HJT212_2005,
    ),
    (
        "2051",
        "取/上传污染物分钟数据",
        "upload pollutant minute data",
        (_R, _U),
        Version.HJT212_2005,
    ),
    ("2052", "上传噪声单次测量数据", "upload noise single-measurement data", (_U,), _2025),
    (
        "2061",
        "取/上传污染物小时数据",
        "upload pollutant hourly data",
        (_R, _U),
        Version.HJT212_2005,
    ),
    (
        "2062",
        "上传自动标样核查（校准）数据",
        "upload automatic standard-sample check data",
        (_U,),
        _2025,
    ),
    ("2081", "上传数采仪开机时间", "upload logger power-on time", (_U,), _2017),
    ("2111", "上传炉膛温度5分钟均值", "upload furnace temperature 5-min mean", (_U,), _2025),
    ("3011", "零点校准量程校准", "zero and span calibration", (_R,), Version.HJT212_2005),
    ("3012", "即时采样", "immediate sampling", (_R,), Version.HJT212_2005),
    ("3013", "启动清洗/反吹", "start cleaning / back-flush", (_R,), Version.HJT212_2005),
    ("3014", "比对采样", "comparison sampling", (_R,), Version.HJT212_2005),
    ("3015", "超标留样/上传留样信息", "over-limit sample retention", (_R, _U), _2017),
    ("3016", "设置采样时间周期", "set sampling period", (_R,), _2017),
    ("3017", "提取/上传采样时间周期", "get / upload sampling period", (_R, _U), _2017),
    ("3018", "提取/上传出样时间", "get / upload sample-output time", (_R, _U), _2017),
    ("3019", "提取/上传设备唯一标识", "get / upload instrument unique ID", (_R, _U), _2017),
    ("3020", "提取/上传现场机信息", "get / upload field-device information", (_R, _U), _2017),
    ("3021", "设置现场机参数", "set field-device parameters", (_R,), _2017),
    ("3022", "下发即时留样任务", "issue immediate sample-retention task", (_R,), _2025),
    ("3024", "启动标样核查", "start standard-sample check", (_R,), _2025),
    ("9011", "请求应答", "request answer", (_I,), Version.HJT212_2005),
    ("9012", "执行结果", "execution result", (_I,), Version.HJT212_2005),
    ("9013", "通知应答", "notification answer", (_I,), Version.HJT212_2005),
    ("9014", "数据应答", "data answer", (_I,), Version.HJT212_2005),
    ("9015", "心跳包", "heartbeat", (_I,), _2025),
)

COMMANDS: Final[dict[str, Command]] = {
    cn: Command(cn, zh, en, frozenset(kinds), since) for cn, zh, en, kinds, since in _ROWS
}


def command(cn: str) -> Command | None:
    """The command ``cn``, or ``None`` for a code not in the tables.

    Examples
    --------
    >>> command("2061").name_en
    'upload pollutant hourly data'
    >>> command("2999") is None
    True
    """
    return COMMANDS.get(cn)
