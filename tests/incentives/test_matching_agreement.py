"""Every path that stores matches stores what the item's plan says, and only inside its scope.

- The whole seed catalogue against enterprises of 唐山, 廊坊, 鹤壁 and 酒泉, companies and
  institutions with drawn profiles: one enterprise at a time (Python), one item at a time (SQL)
  and the streamed full recompute (PostgreSQL) each store, for every enterprise × item, the row
  the plan gives — status, estimate, amounts, reasons, rule and version — and no row for an item
  whose region or beneficiary kind leaves the enterprise out; the policy calculator answers the
  same for the same facts.
- The same condition answers the same for one enterprise in Python and for every enterprise in
  SQL: random profiles and random conditions, compared outcome by outcome and verdict by verdict.

On SQLite, amounts are whole yuan (SQLite computes decimals in floating point); on PostgreSQL
(CI) they carry cents, so the comparison is exact to the fen."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.enterprises import demo_enterprises_load
from enterprises import schema
from enterprises.models import Enterprise, QualificationKind
from incentives import facts as fact_readers
from incentives import matching, matching_bulk, plans, services, shown
from incentives.calculator import calculate
from incentives.engine import ItemSpec, condition_outcome, evaluate_item
from incentives.matching import condition_outcome_expression, item_verdicts_sql
from incentives.models import IncentiveItem, Match
from tests import factories

ON = datetime.date(2026, 6, 30)
KINDS = [k.value for k in QualificationKind]
LEVELS = ["national", "provincial", "city"]


def money():
    cents = connection.vendor == "postgresql"
    whole = st.integers(min_value=0, max_value=50_000_000).map(Decimal)
    if not cents:
        return whole
    return st.decimals(
        min_value=0, max_value=50_000_000, places=2, allow_nan=False, allow_infinity=False
    )


dates = st.dates(min_value=datetime.date(2018, 1, 1), max_value=datetime.date(2027, 12, 31))

qualification = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "level": st.sampled_from([*LEVELS, ""]),
        "recognition": st.sampled_from(["new", "renewal"]),
        "recognized_on": dates,
        "valid_years": st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
        "moved_in": st.booleans(),
    }
)
figures = st.fixed_dictionaries(
    {
        name: st.one_of(st.none(), money())
        for name in (
            "revenue",
            "rd_expense",
            "rd_super_deduction",
            "tax_paid",
            "tech_contract_turnover",
        )
    }
    | {"invention_patents_granted": st.one_of(st.none(), st.integers(min_value=0, max_value=40))}
)
profiles = st.fixed_dictionaries(
    {
        "ownership": st.sampled_from(["", "state", "private", "foreign", "mixed"]),
        "scale": st.sampled_from(["", "large", "medium", "small", "micro"]),
        "is_above_scale": st.one_of(st.none(), st.booleans()),
        "employees": st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
        "founded_on": st.one_of(st.none(), dates),
        "industry": st.sampled_from(["", "智能装备", "新材料"]),
        "qualifications": st.lists(qualification, max_size=5),
        "figures": st.dictionaries(
            st.sampled_from([ON.year - 1, ON.year - 2, ON.year - 3]), figures, max_size=3
        ),
    }
)


def make_enterprise(data) -> Enterprise:
    enterprise = factories.enterprise(
        city="唐山市",
        **{
            k: data[k]
            for k in ("ownership", "scale", "is_above_scale", "employees", "founded_on", "industry")
        },
    )
    seen = set()
    for q in data["qualifications"]:
        identity = (q["kind"], q["level"], q["recognized_on"])
        if identity in seen:
            continue
        seen.add(identity)
        expires = None
        if q["valid_years"] is not None:
            expires = (
                q["recognized_on"].replace(year=q["recognized_on"].year + q["valid_years"])
                if not (q["recognized_on"].month == 2 and q["recognized_on"].day == 29)
                else q["recognized_on"] + datetime.timedelta(days=365 * q["valid_years"])
            )
        factories.qualification(
            enterprise,
            kind=q["kind"],
            level=q["level"],
            recognition=q["recognition"],
            recognized_on=q["recognized_on"],
            expires_on=expires,
            moved_in_from_other_province=q["moved_in"],
        )
    for year, values in data["figures"].items():
        factories.figures(enterprise, year, **values)
    return enterprise


DECLARED = None


def declared():
    global DECLARED
    if DECLARED is None:
        DECLARED = services.facts_declared()
    return DECLARED


@st.composite
def conditions(draw):
    facts = declared()
    key = draw(st.sampled_from(sorted(k for k in fact_readers.READERS if k in facts)))
    kind = facts[key]["type"]
    if kind == "bool":
        op = draw(st.sampled_from(["is_true", "is_false", "eq", "ne"]))
        return {
            "fact": key,
            "op": op,
            "value": None if op.startswith("is_") else draw(st.booleans()),
        }
    if kind == "choice":
        choices = sorted(facts[key]["choices"])
        op = draw(st.sampled_from(["eq", "ne", "in", "not_in"]))
        if op in ("in", "not_in"):
            return {
                "fact": key,
                "op": op,
                "value": draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3)),
            }
        return {"fact": key, "op": op, "value": draw(st.sampled_from(choices))}
    if kind == "text":
        words = ["唐山市", "廊坊市", "智能装备", "新材料", "路南区"]
        op = draw(st.sampled_from(["eq", "ne", "in", "not_in"]))
        if op in ("in", "not_in"):
            return {
                "fact": key,
                "op": op,
                "value": draw(st.lists(st.sampled_from(words), min_size=1, max_size=3)),
            }
        return {"fact": key, "op": op, "value": draw(st.sampled_from(words))}
    if kind == "date":
        op = draw(st.sampled_from(["gt", "gte", "lt", "lte", "eq", "within_days"]))
        if op == "within_days":
            return {"fact": key, "op": op, "value": draw(st.integers(min_value=1, max_value=2000))}
        return {"fact": key, "op": op, "value": draw(dates).isoformat()}
    op = draw(st.sampled_from(["gt", "gte", "lt", "lte", "eq", "ne"]))
    if kind == "int":
        return {"fact": key, "op": op, "value": draw(st.integers(min_value=0, max_value=60))}
    if kind == "percent":
        places = 2 if connection.vendor == "postgresql" else 0
        value = draw(st.decimals(min_value=0, max_value=20, places=places, allow_nan=False))
        return {"fact": key, "op": op, "value": str(value)}
    return {"fact": key, "op": op, "value": str(draw(money()))}


@pytest.mark.django_db
@settings(
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(profile=profiles, conds=st.lists(conditions(), min_size=1, max_size=4))
def test_each_condition_agrees_in_python_and_sql(profile, conds):
    enterprise = make_enterprise(profile)
    python_facts = fact_readers.profile_facts(
        fact_readers.Profile.of(
            Enterprise.objects.prefetch_related("qualifications", "yearly_figures").get(
                pk=enterprise.pk
            )
        ),
        ON,
    )
    queryset = Enterprise.objects.filter(pk=enterprise.pk)
    helpers, outcomes = {}, {}
    for index, condition in enumerate(conds):
        expression, needed = condition_outcome_expression(condition, on=ON, declared=declared())
        helpers.update(needed)
        outcomes[f"c{index}"] = expression
    sql = queryset.annotate(**helpers).annotate(**outcomes).values(*outcomes).get()
    for index, condition in enumerate(conds):
        kind = declared()[condition["fact"]]["type"]
        python = condition_outcome(condition, python_facts.get(condition["fact"]), on=ON, kind=kind)
        assert sql[f"c{index}"] == python, (condition, python_facts.get(condition["fact"]))


@pytest.mark.django_db
@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    profile=profiles,
    all_of=st.lists(conditions(), max_size=3),
    any_of=st.lists(conditions(), max_size=2),
    checklist=st.booleans(),
)
def test_item_verdicts_agree_in_python_and_sql(profile, all_of, any_of, checklist):
    enterprise = make_enterprise(profile)
    spec = ItemSpec(
        key="agreement",
        name="一致性",
        in_force_from=None,
        in_force_to=None,
        document_status="in_force",
        conditions={"all": all_of, "any": any_of},
        checklist=["人工判断"] if checklist else [],
        rules=[{"kind": "fixed", "amount": 100000, "effective_from": None, "effective_to": None}],
        declared=declared(),
    )
    loaded = Enterprise.objects.prefetch_related("qualifications", "yearly_figures").get(
        pk=enterprise.pk
    )
    python = evaluate_item(
        spec, fact_readers.profile_facts(fact_readers.Profile.of(loaded), ON), on=ON
    )
    [(pk, sql)] = list(
        item_verdicts_sql(spec, on=ON, enterprises=Enterprise.objects.filter(pk=enterprise.pk))
    )
    assert pk == enterprise.pk
    assert (sql.verdict, sql.missing, sql.failed, sql.reasons) == (
        python.verdict,
        python.missing,
        python.failed,
        python.reasons,
    )


# ---------------------------------------------------------------------------------------------
# The whole catalogue, three paths
# ---------------------------------------------------------------------------------------------

CITIES = ("唐山市", "廊坊市", "鹤壁市", "酒泉市")
ROW = (
    "status", "estimate_kind", "amount", "minimum", "maximum", "breakdown", "reasons", "missing",
    "failed", "rule_id", "rule_version", "as_of",
)  # fmt: skip
LIMITS = ("limited_amount", "limited_maximum", "limit_notes", "excluded")
CENT = Decimal("0.01")
# Whom each beneficiary kind is for, written out here as the design says it (not read from
# incentives.plans): companies have credit codes starting with 9, institutions the others.
FOR_COMPANIES = {"enterprise", "platform", "team"}
FOR_INSTITUTIONS = {"institution", "platform", "team"}


def in_scope(enterprise: Enterprise, item: IncentiveItem) -> bool:
    region = item.measure.document.region
    inside = region.pk == enterprise.city_id or region.pk == enterprise.city.parent_id
    kinds = FOR_COMPANIES if enterprise.credit_code.startswith("9") else FOR_INSTITUTIONS
    return inside and item.beneficiary in kinds


def _cents(value):
    return value.quantize(CENT) if isinstance(value, Decimal) else value


def _transplant(source: Enterprise, *, city: str, institution: bool, n: int) -> Enterprise:
    """A copy of a drawn profile in another city, as a company or an institution (事业单位)."""
    copy = factories.enterprise(
        city=city,
        kind=factories.INSTITUTION if institution else factories.COMPANY,
        name=f"一致性{'单位' if institution else '企业'}{n}",
        **{
            f: getattr(source, f)
            for f in ("industry", "ownership", "scale", "is_above_scale", "employees", "founded_on")
        },
    )
    for q in source.qualifications.all():
        factories.qualification(
            copy,
            **{
                f: getattr(q, f)
                for f in (
                    "kind",
                    "level",
                    "recognition",
                    "recognized_on",
                    "expires_on",
                    "moved_in_from_other_province",
                )
            },
        )
    for y in source.yearly_figures.all():
        factories.figures(copy, y.year, **{f: getattr(y, f) for f in schema.names(schema.YEARLY)})
    return copy


@pytest.fixture
def subjects(db):
    """Drawn company profiles in 唐山, 廊坊 and 鹤壁 (the demo generator), and copies of some of
    them as companies of 酒泉 and institutions of all four cities."""
    with translation.override("zh-hans"):
        demo_enterprises_load(count=30, seed=1212, today=ON)
        drawn = list(Enterprise.objects.prefetch_related("qualifications", "yearly_figures"))
    # The richest profiles first, so the copies qualify for something.
    drawn.sort(key=lambda e: (-len(e.qualifications.all()), -len(e.yearly_figures.all()), e.pk))
    serial = itertools.count(1)
    copies = [
        _transplant(source, city=city, institution=institution, n=next(serial))
        for source, (city, institution) in zip(
            drawn,
            [("酒泉市", False), ("酒泉市", False), ("酒泉市", False), ("酒泉市", True)]
            + [(city, True) for city in CITIES for _ in range(2)],
            strict=False,
        )
    ]
    everyone = [*drawn, *copies]
    return list(
        Enterprise.objects.filter(pk__in=[e.pk for e in everyone])
        .select_related("city", "district")
        .prefetch_related("qualifications", "yearly_figures")
        .order_by("pk")
    )


def _expected(subjects, *, derived: bool = False) -> dict[tuple[int, int], tuple]:
    """What the plans say for every enterprise × item in scope, in Python: the rows stored —
    or, with ``derived``, every verdict shown, those of items out of force too."""
    items = {i.pk: i for i in IncentiveItem.objects.select_related("measure__document__region")}
    expected = {}
    for enterprise in subjects:
        facts = fact_readers.profile_facts(fact_readers.Profile.of(enterprise), ON)
        for item_id, plan in plans.plans().items():
            assert plan.serves(enterprise) == in_scope(enterprise, items[item_id])
            assert (plan.scope_refusal(enterprise) is None) == plan.serves(enterprise)
            if plan.serves(enterprise) and (derived or not plan.out_of_force(ON)):
                fields = plan.match_fields(plan.evaluate(facts, on=ON), on=ON)
                expected[(enterprise.pk, item_id)] = tuple(_cents(fields[f]) for f in ROW)
    return expected


def _stored(subjects) -> dict[tuple[int, int], tuple]:
    return {
        (m["enterprise_id"], m["item_id"]): tuple(_cents(m[f]) for f in ROW)
        for m in Match.objects.filter(enterprise__in=subjects).values(
            "enterprise_id", "item_id", *ROW
        )
    }


def _shown(subjects) -> dict[tuple[int, int], tuple]:
    """What 我的政策 shows every enterprise: its stored rows and the verdicts derived from the
    items out of force (``incentives.shown``)."""
    return {
        (enterprise.pk, m.item_id): tuple(_cents(getattr(m, f)) for f in ROW)
        for enterprise in subjects
        for m in shown.enterprise_matches(enterprise=enterprise, on=ON)
    }


def _one_enterprise_at_a_time(ids: list[int]) -> None:
    for pk in ids:
        matching.enterprise_recompute(enterprise_id=pk, on=ON)


def _one_item_at_a_time(ids: list[int]) -> None:
    for item_id in plans.plans():
        matching.item_recompute(item_id=item_id, on=ON)


def _streamed(ids: list[int]) -> None:
    matching_bulk.full_recompute(on=ON, only=ids, chunk=7)


PATHS = [
    pytest.param(_one_enterprise_at_a_time, id="per-enterprise-python"),
    pytest.param(_one_item_at_a_time, id="per-item-sql"),
    # COPY, arrays and ON CONFLICT … EXCLUDED: the streamed path is PostgreSQL's.
    pytest.param(_streamed, id="bulk-postgresql", marks=pytest.mark.postgres),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_every_path_stores_what_the_plans_say_and_nothing_out_of_scope(subjects, path):
    ids = [e.pk for e in subjects]
    assert {e.city.name for e in subjects} == set(CITIES)
    assert {e.credit_code[0] for e in subjects} == {"1", "9"}  # institutions and companies
    with translation.override("zh-hans"):
        expected = _expected(subjects)
        path(ids)
        stored = _stored(subjects)
        # Stored or derived, the page shows every item in scope as the plans say.
        assert _shown(subjects) == _expected(subjects, derived=True)
        assert any(plan.out_of_force(ON) for plan in plans.plans().values())
        # The limits that cross items were applied by the path: applying them again changes nothing.
        assert matching.apply_cross_item_limits(enterprise_ids=ids, on=ON) == 0
    assert stored.keys() - expected.keys() == set(), "rows outside the items' scope"
    assert expected.keys() - stored.keys() == set(), "rows missing"
    differing = [key for key in expected if stored[key] != expected[key]]
    assert differing == [], [(key, stored[key], expected[key]) for key in differing[:3]]
    statuses = {row[0] for row in stored.values()}
    assert {"eligible", "missing_information", "not_eligible"} <= statuses
    assert len(stored) > 1500  # every enterprise × every item in scope, compared column by column


@pytest.mark.django_db
def test_the_calculator_answers_what_one_enterprise_is_stored_with(subjects):
    """For a company's own facts, the calculator gives the same items, verdicts, estimates and
    reasons as the company's stored matches (before the limits that cross items)."""
    fields = ROW[:9]
    companies = [e for e in subjects if e.credit_code.startswith("9")]
    compared = 0
    with translation.override("zh-hans"):
        for enterprise in companies:
            matching.enterprise_recompute(enterprise_id=enterprise.pk, on=ON)
            facts = fact_readers.profile_facts(fact_readers.Profile.of(enterprise), ON)
            calculated = {
                result.item.pk: tuple(_cents(getattr(result, f)) for f in fields)
                for result in calculate(city=enterprise.city, facts=facts, on=ON)
            }
            stored = {
                m.item_id: tuple(_cents(getattr(m, f)) for f in fields)
                for m in shown.enterprise_matches(enterprise=enterprise, on=ON)
            }  # the stored rows and those derived from items out of force
            assert calculated == stored, enterprise.name
            compared += len(stored)
    assert {e.city.name for e in companies} == set(CITIES)
    assert compared > 1000
