"""Write ``petition_pairs.jsonl``: labelled pairs of petitions for the
duplicate detector (``greenloop.complaints.similarity``).

Two sources, both written by hand:

* ``HAND`` — complete pairs, each written as one piece, for the cases a
  composer would not produce (hotline transcripts, one-liners against long
  formal letters, two restaurants on one street, a repeat with the pin on the
  wrong side of the river …);
* composed pairs — a bank of places (enterprise, address and its variants,
  the names the public uses for it, a pin) and of problems (five or six
  phrasings each, formal and colloquial, short and long), combined per kind
  with a fixed seed: two *different* phrasings for a repeat, pins jittered,
  fields left empty as intake leaves them, days apart.

Run ``python tests/data/make_petition_pairs.py`` to rewrite the file; the
output is deterministic. The labels follow one rule: a pair is a duplicate
when it is the same problem at the same place (so the officer would merge
it), whatever the wording, script or how the place is written.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import opencc

OUT = Path(__file__).with_name("petition_pairs.jsonl")
CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=CST)

# --------------------------------------------------------------------------
# Problems: category, and phrasings with {n} for how the reporter names the
# place.

PROBLEMS: dict[str, tuple[str, list[str]]] = {
    "odour": (
        "AIR",
        [
            "{n}晚上偷偷排废气，一股刺鼻的化学味，开窗都不敢，小孩一直咳嗽。",
            "反映{n}异味扰民问题：该厂每日夜间十点后排放有机废气，气味刺鼻，周边居民出现头晕、恶心症状，请求查处。",
            "又臭了！{n}那边飘过来一股酸臭味，熏得人头疼。",
            "{n}生产时散发难闻气味，像油漆混着塑料烧焦的味道，整个小区都能闻到，已经持续一个多月了。",
            "晚上九点以后空气里全是化工味，源头应该就是{n}，麻烦环保局晚上来查一次。",
            "举报{n}废气未经处理直接排放，恶臭严重，下风向几百米都能闻到。",
        ],
    ),
    "smoke": (
        "AIR",
        [
            "{n}的烟囱天天冒黑烟，楼下晾的衣服全是黑点。",
            "{n}锅炉烟囱排放大量黑色浓烟，疑似燃烧劣质燃煤，未见除尘设施运行，请核查。",
            "早上六点左右{n}烟筒冒出滚滚黑烟，半边天都是黑的，我拍了视频。",
            "举报{n}锅炉房冒黑烟，烟尘落下来车上一层灰。",
            "{n}大烟囱一到晚上就冒浓烟，白天不冒，明显是在躲检查。",
        ],
    ),
    "site_noise": (
        "NOISE",
        [
            "{n}每天晚上施工到凌晨两三点，打桩声音特别大，根本睡不着觉。",
            "反映{n}夜间违规施工，22时后仍有混凝土浇筑和机械作业，噪声扰民，请求制止。",
            "半夜还在干活！{n}的塔吊和渣土车轰隆隆响，孩子明天还要考试。",
            "{n}施工噪音太大了，晚上十一点多还在切割钢筋，吵死了。",
            "夜里十二点{n}那边还在打桩，咚咚响，整栋楼都在震。",
        ],
    ),
    "sewage": (
        "WATER",
        [
            "{n}有根暗管往河里排污水，水是黑的，还有泡沫，臭得很。",
            "反映{n}通过雨水管网向河道直排生产废水，排口附近水体发黑发臭，并出现死鱼。",
            "河边那个排污口又在流黄水，上游就是{n}，一下雨排得更多。",
            "{n}晚上偷排废水，第二天早上河面漂着一层白沫，死了好几条鱼。",
            "发现{n}附近的排水口一直往河里流污水，颜色发红，气味刺鼻。",
        ],
    ),
    "quarry_dust": (
        "AIR",
        [
            "{n}开山放炮，粉尘飞得满村都是，庄稼叶子上全是白灰。",
            "反映{n}石料加工未采取喷淋降尘措施，运输车辆未覆盖，道路扬尘严重。",
            "{n}那边碎石机一开，灰尘大得看不清路，拉石头的大车也不盖篷布。",
            "{n}粉尘污染，刮风天家里窗台一天就落一层灰。",
            "采石扬尘太大了，就是{n}，村里老人都说咳嗽加重了。",
        ],
    ),
    "site_dust": (
        "AIR",
        [
            "{n}渣土车进出不冲洗，路上全是泥，一刮风扬尘特别大。",
            "反映{n}施工现场裸土未覆盖，未落实洒水降尘措施，扬尘污染严重。",
            "{n}施工也不洒水降尘，灰尘满天飞，车上一天一层土。",
            "{n}土方开挖，灰大得很，路过都得捂着嘴。",
        ],
    ),
    "straw": (
        "AIR",
        [
            "{n}地里有人烧秸秆，浓烟呛得人睁不开眼。",
            "{n}农田发生露天焚烧秸秆现象，火点多处，烟雾弥漫至村道，影响行车安全。",
            "傍晚{n}那片地又在点火烧玉米秆子，烟大得很。",
            "举报{n}田里焚烧秸秆，火光很大，离林地不远，怕出事。",
            "{n}一到晚上就有人偷偷烧秸秆，满村都是烟味。",
        ],
    ),
    "dumping": (
        "WASTE",
        [
            "{n}旁边空地半夜有人倒了几十个铁桶，桶里是黑色的油，味道很冲。",
            "反映{n}附近有人非法倾倒疑似危险废物（废矿物油、化工桶约30个），未采取任何防渗措施，请求调查来源。",
            "有辆没牌照的货车往{n}后面的空地上卸了一车油桶，卸完就跑了。",
            "{n}那边堆了一大片装废油的铁桶，下雨就往外渗，地都变黑了。",
            "{n}附近发现偷倒的废油桶，漏了一地，离水源井不远。",
        ],
    ),
    "fumes": (
        "AIR",
        [
            "{n}的油烟机直接对着我家窗户排，每天中午晚上满屋子油烟味。",
            "反映{n}未安装油烟净化设施，油烟直排居民楼，严重扰民。",
            "{n}天天烟熏火燎，窗户都不敢开。",
            "{n}厨房排烟口正对小区，油烟大，楼道里全是油腻味。",
            "{n}开业以后油烟问题一直没解决，排烟管道就在二楼阳台下面。",
        ],
    ),
    "livestock": (
        "OTHER",
        [
            "{n}臭气熏天，夏天苍蝇特别多，窗户根本不能开。",
            "反映{n}粪污露天堆放，未建设防渗防雨设施，恶臭扰民。",
            "{n}的粪就堆在路边，臭得路过都要捂鼻子。",
            "{n}一刮南风全村都是粪臭味，饭都吃不下。",
            "{n}太臭了，一到晚上臭味更重，全村都能闻到。",
        ],
    ),
    "plant_noise": (
        "NOISE",
        [
            "{n}的风机晚上也不停，嗡嗡响，一整夜都睡不好。",
            "反映{n}夜间设备噪声扰民，风机、冷却塔通宵运行，影响周边住户休息。",
            "{n}机器声一晚上没停过，轰隆隆的，关着窗户都能听见。",
            "{n}晚上设备噪音太大了，隔着两条街都能听见嗡嗡声。",
            "凌晨两点{n}还有机器在响，低频的嗡嗡声震得心慌，请测一下噪声。",
        ],
    ),
    "garbage": (
        "WASTE",
        [
            "{n}门口的垃圾站没人清理，夏天臭得不行，污水流得到处都是。",
            "反映{n}垃圾收集站清运不及时，渗滤液外溢，异味扰民。",
            "{n}垃圾站太臭了，每天早上压缩车作业的时候臭味最重。",
            "{n}的垃圾堆成山了，招老鼠，臭味飘到楼上。",
        ],
    ),
    "wire_burn": (
        "AIR",
        [
            "{n}晚上偷偷烧电线皮，黑烟带着一股塑料味。",
            "反映{n}露天焚烧废旧电缆提炼铜，产生大量有毒烟雾。",
            "{n}院子里又在烧东西，烧的是轮胎和电缆，味道特别刺鼻。",
            "{n}天一黑就点火烧废电线，浓烟往居民区飘。",
        ],
    ),
    "radiation": (
        "RADIATION",
        [
            "{n}楼顶新装了通信基站，离卧室只有几米，担心辐射影响健康。",
            "反映{n}楼顶设置移动通信基站，未公示环评，居民担忧电磁辐射。",
            "{n}顶上那个信号塔是什么时候装的？家里有孕妇，怕辐射。",
        ],
    ),
    "septic": (
        "WATER",
        [
            "{n}化粪池满了往外冒，污水顺着路流到河边，臭得很。",
            "反映{n}生活污水管网堵塞，污水溢流至路面并流入附近水沟。",
            "{n}下水道反水好几天了，黑水流了一地没人管。",
        ],
    ),
}

# --------------------------------------------------------------------------
# Places


@dataclass(frozen=True)
class Site:
    sid: str
    enterprise: str
    address: str
    variants: tuple[str, ...]  # other ways the address is written
    names: tuple[str, ...]  # how the public names it in a description
    lon: float
    lat: float
    problems: tuple[str, ...]
    kind: str  # for same_problem_different_place: sites of the same kind


SITES = [
    Site(
        "hongda",
        "示范市宏达化工有限公司",
        "铁西区兴工北街28号",
        ("兴工北街与北二路交口西侧", "铁西区兴工北街二十八号", "兴工北街28号院内"),
        ("宏达化工", "宏达化工厂", "兴工北街那家化工厂"),
        123.3712,
        41.8105,
        ("odour", "smoke", "sewage", "plant_noise"),
        "chemical",
    ),
    Site(
        "xinke",
        "示范市鑫科精细化工有限公司",
        "细河工业园区纬五路16号",
        ("细河工业园区纬五路与经二街交口", "细河工业园纬五路十六号"),
        ("鑫科化工", "鑫科精细化工", "工业园里的鑫科"),
        123.2950,
        41.8230,
        ("odour", "sewage", "dumping"),
        "chemical",
    ),
    Site(
        "hengchang",
        "示范市恒昌印染有限公司",
        "细河工业园区纬三路9号",
        ("纬三路与经一街交口南侧", "细河工业园区纬三路九号"),
        ("恒昌印染", "印染厂", "细河工业园的印染厂"),
        123.2991,
        41.8188,
        ("sewage", "odour", "smoke"),
        "chemical",
    ),
    Site(
        "jinxin",
        "东山县金鑫石料厂",
        "东山县石门镇王家村北山",
        ("石门镇王家村北侧山坡", "王家村后山采石场"),
        ("金鑫石料厂", "王家村北山的采石场", "金鑫石场"),
        123.6820,
        41.6521,
        ("quarry_dust", "plant_noise"),
        "quarry",
    ),
    Site(
        "fenglei",
        "东山县丰磊砂石有限公司",
        "东山县马家镇刘家屯东沟",
        ("马家镇刘家屯村东沟", "刘家屯东边的沟里"),
        ("丰磊砂石", "刘家屯的砂石场", "丰磊石料场"),
        123.7422,
        41.6017,
        ("quarry_dust", "sewage"),
        "quarry",
    ),
    Site(
        "yunfeng",
        "示范市城建集团有限公司",
        "铁西区云峰街与建设大路交口",
        ("云峰街88号云峰府项目", "建设大路云峰府工地"),
        ("云峰府工地", "城建集团的工地", "建设大路那个工地"),
        123.3850,
        41.7990,
        ("site_noise", "site_dust"),
        "site",
    ),
    Site(
        "feicui",
        "示范市鑫盛建筑工程有限公司",
        "铁西区保工街与南八路交口",
        ("保工街120号翡翠园项目", "南八路翡翠园工地"),
        ("翡翠园工地", "鑫盛建筑的工地", "保工街那个楼盘"),
        123.3702,
        41.7901,
        ("site_noise", "site_dust"),
        "site",
    ),
    Site(
        "laoweidao",
        "铁西区老味道烧烤店",
        "铁西区北一路56号",
        ("北一路与卫工街交口东北角", "北一路五十六号一楼门市"),
        ("老味道烧烤", "楼下烧烤店", "北一路那家烧烤"),
        123.3905,
        41.8052,
        ("fumes", "plant_noise"),
        "restaurant",
    ),
    Site(
        "chuanxiang",
        "铁西区川香阁饭店",
        "铁西区北一路12号",
        ("北一路十二号", "北一路与兴华街交口西侧"),
        ("川香阁", "川香阁饭店", "北一路的川菜馆"),
        123.3861,
        41.8049,
        ("fumes",),
        "restaurant",
    ),
    Site(
        "haidilao",
        "东山县鲜锅坊火锅店",
        "东山县城关镇人民路203号",
        ("城关镇人民路二百零三号", "人民路与文化街交口北侧"),
        ("鲜锅坊", "鲜锅坊火锅", "人民路那家火锅店"),
        123.6101,
        41.7103,
        ("fumes",),
        "restaurant",
    ),
    Site(
        "xingwang",
        "东山县兴旺生猪养殖场",
        "东山县河口乡李家村三组",
        ("河口乡李家村村东", "李家村三组东头"),
        ("兴旺养猪场", "李家村的猪场", "村东头那个猪场"),
        123.7011,
        41.7402,
        ("livestock", "sewage"),
        "farm",
    ),
    Site(
        "limin",
        "东山县利民养鸡场",
        "东山县河口乡张庄村西",
        ("河口乡张庄村村西", "张庄村西头"),
        ("利民养鸡场", "张庄的鸡场", "村西鸡场"),
        123.7203,
        41.7311,
        ("livestock",),
        "farm",
    ),
    Site(
        "zhao_field",
        "",
        "东山县石门镇赵家屯村西农田",
        ("石门镇赵家屯西边地里", "赵家屯村西"),
        ("赵家屯村西", "赵家屯西边", "赵家屯村西那片"),
        123.6633,
        41.6712,
        ("straw",),
        "field",
    ),
    Site(
        "zhang_field",
        "",
        "东山县河口乡张庄村南农田",
        ("河口乡张庄村南边", "张庄村南地"),
        ("张庄村南", "张庄南边", "张庄村南那片"),
        123.7190,
        41.7240,
        ("straw",),
        "field",
    ),
    Site(
        "brickyard",
        "",
        "铁西区卫工街北段废弃砖厂院内",
        ("卫工街北头老砖厂", "卫工街与北五路交口废弃砖厂"),
        ("废弃砖厂", "卫工街北头的老砖厂", "老砖厂"),
        123.3921,
        41.8230,
        ("dumping",),
        "dump",
    ),
    Site(
        "gravelpit",
        "",
        "东山县马家镇孙家村废弃砂坑",
        ("马家镇孙家村北砂坑", "孙家村村北大坑"),
        ("孙家村的废砂坑", "孙家村北边的大坑", "砂坑"),
        123.7510,
        41.6120,
        ("dumping", "straw"),
        "dump",
    ),
    Site(
        "yangguang_bath",
        "示范市阳光洗浴中心",
        "铁西区南十马路18号",
        ("南十马路十八号", "南十马路与重工街交口"),
        ("阳光洗浴", "阳光洗浴中心", "南十马路的洗浴"),
        123.3650,
        41.7850,
        ("smoke", "plant_noise"),
        "boiler",
    ),
    Site(
        "rehe_boiler",
        "铁西区热河供暖站",
        "铁西区热河街35号",
        ("热河街三十五号", "热河街与南三路交口"),
        ("热河供暖站", "热河街锅炉房", "供暖站"),
        123.3580,
        41.7925,
        ("smoke", "plant_noise"),
        "boiler",
    ),
    Site(
        "huarui",
        "示范市华瑞汽车配件有限公司",
        "东山县经济开发区创业路3号",
        ("开发区创业路三号", "创业路与兴业街交口东侧"),
        ("华瑞汽配", "华瑞公司", "开发区的汽配厂"),
        123.6305,
        41.7205,
        ("odour", "plant_noise", "dumping"),
        "chemical",
    ),
    Site(
        "dongfang_mix",
        "示范市东方混凝土有限公司",
        "铁西区重工南街100号",
        ("重工南街一百号", "重工南街与南十路交口搅拌站"),
        ("东方搅拌站", "重工南街那个搅拌站", "东方混凝土"),
        123.3555,
        41.7805,
        ("site_dust", "plant_noise", "sewage"),
        "site",
    ),
    Site(
        "xinyuan",
        "东山县鑫源再生资源回收站",
        "东山县城关镇北环路88号",
        ("城关镇北环路八十八号", "北环路与建设街交口废品站"),
        ("鑫源回收站", "北环路废品收购站", "废品站"),
        123.6050,
        41.7250,
        ("wire_burn", "dumping"),
        "recycler",
    ),
    Site(
        "lvyuan",
        "东山县绿源废旧物资回收站",
        "东山县马家镇马家村委会东侧",
        ("马家镇马家村东", "马家村村委会旁边"),
        ("绿源回收站", "马家村的废品站", "马家村收破烂的"),
        123.7380,
        41.6060,
        ("wire_burn",),
        "recycler",
    ),
    Site(
        "yangguang_estate",
        "",
        "铁西区启工街阳光花园小区",
        ("启工街18号阳光花园", "阳光花园小区南门"),
        ("阳光花园小区", "阳光花园", "我们小区"),
        123.3780,
        41.8020,
        ("garbage", "septic", "radiation"),
        "estate",
    ),
    Site(
        "jinshui_estate",
        "",
        "铁西区南五路金水湾小区",
        ("南五路66号金水湾", "金水湾小区北门"),
        ("金水湾小区", "金水湾", "我们小区"),
        123.3640,
        41.7960,
        ("garbage", "septic"),
        "estate",
    ),
    Site(
        "jianshe_tower",
        "",
        "铁西区建设东路15号",
        ("建设东路十五号楼", "建设东路与启工街交口"),
        ("建设东路15号楼", "15号楼", "我们这栋楼"),
        123.3820,
        41.8001,
        ("radiation",),
        "tower",
    ),
    Site(
        "chengguan_tower",
        "",
        "东山县城关镇文化街7号",
        ("城关镇文化街七号", "文化街与人民路交口南侧"),
        ("文化街7号楼", "7号楼", "我们这栋楼"),
        123.6110,
        41.7120,
        ("radiation",),
        "tower",
    ),
]
SITE = {s.sid: s for s in SITES}

# --------------------------------------------------------------------------
# Pairs written whole, by hand. (a, b, duplicate, kind, note); each report is
# a dict of the Report fields, "days" instead of a date.

H = dict[str, Any]


def r(text: str, **kw: Any) -> H:
    return {"text": text, **kw}


HAND: list[tuple[H, H, bool, str, str]] = [
    # ---- rephrase: the same complaint, written again
    (
        r(
            "12345热线转办：市民来电反映，铁西区兴工北街宏达化工有限公司每天夜间排放刺激性气体，气味类似硫磺，周边居民夜间无法开窗，要求相关部门查处。",
            enterprise="示范市宏达化工有限公司",
            address="铁西区兴工北街28号",
            lon=123.3712,
            lat=41.8105,
            category="AIR",
            days=0,
        ),
        r("宏达又在放臭气了，一股臭鸡蛋味，半夜被熏醒。", lon=123.3731, lat=41.8094, days=6),
        True,
        "rephrase",
        "hotline transcript vs one-liner; pin 250 m off",
    ),
    (
        r("北一路56号烧烤店油烟扰民", address="北一路56号", category="AIR", days=0),
        r(
            "我家住北一路56号楼上，楼下老味道烧烤每天从下午四点烤到凌晨，油烟顺着窗户往屋里灌，墙都熏黄了，找过店主没用，请环保部门督促他们装净化器。",
            enterprise="老味道烧烤",
            address="铁西区北一路56号",
            lon=123.3906,
            lat=41.8051,
            category="AIR",
            days=14,
        ),
        True,
        "rephrase",
        "title only vs long letter",
    ),
    (
        r(
            "赵家屯村西有人烧秸秆",
            address="东山县石门镇赵家屯村西",
            lon=123.6633,
            lat=41.6712,
            category="AIR",
            days=0,
        ),
        r(
            "石门镇赵家屯西边大片农田着火冒烟，应该是焚烧玉米秸秆，烟很大，请镇里派人去看看。",
            lon=123.6651,
            lat=41.6705,
            category="AIR",
            days=1,
        ),
        True,
        "rephrase",
        "next-day repeat of a burning report",
    ),
    (
        r(
            "恒昌印染排黑水进细河",
            enterprise="恒昌印染",
            address="细河工业园区纬三路9号",
            category="WATER",
            days=0,
        ),
        r(
            "细河工业园纬三路那家印染厂通过厂区东侧排水沟往细河排放有色废水，河水呈蓝黑色，下游两公里都能看到，请求监测取样。",
            address="细河工业园区纬三路",
            lon=123.2995,
            lat=41.8181,
            category="WATER",
            days=20,
        ),
        True,
        "rephrase",
        "enterprise named vs described",
    ),
    (
        r(
            "王家村后山采石场天天放炮，灰大，房子都震裂了。",
            address="石门镇王家村",
            category="AIR",
            days=0,
        ),
        r(
            "反映东山县金鑫石料厂开采作业扬尘及爆破问题：爆破频繁，粉尘覆盖周边农田，部分民房墙体出现裂缝。",
            enterprise="东山县金鑫石料厂",
            address="东山县石门镇王家村北山",
            lon=123.6820,
            lat=41.6521,
            category="AIR",
            days=31,
        ),
        True,
        "rephrase",
        "colloquial vs formal, a month apart",
    ),
    (
        r("阳光花园小区门口垃圾站臭", address="启工街阳光花园小区", category="WASTE", days=0),
        r(
            "阳光花园南门旁边的垃圾收集点好几天没清了，天热臭味大，还往外淌脏水，住一楼的根本开不了窗。",
            address="阳光花园小区南门",
            lon=123.3781,
            lat=41.8018,
            category="WASTE",
            days=3,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "鲜锅坊火锅店排烟管道对着住宅楼，油烟很大",
            enterprise="鲜锅坊火锅店",
            address="城关镇人民路203号",
            category="AIR",
            days=0,
        ),
        r(
            "人民路那家火锅店的油烟每天晚上都往我们楼里飘，衣服上都是火锅味，希望管一管。",
            address="东山县人民路",
            lon=123.6104,
            lat=41.7099,
            category="AIR",
            days=9,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "云峰府工地夜间施工噪音扰民，已经连续一周。",
            enterprise="示范市城建集团有限公司",
            address="云峰街与建设大路交口",
            lon=123.3850,
            lat=41.7990,
            category="NOISE",
            days=0,
        ),
        r(
            "凌晨一点了，建设大路工地还在浇混凝土，泵车声音巨大，有夜间施工许可吗？",
            lon=123.3862,
            lat=41.7978,
            category="NOISE",
            days=4,
        ),
        True,
        "rephrase",
        "second report names no enterprise",
    ),
    (
        r("李家村猪场粪水流进河沟", address="河口乡李家村", category="WATER", days=0),
        r(
            "反映东山县兴旺生猪养殖场养殖废水未经处理通过暗沟排入村东河沟，河沟水体发黑，恶臭明显。",
            enterprise="东山县兴旺生猪养殖场",
            address="东山县河口乡李家村三组",
            lon=123.7011,
            lat=41.7402,
            category="WATER",
            days=12,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "老砖厂院里有人倒了一堆油桶",
            address="卫工街北段",
            lon=123.3925,
            lat=41.8228,
            category="WASTE",
            days=0,
        ),
        r(
            "卫工街北头废弃砖厂内发现大量疑似危险废物，有约40个200升铁桶，部分已破损泄漏，地面有黑色油状物。",
            address="铁西区卫工街北段废弃砖厂院内",
            category="WASTE",
            days=2,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r("热河街锅炉房冒黑烟", address="热河街", category="AIR", days=0),
        r(
            "热河供暖站这两天烧煤冒大黑烟，南三路这边的楼全笼罩在烟里，呛得人咳嗽。",
            enterprise="铁西区热河供暖站",
            lon=123.3583,
            lat=41.7921,
            category="AIR",
            days=2,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r("鑫源回收站烧电缆", enterprise="东山县鑫源再生资源回收站", category="AIR", days=0),
        r(
            "北环路废品收购站晚上在院子里焚烧电线电缆，黑烟和塑料味飘进小区，这已经是第三次了。",
            address="城关镇北环路",
            lon=123.6049,
            lat=41.7253,
            category="AIR",
            days=17,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r("建设东路15号楼顶装基站，担心辐射", address="建设东路15号", category="RADIATION", days=0),
        r(
            "我们楼楼顶前几天装了一个移动信号塔，没有征求业主意见，楼里有孕妇和小孩，要求检测电磁辐射并公开环评。",
            address="铁西区建设东路15号",
            lon=123.3820,
            lat=41.8001,
            category="RADIATION",
            days=10,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r("华瑞汽配喷漆车间气味大", enterprise="华瑞汽配", category="AIR", days=0),
        r(
            "开发区创业路的汽车配件厂喷漆味太冲了，下午和晚上尤其严重，闻久了头晕。",
            address="东山县经济开发区创业路",
            lon=123.6311,
            lat=41.7201,
            category="AIR",
            days=8,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "丰磊砂石的洗砂水直接排进东沟，沟里全是泥浆。",
            enterprise="东山县丰磊砂石有限公司",
            lon=123.7422,
            lat=41.6017,
            category="WATER",
            days=0,
        ),
        r(
            "刘家屯东沟被砂石场的泥浆水污染了，原来能浇地的水现在全是黄泥汤。",
            address="马家镇刘家屯",
            lon=123.7440,
            lat=41.6025,
            category="WATER",
            days=25,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r("金水湾小区化粪池冒了", address="南五路金水湾小区", category="WATER", days=0),
        r(
            "金水湾北门那边的下水井往外冒粪水三天了，物业说不归他们管，味道太大。",
            address="金水湾小区北门",
            category="WATER",
            days=3,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r("孙家村北边大坑里有人倒垃圾和废渣", address="马家镇孙家村", category="WASTE", days=0),
        r(
            "马家镇孙家村废弃砂坑近期被大量倾倒建筑垃圾和工业废渣，夜间有车辆往来，请调查。",
            address="东山县马家镇孙家村废弃砂坑",
            lon=123.7510,
            lat=41.6120,
            category="WASTE",
            days=5,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "鑫科化工又排臭气",
            enterprise="示范市鑫科精细化工有限公司",
            lon=123.2950,
            lat=41.8230,
            category="AIR",
            days=0,
        ),
        r(
            "细河工业园这两天晚上味特别大，一股烂白菜加油漆的味，我们怀疑是纬五路的鑫科。",
            address="细河工业园区",
            lon=123.2920,
            lat=41.8215,
            category="AIR",
            days=2,
        ),
        True,
        "rephrase",
        "reporter only suspects the source",
    ),
    (
        r("张庄鸡场臭", address="河口乡张庄村", category="OTHER", days=0),
        r(
            "利民养鸡场鸡粪露天堆放，下雨后粪水横流，整个张庄都是臭味，苍蝇成群。",
            enterprise="东山县利民养鸡场",
            address="东山县河口乡张庄村西",
            category="OTHER",
            days=40,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "南十马路阳光洗浴锅炉冒黑烟",
            enterprise="阳光洗浴中心",
            address="南十马路18号",
            category="AIR",
            days=0,
        ),
        r(
            "洗浴中心的烟囱每天早上冒黑烟，就在南十马路和重工街路口，附近都是住宅。",
            address="南十马路与重工街交口",
            category="AIR",
            days=7,
        ),
        True,
        "rephrase",
        "",
    ),
    # ---- traditional script, or mixed
    (
        r(
            "宏達化工廠煙囪冒黑煙，附近居民晾的衣服都髒了。",
            enterprise="宏達化工有限公司",
            address="鐵西區興工北街28號",
            category="AIR",
            days=0,
        ),
        r(
            "宏达化工的烟囱又在冒黑烟，晾在外面的衣服全是黑点。",
            enterprise="示范市宏达化工有限公司",
            lon=123.3712,
            lat=41.8105,
            category="AIR",
            days=5,
        ),
        True,
        "traditional",
        "traditional vs simplified, rephrased",
    ),
    (
        r("北一路那家燒烤店油煙太大了，窗戶都不敢開", address="北一路56號", category="AIR", days=0),
        r("北一路那家烧烤店油烟太大了，窗户都不敢开", address="北一路56号", category="AIR", days=1),
        True,
        "traditional",
        "same text, two scripts",
    ),
    (
        r(
            "細河工業園的印染廠偷排廢水，河水都變成藍色了。",
            lon=123.2990,
            lat=41.8190,
            category="WATER",
            days=0,
        ),
        r(
            "恒昌印染往细河排有色废水，排口附近河水发蓝。",
            enterprise="恒昌印染",
            lon=123.2993,
            lat=41.8185,
            category="WATER",
            days=11,
        ),
        True,
        "traditional",
        "Taiwan-style variants",
    ),
    (
        r("張莊村南有人燒秸稈，濃煙很大", address="河口鄉張莊村南", category="AIR", days=0),
        r("张庄南边地里烧秸秆，烟呛得人受不了", address="河口乡张庄村南边", category="AIR", days=0),
        True,
        "traditional",
        "",
    ),
    (
        r(
            "阳光花园小区樓頂基站輻射问题，請求檢測",
            address="启工街阳光花园小区",
            category="RADIATION",
            days=0,
        ),
        r(
            "阳光花园小区楼顶装了基站，担心辐射，希望来测一下。",
            address="阳光花园小区",
            category="RADIATION",
            days=6,
        ),
        True,
        "traditional",
        "mixed scripts in one sentence",
    ),
    (
        r(
            "雲峰府工地半夜打樁，吵得睡不著。",
            address="雲峰街與建設大路交口",
            category="NOISE",
            days=0,
        ),
        r(
            "云峰府工地夜里打桩，声音很大睡不着觉",
            enterprise="示范市城建集团有限公司",
            lon=123.3850,
            lat=41.7990,
            category="NOISE",
            days=2,
        ),
        True,
        "traditional",
        "",
    ),
    # ---- address variants only, no pins
    (
        r("兴工北街28号化工厂晚上排臭气", address="兴工北街28号", category="AIR", days=0),
        r(
            "兴工北街和北二路路口西边那个化工厂，一到晚上就一股刺鼻的味道。",
            address="兴工北街与北二路交口西侧",
            category="AIR",
            days=9,
        ),
        True,
        "address_variant",
        "number vs crossing",
    ),
    (
        r("人民路203号火锅店油烟扰民", address="城关镇人民路203号", category="AIR", days=0),
        r(
            "人民路文化街路口北边的火锅店，排烟口对着住户，油烟很大。",
            address="人民路与文化街交口北侧",
            category="AIR",
            days=4,
        ),
        True,
        "address_variant",
        "",
    ),
    (
        r("重工南街搅拌站灰尘大", address="铁西区重工南街100号", category="AIR", days=0),
        r(
            "南十路口那个混凝土搅拌站，砂石料露天堆放，罐车进出不冲洗，扬尘很大。",
            address="重工南街与南十路交口搅拌站",
            category="AIR",
            days=13,
        ),
        True,
        "address_variant",
        "",
    ),
    (
        r("热河街35号供暖站锅炉冒黑烟", address="热河街35号", category="AIR", days=0),
        r(
            "热河街南三路路口的锅炉房烟囱冒黑烟",
            address="热河街与南三路交口",
            category="AIR",
            days=1,
        ),
        True,
        "address_variant",
        "",
    ),
    # ---- same place, different problem
    (
        r(
            "宏达化工晚上排放刺激性气体，臭味很大。",
            enterprise="示范市宏达化工有限公司",
            address="铁西区兴工北街28号",
            lon=123.3712,
            lat=41.8105,
            category="AIR",
            days=0,
        ),
        r(
            "兴工北街28号化工厂的冷却塔和风机整夜轰鸣，声音太大睡不着。",
            address="兴工北街28号",
            lon=123.3715,
            lat=41.8101,
            category="NOISE",
            days=10,
        ),
        False,
        "same_place_different_problem",
        "odour vs noise, same plant",
    ),
    (
        r(
            "阳光花园小区门口垃圾站臭气熏天",
            address="启工街阳光花园小区",
            lon=123.3780,
            lat=41.8020,
            category="WASTE",
            days=0,
        ),
        r(
            "阳光花园小区楼顶新装的通信基站离住户太近，担心辐射。",
            address="启工街阳光花园小区",
            lon=123.3782,
            lat=41.8021,
            category="RADIATION",
            days=3,
        ),
        False,
        "same_place_different_problem",
        "",
    ),
    (
        r(
            "北一路56号烧烤店油烟很大",
            address="北一路56号",
            lon=123.3905,
            lat=41.8052,
            category="AIR",
            days=0,
        ),
        r(
            "北一路56号楼下烧烤店的排风机晚上一直响，嗡嗡的吵得人睡不着。",
            address="北一路56号",
            lon=123.3905,
            lat=41.8052,
            category="NOISE",
            days=2,
        ),
        False,
        "same_place_different_problem",
        "fumes vs fan noise, same shop: hard",
    ),
    (
        r(
            "云峰府工地晚上打桩噪音大",
            address="云峰街与建设大路交口",
            lon=123.3850,
            lat=41.7990,
            category="NOISE",
            days=0,
        ),
        r(
            "云峰府工地渣土车不冲洗，建设大路上全是泥土，扬尘严重。",
            address="建设大路云峰府工地",
            lon=123.3856,
            lat=41.7987,
            category="AIR",
            days=5,
        ),
        False,
        "same_place_different_problem",
        "noise vs dust, same site",
    ),
    (
        r("金水湾小区垃圾站没人清理，太臭了", address="南五路金水湾小区", category="WASTE", days=0),
        r(
            "金水湾小区下水道堵了，污水冒到路面上",
            address="南五路金水湾小区",
            category="WATER",
            days=1,
        ),
        False,
        "same_place_different_problem",
        "both smell, different problem: hard",
    ),
    (
        r(
            "孙家村废砂坑里有人倒废渣",
            address="东山县马家镇孙家村废弃砂坑",
            lon=123.7510,
            lat=41.6120,
            category="WASTE",
            days=0,
        ),
        r(
            "孙家村北边大坑旁边的地里有人烧秸秆，烟很大。",
            address="马家镇孙家村北砂坑",
            lon=123.7512,
            lat=41.6123,
            category="AIR",
            days=30,
        ),
        False,
        "same_place_different_problem",
        "",
    ),
    # ---- same enterprise, new problem
    (
        r(
            "恒昌印染往细河偷排废水",
            enterprise="示范市恒昌印染有限公司",
            address="细河工业园区纬三路9号",
            category="WATER",
            days=0,
        ),
        r(
            "恒昌印染的定型机废气没处理，整个工业园都是一股焦糊味。",
            enterprise="示范市恒昌印染有限公司",
            address="细河工业园区纬三路9号",
            category="AIR",
            days=45,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    (
        r(
            "华瑞汽配喷漆味大，熏得头疼",
            enterprise="示范市华瑞汽车配件有限公司",
            category="AIR",
            days=0,
        ),
        r(
            "华瑞汽车配件公司把废漆渣和废机油桶堆在厂区后面露天放着，下雨往外流。",
            enterprise="示范市华瑞汽车配件有限公司",
            category="WASTE",
            days=60,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    (
        r("金鑫石料厂粉尘太大", enterprise="东山县金鑫石料厂", category="AIR", days=0),
        r(
            "金鑫石料厂晚上十点以后还在开碎石机，轰隆隆的一整夜，王家村的人都睡不好。",
            enterprise="东山县金鑫石料厂",
            category="NOISE",
            days=20,
        ),
        False,
        "same_enterprise_new_problem",
        "dust vs night crusher noise",
    ),
    (
        r("宏达化工烟囱冒黑烟", enterprise="示范市宏达化工有限公司", category="AIR", days=0),
        r(
            "宏达化工在厂区东侧雨水口偷排废水，沟里的水是红色的。",
            enterprise="示范市宏达化工有限公司",
            category="WATER",
            days=15,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    # ---- same problem, different place
    (
        r(
            "北一路56号烧烤店油烟扰民",
            enterprise="老味道烧烤",
            address="北一路56号",
            category="AIR",
            days=0,
        ),
        r(
            "北一路12号川香阁饭店油烟直排，二楼住户窗户都是油。",
            enterprise="川香阁饭店",
            address="北一路12号",
            category="AIR",
            days=3,
        ),
        False,
        "same_problem_different_place",
        "two restaurants on the same road: hard",
    ),
    (
        r("赵家屯村西有人烧秸秆", address="东山县石门镇赵家屯村西农田", category="AIR", days=0),
        r("张庄村南有人烧秸秆", address="东山县河口乡张庄村南农田", category="AIR", days=0),
        False,
        "same_problem_different_place",
        "same sentence, two villages",
    ),
    (
        r(
            "云峰府工地夜间施工噪音扰民",
            address="云峰街与建设大路交口",
            lon=123.3850,
            lat=41.7990,
            category="NOISE",
            days=0,
        ),
        r(
            "翡翠园工地夜间施工噪音扰民",
            address="保工街与南八路交口",
            lon=123.3702,
            lat=41.7901,
            category="NOISE",
            days=1,
        ),
        False,
        "same_problem_different_place",
        "same words, 1.6 km apart",
    ),
    (
        r("兴旺养猪场臭味太大", enterprise="东山县兴旺生猪养殖场", category="OTHER", days=0),
        r("利民养鸡场臭味太大", enterprise="东山县利民养鸡场", category="OTHER", days=2),
        False,
        "same_problem_different_place",
        "",
    ),
    (
        r("阳光花园小区垃圾站太臭", address="启工街阳光花园小区", category="WASTE", days=0),
        r("金水湾小区垃圾站太臭", address="南五路金水湾小区", category="WASTE", days=0),
        False,
        "same_problem_different_place",
        "",
    ),
    (
        r(
            "热河街供暖站锅炉冒黑烟",
            address="热河街35号",
            lon=123.3580,
            lat=41.7925,
            category="AIR",
            days=0,
        ),
        r(
            "南十马路洗浴中心锅炉冒黑烟",
            address="南十马路18号",
            lon=123.3650,
            lat=41.7850,
            category="AIR",
            days=0,
        ),
        False,
        "same_problem_different_place",
        "",
    ),
    # ---- unrelated
    (
        r("宏达化工晚上排臭气", enterprise="示范市宏达化工有限公司", category="AIR", days=0),
        r("张庄村南有人烧秸秆", address="河口乡张庄村南", category="AIR", days=3),
        False,
        "unrelated",
        "",
    ),
    (
        r("建设东路15号楼顶基站辐射", address="建设东路15号", category="RADIATION", days=0),
        r("丰磊砂石洗砂水排进东沟", enterprise="东山县丰磊砂石有限公司", category="WATER", days=8),
        False,
        "unrelated",
        "",
    ),
]


# --------------------------------------------------------------------------
# Held out: pairs written after the weights were set, on places and wording
# that appear nowhere above, and never used to tune anything. The quality
# test reports them on their own.

HELD_OUT: list[tuple[H, H, bool, str, str]] = [
    # ---- rephrase
    (
        r(
            "永丰造纸厂往浑河里排黄褐色的废水，河边一股酸臭味。",
            enterprise="示范市永丰造纸有限公司",
            address="铁西区沈辽路201号",
            lon=123.3301,
            lat=41.7702,
            category="WATER",
            days=0,
        ),
        r(
            "沈辽路的造纸厂排污口在浑河大桥下游约300米，出水颜色发黄起泡，建议取样检测COD。",
            address="沈辽路201号",
            lon=123.3322,
            lat=41.7690,
            category="WATER",
            days=18,
        ),
        True,
        "rephrase",
        "paper mill",
    ),
    (
        r(
            "青山水泥厂粉尘太大了，整个青山镇灰蒙蒙的。",
            enterprise="东山县青山水泥有限公司",
            category="AIR",
            days=0,
        ),
        r(
            "东山县青山水泥有限公司窑尾除尘设施疑似停运，厂区上空粉尘弥漫，周边村屯屋顶、车辆积灰严重。",
            enterprise="东山县青山水泥有限公司",
            address="东山县青山镇青山村",
            lon=123.8011,
            lat=41.6603,
            category="AIR",
            days=9,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "夜色酒吧每晚音乐声震耳欲聋，到凌晨三点才停。",
            enterprise="铁西区夜色酒吧",
            address="北二马路9号",
            category="NOISE",
            days=0,
        ),
        r(
            "北二马路9号那个酒吧的低音炮太响了，楼上住户一宿一宿睡不了觉，派出所来过也没用。",
            address="铁西区北二马路9号",
            lon=123.3712,
            lat=41.8001,
            category="NOISE",
            days=4,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "顺发洗车行的洗车水直接排到马路上，冬天结冰路滑。",
            enterprise="东山县顺发洗车行",
            address="城关镇建设街45号",
            category="WATER",
            days=0,
        ),
        r(
            "建设街45号洗车店污水横流，没有沉淀池，泥水全流进雨水井了。",
            address="东山县城关镇建设街45号",
            category="WATER",
            days=21,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "金桥农贸市场后面的垃圾好几天没拉走，又臭又招老鼠。",
            address="铁西区启工街200号",
            lon=123.3779,
            lat=41.8102,
            category="WASTE",
            days=0,
        ),
        r(
            "金桥市场垃圾房满了溢到路上，烂菜叶子发臭流汤，卫生太差。",
            enterprise="金桥农贸市场",
            lon=123.3784,
            lat=41.8099,
            category="WASTE",
            days=2,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "老张汽修把废机油倒进下水道",
            enterprise="老张汽修",
            address="保工街66号",
            category="WASTE",
            days=0,
        ),
        r(
            "保工街六十六号汽车修理厂长期将更换下来的废机油、废防冻液倾倒进门前雨水篦子，篦子周围一片油污。",
            address="铁西区保工街66号",
            category="WASTE",
            days=35,
        ),
        True,
        "rephrase",
        "Chinese numerals in the address",
    ),
    (
        r(
            "刘家沟村头天天烧垃圾，烧的是塑料袋和旧衣服，呛死人。",
            address="东山县青山镇刘家沟村",
            category="AIR",
            days=0,
        ),
        r(
            "青山镇刘家沟村村口有人露天焚烧生活垃圾，黑烟很大，希望镇里管管。",
            address="青山镇刘家沟村村口",
            lon=123.8210,
            lat=41.6511,
            category="AIR",
            days=6,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "宏源木业喷漆房的味道太冲了，晚上都飘到镇上了。",
            enterprise="东山县宏源木业有限公司",
            category="AIR",
            days=0,
        ),
        r(
            "马家镇工业园那家做家具的，喷漆废气没有处理，一股甲醛味，嗓子疼。",
            address="马家镇工业园",
            lon=123.7301,
            lat=41.6101,
            category="AIR",
            days=12,
        ),
        True,
        "rephrase",
        "enterprise only described",
    ),
    (
        r(
            "大洼养牛场牛粪堆在河边，下雨就冲进河里。",
            enterprise="东山县大洼肉牛养殖场",
            category="WATER",
            days=0,
        ),
        r(
            "反映大洼村肉牛养殖场粪污露天堆放于河道管理范围内，雨季随径流入河，污染水体。",
            address="东山县河口乡大洼村",
            lon=123.7602,
            lat=41.7450,
            category="WATER",
            days=27,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "幸福里小区广场舞音响太大声了，每天晚上七点到九点半。",
            address="铁西区南京北街幸福里小区",
            category="NOISE",
            days=0,
        ),
        r(
            "幸福里小区中心广场跳舞的音箱开到最大，孩子写不了作业，说了也不听。",
            address="幸福里小区",
            category="NOISE",
            days=5,
        ),
        True,
        "rephrase",
        "words not in any list (广场舞, 音箱)",
    ),
    (
        r(
            "康泰医院的医疗垃圾混在生活垃圾里往外拉",
            enterprise="示范市康泰医院",
            category="WASTE",
            days=0,
        ),
        r(
            "南京北街康泰医院后门的垃圾桶里有带血的纱布和输液管，医疗废物没有单独收集。",
            address="铁西区南京北街5号",
            lon=123.4010,
            lat=41.8050,
            category="WASTE",
            days=8,
        ),
        True,
        "rephrase",
        "",
    ),
    (
        r(
            "永丰造纸晚上排气，一股烂菜味儿",
            enterprise="永丰造纸",
            lon=123.3305,
            lat=41.7700,
            category="AIR",
            days=0,
        ),
        r(
            "沈辽路一带晚上有很重的恶臭，像沼气，来源是永丰造纸有限公司的污水处理站。",
            enterprise="示范市永丰造纸有限公司",
            lon=123.3280,
            lat=41.7712,
            category="AIR",
            days=3,
        ),
        True,
        "rephrase",
        "",
    ),
    # ---- traditional
    (
        r(
            "夜色酒吧音樂聲太大，淩晨還在放，吵得無法入睡。",
            address="北二馬路9號",
            category="NOISE",
            days=0,
        ),
        r(
            "夜色酒吧每晚音乐声震耳欲聋，到凌晨三点才停。",
            enterprise="铁西区夜色酒吧",
            address="北二马路9号",
            category="NOISE",
            days=1,
        ),
        True,
        "traditional",
        "",
    ),
    (
        r(
            "青山水泥廠粉塵太大了，整個青山鎮灰濛濛的。",
            enterprise="東山縣青山水泥有限公司",
            category="AIR",
            days=0,
        ),
        r(
            "青山水泥厂粉尘太大了，整个青山镇灰蒙蒙的。",
            enterprise="东山县青山水泥有限公司",
            category="AIR",
            days=2,
        ),
        True,
        "traditional",
        "same text",
    ),
    (
        r("順發洗車行污水直排馬路", address="城關鎮建設街45號", category="WATER", days=0),
        r("建设街45号洗车店污水横流，流进雨水井了", address="建设街45号", category="WATER", days=3),
        True,
        "traditional",
        "",
    ),
    (
        r("劉家溝村口有人燒垃圾，黑煙很大", address="青山鎮劉家溝村", category="AIR", days=0),
        r("刘家沟村头露天焚烧垃圾，烟很呛", address="东山县青山镇刘家沟村", category="AIR", days=0),
        True,
        "traditional",
        "",
    ),
    (
        r("康泰醫院醫療廢物混入生活垃圾", enterprise="康泰醫院", category="WASTE", days=0),
        r(
            "康泰医院医疗废物和生活垃圾混装，由普通垃圾车拉走。",
            enterprise="示范市康泰医院",
            category="WASTE",
            days=6,
        ),
        True,
        "traditional",
        "",
    ),
    (
        r(
            "大窪養牛場牛糞堆在河邊，下雨沖進河裏。",
            address="河口鄉大窪村",
            category="WATER",
            days=0,
        ),
        r(
            "大洼村养牛场的牛粪在河边堆着，一下雨就冲进河里。",
            address="河口乡大洼村",
            category="WATER",
            days=4,
        ),
        True,
        "traditional",
        "",
    ),
    # ---- address variants
    (
        r("金桥农贸市场垃圾没人清", address="启工街200号", category="WASTE", days=0),
        r(
            "启工街和北四路路口的农贸市场垃圾堆成山，臭气熏天",
            address="启工街与北四路交口东侧",
            category="WASTE",
            days=3,
        ),
        True,
        "address_variant",
        "",
    ),
    (
        r("沈辽路201号造纸厂排污水", address="沈辽路201号", category="WATER", days=0),
        r(
            "沈辽路浑河大桥北侧那个造纸厂往河里排废水",
            address="沈辽路浑河大桥北侧",
            category="WATER",
            days=7,
        ),
        True,
        "address_variant",
        "",
    ),
    (
        r("保工街66号汽修厂乱倒废机油", address="保工街66号", category="WASTE", days=0),
        r(
            "保工街和南七路交叉口的汽修厂把废油倒进下水井",
            address="保工街与南七路交口",
            category="WASTE",
            days=10,
        ),
        True,
        "address_variant",
        "",
    ),
    (
        r("北二马路9号酒吧噪音扰民", address="北二马路9号", category="NOISE", days=0),
        r(
            "北二马路和兴工街路口那家酒吧半夜音乐声太大",
            address="北二马路与兴工街交口",
            category="NOISE",
            days=2,
        ),
        True,
        "address_variant",
        "",
    ),
    (
        r("南京北街5号医院医疗垃圾乱放", address="南京北街5号", category="WASTE", days=0),
        r(
            "南京北街五号医院后门医疗废物随意堆放",
            address="南京北街五号后门",
            category="WASTE",
            days=4,
        ),
        True,
        "address_variant",
        "",
    ),
    (
        r("刘家沟村有人烧垃圾", address="青山镇刘家沟村", category="AIR", days=0),
        r("刘家沟村口焚烧生活垃圾，黑烟滚滚", address="刘家沟村口", category="AIR", days=1),
        True,
        "address_variant",
        "",
    ),
    # ---- same place, different problem
    (
        r(
            "永丰造纸往浑河排废水",
            enterprise="示范市永丰造纸有限公司",
            lon=123.3301,
            lat=41.7702,
            category="WATER",
            days=0,
        ),
        r(
            "沈辽路201号厂区里堆着大量污泥，没有遮盖，晒干了刮得到处都是。",
            address="沈辽路201号",
            lon=123.3303,
            lat=41.7701,
            category="WASTE",
            days=40,
        ),
        False,
        "same_place_different_problem",
        "paper mill: effluent vs sludge pile",
    ),
    (
        r(
            "金桥农贸市场垃圾好几天没拉走",
            address="启工街200号",
            lon=123.3779,
            lat=41.8102,
            category="WASTE",
            days=0,
        ),
        r(
            "金桥农贸市场门口早上四点就有货车卸货，喇叭声吆喝声吵得睡不着",
            address="启工街200号",
            lon=123.3780,
            lat=41.8101,
            category="NOISE",
            days=9,
        ),
        False,
        "same_place_different_problem",
        "",
    ),
    (
        r("幸福里小区广场舞音响太吵", address="幸福里小区", category="NOISE", days=0),
        r(
            "幸福里小区门口的烧烤摊油烟大，烟都飘进楼里了",
            address="幸福里小区",
            category="AIR",
            days=3,
        ),
        False,
        "same_place_different_problem",
        "",
    ),
    (
        r("刘家沟村头有人烧垃圾", address="青山镇刘家沟村", category="AIR", days=0),
        r(
            "刘家沟村的小河沟被人倒满了建筑垃圾，水都流不动了",
            address="青山镇刘家沟村",
            category="WASTE",
            days=20,
        ),
        False,
        "same_place_different_problem",
        "",
    ),
    (
        r("保工街66号汽修厂喷漆味大", address="保工街66号", category="AIR", days=0),
        r("保工街66号汽修厂把废机油倒进下水道", address="保工街66号", category="WASTE", days=12),
        False,
        "same_place_different_problem",
        "same address, same sentence shape",
    ),
    (
        r("大洼村养牛场牛粪堆在河边", address="河口乡大洼村", category="WATER", days=0),
        r("大洼村村北砖窑烟囱冒黑烟", address="河口乡大洼村", category="AIR", days=30),
        False,
        "same_place_different_problem",
        "village-level address",
    ),
    # ---- same enterprise, new problem
    (
        r("青山水泥厂粉尘大", enterprise="东山县青山水泥有限公司", category="AIR", days=0),
        r(
            "青山水泥的运输车半夜进出，一晚上轰隆隆的，还按喇叭。",
            enterprise="东山县青山水泥有限公司",
            category="NOISE",
            days=25,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    (
        r("康泰医院医疗垃圾混放", enterprise="示范市康泰医院", category="WASTE", days=0),
        r(
            "康泰医院的污水处理设备坏了，废水直接排进市政管网，下水井口有消毒水味。",
            enterprise="示范市康泰医院",
            category="WATER",
            days=50,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    (
        r("宏源木业喷漆废气扰民", enterprise="东山县宏源木业有限公司", category="AIR", days=0),
        r(
            "宏源木业的锯末和边角料在厂外空地上烧，火很大烟也大。",
            enterprise="东山县宏源木业有限公司",
            category="AIR",
            days=15,
        ),
        False,
        "same_enterprise_new_problem",
        "both AIR",
    ),
    (
        r("夜色酒吧音乐声太大", enterprise="铁西区夜色酒吧", category="NOISE", days=0),
        r(
            "夜色酒吧门口每天早上一地的啤酒瓶和呕吐物，垃圾桶满了也不清。",
            enterprise="铁西区夜色酒吧",
            category="WASTE",
            days=14,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    (
        r("顺发洗车行污水排到马路上", enterprise="东山县顺发洗车行", category="WATER", days=0),
        r(
            "顺发洗车行的高压水泵和吸尘器从早上六点就开始响，太吵了",
            enterprise="东山县顺发洗车行",
            category="NOISE",
            days=8,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    (
        r("永丰造纸废水排放", enterprise="示范市永丰造纸有限公司", category="WATER", days=0),
        r(
            "永丰造纸的锅炉烟囱这几天冒黄烟，和以前不一样",
            enterprise="示范市永丰造纸有限公司",
            category="AIR",
            days=60,
        ),
        False,
        "same_enterprise_new_problem",
        "",
    ),
    # ---- same problem, different place
    (
        r(
            "夜色酒吧每晚音乐声震耳欲聋",
            enterprise="铁西区夜色酒吧",
            address="北二马路9号",
            category="NOISE",
            days=0,
        ),
        r(
            "北二马路31号的KTV每晚唱到凌晨，声音震耳欲聋",
            enterprise="铁西区金嗓子KTV",
            address="北二马路31号",
            category="NOISE",
            days=2,
        ),
        False,
        "same_problem_different_place",
        "two bars on one road",
    ),
    (
        r("刘家沟村头有人烧垃圾", address="青山镇刘家沟村", category="AIR", days=0),
        r("王家沟村头有人烧垃圾", address="青山镇王家沟村", category="AIR", days=0),
        False,
        "same_problem_different_place",
        "two villages, one town",
    ),
    (
        r(
            "青山水泥厂粉尘大，灰蒙蒙的",
            enterprise="东山县青山水泥有限公司",
            lon=123.8011,
            lat=41.6603,
            category="AIR",
            days=0,
        ),
        r(
            "石门水泥厂粉尘大，灰蒙蒙的",
            enterprise="东山县石门水泥有限公司",
            lon=123.6790,
            lat=41.6490,
            category="AIR",
            days=4,
        ),
        False,
        "same_problem_different_place",
        "",
    ),
    (
        r(
            "幸福里小区广场舞音响太吵",
            address="南京北街幸福里小区",
            lon=123.4002,
            lat=41.8061,
            category="NOISE",
            days=0,
        ),
        r(
            "阳光花园小区广场舞音响太吵",
            address="启工街阳光花园小区",
            lon=123.3780,
            lat=41.8020,
            category="NOISE",
            days=1,
        ),
        False,
        "same_problem_different_place",
        "",
    ),
    (
        r("建设街45号洗车店污水横流", address="城关镇建设街45号", category="WATER", days=0),
        r("建设街102号洗车店污水横流", address="城关镇建设街102号", category="WATER", days=6),
        False,
        "same_problem_different_place",
        "same road, other door",
    ),
    (
        r("康泰医院医疗废物混入生活垃圾", enterprise="示范市康泰医院", category="WASTE", days=0),
        r("仁和诊所医疗废物混入生活垃圾", enterprise="铁西区仁和诊所", category="WASTE", days=3),
        False,
        "same_problem_different_place",
        "",
    ),
    (
        r(
            "大洼养牛场牛粪堆在河边",
            enterprise="东山县大洼肉牛养殖场",
            address="河口乡大洼村",
            category="WATER",
            days=0,
        ),
        r(
            "兴旺养猪场猪粪堆在河边",
            enterprise="东山县兴旺生猪养殖场",
            address="河口乡李家村",
            category="WATER",
            days=5,
        ),
        False,
        "same_problem_different_place",
        "",
    ),
    (
        r(
            "金桥农贸市场垃圾没人清，臭",
            address="启工街200号",
            lon=123.3779,
            lat=41.8102,
            category="WASTE",
            days=0,
        ),
        r(
            "北四路早市收摊后垃圾没人清，臭",
            address="北四路",
            lon=123.3850,
            lat=41.8160,
            category="WASTE",
            days=1,
        ),
        False,
        "same_problem_different_place",
        "900 m apart",
    ),
    # ---- unrelated
    (
        r("夜色酒吧噪音扰民", enterprise="铁西区夜色酒吧", category="NOISE", days=0),
        r("大洼养牛场粪污入河", enterprise="东山县大洼肉牛养殖场", category="WATER", days=9),
        False,
        "unrelated",
        "",
    ),
    (
        r("康泰医院医疗垃圾乱放", address="南京北街5号", category="WASTE", days=0),
        r("刘家沟村烧垃圾", address="青山镇刘家沟村", category="AIR", days=2),
        False,
        "unrelated",
        "",
    ),
    (
        r("幸福里小区广场舞太吵", address="幸福里小区", category="NOISE", days=0),
        r("永丰造纸排废水", enterprise="示范市永丰造纸有限公司", category="WATER", days=4),
        False,
        "unrelated",
        "",
    ),
    (
        r("保工街66号汽修厂倒废机油", address="保工街66号", category="WASTE", days=0),
        r("青山水泥厂粉尘大", enterprise="东山县青山水泥有限公司", category="AIR", days=7),
        False,
        "unrelated",
        "",
    ),
]


# --------------------------------------------------------------------------
# Composition


def jitter(rng: random.Random, lon: float, lat: float, metres: float) -> tuple[float, float]:
    d = rng.uniform(0, metres)
    theta = rng.uniform(0, 2 * math.pi)
    dlat = d * math.cos(theta) / 111_320
    dlon = d * math.sin(theta) / (111_320 * math.cos(math.radians(lat)))
    return round(lon + dlon, 6), round(lat + dlat, 6)


def phrase(
    rng: random.Random, site: Site, problem: str, avoid: int | None = None
) -> tuple[str, int]:
    texts = PROBLEMS[problem][1]
    choices = [i for i in range(len(texts)) if i != avoid]
    i = rng.choice(choices)
    return texts[i].format(n=rng.choice(site.names)), i


def report(
    rng: random.Random,
    site: Site,
    problem: str,
    text: str,
    *,
    pin: str,  # "exact", "near", "none"
    enterprise: bool,
    address: str,
    days: int,
    category: bool = True,
) -> H:
    out: H = {"text": text, "days": days}
    if pin != "none":
        lon, lat = jitter(rng, site.lon, site.lat, 30 if pin == "exact" else 250)
        out["lon"], out["lat"] = lon, lat
    if address:
        out["address"] = address
    if enterprise and site.enterprise:
        out["enterprise"] = rng.choice([site.enterprise, site.enterprise, site.names[0]])
    if category:
        out["category"] = PROBLEMS[problem][0]
    return out


def random_fields(rng: random.Random) -> dict[str, Any]:
    return {
        "pin": rng.choice(["exact", "near", "near", "none"]),
        "enterprise": rng.random() < 0.6,
        "category": rng.random() < 0.85,
    }


def placed(side: H, site: Site) -> H:
    """Give *side* an address when nothing else tells where it is, so that a
    pair about two places can be told apart at all."""
    if "lon" not in side and not side.get("address") and not side.get("enterprise"):
        side["address"] = site.address
    return side


def pick_address(rng: random.Random, site: Site) -> str:
    return rng.choice([site.address, site.address, *site.variants, ""])


def composed(rng: random.Random) -> list[tuple[H, H, bool, str, str]]:
    out: list[tuple[H, H, bool, str, str]] = []
    pairs_sp = [(s, p) for s in SITES for p in s.problems]

    # rephrase: same site, same problem, two different phrasings
    for _ in range(62):
        site, problem = rng.choice(pairs_sp)
        ta, ia = phrase(rng, site, problem)
        tb, _ = phrase(rng, site, problem, avoid=ia)
        a = report(
            rng, site, problem, ta, address=pick_address(rng, site), days=0, **random_fields(rng)
        )
        b = report(
            rng,
            site,
            problem,
            tb,
            address=pick_address(rng, site),
            days=rng.randint(0, 60),
            **random_fields(rng),
        )
        out.append((a, b, True, "rephrase", ""))

    # traditional: the repeat written in traditional characters (whole or part)
    converters = [opencc.OpenCC(c) for c in ("s2t", "s2tw", "s2hk")]
    for n in range(30):
        site, problem = rng.choice(pairs_sp)
        ta, ia = phrase(rng, site, problem)
        same = n % 3 == 0
        tb = ta if same else phrase(rng, site, problem, avoid=ia)[0]
        conv = rng.choice(converters)
        if n % 3 == 2:  # mixed: only the first half converted
            cut = len(tb) // 2
            tb = conv.convert(tb[:cut]) + tb[cut:]
        else:
            tb = conv.convert(tb)
        fields_b = random_fields(rng)
        addr_b = pick_address(rng, site)
        a = report(
            rng, site, problem, ta, address=pick_address(rng, site), days=0, **random_fields(rng)
        )
        b = report(
            rng,
            site,
            problem,
            tb,
            address=conv.convert(addr_b),
            days=rng.randint(0, 20),
            **fields_b,
        )
        if "enterprise" in b:
            b["enterprise"] = conv.convert(b["enterprise"])
        note = "same wording" if same else "mixed scripts" if n % 3 == 2 else "rephrased"
        out.append((a, b, True, "traditional", note))

    # address variants: no pins, the address written differently
    for _ in range(26):
        site, problem = rng.choice(pairs_sp)
        ta, ia = phrase(rng, site, problem)
        tb, _ = phrase(rng, site, problem, avoid=ia)
        a = report(
            rng, site, problem, ta, pin="none", enterprise=False, address=site.address, days=0
        )
        b = report(
            rng,
            site,
            problem,
            tb,
            pin="none",
            enterprise=rng.random() < 0.3,
            address=rng.choice(site.variants),
            days=rng.randint(1, 45),
        )
        out.append((a, b, True, "address_variant", ""))

    # same place, different problem (the enterprise seldom named)
    multi = [s for s in SITES if len(s.problems) > 1]
    for _ in range(26):
        site = rng.choice(multi)
        pa, pb = rng.sample(list(site.problems), 2)
        ta, _ = phrase(rng, site, pa)
        tb, _ = phrase(rng, site, pb)
        fa, fb = random_fields(rng), random_fields(rng)
        fa["enterprise"] = fb["enterprise"] = False
        a = report(rng, site, pa, ta, address=pick_address(rng, site), days=0, **fa)
        b = report(
            rng, site, pb, tb, address=pick_address(rng, site), days=rng.randint(0, 90), **fb
        )
        out.append((a, b, False, "same_place_different_problem", ""))

    # same enterprise, new problem: both name the enterprise
    named = [s for s in multi if s.enterprise]
    for _ in range(24):
        site = rng.choice(named)
        pa, pb = rng.sample(list(site.problems), 2)
        ta, _ = phrase(rng, site, pa)
        tb, _ = phrase(rng, site, pb)
        fa, fb = random_fields(rng), random_fields(rng)
        fa["enterprise"] = fb["enterprise"] = True
        a = report(rng, site, pa, ta, address=pick_address(rng, site), days=0, **fa)
        b = report(
            rng, site, pb, tb, address=pick_address(rng, site), days=rng.randint(7, 200), **fb
        )
        out.append((a, b, False, "same_enterprise_new_problem", ""))

    # same problem, different place: prefer sites of the same kind
    for _ in range(40):
        problem = rng.choice(list(PROBLEMS))
        sites = [s for s in SITES if problem in s.problems]
        if len(sites) < 2:
            continue
        sa = rng.choice(sites)
        same_kind = [s for s in sites if s.kind == sa.kind and s is not sa]
        sb = rng.choice(same_kind or [s for s in sites if s is not sa])
        ta, ia = phrase(rng, sa, problem)
        # Half the time the very same sentence about another place.
        if rng.random() < 0.5:
            tb = PROBLEMS[problem][1][ia].format(n=rng.choice(sb.names))
        else:
            tb, _ = phrase(rng, sb, problem, avoid=ia)
        a = report(
            rng, sa, problem, ta, address=pick_address(rng, sa), days=0, **random_fields(rng)
        )
        b = report(
            rng,
            sb,
            problem,
            tb,
            address=pick_address(rng, sb),
            days=rng.randint(0, 30),
            **random_fields(rng),
        )
        out.append(
            (
                placed(a, sa),
                placed(b, sb),
                False,
                "same_problem_different_place",
                f"{sa.sid} vs {sb.sid}",
            )
        )

    # unrelated
    for _ in range(14):
        (sa, pa), (sb, pb) = rng.sample(pairs_sp, 2)
        if sa is sb or pa == pb:
            continue
        ta, _ = phrase(rng, sa, pa)
        tb, _ = phrase(rng, sb, pb)
        a = report(rng, sa, pa, ta, address=pick_address(rng, sa), days=0, **random_fields(rng))
        b = report(
            rng,
            sb,
            pb,
            tb,
            address=pick_address(rng, sb),
            days=rng.randint(0, 120),
            **random_fields(rng),
        )
        out.append((placed(a, sa), placed(b, sb), False, "unrelated", f"{sa.sid} vs {sb.sid}"))
    return out


def finish(side: H, key: str) -> H:
    out = {
        "key": key,
        "text": side["text"],
        "lon": side.get("lon"),
        "lat": side.get("lat"),
        "address": side.get("address", ""),
        "enterprise": side.get("enterprise", ""),
        "category": side.get("category", ""),
        "received": (T0 + timedelta(days=side.get("days", 0), hours=hash_hours(key))).isoformat(),
    }
    return out


def hash_hours(key: str) -> int:
    return sum(map(ord, key)) % 12


def main() -> None:
    rng = random.Random(20261124)
    rows = []
    for source, pairs in (("hand", HAND), ("composed", composed(rng)), ("held_out", HELD_OUT)):
        for a, b, duplicate, kind, note in pairs:
            n = len(rows) + 1
            rows.append(
                {
                    "id": f"pair-{n:03d}",
                    "kind": kind,
                    "duplicate": duplicate,
                    "source": source,
                    "note": note,
                    "a": finish(a, f"{n:03d}a"),
                    "b": finish(b, f"{n:03d}b"),
                }
            )
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    dup = sum(r["duplicate"] for r in rows)
    print(f"{len(rows)} pairs, {dup} duplicates -> {OUT}")


if __name__ == "__main__":
    main()
