"""The read-only JSON API of the catalogue (OpenAPI schema at /api/schema/)."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from incentives import caching, calculation, selectors, shown
from incentives.api.serializers import (
    BureauSerializer,
    CalculatorRequestSerializer,
    DocumentSerializer,
    ErrorSerializer,
    FactSerializer,
    ItemSerializer,
    MatchResultSerializer,
    item_heads,
)
from incentives.forms import CatalogueFilterForm
from incentives.models import Fact, IncentiveItem, Measure, PolicyDocument
from incentives.presentation import present_items
from organisations.models import Bureau
from portal import clock

ITEM_FILTERS = [
    OpenApiParameter("q", str, description="Words to find in name or summary (Chinese works)."),
    OpenApiParameter("city", int, description="Region id of a city."),
    OpenApiParameter("bureau", int, description="Bureau id: items it leads."),
    OpenApiParameter(
        "support_kind", str, enum=["money", "status", "tax", "service", "information"]
    ),
    OpenApiParameter(
        "beneficiary", str, enum=["enterprise", "platform", "team", "person", "institution"]
    ),
    OpenApiParameter("state", str, enum=["open", "upcoming", "closed", "not_in_force"]),
    OpenApiParameter(
        "funding_level", str, enum=["national", "provincial", "city", "county", "none"]
    ),
    OpenApiParameter(
        "examples",
        str,
        enum=["1"],
        description="1: include the example documents' items (示例, no real city).",
    ),
]


NOT_FOUND = {404: ErrorSerializer}


@extend_schema_view(
    list=extend_schema(parameters=ITEM_FILTERS),
    retrieve=extend_schema(responses={200: ItemSerializer, **NOT_FOUND}),
)
class ItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Incentive items of the catalogue, with their award in words and their lead bureaus."""

    serializer_class = ItemSerializer
    lookup_field = "key"

    def get_queryset(self):
        if self.action == "list":
            form = CatalogueFilterForm(self.request.query_params or None)
            filters = form.filters() if self.request.query_params else selectors.CatalogueFilters()
            return selectors.items_search(filters=filters, on=clock.today()).order_by("pk")
        return selectors.items_public()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        present_items(page if page is not None else queryset, on=clock.today())
        return page

    def get_object(self):
        item = super().get_object()
        present_items([item], on=clock.today())
        return item


@extend_schema_view(retrieve=extend_schema(responses={200: DocumentSerializer, **NOT_FOUND}))
class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Policy documents with their measures and the keys of their items."""

    serializer_class = DocumentSerializer
    lookup_field = "key"
    queryset = (
        PolicyDocument.objects.select_related("region")
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.order_by("position").prefetch_related(
                    Prefetch("items", queryset=IncentiveItem.objects.order_by("position"))
                ),
            )
        )
        .order_by("pk")
    )


@extend_schema_view(retrieve=extend_schema(responses={200: BureauSerializer, **NOT_FOUND}))
class BureauViewSet(viewsets.ReadOnlyModelViewSet):
    """Bureaus of every city, with the other names the documents use for them."""

    serializer_class = BureauSerializer
    queryset = Bureau.objects.select_related("city").prefetch_related("aliases").order_by("pk")


@extend_schema_view(retrieve=extend_schema(responses={200: FactSerializer, **NOT_FOUND}))
class FactViewSet(viewsets.ReadOnlyModelViewSet):
    """The fact vocabulary: what the calculator and the conditions can read."""

    serializer_class = FactSerializer
    queryset = Fact.objects.order_by("key")
    lookup_field = "key"
    pagination_class = None


class CalculatorView(APIView):
    """The policy calculator: a city, facts and (optionally) claim inputs in, the matches with
    estimates and reasons out. Nothing is stored. Money is in yuan. Facts that belong to a claim
    (a contract amount, a premium…) go in `claims` (or `item_claims` for one item); an item whose
    figure depends on a claim input that is not given answers with a formula. Estimates are after
    the limits that cross items (就高不重复, caps)."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=CalculatorRequestSerializer,
        responses={
            200: MatchResultSerializer(many=True),
            400: OpenApiTypes.OBJECT,  # field → what is wrong with it
            415: ErrorSerializer,
        },
    )
    def post(self, request):
        # The catalogue's version is read once for the request: the reference data, the plans
        # and what the rows say of their items are built once per version in each process.
        version = caching.current_version()
        reference = calculation.reference(version=version)
        body = CalculatorRequestSerializer(data=request.data, context={"reference": reference})
        body.is_valid(raise_exception=True)
        on = body.validated_data.get("date") or clock.today()
        facts = {"city": body.validated_data["city"].name, **body.validated_data["facts"]}
        results = calculation.calculate(
            city=body.validated_data["city"],
            facts=facts,
            on=on,
            claims=body.validated_data["claims"],
            item_claims=body.validated_data["item_claims"],
            ref=reference,
        )
        heads = item_heads(reference, version=version)
        return Response(MatchResultSerializer(results, many=True, context={"heads": heads}).data)


class IsEnterpriseUser(BasePermission):
    message = gettext_lazy("Only enterprise users see their own matches.")

    def has_permission(self, request, view):
        return bool(request.user.is_authenticated and request.user.role == "enterprise")


class MyMatchesView(APIView):
    """The logged-in enterprise's own matches: stored, and derived for items out of force."""

    permission_classes = [IsEnterpriseUser]

    @extend_schema(responses={200: MatchResultSerializer(many=True), 403: ErrorSerializer})
    def get(self, request):
        matches = shown.enterprise_matches(enterprise=request.user.enterprise)
        return Response(MatchResultSerializer(matches, many=True).data)
