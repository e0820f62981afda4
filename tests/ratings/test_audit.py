"""The audit log lists ratings and their rectifications, with who gave them."""

import pytest

from audit.log import audit_rows
from ratings import services

pytestmark = pytest.mark.django_db


def test_ratings_and_rectifications_are_in_the_audit_log(ended, qualified, head):
    poor = services.rating_give(application_id=ended.pk, user=qualified, level=2, reason="慢")
    services.rectification_reply(
        rectification_id=poor.rectification.pk, user=head, rectified="提速", reply="已改进"
    )
    rated = [r for r in audit_rows() if ended.reference in r.object and "慢" in r.change]
    assert rated and rated[0].who.startswith(str(qualified))
    replied = [r for r in audit_rows() if "已改进" in r.change]
    assert replied and replied[0].who.startswith(str(head))
