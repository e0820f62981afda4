"""Pages of the site: the public home page, each role's workspace, the account page, /healthz."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found as django_page_not_found
from django.views.generic import TemplateView

from accounts import selectors as account_selectors
from accounts.access import (
    BureauHeadRequiredMixin,
    BureauStaffRequiredMixin,
    CatalogueAdminRequiredMixin,
    EnterpriseRequiredMixin,
    LeadershipRequiredMixin,
)
from applications import selectors as case_selectors
from consultations import selectors as consultation_selectors
from enterprises import verification
from incentives import selectors as incentive_selectors
from portal import clock, selectors
from portal.navigation import navigation_for
from ratings import selectors as rating_selectors


class HomeView(TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.public_home(today=clock.today()), **kwargs)


class WorkspaceRedirectView(LoginRequiredMixin, TemplateView):
    """After login: each role goes to its own home page; an account without a role sees its
    account page."""

    def get(self, request, *args, **kwargs):
        entries = navigation_for(request.user)
        return redirect(entries[0].url_name if entries else "accounts:account")


class EnterpriseHomeView(EnterpriseRequiredMixin, TemplateView):
    template_name = "portal/enterprise_home.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.user.enterprise
        return super().get_context_data(
            enterprise=enterprise,
            colleagues=account_selectors.enterprise_colleagues(enterprise=enterprise),
            **selectors.enterprise_overview(enterprise=enterprise, user=self.request.user),
            **kwargs,
        )


class BureauHomeView(BureauStaffRequiredMixin, TemplateView):
    template_name = "portal/bureau_home.html"

    def get_context_data(self, **kwargs):
        bureau = self.request.user.bureau
        return super().get_context_data(
            bureau=bureau,
            verifications_pending=verification.claims_to_decide(user=self.request.user)
            .filter(state="pending")
            .count(),
            open_questions=consultation_selectors.bureau_open_count(bureau=bureau),
            waiting_cases=case_selectors.bureau_waiting(user=self.request.user).count(),
            rectifications_open=rating_selectors.bureau_rectifications(
                user=self.request.user
            ).count(),
            **kwargs,
        )


class BureauTeamView(BureauHeadRequiredMixin, TemplateView):
    template_name = "portal/bureau_team.html"

    def get_context_data(self, **kwargs):
        bureau = self.request.user.bureau
        return super().get_context_data(
            bureau=bureau, staff=account_selectors.bureau_staff(bureau=bureau), **kwargs
        )


class CatalogueAdminHomeView(CatalogueAdminRequiredMixin, TemplateView):
    template_name = "portal/catalogue_admin_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.catalogue_overview(),
            **incentive_selectors.proposals_overview(user=self.request.user),
            **kwargs,
        )


class LeadershipHomeView(LeadershipRequiredMixin, TemplateView):
    template_name = "portal/leadership_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.leadership_overview(today=clock.today()), **kwargs
        )


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico at the root whatever the pages link: send them to the static
    file (not permanently, as its hashed name changes with each release)."""
    return HttpResponseRedirect(static("favicon.ico"))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and compose: 200 when the database (and the
    broker, where one is configured) answer, 503 otherwise."""
    database = selectors.health_database()
    broker = selectors.health_broker()
    ok = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "database": database, "broker": broker},
        status=200 if ok else 503,
    )


# ---------------------------------------------------------------------------------------------
# Registration and invitations: public pages
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The enterprise profile (一企一档). Every object is looked up through the user's own
# enterprise, so another enterprise's id is simply not found.
# ---------------------------------------------------------------------------------------------


def page_not_found(request, exception):
    """404: JSON under /api/ (clients read a message), the Chinese page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return django_page_not_found(request, exception)
