"""Pages of applications: the enterprise's cases, the bureau's queue and case page, the public
公示 list, the inbox, and attachments served only to those allowed to see the case."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.access import BureauStaffRequiredMixin, EnterpriseRequiredMixin
from accounts.models import Role
from applications import batch, casework, selectors, sending, services, workflow
from applications.forms import (
    BATCH_LIMIT,
    TEN_THOUSAND,
    ActionForm,
    BatchActionForm,
    CaseDetailsForm,
    ClaimForm,
    CosignAnswerForm,
    DeclarationForm,
    MaterialForm,
    ObjectionForm,
    QueueFilterForm,
)
from applications.models import (
    DECLARATION_TEXT,
    EDITABLE_STATES,
    Application,
    EnterpriseFile,
    State,
)
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
    """申报: open a new case, or — where the enterprise has one already — say so and open it."""

    def post(self, request, key):
        item = get_object_or_404(IncentiveItem, key=key)
        existing = sending.case_in_the_way(
            enterprise_id=request.user.enterprise_id, item=item, on=clock.today()
        )
        if existing is not None:
            messages.info(
                request,
                _("You have already applied for this item: case %(reference)s.")
                % {"reference": existing.reference},
            )
            return redirect(_case_url(existing))
        try:
            application = services.application_start(user=request.user, item=item)
        except services.ApplicationError as error:
            messages.error(request, str(error))
            return redirect("incentives:item", key=key)
        return redirect("applications:edit", reference=application.reference)


def _case_url(application: Application) -> str:
    name = "applications:edit" if application.state in EDITABLE_STATES else "applications:detail"
    return reverse(name, args=[application.reference])


class MyApplicationsView(EnterpriseRequiredMixin, ListView):
    template_name = "applications/my_applications.html"
    context_object_name = "applications"

    def get_queryset(self):
        return selectors.visible_applications(user=self.request.user).select_related("item")


def _latest_materials(application: Application) -> list:
    """The file that answers each material now (the newest of each label), in the item's order."""
    latest = {}
    for material in application.materials.select_related("file").order_by("added_at", "pk"):
        latest[material.label] = material
    order = {label: n for n, label in enumerate(application.item.materials or [])}
    return sorted(latest.values(), key=lambda m: (order.get(m.label, len(order)), m.label))


class EditView(EnterpriseRequiredMixin, TemplateView):
    """Fill in the claim, the contact, the amount requested and the materials; save as draft, or
    go on to the confirmation page (``?step=confirm``), which shows everything to be sent with
    the 承诺书 and sends it. A refused upload says why beside its field; every other file chosen
    is kept, and everything typed."""

    template_name = "applications/edit.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.role != Role.ENTERPRISE:
            raise PermissionDenied(
                _("This page is for: %(roles)s.") % {"roles": Role.ENTERPRISE.label}
            )
        self.application = _case_or_404(request.user, kwargs["reference"])
        if self.application.state not in EDITABLE_STATES:
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
        details = self.details_form(data)
        have = {m.label: m for m in _latest_materials(application)}
        materials = [
            self.material_form(n, label, have, data, files)
            for n, label in enumerate(application.item.materials or [])
        ]
        return claim, details, materials

    def details_form(self, data=None):
        application = self.application
        requested = application.requested_amount
        return CaseDetailsForm(
            data,
            terms=sending.amount_terms(application),
            is_offer=application.state == State.OFFERED,
            prefix="case",
            initial={
                "contact_name": application.contact_name,
                "contact_phone": application.contact_phone,
                "requested_amount": None
                if requested is None
                else (requested / TEN_THOUSAND).normalize(),
                "bank_account": application.bank_account,
            },
        )

    def material_form(self, n, label, have, data=None, files=None):
        bound = data is not None and f"m{n}-label" in data
        return MaterialForm(
            data if bound else None,
            files if bound else None,
            enterprise=self.application.enterprise,
            prefix=f"m{n}",
            initial={"label": label, "existing": have[label].file_id if label in have else None},
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("step") == "confirm":
            return self.confirmation()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        claim, details, materials = kwargs.pop("forms", None) or self.forms()
        application = self.application
        return super().get_context_data(
            application=application,
            claim=claim,
            details=details,
            materials=materials,
            attached={m.label: m for m in _latest_materials(application)},
            problems=sending.sending_problems(application),
            is_supplement=application.state == State.SUPPLEMENT,
            is_offer=application.state == State.OFFERED,
            **kwargs,
        )

    def post(self, request, reference):
        if request.POST.get("action") == "send":
            return self.send()
        application = self.application
        claim, details, materials = self.forms(request.POST, request.FILES)
        refused = self.save_materials(materials)
        materials = [
            form
            if form in refused
            else self.material_form(
                n, form.initial["label"], {m.label: m for m in _latest_materials(application)}
            )
            for n, form in enumerate(materials)
        ]
        try:
            if claim.is_valid():
                services.application_update(
                    application=application, user=request.user, form_data=claim.cleaned_data
                )
                details = self.details_form(request.POST)  # bounds of the claim just saved
            if details.is_valid():
                services.application_details_save(
                    application=application,
                    user=request.user,
                    contact_name=details.cleaned_data["contact_name"],
                    contact_phone=details.cleaned_data["contact_phone"],
                    requested_amount=details.requested_yuan(),
                    bank_account=details.cleaned_data.get("bank_account"),
                )
        except services.ApplicationError as error:
            # The form checked the phone's shape; what the service refuses is the amount.
            field = "requested_amount" if "requested_amount" in details.fields else None
            details.add_error(field, str(error))
        if refused or claim.errors or details.errors:
            messages.error(
                request,
                _(
                    "Not everything could be saved: see the fields marked below. Files that "
                    "were accepted are kept."
                ),
            )
            return self.render_to_response(self.get_context_data(forms=(claim, details, materials)))
        if request.POST.get("action") in sending.SENDING_ACTIONS.values():
            problems = sending.sending_problems(application)
            if problems:
                messages.error(
                    request,
                    _("The application cannot be sent yet: see what is missing below."),
                )
                return self.render_to_response(
                    self.get_context_data(forms=(claim, self.details_form(), materials))
                )
            return redirect(f"{reverse('applications:edit', args=[reference])}?step=confirm")
        messages.success(request, _("Draft saved."))
        return redirect("applications:edit", reference=reference)

    def save_materials(self, materials: list[MaterialForm]) -> list[MaterialForm]:
        """Save the file chosen or uploaded for each material; the refused ones come back with
        their reason on the form, the others are kept."""
        application, user = self.application, self.request.user
        current = {m.label: m.file_id for m in _latest_materials(application)}
        refused = []
        for form in materials:
            if not form.is_bound:
                continue
            if not form.is_valid():
                refused.append(form)
                continue
            label = form.cleaned_data["label"]
            try:
                if label not in (application.item.materials or []):
                    raise services.ApplicationError(_("This material is not asked for."))
                file = form.cleaned_data.get("existing")
                if form.cleaned_data.get("upload"):
                    file = services.file_upload(
                        enterprise=application.enterprise,
                        user=user,
                        label=label,
                        upload=form.cleaned_data["upload"],
                    )
                if file and current.get(label) != file.pk:
                    services.material_attach(
                        application=application, user=user, label=label, enterprise_file=file
                    )
            except services.ApplicationError as error:
                form.add_error("upload", str(error))
                refused.append(form)
        return refused

    # The confirmation page ---------------------------------------------------------------------

    def confirmation(self, declaration: DeclarationForm | None = None):
        application = self.application
        problems = sending.sending_problems(application)
        if problems:
            messages.error(
                self.request,
                _("The application cannot be sent yet: see what is missing below."),
            )
            return redirect("applications:edit", reference=application.reference)
        seen = sending.application_fingerprint(application)
        context = {
            "application": application,
            "terms": sending.amount_terms(application),
            "claim_rows": _claim_rows(application),
            "materials": _latest_materials(application),
            "declaration": declaration or DeclarationForm(initial={"seen": seen}),
            "declaration_text": DECLARATION_TEXT,
            "seen": seen,
            "is_supplement": application.state == State.SUPPLEMENT,
            "is_offer": application.state == State.OFFERED,
            "bureaus": _handling_bureaus(application),
        }
        return TemplateResponse(self.request, "applications/confirm.html", context)

    def send(self):
        declaration = DeclarationForm(self.request.POST)
        if not declaration.is_valid():
            problems = declaration.errors.get("declare") or [
                _("The application has changed since you checked it; check it again.")
            ]
            messages.error(self.request, " ".join(problems))
            return self.confirmation(declaration)
        try:
            services.application_send(
                application_id=self.application.pk,
                user=self.request.user,
                declared=declaration.cleaned_data["declare"],
                seen=declaration.cleaned_data["seen"],
            )
        except services.ApplicationError as error:
            messages.error(self.request, str(error))
            return redirect(
                f"{reverse('applications:edit', args=[self.application.reference])}?step=confirm"
            )
        messages.success(self.request, _("Submitted. The lead bureau has been told."))
        return redirect("applications:detail", reference=self.application.reference)


def _claim_rows(application: Application) -> list[tuple[str, Any]]:
    return [
        (i.get("label") or i["key"], application.form_data.get(i["key"]))
        for i in application.item.inputs or []
        if isinstance(i, dict) and i.get("key")
    ]


def _handling_bureaus(application: Application) -> list:
    """The lead bureaus of a sent case; before it is sent, those it will go to."""
    return list(application.lead_bureaus.all()) or casework.routing_bureaus(item=application.item)


class CaseView(LoginRequiredMixin, TemplateView):
    """One case: the enterprise sees what it sent (materials, amounts, contact, 承诺书), who
    handles it with their phone, when the decision is expected and the timeline; bureau staff
    the whole file and their actions."""

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
            claim_rows=_claim_rows(application),
            sending_actions=list(sending.SENDING_ACTIONS.values()),
            materials=_latest_materials(application),
            bureaus=_handling_bureaus(application),
            decision_expected=sending.decision_expected(application),
            **kwargs,
        )


class ActView(LoginRequiredMixin, View):
    def post(self, request, reference, action):
        if action not in workflow.TRANSITIONS:
            raise Http404
        application = _case_or_404(request.user, reference)
        if action in sending.SENDING_ACTIONS.values() and request.user.role == Role.ENTERPRISE:
            # The enterprise sends a case from its confirmation page, with the 承诺书.
            messages.info(request, _("Check the application and agree to the declaration."))
            return redirect(f"{reverse('applications:edit', args=[reference])}?step=confirm")
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
        showing_all = self.request.GET.get("show") == selectors.QUEUE_ALL
        return super().get_context_data(
            form=self.form,
            query=query.urlencode(),
            today=clock.today(),
            title=_("All cases") if showing_all else _("Cases waiting for us"),
            batch_form=BatchActionForm(),
            batch_limit=BATCH_LIMIT,
            **kwargs,
        )


class QueueBatchView(BureauStaffRequiredMixin, View):
    """受理, 公示 or 登记兑现 over the cases ticked in the queue, with a result per case."""

    def post(self, request):
        form = BatchActionForm(request.POST, case_ids=request.POST.getlist("case"))
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect("applications:queue")
        data = form.cleaned_data
        outcomes = batch.cases_transition(
            user=request.user,
            action=data["action"],
            case_ids=data["case_ids"],
            paid_on=data.get("paid_on"),
            payment_reference=data.get("payment_reference") or "",
        )
        return TemplateResponse(
            request,
            "applications/queue_batch_result.html",
            {
                "step": batch.step_label(data["action"]),
                "outcomes": outcomes,
                "done": sum(1 for o in outcomes if o.done),
                "refused": sum(1 for o in outcomes if not o.done),
            },
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
