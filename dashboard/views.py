"""The leadership dashboard: targets, bureau performance, money, the district index and the
monthly report, for leadership viewers and catalogue admins; figure entry for the bureaus that
own the figures. Every table can be downloaded as Excel (``?export=xlsx``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView

from accounts.access import RoleRequiredMixin
from accounts.models import Role
from dashboard import charts, selectors, services
from dashboard.forms import (
    DashboardFilterForm,
    DistrictFiguresForm,
    FiguresImportForm,
    TargetFigureForm,
)
from dashboard.models import Snapshot, Target
from organisations.models import Region
from portal import clock, workbooks
from portal.params import query_id, query_int


class ViewerRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.LEADERSHIP, Role.CATALOGUE_ADMIN)


class FigureEntryRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.BUREAU, Role.CATALOGUE_ADMIN)


def xlsx_response(filename: str, sheets: list[tuple[str, list[str], list[list]]]) -> HttpResponse:
    """A download of (title, header, rows) sheets, written by the portal's one safe writer."""
    return workbooks.workbook_response(
        filename=f"{filename}-{clock.today()}.xlsx",
        sheets=[workbooks.Sheet(title=t, headers=header, rows=rows) for t, header, rows in sheets],
    )


def _yuan(value) -> float:
    return float(value) if value is not None else None


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------


class TargetsView(ViewerRequiredMixin, TemplateView):
    template_name = "dashboard/targets.html"

    def get(self, request, *args, **kwargs):
        today = clock.today()
        years = selectors.target_years()
        form = DashboardFilterForm(request.GET or None, years=years)
        filters = form.values(default_year=selectors.default_target_year(today))
        rows = (
            selectors.targets_overview(
                year=filters["year"],
                today=today,
                city_id=filters["city"].pk if filters["city"] else None,
                bureau_id=filters["bureau"].pk if filters["bureau"] else None,
            )
            if filters["year"]
            else []
        )
        if request.GET.get("export") == "xlsx":
            return self.export(rows, filters["year"])
        context = self.get_context_data(
            form=form,
            filters=filters,
            rows=rows,
            chart=charts.targets_progress(rows),
            reached=sum(1 for r in rows if r.reached),
            with_figure=sum(1 for r in rows if r.figure is not None),
        )
        return self.render_to_response(context)

    def export(self, rows, year):
        header = [
            _("City"),
            _("Document"),
            _("Target"),
            _("Year"),
            _("Target value"),
            _("Unit"),
            _("Figure"),
            _("Figure from"),
            _("Entered by"),
            _("Entered at"),
            _("Progress (%)"),
            _("Lead bureaus"),
            _("Deadline"),
        ]
        body = []
        for row in rows:
            target = row.target
            body.append(
                [
                    target.document.region.name,
                    target.document.title,
                    target.name,
                    year,
                    _yuan(row.goal.value) if row.goal.value is not None else row.goal.wording,
                    target.unit,
                    _yuan(row.figure),
                    {"live": _("portal data"), "entered": _("entered"), "": ""}[row.figure_kind],
                    str(row.entered.entered_by) if row.entered else "",
                    timezone.localtime(row.entered.entered_at).strftime("%Y-%m-%d %H:%M")
                    if row.entered
                    else "",
                    row.progress,
                    "、".join(b.name for b in target.lead_bureaus.all()),
                    target.deadline,
                ]
            )
        return xlsx_response("targets", [(_("Targets"), header, body)])


class MyTargetsView(FigureEntryRequiredMixin, TemplateView):
    """The targets a bureau leads (all of them for a catalogue admin), to enter figures."""

    template_name = "dashboard/my_targets.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = clock.today()
        year = selectors.default_target_year(today)
        bureau_id = user.bureau_id if user.role == Role.BUREAU else None
        rows = (
            selectors.targets_overview(year=year, today=today, bureau_id=bureau_id) if year else []
        )
        if user.role == Role.BUREAU and not bureau_id:
            rows = []
        return super().get_context_data(rows=rows, year=year, **kwargs)


class TargetFigureView(FigureEntryRequiredMixin, FormView):
    template_name = "dashboard/target_figure.html"
    form_class = TargetFigureForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role in self.allowed_roles:
            self.target = get_object_or_404(
                Target.objects.select_related("document__region"), pk=kwargs["pk"]
            )
            if not services.can_enter_target(user=request.user, target=self.target):
                raise PermissionDenied(
                    _(
                        "Only a lead bureau of this target (or a catalogue admin) "
                        "may enter its figures."
                    )
                )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        years = list(self.target.values.order_by("year").values_list("year", flat=True))
        return {**super().get_form_kwargs(), "years": years}

    def get_initial(self):
        return {"year": selectors.default_target_year(clock.today())}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            target=self.target,
            figures=self.target.figures.select_related("entered_by", "bureau")[:20],
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.target_figure_enter(
                target=self.target,
                year=form.cleaned_data["year"],
                value=form.cleaned_data["value"],
                source=form.cleaned_data["source"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The figure was saved."))
        return redirect("dashboard:target_figure", pk=self.target.pk)


# ---------------------------------------------------------------------------------------------
# Performance and money (from snapshots)
# ---------------------------------------------------------------------------------------------


def _snapshot_years(today) -> list[int]:
    return list(range(today.year, today.year - 5, -1))


class SnapshotPageMixin(ViewerRequiredMixin):
    """Reads the latest finished snapshot for the filters; offers to compute one."""

    def snapshot_context(self, request):
        today = clock.today()
        form = DashboardFilterForm(request.GET or None, years=_snapshot_years(today))
        filters = form.values(default_year=today.year)
        city_id = filters["city"].pk if filters["city"] else None
        snapshot = selectors.snapshot_latest(year=filters["year"], city_id=city_id)
        return {
            "form": form,
            "filters": filters,
            "snapshot": snapshot,
            "pending": selectors.snapshot_pending(year=filters["year"], city_id=city_id),
            "bureau_id": filters["bureau"].pk if filters["bureau"] else None,
        }


class PerformanceView(SnapshotPageMixin, TemplateView):
    template_name = "dashboard/performance.html"

    def get(self, request, *args, **kwargs):
        context = self.snapshot_context(request)
        data = context["snapshot"].data if context["snapshot"] else {}
        table = selectors.performance(data, bureau_id=context["bureau_id"])
        if request.GET.get("export") == "xlsx":
            return self.export(table)
        return self.render_to_response(
            self.get_context_data(table=table, chart=charts.cases_by_month(table), **context)
        )

    def export(self, table):
        header = [
            "",
            _("Received"),
            _("Decided"),
            _("Still open"),
            _("Overdue"),
            _("Median working days to decision"),
        ]

        def rows(listing):
            return [
                [r["name"], r["received"], r["decided"], r["open"], r["overdue"], r["median_days"]]
                for r in listing
            ]

        return xlsx_response(
            "performance",
            [
                (_("By bureau"), [_("Bureau"), *header[1:]], rows(table["by_bureau"])),
                (_("By item"), [_("Item"), *header[1:]], rows(table["by_item"])),
                (_("By month"), [_("Month"), *header[1:]], rows(table["by_month"])),
            ],
        )


class MoneyView(SnapshotPageMixin, TemplateView):
    template_name = "dashboard/money.html"

    def get(self, request, *args, **kwargs):
        context = self.snapshot_context(request)
        data = context["snapshot"].data if context["snapshot"] else {}
        table = selectors.money(data, bureau_id=context["bureau_id"])
        if request.GET.get("export") == "xlsx":
            return self.export(table)
        return self.render_to_response(
            self.get_context_data(
                table=table,
                month_chart=charts.money_by_month(table),
                funding_chart=charts.money_by_funding(table),
                **context,
            )
        )

    def export(self, table):
        header = [_("Approved (yuan)"), _("Cases approved"), _("Paid (yuan)"), _("Cases paid")]

        def rows(listing):
            return [
                [
                    r["name"],
                    _yuan(r["approved"]),
                    r["approved_cases"],
                    _yuan(r["paid"]),
                    r["paid_cases"],
                ]
                for r in listing
            ]

        budgets = [
            [b["item"], _yuan(b["total"]), _yuan(b["used"]), _yuan(b["left"]), b["percent"]]
            for b in table["budgets"]
        ]
        return xlsx_response(
            "money",
            [
                (_("By item"), [_("Item"), *header], rows(table["by_item"])),
                (_("By district"), [_("District"), *header], rows(table["by_district"])),
                (_("By funding source"), [_("Funding source"), *header], rows(table["by_funding"])),
                (_("By month"), [_("Month"), *header], rows(table["by_month"])),
                (
                    _("Budgets"),
                    [_("Item"), _("Budget (yuan)"), _("Used"), _("Left"), _("Used (%)")],
                    budgets,
                ),
            ],
        )


class SnapshotRequestView(ViewerRequiredMixin, TemplateView):
    """POST: queue a fresh snapshot for the year and city, then show its progress."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        today = clock.today()
        form = DashboardFilterForm(request.POST, years=_snapshot_years(today), with_bureau=False)
        filters = form.values(default_year=today.year)
        snapshot = services.snapshot_request(
            year=filters["year"], city=filters["city"], by=request.user
        )
        back = request.POST.get("next", "")
        if back not in {"performance", "money"}:
            back = "performance"
        query = urlencode({"next": back})
        return redirect(reverse("dashboard:snapshot", args=[snapshot.pk]) + f"?{query}")


class SnapshotProgressView(ViewerRequiredMixin, DetailView):
    model = Snapshot
    context_object_name = "snapshot"

    def get_template_names(self):
        if self.request.htmx:
            return ["dashboard/_snapshot_progress.html"]
        return ["dashboard/snapshot_progress.html"]

    def get_context_data(self, **kwargs):
        back = self.request.GET.get("next")
        back = back if back in {"performance", "money"} else "performance"
        query = {"year": self.object.year}
        if self.object.city_id:
            query["city"] = self.object.city_id
        return super().get_context_data(
            back_url=reverse(f"dashboard:{back}") + "?" + urlencode(query),
            next_page=back,
            **kwargs,
        )


# ---------------------------------------------------------------------------------------------
# District innovation index
# ---------------------------------------------------------------------------------------------


def _index_years(today) -> list[int]:
    return list(range(today.year, today.year - 6, -1))


def _default_city():
    return (
        Region.objects.filter(level=Region.Level.CITY, children__level=Region.Level.DISTRICT)
        .order_by("code")
        .first()
    )


class IndexView(ViewerRequiredMixin, TemplateView):
    template_name = "dashboard/index.html"

    def get(self, request, *args, **kwargs):
        today = clock.today()
        scheme = selectors.index_scheme()
        form = DashboardFilterForm(
            request.GET or None, years=_index_years(today), with_bureau=False, city_required=True
        )
        filters = form.values(default_year=today.year, default_city=_default_city())
        scores = (
            selectors.index_scores(
                scheme=scheme, city=filters["city"], year=filters["year"], today=today
            )
            if scheme and filters["city"]
            else []
        )
        if request.GET.get("export") == "xlsx":
            return self.export(scheme, scores, filters)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                filters=filters,
                scheme=scheme,
                scores=scores,
                chart=charts.index_totals(scores),
                dimensions=scheme.dimensions.all() if scheme else [],
            )
        )

    def export(self, scheme, scores, filters):
        header = [_("District"), _("Total"), _("Class"), _("Indicators without a figure")]
        header += [d.name for d in scheme.dimensions.all()] if scheme else []
        totals = [
            [s.district, float(s.total), s.klass, s.missing, *[float(d[1]) for d in s.dimensions]]
            for s in scores
        ]
        detail = [
            [s.district, i.name, float(i.weight), i.figure, _yuan(i.score), i.explanation]
            for s in scores
            for i in s.indicators
        ]
        return xlsx_response(
            f"index-{filters['year']}",
            [
                (_("Scores"), header, totals),
                (
                    _("Breakdown"),
                    [_("District"), _("Indicator"), _("Points"), _("Figure"), _("Score"), _("How")],
                    detail,
                ),
            ],
        )


class IndexDistrictView(ViewerRequiredMixin, TemplateView):
    template_name = "dashboard/index_district.html"

    def get_context_data(self, **kwargs):
        today = clock.today()
        district = get_object_or_404(
            Region.objects.select_related("parent"), pk=kwargs["pk"], level=Region.Level.DISTRICT
        )
        scheme = selectors.index_scheme()
        form = DashboardFilterForm(
            self.request.GET or None, years=_index_years(today), with_bureau=False
        )
        year = form.values(default_year=today.year)["year"]
        scores = (
            selectors.index_scores(
                scheme=scheme, city=district.parent, year=year, today=today, district=district
            )
            if scheme
            else []
        )
        return super().get_context_data(
            district=district,
            scheme=scheme,
            year=year,
            score=scores[0] if scores else None,
            form=form,
            **kwargs,
        )


class DistrictFiguresView(FigureEntryRequiredMixin, FormView):
    """A bureau enters a district's figures for a year, one field per indicator."""

    template_name = "dashboard/district_figures.html"
    form_class = DistrictFiguresForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role in self.allowed_roles:
            self.district = get_object_or_404(
                Region.objects.select_related("parent"),
                pk=kwargs["pk"],
                level=Region.Level.DISTRICT,
            )
            if not services.can_enter_district(user=request.user, district=self.district):
                raise PermissionDenied(
                    _(
                        "Only staff of a bureau of %(city)s (or a catalogue admin) "
                        "may enter its figures."
                    )
                    % {"city": self.district.parent.name}
                )
            today = clock.today()
            year = query_int(request.GET.get("year"))
            self.year = year if year in _index_years(today) else today.year
            self.scheme = selectors.index_scheme()
            if self.scheme is None:
                raise PermissionDenied(_("No index scheme is loaded."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "indicators": selectors.index_indicators(self.scheme),
            "figures": selectors.district_figures(district=self.district, year=self.year),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            district=self.district,
            year=self.year,
            years=_index_years(clock.today()),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.district_figures_save(
                district=self.district, year=self.year, entries=form.entries(), by=self.request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The district's figures were saved."))
        return redirect(
            reverse("dashboard:district_figures", args=[self.district.pk]) + f"?year={self.year}"
        )


class DistrictListView(FigureEntryRequiredMixin, TemplateView):
    """Where a bureau picks the district to enter figures for, or imports a workbook."""

    template_name = "dashboard/district_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        districts = Region.objects.filter(level=Region.Level.DISTRICT).select_related("parent")
        if user.role == Role.BUREAU:
            districts = districts.filter(parent_id=user.bureau.city_id if user.bureau else None)
        return super().get_context_data(
            districts=districts.order_by("parent__code", "code", "name"),
            year=clock.today().year,
            **kwargs,
        )


class FiguresImportView(FigureEntryRequiredMixin, FormView):
    template_name = "dashboard/figures_import.html"
    form_class = FiguresImportForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        user = self.request.user
        if user.role == Role.BUREAU:
            form.fields["city"].queryset = form.fields["city"].queryset.filter(
                pk=user.bureau.city_id if user.bureau else None
            )
        return form

    def get(self, request, *args, **kwargs):
        if request.GET.get("template"):
            city_id = query_id(request.GET.get("city"))
            cities = self.get_form().fields["city"].queryset
            city = cities.filter(pk=city_id).first() if city_id else None
            scheme = selectors.index_scheme()
            if city is None or scheme is None:
                messages.error(request, _("Choose a city first."))
                return redirect("dashboard:figures_import")
            return workbooks.workbook_response(
                filename="district-figures-template.xlsx",
                sheets=[
                    services.import_template(scheme=scheme, city=city, year=clock.today().year)
                ],
            )
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        scheme = selectors.index_scheme()
        try:
            result = services.district_figures_import(
                scheme=scheme,
                city=form.cleaned_data["city"],
                upload=form.cleaned_data["file"],
                by=self.request.user,
            )
        except ValidationError as error:
            return self.render_to_response(
                self.get_context_data(form=form, problems=error.messages)
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(figures)s figures of %(districts)s districts were imported.") % result,
        )
        return redirect("dashboard:figures_import")


# ---------------------------------------------------------------------------------------------
# The monthly report
# ---------------------------------------------------------------------------------------------


class MonthlyReportView(ViewerRequiredMixin, TemplateView):
    """One page for the 领导小组 meeting, laid out for printing (print stylesheet)."""

    template_name = "dashboard/report.html"

    def get_context_data(self, **kwargs):
        today = clock.today()
        form = DashboardFilterForm(
            self.request.GET or None, years=_snapshot_years(today), with_bureau=False
        )
        filters = form.values(default_year=today.year)
        month = query_int(self.request.GET.get("month"), minimum=1, maximum=12) or (
            today.month if filters["year"] == today.year else 12
        )
        city_id = filters["city"].pk if filters["city"] else None
        snapshot = selectors.snapshot_latest(year=filters["year"], city_id=city_id)
        data = snapshot.data if snapshot else {}
        key = f"{filters['year']}-{month:02d}"
        performance = selectors.performance(data)
        money = selectors.money(data)
        target_year = selectors.default_target_year(today)
        return super().get_context_data(
            form=form,
            filters=filters,
            month=month,
            months=range(1, 13),
            snapshot=snapshot,
            performance=performance,
            money=money,
            month_cases=next((r for r in performance["by_month"] if r["key"] == key), None),
            month_money=next((r for r in money["by_month"] if r["key"] == key), None),
            target_year=target_year,
            targets=selectors.targets_overview(year=target_year, today=today, city_id=city_id)
            if target_year
            else [],
            today=today,
            **kwargs,
        )
