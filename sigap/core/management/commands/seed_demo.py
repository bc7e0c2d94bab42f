from __future__ import annotations

import importlib
from random import Random
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Load deterministic demo data (synthetic people only). Each Sigap app may provide a "
        "`demo` module with seed(*, rng, scale, home_regency, out, **earlier) run in app order."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=0, help="How many demo children/cases.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run when SIGAP_ENV=production.")
        if options["scale"] < 0:
            raise CommandError("--scale must be 0 or more.")
        from sigap.geo.models import Region

        home = Region.objects.filter(code=settings.SIGAP_HOME_REGENCY).first()
        if home is None:
            raise CommandError(
                f"Region {settings.SIGAP_HOME_REGENCY} is not loaded: run `manage.py load_regions`."
            )
        context: dict[str, Any] = {}
        for config in apps.get_app_configs():
            if not config.name.startswith("sigap."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{config.name}.demo":
                    continue
                raise
            result = module.seed(
                rng=Random(f"{options['seed']}:{config.label}"),
                scale=options["scale"],
                home_regency=home,
                out=self.stdout,
                **context,
            )
            context.update(result or {})
