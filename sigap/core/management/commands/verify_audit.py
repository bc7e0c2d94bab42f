from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sigap.core.audit import verify_chain
from sigap.core.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; exit non-zero naming the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        first = next(verify_chain(), None)
        if first is not None:
            raise CommandError(f"Audit chain broken at event {first.event_id}: {first.reason}")
        total = AuditEvent.objects.count()
        self.stdout.write(f"Audit chain intact: {total} events verified.")
