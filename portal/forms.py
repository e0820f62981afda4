from django.contrib.auth import forms as auth_forms
from django.template import loader

from portal import services


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
