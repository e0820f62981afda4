import datetime
from decimal import Decimal, InvalidOperation

from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incentives import selectors
from incentives.models import AssignmentRole, Fact, IncentiveItem, Measure, PolicyDocument
from organisations.models import Bureau, Region


class BureauSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.name")
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

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

    @cached_property
    def _bureau_ref(self) -> BureauRefSerializer:
        # One serializer for every row: building a ModelSerializer's fields per row cost the
        # calculator most of its time (150 rows a request).
        return BureauRefSerializer()

    @extend_schema_field(BureauRefSerializer(many=True))
    def get_lead_bureaus(self, row):
        return [
            self._bureau_ref.to_representation(bureau)
            for bureau in selectors.item_bureaus(row.item, AssignmentRole.LEAD)
        ]


class CalculatorRequestSerializer(serializers.Serializer):
    city = serializers.CharField(help_text="A city's name (唐山市) or its region id.")
    facts = serializers.DictField(
        help_text="Profile facts by key (see /api/v1/facts/): values typed as the fact says."
    )
    date = serializers.DateField(required=False, help_text="Evaluation date; today if absent.")

    def validate_city(self, value):
        query = Region.objects.filter(level=Region.Level.CITY)
        # isdecimal on ASCII, not isdigit: "²" is a digit but no number int() reads.
        is_id = value.isascii() and value.isdecimal() and len(value) < 12
        city = (query.filter(pk=int(value)) if is_id else query.filter(name=value)).first()
        if city is None:
            raise serializers.ValidationError(_("No such city: %(city)s.") % {"city": value})
        return city

    def validate_facts(self, value):
        declared = {fact.key: fact for fact in Fact.objects.all()}
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


def parse_fact_value(fact: Fact, raw):
    """A JSON value as the fact's type, or ValueError with a message a person understands."""
    if raw is None:
        return None
    if fact.type == "bool":
        if not isinstance(raw, bool):
            raise ValueError(_("Expected true or false."))
        return raw
    if fact.type == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(_("Expected a whole number."))
        return raw
    if fact.type in ("money", "decimal", "percent"):
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValueError(_("Expected a number."))
        try:
            number = Decimal(str(raw))
        except InvalidOperation as error:
            raise ValueError(_("Expected a number.")) from error
        if not number.is_finite() or abs(number) > Decimal("1e15"):
            raise ValueError(_("Expected a number."))
        return number
    if fact.type == "date":
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError as error:
            raise ValueError(_("Expected a date as YYYY-MM-DD.")) from error
    if fact.type == "choice":
        if raw not in (fact.choices or {}):
            raise ValueError(
                _("Expected one of: %(choices)s.") % {"choices": ", ".join(fact.choices or {})}
            )
        return raw
    if not isinstance(raw, str) or len(raw) > 200:
        raise ValueError(_("Expected a short text."))
    return raw


class ErrorSerializer(serializers.Serializer):
    """What an error answer carries: one sentence saying why."""

    detail = serializers.CharField()
