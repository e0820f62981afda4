from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from dashboard import services as dashboard_services
from demo import accounts, applications, consultations, dashboard, enterprises
from incentives import matching


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo enterprises (a few hundred across 唐山, 廊坊 and 鹤壁, and the "
        "demo account's own) and one demo account per kind of user, and print their passwords. "
        "For the embedded setup only: refused when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load the demo accounts even though DEBUG is off (a staging machine).",
        )

    def handle(self, *args, allow_without_debug=False, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "Demo accounts have published passwords; refusing with DEBUG off. "
                "Use --allow-without-debug on a staging machine."
            )
        demo_users = accounts.demo_load()
        count = enterprises.demo_enterprises_load()
        self.stdout.write(f"Demo enterprises: {count} across {' / '.join(enterprises.CITY_SHARES)}")
        # Match every enterprise now, so "我的政策" has results before the nightly run.
        written = matching.all_recompute()
        self.stdout.write(f"Policy matches computed: {written}")
        recorder = next(a["user"] for a in demo_users if a["user"].role == Role.CATALOGUE_ADMIN)
        cases = applications.demo_cases_load(recorder=recorder)
        figures = dashboard.demo_figures_load(recorder=recorder)
        snapshots = dashboard_services.snapshots_refresh()
        reviewer = next(a["user"] for a in demo_users if a["username"] == "shenhe")
        faq = consultations.demo_questions_load(reviewer=reviewer)
        self.stdout.write(f"Demo frequently asked questions published: {faq}")
        self.stdout.write(
            f"Demo cases: {cases} created; dashboard figures: {figures}; "
            f"snapshots computed: {snapshots}"
        )
        self.stdout.write(self.style.SUCCESS("Demo accounts (username / password):"))
        for account in demo_users:
            user = account["user"]
            where = user.enterprise or user.bureau or ""
            position = user.get_bureau_position_display()
            self.stdout.write(
                f"  {user.get_role_display()}{'（' + position + '）' if position else ''}"
                f"  {account['username']} / {account['password']}  {where}"
            )
