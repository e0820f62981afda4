"""Access-matrix rows of the ratings pages (see access_parts/__init__.py): the rating form (the
case's enterprise only; another enterprise finds no such case), the bureau's satisfaction and its
poor ratings (bureau staff), one rectification (the lead bureau's staff; another bureau finds
none), and the leadership dashboard's satisfaction page."""

from applications.models import Application, CaseEvent, State
from incentives.models import IncentiveItem
from ratings import services as rating_services
from tests.security.access import BUREAU_STAFF, BUREAU_X, VIEWERS, only

ROWS: dict = {
    "ratings:rate": (
        "get",
        lambda w: {"reference": w["rating_case"].reference},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
    "ratings:bureau": ("get", None, only(BUREAU_STAFF)),
    "ratings:rectifications": ("get", None, only(BUREAU_STAFF)),
    "ratings:rectify": (
        "get",
        lambda w: {"pk": w["rectification"].pk},
        only(BUREAU_X, hidden={"reviewer_y"}),
    ),
    "dashboard:satisfaction": ("get", None, only(VIEWERS)),
}
ADMIN_ALLOWED: set[str] = {"ratings.ratingsettings"}


def _ended_case(world: dict, period: str) -> Application:
    """A case of ent_a that bureau X did not support. Made as a row (with the events the
    workflow leaves) because ent_a's one open case for the item is the matrix's own, which must
    stay submitted; an ended case of an earlier period is what the workflow would leave."""
    ent_a = world["users"]["ent_a"]
    case = Application.objects.create(
        enterprise=ent_a.enterprise,
        item=IncentiveItem.objects.get(key="ts2019-hitech-new"),
        period=period,
        state=State.REJECTED,
        created_by=ent_a,
    )
    case.lead_bureaus.add(world["bureau_x"])
    for action, source, target in (
        ("submit", State.DRAFT, State.SUBMITTED),
        ("accept", State.SUBMITTED, State.ACCEPTED),
        ("reject", State.ACCEPTED, State.REJECTED),
    ):
        CaseEvent.objects.create(
            application=case, action=action, from_state=source, to_state=target, comment="—"
        )
    return case


def build(world: dict) -> dict:
    rated = _ended_case(world, "2023")
    poor = rating_services.rating_give(
        application_id=rated.pk, user=world["users"]["ent_a"], level=2, reason="答复不及时"
    )
    return {"rating_case": _ended_case(world, "2024"), "rectification": poor.rectification}
