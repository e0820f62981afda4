"""Reading official lists: what a bureau user may see, and a list's rows by outcome."""

from django.db.models import QuerySet

from accounts.models import User
from official_lists.models import ListOffer, ListRow, OfficialList


def lists_visible_to(*, user: User) -> QuerySet[OfficialList]:
    """The lists of the user's city (any bureau of it); none for anyone else."""
    city_id = user.bureau.city_id if user.bureau_id else None
    return OfficialList.objects.filter(city_id=city_id).select_related(
        "bureau", "uploaded_by", "confirmed_by", "withdrawn_by"
    )


def list_rows(*, official_list: OfficialList, outcome: str | None) -> QuerySet[ListRow]:
    rows = official_list.rows.select_related("enterprise", "qualification")
    if outcome:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("number")


def list_offers(*, official_list: OfficialList) -> QuerySet[ListOffer]:
    return official_list.offers.select_related("application__enterprise", "application__item")
