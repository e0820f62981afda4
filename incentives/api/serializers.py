import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incentives import caching, calculation, plans, selectors
from incentives.models import AssignmentRole, Fact, IncentiveItem, Measure, PolicyDocument
from organisations.models import Bureau

ITEM_KEY = re.compile(r"[-a-zA-Z0-9_]{1,64}")


class BureauSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.name")
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    # A placeholder contact (0315-0000000, an example mailbox) reads as "": never published.
    email = serializers.CharField(source="public_email", read_only=True)
    phone = serializers.CharField(source="public_phone", read_only=True)
    address = serializers.CharField(source="public_address", read_only=True)

    class Meta:
        model = Bureau
        fields = ["id", "name", "city", "aliases", "email", "phone", "address"]


class BureauRefSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.name")

    class Meta:
        model = Bureau
        fields = ["id", "name", "city"]


class DocumentRefSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name")

    class Meta:
        model = PolicyDocument
        fields = ["key", "title", "doc_number", "region", "status"]


class ItemSerializer(serializers.ModelSerializer):
    document = DocumentRefSerializer(source="measure.document")
    measure = serializers.CharField(source="measure.number")
    award = serializers.CharField(
        source="award_text", help_text="The award in one line of Chinese."
    )
    state = serializers.CharField(help_text="open, upcoming, closed or not_in_force, today.")
    lead_bureaus = serializers.SerializerMethodField()
    rules = serializers.SerializerMethodField()

    class Meta:
        model = IncentiveItem
        fields = [
            "key", "name", "summary", "clause", "document", "measure", "beneficiary",
            "support_kind", "funding_level", "delivery", "processing_days", "window_opens",
            "window_closes", "yearly_budget", "materials", "inputs", "award", "state",
            "lead_bureaus", "rules",
        ]  # fmt: skip

    @extend_schema_field(BureauRefSerializer(many=True))
    def get_lead_bureaus(self, item):
        return BureauRefSerializer(
            selectors.item_bureaus(item, AssignmentRole.LEAD), many=True
        ).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_rules(self, item):
        return [
            {
                "params": rule.params,
                "effective_from": rule.effective_from,
                "effective_to": rule.effective_to,
                "clause": rule.clause,
            }
            for rule in item.rules.all()
        ]


class MeasureSerializer(serializers.ModelSerializer):
    items = serializers.SlugRelatedField(many=True, read_only=True, slug_field="key")

    class Meta:
        model = Measure
        fields = ["number", "title", "summary", "items"]


class DocumentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name")
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = PolicyDocument
        fields = [
            "key", "title", "doc_number", "issuer", "region", "published_on", "valid_from",
            "valid_to", "status", "is_example", "summary", "measures",
        ]  # fmt: skip


class FactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fact
        fields = ["key", "label", "type", "unit", "choices"]


class MatchResultSerializer(serializers.Serializer):
    """A match, stored or computed: the item, the status, the estimate and why."""

    item = serializers.CharField(source="item.key")
    name = serializers.CharField(source="item.name")
    document = serializers.CharField(source="item.measure.document.title")
    clause = serializers.CharField(source="item.clause")
    funding_level = serializers.CharField(source="item.funding_level")
    status = serializers.CharField()
    estimate = serializers.SerializerMethodField()
    reasons = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    failed = serializers.ListField(child=serializers.CharField())
    lead_bureaus = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "kind": {
                    "type": "string",
                    "enum": ["exact", "range", "formula", "none", "unknown", ""],
                },
                "amount": {"type": "string", "nullable": True},
                "min": {"type": "string", "nullable": True},
                "max": {"type": "string", "nullable": True},
                "breakdown": {"type": "string"},
            },
        }
    )
    def get_estimate(self, row):
        def money(value):
            return None if value is None else str(value)

        return {
            "kind": row.estimate_kind,
            "amount": money(getattr(row, "shown_amount", row.amount)),
            "min": money(row.minimum),
            "max": money(getattr(row, "shown_maximum", row.maximum)),
            "breakdown": row.breakdown,
        }

    def to_representation(self, row):
        # The declared fields' output, written out: DRF's per-field machinery cost the
        # calculator a fifth of its time (70–150 rows a request). Same keys, same values
        # (``tests/incentives/test_api.py``; the schema still comes from the fields above).
        # What the row says of its item (and the item's lead bureaus) comes from the context's
        # ``heads`` when the caller has them (the calculator: built once per catalogue version,
        # ``item_heads``), else from the row's item.
        known = self._heads.get(row.item.pk) if self._heads else None
        head, bureaus = known if known is not None else (item_head(row.item), None)
        return {
            **head,
            "status": _text(row.status),
            "estimate": self.get_estimate(row),
            "reasons": _texts(row.reasons),
            "missing": _texts(row.missing),
            "failed": _texts(row.failed),
            "lead_bureaus": list(bureaus) if bureaus is not None else self.get_lead_bureaus(row),
        }

    @cached_property
    def _heads(self) -> Mapping[int, tuple[dict, list]]:
        return self.context.get("heads") or {}

    @cached_property
    def _bureau_ref(self) -> BureauRefSerializer:
        # One serializer for every row: building a ModelSerializer's fields per row cost the
        # calculator most of its time (150 rows a request).
        return BureauRefSerializer()

    @cached_property
    def _bureau_refs(self) -> dict[int, dict]:
        return {}  # bureau id → its representation: a dozen bureaus lead the 70–150 rows

    @extend_schema_field(BureauRefSerializer(many=True))
    def get_lead_bureaus(self, row):
        refs = self._bureau_refs
        out = []
        for bureau in selectors.item_bureaus(row.item, AssignmentRole.LEAD):
            ref = refs.get(bureau.pk)
            if ref is None:
                ref = refs[bureau.pk] = self._bureau_ref.to_representation(bureau)
            out.append(ref)
        return out


def _text(value):
    return None if value is None else str(value)


def _texts(values):
    if values is None:
        return None
    return [None if v is None else str(v) for v in values]


def item_head(item: IncentiveItem) -> dict:
    """What a match's representation says of its item (``MatchResultSerializer``'s first
    fields, in their order)."""
    return {
        "item": _text(item.key),
        "name": _text(item.name),
        "document": _text(item.measure.document.title),
        "clause": _text(item.clause),
        "funding_level": _text(item.funding_level),
    }


def _item_heads(catalogue: plans.Catalogue) -> Mapping[int, tuple[dict, list]]:
    bureau_ref = BureauRefSerializer()
    refs: dict[int, dict] = {}
    heads = {}
    for plan in catalogue.by_id.values():
        bureaus = []
        for bureau in selectors.item_bureaus(plan.item, AssignmentRole.LEAD):
            ref = refs.get(bureau.pk)
            if ref is None:
                ref = refs[bureau.pk] = bureau_ref.to_representation(bureau)
            bureaus.append(ref)
        heads[plan.item_id] = (item_head(plan.item), bureaus)
    return MappingProxyType(heads)


def item_heads(reference: calculation.Reference, *, version: str) -> Mapping[int, tuple]:
    """item id → (``item_head``, its lead bureaus' representations) for every item of the
    reference's catalogue, built once per catalogue version in each process (items, documents,
    the annex and bureaus are catalogue tables) and shared by the requests: never changed.
    ``version`` is the one ``reference`` was taken for."""
    return caching.per_version(
        "api-item-heads", lambda: _item_heads(reference.catalogue), version=version
    )


CLAIMS_HELP = (
    "Claim inputs by key: the facts of one claim that items declare as their `inputs` (see "
    "/api/v1/items/: contract_amount, premium_paid, bounty_paid…), for every item that declares "
    "the key. Values typed as the input says; money in yuan (not 万元), e.g. "
    '{"contract_amount": 30000000} for a contract of 3,000万元. With them, an item whose amount '
    "depends on the claim answers with a figure instead of a formula, and its conditions on "
    "them are checked. Absent inputs are left to the claim, as before."
)
ITEM_CLAIMS_HELP = (
    "Claim inputs for one item: item key → {input key → value} (money in yuan); they take "
    "precedence over `claims` for that item (the same key can mean different things in two "
    "items, e.g. support_year)."
)


class CalculatorRequestSerializer(serializers.Serializer):
    city = serializers.CharField(help_text="A city's name (唐山市) or its region id.")
    facts = serializers.DictField(
        help_text="Profile facts by key (see /api/v1/facts/): values typed as the fact says; "
        "money in yuan."
    )
    claims = serializers.DictField(required=False, default=dict, help_text=CLAIMS_HELP)
    item_claims = serializers.DictField(
        child=serializers.DictField(), required=False, default=dict, help_text=ITEM_CLAIMS_HELP
    )
    date = serializers.DateField(required=False, help_text="Evaluation date; today if absent.")

    @cached_property
    def _reference(self) -> calculation.Reference:
        # The view's, when it passes one (it has read the catalogue's version for the request);
        # else built once per catalogue version: one query.
        return self.context.get("reference") or calculation.reference()

    def validate_city(self, value):
        city = self._reference.city(value)
        if city is None:
            raise serializers.ValidationError(_("No such city: %(city)s.") % {"city": value})
        return city

    def validate_facts(self, value):
        declared = self._reference.facts
        errors, clean = {}, {}
        for key, raw in value.items():
            fact = declared.get(key)
            if fact is None:
                errors[key] = _("Unknown fact; GET /api/v1/facts/ lists them.")
                continue
            try:
                clean[key] = parse_fact_value(fact, raw)
            except (ValueError, TypeError, ArithmeticError) as error:
                errors[key] = str(error)
        if errors:
            raise serializers.ValidationError(errors)
        return clean

    def validate_claims(self, value):
        if not value:
            return {}
        declared = claim_declarations()
        errors, clean = {}, {}
        for key, raw in value.items():
            if key not in declared:
                errors[key] = _("Unknown claim input; the items' “inputs” list them.")
                continue
            try:
                clean[key] = parse_claim_value(declared[key], raw)
            except (ValueError, TypeError, ArithmeticError) as error:
                errors[key] = str(error)
        if errors:
            raise serializers.ValidationError(errors)
        return clean

    def validate_item_claims(self, value):
        if not value:
            return {}
        inputs = {
            key: {i["key"]: i for i in item_inputs or [] if isinstance(i, dict) and i.get("key")}
            for key, item_inputs in IncentiveItem.objects.filter(
                # Only what can be a key reaches the database (no NUL, no lone surrogate).
                key__in=[k for k in value if isinstance(k, str) and ITEM_KEY.fullmatch(k)][:500]
            ).values_list("key", "inputs")
        }
        errors, clean = {}, {}
        for item_key, claims in value.items():
            if item_key not in inputs:
                errors[item_key] = _("No such item.")
                continue
            for key, raw in claims.items():
                declaration = inputs[item_key].get(key)
                if declaration is None:
                    errors[f"{item_key}.{key}"] = _("The item declares no such input.")
                    continue
                try:
                    clean.setdefault(item_key, {})[key] = parse_claim_value(declaration, raw)
                except (ValueError, TypeError, ArithmeticError) as error:
                    errors[f"{item_key}.{key}"] = str(error)
        if errors:
            raise serializers.ValidationError(errors)
        return clean


MAX_CLAIM = Decimal("1e15")


def claim_declarations() -> dict[str, dict]:
    """Every claim input key of the catalogue with its type and the union of its choices."""
    declared: dict[str, dict] = {}
    for inputs in IncentiveItem.objects.exclude(inputs=[]).values_list("inputs", flat=True):
        for input_ in inputs or []:
            if not isinstance(input_, dict) or not input_.get("key"):
                continue
            entry = declared.setdefault(
                input_["key"], {"type": input_.get("type") or "text", "choices": {}}
            )
            entry["choices"].update(input_.get("choices") or {})
    return declared


def parse_claim_value(declaration, raw):
    """A claim input's JSON value as its type; a claim's figures are never negative."""
    value = parse_value(declaration.get("type") or "text", declaration.get("choices") or {}, raw)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(_("Expected a number that is not negative."))
        if value > MAX_CLAIM:
            raise ValueError(_("Expected a number."))
    return value


def parse_fact_value(fact: Fact, raw):
    """A JSON value as the fact's type, or ValueError with a message a person understands."""
    return parse_value(fact.type, fact.choices or {}, raw)


def parse_value(kind: str, choices, raw):
    """A JSON value as a declared type, or ValueError with a message a person understands."""
    if raw is None:
        return None
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError(_("Expected true or false."))
        return raw
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(_("Expected a whole number."))
        return raw
    if kind in ("money", "decimal", "percent"):
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValueError(_("Expected a number."))
        try:
            number = Decimal(str(raw))
        except InvalidOperation as error:
            raise ValueError(_("Expected a number.")) from error
        if not number.is_finite() or abs(number) > Decimal("1e15"):
            raise ValueError(_("Expected a number."))
        return number
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError as error:
            raise ValueError(_("Expected a date as YYYY-MM-DD.")) from error
    if kind == "choice":
        if raw not in choices:
            raise ValueError(_("Expected one of: %(choices)s.") % {"choices": ", ".join(choices)})
        return raw
    if not isinstance(raw, str) or len(raw) > 200:
        raise ValueError(_("Expected a short text."))
    return raw


class ErrorSerializer(serializers.Serializer):
    """What an error answer carries: one sentence saying why."""

    detail = serializers.CharField()
