"""Parallel approvals on PostgreSQL: row locks make the budget debit exact. Many approvals racing
for one budget: exactly the affordable ones pass; two reviewers approving one case: one wins."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import BureauPosition, Role
from applications import services
from applications.models import Application, ItemBudget, State
from incentives.models import Grant, IncentiveItem
from tests import factories
from tests.applications.conftest import attach_all

pytestmark = pytest.mark.postgres


def _accepted_case(make_user, reviewer, item):
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    today = datetime.date.today()
    factories.qualification(
        user.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=10),
        expires_on=today + datetime.timedelta(days=900),
    )
    application = services.application_start(user=user, item=item)
    attach_all(application, user)
    services.transition(application_id=application.pk, user=user, action="submit")
    return services.transition(application_id=application.pk, user=reviewer, action="accept")


def _race(calls):
    """Run the calls at the same moment in threads, each on its own connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            results[index] = "ok"
        except services.ApplicationError as error:
            results[index] = f"refused: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_many_approvals_draining_one_budget_never_overspend(transactional_db, make_user):
    call_command("load_catalogue", verbosity=0)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.yearly_budget = Decimal(500000)  # room for two awards of 20万
    item.save(update_fields=["yearly_budget"])
    reviewer = make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER)
    head = make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD)
    cases = [_accepted_case(make_user, reviewer, item) for _ in range(6)]

    results = _race(
        [
            (
                lambda pk=case.pk: services.transition(
                    application_id=pk, user=head, action="approve", amount=Decimal(200000)
                )
            )
            for case in cases
        ]
    )
    assert results.count("ok") == 2, results
    assert all("预算" in r or "budget" in r for r in results if r != "ok")
    budget = ItemBudget.objects.get(item=item)
    assert budget.used == Decimal(400000) and budget.remaining == Decimal(100000)
    assert Grant.objects.filter(item=item, reversed_at__isnull=True).count() == 2
    assert (
        Application.objects.filter(pk__in=[c.pk for c in cases], state=State.APPROVED).count() == 2
    )


def test_two_heads_approving_one_case_at_once_approve_it_once(transactional_db, make_user):
    call_command("load_catalogue", verbosity=0)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.yearly_budget = Decimal(10_000_000)
    item.save(update_fields=["yearly_budget"])
    reviewer = make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER)
    heads = [make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD) for _ in range(4)]
    case = _accepted_case(make_user, reviewer, item)

    results = _race(
        [
            (
                lambda h=h: services.transition(
                    application_id=case.pk, user=h, action="approve", amount=Decimal(200000)
                )
            )
            for h in heads
        ]
    )
    assert results.count("ok") == 1, results
    assert ItemBudget.objects.get(item=item).used == Decimal(200000)
    assert Grant.objects.filter(reference=case.reference).count() == 1
    assert case.events.filter(action="approve").count() == 1
    _figures("parallel_approvals_of_one_case", tried=4, approved=1, anomalies=0)


def test_parallel_submissions_of_one_application_submit_it_once(transactional_db, make_user):
    call_command("load_catalogue", verbosity=0)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    today = datetime.date.today()
    factories.qualification(
        user.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=10),
        expires_on=today + datetime.timedelta(days=900),
    )
    application = services.application_start(user=user, item=item)
    attach_all(application, user)
    results = _race(
        [
            (lambda: services.transition(application_id=application.pk, user=user, action="submit"))
            for _ in range(4)
        ]
    )
    assert results.count("ok") == 1, results
    assert application.events.filter(action="submit").count() == 1
    _figures("parallel_submissions", tried=4, succeeded=1, anomalies=0)


def test_parallel_starts_make_one_application(transactional_db, make_user):
    call_command("load_catalogue", verbosity=0)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    started = []
    results = _race(
        [
            (lambda: started.append(services.application_start(user=user, item=item).pk))
            for _ in range(4)
        ]
    )
    assert results.count("ok") == 4
    assert len(set(started)) == 1
    assert Application.objects.filter(enterprise=user.enterprise, item=item).count() == 1
    _figures("parallel_starts", tried=4, applications=1, anomalies=0)


def test_profile_edits_while_a_full_recompute_runs_leave_no_duplicates(transactional_db, make_user):
    from enterprises.models import YearlyFigures
    from incentives import matching
    from incentives.models import Match

    call_command("load_catalogue", verbosity=0)
    users = [make_user(Role.ENTERPRISE, is_enterprise_admin=True) for _ in range(6)]
    today = datetime.date.today()

    def edit(user):
        def run():
            for year in (today.year - 1, today.year - 2):
                YearlyFigures.objects.update_or_create(
                    enterprise=user.enterprise,
                    year=year,
                    defaults={"rd_expense": Decimal(2_000_000)},
                )
                matching.enterprise_recompute(enterprise_id=user.enterprise_id)

        return run

    results = _race([matching.all_recompute, *[edit(u) for u in users]])
    assert results.count("ok") == len(results), results
    pairs = list(Match.objects.values_list("enterprise_id", "item_id"))
    assert len(pairs) == len(set(pairs))
    # Afterwards, every enterprise's stored matches equal a fresh computation.
    for user in users:
        before = sorted(
            Match.objects.filter(enterprise=user.enterprise).values_list("item_id", "status")
        )
        matching.enterprise_recompute(enterprise_id=user.enterprise_id)
        assert (
            sorted(
                Match.objects.filter(enterprise=user.enterprise).values_list("item_id", "status")
            )
            == before
        )
    _figures("profile_edits_during_recompute", tried=len(results), duplicates=0, anomalies=0)


def _figures(name, **figures):
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "var" / "reliability"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "concurrency.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
