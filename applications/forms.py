"""Forms of applications. The claim form is built from the item's declared inputs (表单自动生成);
materials are chosen from the enterprise's files or uploaded, checked by their content."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications import sending
from applications.models import DECLARATION_TEXT, CosignRequest, EnterpriseFile, State
from portal.uploads import AttachmentField
from portal.validators import validate_plain_text

TEN_THOUSAND = Decimal(10000)


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


class CaseDetailsForm(forms.Form):
    """Who the bureau calls about the case, and the amount requested (in 万元 on screen, yuan
    once cleaned) where the rule leaves the amount open. The bounds are checked by the service
    against the claim as saved."""

    contact_name = forms.CharField(
        label=_("Contact person"), max_length=40, required=False, validators=[validate_plain_text]
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        help_text=_("A mobile (13812345678) or a landline with its area code (0315-2345678)."),
    )
    requested_amount = forms.DecimalField(
        label=_("Amount requested (万元)"),
        required=False,
        min_value=Decimal("0.000001"),
        max_digits=14,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    bank_account = forms.CharField(
        label=_("Bank account for payment"),
        max_length=64,
        required=False,
        validators=[validate_plain_text],
    )

    def __init__(self, *args, terms: sending.AmountTerms | None, is_offer: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = terms
        if terms is None or not terms.open:
            del self.fields["requested_amount"]
        else:
            self.fields["requested_amount"].help_text = _(
                "What the rule allows for your claim: %(terms)s."
            ) % {"terms": terms.words}
        if not is_offer:
            del self.fields["bank_account"]

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data["contact_phone"]
        if value.strip() and sending.phone_normalised(value) is None:
            raise forms.ValidationError(
                _(
                    "Give a mainland mobile number (11 digits, e.g. 13812345678) or a landline "
                    "with its area code (e.g. 0315-2345678)."
                ),
                code="phone",
            )
        return value

    def requested_yuan(self) -> Decimal | None:
        wan = self.cleaned_data.get("requested_amount")
        if wan is None:
            return None
        return (wan * TEN_THOUSAND).quantize(Decimal("0.01"))


class DeclarationForm(forms.Form):
    """The 承诺书 on the confirmation page, and what the page showed (its fingerprint)."""

    declare = forms.BooleanField(
        label=DECLARATION_TEXT,
        required=True,
        error_messages={
            "required": _("Tick the declaration (承诺书) to send the application: it is required.")
        },
    )
    seen = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


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

    show = forms.ChoiceField(
        label=_("Cases shown"),
        required=False,
        choices=[("waiting", _("Waiting for us")), ("all", _("All"))],
    )
    q = forms.CharField(
        label=_("Company, credit code or case number"),
        required=False,
        max_length=100,
        strip=True,
    )

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


BATCH_LIMIT = 200  # cases in one batch: a page of a list, well above the queue's 25 a page


class BatchActionForm(forms.Form):
    """One step over the cases ticked in the queue; 登记兑现 asks once for the payment date and
    reference, the same for every case of the batch."""

    action = forms.ChoiceField(
        label=_("Step"),
        choices=[
            ("accept", _("Accept (受理)")),
            ("publicize", _("Publicize (公示)")),
            ("disburse", _("Record payment (登记兑现)")),
        ],
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

    def __init__(self, *args, case_ids: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case_ids = case_ids or []

    def clean(self):
        data = super().clean()
        ids = []
        for value in self.case_ids:
            text = str(value)
            if text.isascii() and text.isdecimal() and len(text) < 12 and int(text) not in ids:
                ids.append(int(text))
        if not ids:
            raise forms.ValidationError(_("Tick the cases to act on."), code="empty")
        if len(ids) > BATCH_LIMIT:
            raise forms.ValidationError(
                _("At most %(limit)s cases at a time; you ticked %(count)s.")
                % {"limit": BATCH_LIMIT, "count": len(ids)},
                code="too_many",
            )
        if data.get("action") == "disburse" and (
            not data.get("paid_on") or not (data.get("payment_reference") or "").strip()
        ):
            raise forms.ValidationError(
                _("Give the payment date and the payment reference."), code="payment"
            )
        data["case_ids"] = ids
        return data
