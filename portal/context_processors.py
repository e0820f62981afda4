from portal.navigation import navigation_for


def navigation(request):
    return {"nav_entries": navigation_for(request.user)}
