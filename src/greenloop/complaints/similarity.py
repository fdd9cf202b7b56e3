"""Repeat petitions (重复访): propose earlier reports a new one may repeat.

A pure kernel (no Django, no clock; it reads only its own word lists in
``similarity_data/`` at import). A repeat is the *same problem at the same
place*, so :func:`compare` scores two reports on two axes and combines them
as ``sqrt(place × problem)``: neither "same place, different problem" nor
"same problem, different place" can score high.

1. **place** — the same 反映对象 (enterprise name, fuzzy, or named in the
   other report's text), the distance between the two pins, or the two
   addresses (road/village/estate keys and house numbers); two different
   enterprises, pins far apart, the same road with other doors, or two
   addresses with no road in common cap it. With nothing to compare the
   place is unknown (neutral).
2. **problem** — the similarity of the two descriptions after
   normalisation (traditional → simplified, full-width → half-width,
   punctuation, the place names and complaint boilerplate removed), on
   character bigrams and characters, and the overlap of the kinds of
   nuisance named (黑烟, 异味, 噪声, 污水, 扬尘, 焚烧, 倾倒, 油烟, 粪污 …); the
   intake category stands in when the words name none.

The decision rule ``score >= THRESHOLD`` and the weights were measured on the
labelled set ``tests/data/petition_pairs.jsonl``; the method, the figures and
the known weaknesses are in ``docs/complaints-duplicates.md``.

Examples
--------
>>> from greenloop.complaints.similarity import Report, compare, normalise
>>> normalise("宏達化工廠煙囪冒黑煙！ ＡＢＣ１２")
'宏达化工厂烟囱冒黑烟abc12'
>>> a = Report("1", "宏达化工厂烟囱天天冒黑烟", enterprise="宏达化工有限公司")
>>> b = Report("2", "宏達化工的煙囪又在冒黑煙了", enterprise="宏達化工有限公司")
>>> c = compare(a, b)
>>> c.is_likely, c.same_enterprise
(True, True)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import opencc
from rapidfuzz import fuzz

__all__ = [
    "THRESHOLD",
    "Candidate",
    "Index",
    "Report",
    "candidates",
    "compare",
    "normalise",
]

#: Decision rule: a candidate is a likely repeat when ``score >= THRESHOLD``
#: (measured on the labelled set, see docs/complaints-duplicates.md).
THRESHOLD = 0.5
#: Candidates scoring at or below this are not proposed at all.
FLOOR = 0.30


@dataclass(frozen=True, slots=True)
class Report:
    """One petition or public report, as much of it as matters here."""

    key: str  # the petition's id as text
    text: str  # title + description as the public wrote it
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    enterprise: str = ""  # 反映对象 / enterprise name, may be empty
    category: str = ""  # case category code (AIR, WATER, SOIL, WASTE, NOISE, …)
    received: datetime | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier report that may be repeated by a new one, and why."""

    key: str  # the earlier report's key
    score: float  # 0..1, higher = more likely a repeat
    is_likely: bool  # score >= THRESHOLD
    reasons: tuple[str, ...]  # Chinese, human-readable
    text_similarity: float
    distance_m: float | None
    same_enterprise: bool


# --------------------------------------------------------------------------
# Normalisation

# tw2s also maps Taiwan variants (著→着, 汙→污); hk2s the Hong Kong ones
# (衞→卫). Both leave simplified text as it is.
_TW2S = opencc.OpenCC("tw2s")
_HK2S = opencc.OpenCC("hk2s")


def _to_simplified(text: str) -> str:
    simplified: str = _HK2S.convert(_TW2S.convert(text))
    return simplified


# Anything but letters (CJK included) and digits: punctuation, symbols,
# spaces, control and format characters.
_NOT_WORD_RE = re.compile(r"[\W_]+")


def _letters_and_digits(text: str) -> str:
    return _NOT_WORD_RE.sub("", text).lower()


@lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """Return *text* in comparable form.

    Traditional (and Taiwan/Hong Kong variant) characters become simplified,
    full-width letters and digits half-width (NFKC), Latin letters lower
    case; punctuation, symbols and white space are removed.

    Examples
    --------
    >>> normalise("汙水直排進河裡， 臭氣熏天！！")
    '污水直排进河里臭气熏天'
    >>> normalise("幸福路１２號（北側）")
    '幸福路12号北侧'
    """
    return _to_simplified(_letters_and_digits(unicodedata.normalize("NFKC", text)))


def _data_lines(name: str) -> list[str]:
    text = (
        resources.files("greenloop.complaints").joinpath("similarity_data", name).read_text("utf-8")
    )
    return [ln for ln in (raw.split("#", 1)[0].strip() for raw in text.splitlines()) if ln]


def _data_words(name: str) -> list[str]:
    return [w for ln in _data_lines(name) for w in ln.split()]


# Complaint boilerplate that says nothing about *which* problem: removed from
# descriptions before comparing them. Longest first, so that 处理一下 goes
# before 处理.
_BOILERPLATE = sorted(set(_data_words("boilerplate.txt")), key=len, reverse=True)
_BOILERPLATE_RE = re.compile("|".join(map(re.escape, _BOILERPLATE)))

# Kinds of nuisance and the words that name them; see the file.
_FACETS: dict[str, tuple[str, ...]] = {
    facet.strip(): tuple(words.split())
    for facet, words in (line.split(":", 1) for line in _data_lines("facets.txt"))
}

_FACET_RES = {
    facet: re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))
    for facet, words in _FACETS.items()
}
_FACET_BITS = {facet: 1 << n for n, facet in enumerate(_FACETS)}

# Symptoms that accompany many problems (sewage, livestock and burning smell;
# burning smokes) count less than the problems themselves.
_FACET_WEIGHT = {"异味": 0.4, "黑烟": 0.6}

_CATEGORY_NAMES = {
    "AIR": "大气",
    "WATER": "水",
    "SOIL": "土壤",
    "WASTE": "固废",
    "NOISE": "噪声",
    "ECOLOGY": "生态",
    "RADIATION": "辐射",
    "OTHER": "其他",
}

# Place keys: a road, street, lane, village or estate with its name (up to
# four characters since the previous place word: 铁西区兴工北街 → 兴工北街,
# 青山镇刘家沟村 → 刘家沟村) — fine places; a district, town, township or
# zone — coarse places, shared by many sites, so weak evidence.
_FINE_SUFFIXES = frozenset(
    ("大道", "大街", "小区", "社区", "花园", "家园", "公寓", "广场", "大厦")
    + ("路", "街", "巷", "村", "屯", "庄", "苑")
)
_COARSE_SUFFIXES = frozenset(
    ("工业园区", "工业园", "开发区", "园区", "街道", "镇", "乡", "省", "市", "县", "区")
)
_SUFFIXES = sorted(_FINE_SUFFIXES | _COARSE_SUFFIXES, key=len, reverse=True)
_SUFFIX_RE = re.compile("|".join(map(re.escape, _SUFFIXES)))
_NAME_MIN, _NAME_MAX = 2, 4
# Characters that end a place name without being part of the next one:
# "幸福路与建设街交口", "北环路88号", "那个村".
_PLACE_BREAK_RE = re.compile(r"[^\u4e00-\u9fff]+|号|与|及|(?<=[路街巷村])和|那个|这个")
_HOUSE_AFTER_RE = re.compile(r"(\d+)号")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER_RE = re.compile(r"[零〇一二两三四五六七八九十百]+(?=号)")
_ENTERPRISE_SUFFIX_RE = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|股份公司|分公司|总公司|公司|集团|"
    r"合作社|经营部|门市部|个体户|工作室|厂区|分厂|总厂)+$"
)
_ADMIN_PREFIX_RE = re.compile(r"^([\u4e00-\u9fff]{2,4}?[省市])?([\u4e00-\u9fff]{2,4}?[区县])?")


def _cn_number(text: str) -> int:
    """Chinese numerals up to 999 ("十二" → 12, "一百零五" → 105)."""
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[ch]
    return total + current


def _arabic_house_numbers(text: str) -> str:
    return _CN_NUMBER_RE.sub(lambda m: str(_cn_number(m.group(0))), text)


def _enterprise_core(name: str) -> str:
    """The distinctive part of an enterprise name: 示范市宏达化工有限公司 → 宏达化工."""
    core = _ENTERPRISE_SUFFIX_RE.sub("", normalise(name))
    stripped = _ADMIN_PREFIX_RE.sub("", core)
    return stripped if len(stripped) >= 2 else core


def _place_keys(text: str) -> tuple[frozenset[str], frozenset[str], dict[str, int]]:
    """(fine keys, coarse keys, house number of each fine key) in *text*.

    Examples
    --------
    >>> fine, coarse, houses = _place_keys("东山县青山镇刘家沟村")
    >>> sorted(fine), sorted(coarse)
    (['刘家沟村'], ['东山县', '青山镇'])
    >>> fine, coarse, houses = _place_keys("兴工北街28号与北二路交口")
    >>> sorted(fine), houses
    (['兴工北街', '北二路'], {'兴工北街': 28})
    """
    fine: set[str] = set()
    coarse: set[str] = set()
    houses: dict[str, int] = {}
    pos = 0
    for segment in _PLACE_BREAK_RE.sub(" ", text).split():
        start = 0
        for m in _SUFFIX_RE.finditer(segment):
            i, suffix = m.start(), m.group(0)
            if i - start < _NAME_MIN:
                continue
            key = segment[max(start, i - _NAME_MAX) : i] + suffix
            start = m.end()
            if suffix in _FINE_SUFFIXES:
                fine.add(key)
                # A house number right after the key in the original text.
                at = text.find(key, pos)
                if at >= 0:
                    pos = at + len(key)
                    number = _HOUSE_AFTER_RE.match(text, pos)
                    if number:
                        houses[key] = int(number.group(1))
            else:
                coarse.add(key)
    return frozenset(fine), frozenset(coarse), houses


# --------------------------------------------------------------------------
# Features of one report, computed once


@dataclass(frozen=True, slots=True)
class _Features:
    text: str  # normalised description
    core: str  # enterprise core, normalised
    address: str  # normalised address, house numbers in digits
    fine: frozenset[str]  # road, village, estate keys
    coarse: frozenset[str]  # town, township, zone keys
    guessed: bool  # places taken from the description, not the address
    houses: tuple[tuple[str, int], ...]  # (road key, house number)
    bigrams: frozenset[str]  # of the problem text
    chars: frozenset[str]  # of the problem text
    facets: frozenset[str]
    traditional: bool  # the description had traditional characters
    radlat: float | None
    radlon: float | None


def _strip_for_problem(text: str, removals: Iterable[str]) -> list[str]:
    """Split *text* into the pieces that describe the problem: without the
    names of the place and without complaint boilerplate."""
    for r in sorted({r for r in removals if len(r) >= 2}, key=len, reverse=True):
        text = text.replace(r, "|")
    text = _BOILERPLATE_RE.sub("|", text)
    return [p for p in text.split("|") if p]


# About 6.5 KB a report: 8,192 reports (a busy year) cost about 55 MB.
@lru_cache(maxsize=8192)
def _features(report: Report) -> _Features:
    raw = unicodedata.normalize("NFKC", report.text)
    text = normalise(report.text)
    numbered_text = _arabic_house_numbers(text)
    simplified_raw = _letters_and_digits(raw)
    address = _arabic_house_numbers(normalise(report.address))
    fine, coarse, houses = _place_keys(address)
    enterprise = normalise(report.enterprise)
    core = _enterprise_core(report.enterprise) if enterprise else ""
    # Only names known to be places are cut out of the description: keys
    # found in free text are often not places at all (秸秆满村 → "秆满村").
    removals = [enterprise, core, address, *fine, *coarse]
    guessed = not fine and not coarse
    if guessed:
        # No usable address: fall back on the places the description names,
        # as weak evidence only.
        fine, coarse, houses = _place_keys(numbered_text)
    pieces = _strip_for_problem(numbered_text, removals)
    stripped = "|".join(pieces)
    has_pin = report.lon is not None and report.lat is not None
    return _Features(
        text=text,
        core=core,
        address=address,
        fine=fine,
        coarse=coarse,
        guessed=guessed,
        houses=tuple(sorted(houses.items())),
        bigrams=frozenset(p[i : i + 2] for p in pieces for i in range(len(p) - 1)),
        chars=frozenset(ch for p in pieces for ch in p),
        facets=frozenset(f for f, words in _FACET_RES.items() if words.search(stripped)),
        traditional=simplified_raw != text,
        radlat=math.radians(report.lat) if has_pin and report.lat is not None else None,
        radlon=math.radians(report.lon) if has_pin and report.lon is not None else None,
    )


# --------------------------------------------------------------------------
# Pairwise scoring

_EARTH_RADIUS_M = 6_371_008.8
# Public reporters pin where they stand, often a street away from the chimney
# they see: within NEAR_M the pins count as the same place, beyond FAR_M as
# different places; linear in between.
_NEAR_M = 150.0
_FAR_M = 800.0
# Place score when nothing tells whether the two places are the same.
_UNKNOWN_PLACE = 0.5
# One enterprise's premises rarely span more than this: the same name with
# pins farther apart is two firms of one trade name (宏达化工 is common).
_ENTERPRISE_FAR_M = 3000.0
# House numbers on one road farther apart than this are different doors.
_DOOR_GAP = 4


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = lat2 - lat1, lon2 - lon1
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


_SAME_NAME_RATIO = 80
_SAME_TRADE_NAME_RATIO = 65


def _same_core(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b or (min(len(a), len(b)) >= 2 and (a in b or b in a)):
        return True
    # The same trade name (字号) first and much of the rest in common:
    # 鑫源再生资源回收站 / 鑫源回收站, 兴旺生猪养殖场 / 兴旺养猪场 (but not
    # 宏达化工厂 / 宏达机械厂).
    if a[:2] == b[:2] and fuzz.ratio(a, b) >= _SAME_TRADE_NAME_RATIO:
        return True
    return fuzz.ratio(a, b) >= _SAME_NAME_RATIO


def _set_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Mean of Dice and containment: rephrasings differ a lot in length."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return 0.5 * (2 * common / (len(a) + len(b))) + 0.5 * (common / min(len(a), len(b)))


@dataclass(frozen=True, slots=True)
class _Place:
    score: float
    reasons: tuple[str, ...]
    distance_m: float | None
    same_enterprise: bool
    conflict: bool  # the pins, doors or roads say: two different places


def _place_name(key: str) -> str:
    """刘家沟村 → 刘家沟, 阳光花园 → 阳光 (the name without its suffix)."""
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def _place(a: Report, fa: _Features, b: Report, fb: _Features) -> _Place:
    """How sure it is that the two reports are about the same place.

    The best piece of evidence counts; contradictions (two different named
    enterprises, pins far apart, the same road with different doors, two
    different roads or villages) cap it unless the enterprise is the same.
    """
    reasons: list[str] = []
    evidence: list[float] = []
    caps: list[float] = []
    conflict = False

    same_enterprise = _same_core(fa.core, fb.core)
    if same_enterprise:
        evidence.append(1.0)
        reasons.append(f"同一反映对象：{b.enterprise.strip() or a.enterprise.strip()}")
    elif fa.core and fb.core:
        caps.append(0.15)  # two named, different enterprises
    else:
        # One side names the enterprise only in its description.
        for named, other in ((fa.core, fb.text), (fb.core, fa.text)):
            if named and named in other:
                evidence.append(0.9)
                reasons.append(f"描述中提到反映对象：{named}")
                break

    distance: float | None = None
    if (
        fa.radlat is not None
        and fa.radlon is not None
        and fb.radlat is not None
        and fb.radlon is not None
    ):
        distance = _haversine(fa.radlat, fa.radlon, fb.radlat, fb.radlon)
        near = 1.0 - (distance - _NEAR_M) / (_FAR_M - _NEAR_M)
        evidence.append(min(1.0, max(0.0, near)))
        reasons.append(f"相距 {distance:.0f} 米")
        if distance > _FAR_M:
            caps.append(0.2)  # pins far apart outweigh a common road name
            conflict = True

    common = fa.fine & fb.fine
    if common:
        ha, hb = dict(fa.houses), dict(fb.houses)
        numbered = sorted(k for k in common if k in ha and k in hb)
        if numbered and all(abs(ha[k] - hb[k]) > _DOOR_GAP for k in numbered):
            caps.append(0.2)  # same road, different door
            conflict = True
            road = numbered[0]
            low, high = sorted((ha[road], hb[road]))
            reasons.append(f"同路不同门牌：{road}{low}号、{high}号")
        elif numbered:
            evidence.append(1.0)
            reasons.append(f"地址相同：{numbered[0]}{ha[numbered[0]]}号")
        else:
            evidence.append(0.7 if fa.guessed or fb.guessed else 0.85)
            reasons.append("地址相近：" + "、".join(sorted(common)))
    else:
        # An estate or village written with another suffix: 金水湾小区 / 金水湾.
        partial = sorted(
            k
            for k, other in ((k, fb.address or fb.text) for k in fa.fine)
            if _place_name(k) in other
        ) + sorted(
            k
            for k, other in ((k, fa.address or fa.text) for k in fb.fine)
            if _place_name(k) in other
        )
        if partial:
            evidence.append(0.75)
            reasons.append("地址相近：" + partial[0])
        elif fa.fine and fb.fine and not (fa.guessed or fb.guessed) and distance is None:
            caps.append(0.2)  # both addresses name roads or villages, none in common
            conflict = True
        coarse = fa.coarse & fb.coarse
        if coarse and distance is None:  # with two pins, the distance decides
            evidence.append(_UNKNOWN_PLACE)
            reasons.append("同一乡镇/园区：" + "、".join(sorted(coarse)))

    score = max(evidence) if evidence else _UNKNOWN_PLACE
    if caps and not same_enterprise:
        score = min(score, *caps)
    elif same_enterprise and distance is not None and distance > _ENTERPRISE_FAR_M:
        score = min(score, 0.2)
        conflict = True
        reasons.append("同名反映对象但相距较远，可能是两家企业")
    return _Place(score, tuple(reasons), distance, same_enterprise, conflict)


def _problem(a: Report, fa: _Features, b: Report, fb: _Features) -> tuple[float, float]:
    """(problem score, text similarity) of two reports."""
    text_sim = 0.6 * _set_similarity(fa.bigrams, fb.bigrams) + 0.4 * _set_similarity(
        fa.chars, fb.chars
    )
    text_term = min(1.0, text_sim / _TEXT_SATURATION)
    if fa.facets and fb.facets:
        # Weighted Jaccard: smell and smoke come with many problems.
        common = sum(_FACET_WEIGHT.get(f, 1.0) for f in fa.facets & fb.facets)
        facet_sim = common / sum(_FACET_WEIGHT.get(f, 1.0) for f in fa.facets | fb.facets)
    elif a.category and b.category:
        # The words name no nuisance on one side: intake's category stands in.
        facet_sim = _CATEGORY_ONLY if a.category == b.category else 0.0
    else:
        facet_sim = text_term  # nothing to go by but the text
    problem = _W_TEXT * text_term + (1 - _W_TEXT) * facet_sim
    if a.category and b.category and a.category != b.category:
        problem *= _CATEGORY_MISMATCH
    return problem, text_sim


# Weights measured on the labelled set (docs/complaints-duplicates.md).
_TEXT_SATURATION = 0.6  # text similarity at which the text term is full
_W_TEXT = 0.4  # weight of the text term against the kinds of nuisance
_CATEGORY_MISMATCH = 0.7  # factor when intake filed them under two categories
_CATEGORY_ONLY = 0.6  # kinds of nuisance when only the categories can be compared


# A description this long, identical after normalisation, is a copy.
_COPIED_LEN = 12
_COPIED_SCORE = 0.9


def _combine(place: float, problem: float) -> float:
    # Geometric mean: both axes must agree.
    return math.sqrt(place * problem)


def _order(r: Report) -> tuple[str, str, str, str, float, float, str]:
    return (
        r.text,
        r.address,
        r.enterprise,
        r.category,
        r.lon if r.lon is not None else math.inf,
        r.lat if r.lat is not None else math.inf,
        r.key,
    )


def compare(a: Report, b: Report) -> Candidate:
    """Score *b* as a possible repeat of *a* (symmetric in the score).

    The candidate carries *b*'s key, the score in [0, 1], whether it passes
    the decision rule and the reasons in Chinese.
    """
    x, y = (a, b) if _order(a) <= _order(b) else (b, a)
    fx, fy = _features(x), _features(y)
    place = _place(x, fx, y, fy)
    problem, text_sim = _problem(x, fx, y, fy)
    score = _combine(place.score, problem)

    reasons = list(place.reasons)
    if fx.text == fy.text and fx.address == fy.address and fx.core == fy.core:
        # The same report filed twice (or once in each script).
        if not place.conflict:
            score = max(score, 1.0)
        if fx.traditional != fy.traditional:
            reasons.append("繁简转换后相同")
    elif fx.text == fy.text and len(fx.text) >= _COPIED_LEN and not place.conflict:
        # A description copied word for word names the place too; the
        # enterprise field is what each reporter made of it.
        score = max(score, _COPIED_SCORE)
        reasons.append("繁简转换后相同" if fx.traditional != fy.traditional else "描述完全相同")
    elif fx.traditional != fy.traditional:
        reasons.append("繁体转为简体后比较")
    reasons.append(f"描述相似度 {round(text_sim * 100)}%")
    common = sorted(fx.facets & fy.facets)
    if common:
        reasons.append("同类问题：" + "、".join(common))
    if a.category and a.category == b.category:
        reasons.append(f"同一类别：{_CATEGORY_NAMES.get(a.category, a.category)}")
    if a.received and b.received:
        days = abs((a.received - b.received).days)
        reasons.append(f"间隔 {days} 天")

    score = min(1.0, max(0.0, score))
    return Candidate(
        key=b.key,
        score=score,
        is_likely=score >= THRESHOLD,
        reasons=tuple(reasons),
        text_similarity=text_sim,
        distance_m=place.distance_m,
        same_enterprise=place.same_enterprise,
    )


# --------------------------------------------------------------------------
# Many reports


class Index:
    """Earlier reports prepared once, to propose candidates quickly.

    A new report is scored only against a shortlist:

    1. reports that may share its place — pins within the radius
       (vectorised haversine), the same enterprise, a common road, village
       or estate key;
    2. reports whose place cannot be told (no pin, no address, no
       enterprise), or every report when the new one cannot be placed —
       but of those only the ones whose kinds of nuisance overlap (or cannot
       be told), since without a common place nothing else can reach the
       threshold.
    """

    def __init__(self, pool: Iterable[Report]) -> None:
        self._reports = list(pool)
        feats = [_features(r) for r in self._reports]
        self._lat = np.array([np.nan if f.radlat is None else f.radlat for f in feats])
        self._lon = np.array([np.nan if f.radlon is None else f.radlon for f in feats])
        self._masks = np.array([_facet_mask(f.facets) for f in feats], dtype=np.int64)
        self._categories = np.array([r.category for r in self._reports], dtype=object)
        self._placeless = np.array(
            [f.radlat is None and not f.core and not f.fine for f in feats], dtype=bool
        )
        self._by_core: dict[str, list[int]] = {}
        self._by_place: dict[str, list[int]] = {}
        for i, f in enumerate(feats):
            if f.core:
                self._by_core.setdefault(f.core, []).append(i)
            for key in f.fine:
                self._by_place.setdefault(key, []).append(i)

    def __len__(self) -> int:
        return len(self._reports)

    def _same_problem_kind(self, new: Report, fn: _Features) -> npt.NDArray[np.bool_]:
        """Mask of reports whose kinds of nuisance may match *new*'s."""
        mask = _facet_mask(fn.facets)
        if not mask:
            return np.ones(len(self._reports), dtype=bool)
        untold: npt.NDArray[np.bool_] = self._masks == 0
        if new.category:
            untold &= (self._categories == new.category) | (self._categories == "")
        overlapping: npt.NDArray[np.bool_] = (self._masks & mask) != 0
        return overlapping | untold

    def _shortlist(self, new: Report, fn: _Features, radius_m: float) -> set[int]:
        picked: set[int] = set()
        if fn.radlat is not None and fn.radlon is not None:
            with np.errstate(invalid="ignore"):
                h = (
                    np.sin((self._lat - fn.radlat) / 2) ** 2
                    + math.cos(fn.radlat)
                    * np.cos(self._lat)
                    * np.sin((self._lon - fn.radlon) / 2) ** 2
                )
                dist = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
                picked.update(np.flatnonzero(dist <= radius_m).tolist())
        if fn.core:
            for core, rows in self._by_core.items():
                if _same_core(fn.core, core):
                    picked.update(rows)
        for key in fn.fine:
            picked.update(self._by_place.get(key, ()))
        placeless_new = fn.radlat is None and not fn.core and not fn.fine
        contenders = self._same_problem_kind(new, fn)
        if not placeless_new:
            contenders &= self._placeless
        picked.update(np.flatnonzero(contenders).tolist())
        return picked

    def candidates(
        self, new: Report, *, radius_m: float = 500.0, limit: int = 5
    ) -> list[Candidate]:
        """The best *limit* earlier reports *new* may repeat, best first.

        Only candidates scoring above the floor are returned. Pinned reports
        farther than *radius_m* from the new one's pin are left out unless
        the enterprise or a road, village or estate matches.
        """
        fn = _features(new)
        out = []
        for i in self._shortlist(new, fn, radius_m):
            earlier = self._reports[i]
            if earlier.key == new.key:
                continue
            c = compare(new, earlier)
            if c.score > FLOOR:
                out.append(c)
        out.sort(key=lambda c: (-c.score, c.key))
        return out[:limit]


def _facet_mask(facets: Iterable[str]) -> int:
    mask = 0
    for facet in facets:
        mask |= _FACET_BITS[facet]
    return mask


def candidates(
    new: Report, pool: Iterable[Report], *, radius_m: float = 500.0, limit: int = 5
) -> list[Candidate]:
    """Earlier reports in *pool* that *new* may repeat, best first.

    Only candidates scoring above the floor are returned, at most *limit*.
    Pinned reports farther than *radius_m* from the new one's pin are left
    out unless the enterprise or a road, village or estate matches. To ask
    about many new reports, build an :class:`Index` once.
    """
    return Index(pool).candidates(new, radius_m=radius_m, limit=limit)
