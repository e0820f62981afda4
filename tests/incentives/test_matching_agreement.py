"""The same condition answers the same for one enterprise in Python and for every enterprise in
SQL: random profiles and random conditions, compared outcome by outcome and verdict by verdict.

On SQLite, amounts are whole yuan (SQLite computes decimals in floating point); on PostgreSQL
(CI) they carry cents, so the comparison is exact to the fen."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentives import facts as fact_readers
from incentives import services
from incentives.engine import ItemSpec, condition_outcome, evaluate_item
from incentives.matching import condition_outcome_expression, item_verdicts_sql
from portal.models import Enterprise, Qualification, QualificationKind, Region, YearlyFigures
from portal.validators import credit_code_check_character, org_code_check_character

ON = datetime.date(2026, 6, 30)
COUNTER = itertools.count()
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
    n = next(COUNTER)
    org8 = f"HY{n:06d}"
    first17 = "91130200" + org8 + org_code_check_character(org8)
    city = Region.objects.get(name="唐山市")
    enterprise = Enterprise.objects.create(
        credit_code=first17 + credit_code_check_character(first17),
        name=f"性质测试{n}",
        city=city,
        district=city.children.first(),
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
        Qualification.objects.create(
            enterprise=enterprise,
            kind=q["kind"],
            level=q["level"],
            recognition=q["recognition"],
            recognized_on=q["recognized_on"],
            expires_on=expires,
            moved_in_from_other_province=q["moved_in"],
        )
    for year, values in data["figures"].items():
        YearlyFigures.objects.create(enterprise=enterprise, year=year, **values)
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
