"""Parallel ratings on PostgreSQL: colleagues rating one case at the same moment leave one first
rating; heads answering one poor rating at once answer it once."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import BureauPosition, Role
from ratings import services
from ratings.models import Rating, Rectification
from ratings.rules import RatingError
from tests.ratings.conftest import ended_row

pytestmark = pytest.mark.postgres


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            results[index] = "ok"
        except RatingError as error:
            results[index] = f"refused: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_colleagues_rating_at_once_leave_one_rating(transactional_db, make_user):
    call_command("load_catalogue", verbosity=0)
    admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    colleagues = [admin] + [
        make_user(Role.ENTERPRISE, enterprise=admin.enterprise) for _ in range(3)
    ]
    case = ended_row(admin)
    results = _race(
        [
            (lambda u=u: services.rating_give(application_id=case.pk, user=u, level=5))
            for u in colleagues
        ]
    )
    assert results.count("ok") == 1, results
    assert Rating.objects.filter(application=case).count() == 1


def test_heads_answering_at_once_answer_once(transactional_db, make_user):
    call_command("load_catalogue", verbosity=0)
    admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    heads = [make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD) for _ in range(3)]
    case = ended_row(admin)
    poor = services.rating_give(application_id=case.pk, user=admin, level=1, reason="差")
    results = _race(
        [
            (
                lambda h=h: services.rectification_reply(
                    rectification_id=poor.rectification.pk, user=h, rectified="改", reply="好"
                )
            )
            for h in heads
        ]
    )
    assert results.count("ok") == 1, results
    assert Rectification.objects.get(pk=poor.rectification.pk).replied_by in heads
