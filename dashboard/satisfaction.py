"""The leadership dashboard's 好差评 page: satisfaction by bureau and by item (count, average,
满意率, poor ratings, the share of them rectified on time), filtered by city and year like the
other pages, read live from ``ratings.selectors``; downloadable as Excel."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from dashboard.forms import DashboardFilterForm
from dashboard.views import ViewerRequiredMixin, xlsx_response
from portal import clock
from ratings import selectors as rating_selectors


class SatisfactionView(ViewerRequiredMixin, TemplateView):
    template_name = "dashboard/satisfaction.html"

    def get(self, request, *args, **kwargs):
        form = DashboardFilterForm(
            request.GET or None, years=rating_selectors.rating_years(), with_bureau=False
        )
        form.fields["year"].choices = [("", _("All years")), *form.fields["year"].choices]
        filters = form.values(default_year=None)
        table = rating_selectors.satisfaction_table(
            today=clock.today(),
            city_id=filters["city"].pk if filters["city"] else None,
            year=filters["year"] or None,
        )
        if request.GET.get("export") == "xlsx":
            return self.export(table)
        return self.render_to_response(self.get_context_data(form=form, table=table))

    def export(self, table):
        header = [
            _("Ratings"),
            _("Average (1–5)"),
            _("Satisfaction rate (满意率)"),
            _("Poor ratings"),
            _("Still to rectify"),
            _("Poor ratings due"),
            _("Rectified on time"),
        ]

        def rows(listing):
            return [
                [
                    r.name,
                    r.count,
                    r.average,
                    r.satisfied_rate,
                    r.poor,
                    r.open,
                    r.due,
                    r.on_time,
                ]
                for r in listing
            ]

        return xlsx_response(
            "satisfaction",
            [
                (_("By bureau"), [_("Bureau"), *header], rows(table["by_bureau"])),
                (_("By item"), [_("Item"), *header], rows(table["by_item"])),
            ],
        )
