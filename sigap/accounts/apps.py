from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sigap.accounts"
    label = "accounts"
    verbose_name = _("Accounts and agencies")

    def ready(self) -> None:
        from sigap.accounts import policies, signals  # noqa: F401  (registers policies, receivers)
        from sigap.core.navigation import NavEntry, register_nav

        register_nav(NavEntry(_("Home"), "core:home", "home.view", "bi-house", order=0))
        register_nav(
            NavEntry(_("Agencies"), "accounts:agency_list", "agency.list", "bi-building", 80)
        )
        register_nav(NavEntry(_("People"), "accounts:user_list", "users.manage", "bi-people", 85))
        register_nav(
            NavEntry(_("Audit trail"), "accounts:audit_list", "audit.view", "bi-journal-check", 90)
        )
