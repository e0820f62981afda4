"""Invented enterprise profiles for the demo data, drawn from one seeded generator: basic data,
qualifications and yearly figures at the rates a real city of 河北 or 河南 shows.

The tables of names, districts and sectors are in ``data/demo_enterprises.yaml``; the rates are
here. Nothing in this module touches the database (demo.enterprises writes the plans)."""

from __future__ import annotations

import datetime
import itertools
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from enterprises.models import (
    FactSource,
    Ownership,
    QualificationKind,
    QualificationLevel,
    Recognition,
    Scale,
)
from organisations.models import Region
from portal.validators import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    org_code_check_character,
    validate_credit_code,
)

K = QualificationKind
L = QualificationLevel
NATIONAL, PROVINCIAL, CITY = L.NATIONAL, L.PROVINCIAL, L.CITY
WAN = 10_000  # 万元
BIG = (Scale.LARGE, Scale.MEDIUM)

SCALES = {Scale.MICRO: 40, Scale.SMALL: 42, Scale.MEDIUM: 14, Scale.LARGE: 4}
# State-owned and mixed companies are mostly the big ones.
OWNERSHIP = {
    Scale.LARGE: (35, 20, 10, 35),
    Scale.MEDIUM: (10, 8, 7, 75),
    Scale.SMALL: (2, 3, 3, 92),
    Scale.MICRO: (1, 2, 2, 95),
}
OWNERSHIPS = (Ownership.STATE, Ownership.MIXED, Ownership.FOREIGN, Ownership.PRIVATE)
FOUNDED = {Scale.LARGE: (1995, 2012), Scale.MEDIUM: (1995, 2019), Scale.SMALL: (1998, 2023)}
FOUNDED[Scale.MICRO] = (2005, 2024)
EMPLOYEES = {Scale.MICRO: (3, 19), Scale.SMALL: (20, 299), Scale.MEDIUM: (300, 999)}
EMPLOYEES[Scale.LARGE] = (1000, 12000)
# Operating revenue of the latest complete year, 元; a small firm (under 300 staff) may pass
# 2000万 and so count as 规上.
REVENUE = {Scale.MICRO: (60 * WAN, 300 * WAN), Scale.SMALL: (300 * WAN, 4000 * WAN)}
REVENUE |= {Scale.MEDIUM: (2000 * WAN, 40000 * WAN), Scale.LARGE: (40000 * WAN, 600000 * WAN)}
ABOVE_SCALE_REVENUE = 2000 * WAN
HITECH_BONUS = {Scale.LARGE: 0.15, Scale.MEDIUM: 0.12, Scale.SMALL: 0.03, Scale.MICRO: -0.06}
PLATFORM_WEIGHT = {Scale.LARGE: 3.5, Scale.MEDIUM: 2.2, Scale.SMALL: 0.9, Scale.MICRO: 0.25}
PATENTS_MAX = {Scale.LARGE: 25, Scale.MEDIUM: 8, Scale.SMALL: 3, Scale.MICRO: 1}
# Chance (before weighting by sector and size) of a platform at the city, provincial and national
# level: the higher levels are rarer and need a bigger enterprise.
PLATFORMS = {
    K.ENTERPRISE_TECH_CENTER: (0.16, 0.07, 0.015),
    K.ENGINEERING_RESEARCH_CENTER: (0.06, 0.035, 0.006),
    K.TECH_INNOVATION_CENTER: (0.06, 0.035, 0.006),
    K.KEY_LAB: (0.045, 0.03, 0.004),
    K.NEW_RD_INSTITUTION: (0.018, 0.01, 0),
    K.INDUSTRIAL_TECH_INSTITUTE: (0.012, 0.006, 0),
}
WORKSTATIONS = {
    K.ACADEMICIAN_WORKSTATION: (0.018, PROVINCIAL),
    K.POSTDOC_WORKSTATION: (0.012, NATIONAL),
}
# What the incubator operators of the 科技服务 sector run, in turn.
OPERATED = [
    (K.INCUBATOR, PROVINCIAL),
    (K.MAKER_SPACE, CITY),
    (K.INCUBATOR, CITY),
    (K.MAKER_SPACE, NATIONAL),
    (K.INCUBATOR, NATIONAL),
    (K.MAKER_SPACE, PROVINCIAL),
]
MOVED_FROM = ["11", "12", "37"]  # 北京, 天津, 山东: a certificate keeps its province's number
YEAR = datetime.timedelta(days=365)


@dataclass
class Plan:
    """One enterprise as it should be. Figures name their year by `years_ago` (1 = last year),
    resolved when written; `founded_year` drops the years before the company existed."""

    enterprise: dict[str, Any]
    qualifications: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Traits:
    """What the qualifications and figures of one enterprise are drawn from."""

    sector: dict[str, Any]
    scale: str
    founded: datetime.date
    employees: int
    revenue: float  # of the latest complete year, 元
    researches: bool  # does research of its own
    province_code: str


def _pick(rng: random.Random, weights: dict) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _loguniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _money(value: float, step: int = 100) -> Decimal:
    return Decimal(round(value / step) * step).quantize(Decimal("0.01"))


def _day(rng: random.Random, year: int, months: tuple[int, int] = (1, 12)) -> datetime.date:
    return datetime.date(year, rng.randint(*months), rng.randint(1, 28))


def _years_later(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year + years) - datetime.timedelta(days=1)  # days are ≤ 28


class ProfileGenerator:
    """Draws plans in a fixed order from `rng`: the same seed, the same enterprises."""

    def __init__(
        self,
        rng: random.Random,
        data: dict,
        districts: dict[Region, list[Region]],
        *,
        reserved_codes: set[str],
        reserved_names: set[str],
    ):
        self.rng, self.data, self.districts = rng, data, districts
        self.codes, self.names = set(reserved_codes), set(reserved_names)
        self.certificates: set[str] = set()
        self.operated = 0

    def plans(self, count: int, shares: dict[str, int]) -> list[Plan]:
        """`count` plans, split between the cities by `shares` (name → weight)."""
        cities = list(self.districts)
        sizes = [count * shares[city.name] // sum(shares.values()) for city in cities]
        sizes[0] += count - sum(sizes)
        order = [city for city, size in zip(cities, sizes, strict=True) for _ in range(size)]
        self.rng.shuffle(order)
        return [self.plan(city) for city in order]

    def plan(self, city: Region) -> Plan:
        rng, local, sectors = self.rng, self.data["cities"][city.name], self.data["sectors"]
        district = _pick(rng, {d: local["districts"].get(d.name, 3) for d in self.districts[city]})
        sector = sectors[
            _pick(rng, {i: s["cities"].get(city.name, 0) for i, s in enumerate(sectors)})
        ]
        scale = _pick(rng, sector.get("scales") or SCALES)
        first, last = FOUNDED[scale]
        # Young companies outnumber old ones: the later of two draws.
        founded = _day(rng, max(rng.randint(first, last), rng.randint(first, last)))
        revenue = _loguniform(rng, *REVENUE[scale])
        employees = round(_loguniform(rng, *EMPLOYEES[scale]))
        enterprise = {
            "credit_code": self.credit_code(district.code or city.code, founded.year),
            "name": self.name(city, district, sector, scale),
            "city_id": city.pk,
            "district_id": district.pk,
            "industry": sector["industry"],
            "ownership": rng.choices(OWNERSHIPS, weights=OWNERSHIP[scale])[0],
            "scale": scale,
            "is_above_scale": sector["industrial"] and revenue >= ABOVE_SCALE_REVENUE,
            "employees": employees,
            "founded_on": founded,
            "source": self.source(),
        }
        # Missing information is realistic: some profiles leave a field empty.
        gap = rng.random()
        if gap < 0.04:
            enterprise["employees"] = None
        elif gap < 0.09:
            enterprise["is_above_scale"] = None
        elif gap < 0.11:
            enterprise["founded_on"] = None
        plan = Plan(enterprise)
        researches = rng.random() < sector["tech"]
        traits = _Traits(
            sector, scale, founded, employees, revenue, researches, local["province_code"]
        )
        self.qualify(plan, traits)
        self.figure(plan, traits)
        return plan

    def credit_code(self, division: str, founded_year: int) -> str:
        """'9' (市场监管) '1' (企业), the division, an organisation code and the check."""
        rng = self.rng
        while True:
            if founded_year >= 2016:  # codes issued since the 2015 reform begin with MA
                body = "MA" + rng.choice("0123456789")
                body += "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(5))
            else:
                body = rng.choice("5678") + "".join(rng.choice("0123456789") for _ in range(7))
            first17 = "91" + division + body + org_code_check_character(body)
            code = first17 + credit_code_check_character(first17)
            if code not in self.codes:
                validate_credit_code(code)
                self.codes.add(code)
                return code

    def name(self, city: Region, district: Region, sector: dict, scale: str) -> str:
        """地名 + 字号 + 行业 + 组织形式, e.g. 迁安市恒信新材料有限公司."""
        rng, local = self.rng, self.data["cities"][city.name]
        short = city.name.removesuffix("市")
        places = {short: 55, local["province_short"]: 12 if scale in BIG else 4}
        if district.name.endswith(("县", "市")):
            places[district.name] = 30
        elif district.name == "曹妃甸区":
            places[short + "曹妃甸"] = 30
        elif district.name.endswith("区") and "开发区" not in district.name:
            places[city.name + district.name] = 8
        trade_names = self.data["trade_names"] + local["trade_names"] * 2
        for attempt in itertools.count():
            word = rng.choice(sector["words"])
            if sector["tech"] >= 0.5 and word[-2:] not in ("科技", "技术") and rng.random() < 0.3:
                word += "科技"
            form = "有限公司"
            if rng.random() < {Scale.LARGE: 0.6, Scale.MEDIUM: 0.3}.get(scale, 0.04):
                form = (
                    "集团有限公司"
                    if scale == Scale.LARGE and rng.random() < 0.3
                    else "股份有限公司"
                )
            name = f"{_pick(rng, places)}{rng.choice(trade_names)}{word}{form}"
            if attempt >= 20:
                # A district's names run out at city scale (the benchmark's 100,000): number the
                # trade name as registries do (华信二号科技有限公司) rather than draw forever.
                name = name.removesuffix(form) + f"{attempt - 19}号{form}"
            if name not in self.names:
                self.names.add(name)
                return name

    def source(self) -> str:
        return FactSource.VERIFIED if self.rng.random() < 0.2 else FactSource.DECLARED

    def certificate(self, prefix: str, digits: int) -> str:
        while True:
            number = f"{prefix}{self.rng.randint(1, 10**digits // 2):0{digits}d}"
            if number not in self.certificates:
                self.certificates.add(number)
                return number

    def add(self, plan: Plan, kind: str, level: str, day: datetime.date, **values) -> None:
        """A qualification; `years` of validity or an `expires_on`, else it does not expire."""
        years = values.pop("years", None)
        expires_on = values.pop("expires_on", None) or (years and _years_later(day, years))
        plan.qualifications.append(
            {
                "kind": kind,
                "level": level,
                "recognized_on": day,
                "expires_on": expires_on or None,
                "recognition": Recognition.NEW,
                "certificate_number": "",
                "moved_in_from_other_province": False,
                "source": self.source(),
                **values,
            }
        )

    def qualify(self, plan: Plan, traits: _Traits) -> None:
        rng, scale, tech = self.rng, traits.scale, traits.sector["tech"]
        hitech = self.hitech(plan, traits)
        sme = scale != Scale.LARGE and traits.employees <= 500 and traits.revenue <= 20000 * WAN
        if sme and rng.random() < (0.85 if hitech else 0.2 + 0.6 * tech):
            self.tech_sme(plan, traits)
        if not hitech and tech >= 0.3 and rng.random() < 0.22:  # the city's 高企培育库
            self.add(plan, K.HITECH_POOL, CITY, _day(rng, rng.randint(2024, 2026), (5, 9)), years=3)
        if hitech and scale in BIG and rng.random() < 0.3:
            day = _day(rng, rng.randint(2023, 2026), (6, 11))
            self.add(plan, K.TECH_LEADER, PROVINCIAL, day, years=3)
        if scale != Scale.LARGE and rng.random() < (
            0.03 + 0.1 * tech + 0.1 * hitech + 0.08 * (scale in BIG)
        ):
            year = rng.randint(2021, 2025)
            if hitech and rng.random() < 0.15:  # 国家级专精特新“小巨人”, provincial first
                day = _day(rng, year - 2, (10, 12))
                self.add(plan, K.SPECIALIZED_SME, PROVINCIAL, day, years=3)
                self.add(plan, K.SPECIALIZED_SME, NATIONAL, _day(rng, year, (7, 9)), years=3)
            else:
                self.add(plan, K.SPECIALIZED_SME, PROVINCIAL, _day(rng, year, (10, 12)), years=3)
        if hitech and traits.sector.get("services") and rng.random() < 0.35:
            day = _day(rng, rng.randint(2022, 2025))
            self.add(plan, K.TECH_ADVANCED_SERVICE, PROVINCIAL, day, years=3)
        traits.researches = traits.researches or any(
            q["kind"] in (K.HITECH, K.TECH_SME) for q in plan.qualifications
        )
        self.platforms(plan, traits, hitech=hitech)

    def hitech(self, plan: Plan, traits: _Traits) -> bool:
        """高新技术企业: latest certificate of 2022–2025, valid three years (those of 2022 have
        lapsed unrenewed); a renewal keeps the certificate before it."""
        rng, founded = self.rng, traits.founded
        if rng.random() >= 0.09 + 0.55 * traits.sector["tech"] + HITECH_BONUS[traits.scale]:
            return False
        year = _pick(rng, {2022: 10, 2023: 28, 2024: 30, 2025: 32})
        day, earlier = _day(rng, year, (10, 12)), _day(rng, year - 3, (10, 12))
        renewal, moved = rng.random() < 0.3, rng.random() < 0.04
        province = rng.choice(MOVED_FROM) if moved else traits.province_code
        if founded > day - YEAR:  # registered for a year at least
            return False
        renewal = renewal and founded <= earlier - YEAR
        if renewal:
            number = self.certificate(f"GR{year - 3}{province}", 6)
            self.add(plan, K.HITECH, "", earlier, years=3, certificate_number=number)
        self.add(
            plan,
            K.HITECH,
            "",
            day,
            years=3,
            recognition=Recognition.RENEWAL if renewal else Recognition.NEW,
            certificate_number=self.certificate(f"GR{year}{province}", 6),
            moved_in_from_other_province=moved,
        )
        return True

    def tech_sme(self, plan: Plan, traits: _Traits) -> None:
        """科技型中小企业: evaluated every year, each entry valid to the end of its year."""
        rng = self.rng
        level = NATIONAL if rng.random() < 0.2 else PROVINCIAL
        first = _pick(rng, {2024: 40, 2025: 30, 2026: 30})
        last = 2026 if rng.random() < 0.8 else rng.randint(first, 2026)
        entered_before = first == 2024 and rng.random() < 0.5
        division = plan.enterprise["credit_code"][2:8]
        for year in range(first, last + 1):
            day = _day(rng, year, (3, 10))
            if day < traits.founded:
                continue
            fresh = year == first and not entered_before
            self.add(
                plan,
                K.TECH_SME,
                level,
                day,
                expires_on=datetime.date(year, 12, 31),
                recognition=Recognition.NEW if fresh else Recognition.RENEWAL,
                certificate_number=self.certificate(f"{year}{division}A", 7),
            )

    def platforms(self, plan: Plan, traits: _Traits, *, hitech: bool) -> None:
        """Research platforms only where research is done: commoner at the city level, in
        research-driven sectors and in big companies. Incubators where the sector runs them."""
        rng, scale = self.rng, traits.scale
        weight = (0.4 + traits.sector["tech"]) * PLATFORM_WEIGHT[scale]
        if not traits.researches:
            weight = 0
        start = max(traits.founded.year + 2, 2010)
        for kind, (city_rate, provincial_rate, national_rate) in PLATFORMS.items():
            draw, day = rng.random(), _day(rng, rng.randint(min(start, 2025), 2025), (3, 12))
            if start > 2025:
                continue
            if draw < national_rate * weight and scale == Scale.LARGE:
                self.add(plan, kind, NATIONAL, day)
            elif draw < (national_rate + provincial_rate) * weight and (scale in BIG or hitech):
                self.add(plan, kind, PROVINCIAL, day)
            elif draw < (national_rate + provincial_rate + city_rate) * weight:
                self.add(plan, kind, CITY, day)
        for kind, (rate, level) in WORKSTATIONS.items():
            draw, day = rng.random(), _day(rng, rng.randint(min(start, 2025), 2025))
            if start <= 2025 and draw < rate * weight:
                self.add(plan, kind, level, day)
        if traits.sector.get("operator"):
            kind, level = OPERATED[self.operated % len(OPERATED)]
            self.operated += 1
            day = _day(rng, rng.randint(max(traits.founded.year + 1, 2015), 2025))
            self.add(plan, kind, level, day)
        elif scale == Scale.LARGE and rng.random() < 0.15:  # a maker space of a big company
            self.add(plan, K.MAKER_SPACE, CITY, _day(rng, rng.randint(2016, 2025)))

    def figure(self, plan: Plan, traits: _Traits) -> None:
        """Figures of the three complete years, newest first."""
        rng, scale, revenue, researches = self.rng, traits.scale, traits.revenue, traits.researches
        if any(q["kind"] == K.HITECH for q in plan.qualifications):
            # The 高企 floor of R&D: 5% of revenue under 5000万, 4% up to 2亿, 3% above.
            floor = 0.05 if revenue < 5000 * WAN else 0.04 if revenue < 20000 * WAN else 0.03
            ratio = rng.uniform(floor + 0.002, floor + 0.03)
        elif researches:
            ratio = rng.uniform(0.01, 0.08)
        else:
            ratio = 0 if rng.random() < 0.5 else rng.uniform(0.001, 0.012)
        claims = ratio > 0 and rng.random() < 0.85  # 研发费用加计扣除
        contracts = _loguniform(rng, 5 * WAN, max(10 * WAN, revenue * 0.2))
        has_contracts = researches and rng.random() < 0.3
        gap = rng.random()
        missing = rng.choice(
            [
                "tax_paid",
                "rd_super_deduction",
                "tech_contract_turnover",
                "invention_patents_granted",
            ]
        )
        source = _pick(
            rng, {FactSource.DECLARED: 75, FactSource.VERIFIED: 20, FactSource.IMPORTED: 5}
        )
        for years_ago in (1, 2, 3):
            rd = revenue * ratio * rng.uniform(0.85, 1.15)
            contract = contracts * rng.uniform(0.5, 1.5) if rng.random() < 0.85 else 0
            patents = rng.randint(0, PATENTS_MAX[scale]) if rng.random() < 0.6 else 0
            row = {
                "years_ago": years_ago,
                "revenue": _money(revenue, 1000),
                "rd_expense": _money(rd),
                "rd_super_deduction": _money(rd * rng.uniform(0.8, 1.0) if claims else 0),
                "tax_paid": _money(revenue * rng.uniform(0.015, 0.06)),
                "tech_contract_turnover": _money(contract if has_contracts else 0),
                "invention_patents_granted": patents if researches else 0,
                "source": source,
                "founded_year": traits.founded.year,
            }
            revenue /= 1 + rng.uniform(-0.1, 0.3)  # the year before
            if gap < 0.03:  # no figures declared at all
                continue
            if gap < 0.10 and years_ago == 3:  # the oldest year not filled in
                continue
            if gap < 0.16:  # one figure left empty
                row[missing] = None
            plan.figures.append(row)


def demo_account_plan(data: dict, credit_code: str, name: str, city: Region, district: Region):
    """The demo account's enterprise, as the data file describes it."""
    profile = {
        key: value for key, value in data.items() if key not in ("qualifications", "figures")
    }
    enterprise = {
        "credit_code": credit_code,
        "name": name,
        "city_id": city.pk,
        "district_id": district.pk,
        **profile,
    }
    qualifications = [
        {
            "level": "",
            "expires_on": None,
            "recognition": Recognition.NEW,
            "certificate_number": "",
            "moved_in_from_other_province": False,
            **row,
        }
        for row in data["qualifications"]
    ]
    figures = [
        {"source": FactSource.VERIFIED if row["years_ago"] == 1 else FactSource.DECLARED, **row}
        for row in data["figures"]
    ]
    return Plan(enterprise, qualifications, figures)
