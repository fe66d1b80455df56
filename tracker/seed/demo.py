"""The demo county: an invented county bureau, its stations, staff, premises and the 2020 inspections.

Everything here is invented for demonstration and training: Qingshui County, its people, businesses,
addresses, phone numbers, credit codes, notices and figures. The story follows DOMAIN.md §10 (an
epidemic price emergency, pharmacies selling masks far above their pre-outbreak margin, a pork vendor
ignoring a price intervention, venues ordered closed that reopened) but none of it describes real
events, persons or businesses.

The loader goes through the same service functions as the app (accounts, premises, emergencies,
inspections, and cases: ``open_case``, ``decide_on_the_spot`` and ``run_action``), so every rule the app
enforces also holds for the demo data; each call commits once. Every referred inspection and a few later
complaints open a case, carried through 2020 so that every lifecycle state holds at least one case and
several are overdue as of the seeding date (default 2020-12-31). Running it again changes nothing. The data
is deterministic (``random.Random(2020)`` and fixed dates; only the events' wall-clock ``at`` stamps vary).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext

from tracker.domain.credit_code import ALPHABET, check_character
from tracker.seed.names import BASE_PRICE, GIVEN_NAMES, SURNAMES  # the same invented names and prices as the scale data
from tracker.extensions import db
from tracker.models import Case, Inspection, PriceEmergency, PriceObservation, Premises, Unit, User, Violation
from tracker.services.accounts import create_unit, create_user, find_unit
from tracker.services.cases import decide_on_the_spot, open_case, run_action
from tracker.services.emergencies import EmergencyData, declare_emergency
from tracker.services.errors import Conflict
from tracker.services.inspections import (
    InspectionData,
    ObservationData,
    record_observation,
    record_violation,
    start_inspection,
    submit_inspection,
)
from tracker.services.premises import PremisesData, register_premises, update_premises
from tracker.services.rulebooks import current_rulebook
from tracker.services.wording import listed

DEMO_PASSWORD = "demo-pass-2020"
TIMEZONE = "Asia/Shanghai"
COUNTY = "Qingshui County"  # invented
COUNTY_SHORT = "Qingshui"
MARKER_UNIT = "CG"  # present once the demo county is loaded
EMERGENCY_NAME = "Novel coronavirus outbreak 2020 (demo)"
STARTS_ON = date(2020, 1, 24)
BASELINE_DATE = date(2020, 1, 19)
LAST_DAY = date(2020, 3, 31)
DEMO_TODAY = date(2020, 12, 31)  # the default date the county is seeded as of (see seed_demo_county)
CLOSURE_NOTICE = "the county closure notice of 2020-01-26 (demo)"
INTERVENTION_NOTICE = "the county price intervention notice of 2020-01-28 (demo)"
DIVISION_CODE = "410999"  # invented division code, positions 3-8 of the credit codes
CENT = Decimal("0.01")
DIME = Decimal("0.1")


@dataclass(frozen=True)
class DemoReport:
    created: bool  # False when the demo county was already there (nothing changed)
    summary: str
    accounts: list[tuple[str, str, str | None]]  # (username, role, unit code)


# ------------------------------------------------------------------------------------------ the county

# code, name, town (None for the county bureau)
UNITS: tuple[tuple[str, str, str | None], ...] = (
    ("QS", f"{COUNTY} Market Regulation Bureau", None),
    ("CG", "Chengguan Market Regulation Station", "Chengguan"),
    ("BYS", "Baiyunshan Market Regulation Station", "Baiyunshan"),
    ("KZ", "Kenzhen Market Regulation Station", "Kenzhen"),
    ("SGZ", "Shanggaozhai Market Regulation Station", "Shanggaozhai"),
    ("XZ", "Xizhen Market Regulation Station", "Xizhen"),
    ("MTY", "Mutouyu Market Regulation Station", "Mutouyu"),
    ("DW", "Dawan Market Regulation Station", "Dawan"),
    ("LJP", "Lijiaping Market Regulation Station", "Lijiaping"),
)


@dataclass(frozen=True)
class _Staff:
    full_name: str
    role: str
    unit: str | None = None
    legal_reviewer: bool = False

    @property
    def username(self) -> str:
        return self.full_name.lower().replace(" ", ".")


STAFF: tuple[_Staff, ...] = (
    _Staff("Shen Yuting", "admin"),
    _Staff("Dong Xiaoyan", "auditor"),
    _Staff("Gao Jianguo", "supervisor", "QS", legal_reviewer=True),
    _Staff("Ma Lin", "officer", "QS"),
    _Staff("Tang Hui", "officer", "QS"),
    _Staff("Wang Fang", "supervisor", "CG", legal_reviewer=True),
    _Staff("Zhou Qiang", "supervisor", "CG"),
    _Staff("Zhang Wei", "officer", "CG"),
    _Staff("Li Na", "officer", "CG"),
    _Staff("Liu Yang", "officer", "CG"),
    _Staff("Chen Jing", "officer", "CG"),
    _Staff("Yang Lei", "officer", "CG"),
    _Staff("Huang Min", "supervisor", "BYS"),
    _Staff("Zhao Jun", "officer", "BYS"),
    _Staff("Wu Tao", "officer", "BYS"),
    _Staff("Xu Li", "officer", "BYS"),
    _Staff("Sun Hua", "supervisor", "KZ"),
    _Staff("Hu Bin", "officer", "KZ"),
    _Staff("Zhu Yan", "officer", "KZ"),
    _Staff("Guo Ping", "supervisor", "SGZ"),
    _Staff("He Jie", "officer", "SGZ"),
    _Staff("Lin Xiu", "officer", "SGZ"),
    _Staff("Luo Gang", "supervisor", "XZ"),
    _Staff("Liang Chao", "officer", "XZ"),
    _Staff("Song Juan", "officer", "XZ"),
    _Staff("Zheng Kai", "officer", "XZ"),
    _Staff("Xie Dong", "supervisor", "MTY"),
    _Staff("Han Mei", "officer", "MTY"),
    _Staff("Feng Bo", "officer", "MTY"),
    _Staff("Deng Hao", "supervisor", "DW"),
    _Staff("Cao Lan", "officer", "DW"),
    _Staff("Peng Yu", "officer", "DW"),
    _Staff("Yuan Ming", "supervisor", "LJP"),
    _Staff("Cheng Rui", "officer", "LJP"),
    _Staff("Fu Qing", "officer", "LJP"),
)

# Premises per station: kind -> count; entertainment is a list of venue types.
_LAYOUT: dict[str, dict] = {
    "QS": {"farmers_market": 1, "supermarket": 2, "pharmacy": 1, "other": 2, "entertainment": ["hotel"]},
    "CG": {"pharmacy": 7, "farmers_market": 2, "market_stall": 9, "meat_vendor": 5, "restaurant": 6,
           "supermarket": 3, "other": 3,
           "entertainment": ["hotel", "hotel", "ktv", "ktv", "internet_cafe", "internet_cafe", "mahjong", "mahjong"]},
    "BYS": {"pharmacy": 3, "farmers_market": 1, "market_stall": 6, "meat_vendor": 3, "restaurant": 3,
            "supermarket": 2, "other": 2, "entertainment": ["hotel", "ktv", "internet_cafe", "mahjong"]},
    "KZ": {"pharmacy": 3, "farmers_market": 1, "market_stall": 5, "meat_vendor": 2, "restaurant": 3,
           "supermarket": 1, "other": 2, "entertainment": ["hotel", "internet_cafe", "mahjong"]},
    "SGZ": {"pharmacy": 2, "farmers_market": 1, "market_stall": 5, "meat_vendor": 2, "restaurant": 3,
            "supermarket": 2, "other": 1, "entertainment": ["ktv", "internet_cafe", "mahjong", "mahjong"]},
    "XZ": {"pharmacy": 3, "farmers_market": 1, "market_stall": 6, "meat_vendor": 3, "restaurant": 3,
           "supermarket": 2, "other": 2, "entertainment": ["hotel", "ktv", "internet_cafe", "mahjong"]},
    "MTY": {"pharmacy": 2, "farmers_market": 1, "market_stall": 5, "meat_vendor": 2, "restaurant": 3,
            "supermarket": 1, "other": 2, "entertainment": ["hotel", "internet_cafe", "mahjong"]},
    "DW": {"pharmacy": 2, "farmers_market": 1, "market_stall": 5, "meat_vendor": 2, "restaurant": 2,
           "supermarket": 1, "other": 2, "entertainment": ["hotel", "ktv", "mahjong"]},
    "LJP": {"pharmacy": 2, "farmers_market": 1, "market_stall": 5, "meat_vendor": 2, "restaurant": 2,
            "supermarket": 1, "other": 2, "entertainment": ["internet_cafe", "mahjong", "mahjong"]},
}

STREETS = (
    "Renmin Road", "Jiefang Road", "Xinhua Street", "Binhe Road", "Wenhua Street", "Zhanqian Road",
    "Gongnong Road", "Heping Street", "Chaoyang Road", "Xingfu Lane", "Nanguan Street", "Beihuan Road",
    "Dongfeng Road", "Yingbin Avenue", "Shuiyuan Street", "Qingshui Avenue",
)
_PREFIXES = {
    "pharmacy": (
        "Tongren", "Baicaotang", "Yikang", "Huimin", "Jiankang", "Anxin", "Shoukang", "Fuxing", "Tianhe",
        "Xinglin", "Yishengtang", "Kangmei", "Baixing", "Chunhui", "Deshou", "Hengkang", "Jinhong", "Minsheng",
        "Ruikang", "Shengtai", "Taiping", "Wanjia", "Xiehe", "Zhongkang", "Yaoxiang", "Jishitang", "Renji",
    ),
    "supermarket": (
        "Fengshou", "Xingfu", "Jiahe", "Lejia", "Huifeng", "Mingyuan", "Hexiang", "Tianyi", "Yongxing",
        "Shunfa", "Dongsheng", "Xinyue", "Baishun", "Jinfu", "Anle", "Hongyun", "Meijia",
    ),
    "restaurant": (
        "Laoxiang", "Xiangyuan", "Weiwei", "Manfu", "Jiaxiang", "Shanhe", "Qingfeng", "Yuelai", "Huaxiang",
        "Xiaoyu", "Fengwei", "Sanjiang", "Liuyi", "Heping", "Wangji", "Chenji", "Guanyuan", "Hongji", "Ziyun",
        "Xiangman", "Luming", "Jinqiao", "Baiwei", "Tianfu", "Yipin", "Nongjia", "Laozhang", "Qinghe",
    ),
    "hotel": ("Yingbin", "Jinxiu", "Tianyuan", "Huating", "Kaixuan", "Mingzhu", "Xinlong", "Haitian", "Fulin",
              "Longteng"),
    "ktv": ("Meilege", "Haoshengyin", "Xingguang", "Jinsha", "Kuaile", "Tianlai", "Huanle", "Changxiang"),
    "internet_cafe": ("Feiyu", "Shensu", "Wangyu", "Lanse", "Jisu", "Tianji", "Yunduan", "Kuaixian", "Xinghe"),
    "mahjong": ("Xianle", "Laoyou", "Hehe", "Fulu", "Shunxin", "Yuanyuan", "Lele", "Qinyou", "Huanju",
                "Changle", "Jixiang"),
    "other": ("Hongxing", "Mingliang", "Xinxin", "Fuyuan", "Jiali", "Huaxin", "Yongfeng", "Ruixiang",
              "Tongda", "Shengli", "Kaiyuan", "Wanfu", "Lianxing", "Dafeng", "Haoyun", "Xiangyang", "Jinlong",
              "Ankang", "Taihe"),
}
_RESTAURANT_TYPES = ("Restaurant", "Noodle House", "Dumpling House", "Hotpot", "Canteen", "Beef Noodles")
_VENUE_NAMES = {"hotel": "Hotel", "ktv": "KTV", "internet_cafe": "Internet Café", "mahjong": "Mahjong Parlour"}
_OTHER_TYPES = (
    ("Convenience Store", ("instant_noodles", "bottled_water", "hand_sanitizer", "alcohol_75")),
    ("Grain and Oil Shop", ("rice", "flour", "soybean_oil", "peanut_oil")),
    ("Hardware and Household Goods", ("disinfectant_84", "gloves_disposable", "goggles")),
    ("Tobacco, Liquor and Groceries", ("instant_noodles", "bottled_water", "milk_pack")),
)

# Commodities an inspection looks at, by kind of premises.
_GOODS = {
    "pharmacy": ("mask_surgical", "mask_surgical_box", "mask_n95", "alcohol_75", "disinfectant_84",
                 "thermometer", "lianhua_qingwen", "banlangen", "ibuprofen", "paracetamol", "hand_sanitizer",
                 "gloves_disposable"),
    "supermarket": ("rice", "flour", "soybean_oil", "peanut_oil", "eggs", "milk", "milk_pack", "instant_noodles",
                    "bottled_water", "disinfectant_84", "hand_sanitizer", "pork_fresh", "cabbage", "potatoes"),
    "farmers_market": ("cabbage", "potatoes", "tomatoes", "cucumbers", "eggs", "garlic"),
    "market_stall": ("cabbage", "potatoes", "tomatoes", "cucumbers", "garlic", "eggs"),
    "meat_vendor": ("pork_fresh", "pork_belly", "beef", "mutton", "chicken"),
    "restaurant": ("bottled_water",),
    "entertainment": ("bottled_water", "instant_noodles"),
}
_BASE_PRICE = BASE_PRICE  # typical retail price of one unit of sale in January 2020 (invented, yuan)
_COVERED = ("protective_supplies", "medicine", "meat")  # categories of the demo emergency
_REFERRED = ("tags_still_missing", "above_marked", "closure_breach", "gouging_kangjian", "gouging_renhe",
             "pork_breach")  # scenarios whose inspection is referred: each opens a case


def demo_accounts() -> list[tuple[str, str, str | None]]:
    """The demo accounts as (username, role, unit code): admin, auditor, then each unit's supervisors and officers."""
    order = {"admin": 0, "auditor": 1, "supervisor": 2, "officer": 3}
    units = {code: i for i, (code, _, _) in enumerate(UNITS)}
    staff = sorted(STAFF, key=lambda s: (s.unit is not None, units.get(s.unit, -1), order[s.role]))
    return [(s.username, s.role, s.unit) for s in staff]


# ------------------------------------------------------------------------------------------ plan records


@dataclass
class _Place:
    """A premises to register; ``id`` is filled in once registered."""

    unit: str
    kind: str
    name: str
    operator_name: str
    operator_type: str
    credit_code: str | None
    address: str
    phone: str
    venue: str = ""  # hotel, ktv, internet_cafe, mahjong (entertainment)
    goods: tuple[str, ...] = ()
    story: str = ""
    closed: bool = False  # ordered closed under the closure notice
    id: int | None = None


@dataclass
class _Visit:
    """One planned inspection."""

    day: date
    minute: int  # local minutes after midnight
    place: _Place
    type: str
    scenario: str
    officers: tuple[str, str] = ("", "")
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ helpers


def _money(value: Decimal, step: Decimal = CENT, rounding: str = ROUND_HALF_UP) -> Decimal:
    return value.quantize(step, rounding=rounding)


def _retail(value: Decimal) -> Decimal:
    """A shelf price: to the jiao (0.10) from 2 yuan up, else to the fen."""
    return _money(value, DIME if value >= 2 else CENT)


def _org_code(rng: random.Random) -> str:
    """A 9-character organisation code ('MA' + 6 characters + its GB 11714 check character)."""
    body = "MA" + "".join(rng.choice(ALPHABET) for _ in range(6))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(char, 36) * w for char, w in zip(body, weights))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def _credit_code(rng: random.Random, individual: bool, taken: set[str]) -> str:
    """A valid unified social credit code of an enterprise (91...) or an individual business (92...)."""
    while True:
        first17 = ("92" if individual else "91") + DIVISION_CODE + _org_code(rng)
        code = first17 + check_character(first17)
        if code not in taken:
            taken.add(code)
            return code


def _local_moment(day: date, minute: int) -> datetime:
    """A local time in the county as an aware UTC datetime."""
    local = datetime.combine(day, time(minute // 60, minute % 60), ZoneInfo(TIMEZONE))
    return local.astimezone(timezone.utc)


def _daytime(rng: random.Random) -> int:
    """A working-hours start time (local minutes after midnight), 08:30-11:30 or 14:00-17:15."""
    if rng.random() < 0.55:
        return rng.randrange(8 * 60 + 30, 11 * 60 + 31, 5)
    return rng.randrange(14 * 60, 17 * 60 + 16, 5)


def _gains_lines(gains: Decimal, fine: Decimal) -> list[dict]:
    """Penalty lines confiscating the illegal gains and imposing a fine."""
    return [{"kind": "confiscation", "amount": f"{gains:.2f}"}, {"kind": "fine", "amount": f"{fine:.2f}"}]


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


# ------------------------------------------------------------------------------------------ the loader


class _Seeder:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.users: dict[str, User] = {}
        self.officers: dict[str, list[str]] = {}
        self.supervisors: dict[str, list[str]] = {}
        self.places: list[_Place] = []
        self.taken_codes: set[str] = set()
        self.used_names: set[str] = set()
        self.emergency_id: int | None = None

    # -- people ------------------------------------------------------------------------------------

    def person(self) -> str:
        while True:
            name = f"{self.rng.choice(SURNAMES)} {self.rng.choice(GIVEN_NAMES)}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def phone(self, mobile: bool) -> str:
        if mobile:
            return f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(10**7, 10**8 - 1)}"
        return f"0399-{self.rng.randint(2, 8)}{self.rng.randint(10**5, 10**6 - 1)}"

    def create_units_and_accounts(self) -> None:
        for code, name, _town in UNITS:
            create_unit(code, name, TIMEZONE)
        for staff in STAFF:
            self.users[staff.username] = create_user(
                staff.username, staff.role, DEMO_PASSWORD, staff.unit, staff.legal_reviewer, staff.full_name
            )
            if staff.role == "officer":
                self.officers.setdefault(staff.unit, []).append(staff.username)
            elif staff.role == "supervisor":
                self.supervisors.setdefault(staff.unit, []).append(staff.username)
            self.used_names.add(staff.full_name)
        self.used_names.update(("Qian Shuyun", "Zhao Jinbao"))  # the story's operators

    # -- premises ----------------------------------------------------------------------------------

    def plan_premises(self) -> None:
        rng = self.rng
        prefixes = {kind: list(names) for kind, names in _PREFIXES.items()}
        for pool in prefixes.values():
            rng.shuffle(pool)
        for code, _name, town in UNITS:
            layout = _LAYOUT[code]
            town = town or COUNTY_SHORT
            stall_numbers = iter(rng.sample(range(8, 80), 30))  # stall 7 is the story's
            for kind in ("pharmacy", "farmers_market", "market_stall", "meat_vendor", "restaurant",
                         "supermarket", "other"):
                for i in range(layout.get(kind, 0)):
                    self.places.append(self.make_place(code, town, kind, i, prefixes, stall_numbers))
            for venue in layout["entertainment"]:
                self.places.append(self.make_place(code, town, "entertainment", 0, prefixes, stall_numbers, venue))
        self.add_story_places()

    def address(self, town: str) -> str:
        return f"No. {self.rng.randint(1, 288)} {self.rng.choice(STREETS)}, {town} Town, {COUNTY}"

    def make_place(self, unit, town, kind, index, prefixes, stall_numbers, venue="") -> _Place:
        rng = self.rng
        individual = False
        goods = _GOODS.get(kind, ())
        if kind == "pharmacy":
            prefix = prefixes["pharmacy"].pop()
            name = f"{prefix} Pharmacy"
            individual = rng.random() < 0.25
            operator = self.person() if individual else f"{COUNTY_SHORT} {prefix} Pharmacy Co., Ltd."
            address = self.address(town)
        elif kind == "farmers_market":
            name = f"{town} Farmers' Market" if index == 0 else f"{town} East Street Farmers' Market"
            if unit == "QS":
                name = f"{COUNTY_SHORT} Agricultural Wholesale Market"
            operator = name.replace("'", "") + " Management Co., Ltd."
            address = self.address(town)
        elif kind in ("market_stall", "meat_vendor"):
            number = next(stall_numbers)
            market = f"{town} Farmers' Market"
            name = f"{market} stall {number}" if kind == "market_stall" else f"{market} meat stall {number}"
            if kind == "meat_vendor" and rng.random() < 0.4:
                surname = rng.choice([s for s in SURNAMES if s != "Zhao"])  # Zhao's is the story's
                name = f"{surname}'s Fresh Pork ({market} stall {number})"
            individual = rng.random() < 0.9
            operator = (self.person() if individual
                        else f"{town} {rng.choice(_PREFIXES['other'])} Agricultural Products Co., Ltd.")
            address = f"Stall {number}, {market}, {rng.choice(STREETS)}, {town} Town, {COUNTY}"
        elif kind == "restaurant":
            prefix = prefixes["restaurant"].pop()
            name = f"{prefix} {rng.choice(_RESTAURANT_TYPES)}"
            individual = rng.random() < 0.55
            operator = self.person() if individual else f"{COUNTY_SHORT} {prefix} Catering Co., Ltd."
            address = self.address(town)
        elif kind == "supermarket":
            prefix = prefixes["supermarket"].pop()
            name = f"{prefix} Supermarket" + (" (county flagship)" if unit == "QS" else f" ({town})")
            individual = rng.random() < 0.15
            operator = self.person() if individual else f"{COUNTY_SHORT} {prefix} Commerce Co., Ltd."
            address = self.address(town)
        elif kind == "entertainment":
            prefix = prefixes[venue].pop()
            name = f"{prefix} {_VENUE_NAMES[venue]}"
            individual = rng.random() < {"mahjong": 0.7, "internet_cafe": 0.3}.get(venue, 0)
            business = {"hotel": "Hotel Management", "ktv": "Entertainment", "internet_cafe": "Internet Services",
                        "mahjong": "Leisure"}[venue]
            operator = self.person() if individual else f"{COUNTY_SHORT} {prefix} {business} Co., Ltd."
            address = self.address(town)
            goods = _GOODS["entertainment"] if venue == "hotel" else ()
        else:  # other
            prefix = prefixes["other"].pop()
            shop, goods = _OTHER_TYPES[rng.randrange(len(_OTHER_TYPES))]
            name = f"{prefix} {shop}"
            if unit == "QS" and index == 0:
                name, goods = f"{COUNTY_SHORT} {prefix} Pharmaceutical Distribution", _GOODS["pharmacy"][:6]
            individual = rng.random() < 0.5 and unit != "QS"
            operator = self.person() if individual else f"{COUNTY_SHORT} {prefix} Trading Co., Ltd."
            address = self.address(town)
        # A few natural persons at the market hold no registration, hence no credit code.
        has_code = not (individual and kind in ("market_stall", "meat_vendor") and rng.random() < 0.3)
        code = _credit_code(rng, individual, self.taken_codes) if has_code else None
        return _Place(
            unit=unit, kind=kind, name=name, operator_name=operator,
            operator_type="individual" if individual else "organisation", credit_code=code,
            address=address, phone=self.phone(mobile=individual), venue=venue, goods=goods,
        )

    def add_story_places(self) -> None:
        """The two gouging pharmacies and the pork vendor of Chengguan."""
        rng = self.rng
        self.places.append(_Place(
            unit="CG", kind="pharmacy", name="Kangjian Pharmacy",
            operator_name=f"{COUNTY_SHORT} Kangjian Pharmacy Co., Ltd.", operator_type="organisation",
            credit_code=_credit_code(rng, False, self.taken_codes),
            address=f"No. 36 Renmin Road, Chengguan Town, {COUNTY}", phone="0399-6203318",
            goods=_GOODS["pharmacy"], story="kangjian",
        ))
        self.places.append(_Place(
            unit="CG", kind="pharmacy", name="Renhe Pharmacy", operator_name="Qian Shuyun",
            operator_type="individual", credit_code=_credit_code(rng, True, self.taken_codes),
            address=f"No. 112 Jiefang Road, Chengguan Town, {COUNTY}", phone="13909981276",
            goods=_GOODS["pharmacy"], story="renhe",
        ))
        self.places.append(_Place(
            unit="CG", kind="meat_vendor", name="Zhao's Fresh Pork (Chengguan Farmers' Market meat stall 7)",
            operator_name="Zhao Jinbao", operator_type="individual",
            credit_code=_credit_code(rng, True, self.taken_codes),
            address=f"Stall 7, Chengguan Farmers' Market, Nanguan Street, Chengguan Town, {COUNTY}",
            phone="13899870452", goods=_GOODS["meat_vendor"], story="pork",
        ))

    def register_premises(self) -> None:
        turn: dict[str, int] = {}
        for place in self.places:
            officers = self.officers[place.unit]
            actor = self.users[officers[turn.get(place.unit, 0) % len(officers)]]
            turn[place.unit] = turn.get(place.unit, 0) + 1
            saved = register_premises(actor, PremisesData(
                name=place.name, kind=place.kind, operator_type=place.operator_type,
                operator_name=place.operator_name, credit_code=place.credit_code,
                address=place.address, phone=place.phone,
            ))
            place.id = saved.premises.id

    def order_closures(self) -> None:
        """Apply the closure notice: KTVs, internet cafés, mahjong parlours and some hotels are ordered closed."""
        for place in self.places:
            if place.kind != "entertainment":
                continue
            place.closed = place.venue != "hotel" or self.rng.random() < 0.5
            if not place.closed:
                continue
            actor = self.users[self.supervisors[place.unit][0]]
            premises = db.session.get(Premises, place.id)
            update_premises(actor, premises, PremisesData(
                name=premises.name, kind=premises.kind.value, operator_type=premises.operator_type.value,
                operator_name=premises.operator_name, credit_code=premises.credit_code,
                address=premises.address, phone=premises.phone, status="ordered_closed",
            ))

    # -- the inspection plan -----------------------------------------------------------------------

    def plan_visits(self) -> list[_Visit]:
        """Who is inspected when, and what the officers find; at most one visit per premises and day."""
        rng = self.rng
        visits: list[_Visit] = []
        booked: set[tuple[int, date]] = set()
        campaign_ends, later = date(2020, 2, 12), date(2020, 2, 13)
        closed = [p for p in self.places if p.kind == "entertainment" and p.closed]
        reopened = {id(p) for p in rng.sample(closed, 8)}
        supermarkets = [p for p in self.places if p.kind == "supermarket"]
        above_marked = {id(p) for p in rng.sample(supermarkets, 2)}
        tag_orders = 0

        def add(day, place, type_, scenario, **extra):
            visits.append(_Visit(day, _daytime(rng), place, type_, scenario, extra=extra))
            booked.add((id(place), day))

        def free(place, day) -> bool:
            return (id(place), day) not in booked

        for place in self.places:
            if place.story:
                continue
            kind = place.kind
            if kind == "entertainment" and place.closed:
                add(_day(rng, date(2020, 1, 27), date(2020, 2, 9)), place, "campaign", "closure_kept")
                if id(place) in reopened:
                    add(_day(rng, date(2020, 2, 14), date(2020, 3, 25)), place, rng.choice(("complaint", "campaign")),
                        "closure_breach")
                elif rng.random() < 0.5:  # a follow-up confirms the closure: the premises is recorded closed
                    add(_day(rng, date(2020, 2, 14), LAST_DAY), place, "follow_up", "closure_kept")
                continue
            count = {
                "pharmacy": 1 + (rng.random() < 0.7) + (rng.random() < 0.3),
                "supermarket": 1 + (rng.random() < 0.6),
                "farmers_market": 2,
                "market_stall": 1 + (rng.random() < 0.3),
                "meat_vendor": 1 + (rng.random() < 0.5),
                "restaurant": int(rng.random() < 0.75),
                "entertainment": 1,
                "other": 1,
            }[kind]
            for n in range(count):
                if n == 0 and kind in ("pharmacy", "supermarket", "meat_vendor", "farmers_market"):
                    day, type_ = _day(rng, STARTS_ON + timedelta(days=1), campaign_ends), "campaign"
                else:
                    day = _day(rng, STARTS_ON + timedelta(days=1) if n == 0 else later, LAST_DAY)
                    type_ = rng.choice(("routine", "routine", "campaign", "complaint"))
                while not free(place, day) and day < LAST_DAY:
                    day += timedelta(days=1)
                if not free(place, day):
                    continue
                if n == count - 1 and id(place) in above_marked:
                    add(day, place, "complaint", "above_marked")
                    continue
                roll, follow = rng.random(), day + timedelta(days=7)
                if roll < 0.14 and follow <= LAST_DAY and free(place, follow):
                    # A correction order and its follow-up a week later; some shops still have no price tags.
                    scenario = "tags_missing" if roll < 0.11 else "hotline_missing"
                    add(day, place, type_, scenario, reinspect_on=follow)
                    still = scenario == "tags_missing" and tag_orders % 4 == 1
                    tag_orders += scenario == "tags_missing"
                    add(follow, place, "follow_up", "tags_still_missing" if still else "fixed", corrected_on=day)
                else:
                    add(day, place, type_, "normal")
        visits.extend(self.story_visits())
        visits = [v for v in visits if v.day <= self.today]
        visits.sort(key=lambda v: (v.day, v.minute, v.place.unit, v.place.name))
        story_pairs = {"kangjian": ("zhang.wei", "li.na"), "renhe": ("liu.yang", "chen.jing"),
                       "pork": ("yang.lei", "zhang.wei")}
        for visit in visits:
            visit.officers = story_pairs.get(visit.place.story) or tuple(rng.sample(self.officers[visit.place.unit], 2))
        return visits

    def story_visits(self) -> list[_Visit]:
        by_story = {p.story: p for p in self.places if p.story}
        kangjian, renhe, pork = by_story["kangjian"], by_story["renhe"], by_story["pork"]
        return [
            _Visit(date(2020, 1, 27), 10 * 60 + 20, kangjian, "complaint", "gouging_kangjian"),
            _Visit(date(2020, 2, 10), 9 * 60 + 40, kangjian, "follow_up", "normal"),
            _Visit(date(2020, 1, 29), 15 * 60 + 10, renhe, "campaign", "gouging_renhe"),
            _Visit(date(2020, 2, 12), 14 * 60 + 35, renhe, "follow_up", "normal"),
            _Visit(date(2020, 2, 3), 8 * 60 + 50, pork, "campaign", "pork_warned",
                   extra={"reinspect_on": date(2020, 2, 10)}),
            _Visit(date(2020, 2, 10), 9 * 60 + 5, pork, "follow_up", "pork_breach"),
        ]

    # -- observations --------------------------------------------------------------------------------

    def normal_observation(self, code: str, emergency_covers: bool, marked: bool = True) -> ObservationData:
        """A lawful price: margin 8-28 % on cost, and with a baseline (where covered) whose margin is no lower."""
        rng = self.rng
        price = _retail(Decimal(_BASE_PRICE[code]) * (100 + rng.randint(-5, 8)) / 100)
        cost = _money(price / (1 + Decimal(rng.randint(8, 28)) / 100))
        data = ObservationData(
            commodity=code, price=price, marked_price=price if marked else None, cost=cost,
            cost_invoice=f"Invoice {rng.randint(10**7, 10**8 - 1)}" if rng.random() < 0.6 else "",
        )
        if emergency_covers and rng.random() < 0.5:
            # The supplier's price may have risen since 2020-01-19; the seller kept (or lowered) the margin.
            baseline_cost = _money(cost * 100 / (100 + rng.randint(0, 40)))
            margin = (price - cost) / cost
            data.baseline_cost = baseline_cost
            data.baseline_price = _money(baseline_cost * (1 + margin), rounding=ROUND_CEILING)
            data.quantity_sold = rng.randint(20, 400)
        return data

    def covered(self, code: str) -> bool:
        return current_rulebook().commodity(code).category in _COVERED

    def goods_sample(self, place: _Place, low: int, high: int) -> list[str]:
        if not place.goods:
            return []
        return self.rng.sample(place.goods, min(len(place.goods), self.rng.randint(low, high)))

    # -- running one inspection ------------------------------------------------------------------------

    def inspect(self, visit: _Visit) -> int:
        """Run one planned inspection through the services; its id."""
        rng = self.rng
        place = visit.place
        lead = self.users[visit.officers[0]]
        scenario = visit.scenario
        checklist = self.checklist(place, scenario)
        notes = self.notes(visit)
        inspection = start_inspection(lead, InspectionData(
            premises_id=place.id, started_at=_local_moment(visit.day, visit.minute),
            lead_officer=visit.officers[0], second_officer=visit.officers[1], type=visit.type,
            emergency_id=self.emergency_id, checklist=checklist, notes=notes,
        ))

        def observe(data: ObservationData) -> PriceObservation:
            return record_observation(lead, inspection, data)

        outcome, reinspect_on = "no_action", None

        if scenario in ("normal", "fixed", "hotline_missing"):
            low, high = {"pharmacy": (2, 4), "supermarket": (2, 4), "restaurant": (0, 1), "entertainment": (0, 1)}.get(
                place.kind, (1, 3))
            for code in self.goods_sample(place, low, high):
                observe(self.normal_observation(code, self.covered(code)))
            if scenario == "hotline_missing":
                outcome, reinspect_on = "corrected", visit.extra["reinspect_on"]
        elif scenario == "closure_kept":
            pass  # closed as ordered: nothing on sale to observe
        elif scenario == "tags_missing":
            goods = self.goods_sample(place, 1, 2)
            for n, code in enumerate(goods):
                observe(self.normal_observation(code, self.covered(code), marked=n > 0))
            outcome, reinspect_on = "corrected", visit.extra["reinspect_on"]
        elif scenario == "tags_still_missing":
            goods = self.goods_sample(place, 1, 2)
            unmarked = [observe(self.normal_observation(code, self.covered(code), marked=False)) for code in goods]
            record_violation(lead, inspection, "price_marking", [o.id for o in unmarked],
                             description=f"Prices still not marked a week after the correction order of "
                                         f"{visit.extra['corrected_on'].isoformat()}.")
            outcome = "referred"
        elif scenario == "above_marked":
            code = rng.choice([g for g in place.goods if g != "pork_fresh"])
            data = self.normal_observation(code, self.covered(code))
            data.marked_price = _retail(data.price * Decimal("0.88"))
            observation = observe(data)
            record_violation(lead, inspection, "price_marking", [observation.id],
                             description=f"Charged {data.price} at the till against a shelf price of "
                                         f"{data.marked_price}.")
            outcome = "referred"
        elif scenario == "closure_breach":
            people = rng.randint(6, 23)
            record_violation(lead, inspection, "closure_notice_breach",
                             description=f"Found open for business in breach of {CLOSURE_NOTICE}; "
                                         f"{people} customers present. Ordered to close at once.")
            outcome = "referred"
        elif scenario in GOUGED_PHARMACIES:
            gouged_prices, normal_commodity, description = GOUGED_PHARMACIES[scenario]
            gouged = [observe(ObservationData(**prices)) for prices in gouged_prices]
            observe(self.normal_observation(normal_commodity, True))
            record_violation(lead, inspection, "price_gouging", [o.id for o in gouged], description=description)
            outcome = "referred"
        elif scenario == "pork_warned":
            observe(ObservationData(commodity="pork_fresh", price="34.00", marked_price="34.00", cost="22.00",
                                    cost_invoice="Slaughterhouse ticket 0128-113", baseline_price="26.00",
                                    baseline_cost="21.00", quantity_sold="310"))
            outcome, reinspect_on = "corrected", visit.extra["reinspect_on"]
        elif scenario == "pork_breach":
            pork = observe(ObservationData(commodity="pork_fresh", price="38.00", marked_price="38.00",
                                           cost="22.00", cost_invoice="Slaughterhouse ticket 0207-045",
                                           baseline_price="26.00", baseline_cost="21.00", quantity_sold="850"))
            observe(self.normal_observation("pork_belly", True))
            record_violation(lead, inspection, "emergency_measure_breach", [pork.id],
                             description=f"Kept raising the price of lean pork in breach of {INTERVENTION_NOTICE} "
                                         "after the correction order of 2020-02-03.")
            outcome = "referred"
        submit_inspection(lead, inspection, outcome, reinspect_on)
        return inspection.id

    def checklist(self, place: _Place, scenario: str) -> dict[str, str]:
        kind = place.kind
        selling = kind in ("pharmacy", "supermarket", "farmers_market", "market_stall", "meat_vendor")
        shut = kind == "entertainment" and place.closed and scenario != "closure_breach"
        answer = "n/a" if shut else "yes"
        items = {
            "prices_marked": answer,
            "tags_match_till": answer,
            "invoices_kept": answer,
            "no_unmarked_charges": answer,
            "intervention_order_obeyed": "yes" if selling else "n/a",
            "emergency_supplies_not_hoarded": "yes" if kind in ("pharmacy", "supermarket") else "n/a",
            "no_forced_bundling": "yes" if kind in ("pharmacy", "supermarket") else "n/a",
            "closure_notice_obeyed": ("no" if scenario == "closure_breach" else "yes") if place.closed else "n/a",
            "complaint_hotline_displayed": answer,
        }
        if scenario in ("tags_missing", "tags_still_missing"):
            items["prices_marked"] = "no"
        elif scenario == "hotline_missing":
            items["complaint_hotline_displayed"] = "no"
        elif scenario == "above_marked":
            items["tags_match_till"] = "no"
        elif scenario in ("gouging_kangjian", "gouging_renhe", "pork_warned", "pork_breach"):
            items["intervention_order_obeyed"] = "no"
        return items

    def notes(self, visit: _Visit) -> str:
        scenario, day = visit.scenario, visit.day
        reinspect = visit.extra.get("reinspect_on")
        opener = {
            "complaint": "Complaint received through the 12315 hotline. ",
            "campaign": "Emergency price-inspection campaign. ",
            "routine": "Routine inspection. ",
            "follow_up": "Follow-up inspection. ",
        }[visit.type]
        text = {
            "normal": "Prices checked against purchase invoices; all marked and in line with cost. No finding.",
            "fixed": f"Correction order of {visit.extra.get('corrected_on', day).isoformat()} carried out. No finding.",
            "hotline_missing": f"12315 hotline notice not displayed; ordered to post it. Re-inspection on "
                               f"{reinspect.isoformat() if reinspect else ''}.",
            "tags_missing": f"Price tags missing on goods on sale; correction order issued to mark all prices "
                            f"within 24 hours. Re-inspection on {reinspect.isoformat() if reinspect else ''}.",
            "tags_still_missing": "Prices still not marked despite the correction order; sales records copied. "
                                  "Referred for a case.",
            "above_marked": "Customer charged more at the till than the shelf price; till receipts and shelf "
                            "tags photographed. Referred for a case.",
            "closure_kept": f"Premises closed as ordered under {CLOSURE_NOTICE}; notice posted on the door.",
            "closure_breach": f"Premises found open in breach of {CLOSURE_NOTICE}. Manager's statement taken; "
                              "income since reopening to be established from the till and payment records. "
                              "Referred for a case.",
            "gouging_kangjian": "Complaint about N95 respirators at 45 yuan each. Purchase invoices of 2020-01-25 "
                                "and sales records since 2020-01-19 copied; the pharmacy's own baseline "
                                "transactions of 2020-01-19 used. Referred for a case.",
            "gouging_renhe": "Masks and respirators priced several times above the pre-outbreak margin. "
                             "Purchase invoices and the till records since 2020-01-19 copied. Referred for a case.",
            "pork_warned": f"Lean pork priced above the margin of 2020-01-19, against {INTERVENTION_NOTICE}. "
                           "Vendor told to restore the pre-outbreak margin; re-inspection on 2020-02-10.",
            "pork_breach": "Vendor ignored the correction order of 2020-02-03 and raised the price again. "
                           "Slaughterhouse tickets and sales book copied. Referred for a case.",
        }[scenario]
        return f"{opener}{text} (Demo data, invented.)"

    # -- cases ---------------------------------------------------------------------------------------
    #
    # Every case is opened with open_case (or decide_on_the_spot) and carried on with run_action, the service
    # every entry point uses, so the guards, four-eyes and the history chain hold as in the app. Steps dated
    # after the seed's ``today`` are left out: the story stops there. Supervisors file, decline, approve,
    # decide and close; no supervisor inspects in the demo, and only officers are named at filing, so the
    # approver and decider are never case officers. In a unit with two supervisors (Chengguan) one files and
    # the legal reviewer approves and decides.

    def wd(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` on the rulebook's calendar."""
        return current_rulebook().calendar.add_working_days(start, n)

    def crew(self, unit: str) -> tuple[str, str]:
        """(filing supervisor, reviewing supervisor) of a unit: the legal reviewer reviews where there are two."""
        names = self.supervisors[unit]
        reviewer = next((n for n in names if self.users[n].legal_reviewer), names[0])
        filer = next((n for n in names if n != reviewer), reviewer)
        return filer, reviewer

    def gains(self, inspection_id: int) -> Decimal:
        """The estimated illegal gains of an inspection's flagged observations in its violations."""
        inspection = db.session.get(Inspection, inspection_id)
        return sum((o.estimated_illegal_gains or Decimal(0) for v in inspection.violations for o in v.observations),
                   Decimal(0))

    def carry(self, case: Case, steps: list[tuple[str, str, dict]]) -> None:
        """Run (username, action, body) steps through run_action in order, up to the seed's ``today``."""
        for username, action, body in steps:
            if body["on"] > self.today:
                return
            body = {key: value.isoformat() if isinstance(value, date) else value for key, value in body.items()}
            run_action(self.users[username], case, action, body, today=self.today)

    def open_referred(self, visit: _Visit, inspection_id: int) -> Case:
        return open_case(self.users[visit.officers[0]], inspection_id=inspection_id, today=self.today)

    def open_cases(self, referred: list[tuple[_Visit, int]]) -> None:
        """Cases in every state of the lifecycle, several of them overdue on the seed's ``today``."""
        by_scenario: dict[str, list[tuple[_Visit, int]]] = {}
        for visit, inspection_id in sorted(referred, key=lambda pair: (pair[0].day, pair[0].minute, pair[1])):
            by_scenario.setdefault(visit.scenario, []).append((visit, inspection_id))
        for scenario, story in (("gouging_kangjian", self.case_kangjian), ("gouging_renhe", self.case_renhe),
                                ("pork_breach", self.case_pork)):
            for visit, inspection_id in by_scenario.get(scenario, []):
                story(visit, inspection_id)
        closures = by_scenario.get("closure_breach", [])
        for index, (visit, inspection_id) in enumerate(closures):
            self.case_closure(index, visit, inspection_id)
        marking = sorted(by_scenario.get("tags_still_missing", []) + by_scenario.get("above_marked", []),
                         key=lambda pair: (pair[0].day, pair[0].minute, pair[1]))
        for index, (visit, inspection_id) in enumerate(marking):
            self.case_marking(index, visit, inspection_id)
        self.complaint_cases()

    # The gouging pharmacies and the pork vendor of Chengguan.

    def case_kangjian(self, visit: _Visit, inspection_id: int) -> None:
        """A major case: gains confiscated and fined twice the gains; paid on time and closed."""
        lead, second = visit.officers
        filer, reviewer = self.crew("CG")
        gains = self.gains(inspection_id)
        fine = _money(gains * 2)
        case = self.open_referred(visit, inspection_id)
        self.carry(case, [
            (filer, "mark_major", {"on": self.wd(visit.day, 1), "reason": "Masks during the epidemic: a large "
                                   "public interest and a chain of suppliers to examine."}),
            (filer, "file", {"on": self.wd(visit.day, 2), "officers": [lead, second]}),
            (lead, "propose_penalty", {
                "on": date(2020, 3, 2), "illegal_gains": f"{gains:.2f}", "severity": "ordinary",
                "lines": _gains_lines(gains, fine),
                "report": "Sales of N95 and surgical masks from 2020-01-24 to 2020-01-27 at margins far above the "
                          "pharmacy's own margins of 2020-01-19; gains computed from the till records. Fine of twice "
                          "the gains: first offence, stopped at once, records produced.",
            }),
            (reviewer, "approve_penalty", {"on": date(2020, 3, 4)}),
            (lead, "serve_notice", {"on": date(2020, 3, 5), "method": "in_person"}),
            (reviewer, "decide", {"on": date(2020, 3, 13), "collective_discussion": {
                "on": "2020-03-12", "participants": sorted(self.supervisors["CG"])}}),
            (second, "serve_decision", {"on": date(2020, 3, 16), "method": "in_person"}),
            (lead, "record_payment", {"on": date(2020, 3, 27), "amount": f"{gains + fine:.2f}",
                                      "receipt": "Bank transfer 2020032700418"}),
            (filer, "close", {"on": date(2020, 4, 3)}),
        ])

    def case_renhe(self, visit: _Visit, inspection_id: int) -> None:
        """An individual with a hearing right: heard, fine lowered, served; paid in part and late (surcharge)."""
        lead, second = visit.officers
        filer, reviewer = self.crew("CG")
        gains = self.gains(inspection_id)
        fine, lowered = _money(gains * 2), _money(gains * Decimal("1.5"))
        case = self.open_referred(visit, inspection_id)
        self.carry(case, [
            (filer, "file", {"on": self.wd(visit.day, 3), "officers": [lead, second]}),
            (lead, "propose_penalty", {
                "on": date(2020, 3, 2), "illegal_gains": f"{gains:.2f}",
                "lines": _gains_lines(gains, fine),
                "report": "Boxes of surgical masks and N95 respirators sold at about four times cost from "
                          "2020-01-24; gains computed from the till records.",
            }),
            (reviewer, "approve_penalty", {"on": date(2020, 3, 4)}),
            (lead, "serve_notice", {"on": date(2020, 3, 5), "method": "in_person"}),
            (second, "request_hearing", {"on": date(2020, 3, 10)}),
            (lead, "hold_hearing", {"on": date(2020, 3, 24), "host": filer,
                                    "report": "The operator admitted the prices, produced the purchase invoices and "
                                              "asked for a lower fine: a one-person pharmacy, first offence."}),
            (reviewer, "decide", {"on": date(2020, 3, 27), "lines": _gains_lines(gains, lowered)}),
            (second, "serve_decision", {"on": date(2020, 3, 30), "method": "in_person"}),
            (lead, "record_payment", {"on": date(2020, 4, 20), "amount": "10000.00",
                                      "receipt": "Bank transfer 2020042000077"}),
        ])

    def case_pork(self, visit: _Visit, inspection_id: int) -> None:
        """Emergency-measure breach decided and served; nothing paid, demand served, enforcement applied."""
        lead, second = visit.officers
        filer, reviewer = self.crew("CG")
        gains = self.gains(inspection_id)
        fine = _money(gains * 2)
        case = self.open_referred(visit, inspection_id)
        self.carry(case, [
            (filer, "file", {"on": self.wd(visit.day, 2), "officers": [lead, second]}),
            (lead, "propose_penalty", {
                "on": date(2020, 3, 9), "illegal_gains": f"{gains:.2f}",
                "lines": _gains_lines(gains, fine),
                "report": f"Lean pork sold above the margin of 2020-01-19 against {INTERVENTION_NOTICE}, after a "
                          "correction order; gains from the slaughterhouse tickets and the sales book.",
            }),
            (reviewer, "approve_penalty", {"on": date(2020, 3, 11)}),
            (second, "serve_notice", {"on": date(2020, 3, 12), "method": "in_person"}),
            (reviewer, "decide", {"on": date(2020, 3, 20)}),
            (second, "serve_decision", {"on": date(2020, 3, 23), "method": "left_at_premises"}),
            (filer, "apply_enforcement", {"on": date(2020, 10, 26), "demand_served_on": "2020-10-09"}),
        ])

    # Closure-notice breaches: a fine of 1-3 times the income earned while open, and closure.

    _CLOSURE_INCOME = ("8600.00", "4200.00", "15800.00", None, "9600.00", "21400.00", "12800.00", "3600.00")

    def case_closure(self, index: int, visit: _Visit, inspection_id: int) -> None:
        unit = visit.place.unit
        lead, second = visit.officers
        filer, reviewer = self.crew(unit)
        host = filer  # a supervisor who is not a case officer (the decider too where the unit has only one)
        income = self._CLOSURE_INCOME[index % len(self._CLOSURE_INCOME)]
        if income is None:
            penalty = {"lines": [{"kind": "closure"}, {"kind": "warning"}],
                       "report": "Open in breach of the closure notice; the income earned could not be established."}
        else:
            fine = _money(Decimal(income) * 2)
            penalty = {"illegal_gains": income,
                       "lines": [{"kind": "fine", "amount": f"{fine:.2f}"}, {"kind": "closure"}],
                       "report": f"Open in breach of {CLOSURE_NOTICE}; income while open {income} yuan from the "
                                 "till and payment records. Fine of twice that income, and closure."}
        file = (filer, "file", {"on": self.wd(visit.day, 3), "officers": [lead, second]})
        suspend = (filer, "suspend", {"on": max(date(2020, 4, 10), self.wd(visit.day, 6)),
                                      "reason": "The operator and staff in medical observation (quarantine); "
                                                "statements cannot be taken."})

        def propose(on):
            return lead, "propose_penalty", {"on": on, **penalty}

        def resume(on):
            return filer, "resume", {"on": on, "reason": "Quarantine over; the investigation resumes."}

        script = [
            # executed: fine paid, closure in force; the case file was never closed (closing overdue)
            lambda: [file, propose(date(2020, 4, 10)), (reviewer, "approve_penalty", {"on": date(2020, 4, 14)}),
                     (lead, "serve_notice", {"on": date(2020, 4, 15)}), (reviewer, "decide", {"on": date(2020, 4, 24)}),
                     (second, "serve_decision", {"on": date(2020, 4, 27)}),
                     (lead, "record_payment", {"on": date(2020, 5, 8), "amount": penalty["lines"][0].get("amount"),
                                               "receipt": "Bank transfer 2020050800213"})],
            # hearing held after a long suspension; the decision is still to come
            lambda: [file, suspend, resume(date(2020, 11, 2)), propose(date(2020, 11, 16)),
                     (reviewer, "approve_penalty", {"on": date(2020, 11, 18)}),
                     (lead, "serve_notice", {"on": date(2020, 11, 19)}),
                     (second, "request_hearing", {"on": date(2020, 11, 24)}),
                     (lead, "hold_hearing", {"on": date(2020, 12, 15), "host": host,
                                             "report": "The operator disputed the income figure; the till records "
                                                       "were read out. Decision to follow."})],
            # decided (closure and fine), but the decision was never served: decision service overdue
            lambda: [file, propose(date(2020, 4, 20)), (reviewer, "approve_penalty", {"on": date(2020, 4, 22)}),
                     (lead, "serve_notice", {"on": date(2020, 4, 23)}), (reviewer, "decide", {"on": date(2020, 5, 8)})],
            # closure and a warning: nothing to pay, executed on service, closed
            lambda: [file, propose(date(2020, 4, 13)), (reviewer, "approve_penalty", {"on": date(2020, 4, 15)}),
                     (lead, "serve_notice", {"on": date(2020, 4, 16)}), (reviewer, "decide", {"on": date(2020, 4, 24)}),
                     (second, "serve_decision", {"on": date(2020, 4, 27)}), (filer, "close", {"on": date(2020, 5, 8)})],
            # notice served after a suspension; the statement and hearing windows have lapsed, decision to come
            lambda: [file, suspend, resume(date(2020, 12, 1)), propose(date(2020, 12, 7)),
                     (reviewer, "approve_penalty", {"on": date(2020, 12, 9)}),
                     (second, "serve_notice", {"on": date(2020, 12, 21), "method": "post"})],
            # approved in July after an extension, notice never served: decision overdue
            lambda: [file, (reviewer, "extend_deadline", {"on": date(2020, 6, 10), "deadline": "decision", "days": 30,
                                                          "reason": "Income records held by the payment provider."}),
                     propose(date(2020, 7, 6)), (reviewer, "approve_penalty", {"on": date(2020, 7, 8)})],
            # proposed after a suspension, awaiting review
            lambda: [file, suspend, resume(date(2020, 12, 14)), propose(date(2020, 12, 28))],
            # hearing requested after a suspension
            lambda: [file, suspend, resume(date(2020, 12, 1)), propose(date(2020, 12, 7)),
                     (reviewer, "approve_penalty", {"on": date(2020, 12, 9)}),
                     (lead, "serve_notice", {"on": date(2020, 12, 14)}),
                     (second, "request_hearing", {"on": date(2020, 12, 17)})],
        ][index % 8]()
        case = self.open_referred(visit, inspection_id)
        self.carry(case, script)

    # Price marking: prices still not marked after a correction order, or charged above the marked price.

    def case_marking(self, index: int, visit: _Visit, inspection_id: int) -> None:
        unit = visit.place.unit
        lead, second = visit.officers
        filer, reviewer = self.crew(unit)
        file = (filer, "file", {"on": self.wd(visit.day, 3), "officers": [lead, second]})
        kind = index % 7
        if kind == 2:  # simplified procedure: a small fine decided on the spot, paid, closed
            case = decide_on_the_spot(self.users[lead], inspection_id, [{"kind": "fine", "amount": "100.00"}],
                                      on=visit.day.isoformat(), today=self.today)
            self.carry(case, [
                (lead, "record_payment", {"on": self.wd(visit.day, 3), "amount": "100.00",
                                          "receipt": "Bank slip 0044"}),
                (filer, "close", {"on": self.wd(visit.day, 8)}),
            ])
            return
        script = [
            # fined; the operator sued and the lawsuit is pending (decision served, execution continues)
            [file, (lead, "propose_penalty", {"on": self.wd(visit.day, 10),
                                              "lines": [{"kind": "fine", "amount": "2000.00"}],
                                              "report": "Prices not marked as the law requires."}),
             (reviewer, "approve_penalty", {"on": self.wd(visit.day, 12)}),
             (lead, "serve_notice", {"on": self.wd(visit.day, 13)}),
             (reviewer, "decide", {"on": self.wd(visit.day, 19)}),
             (second, "serve_decision", {"on": self.wd(visit.day, 21)}),
             (lead, "record_appeal", {"on": self.wd(visit.day, 29), "kind": "lawsuit"})],
            # not established after all: terminated and closed
            [file, (filer, "terminate", {"on": date(2020, 4, 20),
                                         "reason": "Not established: the till records show the marked prices were "
                                                   "charged; the complainant's receipt came from another shop."}),
             (filer, "close", {"on": date(2020, 4, 30)})],
            None,
            # first minor offence, corrected at once: not filed, closed
            [(filer, "decline", {"on": self.wd(visit.day, 2),
                                 "reason": "First minor offence, corrected at once (APL art. 33)."}),
             (filer, "close", {"on": self.wd(visit.day, 8)})],
            # investigation stalled despite an extension: decision overdue
            [file, (reviewer, "extend_deadline", {"on": date(2020, 5, 20), "deadline": "decision", "days": 30,
                                                  "reason": "Sales records held at the chain's head office."})],
            # a clue never filed: filing overdue
            [],
            # suspended while the supplier's invoices are awaited
            [file, (filer, "suspend", {"on": date(2020, 4, 20),
                                       "reason": "Awaiting the supplier's invoices from Hubei (lockdown)."})],
        ][kind]
        case = self.open_referred(visit, inspection_id)
        self.carry(case, script)

    # Complaints received later in the year: (unit, kind of premises, received on, complaint, what follows).

    def complaint_cases(self) -> None:
        complaints = (
            ("CG", "pharmacy", date(2020, 11, 2), "KN95 respirators without any maker's mark sold at 25 yuan each.",
             "transfer"),
            ("BYS", "supermarket", date(2020, 12, 22), "Vegetable prices doubled overnight before the New Year.", ""),
            ("KZ", "pharmacy", date(2020, 11, 20), "Infrared thermometers raised from 168 to 298 yuan.", ""),
            ("XZ", "restaurant", date(2020, 12, 7), "Charged 10 yuan for tea that is not on the menu.", "decline"),
            ("MTY", "supermarket", date(2020, 10, 12), "Rice sold above the shelf price.", "terminate"),
            ("DW", "supermarket", date(2020, 12, 1), "Cooking oil prices raised twice in a week.", "file"),
        )
        for unit, kind, received, text, then in complaints:
            if received > self.today:
                continue
            place = next(p for p in self.places if p.unit == unit and p.kind == kind and not p.story)
            officers = self.officers[unit][:2]
            filer, _ = self.crew(unit)
            case = open_case(self.users[officers[0]], premises_id=place.id, received_on=received.isoformat(),
                             complaint=f"12315 hotline: {text} (Demo data, invented.)", today=self.today)
            file = (filer, "file", {"on": self.wd(received, 2), "officers": officers})
            steps = {
                "": [],
                "file": [file],
                "transfer": [file, (filer, "transfer", {
                    "on": date(2020, 12, 21), "to": "police",
                    "reason": "Suspected counterfeit medical devices: samples and statements handed to the county "
                              "public security bureau."})],
                "decline": [(filer, "decline", {"on": self.wd(received, 10),
                                                "reason": "No evidence: the charge is printed on the menu."})],
                "terminate": [file, (filer, "terminate", {"on": date(2020, 12, 18),
                                                          "reason": "Not established: the till charged the shelf "
                                                                    "price on every receipt examined."})],
            }[then]
            self.carry(case, steps)

    # -- the whole county ----------------------------------------------------------------------------

    def run(self) -> None:
        self.create_units_and_accounts()
        self.plan_premises()
        self.register_premises()
        emergency = declare_emergency(None, EmergencyData(
            name=EMERGENCY_NAME, starts_on=STARTS_ON, baseline_date=BASELINE_DATE,
            jurisdiction=f"{COUNTY} (invented)", categories=list(_COVERED),
        ))
        self.emergency_id = emergency.id
        self.order_closures()
        referred = []
        for visit in self.plan_visits():
            inspection_id = self.inspect(visit)
            if visit.scenario in _REFERRED:
                referred.append((visit, inspection_id))
        self.open_cases(referred)


# ------------------------------------------------------------------------------------------ entry point


def _summary() -> str:
    """Counts of the demo county's records, read from the database."""
    codes = [code for code, _, _ in UNITS]
    unit_ids = sa.select(Unit.id).where(Unit.code.in_(codes))
    inspection_ids = sa.select(Inspection.id).where(Inspection.unit_id.in_(unit_ids))

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    units = count(sa.select(sa.func.count(Unit.id)).where(Unit.code.in_(codes)))
    accounts = count(sa.select(sa.func.count(User.id)).where(User.username.in_([s.username for s in STAFF])))
    premises = count(sa.select(sa.func.count(Premises.id)).where(Premises.unit_id.in_(unit_ids)))
    emergencies = count(sa.select(sa.func.count(PriceEmergency.id)).where(PriceEmergency.name == EMERGENCY_NAME))
    inspections = count(sa.select(sa.func.count(Inspection.id)).where(Inspection.unit_id.in_(unit_ids)))
    observations = sa.select(sa.func.count(PriceObservation.id)).where(
        PriceObservation.inspection_id.in_(inspection_ids))
    flagged = count(observations.where(PriceObservation.flagged.is_(True)))
    violations = count(sa.select(sa.func.count(Violation.id)).where(Violation.inspection_id.in_(inspection_ids)))
    cases = count(sa.select(sa.func.count(Case.id)).where(Case.unit_id.in_(unit_ids)))
    return gettext(
        "%(units)s units, %(accounts)s accounts, %(premises)s premises, %(emergencies)s emergency, "
        "%(inspections)s inspections, %(observations)s observations (%(flagged)s flagged), "
        "%(violations)s violations, %(cases)s cases",
        units=units, accounts=accounts, premises=premises, emergencies=emergencies, inspections=inspections,
        observations=count(observations), flagged=flagged, violations=violations, cases=cases,
    )


def seed_demo_county(today: date | None = None) -> DemoReport:
    """Load the invented demo county through the app's services; if it is there already, change nothing.

    :param today: the date the county is seeded as of (default ``DEMO_TODAY``, 2020-12-31, whatever the clock
        says, so every load gives the same data). No inspection or case step is dated after it: with an earlier
        date the story stops there (later inspections, complaints and steps are left out), and case deadlines
        (``next_deadline``, overdue or not) are reckoned as of it. Cases reach every lifecycle state only with
        the default or a later date (enforcement waits for the six-month lawsuit window of a March decision).
        The app itself reckons deadlines on the real date, on which every open demo case is overdue.
    """
    accounts = demo_accounts()
    if find_unit(MARKER_UNIT) is not None:
        return DemoReport(created=False, summary=_summary(), accounts=accounts)
    clashes = db.session.scalars(sa.select(Unit.code).where(Unit.code.in_([c for c, _, _ in UNITS]))).all()
    clashes += db.session.scalars(
        sa.select(User.username).where(User.username.in_([s.username for s in STAFF]))).all()
    if clashes:
        raise Conflict(gettext("The demo county cannot be loaded: %(names)s already exist.", names=listed(sorted(clashes))))
    if today is None:
        today = DEMO_TODAY
    _Seeder(random.Random(2020), today).run()
    return DemoReport(created=True, summary=_summary(), accounts=accounts)


# The two pharmacies of the story that gouged mask prices: what the officers saw, one normal price beside them,
# and how the violation reads.
GOUGED_PHARMACIES = {
    "gouging_kangjian": (
        [dict(commodity="mask_n95", price="45.00", marked_price="45.00", cost="12.00",
              cost_invoice="Invoice 40917735 (2020-01-25)", baseline_price="15.00", baseline_cost="10.00",
              quantity_sold="320"),
         dict(commodity="mask_surgical", price="3.00", marked_price="3.00", cost="0.60",
              cost_invoice="Invoice 40917736 (2020-01-25)", baseline_price="0.80", baseline_cost="0.50",
              quantity_sold="2400")],
        "paracetamol",
        "N95 and surgical masks sold from 2020-01-24 at margins of 275 % and 400 % on cost, against 50 % and 60 % "
        "on 2020-01-19.",
    ),
    "gouging_renhe": (
        [dict(commodity="mask_surgical_box", price="150.00", marked_price="150.00", cost="40.00",
              cost_invoice="Invoice 33160248 (2020-01-22)", baseline_price="45.00", baseline_cost="35.00",
              quantity_sold="60"),
         dict(commodity="mask_n95", price="38.00", marked_price="38.00", cost="10.00",
              cost_invoice="Invoice 33160251 (2020-01-22)", baseline_price="12.00", baseline_cost="9.00",
              quantity_sold="150")],
        "alcohol_75",
        "Surgical masks (box of 50) and N95 respirators sold at margins of 275 % and 280 % on cost, against about "
        "29 % and 33 % on 2020-01-19.",
    ),
}
