"""Every item of the seed catalogue opens in the rule editor, and posting it back untouched
proposes nothing and breaks nothing: the forms read every rule, condition and limit the
catalogue holds and give them back the same (issue 14: admins never need JSON)."""

import pytest
from django.http import QueryDict

from incentives import editor, proposals
from incentives.models import IncentiveItem
from tests.incentives.test_rule_editor import as_post


def untouched(item) -> QueryDict:
    forms_ = editor.EditorForms(item)
    data = QueryDict(mutable=True)
    for form in (forms_.change, forms_.rule, forms_.conditions.management_form):
        for key, value in as_post(form).items():
            data.setlist(key, value if isinstance(value, list) else [value])
    for form in forms_.conditions.forms:
        for key, value in as_post(form).items():
            data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [value])
    return data


@pytest.mark.django_db
def test_every_item_round_trips_through_the_editor_unchanged():
    failures = []
    items = list(IncentiveItem.objects.select_related("measure__document"))
    assert len(items) > 300
    for item in items:
        forms_ = editor.EditorForms(item, untouched(item))
        if not forms_.is_valid():
            failures.append(f"{item.key}: {forms_.errors()}")
            continue
        seen = proposals.preview(item, forms_.edit())
        if seen.changes or seen.changed_rows or seen.problems:
            failures.append(
                f"{item.key}: {seen.changes} {[r.case.name for r in seen.changed_rows]} "
                f"{seen.problems}"
            )
    assert failures == [], f"{len(failures)} items: " + "\n".join(failures[:15])
