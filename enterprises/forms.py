"""Forms of the 一企一档."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.forms import AccountFieldsMixin, full_name_field, username_field
from enterprises import schema, services
from enterprises.models import Enterprise, Qualification, YearlyFigures
from organisations import selectors as organisation_selectors
from organisations.models import Region
from portal import clock
from portal.uploads import AttachmentField
from portal.validators import (
    normalise_code,
    validate_credit_code,
    validate_mobile,
    validate_plain_text,
)


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DistrictChoiceField(forms.ModelChoiceField):
    """Districts grouped by city, so the list reads well without any script."""

    def __init__(self, **kwargs):
        super().__init__(queryset=organisation_selectors.districts_of(city=None), **kwargs)

    def grouped_choices(self) -> list:
        groups: dict[str, list] = {}
        for district in self.queryset:
            groups.setdefault(district.parent.name, []).append((district.pk, district.name))
        return [("", self.empty_label), *groups.items()]


class PlainCodeField(forms.CharField):
    """A code or number as people type or paste it — spaces, hyphens, full-width characters,
    lower case — made plain before it is checked (credit codes, mobile numbers)."""

    def to_python(self, value):
        return normalise_code(super().to_python(value))


class MobileField(PlainCodeField):
    def to_python(self, value):
        number = super().to_python(value)
        return number.removeprefix("+86") if number.startswith("+86") else number


class RegistrationForm(AccountFieldsMixin, forms.Form):
    """An enterprise and its first account, who administers it."""

    credit_code = PlainCodeField(
        label=_("Unified social credit code"),
        max_length=40,
        validators=[validate_credit_code],
        help_text=_("18 characters, as printed on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("Enterprise name"), max_length=200, validators=[validate_plain_text]
    )
    city = forms.ModelChoiceField(label=_("City"), queryset=Region.objects.none())
    district = DistrictChoiceField(label=_("District"))
    username = username_field()
    full_name = full_name_field()
    email = forms.EmailField(label=_("E-mail"))
    mobile = MobileField(
        label=_("Mobile"),
        max_length=20,
        validators=[validate_mobile],
        help_text=_("The bureau calls this number about the enterprise's cases."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = organisation_selectors.cities()
        self.fields["district"].choices = self.fields["district"].grouped_choices()
        # The district list shows the chosen city's districts only (static/js/dependent-select.js).
        self.fields["district"].widget.attrs["data-depends-on"] = "id_city"

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"]
        if Enterprise.objects.filter(credit_code=code).exists():
            raise ValidationError(services.CREDIT_CODE_TAKEN, code="taken")
        return code

    def clean(self):
        cleaned = super().clean()
        city, district = cleaned.get("city"), cleaned.get("district")
        if city and district and district.parent_id != city.pk:
            self.add_error(
                "district",
                services.DISTRICT_NOT_IN_CITY % {"district": district.name, "city": city.name},
            )
        self.clean_account(email=cleaned.get("email", ""))
        return cleaned


class ProfileForm(forms.ModelForm):
    """The basic data of the profile (一企一档)."""

    class Meta:
        model = Enterprise
        fields = schema.names(schema.BASIC)
        widgets = {
            name: _date_widget()
            for name in fields
            if isinstance(Enterprise._meta.get_field(name), models.DateField)
        }


class QualificationForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = [
            "kind",
            "level",
            "recognition",
            "certificate_number",
            "recognized_on",
            "expires_on",
            "moved_in_from_other_province",
        ]
        widgets = {"recognized_on": _date_widget(), "expires_on": _date_widget()}

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise

    def clean(self):
        cleaned = super().clean()
        recognized_on, expires_on = cleaned.get("recognized_on"), cleaned.get("expires_on")
        if recognized_on and expires_on and expires_on < recognized_on:
            self.add_error("expires_on", _("The validity cannot end before the recognition."))
        if (
            recognized_on
            and "kind" in cleaned
            and self.enterprise.qualifications.filter(
                kind=cleaned["kind"], level=cleaned.get("level", ""), recognized_on=recognized_on
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise ValidationError(services.QUALIFICATION_DUPLICATE)
        return cleaned


MONEY_FIELDS = schema.money_names(schema.YEARLY)


class YearlyFiguresForm(forms.ModelForm):
    """One year's figures. Amounts in yuan (元), as in the financial statements."""

    class Meta:
        model = YearlyFigures
        fields = ["year", *schema.names(schema.YEARLY)]

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        this_year = clock.today().year
        year = self.fields["year"]
        year.validators += [MinValueValidator(1949), MaxValueValidator(this_year)]
        year.widget.attrs.update(min=1949, max=this_year)
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("year", this_year - 1)
        for name in MONEY_FIELDS:
            field = self.fields[name]
            field.label = _("%(label)s (yuan)") % {"label": field.label}
            field.validators.append(MinValueValidator(0))
            field.widget.attrs.update(min=0, step="0.01")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if self.enterprise.yearly_figures.filter(year=year).exclude(pk=self.instance.pk).exists():
            raise services.figures_year_taken_error(year).error_dict["year"][0]
        return year


# What proves a person acts for a company: scans or photos, not office documents.
PROOF_KINDS = {"pdf", "jpg", "png"}


class ProofField(AttachmentField):
    """The 营业执照 or the 授权委托书: a PDF or an image, recognised by its content."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
        return attrs

    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        if cleaned and cleaned.inspected.kind not in PROOF_KINDS:
            raise ValidationError(
                _("Upload a PDF, JPG or PNG scan or photo; this file is %(kind)s.")
                % {"kind": cleaned.inspected.kind.upper()},
                code="kind",
            )
        return cleaned


def licence_field() -> ProofField:
    return ProofField(
        label=_("Business licence (营业执照)"),
        help_text=_("A scan or photo of the whole licence, PDF, JPG or PNG."),
    )


def authorisation_field() -> ProofField:
    return ProofField(
        label=_("Letter of authorisation (授权委托书)"),
        help_text=_(
            "Signed by the legal representative and stamped with the company seal, naming you "
            "as the person who acts for the enterprise on the portal."
        ),
    )


def statement_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        max_length=2000,
        required=False,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


class VerificationRequestForm(forms.Form):
    """The administrator of an enterprise awaiting verification sends its proofs."""

    licence = licence_field()
    authorisation = authorisation_field()
    statement = statement_field(label=_("Note to the bureau (optional)"))


class ClaimForm(forms.Form):
    """Someone claims an enterprise that is on the portal (with or without an account)."""

    credit_code = PlainCodeField(
        label=_("Unified social credit code"),
        max_length=40,
        validators=[validate_credit_code],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    company_name = forms.CharField(
        label=_("Enterprise name"),
        max_length=200,
        validators=[validate_plain_text],
        help_text=_("As printed on the business licence."),
    )
    claimant_name = forms.CharField(
        label=_("Your full name"), max_length=100, validators=[validate_plain_text]
    )
    claimant_mobile = MobileField(
        label=_("Mobile"),
        max_length=20,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    claimant_email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The bureau's decision and, if approved, the link to create the account."),
    )
    licence = licence_field()
    authorisation = authorisation_field()
    statement = statement_field(
        label=_("Why you claim it"),
        help_text=_(
            "For instance: the company never registered here; or someone else registered it "
            "without its authorisation."
        ),
    )


class ClaimDecisionForm(forms.Form):
    """The verifying bureau approves or refuses, with a reason when it refuses."""

    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse)"),
        max_length=1000,
        required=False,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deactivate_holders = forms.BooleanField(
        label=_("Also close the accounts that hold the enterprise now"),
        required=False,
        initial=True,
        help_text=_("Only for a dispute: they lose the administration either way."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why, so the person can put it right."))
        return cleaned
