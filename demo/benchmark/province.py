"""The benchmark's province: the other cities of 河北省, each given a copy of 唐山's catalogue.

Issue 17 measures 1,000,000 enterprises. The seed catalogue has items for four cities only, and
drawing a million enterprises over four cities would give cities of 350,000 — not a province.
So the benchmark (only the benchmark, only in its own database) adds the nine other cities of
河北省 with their real division codes (GB/T 2260) and a few real districts each, and copies the
seed city's documents, measures, items, award rules, conditions, golden cases, limits and annex to
each of them, the annex's bureaus renamed for the new city (石家庄市科学技术局). A cloned item
serves its city exactly as the original serves 唐山: the same conditions, the same rules, the
document's region is the new city. Nothing about money is written here: the clone copies rows.

Shares of the enterprises follow the cities' resident population (2020 census, 第七次全国人口
普查, in 万 rounded), a proxy for how many enterprises each holds.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from simple_history.utils import bulk_create_with_history

from incentives import caching
from incentives.models import (
    Assignment,
    AwardRule,
    Condition,
    CrossItemLimit,
    GoldenCase,
    IncentiveItem,
    Measure,
    PolicyDocument,
)
from organisations.models import Bureau, BureauAlias, Region

PROVINCE = "河北省"
SEED_CITY = "唐山市"
CHANGE_REASON = "基准测试数据：复制唐山市的政策目录"


@dataclass(frozen=True)
class City:
    """A city of the benchmark's province: its division code, a few real districts, its people
    (万, 2020 census) and, for the generator, whose sector mix it borrows and local trade names."""

    name: str
    code: str
    population: int
    districts: tuple[tuple[str, str], ...] = ()
    like: str = SEED_CITY
    trade_names: tuple[str, ...] = ()


# The four seed cities, as the catalogue has them (their districts are organisations.yaml's).
SEED_CITIES = (
    City("唐山市", "130200", 772),
    City("廊坊市", "131000", 546),
    City("鹤壁市", "410600", 157),
    City("酒泉市", "620900", 106),
)
# The other cities of 河北省 (GB/T 2260 codes; a few districts each, not all).
CLONED_CITIES = (
    City(
        "石家庄市", "130100", 1124,
        (("长安区", "130102"), ("桥西区", "130104"), ("新华区", "130105"), ("裕华区", "130108"),
         ("藁城区", "130109"), ("鹿泉区", "130110"), ("栾城区", "130111"), ("正定县", "130123"),
         ("辛集市", "130181"), ("晋州市", "130183")),
        trade_names=("滹沱", "太行", "常山", "赵州", "燕赵", "冀中", "石门", "正定", "抱犊"),
    ),
    City(
        "秦皇岛市", "130300", 314,
        (("海港区", "130302"), ("山海关区", "130303"), ("北戴河区", "130304"),
         ("抚宁区", "130306"), ("昌黎县", "130322"), ("卢龙县", "130324")),
        trade_names=("碣石", "山海", "戴河", "长城", "孤竹", "海港", "燕塞", "祖山", "洋河"),
    ),
    City(
        "邯郸市", "130400", 941,
        (("邯山区", "130402"), ("丛台区", "130403"), ("复兴区", "130404"),
         ("峰峰矿区", "130406"), ("肥乡区", "130407"), ("永年区", "130408"),
         ("武安市", "130481")),
        trade_names=("赵都", "丛台", "滏阳", "磁州", "武灵", "紫山", "响堂", "漳河", "邯山"),
    ),
    City(
        "邢台市", "130500", 711,
        (("襄都区", "130502"), ("信都区", "130503"), ("任泽区", "130505"), ("南和区", "130506"),
         ("南宫市", "130581"), ("沙河市", "130582")),
        trade_names=("襄国", "顺德", "百泉", "牛城", "邢州", "紫金", "达活", "七里", "郭守"),
    ),
    City(
        "保定市", "130600", 1154,
        (("竞秀区", "130602"), ("莲池区", "130606"), ("满城区", "130607"), ("清苑区", "130608"),
         ("徐水区", "130609"), ("涿州市", "130681"), ("安国市", "130683"),
         ("高碑店市", "130684")),
        like="廊坊市",
        trade_names=("保州", "直隶", "古莲", "白洋", "易水", "府河", "紫荆", "督亢", "上谷"),
    ),
    City(
        "张家口市", "130700", 412,
        (("桥东区", "130702"), ("桥西区", "130703"), ("宣化区", "130705"), ("万全区", "130708"),
         ("崇礼区", "130709"), ("张北县", "130722")),
        trade_names=("张垣", "坝上", "桑洋", "塞北", "桑干", "雪国", "大境", "洋河", "崇礼"),
    ),
    City(
        "承德市", "130800", 335,
        (("双桥区", "130802"), ("双滦区", "130803"), ("承德县", "130821"), ("兴隆县", "130822"),
         ("平泉市", "130881")),
        trade_names=("避暑", "木兰", "热河", "雾灵", "塞罕", "磬锤", "武烈", "山庄", "滦平"),
    ),
    City(
        "沧州市", "130900", 730,
        (("新华区", "130902"), ("运河区", "130903"), ("沧县", "130921"), ("青县", "130922"),
         ("泊头市", "130981"), ("任丘市", "130982"), ("黄骅市", "130983"),
         ("河间市", "130984")),
        trade_names=("狮城", "运河", "沧海", "长芦", "铁狮", "燕南", "渤海", "南川", "瀛洲"),
    ),
    City(
        "衡水市", "131100", 421,
        (("桃城区", "131102"), ("冀州区", "131103"), ("枣强县", "131121"), ("武邑县", "131122"),
         ("深州市", "131182")),
        like="廊坊市",
        trade_names=("衡湖", "桃城", "冀州", "湖城", "董子", "桃源", "恒湖", "冀衡", "滏阳"),
    ),
)  # fmt: skip
# Every city the province-scale data set draws enterprises over, and its weight.
PROVINCE_SHARES = {city.name: city.population for city in (*SEED_CITIES, *CLONED_CITIES)}


def clone_key(city: City, key: str) -> str:
    """The key of a cloned row: the city's division code before the original's."""
    return f"{city.code}-{key}"


def _renamed(value: Any, seed: str, city: str) -> Any:
    """Text of the seed city made the new city's (唐山市 → 石家庄市, 唐山 → 石家庄), inside
    lists and dicts too; other values as they are."""
    if isinstance(value, str):
        return value.replace(seed, city).replace(seed.removesuffix("市"), city.removesuffix("市"))
    if isinstance(value, list):
        return [_renamed(v, seed, city) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, seed, city) for k, v in value.items()}
    return value


def _copy(obj: models.Model, **changes: Any) -> models.Model:
    """A new, unsaved row with the columns of ``obj`` (ids of foreign keys included) and
    ``changes``."""
    values = {
        field.attname: copy.deepcopy(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if not field.primary_key
    }
    values.update(changes)
    return type(obj)(**values)


def _create(model: type[models.Model], rows: list[models.Model]) -> list[models.Model]:
    if not rows:
        return []
    return bulk_create_with_history(
        rows, model, batch_size=500, default_change_reason=CHANGE_REASON
    )


@transaction.atomic
def province_clone(
    *, cities: Iterable[City] = CLONED_CITIES, seed: str = SEED_CITY
) -> dict[str, int]:
    """Create each city of ``cities`` under 河北省 with its districts, and copy the seed city's
    catalogue to it; a city whose copy exists is left alone (a second call adds nothing).
    Bumps the catalogue version once, as an admin's edit does, so every process rebuilds its
    item plans. Returns how many rows of each kind were created."""
    province = Region.objects.get(name=PROVINCE, level=Region.Level.PROVINCE, parent=None)
    seed_city = Region.objects.get(name=seed, parent=province, level=Region.Level.CITY)
    counts: dict[str, int] = {}
    for city in cities:
        for kind, created in _city_clone(city, province, seed_city).items():
            counts[kind] = counts.get(kind, 0) + created
    if any(counts.values()):
        caching.bump()  # bulk_create sends no post_save: the version moves here
    return counts


def _city_clone(city: City, province: Region, seed: Region) -> dict[str, int]:
    counts = {"regions": 0, "bureaus": 0, "documents": 0, "measures": 0, "items": 0}
    counts |= {"rules": 0, "conditions": 0, "golden_cases": 0, "assignments": 0, "limits": 0}
    region, created = Region.objects.get_or_create(
        name=city.name,
        parent=province,
        defaults={"level": Region.Level.CITY, "code": city.code},
    )
    counts["regions"] += created
    for name, code in city.districts:
        _, created = Region.objects.get_or_create(
            name=name, parent=region, defaults={"level": Region.Level.DISTRICT, "code": code}
        )
        counts["regions"] += created

    def text(value: Any) -> Any:
        return _renamed(value, seed.name, city.name)

    # The bureaus of the seed city, renamed (市科学技术局 reads 石家庄市科学技术局); contacts are
    # left empty rather than invented.
    bureaus = {b.name: b for b in Bureau.objects.filter(city=region)}
    new_bureaus = [
        Bureau(city=region, name=text(b.name), verifies_enterprises=b.verifies_enterprises)
        for b in Bureau.objects.filter(city=seed).order_by("pk")
        if text(b.name) not in bureaus
    ]
    Bureau.objects.bulk_create(new_bureaus)
    counts["bureaus"] += len(new_bureaus)
    bureau_ids = {b.pk: b for b in Bureau.objects.filter(city=seed)}
    by_name = {b.name: b for b in Bureau.objects.filter(city=region)}
    bureau_map = {pk: by_name[text(b.name)].pk for pk, b in bureau_ids.items()}
    known_aliases = set(BureauAlias.objects.filter(city=region).values_list("name", flat=True))
    BureauAlias.objects.bulk_create(
        BureauAlias(bureau_id=bureau_map[a.bureau_id], city=region, name=text(a.name))
        for a in BureauAlias.objects.filter(city=seed).order_by("pk")
        if text(a.name) not in known_aliases
    )

    documents = list(PolicyDocument.objects.filter(region=seed).order_by("pk"))
    have = set(
        PolicyDocument.objects.filter(
            key__in=[clone_key(city, d.key) for d in documents]
        ).values_list("key", flat=True)
    )
    documents = [d for d in documents if clone_key(city, d.key) not in have]
    if not documents:
        return counts
    note = f"（基准测试数据：复制自{seed.name}的文件 {{key}}）"
    doc_map: dict[int, int] = {}
    new = [
        _copy(
            d,
            key=clone_key(city, d.key),
            region_id=region.pk,
            title=text(d.title),
            issuer=text(d.issuer),
            summary=text(d.summary) + note.format(key=d.key),
        )
        for d in documents
    ]
    for old, created in zip(documents, _create(PolicyDocument, new), strict=True):
        doc_map[old.pk] = created.pk
    counts["documents"] += len(new)

    measures = list(Measure.objects.filter(document_id__in=doc_map).order_by("pk"))
    new = [
        _copy(
            m,
            document_id=doc_map[m.document_id],
            title=text(m.title),
            summary=text(m.summary),
        )
        for m in measures
    ]
    measure_map = {
        old.pk: created.pk for old, created in zip(measures, _create(Measure, new), strict=True)
    }
    counts["measures"] += len(new)

    items = list(IncentiveItem.objects.filter(measure_id__in=measure_map).order_by("pk"))
    new = [
        _copy(
            i,
            key=clone_key(city, i.key),
            measure_id=measure_map[i.measure_id],
            **{
                name: text(getattr(i, name))
                for name in ("name", "summary", "quote", "clause", "budget_basis", "materials")
            },
            checklist=text(i.checklist),
        )
        for i in items
    ]
    item_map = {
        old.pk: created.pk for old, created in zip(items, _create(IncentiveItem, new), strict=True)
    }
    counts["items"] += len(new)

    # Rules, conditions and golden cases exactly as the seed's: only the item differs.
    for model, kind in ((AwardRule, "rules"), (Condition, "conditions")):
        rows = list(model.objects.filter(item_id__in=item_map).order_by("pk"))
        _create(model, [_copy(r, item_id=item_map[r.item_id]) for r in rows])
        counts[kind] += len(rows)
    cases = list(GoldenCase.objects.filter(item_id__in=item_map).order_by("pk"))
    _create(GoldenCase, [_copy(c, item_id=item_map[c.item_id]) for c in cases])
    counts["golden_cases"] += len(cases)

    lines = list(Assignment.objects.filter(measure_id__in=measure_map).order_by("pk"))
    _create(
        Assignment,
        [
            _copy(
                a,
                measure_id=measure_map[a.measure_id],
                item_id=item_map[a.item_id] if a.item_id else None,
                bureau_id=bureau_map[a.bureau_id],
            )
            for a in lines
        ],
    )
    counts["assignments"] += len(lines)

    limits = list(
        CrossItemLimit.objects.filter(document_id__in=doc_map)
        .prefetch_related("items")
        .order_by("pk")
    )
    new = [
        _copy(
            limit,
            key=clone_key(city, limit.key),
            document_id=doc_map[limit.document_id],
            note=text(limit.note),
        )
        for limit in limits
    ]
    through = CrossItemLimit.items.through
    links = []
    for old, created in zip(limits, _create(CrossItemLimit, new), strict=True):
        links += [
            through(crossitemlimit_id=created.pk, incentiveitem_id=item_map[i.pk])
            for i in old.items.all()
            if i.pk in item_map
        ]
    through.objects.bulk_create(links)
    counts["limits"] += len(new)
    return counts
