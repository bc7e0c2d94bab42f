from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sigap.dedupe.services import find_duplicates


class Command(BaseCommand):
    help = (
        "Find possible duplicate children of the home regency with the matching engine and store "
        "the new pairs for review (rejected pairs are never proposed again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threshold", type=float, default=None, help="0-1, default 0.5")
        parser.add_argument("--regency", default="", help="regency code, default the home one")

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = options["threshold"]
        if threshold is not None and not 0 < threshold < 1:
            self.stderr.write("--threshold must be between 0 and 1")
            raise SystemExit(2)
        started = time.perf_counter()
        result = find_duplicates(threshold=threshold, regency_code=options["regency"])
        self.stdout.write(
            f"{result.children} children, {result.pairs_found} likely pairs, "
            f"{result.proposed} new proposals in {time.perf_counter() - started:.1f} s"
        )
