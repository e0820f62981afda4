"""The policy catalogue: documents, their measures, incentive items, award rules, conditions,
golden cases, the task-division annex and the limits that cross items.

Everything here is data an admin edits without a deploy; ``incentives/catalogue/`` holds the
seed catalogue as files and ``services.catalogue_load`` puts them here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incentives import specs
from organisations.models import Bureau, Region


class DocumentStatus(models.TextChoices):
    DRAFT_FOR_COMMENT = "draft_for_comment", _("Draft for comment")
    IN_FORCE = "in_force", _("In force")
    REPEALED = "repealed", _("Repealed")
    EXPIRED = "expired", _("Expired")


class Beneficiary(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    PLATFORM = "platform", _("Platform or carrier")
    TEAM = "team", _("Team")
    PERSON = "person", _("Person")
    INSTITUTION = "institution", _("Institution")


class SupportKind(models.TextChoices):
    MONEY = "money", _("Money")
    STATUS = "status", _("Status or title")
    TAX = "tax", _("Tax treatment")
    SERVICE = "service", _("Service")
    INFORMATION = "information", _("Information")


class FundingLevel(models.TextChoices):
    NATIONAL = "national", _("National funds")
    PROVINCIAL = "provincial", _("Provincial funds")
    CITY = "city", _("City funds")
    COUNTY = "county", _("County or district funds")
    # The document names no payer but says the levels share it (按照事权财权相统一).
    SHARED = "shared", _("Shared by the levels of government (not stated per item)")
    # The document promises money without saying who pays.
    UNSPECIFIED = "unspecified", _("Payer not stated in the document")
    NONE = "none", _("No funds")


class PaysOnce(models.TextChoices):
    """How often an item may pay one enterprise, as its document says."""

    ONCE = "once", _("Once per enterprise")
    PER_PERIOD = "per_period", _("Once per enterprise and year")
    PER_PROJECT = "per_project", _("Once per project")
    PER_CLAIM = "per_claim", _("Each claim")


class Validity(models.TextChoices):
    STATED = "stated", _("As the document states")
    UNKNOWN = "unknown", _("The document states no date or period of validity")


class Delivery(models.TextChoices):
    NO_APPLICATION = "no_application", _("Granted without application")
    FAST = "fast", _("Fast application")
    REVIEW = "review", _("Application and review")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    RESPONSIBLE = "responsible", _("Responsible unit")
    COOPERATE = "cooperate", _("Cooperating unit")


class FactType(models.TextChoices):
    BOOL = "bool", _("Yes / no")
    INT = "int", _("Whole number")
    MONEY = "money", _("Amount of money (yuan)")
    DECIMAL = "decimal", _("Number")
    PERCENT = "percent", _("Percentage")
    DATE = "date", _("Date")
    CHOICE = "choice", _("One of a list")
    TEXT = "text", _("Text")


class Fact(models.Model):
    """A fact about an enterprise that conditions and award rules may read, declared once."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=16, choices=FactType.choices)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    choices = models.JSONField(_("choices"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fact")
        verbose_name_plural = _("facts")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"

    def declaration(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type,
            "unit": self.unit,
            "choices": self.choices,
        }

    @classmethod
    def declared(cls) -> dict[str, dict]:
        """Every fact's declaration by key: what conditions and award rules may read."""
        return {fact.key: fact.declaration() for fact in cls.objects.all()}


class PolicyDocument(models.Model):
    """A published policy document (or a draft for comment) and its life."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)
    doc_number = models.CharField(_("document number"), max_length=64, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="documents"
    )
    source_file = models.CharField(_("source file"), max_length=100, blank=True)
    part = models.CharField(_("part"), max_length=20, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=DocumentStatus.choices)
    is_example = models.BooleanField(
        _("example"),
        default=False,
        help_text=_("A template document with no real city; its items are shown as examples."),
    )
    summary = models.TextField(_("summary"), blank=True)
    validity = models.CharField(
        _("validity"),
        max_length=16,
        choices=Validity.choices,
        default=Validity.STATED,
        help_text=_(
            "Unknown for an undated text: its items are shown with a warning and never "
            "offered without application."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["region__code", "-published_on", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="document_validity_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def city(self) -> Region:
        return self.region


class Measure(models.Model):
    """A measure of a document, in the document's own numbering (任务二（一）, （15））."""

    document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    number = models.CharField(_("number"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="measure_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class IncentiveItem(models.Model):
    """One thing an enterprise or organisation can get: an amount, a status, a tax treatment, a
    service, or information it should know."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary"))
    clause = models.CharField(_("clause"), max_length=100)
    quote = models.CharField(_("quote"), max_length=200, blank=True)
    beneficiary = models.CharField(_("who it is for"), max_length=16, choices=Beneficiary.choices)
    support_kind = models.CharField(
        _("kind of support"), max_length=16, choices=SupportKind.choices
    )
    funding_level = models.CharField(
        _("funding source"), max_length=16, choices=FundingLevel.choices
    )
    delivery = models.CharField(_("how it is granted"), max_length=16, choices=Delivery.choices)
    processing_days = models.PositiveIntegerField(
        _("time limit (working days)"), null=True, blank=True
    )
    window_opens = models.DateField(_("application window opens"), null=True, blank=True)
    window_closes = models.DateField(_("application window closes"), null=True, blank=True)
    yearly_budget = models.DecimalField(
        _("yearly budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_basis = models.CharField(
        _("basis of the yearly budget"),
        max_length=200,
        blank=True,
        help_text=_(
            "The clause that states the budget, or who set it where the document does not."
        ),
    )
    pays = models.CharField(
        _("how often it pays one enterprise"),
        max_length=16,
        choices=PaysOnce.choices,
        default=PaysOnce.PER_PERIOD,
    )
    second_review_above = models.DecimalField(
        _("second head's sign-off above (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Approvals above this amount need a second head (双人复核); empty: the default."
        ),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    cosign = models.BooleanField(_("needs co-review"), default=False)
    publicity_days = models.PositiveIntegerField(_("publicity days"), null=True, blank=True)
    materials = models.JSONField(_("required materials"), default=list, blank=True)
    inputs = models.JSONField(
        _("claim inputs"),
        default=list,
        blank=True,
        help_text=_("Facts a claim must give: a list of {key, label, type, unit, choices}."),
    )
    checklist = models.JSONField(
        _("checklist for reviewers"),
        default=list,
        blank=True,
        help_text=_("Conditions only a person can judge, one sentence each."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incentive item")
        verbose_name_plural = _("incentive items")
        ordering = ["measure__document", "measure__position", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_opens__isnull=True)
                | Q(window_closes__isnull=True)
                | Q(window_opens__lte=models.F("window_closes")),
                name="item_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(yearly_budget__isnull=True) | Q(yearly_budget__gte=0),
                name="item_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def document(self) -> PolicyDocument:
        return self.measure.document

    def clean(self) -> None:
        specs.item_check(item=self)


class AwardRule(models.Model):
    """How much an item gives, as data (``params`` holds the rule, see SCHEMA.md), in effect
    between two dates. Each save is a new version in the history."""

    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("kind"), max_length=16, editable=False)
    params = models.JSONField(
        _("rule"),
        help_text=_(
            'The rule as data, e.g. {"kind": "rate", "base": "contract_amount", "rate": "0.02", '
            '"cap": 1000000}. Amounts in yuan; rates as decimals.'
        ),
    )
    effective_from = models.DateField(_("in effect from"), null=True, blank=True)
    effective_to = models.DateField(_("in effect to"), null=True, blank=True)
    clause = models.CharField(_("clause"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("award rule")
        verbose_name_plural = _("award rules")
        ordering = ["item", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_to__isnull=True)
                | Q(effective_from__lte=models.F("effective_to")),
                name="rule_effective_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.kind}"

    def as_rule(self) -> dict:
        rule = dict(self.params or {})
        rule["effective_from"] = self.effective_from
        rule["effective_to"] = self.effective_to
        return rule

    def clean(self) -> None:
        self.kind = (self.params or {}).get("kind", "") if isinstance(self.params, dict) else ""
        if self.item_id:
            specs.rule_check(rule=self, facts=Fact.declared())


class Condition(models.Model):
    """A machine-checkable condition of an item: (fact, operator, value), in the item's "all"
    group or its "any" group."""

    class Group(models.TextChoices):
        ALL = "all", _("all of")
        ANY = "any", _("any of")

    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="conditions"
    )
    group = models.CharField(_("group"), max_length=3, choices=Group.choices, default=Group.ALL)
    fact = models.CharField(_("fact"), max_length=64)
    op = models.CharField(_("operator"), max_length=16)
    value = models.JSONField(_("value"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["item", "group", "position", "pk"]  # pk: two at one position keep an order

    def __str__(self) -> str:
        return f"{self.fact} {self.op} {self.value}"

    def as_condition(self) -> dict:
        return {"fact": self.fact, "op": self.op, "value": self.value}

    def clean(self) -> None:
        if self.item_id:
            specs.condition_check(condition=self, facts=Fact.declared())


class GoldenCase(models.Model):
    """An example with a known answer: these facts on this date give this verdict and amount.
    A rule or condition change that breaks one is refused."""

    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="golden_cases"
    )
    name = models.CharField(_("name"), max_length=100)
    on_date = models.DateField(_("evaluated on"))
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    as_if_in_force = models.BooleanField(
        _("as if in force"),
        default=False,
        help_text=_("Evaluate as though the document were in force (drafts, expired items)."),
    )
    expected_verdict = models.CharField(_("expected verdict"), max_length=24)
    expected_amount = models.DecimalField(
        _("expected amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    expected_min = models.DecimalField(
        _("expected minimum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    expected_max = models.DecimalField(
        _("expected maximum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("golden case")
        verbose_name_plural = _("golden cases")
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return self.name

    def as_case(self) -> dict:
        expect: dict = {"verdict": self.expected_verdict}
        for key, value in (
            ("amount", self.expected_amount),
            ("min", self.expected_min),
            ("max", self.expected_max),
        ):
            if value is not None:
                expect[key] = value
        return {
            "name": self.name,
            "date": self.on_date,
            "facts": self.facts,
            "as_if_in_force": self.as_if_in_force,
            "expect": expect,
        }

    def clean(self) -> None:
        if self.item_id:
            specs.golden_case_check(case=self, facts=Fact.declared())


class Assignment(models.Model):
    """A line of the task-division annex: a bureau leads, is responsible for, or cooperates on a
    measure (or, where the document says so, one item of it)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="assignments"
    )
    item = models.ForeignKey(
        IncentiveItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="assignments",
        null=True,
        blank=True,
        help_text=_("Leave empty when the line covers the whole measure."),
    )
    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=16, choices=AssignmentRole.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("task-division annex")
        ordering = ["measure", "item", "role", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "bureau", "role"],
                condition=Q(item__isnull=True),
                name="assignment_unique_for_measure",
            ),
            models.UniqueConstraint(
                fields=["item", "bureau", "role"],
                condition=Q(item__isnull=False),
                name="assignment_unique_for_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.number} {self.get_role_display()} {self.bureau}"

    def clean(self) -> None:
        if self.item_id and self.measure_id and self.item.measure_id != self.measure_id:
            raise ValidationError({"item": _("The item belongs to another measure.")})
        if (
            self.bureau_id
            and self.measure_id
            and self.bureau.city_id != self.measure.document.region_id
        ):
            raise ValidationError(
                {"bureau": _("The bureau belongs to another city than the document.")}
            )


class LimitKind(models.TextChoices):
    YEARLY_CAP = "yearly_cap", _("Yearly cap per enterprise")
    TOTAL_CAP = "total_cap", _("Total across funding levels")
    EXCLUSIVE = "exclusive", _("No double award: the highest only")


class CrossItemLimit(models.Model):
    """A limit that crosses items: a yearly cap per enterprise, a total across funding levels,
    or a group of which only the highest award is given (就高不重复)."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    document = models.ForeignKey(
        PolicyDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="limits"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LimitKind.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    items = models.ManyToManyField(IncentiveItem, verbose_name=_("items"), related_name="limits")
    clause = models.CharField(_("clause"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cross-item limit")
        verbose_name_plural = _("cross-item limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="exclusive") | Q(amount__gt=0), name="limit_cap_has_amount"
            )
        ]

    def __str__(self) -> str:
        return self.note or self.key


class MatchStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    LIKELY_ELIGIBLE = "likely_eligible", _("Likely eligible (a reviewer judges the rest)")
    MISSING_INFORMATION = "missing_information", _("Missing information")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    NOT_IN_FORCE = "not_in_force", _("Not in force")


class Match(models.Model):
    """What one enterprise can get from one item, as of a date, and why (政策找企业). An item
    out of force stores no row: its verdict is derived when shown (``incentives.shown``)."""

    derived = False  # true of an unsaved verdict ``incentives.shown`` derived from its item

    # No index of their own: the unique (enterprise, item) and the (item, status) indexes lead
    # with them, and each index is written for every one of millions of rows.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,
    )
    # The item and the rule are kept by Django (on_delete), not by a database constraint: every
    # one of millions of rows names one of a few hundred items, and the constraint's check takes
    # a share lock on the item's row for each row written — in every chunk task at once, the same
    # rows (docs/benchmarks.md, "Issue 17: the full recompute on Celery workers"). A row left
    # naming an item or rule deleted meanwhile is hidden by the joins and rewritten or deleted by
    # the next recompute (its item is no longer in the catalogue's plans).
    item = models.ForeignKey(
        IncentiveItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(_("status"), max_length=24, choices=MatchStatus.choices)
    estimate_kind = models.CharField(_("estimate"), max_length=12, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    minimum = models.DecimalField(
        _("minimum"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("maximum"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    breakdown = models.TextField(_("breakdown"), blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    missing = models.JSONField(_("missing facts"), default=list, blank=True)
    failed = models.JSONField(_("failed conditions"), default=list, blank=True)
    # After the limits that cross items (就高不重复, yearly caps): what is left, and why.
    limited_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    limited_maximum = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    limit_notes = models.JSONField(default=list, blank=True)
    excluded = models.BooleanField(default=False)
    rule = models.ForeignKey(
        AwardRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    rule_version = models.PositiveIntegerField(
        _("rule version"), null=True, blank=True, help_text=_("The history id of the rule used.")
    )
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)
    # A hash of everything the row was computed from (the item's spec and rule version, the
    # date, the language, the profile facts the item reads), written by the full recompute so
    # that a second run skips rows whose inputs did not change; None when written otherwise.
    inputs_hash = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "item"], name="match_one_per_enterprise_item"
            ),
        ]
        # An enterprise's rows are found by the unique (enterprise, item) index (a few dozen
        # rows each); every index is written for each of millions of rows.
        indexes = [
            models.Index(fields=["item", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.item} · {self.status}"

    @property
    def shown_amount(self):
        return self.limited_amount if self.limited_amount is not None else self.amount

    @property
    def shown_maximum(self):
        return self.limited_maximum if self.limited_maximum is not None else self.maximum


class Grant(models.Model):
    """The grant ledger: what an enterprise was granted under an item. Yearly caps count it,
    and it pays once: ``slot`` names what a grant uses up (the whole item for a once-only award,
    a year, a project or one claim, from ``IncentiveItem.pays``), and the database refuses a
    second grant that is not reversed in the same slot. A grant is reversed, never deleted, and
    only by a decision of the lead bureau (who and why are kept)."""

    class Source(models.TextChoices):
        APPLICATION = "application", _("Approved application")
        IMPORTED = "imported", _("Imported record")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="grants"
    )
    granted_on = models.DateField(_("granted on"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    slot = models.CharField(
        _("what it uses up"),
        max_length=120,
        default="",
        help_text=_("“once” for a once-only award, else the year, the project or the case."),
    )
    # An approval reopened by an upheld objection is reversed, never deleted.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reversal_reason = models.TextField(_("why it was reversed"), blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_not_negative"),
            models.UniqueConstraint(
                fields=["enterprise", "item", "slot"],
                condition=Q(reversed_at__isnull=True),
                name="grant_pays_once_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True) | ~Q(reversal_reason=""),
                name="grant_reversal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.item} · {self.amount}"


class EnterpriseNotice(models.Model):
    """An in-app notice to an enterprise (also e-mailed): a policy it newly qualifies for, or a
    window that opened for one it matches. Sent once: the key is unique per enterprise."""

    class Kind(models.TextChoices):
        NEWLY_ELIGIBLE = "newly_eligible", _("Newly eligible")
        WINDOW_OPEN = "window_open", _("Application window open")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=120)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice to an enterprise")
        verbose_name_plural = _("notices to enterprises")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "key"], name="notice_once")]

    def __str__(self) -> str:
        return self.message


class RecomputeJob(models.Model):
    """A recompute of matches started by an admin (or the nightly schedule), with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    item = models.ForeignKey(
        IncentiveItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    on = models.DateField(
        _("matched on"), null=True, blank=True, help_text=_("The date the run decides for.")
    )
    total = models.PositiveIntegerField(_("steps"), default=0)
    done = models.PositiveIntegerField(_("steps done"), default=0)
    matches_written = models.PositiveIntegerField(_("matches written"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute job")
        verbose_name_plural = _("recompute jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} {self.done}/{self.total}"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def percent(self) -> int:
        return (
            int(100 * self.done / self.total)
            if self.total
            else (100 if self.status == "done" else 0)
        )


class RecomputeChunk(models.Model):
    """One range of enterprises of a full recompute: a Celery task of its own. The range is by
    primary key, ``(after, upto]`` (``upto`` empty: to the end, so enterprises registered while
    the run goes are matched too). Every limit that crosses items is one enterprise's, so a chunk
    applies its own; the job's last step only sends the run's e-mails and closes it."""

    job = models.ForeignKey(RecomputeJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField(_("number"))
    after = models.BigIntegerField(_("after enterprise id"))
    upto = models.BigIntegerField(_("up to enterprise id"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    rows = models.PositiveIntegerField(_("matches in scope"), default=0)
    written = models.PositiveIntegerField(_("matches written"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute chunk")
        verbose_name_plural = _("recompute chunks")
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="recompute_chunk_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.job_id}.{self.number} ({self.after}, {self.upto or '…'}]"


class CatalogueVersion(models.Model):
    """One row whose number grows with every change to the published catalogue (documents,
    measures, items, rules, conditions, the annex, bureaus). The public catalogue pages are
    rendered once per version and kept in each process's cache (``incentives/caching.py``)."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")

    def __str__(self) -> str:
        return str(self.number)


class DocumentDraft(models.Model):
    """A policy document drafted from its text (起草稿): the head, measures, items with draft
    award rules and the task-division annex, read by ``incentives/drafting.py`` and reviewed by
    an admin. ``data`` has the shape of a catalogue file (SCHEMA.md); nothing in it is live —
    shown, matched or calculated — until it is published as a document."""

    region = models.ForeignKey(
        Region, verbose_name=_("city"), on_delete=models.PROTECT, related_name="document_drafts"
    )
    source_text = models.TextField(_("source text"))
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    data = models.JSONField(_("draft"), default=dict, blank=True)
    unresolved_bureaus = models.JSONField(
        _("unresolved bureaus"),
        default=list,
        blank=True,
        help_text=_("Unit names of the annex that match no bureau or alias of the city."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("published document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drafts",
    )

    class Meta:
        verbose_name = _("document draft")
        verbose_name_plural = _("document drafts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        title = (self.data or {}).get("document", {}).get("title") if self.data else ""
        return title or self.file_name or f"#{self.pk}"


class ChangeProposal(models.Model):
    """A change to an item's money: its award rule, conditions or limits (and the summary and
    quote that state the figure), made in the rule editor. Four eyes: another catalogue admin
    approves it (never the proposer); it takes effect on ``effective_on`` — the rule in effect
    then ends the day before and the new version starts — and the item's matches are recomputed
    on that day, not when it was typed.

    ``before`` and ``after`` hold the item's money as data (``incentives/proposals.py`` says
    their shape); ``changes`` the differences in words, for the history."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved, takes effect on its date")
        APPLIED = "applied", _("In effect")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        FAILED = "failed", _("Could not take effect")

    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="proposals"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    changes = models.JSONField(_("changes in words"), default=list)
    reason = models.TextField(_("reason for the change"))
    effective_on = models.DateField(_("takes effect on"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    applied_at = models.DateTimeField(_("took effect at"), null=True, blank=True)
    # Proposed, approved or rejected, in effect: each step is in the history and the audit log.
    history = HistoricalRecords(excluded_fields=["before", "after", "changes"])

    class Meta:
        verbose_name = _("change proposal")
        verbose_name_plural = _("change proposals")
        ordering = ["-proposed_at"]
        permissions = [("approve_changeproposal", _("Can approve a change proposal"))]
        constraints = [
            # Four eyes in the database too: whoever decides is not who proposed.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | ~Q(decided_by=models.F("proposed_by"))
                | Q(status="withdrawn"),
                name="proposal_decided_by_another",
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_open_proposal_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.effective_on}"
