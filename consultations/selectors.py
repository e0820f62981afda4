"""政策咨询, reading: the bureau's queue, one question for its bureau or its asker, an item's
published 常见问题."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from consultations.models import Question
from organisations.models import Bureau


def bureau_questions(*, bureau: Bureau, q: str = "", state: str = "") -> QuerySet[Question]:
    """The bureau's questions: open ones first by due date, then the others, newest first."""
    questions = Question.objects.filter(bureau=bureau).select_related("item", "enterprise")
    if state:
        questions = questions.filter(state=state)
    q = q.replace("\x00", "").strip()
    if q:
        questions = questions.filter(
            Q(text__icontains=q)
            | Q(item__name__icontains=q)
            | Q(name__icontains=q)
            | Q(phone__icontains=q)
            | Q(email__icontains=q)
            | Q(enterprise__name__icontains=q)
        )
    return questions.annotate(
        open_first=Case(
            When(state=Question.State.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", Case(When(state=Question.State.OPEN, then="due_on")), "-created_at")


def bureau_open_count(*, bureau: Bureau) -> int:
    return Question.objects.filter(bureau=bureau, state=Question.State.OPEN).count()


def bureau_question(*, bureau: Bureau, pk: int) -> Question | None:
    """One question of the bureau's; another bureau's is as if it did not exist."""
    return (
        Question.objects.filter(bureau=bureau, pk=pk)
        .select_related("item", "bureau", "enterprise", "asked_by", "answered_by", "published_by")
        .first()
    )


def question_by_token(*, token: str) -> Question | None:
    if "\x00" in token:  # no token has one, and PostgreSQL refuses to compare with it
        return None
    return Question.objects.filter(token=token).select_related("item", "bureau").first()


def item_published_questions(*, item_key: str) -> QuerySet[Question]:
    """An item's 常见问题 as published: only the published texts are for the public."""
    return (
        Question.objects.filter(
            item__key=item_key, state=Question.State.ANSWERED, published_at__isnull=False
        )
        .only("pk", "published_question", "published_answer", "published_at")
        .order_by("-published_at")
    )
