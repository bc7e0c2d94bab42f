from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.accounts.models import User
from sigap.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME; the token is printed alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--days", type=int, default=90, help="Validity in days (1–365).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {options['username']!r}.")
        try:
            token, secret = api_token_create(actor=user, name=options["name"], days=options["days"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"Token {token.name!r} for {user.username}, valid until {token.expires_at:%Y-%m-%d}. "
            "It is shown only now:"
        )
        self.stdout.write(secret)
