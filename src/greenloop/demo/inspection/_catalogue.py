"""What people report to an inspection team, and what the feedback report
says: the words of the demo round, by kind of problem."""

from __future__ import annotations

from dataclasses import dataclass

from greenloop.cases.models import CaseCategory, CaseState, FeedbackAspect

FIRMS = tuple(
    "鑫达恒泰宏远金鼎华兴盛源永鑫瑞丰天成东岳佳禾中兴利达鸿运新业昌隆福源聚鑫隆基海鑫嘉诚博远兴旺宝利"[
        i : i + 2
    ]
    for i in range(0, 48, 2)
)
RIVERS = ("太子河", "汤河", "杨柳河", "运粮河", "南沙河", "万水河", "小清河", "海城河")


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of problem people report, with the words each step uses."""

    code: str
    category: str
    # Who leads: "eco" the county's 生态环境分局, "county" the county
    # government, "zj"/"ga"/"zr" the city bureau.
    lead: str
    # Cooperating units: "township" the township body, or a city bureau's
    # suffix (CG, JT, NY, SL, LC…).
    cooperating: tuple[str, ...]
    # "urban" streets, "rural" towns and 乡, or "any".
    where: str
    objects: tuple[str, ...]
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    measures: str
    progress: str
    finding: str
    # Suits a long-term project that is still in progress.
    long_term: bool = False


K = Kind
KINDS: tuple[Kind, ...] = (
    K(
        "smoke",
        CaseCategory.AIR,
        "eco",
        ("township",),
        "any",
        (
            "{firm}铸造有限公司",
            "{firm}耐火材料有限公司",
            "{firm}热力有限公司",
            "{firm}化工有限公司",
        ),
        ("{obj}烟囱冒黑烟", "{obj}夜间偷排废气"),
        (
            "{place}的{obj}烟囱经常冒黑烟，夜间尤为严重，周边居民家中窗台落满黑灰。",
            "{obj}白天停产、夜间生产，废气不经处理直接排放，刺鼻难闻，影响{place}居民休息。",
        ),
        "一、责令企业停产整治；二、更换脱硫除尘设施并安装在线监测；三、开展夜间突击检查",
        "企业已完成除尘设施改造，在线监测数据连续30日达标，经监测颗粒物排放浓度符合标准。",
        "经{county}生态环境分局会同{township}现场核查，{obj}已于去年停产，现场未发现生产迹象，反映问题不属实。",
    ),
    K(
        "odour",
        CaseCategory.AIR,
        "eco",
        ("township",),
        "any",
        ("{firm}化工有限公司", "{firm}橡胶制品有限公司", "{firm}饲料有限公司", "{firm}沥青搅拌站"),
        ("{obj}生产异味扰民", "{obj}恶臭气体影响周边居民"),
        (
            "{obj}生产过程中散发刺鼻异味，{place}居民不敢开窗，多次反映未解决。",
            "{obj}有机废气收集处理设施形同虚设，异味扰民问题长期存在。",
        ),
        "一、对VOCs收集处理设施进行升级改造；二、落实泄漏检测与修复；三、加密周边异味监测",
        "企业已新建RTO废气处理设施并投入运行，厂界异味监测达标，回访周边群众满意。",
        "经现场核查和调取在线监测数据，{obj}废气排放浓度均达标，厂界未闻到明显异味，反映问题不属实。",
    ),
    K(
        "stockpile",
        CaseCategory.AIR,
        "eco",
        ("township",),
        "any",
        ("{firm}菱镁制品有限公司", "{firm}建材有限公司", "{firm}石材加工厂", "{firm}矿业有限公司"),
        ("{obj}物料露天堆放粉尘污染", "{obj}无组织排放粉尘严重"),
        (
            "{obj}原料、产品露天堆放，未苫盖，刮风时粉尘漫天，{place}周边农田、房屋落满粉尘。",
            "{obj}装卸、破碎环节无组织排放粉尘严重，厂区道路未硬化。",
        ),
        "一、建设全封闭料棚；二、厂区道路硬化并配备洗车平台；三、破碎、装卸环节加装集尘设施",
        "封闭料棚已建成投入使用，厂区道路全部硬化，破碎环节集尘设施运行正常。",
        "经现场核查，{obj}物料已全部入棚存放，厂区道路已硬化，现场无明显粉尘，反映问题不属实。",
        long_term=True,
    ),
    K(
        "site_dust",
        CaseCategory.AIR,
        "zj",
        ("CG",),
        "urban",
        ("{place}{firm}花园二期项目工地", "{place}{firm}广场项目工地", "{place}道路改造工程工地"),
        ("{obj}施工扬尘污染", "{obj}未落实扬尘防治措施"),
        (
            "{obj}裸露土方未苫盖，运输车辆未冲洗即上路，施工扬尘严重影响周边居民。",
            "{obj}未按规定设置围挡和喷淋设施，土方作业时扬尘弥漫。",
        ),
        "一、落实“六个百分之百”扬尘防治措施；二、安装视频监控和扬尘在线监测；三、对施工单位依法处罚",
        "工地已全面落实围挡、苫盖、冲洗、硬化等措施，扬尘在线监测数据正常，已依法处罚施工单位。",
        "经现场核查，{obj}已停工，裸露土方已全部苫盖，现场未见扬尘，反映问题不属实。",
    ),
    K(
        "muck",
        CaseCategory.AIR,
        "zj",
        ("CG", "GA"),
        "urban",
        ("{place}渣土运输车辆",),
        ("渣土车夜间抛洒滴漏", "渣土运输车辆带泥上路"),
        (
            "每天夜间大量渣土车经过{place}，车辆未密闭，沿途抛洒，道路扬尘严重。",
            "渣土运输车辆带泥上路，{place}主干道路面泥土成片，晴天扬尘、雨天泥泞。",
        ),
        "一、开展渣土运输专项整治；二、渣土车全部安装密闭装置和卫星定位；三、公安交警、城管联合夜查",
        "已查处违规渣土车23台次，涉事运输企业车辆全部完成密闭改装，道路已清扫冲洗。",
        "经连续5个夜间蹲守核查，未发现渣土车抛洒滴漏现象，反映问题不属实。",
    ),
    K(
        "trucks",
        CaseCategory.AIR,
        "ga",
        ("JT", "eco"),
        "any",
        ("{place}{firm}物流园", "{firm}运输有限公司"),
        ("{obj}重型柴油货车冒黑烟", "{obj}柴油货车尾气超标"),
        (
            "{obj}进出的重型柴油货车冒黑烟，{place}周边道路尾气污染严重。",
            "{obj}大量国三柴油货车违规上路，尾气排放超标。",
        ),
        "一、开展路检路查和入户检查；二、督促淘汰国三及以下柴油货车；三、建立重点用车单位门禁系统",
        "已开展联合路检12次，查处超标车辆37台，物流园已安装门禁监控系统。",
        "经公安交警、生态环境部门联合路检，{obj}进出车辆尾气检测均达标，反映问题不属实。",
    ),
    K(
        "fumes",
        CaseCategory.AIR,
        "county",
        ("township", "CG"),
        "urban",
        ("{place}{firm}烧烤店", "{place}{firm}饭店"),
        ("{obj}油烟扰民", "{obj}露天烧烤油烟污染"),
        (
            "{obj}未安装油烟净化设施，油烟直排居民楼，楼上住户不敢开窗。",
            "{obj}占道露天烧烤，油烟、噪声扰民至深夜。",
        ),
        "一、责令安装油烟净化设施并规范排放；二、取缔露天烧烤；三、纳入网格日常巡查",
        "商户已安装油烟净化设施，专用烟道高空排放，露天烧烤已取缔，回访居民满意。",
        "经现场核查，{obj}已安装油烟净化设施并正常使用，反映问题不属实。",
    ),
    K(
        "straw",
        CaseCategory.AIR,
        "county",
        ("township", "NY"),
        "rural",
        ("{place}周边农田",),
        ("{place}秸秆焚烧", "{place}露天焚烧秸秆和垃圾"),
        (
            "{place}周边农田夜间焚烧秸秆，浓烟弥漫，呛得人喘不过气。",
            "{place}村民在田间地头露天焚烧秸秆和生活垃圾。",
        ),
        "一、落实秸秆禁烧网格化管理；二、推进秸秆综合利用；三、开展夜间巡查",
        "已落实网格员包片巡查，秸秆离田利用率达到95%，未再发现焚烧火点。",
        "经实地核查和卫星火点比对，反映地点未发现焚烧痕迹，反映问题不属实。",
    ),
    K(
        "effluent",
        CaseCategory.WATER,
        "eco",
        ("township", "SL"),
        "any",
        ("{firm}食品有限公司", "{firm}印染有限公司", "{firm}洗煤厂", "{firm}屠宰场"),
        ("{obj}废水直排{river}", "{obj}私设暗管偷排废水"),
        (
            "{obj}生产废水未经处理通过暗管直排{river}，河水发黑发臭。",
            "{obj}夜间偷排废水，{place}附近{river}支流经常出现白色泡沫。",
        ),
        "一、封堵暗管并立案查处；二、建设废水处理设施；三、对受污染河段开展清淤",
        "暗管已封堵，企业新建污水处理站运行正常，出水达标后排入城镇污水管网，已立案处罚。",
        "经对企业周边河道排查和水质采样监测，未发现直排口，水质达标，反映问题不属实。",
    ),
    K(
        "sewage",
        CaseCategory.WATER,
        "county",
        ("township", "ZJ"),
        "any",
        ("{place}生活污水排放口",),
        ("{place}生活污水直排{river}", "{place}污水管网不完善污水溢流"),
        (
            "{place}生活污水未经处理直排{river}，夏季臭味严重。",
            "{place}污水管网老旧破损，雨天污水溢流进入{river}。",
        ),
        "一、建设截污管网；二、新建（扩建）污水处理设施；三、排污口规范化整治",
        "截污管网主体已完工，污水处理站已通水调试，排污口已完成规范化整治。",
        "经现场排查，{place}生活污水已全部接入市政管网，未发现直排，反映问题不属实。",
        long_term=True,
    ),
    K(
        "livestock",
        CaseCategory.WATER,
        "county",
        ("township", "NY"),
        "rural",
        ("{village}{surname}家养猪场", "{village}{surname}家养牛场"),
        ("{obj}粪污直排", "{obj}养殖粪污污染环境"),
        (
            "{obj}养殖粪污未经处理直接排入村边沟渠，臭气熏天，污染{river}。",
            "{obj}粪便露天堆放，雨天流入农田和河道。",
        ),
        "一、建设防渗储粪池和污水收集池；二、推进粪污资源化利用；三、对不具备治理条件的依法关停",
        "养殖场已建成防渗储粪场和污水收集池，粪污全部还田利用，已通过验收。",
        "经核查，{obj}已于今年初关停，圈舍已拆除，反映问题不属实。",
        long_term=True,
    ),
    K(
        "blackwater",
        CaseCategory.WATER,
        "county",
        ("ZJ", "township"),
        "urban",
        ("{place}排洪沟",),
        ("{place}排洪沟黑臭", "{place}河段黑臭水体"),
        (
            "{place}排洪沟常年黑臭，垃圾淤积，蚊蝇滋生，影响周边居民生活。",
            "{place}附近河段水体发黑，散发臭味。",
        ),
        "一、控源截污；二、清淤疏浚；三、生态修复；四、建立长效管护机制",
        "已完成截污管网建设和河道清淤，水质监测透明度、溶解氧等指标已消除黑臭。",
        "经采样监测，该河段透明度、溶解氧、氨氮等指标均不属于黑臭水体，反映问题不属实。",
        long_term=True,
    ),
    K(
        "dumping",
        CaseCategory.WASTE,
        "county",
        ("township", "CG"),
        "any",
        ("{place}北侧沟渠", "{place}废弃砖厂"),
        ("{obj}非法倾倒建筑垃圾", "{obj}堆放大量工业固废"),
        (
            "有人在{obj}非法倾倒建筑垃圾和工业固废，已形成大面积垃圾堆。",
            "{obj}长期堆放不明工业固废，雨后渗滤液流入农田。",
        ),
        "一、清运倾倒垃圾并规范处置；二、追查倾倒责任人依法处罚；三、设置视频监控防止反弹",
        "倾倒垃圾已全部清运至正规消纳场，已查处倾倒责任人2人，现场已设置视频监控。",
        "经现场核查，{obj}堆放物为村民建房临时堆放的砂石料，已清理，反映问题不属实。",
    ),
    K(
        "hazardous",
        CaseCategory.WASTE,
        "eco",
        ("township",),
        "any",
        ("{firm}机械加工厂", "{firm}汽修厂", "{firm}化工有限公司"),
        ("{obj}危险废物随意堆放", "{obj}废机油非法处置"),
        (
            "{obj}废机油、废油桶等危险废物露天随意堆放，无防渗措施。",
            "{obj}将废机油私下卖给无资质个人处置。",
        ),
        "一、规范建设危险废物贮存库；二、委托有资质单位处置；三、建立危险废物管理台账",
        "企业已建成规范的危废贮存间，与有资质单位签订处置合同，台账齐全。",
        "经现场核查，{obj}危险废物已规范贮存并委托有资质单位处置，转移联单齐全，反映问题不属实。",
    ),
    K(
        "night_noise",
        CaseCategory.NOISE,
        "zj",
        ("CG",),
        "urban",
        ("{place}{firm}名苑项目工地",),
        ("{obj}夜间施工噪声扰民",),
        ("{obj}未办理夜间施工许可，夜间施工至凌晨，噪声严重扰民。",),
        "一、责令停止违规夜间施工；二、依法处罚；三、纳入施工噪声重点监管",
        "已对施工单位依法处罚，未再发现违规夜间施工，回访居民满意。",
        "经核查，{obj}夜间施工为混凝土连续浇筑，已办理夜间施工许可并公示，反映问题不属实。",
    ),
    K(
        "social_noise",
        CaseCategory.NOISE,
        "county",
        ("township", "GA"),
        "urban",
        ("{place}{firm}KTV", "{place}{firm}广场"),
        ("{obj}噪声扰民",),
        ("{obj}音响声音过大，每天营业至深夜，严重影响周边居民休息。",),
        "一、责令加装隔音降噪设施；二、限定营业时段；三、加强夜间巡查",
        "经营场所已加装隔音设施，经监测厂界噪声达标，已限定营业时段。",
        "经夜间噪声监测，{obj}边界噪声符合标准，反映问题不属实。",
    ),
    K(
        "sand",
        CaseCategory.ECOLOGY,
        "zr",
        ("SL", "county"),
        "rural",
        ("{river}{village}段",),
        ("{obj}非法采砂", "{obj}河道乱挖乱采"),
        (
            "{obj}有人夜间非法采砂，河床被挖得千疮百孔，河堤存在安全隐患。",
            "{obj}存在非法采砂和乱堆乱放问题，破坏河道生态。",
        ),
        "一、依法取缔非法采砂点；二、恢复河道原貌；三、建立河长巡河和联合执法机制",
        "非法采砂点已全部取缔，砂坑已回填平整，河道生态修复工程已完成。",
        "经河长办会同水利部门现场核查，反映河段为经批准的河道疏浚工程，反映问题不属实。",
        long_term=True,
    ),
    K(
        "quarry",
        CaseCategory.ECOLOGY,
        "zr",
        ("LC", "county"),
        "rural",
        ("{village}采石场", "{village}废弃矿山"),
        ("{obj}破坏山体", "{obj}生态修复不到位"),
        (
            "{obj}违规开采，山体破坏严重，开采结束后未进行生态修复。",
            "{obj}越界开采，毁坏林地。",
        ),
        "一、依法查处越界开采；二、编制矿山生态修复方案；三、实施边坡治理和复绿",
        "越界开采已依法查处，矿山生态修复工程已完成边坡治理和复绿。",
        "经自然资源部门核查，{obj}开采范围在许可范围内，已按方案进行修复，反映问题不属实。",
        long_term=True,
    ),
    K(
        "tailings",
        CaseCategory.SOIL,
        "eco",
        ("ZR",),
        "rural",
        ("{village}尾矿库",),
        ("{obj}渗漏污染土壤",),
        ("{obj}防渗措施不到位，渗滤液污染周边农田土壤。",),
        "一、开展土壤污染状况调查；二、完善尾矿库防渗和截洪设施；三、对受污染农田实施安全利用",
        "尾矿库防渗和截洪设施已完善，受影响农田已实施安全利用措施。",
        "经土壤采样检测，周边农田土壤各项指标均低于风险筛选值，反映问题不属实。",
        long_term=True,
    ),
)
SEND_BACK_COMMENTS = (
    "佐证材料不全：缺少整改后的监测报告，请补充后重新申请验收。",
    "现场验收发现整改不彻底，仍有部分物料未入棚，请继续整改。",
    "整改前后对比照片不清晰，无法证明整改效果，请补充材料。",
)
INSTRUCTIONS = (
    "请牵头单位主要负责同志亲自抓，立行立改，限期办结，结果报市委、市政府。",
    "此件群众反映强烈，要举一反三，全面排查同类问题，坚决防止反弹。",
    "请市生态委办跟踪督办，整改不到位的严肃追责问责。",
)


# --- the feedback report ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    aspect: str
    category: str
    lead: str  # a city department suffix
    cooperating: tuple[str, ...]
    title: str
    description: str
    target: str
    measures: str
    # "jan": the end of the next January; "year": the end of next year.
    deadline: str
    state: str


TASKS: tuple[Task, ...] = (
    Task(
        FeedbackAspect.COMMON,
        CaseCategory.AIR,
        "STHJ",
        ("GX", "ZJ", "GA", "JT"),
        "部分地区大气污染防治工作推进不力，重污染天气应对不到位",
        "督察发现，全省部分城市PM2.5浓度不降反升，重污染天气应急减排清单更新不及时，部分企业未落实停限产措施。",
        "PM2.5年均浓度持续下降，重污染天数明显减少；应急减排清单企业措施落实率100%。",
        "一、修订重污染天气应急预案和减排清单；二、推进钢铁、菱镁行业超低排放改造；三、开展停限产措施专项检查",
        "year",
        CaseState.RECTIFYING,
    ),
    Task(
        FeedbackAspect.COMMON,
        CaseCategory.WATER,
        "ZJ",
        ("SL", "STHJ"),
        "城镇生活污水收集处理设施建设滞后，污水直排问题依然存在",
        "全省城镇污水处理厂进水浓度普遍偏低，管网混错接、破损问题突出，部分地区生活污水直排。",
        "城市生活污水集中收集率达到70%以上，消除城市建成区生活污水直排口。",
        "一、实施管网混错接改造和破损修复；二、新建、扩建污水处理厂；三、开展直排口排查整治",
        "year",
        CaseState.RECTIFYING,
    ),
    Task(
        FeedbackAspect.COMMON,
        CaseCategory.WASTE,
        "STHJ",
        ("GX", "YJ"),
        "固体废物和危险废物监管存在薄弱环节，非法倾倒问题时有发生",
        "全省危险废物规范化管理水平不高，一般工业固体废物非法倾倒案件多发。",
        "危险废物规范化环境管理评估达标率100%，非法倾倒问题动态清零。",
        "一、开展危险废物专项整治；二、建立固体废物非法倾倒排查机制；三、严厉打击环境违法犯罪",
        "jan",
        CaseState.ACCEPTANCE_REQUESTED,
    ),
    Task(
        FeedbackAspect.COMMON,
        CaseCategory.ECOLOGY,
        "ZR",
        ("LC", "STHJ"),
        "历史遗留矿山生态修复进展缓慢",
        "全省历史遗留废弃矿山数量多，生态修复资金投入不足，部分修复工程进展滞后。",
        "按计划完成历史遗留矿山生态修复任务，修复后复绿率达到85%以上。",
        "一、建立废弃矿山清单；二、分年度实施生态修复工程；三、引入社会资本参与修复",
        "year",
        CaseState.RECTIFYING,
    ),
    Task(
        FeedbackAspect.COMMON,
        CaseCategory.WATER,
        "NY",
        ("STHJ",),
        "农业农村污染治理存在短板，畜禽养殖粪污资源化利用水平不高",
        "全省部分规模养殖场粪污处理设施配套不到位，农村生活污水治理率偏低。",
        "畜禽粪污综合利用率达到80%以上，规模养殖场粪污处理设施装备配套率100%。",
        "一、推进规模养殖场粪污处理设施建设；二、推广粪肥还田；三、加强养殖污染执法监管",
        "jan",
        CaseState.RECTIFYING,
    ),
    Task(
        FeedbackAspect.SPECIFIC,
        CaseCategory.AIR,
        "STHJ",
        ("GX",),
        "菱镁、耐火材料行业无组织排放问题突出",
        "督察发现，{city}菱镁、耐火材料企业物料露天堆放、破碎环节无组织排放粉尘问题突出，群众反映强烈。",
        "菱镁、耐火材料企业全部完成无组织排放治理，物料全部入棚入仓。",
        "一、逐企制定“一厂一策”治理方案；二、建设封闭料棚和集尘设施；三、对治理不达标企业依法停产整治",
        "jan",
        CaseState.CLOSED,
    ),
    Task(
        FeedbackAspect.SPECIFIC,
        CaseCategory.AIR,
        "ZJ",
        ("CG", "JT"),
        "城区建筑施工扬尘和道路扬尘管控不严",
        "{city}城区部分建筑工地扬尘防治措施不落实，渣土车抛洒滴漏问题突出。",
        "建筑工地“六个百分之百”落实率100%，城区主次干道机械化清扫率达到90%。",
        "一、开展建筑工地扬尘专项整治；二、推进渣土车密闭化改造；三、提高道路机械化清扫保洁水平",
        "jan",
        CaseState.CLOSED,
    ),
    Task(
        FeedbackAspect.SPECIFIC,
        CaseCategory.WATER,
        "STHJ",
        ("SL",),
        "{river}部分断面水质不能稳定达标，入河排污口排查整治不彻底",
        "{river}{city}段国控断面今年多个月份水质超标，入河排污口排查整治工作进展缓慢。",
        "{river}国控断面水质稳定达到Ⅳ类，完成入河排污口“查、测、溯、治”。",
        "一、完成入河排污口排查溯源；二、实施排污口分类整治；三、加密断面水质监测预警",
        "jan",
        CaseState.RECTIFYING,
    ),
    Task(
        FeedbackAspect.SPECIFIC,
        CaseCategory.AIR,
        "GA",
        ("JT", "STHJ"),
        "重型柴油货车污染管控不到位",
        "{city}重型柴油货车保有量大，路检路查和入户检查覆盖率低，超标排放车辆上路问题突出。",
        "国三及以下排放标准柴油货车淘汰任务全面完成，重点用车单位门禁监控全覆盖。",
        "一、开展柴油货车联合执法；二、推进老旧车辆淘汰；三、重点用车单位安装门禁系统",
        "jan",
        CaseState.RECTIFYING,
    ),
)
