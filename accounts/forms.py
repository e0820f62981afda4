"""Forms of accounts."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from portal import mail
from portal.validators import validate_plain_text


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
        mail.email_send(subject=subject, body=body, to=[to_email], html_body=html_body)


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


def username_field() -> forms.CharField:
    model_field = User._meta.get_field("username")
    return auth_forms.UsernameField(
        label=model_field.verbose_name,
        max_length=model_field.max_length,
        help_text=model_field.help_text,
        validators=model_field.validators,
    )


def full_name_field() -> forms.CharField:
    return forms.CharField(label=_("Full name"), max_length=100, validators=[validate_plain_text])


class InvitationAcceptForm(AccountFieldsMixin, forms.Form):
    username = username_field()
    full_name = full_name_field()
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
