"""Responsibility lists (责任清单): templates per level and unit kind, the
department-specific duties of each functional department, and the published
list of every unit.

Duty texts follow the lists the source cities publish: 党政同责、一岗双责 for
Party committees and governments, “管发展必须管环保、管生产必须管环保、
管行业必须管环保” for departments, grid and chief duties for townships and
villages. ``{单位}`` is replaced by the unit's name when a list is generated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from greenloop.org.models import DutyCategory as C
from greenloop.org.models import DutyTemplate, ListStatus, RegionLevel, Unit, UnitKind
from greenloop.org.services import add_duty, generate_lists_from_templates, publish_list

EPL = "《中华人民共和国环境保护法》"
APL = "《中华人民共和国大气污染防治法》"
WPL = "《中华人民共和国水污染防治法》"
SPL = "《中华人民共和国土壤污染防治法》"
SWL = "《中华人民共和国固体废物污染环境防治法》"
DUTY_RULE = "《地方党政领导干部生态环境保护责任制规定（试行）》"
INSPECTION_RULE = "《中央生态环境保护督察工作规定》"
CITY_RULE = "《辽东市生态环境保护工作责任规定》"
GRID_RULE = "《辽东市生态环境网格化监管办法》"

Entry = tuple[str, str, str]  # category, text, legal basis

_PARTY: list[Entry] = [
    (
        C.LEADERSHIP,
        "{单位}对本行政区域生态环境保护工作负总责，贯彻落实党中央、国务院和上级党委、政府生态环境保护决策部署，坚持党政同责、一岗双责",
        f"{DUTY_RULE}；{EPL}第六条",
    ),
    (
        C.LEADERSHIP,
        "每年至少召开两次常委会会议专题研究生态环境保护工作，研究解决重大问题，党委主要负责人为第一责任人",
        DUTY_RULE,
    ),
    (
        C.SUPERVISION,
        "将生态环境保护工作纳入领导班子和领导干部政绩考核，考核结果作为干部奖惩和选拔任用的重要依据，落实“一票否决”",
        f"{EPL}第二十六条；《党政领导干部生态环境损害责任追究办法（试行）》",
    ),
    (
        C.INSPECTION,
        "统筹推进中央和省生态环境保护督察反馈问题整改，对整改不力、敷衍整改、表面整改的严肃问责",
        INSPECTION_RULE,
    ),
    (C.SUPERVISION, "加强生态环境保护宣传教育，引导全社会树立生态文明理念", f"{EPL}第九条"),
]
_GOVERNMENT: list[Entry] = [
    (
        C.LEADERSHIP,
        "{单位}对本行政区域环境质量负责，将生态环境保护工作纳入国民经济和社会发展规划，政府主要负责人为第一责任人",
        f"{EPL}第六条、第十三条；{DUTY_RULE}",
    ),
    (
        C.AIR,
        "落实大气污染防治目标责任，组织实施蓝天保卫战，制定重污染天气应急预案并依预警等级及时启动",
        f"{APL}第三条、第六章",
    ),
    (
        C.WATER,
        "全面落实河长制，组织实施碧水保卫战，统筹城镇污水集中处理设施及配套管网建设",
        f"{WPL}第四条、第五条、第四十九条",
    ),
    (
        C.SOIL,
        "对本行政区域土壤污染防治和安全利用负责，组织受污染耕地安全利用和建设用地土壤污染风险管控",
        f"{SPL}第五条",
    ),
    (
        C.WASTE,
        "统筹城乡生活垃圾、危险废物收集、转运和处置设施建设",
        f"{SWL}第七条；{EPL}第五十一条",
    ),
    (
        C.ECOLOGY,
        "落实生态保护红线管控要求，全面推行林长制，加强重要生态系统保护修复",
        f"{EPL}第二十九条；《关于全面推行林长制的意见》",
    ),
    (
        C.SUPERVISION,
        "每年向本级人民代表大会或者人民代表大会常务委员会报告环境状况和环境保护目标完成情况",
        f"{EPL}第二十七条",
    ),
    (
        C.INSPECTION,
        "组织督察反馈问题和转办信访件整改，实行整改、验收、复核、销号闭环管理，整改结果向社会公开",
        f"{INSPECTION_RULE}；{EPL}第五十三条",
    ),
]
_OFFICE: list[Entry] = [
    (
        C.SUPERVISION,
        "承担市生态环境保护委员会日常工作，统筹协调、调度督办全市生态环境保护重点工作，实行日调度、周通报、月汇报",
        CITY_RULE,
    ),
    (
        C.INSPECTION,
        "接收、交办、督办督察转办信访件和反馈问题，跟踪整改直至销号，按时公开整改情况",
        INSPECTION_RULE,
    ),
    (
        C.SUPERVISION,
        "组织对各县（区）、开发区和市直部门生态环境保护责任落实情况考核评价，实行月排名、季通报",
        f"{EPL}第二十六条；{CITY_RULE}",
    ),
    (C.LEADERSHIP, "组织制定、发布各级各部门生态环境保护责任清单并动态更新", DUTY_RULE),
    (
        C.SUPERVISION,
        "建立包保领导走访、问题线索移交和四级网格化监管工作机制",
        f"{CITY_RULE}；{GRID_RULE}",
    ),
]
_DEPARTMENT: list[Entry] = [
    (
        C.LEADERSHIP,
        "{单位}按照“管发展必须管环保、管生产必须管环保、管行业必须管环保”要求，落实本行业领域生态环境保护责任",
        f"{EPL}第十条；{DUTY_RULE}",
    ),
    (
        C.LEADERSHIP,
        "主要负责人为本部门生态环境保护第一责任人，分管负责人为直接责任人，明确一名联络员",
        DUTY_RULE,
    ),
    (
        C.INSPECTION,
        "按期完成交办的督察反馈问题和信访件整改，按月报送进展并提交佐证材料",
        INSPECTION_RULE,
    ),
    (C.SUPERVISION, "配合开展生态环境保护联合执法，发现环境违法线索及时移送", f"{EPL}第十条"),
]
_TOWNSHIP: list[Entry] = [
    (
        C.LEADERSHIP,
        "{单位}对本辖区生态环境质量负责，党政主要负责人为第一责任人，班子成员履行一岗双责",
        f"{EPL}第六条；{DUTY_RULE}",
    ),
    (
        C.SUPERVISION,
        "落实三级网格长职责，组织网格员开展日常巡查，发现问题及时处置、上报",
        GRID_RULE,
    ),
    (
        C.AIR,
        "组织秸秆禁烧、散煤治理和露天焚烧管控，落实重污染天气应急措施",
        f"{APL}第七十七条、第八十二条",
    ),
    (C.WATER, "落实乡级河长职责，组织河道日常巡查保洁，排查整治入河排污口", f"{WPL}第五条"),
    (C.WATER, "推进农村生活污水治理和农村黑臭水体整治", f"{EPL}第三十三条、第五十一条"),
    (C.WASTE, "推进农村生活垃圾收运处置体系建设，清理非正规垃圾堆放点", f"{EPL}第五十一条"),
    (C.INSPECTION, "按期完成交办的督察问题和信访件整改，配合验收和复核", INSPECTION_RULE),
]
_VILLAGE: list[Entry] = [
    (C.SUPERVISION, "{单位}落实四级网格长和网格员职责，每日巡查网格，发现问题拍照上报", GRID_RULE),
    (C.AIR, "做好秸秆禁烧、垃圾禁烧宣传和看护，发现火点立即处置并报告", f"{APL}第七十七条"),
    (
        C.WATER,
        "落实村级河长职责，巡河护河，劝阻向河道倾倒垃圾、排放污水的行为",
        f"{WPL}第五条；《关于全面推行河长制的意见》",
    ),
    (C.WASTE, "组织村（社区）环境卫生整治，督促村（居）民垃圾分类投放", f"{SWL}第四章"),
    (C.SUPERVISION, "将生态环境保护要求纳入村规民约、居民公约，配合开展宣传", f"{EPL}第九条"),
]

TEMPLATES: dict[tuple[int, str], list[Entry]] = {
    (RegionLevel.CITY, UnitKind.COMMITTEE_OFFICE): _OFFICE,
    (RegionLevel.CITY, UnitKind.PARTY_COMMITTEE): _PARTY,
    (RegionLevel.CITY, UnitKind.GOVERNMENT): _GOVERNMENT,
    (RegionLevel.CITY, UnitKind.DEPARTMENT): _DEPARTMENT,
    (RegionLevel.COUNTY, UnitKind.PARTY_COMMITTEE): _PARTY,
    (RegionLevel.COUNTY, UnitKind.GOVERNMENT): _GOVERNMENT,
    (RegionLevel.COUNTY, UnitKind.DEPARTMENT): _DEPARTMENT,
    (RegionLevel.TOWNSHIP, UnitKind.TOWNSHIP_BODY): _TOWNSHIP,
    (RegionLevel.VILLAGE, UnitKind.VILLAGE_BODY): _VILLAGE,
}

# Duties of one department (by unit code suffix), added after the template.
DEPARTMENT_DUTIES: dict[str, list[Entry]] = {
    "STHJ": [
        (
            C.SUPERVISION,
            "对生态环境保护工作实施统一监督管理，组织生态环境质量监测和执法检查",
            f"{EPL}第十条",
        ),
        (C.AIR, "编制重污染天气应急减排清单，督促清单企业落实停产限产措施", f"{APL}第六章"),
        (
            C.SUPERVISION,
            "运用用电监控、在线监测等手段开展非现场执法，依法查处环境违法行为",
            "《生态环境行政处罚办法》",
        ),
    ],
    "GA": [
        (
            C.AIR,
            "负责机动车道路行驶排放监管，查处冒黑烟车辆和违反限行规定车辆",
            f"{APL}第四章第三节",
        ),
        (C.AIR, "依法查处违规燃放烟花爆竹行为", "《烟花爆竹安全管理条例》"),
        (
            C.SUPERVISION,
            "侦办污染环境犯罪案件，及时受理移送的涉嫌环境犯罪和行政拘留案件",
            f"{EPL}第六十三条；《行政执法机关移送涉嫌犯罪案件的规定》",
        ),
    ],
    "JT": [
        (
            C.AIR,
            "负责道路运输扬尘和营运车辆排放监管，推进老旧营运柴油货车淘汰",
            f"{APL}第四章第三节、第四节",
        ),
        (C.WATER, "负责港口、船舶水污染防治相关工作", f"{WPL}第四章第五节"),
    ],
    "ZJ": [
        (
            C.AIR,
            "负责建筑施工工地扬尘污染防治监管，督促落实“六个百分之百”",
            f"{APL}第六十八条、第六十九条",
        ),
        (
            C.WATER,
            "负责城镇污水集中处理设施及配套管网建设运营监管，推进城市黑臭水体整治",
            f"{WPL}第四十九条",
        ),
    ],
    "SL": [
        (C.WATER, "承担河长制日常工作，推进河湖“清四乱”和水资源保护", f"{WPL}第五条"),
        (C.WATER, "负责江河湖泊排污口设置的同意和河道采砂管理", f"{WPL}第十九条"),
    ],
    "ZR": [
        (
            C.ECOLOGY,
            "负责矿山生态修复和国土空间生态保护修复，查处违法占地、违法采矿",
            "《中华人民共和国土地管理法》；《中华人民共和国矿产资源法》",
        ),
        (C.SOIL, "在建设用地供应环节落实土壤污染状况调查要求", f"{SPL}第七条"),
    ],
    "NY": [
        (C.AIR, "指导秸秆综合利用和禁烧工作", f"{APL}第七十六条、第七十七条"),
        (C.WATER, "负责农业面源污染防治和畜禽养殖废弃物资源化利用", f"{WPL}第四章第四节"),
        (C.SOIL, "负责受污染耕地安全利用和严格管控", f"{SPL}第七条"),
    ],
    "FG": [
        (C.LEADERSHIP, "将生态环境保护要求纳入发展规划，严控高耗能、高排放项目", f"{EPL}第十三条"),
        (C.AIR, "推进能源结构调整和清洁取暖", f"{APL}第四章第一节"),
    ],
    "YJ": [
        (C.SUPERVISION, "负责危险化学品安全监管，配合做好突发环境事件应急处置", f"{EPL}第四十七条")
    ],
    "XC": [(C.SUPERVISION, "组织生态环境保护宣传教育和舆论引导，宣传举报奖励制度", f"{EPL}第九条")],
    "GX": [
        (C.AIR, "推进工业企业污染治理和重点行业错峰生产，淘汰落后产能", f"{APL}第四章第二节"),
        (C.SUPERVISION, "牵头清理整顿“散乱污”企业", CITY_RULE),
    ],
    "CG": [
        (C.AIR, "负责道路清扫保洁、渣土运输车辆和露天烧烤监管", f"{APL}第七十条、第八十一条"),
        (C.WASTE, "负责城市生活垃圾分类、收集、转运和处置", f"{SWL}第四章"),
    ],
    "SW": [(C.AIR, "负责成品油流通市场和报废机动车回收拆解行业监管", "《报废机动车回收管理办法》")],
    "WJ": [(C.WASTE, "负责医疗废物收集处置和医疗机构污水处理的监督", "《医疗废物管理条例》")],
    "LC": [
        (
            C.ECOLOGY,
            "承担林长制日常工作，保护森林、湿地资源和自然保护地",
            "《中华人民共和国森林法》；《关于全面推行林长制的意见》",
        )
    ],
    "SJ": [(C.AIR, "负责车用油品、民用散煤和锅炉产品质量监管", f"{APL}第四章第一节")],
    "CZ": [
        (
            C.LEADERSHIP,
            "统筹生态环境保护资金，保障污染防治攻坚重点项目资金需求",
            f"{EPL}第八条；{APL}第三条",
        )
    ],
    "QX": [(C.AIR, "开展重污染天气气象条件预报预警，参与空气质量会商研判", f"{APL}第六章")],
    "JY": [(C.SUPERVISION, "将生态文明教育纳入学校教育，普及环境保护知识", f"{EPL}第九条")],
    "WL": [(C.ECOLOGY, "督导旅游景区生态环境保护，开展文明旅游宣传", "《中华人民共和国旅游法》")],
}


def build_duties(*, publish_by: Any, now: dt.datetime) -> None:
    """Write the templates, generate every unit's list and publish it.

    1. One template per level and unit kind.
    2. Lists for territorial units are generated and published in one call.
    3. Department lists are generated as drafts, get their own duties
       (a branch inherits its department's), then are published.
    """
    DutyTemplate.objects.bulk_create(
        DutyTemplate(level=level, unit_kind=kind, category=c, text=text, legal_basis=basis, order=i)
        for (level, kind), entries in TEMPLATES.items()
        for i, (c, text, basis) in enumerate(entries, start=1)
    )
    for level, kind in TEMPLATES:
        if kind == UnitKind.DEPARTMENT:
            generate_lists_from_templates(level=level, unit_kind=kind)
        else:
            generate_lists_from_templates(
                level=level, unit_kind=kind, publish_by=publish_by, now=now
            )
    departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT, duty_lists__status=ListStatus.DRAFT)
    for unit in departments.order_by("code"):
        rlist = unit.duty_lists.get(status=ListStatus.DRAFT)
        for category, text, basis in DEPARTMENT_DUTIES.get(unit.code.rsplit("-", 1)[-1], []):
            add_duty(rlist=rlist, category=category, text=text, legal_basis=basis)
        publish_list(rlist=rlist, by=publish_by, now=now)
