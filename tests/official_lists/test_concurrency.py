"""Two clicks on 确认 at once on PostgreSQL: the row lock on the list lets one confirmation
through; the other is refused, and every qualification exists once."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import BureauPosition, Role
from enterprises.models import Qualification
from official_lists import services
from official_lists.models import ListState, OfficialList
from official_lists.reading import ListError
from tests import factories
from tests.official_lists.conftest import new_code, row, upload

pytestmark = pytest.mark.postgres


def test_two_confirmations_at_once_confirm_once(transactional_db):
    call_command("load_catalogue", verbosity=0)
    head = factories.user(Role.BUREAU, bureau_position=BureauPosition.HEAD)
    known = factories.enterprise(name="甲公司")
    listed = upload(head, [row(known.credit_code, "甲公司"), row(new_code(), "乙公司")])
    barrier = threading.Barrier(2)
    results = []

    def confirm():
        try:
            barrier.wait()
            services.list_confirm(list_id=listed.pk, by=head)
            results.append("ok")
        except ListError as error:
            results.append(f"refused: {error.message}")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results)[0] == "ok" and sorted(results)[1].startswith("refused"), results
    assert OfficialList.objects.get(pk=listed.pk).state == ListState.CONFIRMED
    assert Qualification.objects.filter(verified_source=listed.source).count() == 2
