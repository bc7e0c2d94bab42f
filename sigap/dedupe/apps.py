from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupeConfig(AppConfig):
    name = "sigap.dedupe"
    label = "dedupe"
    verbose_name = _("Duplicate children")

    def ready(self) -> None:
        from sigap.core.navigation import NavEntry, register_nav

        # Register on import: policies, the child page panel, list and visibility rules, timeline.
        from sigap.dedupe import access, panels, policies, timeline  # noqa: F401

        register_nav(
            NavEntry(
                _("Possible duplicates"), "dedupe:review_list", "dedupe.review", "bi-people", 25
            )
        )
