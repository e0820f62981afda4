"""Pages of applications: the enterprise's cases, the bureau's queue and case page, the public
公示 list, the inbox, and attachments served only to those allowed to see the case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.access import BureauStaffRequiredMixin, EnterpriseRequiredMixin
from accounts.models import Role
from applications import selectors, services, workflow
from applications.forms import (
    ActionForm,
    ClaimForm,
    CosignAnswerForm,
    MaterialForm,
    ObjectionForm,
    QueueFilterForm,
)
from applications.models import Application, EnterpriseFile, State
from incentives import selectors as catalogue_selectors
from incentives.models import AssignmentRole, IncentiveItem
from organisations.models import Region
from portal import clock, workbooks


def _case_or_404(user, reference: str) -> Application:
    try:
        return selectors.case_detail(user=user, reference=reference)
    except ObjectDoesNotExist as exc:  # someone else's case looks like no case at all
        raise Http404 from exc


class StartView(EnterpriseRequiredMixin, View):
    def post(self, request, key):
        item = get_object_or_404(IncentiveItem, key=key)
        try:
            application = services.application_start(user=request.user, item=item)
        except services.ApplicationError as error:
            messages.error(request, str(error))
            return redirect("incentives:item", key=key)
        return redirect("applications:edit", reference=application.reference)


class MyApplicationsView(EnterpriseRequiredMixin, ListView):
    template_name = "applications/my_applications.html"
    context_object_name = "applications"

    def get_queryset(self):
        return selectors.visible_applications(user=self.request.user).select_related("item")


class EditView(EnterpriseRequiredMixin, TemplateView):
    """Fill in the claim and its materials; save as draft or submit. A refused upload says why and
    keeps everything else typed."""

    template_name = "applications/edit.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.role != Role.ENTERPRISE:
            raise PermissionDenied(
                _("This page is for: %(roles)s.") % {"roles": Role.ENTERPRISE.label}
            )
        self.application = _case_or_404(request.user, kwargs["reference"])
        if self.application.state not in (State.DRAFT, State.SUPPLEMENT, State.OFFERED):
            return redirect("applications:detail", reference=self.application.reference)
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None, files=None):
        application = self.application
        claim = ClaimForm(
            data,
            inputs=application.item.inputs or [],
            initial=application.form_data,
            prefix="claim",
        )
        have = {m.label: m for m in application.materials.all()}
        materials = [
            MaterialForm(
                data if data and f"m{n}-label" in data else None,
                files if data and f"m{n}-label" in data else None,
                enterprise=application.enterprise,
                prefix=f"m{n}",
                initial={
                    "label": label,
                    "existing": have[label].file_id if label in have else None,
                },
            )
            for n, label in enumerate(application.item.materials or [])
        ]
        return claim, materials

    def get_context_data(self, **kwargs):
        claim, materials = kwargs.pop("forms", None) or self.forms()
        application = self.application
        return super().get_context_data(
            application=application,
            claim=claim,
            materials=materials,
            attached={m.label: m for m in application.materials.all()},
            problems=services.submission_problems(application),
            is_supplement=application.state == State.SUPPLEMENT,
            is_offer=application.state == State.OFFERED,
            **kwargs,
        )

    def post(self, request, reference):
        application = self.application
        claim, materials = self.forms(request.POST, request.FILES)
        if not claim.is_valid():
            return self.render_to_response(self.get_context_data(forms=(claim, materials)))
        try:
            services.application_update(
                application=application, user=request.user, form_data=claim.cleaned_data
            )
            for form in materials:
                if not form.is_bound:
                    continue
                if not form.is_valid():
                    raise services.ApplicationError(
                        _("%(label)s: %(errors)s")
                        % {
                            "label": form["label"].value(),
                            "errors": " ".join(
                                form.errors.get("upload", []) + form.non_field_errors()
                            ),
                        }
                    )
                label = form.cleaned_data["label"]
                file = form.cleaned_data.get("existing")
                if form.cleaned_data.get("upload"):
                    file = services.file_upload(
                        enterprise=application.enterprise,
                        user=request.user,
                        label=label,
                        upload=form.cleaned_data["upload"],
                    )
                current = application.materials.filter(label=label).first()
                if file and (current is None or current.file_id != file.pk):
                    services.material_attach(
                        application=application,
                        user=request.user,
                        label=label,
                        enterprise_file=file,
                    )
        except services.ApplicationError as error:
            messages.error(request, str(error))
            return self.render_to_response(self.get_context_data(forms=(claim, materials)))
        action = request.POST.get("action")
        if action in ("submit", "resubmit", "confirm"):
            try:
                services.transition(
                    application_id=application.pk,
                    user=request.user,
                    action=action,
                    bank_account=request.POST.get("bank_account", ""),
                )
            except services.ApplicationError as error:
                messages.error(request, str(error))
                return redirect("applications:edit", reference=reference)
            messages.success(request, _("Submitted. The lead bureau has been told."))
            return redirect("applications:detail", reference=reference)
        messages.success(request, _("Draft saved."))
        return redirect("applications:edit", reference=reference)


class CaseView(LoginRequiredMixin, TemplateView):
    """One case: the enterprise sees its timeline; bureau staff the whole file and their actions."""

    def get_template_names(self):
        return [
            "applications/case_bureau.html"
            if self.request.user.role == Role.BUREAU
            else "applications/case_enterprise.html"
        ]

    def get_context_data(self, **kwargs):
        application = _case_or_404(self.request.user, kwargs["reference"])
        user = self.request.user
        form = ActionForm()
        responsible = catalogue_selectors.item_bureaus(application.item, AssignmentRole.RESPONSIBLE)
        form.fields["cosign_bureaus"].choices = [(b.pk, str(b)) for b in responsible]
        open_cosign = (
            application.cosigns.filter(bureau_id=user.bureau_id, answered_at__isnull=True).first()
            if user.role == Role.BUREAU
            else None
        )
        return super().get_context_data(
            application=application,
            actions=workflow.actions_for(application, user),
            action_form=form,
            objections=application.objections.select_related("decided_by")
            if user.role == Role.BUREAU
            else [],
            pending_objections=application.objections.filter(status="pending"),
            cosign_form=CosignAnswerForm() if open_cosign else None,
            open_cosign=open_cosign,
            match=selectors.case_match(application=application),
            qualifications=application.enterprise.qualifications.order_by("-recognized_on"),
            figures=application.enterprise.yearly_figures.order_by("-year").first(),
            claim_rows=[
                (i.get("label") or i["key"], application.form_data.get(i["key"]))
                for i in application.item.inputs or []
            ],
            **kwargs,
        )


class ActView(LoginRequiredMixin, View):
    def post(self, request, reference, action):
        if action not in workflow.TRANSITIONS:
            raise Http404
        application = _case_or_404(request.user, reference)
        form = ActionForm(request.POST)
        form.fields["cosign_bureaus"].choices = [
            (v, v) for v in request.POST.getlist("cosign_bureaus")
        ]
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect("applications:detail", reference=reference)
        data = form.cleaned_data
        try:
            services.transition(
                application_id=application.pk,
                user=request.user,
                action=action,
                comment=data.get("comment") or "",
                amount=data.get("amount"),
                paid_on=data.get("paid_on"),
                payment_reference=data.get("payment_reference") or "",
                cosign_bureau_ids=[
                    int(v)
                    for v in data.get("cosign_bureaus") or []
                    if str(v).isascii() and str(v).isdecimal() and len(str(v)) < 12
                ],
                bank_account=data.get("bank_account") or "",
                objection_id=data.get("objection"),
            )
        except services.ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Done: %(step)s.") % {"step": workflow.TRANSITIONS[action].label}
            )
        return redirect("applications:detail", reference=reference)


class CosignAnswerView(BureauStaffRequiredMixin, View):
    def post(self, request, reference, pk):
        application = _case_or_404(request.user, reference)
        form = CosignAnswerForm(request.POST)
        if not form.is_valid():
            # Say what is wrong: the opinion, the comment (too long, a NUL character), or both.
            problems = [_("Choose agree or disagree.")] if "opinion" in form.errors else []
            if "comment" in form.errors:
                problems.append(
                    _("%(label)s: %(errors)s")
                    % {"label": form["comment"].label, "errors": " ".join(form.errors["comment"])}
                )
            messages.error(request, " ".join(problems))
        else:
            cosign = application.cosigns.filter(pk=pk).first()
            if cosign is None:
                raise Http404
            try:
                services.cosign_answer(request_id=cosign.pk, user=request.user, **form.cleaned_data)
            except services.ApplicationError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Your opinion is recorded; the lead bureau has been told.")
                )
        return redirect("applications:detail", reference=reference)


class QueueView(BureauStaffRequiredMixin, ListView):
    """The bureau's queue: filters, sorting, pages, and the same list as an Excel file."""

    template_name = "applications/queue.html"
    context_object_name = "cases"
    paginate_by = 25

    def get_queryset(self):
        self.form = QueueFilterForm(self.request.GET or None)
        city = self.request.user.bureau.city
        self.form.fields["item"].queryset = IncentiveItem.objects.filter(
            applications__lead_bureaus=self.request.user.bureau
        ).distinct()
        self.form.fields["district"].queryset = Region.objects.filter(parent=city)
        filters = {}
        if self.request.GET and self.form.is_valid():
            filters = self.form.cleaned_data
        elif self.request.GET:
            filters = {k: v for k, v in self.form.cleaned_data.items() if k not in self.form.errors}
        return selectors.bureau_queue(user=self.request.user, filters=filters)

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export(self.get_queryset())
        return super().get(request, *args, **kwargs)

    def export(self, cases):
        header = [
            _("Case number"),
            _("Enterprise"),
            _("District"),
            _("Item"),
            _("State"),
            _("Submitted"),
            _("Deadline"),
            _("Approved amount (yuan)"),
        ]
        rows = (
            [
                case.reference,
                case.enterprise.name,
                case.enterprise.district.name if case.enterprise.district_id else "",
                case.item.name,
                case.get_state_display(),
                timezone.localtime(case.submitted_at).strftime("%Y-%m-%d %H:%M")
                if case.submitted_at
                else "",
                case.deadline.isoformat() if case.deadline else "",
                float(case.approved_amount) if case.approved_amount is not None else None,
            ]
            for case in cases
        )
        return workbooks.workbook_response(
            filename=f"cases-{clock.today()}.xlsx",
            sheets=[workbooks.Sheet(title=_("Cases"), headers=header, rows=rows)],
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        return super().get_context_data(
            form=self.form, query=query.urlencode(), today=clock.today(), **kwargs
        )


class FileView(LoginRequiredMixin, View):
    """An attachment, only for people who may see a case that uses it (or its enterprise)."""

    def get(self, request, pk):
        file = get_object_or_404(EnterpriseFile, pk=pk)
        user = request.user
        allowed = (user.role == Role.ENTERPRISE and user.enterprise_id == file.enterprise_id) or (
            selectors.visible_applications(user=user).filter(materials__file=file).exists()
        )
        if not allowed:
            raise Http404
        response = FileResponse(
            file.file.open("rb"),
            as_attachment=True,
            filename=file.original_name,
            content_type=file.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class PublicityView(TemplateView):
    """公示: approved cases during their publicity days; anyone may object."""

    template_name = "applications/publicity.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cases=selectors.publicity_list(), form=ObjectionForm(), **kwargs
        )


class ObjectionView(View):
    def post(self, request, reference):
        if "\x00" in reference:  # no case number has one, and PostgreSQL refuses to compare
            raise Http404
        application = get_object_or_404(Application, reference=reference, state=State.PUBLICIZED)
        form = ObjectionForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                _(
                    "Write the objection (at most 5,000 characters) and how the bureau can "
                    "reach you."
                ),
            )
            return redirect("applications:publicity")
        try:
            services.objection_file(
                application_id=application.pk,
                address=request.META.get("REMOTE_ADDR", ""),
                **form.cleaned_data,
            )
        except services.ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _(
                    "Your objection is received. The lead bureau decides on it; the case stays "
                    "as it is until then."
                ),
            )
        return redirect("applications:publicity")


class InboxView(LoginRequiredMixin, ListView):
    """One inbox: the user's case notices and, for an enterprise, its policy notices (newly
    eligible, a window opening), newest first, unread ones bold; opening one marks it read."""

    template_name = "applications/inbox.html"
    context_object_name = "notices"
    paginate_by = 30

    def get_queryset(self):
        return selectors.inbox_entries(user=self.request.user)

    def post(self, request):
        now = timezone.now()
        selectors.inbox(user=request.user).filter(read_at__isnull=True).update(read_at=now)
        selectors.policy_notices(user=request.user).filter(read_at__isnull=True).update(read_at=now)
        return redirect("applications:inbox")


class InboxOpenView(LoginRequiredMixin, View):
    """Open one notice: it is marked read, and the page it is about opens."""

    def get(self, request, source: str, pk: int):
        now = timezone.now()
        if source not in ("case", "policy"):
            raise Http404
        if source == "case":
            notice = get_object_or_404(selectors.inbox(user=request.user), pk=pk)
            if notice.read_at is None:
                type(notice).objects.filter(pk=notice.pk).update(read_at=now)
            return redirect(notice.link or "applications:inbox")
        notice = get_object_or_404(
            selectors.policy_notices(user=request.user).select_related("item"), pk=pk
        )
        if notice.read_at is None:
            type(notice).objects.filter(pk=notice.pk).update(read_at=now)
        if notice.item_id:
            return redirect("incentives:item", notice.item.key)
        return redirect("incentives:my_policies")
