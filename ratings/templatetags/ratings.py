"""{% case_rating application user %}: a case page's 好差评 card (the rating, the bureau's reply,
the 去评价 button); {% rating_marks applications as marks %} and {% rating_mark marks application
%}: the rating column of 我的申报, read for the whole list at once."""

from django import template

from accounts.models import Role
from portal import clock
from ratings import selectors

register = template.Library()


@register.inclusion_tag("ratings/_case_rating.html")
def case_rating(application, user):
    state = selectors.case_rating(user=user, application=application)
    return {
        "state": state,
        "enterprise": user.role == Role.ENTERPRISE,
        "head": selectors.is_lead_head(user, application),
    }


@register.simple_tag
def rating_marks(applications, user):
    return selectors.rating_marks(user=user, applications=applications)


@register.inclusion_tag("ratings/_rating_mark.html")
def rating_mark(marks, application):
    mark, latest = marks.get(application.pk, ("", None))
    return {"mark": mark, "latest": latest, "application": application}


@register.inclusion_tag("ratings/_bureau_satisfaction.html")
def bureau_satisfaction(bureau):
    """The bureau's 好差评 in public, as the national scheme publishes it: ratings, 满意率 and the
    share of poor ratings rectified on time (each case's latest rating counts)."""
    (row,) = selectors.satisfaction(today=clock.today(), bureau_id=bureau.pk)
    return {"row": row}
