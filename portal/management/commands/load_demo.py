from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import services


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo enterprise and one demo account per kind of user, and print "
        "their passwords. For the embedded setup only: refused when DEBUG is off."
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
        accounts = services.demo_load()
        self.stdout.write(self.style.SUCCESS("Demo accounts (username / password):"))
        for account in accounts:
            user = account["user"]
            where = user.enterprise or user.bureau or ""
            position = user.get_bureau_position_display()
            self.stdout.write(
                f"  {user.get_role_display()}{'（' + position + '）' if position else ''}"
                f"  {account['username']} / {account['password']}  {where}"
            )
