"""Chinese names that look real: people, townships, villages, phones.

Plain Python, no Django. Every draw goes through the ``random.Random`` the
caller passes in, so one seed gives one set of names.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import accumulate


def _words(text: str) -> list[str]:
    """Space-separated words: easier to read and extend for CJK lists."""
    return text.split()


# Common surnames, roughly weighted by frequency (per mille, national figures
# nudged towards the north-east: 关, 佟, 于 and 姜 are commoner there).
_SURNAMES = _words(
    "王71 李70 张68 刘54 陈46 杨31 赵24 黄20 吴18 周17 徐15 孙16 马13 朱12 胡11 郭11 何9 高10"
    " 林8 罗7 郑8 梁7 谢6 宋7 唐6 许6 韩7 冯6 邓5 曹6 彭4 曾4 肖4 田5 董6 袁4 潘4 于8 蒋4 蔡3"
    " 余3 杜4 叶3 程4 苏4 魏4 吕4 丁4 任4 沈3 姚3 卢3 姜6 崔5 钟2 谭2 陆2 汪2 范3 金4 石3"
    " 廖2 贾3 夏2 付3 方2 白3 邹2 孟3 熊2 秦2 邱2 江2 尹2 薛2 闫3 段2 雷2 侯3 龙1 史2 陶1"
    " 贺2 顾1 毛1 郝2 龚1 邵2 万1 钱1 严1 武2 戴1 孔2 汤1 关3 佟2 葛2 牛2 常2 隋2 曲2 鲁1"
)
SURNAMES = tuple(s[0] for s in _SURNAMES)
_SURNAME_WEIGHTS = tuple(accumulate(int(s[1:]) for s in _SURNAMES))

_GIVEN_MALE = (
    "伟刚勇毅俊峰强军平东文辉力明永健志兴良海山波宁福龙国胜学祥发武新利清飞彬顺杰涛昌成康"
    "光天达安岩中进林坚和博诚先振思群豪承乐功松庆磊民友河哲江超浩亮政鸣朋斌栋维启克翔旭鹏"
    "泽晨建家德盛雄钧腾航宏凯锋鑫洪春喜贺铁"
)
_GIVEN_FEMALE = (
    "秀娟英华慧美娜静淑惠玉萍红玲芬芳燕春菊兰凤洁梅琳云莲雪荣爱霞香月艳瑞佳嘉琼珍莉桂晶妍"
    "秋珊青倩婷颖露瑶怡丹蓉君琴薇梦岚馨悦冰爽欣晓欢丽阳妮宇雨敏楠璐婧艺雯"
)

# Two-character words for streets (街道) and communities (社区) of a city.
_STREET_WORDS = _words(
    "站前 胜利 园林 人民 解放 友好 建设 光明 新华 东风 和平 民主 朝阳 红旗 繁荣 幸福 兴盛 永乐"
    " 长青 钢城 南华 湖滨 滨河 启明 曙光 宁远 立新 春光 新兴 文化 花园 东岭 铁北 向阳 团结"
    " 红光 先锋 育才 永安 复兴 振兴 龙泉 金秋 银河 翠湖 望湖 汤岗 温泉 科技城 创业 山南 灵山"
    " 对炉 旅山 双山 七一 五一 健康 明达 宏伟 千山 烈士山 大孤山 工人新村"
)
_COMMUNITY_FIRST = "新和康泰华明阳春光文兴安福民东西南北学园景丽金桃翠锦雅嘉惠盛恒佳祥瑞"
_COMMUNITY_SECOND = "华平乐园苑城庭府里湾景都苑居泽源林湖溪河山馨苑城桥街岭坊"

# Rural place names: prefix + terrain, or surname + 家 + settlement.
_PLACE_PREFIX = "大小东西南北前后上下新老高黄白红青石马牛鹿龙凤金银铁松柳榆杨桃杏梨双孤平太永长安兴宁富汤沙清温玉望"
_PLACE_TERRAIN = "山河岭沟屯堡台营庄店桥泉甸坨峪城房岗湾坡口子"
_NUMBERS = "二三四五六七八九十"
_NUMBER_MID = "道台家里"
_SETTLEMENT = ("堡", "屯", "店", "沟", "岭", "营", "台", "窝堡", "房", "甸子", "堡子", "岗")
_MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 180 181 182 183 185 186"
    " 187 188 189"
)


class NameBook:
    """Draws names from one ``random.Random``; remembers what it handed out.

    People's names and phone numbers are unique across the city (a demo is
    easier to read without two 王伟); place names are unique within a scope
    the caller names (the parent region's code).
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._people: set[str] = set()
        self._phones: set[str] = set()
        self._places: dict[str, set[str]] = {}
        self._streets = list(_STREET_WORDS)
        rng.shuffle(self._streets)

    # --- people ------------------------------------------------------------

    def person(self) -> str:
        while True:
            name = self._draw_person()
            if name not in self._people:
                self._people.add(name)
                return name

    def _draw_person(self) -> str:
        rng = self._rng
        surname = rng.choices(SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]
        pool = _GIVEN_MALE if rng.random() < 0.55 else _GIVEN_FEMALE
        if rng.random() < 0.3:
            return surname + rng.choice(pool)
        first = rng.choice(pool)
        second = rng.choice(pool.replace(first, ""))
        return surname + first + second

    def phone(self) -> str:
        while True:
            number = self._rng.choice(_MOBILE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    # --- places ------------------------------------------------------------

    def street(self, scope: str) -> str:
        """A 街道 name (without the suffix); unique across the whole book."""
        while self._streets:
            word = self._streets.pop()
            if self._claim(scope, word):
                return word
        return self._unique(scope, self._urban_word)

    def community(self, scope: str) -> str:
        return self._unique(scope, self._urban_word)

    def rural(self, scope: str) -> str:
        """A town, township or village name stem such as 王家堡 or 黄沙坨."""
        return self._unique(scope, self._rural_word)

    def _urban_word(self) -> str:
        first = self._rng.choice(_COMMUNITY_FIRST)
        return first + self._rng.choice(_COMMUNITY_SECOND.replace(first, ""))

    def _rural_word(self) -> str:
        rng = self._rng
        pattern = rng.random()
        if pattern < 0.35:
            surname = rng.choices(SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]
            return surname + "家" + rng.choice(_SETTLEMENT)
        if pattern < 0.45:
            return rng.choice(_NUMBERS) + rng.choice(_NUMBER_MID) + rng.choice(_PLACE_TERRAIN)
        first = rng.choice(_PLACE_PREFIX)
        word = first + rng.choice(_PLACE_TERRAIN)
        if pattern < 0.6:
            word = first + rng.choice(_PLACE_PREFIX.replace(first, "")) + rng.choice(_PLACE_TERRAIN)
        return word

    def _unique(self, scope: str, draw: Callable[[], str]) -> str:
        while True:
            word = draw()
            if self._claim(scope, word):
                return word

    def _claim(self, scope: str, word: str) -> bool:
        taken = self._places.setdefault(scope, set())
        if word in taken:
            return False
        taken.add(word)
        return True
