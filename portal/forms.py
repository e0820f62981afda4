from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import selectors, services
from portal.models import Enterprise, Qualification, Region, User, YearlyFigures
from portal.validators import validate_credit_code, validate_plain_text


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, but the e-mail goes out through a Celery worker after commit, so a
    slow or unreachable mail server never holds up the page."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html_body = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else None
        )
        services.email_send(subject=subject, body=body, to=[to_email], html_body=html_body)


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DistrictChoiceField(forms.ModelChoiceField):
    """Districts grouped by city, so the list reads well without any script."""

    def __init__(self, **kwargs):
        super().__init__(queryset=selectors.districts_of(city=None), **kwargs)

    def grouped_choices(self) -> list:
        groups: dict[str, list] = {}
        for district in self.queryset:
            groups.setdefault(district.parent.name, []).append((district.pk, district.name))
        return [("", self.empty_label), *groups.items()]


class AccountFieldsMixin(auth_forms.SetPasswordMixin):
    """Username, full name and a password chosen twice (Django's password rules)."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(User._meta.get_field("username").error_messages["unique"])
        return username

    def clean_account(self, *, email: str) -> None:
        self.validate_passwords()
        candidate = User(
            username=self.cleaned_data.get("username", ""),
            full_name=self.cleaned_data.get("full_name", ""),
            email=email,
        )
        self.validate_password_for_user(candidate)


def _username_field() -> forms.CharField:
    model_field = User._meta.get_field("username")
    return auth_forms.UsernameField(
        label=model_field.verbose_name,
        max_length=model_field.max_length,
        help_text=model_field.help_text,
        validators=model_field.validators,
    )


def _full_name_field() -> forms.CharField:
    return forms.CharField(label=_("Full name"), max_length=100, validators=[validate_plain_text])


class RegistrationForm(AccountFieldsMixin, forms.Form):
    """An enterprise and its first account, who administers it."""

    credit_code = forms.CharField(
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
    username = _username_field()
    full_name = _full_name_field()
    email = forms.EmailField(label=_("E-mail"))
    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = selectors.cities()
        self.fields["district"].choices = self.fields["district"].grouped_choices()

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
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


class InvitationAcceptForm(AccountFieldsMixin, forms.Form):
    username = _username_field()
    full_name = _full_name_field()
    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields()

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        self.clean_account(email=self.email)
        return cleaned


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Colleague's e-mail"),
        help_text=_("They receive a link, valid for 7 days, to create their own account."),
    )


class ProfileForm(forms.ModelForm):
    """The basic data of the profile (一企一档)."""

    class Meta:
        model = Enterprise
        fields = ["industry", "ownership", "scale", "is_above_scale", "employees", "founded_on"]
        widgets = {"founded_on": _date_widget()}


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


MONEY_FIELDS = ["revenue", "rd_expense", "rd_super_deduction", "tax_paid", "tech_contract_turnover"]


class YearlyFiguresForm(forms.ModelForm):
    """One year's figures. Amounts in yuan (元), as in the financial statements."""

    class Meta:
        model = YearlyFigures
        fields = ["year", *MONEY_FIELDS, "invention_patents_granted"]

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        this_year = timezone.localdate().year
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
