from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incentives import selectors
from incentives.models import AssignmentRole, IncentiveItem, Measure, PolicyDocument
from portal.models import Bureau


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
