"""Invented names, addresses, phones and credit codes for the seed data: the scale data set (``flask seed-scale``)
and, for its names and base prices, the demo county (``flask seed-demo``).

Standard library only. Everything is derived from a ``random.Random`` or a counter, so a seed gives the same
data every time; credit codes are unique by construction (the organisation code encodes a serial number).
"""
from __future__ import annotations

import random

from tracker.domain.credit_code import ALPHABET, check_character

SURNAMES = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Hu", "Zhu",
    "Gao", "Lin", "He", "Guo", "Ma", "Luo", "Liang", "Song", "Zheng", "Xie", "Han", "Tang", "Feng", "Yu",
    "Dong", "Xiao", "Cheng", "Cao", "Yuan", "Deng", "Fu", "Shen", "Zeng", "Peng", "Pan", "Tian", "Du", "Jiang",
)
GIVEN_NAMES = (
    "Guiying", "Xiuying", "Jianguo", "Jianhua", "Xiuzhen", "Guilan", "Haiyan", "Lihua", "Dejun", "Zhiqiang",
    "Shulan", "Fengying", "Yuzhen", "Xiaohong", "Hongmei", "Chunmei", "Yonggang", "Baoshan", "Jinfeng",
    "Wenjie", "Shuhua", "Guoqiang", "Dongmei", "Yufang", "Changhai", "Fugui", "Xiulan", "Zhiming", "Hui",
    "Qiang", "Min", "Jun", "Ping", "Gang", "Yan", "Tao", "Bo", "Hong", "Xin", "Lan",
)
PREFIXES = (
    "Tongren", "Baicaotang", "Yikang", "Huimin", "Jiankang", "Anxin", "Shoukang", "Fuxing", "Tianhe", "Xinglin",
    "Fengshou", "Xingfu", "Jiahe", "Lejia", "Huifeng", "Mingyuan", "Hexiang", "Tianyi", "Yongxing", "Shunfa",
    "Laoxiang", "Xiangyuan", "Weiwei", "Manfu", "Jiaxiang", "Shanhe", "Qingfeng", "Yuelai", "Huaxiang", "Hongxing",
    "Mingliang", "Xinxin", "Fuyuan", "Jiali", "Huaxin", "Yongfeng", "Ruixiang", "Tongda", "Shengli", "Kaiyuan",
)
KIND_WORDS = {
    "pharmacy": ("Pharmacy", "Drugstore", "Medicine Shop"),
    "farmers_market": ("Farmers' Market", "Wet Market"),
    "market_stall": ("Vegetable Stall", "Egg Stall", "Grocery Stall"),
    "meat_vendor": ("Pork Stall", "Meat Shop", "Butcher"),
    "restaurant": ("Restaurant", "Noodle House", "Dumpling House", "Hotpot", "Canteen"),
    "supermarket": ("Supermarket", "Mart", "Convenience Store"),
    "entertainment": ("Hotel", "KTV", "Internet Café", "Mahjong Parlour"),
    "other": ("Grain and Oil Shop", "Household Goods", "Tobacco and Groceries"),
}
STREETS = (
    "Renmin Road", "Jiefang Road", "Xinhua Street", "Binhe Road", "Wenhua Street", "Zhanqian Road",
    "Gongnong Road", "Heping Street", "Chaoyang Road", "Xingfu Lane", "Nanguan Street", "Beihuan Road",
    "Dongfeng Road", "Yingbin Avenue", "Shuiyuan Street", "Jianshe Road",
)
TOWNS = (
    "Chengguan", "Baiyunshan", "Kenzhen", "Shanggaozhai", "Xizhen", "Mutouyu", "Dawan", "Lijiaping", "Gaoqiao",
    "Heshui", "Longquan", "Qiaotou", "Shiban", "Taoyuan", "Wenquan", "Xiaohe", "Yangjia", "Zhaigou",
)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def person_name(rng: random.Random) -> str:
    """An invented person's name, 'Surname Given'."""
    return f"{rng.choice(SURNAMES)} {rng.choice(GIVEN_NAMES)}"


def premises_name(rng: random.Random, kind: str, serial: int) -> str:
    """An invented trading name for a premises of this kind; the serial keeps names apart."""
    return f"{rng.choice(PREFIXES)} {rng.choice(KIND_WORDS[kind])} No. {serial}"


def address(rng: random.Random, town: str) -> str:
    """An invented street address in the town."""
    return f"{rng.randint(1, 399)} {rng.choice(STREETS)}, {town}"


def phone(rng: random.Random, mobile: bool) -> str:
    """An invented mobile (1xx xxxx xxxx) or landline (0xxx-xxxxxxx) number."""
    if mobile:
        return f"1{rng.choice('3456789')}{rng.randint(0, 9)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"
    return f"0{rng.randint(300, 999)}-{rng.randint(2000000, 8999999)}"


def organisation_code(serial: int) -> str:
    """A 9-character organisation code, unique per serial: 'M' + 7 base-31 digits of it + the GB 11714 check."""
    digits = []
    for _ in range(7):
        serial, rest = divmod(serial, 31)
        digits.append(ALPHABET[rest])
    body = "M" + "".join(reversed(digits))
    total = sum(int(char, 36) * weight for char, weight in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(serial: int, individual: bool, division: str) -> str:
    """A valid unified social credit code: individual business (92...) or enterprise (91...), unique per serial."""
    first17 = ("92" if individual else "91") + division + organisation_code(serial)
    return first17 + check_character(first17)

# What inspections look at, by kind of premises, and a typical retail price per unit of sale (invented, yuan).
GOODS = {
    "pharmacy": ("mask_surgical", "mask_surgical_box", "mask_n95", "alcohol_75", "disinfectant_84", "thermometer",
                 "lianhua_qingwen", "banlangen", "ibuprofen", "paracetamol", "hand_sanitizer", "gloves_disposable"),
    "supermarket": ("rice", "flour", "soybean_oil", "peanut_oil", "eggs", "milk", "milk_pack", "instant_noodles",
                    "bottled_water", "disinfectant_84", "hand_sanitizer", "pork_fresh", "cabbage", "potatoes"),
    "farmers_market": ("cabbage", "potatoes", "tomatoes", "cucumbers", "eggs", "garlic"),
    "market_stall": ("cabbage", "potatoes", "tomatoes", "cucumbers", "garlic", "eggs"),
    "meat_vendor": ("pork_fresh", "pork_belly", "beef", "mutton", "chicken"),
    "restaurant": ("bottled_water",),
    "entertainment": ("bottled_water", "instant_noodles"),
    "other": ("instant_noodles", "bottled_water", "rice", "flour", "soybean_oil", "disinfectant_84", "goggles"),
}
BASE_PRICE = {
    "mask_surgical": "1.00", "mask_surgical_box": "45.00", "mask_n95": "12.00", "gloves_disposable": "28.00",
    "protective_suit": "80.00", "goggles": "35.00", "disinfectant_84": "9.80", "alcohol_75": "12.50",
    "hand_sanitizer": "19.90", "thermometer": "168.00", "lianhua_qingwen": "14.50", "banlangen": "12.00",
    "ibuprofen": "18.50", "paracetamol": "6.50", "rice": "2.80", "flour": "2.60", "soybean_oil": "62.00",
    "peanut_oil": "118.00", "pork_fresh": "28.00", "pork_belly": "26.00", "beef": "42.00", "mutton": "40.00",
    "chicken": "13.00", "eggs": "5.20", "cabbage": "1.20", "potatoes": "1.60", "tomatoes": "3.50",
    "cucumbers": "3.00", "garlic": "4.50", "milk": "12.00", "milk_pack": "55.00", "instant_noodles": "12.50",
    "bottled_water": "2.00",
}
# Share of premises by kind, and the share of each kind run by individual operators (about 30 % overall).
KIND_WEIGHTS = {"pharmacy": 12, "farmers_market": 3, "market_stall": 25, "meat_vendor": 10, "restaurant": 20,
                "supermarket": 10, "entertainment": 8, "other": 12}
INDIVIDUAL_SHARE = {"market_stall": 0.6, "meat_vendor": 0.6, "restaurant": 0.3}
OBSERVATIONS_PER_KIND = {"pharmacy": (2, 4), "supermarket": (2, 4), "restaurant": (0, 1), "entertainment": (0, 1)}
