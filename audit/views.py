"""The audit log download for catalogue admins and leadership viewers (/manage/audit/)."""

import io

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.access import RoleRequiredMixin
from accounts.models import Role
from audit import log
from portal import clock


class AuditExportForm(forms.Form):
    since = forms.DateField(
        label=_("First day"),
        required=False,
        help_text=_("First day to include, as YYYY-MM-DD. Empty: from the beginning."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Last day"),
        required=False,
        help_text=_("Last day to include, as YYYY-MM-DD. Empty: up to now."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    format = forms.ChoiceField(
        label=_("File format"),
        choices=[("xlsx", _("Excel (xlsx)")), ("csv", _("CSV (UTF-8)"))],
        initial="xlsx",
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise ValidationError(_("The last day comes before the first day."))
        return data


class AuditExportView(RoleRequiredMixin, TemplateView):
    """The form, and — once it is filled in (?format=xlsx|csv&since=YYYY-MM-DD) — the file."""

    allowed_roles = (Role.CATALOGUE_ADMIN, Role.LEADERSHIP)
    template_name = "audit/export.html"

    def get(self, request, *args, **kwargs):
        if not request.GET:
            return self.render_to_response(self.get_context_data(form=AuditExportForm()))
        form = AuditExportForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        since, until, format = (form.cleaned_data[key] for key in ("since", "until", "format"))
        buffer = io.BytesIO()
        log.audit_export(stream=buffer, format=format, since=since, until=until)
        name = f"audit-log-{since or 'start'}-to-{until or clock.today()}.{format}"
        response = HttpResponse(buffer.getvalue(), content_type=log.CONTENT_TYPES[format])
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
