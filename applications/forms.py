"""Forms of applications. The claim form is built from the item's declared inputs (表单自动生成);
materials are chosen from the enterprise's files or uploaded, checked by their content."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import CosignRequest, EnterpriseFile, State
from applications.uploads import AttachmentField
from portal.validators import validate_plain_text


def _field_for(declaration: dict) -> forms.Field:
    label = declaration.get("label") or declaration["key"]
    kind = declaration.get("type")
    unit = declaration.get("unit") or ""
    if kind == "money":
        return forms.DecimalField(
            label=f"{label}（{unit or '元'}）",
            min_value=0,
            max_digits=16,
            decimal_places=2,
            required=False,
        )
    if kind in ("decimal", "percent"):
        return forms.DecimalField(
            label=f"{label}（{unit}）" if unit else label,
            max_digits=16,
            decimal_places=4,
            required=False,
        )
    if kind == "int":
        return forms.IntegerField(
            label=f"{label}（{unit}）" if unit else label,
            min_value=0,
            max_value=10**9,
            required=False,
        )
    if kind == "date":
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == "bool":
        return forms.NullBooleanField(label=label, required=False)
    if kind == "choice":
        choices = [("", "—"), *(declaration.get("choices") or {}).items()]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    return forms.CharField(label=label, max_length=200, required=False)


class ClaimForm(forms.Form):
    """One field per input the item declares; checked for completeness when submitting."""

    def __init__(self, *args, inputs: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for declaration in inputs:
            if isinstance(declaration, dict) and declaration.get("key"):
                self.fields[declaration["key"]] = _field_for(declaration)


class MaterialForm(forms.Form):
    """Answer one required material with a file already in the library, or a new upload."""

    label = forms.CharField(widget=forms.HiddenInput)
    existing = forms.ModelChoiceField(
        label=_("Use a file already uploaded"),
        queryset=EnterpriseFile.objects.none(),
        required=False,
    )
    upload = AttachmentField(
        label=_("or upload a file (PDF, JPG, PNG, DOCX, XLSX)"), required=False
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"].queryset = EnterpriseFile.objects.filter(enterprise=enterprise)


class ActionForm(forms.Form):
    """What a step may need: a comment, an amount, payment details, a bank account, units."""

    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    amount = forms.DecimalField(
        label=_("Approved amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    paid_on = forms.DateField(
        label=_("Paid on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        required=False,
        max_length=64,
        validators=[validate_plain_text],
    )
    bank_account = forms.CharField(
        label=_("Bank account"), required=False, max_length=64, validators=[validate_plain_text]
    )
    cosign_bureaus = forms.MultipleChoiceField(
        label=_("Units asked for co-review"), required=False, choices=[]
    )
    objection = forms.IntegerField(
        label=_("Objection"), required=False, min_value=1, max_value=2**31 - 1
    )


class CosignAnswerForm(forms.Form):
    opinion = forms.ChoiceField(label=_("Opinion"), choices=CosignRequest.Opinion.choices)
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    contact = forms.CharField(
        label=_("How to reach you"), max_length=100, validators=[validate_plain_text]
    )


class QueueFilterForm(forms.Form):
    """The bureau queue's filters; a bad value is ignored, never an error page."""

    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *State.choices]
    )
    item = forms.ModelChoiceField(
        label=_("Item"), required=False, queryset=None, empty_label=_("All")
    )
    district = forms.ModelChoiceField(
        label=_("District"), required=False, queryset=None, empty_label=_("All")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-submitted_at", _("Newest first")),
            ("deadline", _("Deadline first")),
            ("enterprise__name", _("Enterprise")),
        ],
    )
