"""The navigation each role sees: one list per role, so a new page is added in one place."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import BureauPosition, Role


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    icon: str
    bureau_position: str | None = None


NAVIGATION: dict[str, list[NavEntry]] = {
    Role.ENTERPRISE: [
        NavEntry("portal:enterprise_home", _("My enterprise"), "building"),
        NavEntry("enterprises:profile", _("Enterprise profile"), "folder2-open"),
        NavEntry("incentives:my_policies", _("My policies"), "stars"),
        NavEntry("applications:mine", _("My applications"), "send"),
    ],
    Role.BUREAU: [
        NavEntry("portal:bureau_home", _("Bureau workspace"), "briefcase"),
        NavEntry("applications:queue", _("Case queue"), "inboxes"),
        NavEntry("dashboard:my_targets", _("Figures to enter"), "clipboard-data"),
        NavEntry("consultations:queue", _("Questions"), "chat-left-text"),
        NavEntry("portal:bureau_team", _("Staff of my bureau"), "people", BureauPosition.HEAD),
    ],
    Role.CATALOGUE_ADMIN: [
        NavEntry("portal:catalogue_admin_home", _("Catalogue management"), "journal-text"),
        NavEntry("incentives:recompute", _("Recompute matches"), "arrow-repeat"),
        NavEntry("dashboard:targets", _("Dashboard"), "graph-up"),
        NavEntry("audit:export", _("Audit log"), "clipboard-check"),
        NavEntry("admin:index", _("Admin site"), "gear"),
    ],
    Role.LEADERSHIP: [
        NavEntry("portal:leadership_home", _("Leadership overview"), "graph-up"),
        NavEntry("dashboard:report", _("Monthly report"), "printer"),
        NavEntry("audit:export", _("Audit log"), "clipboard-check"),
    ],
}


# Pages for everyone, logged in or not.
PUBLIC_NAVIGATION = [
    NavEntry("incentives:catalogue", _("Policy catalogue"), "search"),
    NavEntry("incentives:documents", _("Policy documents"), "files"),
    NavEntry("incentives:calculator", _("Policy calculator"), "calculator"),
    NavEntry("applications:publicity", _("Publicity"), "megaphone"),
]


def navigation_for(user) -> list[NavEntry]:
    if not user.is_authenticated:
        return []
    return [
        entry
        for entry in NAVIGATION.get(user.role, [])
        if entry.bureau_position is None or entry.bureau_position == user.bureau_position
    ]
