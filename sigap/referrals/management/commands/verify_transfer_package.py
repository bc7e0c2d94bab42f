"""Check the signature of a transfer package (JSON) exported by this installation."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sigap.referrals.services import package_verify


class Command(BaseCommand):
    help = "Verify the HMAC signature of a Sigap transfer package; exits 1 when it is not valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .json file of the package.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["path"], encoding="utf-8") as fh:
                package = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the package: {exc}") from exc
        valid, why = package_verify(package)
        if not valid:
            raise CommandError(f"NOT VALID: {why}")
        payload = package["payload"]
        self.stdout.write(
            f"VALID: transfer {payload.get('referral', {}).get('reference', '?')} of case "
            f"{payload.get('case', {}).get('number', '?')}, exported {payload.get('exported_at')}"
        )
