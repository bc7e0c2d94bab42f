from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "sigap.intake"
    label = "intake"
    verbose_name = _("Reports and intake")

    def ready(self) -> None:
        from sigap.core.navigation import NavEntry, register_nav
        from sigap.intake import policies  # noqa: F401  (registers the intake.* policies)

        register_nav(NavEntry(_("Reports"), "intake:queue", "intake.queue", "bi-inbox", 20))
        register_nav(
            NavEntry(_("Outreach"), "intake:outreach_list", "intake.outreach", "bi-moon-stars", 25)
        )
