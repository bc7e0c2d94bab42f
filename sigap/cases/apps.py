from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "sigap.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from sigap.cases import panels, policies, sections, timeline  # noqa: F401  (register)
        from sigap.cases.selectors import waiting_approvals
        from sigap.core.navigation import NavEntry, register_nav

        register_nav(NavEntry(_("Cases"), "cases:case-list", "case.list", "bi-folder2-open", 30))
        register_nav(
            NavEntry(
                _("Approvals"),
                "cases:approval-queue",
                "approval.queue",
                "bi-check2-square",
                35,
                badge=waiting_approvals,
            )
        )
