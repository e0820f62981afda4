"""Who rates which case when: the states, the enterprise's people only, a reason for a poor
rating, a second rating once and only after the bureau's reply; the database's own guards."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from accounts.models import BureauPosition, Role
from applications.models import Holiday
from ratings import rules, selectors, services
from ratings.models import Level, Rating, RatingSettings, Rectification
from ratings.rules import RatingError
from tests.ratings.conftest import act, disburse

pytestmark = pytest.mark.django_db


def test_a_submitted_case_cannot_be_rated_yet(submitted, qualified):
    with pytest.raises(RatingError, match=r"办结|ended"):
        services.rating_give(application_id=submitted.pk, user=qualified, level=5)
    assert not Rating.objects.exists()


def test_a_rejected_case_is_rated_by_any_active_user_of_its_enterprise(ended, qualified, make_user):
    colleague = make_user(Role.ENTERPRISE, enterprise=qualified.enterprise)
    rating = services.rating_give(
        application_id=ended.pk, user=colleague, level=Level.SATISFIED, comment="办理很快"
    )
    assert (rating.round, rating.level, rating.rated_by) == (1, 4, colleague)
    assert not Rectification.objects.exists()
    with pytest.raises(RatingError):
        services.rating_give(application_id=ended.pk, user=qualified, level=5)


def test_a_paid_case_may_be_rated(submitted, qualified, reviewer, head):
    paid = disburse(submitted, reviewer, head)
    assert paid.state == "disbursed"
    assert services.rating_give(application_id=paid.pk, user=qualified, level=5).round == 1


def test_others_may_not_rate(ended, reviewer, head, make_user):
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    inactive = make_user(Role.ENTERPRISE, enterprise=ended.enterprise)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    for user in (other, reviewer, head, inactive):
        with pytest.raises(RatingError):
            services.rating_give(application_id=ended.pk, user=user, level=5)
    assert not Rating.objects.exists()


def test_withdrawn_counts_only_after_acceptance(qualified, reviewer, hitech_item, submitted):
    withdrawn = act(submitted, qualified, "withdraw")
    assert not rules.case_rateable(withdrawn)
    with pytest.raises(RatingError):
        services.rating_give(application_id=withdrawn.pk, user=qualified, level=3)


def test_withdrawn_after_acceptance_may_be_rated(qualified, reviewer, submitted):
    accepted = act(submitted, reviewer, "accept")
    withdrawn = act(accepted, qualified, "withdraw")
    assert rules.case_rateable(withdrawn)
    assert services.rating_give(application_id=withdrawn.pk, user=qualified, level=3).level == 3


def test_a_poor_rating_needs_a_reason(ended, qualified):
    for level in (Level.DISSATISFIED, Level.VERY_DISSATISFIED):
        with pytest.raises(RatingError, match=r"理由|reason"):
            services.rating_give(application_id=ended.pk, user=qualified, level=level, reason="  ")
    with pytest.raises(RatingError):
        services.rating_give(application_id=ended.pk, user=qualified, level=7)
    assert not Rating.objects.exists()


def test_second_rating_only_after_the_reply_and_only_once(ended, qualified, head, reviewer):
    poor = services.rating_give(
        application_id=ended.pk, user=qualified, level=Level.DISSATISFIED, reason="没人接电话"
    )
    rectification = poor.rectification
    with pytest.raises(RatingError, match=r"答复|replied"):
        services.rating_give(application_id=ended.pk, user=qualified, level=5)
    with pytest.raises(RatingError):  # a reviewer may not answer
        services.rectification_reply(
            rectification_id=rectification.pk, user=reviewer, rectified="x", reply="y"
        )
    with pytest.raises(RatingError):
        services.rectification_reply(
            rectification_id=rectification.pk, user=head, rectified=" ", reply="y"
        )
    services.rectification_reply(
        rectification_id=rectification.pk, user=head, rectified="公布值班电话", reply="已整改"
    )
    with pytest.raises(RatingError):  # answered once
        services.rectification_reply(
            rectification_id=rectification.pk, user=head, rectified="x", reply="y"
        )
    second = services.rating_give(application_id=ended.pk, user=qualified, level=4)
    assert second.round == 2
    with pytest.raises(RatingError, match=r"两次|twice"):
        services.rating_give(application_id=ended.pk, user=qualified, level=5)
    assert list(Rating.objects.filter(application=ended).values_list("level", flat=True)) == [2, 4]
    assert selectors.latest_ratings().get(application=ended) == second


def test_a_head_of_another_bureau_may_not_answer(ended, qualified, make_user):
    poor = services.rating_give(application_id=ended.pk, user=qualified, level=1, reason="材料丢失")
    stranger = make_user(Role.BUREAU, bureau_name="市财政局", bureau_position=BureauPosition.HEAD)
    with pytest.raises(RatingError):
        services.rectification_reply(
            rectification_id=poor.rectification.pk, user=stranger, rectified="x", reply="y"
        )


def test_due_date_counts_working_days_over_a_weekend_and_a_holiday():
    # Friday 2026-11-06 + 3 working days: the weekend and Monday 9th (a holiday) skipped.
    Holiday.objects.update_or_create(
        date=datetime.date(2026, 11, 9), defaults={"name": "测试假日", "is_working_day": False}
    )
    RatingSettings.objects.create(rectification_days=3)
    assert services.due_date(rated_on=datetime.date(2026, 11, 6)) == datetime.date(2026, 11, 12)
    RatingSettings.objects.all().delete()
    assert services.rectification_days() == 15


def test_the_database_refuses_what_must_never_happen(ended, qualified):
    first = services.rating_give(application_id=ended.pk, user=qualified, level=5)
    for values in (
        {"round": 1, "level": 5},  # two first ratings
        {"round": 3, "level": 5},  # a third rating
        {"round": 2, "level": 2, "reason": ""},  # a poor rating without a reason
        {"round": 2, "level": 0},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Rating.objects.create(application=ended, rated_by=qualified, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingSettings.objects.create(rectification_days=10, singleton=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rectification.objects.create(
            rating=first, due_on=datetime.date.today(), replied_at="2026-01-01T00:00Z"
        )
