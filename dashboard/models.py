"""What the leadership watches: the documents' targets with the figures against them, the
district innovation index (indicators, weights, scoring bands, district figures), and snapshots
of the heavy aggregates (cases and money) computed in the background.

Targets and the index scheme are data from the seed documents (loaded from
incentives/catalogue/targets.yaml and district_index.yaml, then edited in the admin); figures are
entered by bureaus or imported, and each keeps who entered it and when.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dashboard import index
from incentives.models import PolicyDocument
from organisations.models import Bureau, Region


class LiveSource(models.TextChoices):
    """Figures the portal counts from its own enterprise profiles (see dashboard/live.py)."""

    NONE = "", _("Entered by the lead bureau")
    HITECH_VALID = "hitech_valid", _("Enterprises holding a valid high-tech certificate")
    HITECH_NEW = "hitech_new", _("High-tech enterprises first recognised in the year")
    TECH_LEADER = "tech_leader", _("Technology leading enterprises")
    TECH_SME = "tech_sme", _("Registered technology-based SMEs")


class Target(models.Model):
    """One promise of a document: 高新技术企业 1600/1700/1800 家 by the end of 2023/2024/2025."""

    class Kind(models.TextChoices):
        LEVEL = "level", _("Level to reach")
        GROWTH_RATE = "growth_rate", _("Growth rate per year")
        SHARE = "share", _("Share")
        COUNT_NEW = "count_new", _("New in the year")
        CUMULATIVE = "cumulative", _("Total over the period")
        QUALITATIVE = "qualitative", _("Without a number")

    key = models.SlugField(_("key"), max_length=64, unique=True)
    document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="targets",
    )
    clause = models.CharField(_("clause"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    lead_bureaus = models.ManyToManyField(
        Bureau, verbose_name=_("lead bureaus"), related_name="targets", blank=True
    )
    deadline = models.CharField(
        _("deadline"), max_length=20, blank=True, help_text=_("As the document states it.")
    )
    live_source = models.CharField(
        _("live figure"), max_length=20, choices=LiveSource.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["document", "position"]

    def __str__(self) -> str:
        return self.name


class TargetValue(models.Model):
    """The number a target promises for one year (none where the document gives only words)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(
        _("target value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    wording = models.CharField(_("wording"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("target value")
        verbose_name_plural = _("target values")
        ordering = ["target", "year"]
        constraints = [
            models.UniqueConstraint(fields=["target", "year"], name="target_value_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.year}"


class TargetFigure(models.Model):
    """A figure the lead bureau entered against a target for a year; the latest one counts and
    the earlier ones stay as the record."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="figures")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("figure"), max_digits=14, decimal_places=2)
    source = models.CharField(_("where the figure comes from"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    bureau = models.ForeignKey(
        Bureau,
        verbose_name=_("for the bureau"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entered figure")
        verbose_name_plural = _("entered figures")
        ordering = ["target", "year", "-entered_at", "-pk"]
        indexes = [models.Index(fields=["target", "year", "-entered_at"])]

    def __str__(self) -> str:
        return f"{self.target} {self.year}: {self.value}"


# ---------------------------------------------------------------------------------------------
# District innovation index (003 篇四)
# ---------------------------------------------------------------------------------------------


class IndexScheme(models.Model):
    """An indicator system: 科技创新能力监测评价指标体系, with its dimensions and indicators."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=200)
    is_example = models.BooleanField(
        _("example text"),
        default=False,
        help_text=_("The document is a template, not a city's own policy."),
    )
    total = models.DecimalField(_("full score"), max_digits=6, decimal_places=2)
    classes = models.JSONField(
        _("classes"),
        default=list,
        blank=True,
        help_text=_(
            'Score thresholds for the classes, highest first: [{"label": "A", "min": 80}, …]. '
            "Empty where the document sets none."
        ),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("index scheme")
        verbose_name_plural = _("index schemes")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        problems = index.classes_problems(self.classes)
        if problems:
            raise ValidationError({"classes": problems})


class IndexDimension(models.Model):
    scheme = models.ForeignKey(IndexScheme, on_delete=models.CASCADE, related_name="dimensions")
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("index dimension")
        verbose_name_plural = _("index dimensions")
        ordering = ["scheme", "position"]

    def __str__(self) -> str:
        return self.name


class IndexIndicator(models.Model):
    """One indicator with its points and the way a district's figure turns into a score."""

    class Method(models.TextChoices):
        BANDS = "bands", _("Bands of the figure")
        PER_UNIT = "per_unit", _("Points per recognised unit, capped")
        ASSESSED = "assessed", _("Points given by the assessors")

    class PortalSource(models.TextChoices):
        NONE = "", _("Entered or imported by a bureau")
        HITECH_COUNT = "hitech_count", _("High-tech enterprises in the district (portal)")
        TECH_SME_COUNT = "tech_sme_count", _("Technology-based SMEs in the district (portal)")

    dimension = models.ForeignKey(
        IndexDimension, on_delete=models.CASCADE, related_name="indicators"
    )
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    weight = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    method = models.CharField(_("scoring"), max_length=10, choices=Method.choices)
    bands = models.JSONField(
        _("bands"),
        default=list,
        blank=True,
        help_text=_(
            'For bands: [{"min": 1000, "max": null, "score": [5, 5]}, …]; a score pair is the '
            "score at the band's lower and upper end, interpolated in between; null where the "
            "document leaves the band's score open."
        ),
    )
    units = models.JSONField(
        _("units and points"),
        default=list,
        blank=True,
        help_text=_('For per-unit scoring: [{"what": "国家级重点实验室", "points": 2}, …].'),
    )
    cap = models.DecimalField(_("cap"), max_digits=6, decimal_places=2, null=True, blank=True)
    formula = models.CharField(_("formula"), max_length=200, blank=True)
    data_source = models.CharField(_("data source"), max_length=200, blank=True)
    portal_source = models.CharField(
        _("filled in by the portal"), max_length=20, choices=PortalSource.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("index indicator")
        verbose_name_plural = _("index indicators")
        ordering = ["dimension__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], name="indicator_key_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        problems = index.indicator_problems(self)
        if problems:
            raise ValidationError(problems)


class DistrictFigure(models.Model):
    """A district's figure for one indicator and year: a number for banded indicators, counts
    per unit kind for per-unit ones."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered")
        IMPORTED = "imported", _("Imported from Excel")

    indicator = models.ForeignKey(IndexIndicator, on_delete=models.CASCADE, related_name="figures")
    district = models.ForeignKey(
        Region,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="index_figures",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("figure"), max_digits=16, decimal_places=4, null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("district figure")
        verbose_name_plural = _("district figures")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "district", "year"], name="district_figure_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=Decimal(0)),
                name="district_figure_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year} {self.indicator}"


# ---------------------------------------------------------------------------------------------
# Snapshots of the aggregates
# ---------------------------------------------------------------------------------------------


class Snapshot(models.Model):
    """The case and money aggregates for one year (and city), computed by a Celery task; pages
    read the latest finished one instead of aggregating on every request."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField(_("year"))
    city = models.ForeignKey(
        Region,
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["year", "city", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.year} {self.city or ''} {self.status}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
