"""Selectors of the organisations: they read."""

from django.db.models import QuerySet

from organisations.models import Region


def districts_of(*, city: Region | None) -> QuerySet[Region]:
    districts = Region.objects.filter(level=Region.Level.DISTRICT)
    if city is not None:
        districts = districts.filter(parent=city)
    return districts.select_related("parent").order_by("parent__code", "code", "name")


def cities() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.CITY).order_by("code", "name")
