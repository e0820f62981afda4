from django import forms
from django.utils.translation import gettext_lazy as _

from portal.validators import validate_plain_text
from ratings.models import POOR_LEVELS, Level
from ratings.services import TEXT_MAX_LENGTH


def validate_paragraphs(value: str) -> None:
    """Plain text that may run over several lines: line breaks and tabs are allowed, the other
    control and text-direction characters are not."""
    validate_plain_text(value.replace("\r", "").replace("\n", "").replace("\t", ""))


def _text(label, *, required=True, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_paragraphs],
        help_text=help_text,
    )


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you with how the case was handled?"),
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = _text(_("Comment"), required=False)
    reason = _text(
        _("Reason"),
        required=False,
        help_text=_(
            "Required for 不满意 and 非常不满意: say what went wrong. The bureau head reads it, "
            "rectifies and replies to you."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("level") in POOR_LEVELS and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say what went wrong: a poor rating needs a reason."))
        return data


class RectificationForm(forms.Form):
    rectified = _text(
        _("What was rectified"),
        help_text=_("What the bureau changed or did about the complaint (kept in the record)."),
    )
    reply = _text(_("Reply to the enterprise"), help_text=_("The enterprise reads this."))
