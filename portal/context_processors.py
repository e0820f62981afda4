from applications.notifications import unread_count
from portal.navigation import PUBLIC_NAVIGATION, navigation_for


def navigation(request):
    return {"nav_entries": navigation_for(request.user), "public_nav_entries": PUBLIC_NAVIGATION}


def inbox(request):
    """The unread count in the header: one query, only for logged-in users."""
    return {"inbox_unread": unread_count(request.user)}
