from portal.navigation import PUBLIC_NAVIGATION, navigation_for


def navigation(request):
    return {"nav_entries": navigation_for(request.user), "public_nav_entries": PUBLIC_NAVIGATION}
