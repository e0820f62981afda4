from django.conf import settings

from applications.notifications import unread_count
from portal.navigation import PUBLIC_NAVIGATION, navigation_for


def navigation(request):
    return {"nav_entries": navigation_for(request.user), "public_nav_entries": PUBLIC_NAVIGATION}


def inbox(request):
    """The unread count in the header: one query, only for logged-in users."""
    return {"inbox_unread": unread_count(request.user)}


def site(request):
    """Who runs the portal and how to reach them, for the footer (set per city: PORTAL_HOST,
    PORTAL_HELPLINE, PORTAL_HELP_HOURS)."""
    return {
        "portal_host": settings.PORTAL_HOST,
        "portal_helpline": settings.PORTAL_HELPLINE,
        "portal_help_hours": settings.PORTAL_HELP_HOURS,
    }
