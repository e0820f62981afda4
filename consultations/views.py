"""政策咨询 pages: asking on an item, the asker's private link, the bureau's queue and its steps,
and the bureau head's contacts page."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView

from accounts.access import BureauHeadRequiredMixin, BureauStaffRequiredMixin
from accounts.models import Role
from consultations import selectors, services
from consultations.forms import (
    AnswerForm,
    ContactsForm,
    PublishForm,
    QuestionForm,
    QueueFilterForm,
    SpamForm,
)
from consultations.models import Question
from incentives.selectors import items_public
from portal import clock
from portal.errors import add_service_errors


class AskView(View):
    """我要咨询 on an item: enterprise users ask as their enterprise, visitors with a name and a
    phone or an e-mail. Other logged-in accounts (bureau staff, admins) do not ask."""

    template_name = "consultations/ask.html"

    def dispatch(self, request, *args, key, **kwargs):
        self.item = get_object_or_404(items_public(), key=key)
        user = request.user
        self.as_enterprise = user.is_authenticated and user.role == Role.ENTERPRISE
        self.may_ask = self.as_enterprise or not user.is_authenticated
        return super().dispatch(request, *args, **kwargs)

    def render(self, form):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "item": self.item,
                "form": form,
                "may_ask": self.may_ask,
                "bureau": services.question_bureau(item=self.item),
                "answer_days": settings.QUESTION_ANSWER_DAYS,
            },
        )

    def get(self, request):
        return self.render(QuestionForm(visitor=not self.as_enterprise))

    def post(self, request):
        form = QuestionForm(request.POST, visitor=not self.as_enterprise)
        if not self.may_ask:
            form.is_valid()
            form.add_error(
                None,
                _("Questions are asked by enterprises and visitors; log out to ask as a visitor."),
            )
            return self.render(form)
        if not form.is_valid():
            return self.render(form)
        try:
            question = services.question_ask(
                item=self.item,
                user=request.user if self.as_enterprise else None,
                client_ip=get_client_ip_address(request) or "",
                **form.cleaned_data,
            )
        except services.ConsultationError as error:
            form.add_error(None, str(error))
            return self.render(form)
        messages.success(
            request,
            _(
                "Your question is sent to %(bureau)s, which answers by %(date)s. Keep this "
                "page's address: the answer appears here."
            )
            % {"bureau": question.bureau, "date": question.due_on},
        )
        return redirect("consultations:question", token=question.token)


@method_decorator(never_cache, name="dispatch")
class QuestionView(View):
    """The asker's private link: the question, its state and the answer."""

    def get(self, request, token):
        question = selectors.question_by_token(token=token)
        if question is None:
            raise Http404
        return TemplateResponse(request, "consultations/question.html", {"question": question})


class QueueView(BureauStaffRequiredMixin, ListView):
    """The bureau's questions: open ones first by due date (overdue marked), then the others."""

    template_name = "consultations/queue.html"
    context_object_name = "questions"
    paginate_by = 25

    def get_queryset(self):
        self.form = QueueFilterForm(self.request.GET or None)
        filters = {"q": "", "state": ""}
        if self.request.GET:
            self.form.is_valid()
            filters.update(
                {k: v for k, v in self.form.cleaned_data.items() if k not in self.form.errors}
            )
        return selectors.bureau_questions(bureau=self.request.user.bureau, **filters)

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=self.form, today=clock.today(), query=query.urlencode(), **kwargs
        )


class BureauQuestionMixin(BureauStaffRequiredMixin):
    """A question of the user's bureau; another bureau's is 404."""

    def question(self, pk: int) -> Question:
        question = selectors.bureau_question(bureau=self.request.user.bureau, pk=pk)
        if question is None:
            raise Http404
        return question

    def render(self, question: Question, **forms):
        context = {
            "question": question,
            "today": clock.today(),
            "answer_form": AnswerForm(),
            "publish_form": PublishForm(
                initial={
                    "published_question": question.published_question or question.text,
                    "published_answer": question.published_answer or question.answer,
                }
            ),
            "spam_form": SpamForm(),
            **forms,
        }
        return TemplateResponse(self.request, "consultations/bureau_question.html", context)


class BureauQuestionView(BureauQuestionMixin, View):
    def get(self, request, pk):
        return self.render(self.question(pk))


class BureauStepView(BureauQuestionMixin, View):
    """The bureau's steps on a question: answer, publish, unpublish, close as spam."""

    FORMS = {"answer": AnswerForm, "publish": PublishForm, "close": SpamForm, "unpublish": None}
    FORM_KEYS = {"answer": "answer_form", "publish": "publish_form", "close": "spam_form"}
    DONE = {
        "answer": gettext_lazy("The answer is recorded and sent to the asker."),
        "publish": gettext_lazy("The question and answer are published on the item's page."),
        "unpublish": gettext_lazy("The question is no longer shown on the item's page."),
        "close": gettext_lazy("The question is closed as spam."),
    }

    def post(self, request, pk, step):
        if step not in self.FORMS:
            raise Http404
        question = self.question(pk)
        form_class = self.FORMS[step]
        form = form_class(request.POST) if form_class else None
        if form is not None and not form.is_valid():
            return self.render(question, **{self.FORM_KEYS[step]: form})
        data = form.cleaned_data if form is not None else {}
        try:
            if step == "answer":
                services.question_answer(
                    question_id=question.pk,
                    by=request.user,
                    answer=data["answer"],
                    by_phone=data["by_phone"],
                    site_url=request.build_absolute_uri("/"),
                )
            elif step == "publish":
                services.question_publish(
                    question_id=question.pk,
                    by=request.user,
                    question_text=data["published_question"],
                    answer_text=data["published_answer"],
                )
            elif step == "unpublish":
                services.question_unpublish(question_id=question.pk, by=request.user)
            else:
                services.question_close_as_spam(
                    question_id=question.pk, by=request.user, reason=data["reason"]
                )
        except Question.DoesNotExist as missing:
            raise Http404 from missing
        except services.ConsultationError as error:
            if form is None:
                messages.error(request, str(error))
                return redirect("consultations:bureau_question", pk=question.pk)
            form.add_error(None, str(error))
            return self.render(self.question(pk), **{self.FORM_KEYS[step]: form})
        messages.success(request, self.DONE[step])
        return redirect("consultations:bureau_question", pk=question.pk)


class ContactsView(BureauHeadRequiredMixin, View):
    """The head keeps the bureau's public phone, mailbox, address and office hours."""

    template_name = "consultations/contacts.html"

    def render(self, form):
        return TemplateResponse(
            self.request, self.template_name, {"form": form, "bureau": self.request.user.bureau}
        )

    def get(self, request):
        return self.render(ContactsForm(instance=request.user.bureau))

    def post(self, request):
        bureau = request.user.bureau
        form = ContactsForm(request.POST, instance=type(bureau).objects.get(pk=bureau.pk))
        if not form.is_valid():
            return self.render(form)
        try:
            services.bureau_contacts_save(bureau_id=bureau.pk, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render(form)
        except services.ConsultationError as error:
            form.add_error(None, str(error))
            return self.render(form)
        messages.success(request, _("The contacts are saved; the public pages show them now."))
        return redirect("consultations:contacts")
