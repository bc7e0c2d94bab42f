from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from sigap.accounts.demo import DEMO_PASSWORD, USERS
from sigap.accounts.models import Membership


class Command(BaseCommand):
    help = "Print the demo logins (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            return
        usernames = [u.username for u in USERS]
        memberships = (
            Membership.objects.filter(user__username__in=usernames, is_active=True)
            .select_related("user", "agency")
            .order_by("user__username")
        )
        by_user = {m.user.username: m for m in memberships}
        for spec in USERS:
            m = by_user.get(spec.username)
            if m is not None:
                agency = m.agency.short_name or m.agency.name
                self.stdout.write(f"    {spec.username:<13} {m.get_role_display():<24} {agency}")
        self.stdout.write(f"    password for every demo login: {DEMO_PASSWORD}")
