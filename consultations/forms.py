"""Forms of 政策咨询: they check the shape of what is typed; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, Question
from consultations.services import validate_office_phone
from organisations.models import Bureau
from portal.validators import validate_mobile, validate_plain_text


class QuestionForm(forms.Form):
    """A question; a visitor also says who they are and how to reach them."""

    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_plain_text],
        help_text=_("At most 2,000 characters. Do not write confidential business information."),
    )
    name = forms.CharField(label=_("Your name"), max_length=40, validators=[validate_plain_text])
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=11, required=False, validators=[validate_mobile]
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)

    def __init__(self, *args, visitor: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.visitor = visitor
        if not visitor:
            for name in ("name", "phone", "email"):
                del self.fields[name]
        else:
            self.fields["email"].help_text = _(
                "Give a mobile phone or an e-mail (at least one). With an e-mail, the answer is "
                "mailed to you."
            )

    def clean(self):
        cleaned = super().clean()
        if self.visitor and not self.errors and not (cleaned.get("phone") or cleaned.get("email")):
            raise forms.ValidationError(
                _(
                    "Give a mobile phone or an e-mail address (at least one), so the answer can "
                    "reach you."
                )
            )
        return cleaned


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[validate_plain_text],
    )
    by_phone = forms.BooleanField(label=_("I also answered by phone"), required=False)


class PublishForm(forms.Form):
    published_question = forms.CharField(
        label=_("Question as published"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_plain_text],
        help_text=_("Remove anything that identifies the asker: name, phone, e-mail, enterprise."),
    )
    published_answer = forms.CharField(
        label=_("Answer as published"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_plain_text],
    )


class SpamForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is closed as spam"), max_length=200, validators=[validate_plain_text]
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *Question.State.choices]
    )


class ContactsForm(forms.ModelForm):
    """The bureau's public contacts, as its head keeps them."""

    class Meta:
        model = Bureau
        fields = ["phone", "email", "address", "office_hours"]
        help_texts = {
            "phone": _("A landline like 0315-2801234, or a mobile."),
            "address": _("Where enterprises may visit."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(validate_office_phone)
        self.fields["phone"].max_length = 40
