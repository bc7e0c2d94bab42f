from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "sigap.care"
    label = "care"
    verbose_name = _("Care pathway")

    def ready(self) -> None:
        from sigap.care import panels, policies, timeline  # noqa: F401  (register on import)
        from sigap.care.deadlines import open_task_count
        from sigap.cases.extensions import CaseLink, register_case_link
        from sigap.core.navigation import NavEntry, register_nav

        register_nav(
            NavEntry(
                _("My tasks"), "care:tasks", "care.tasks", "bi-list-task", 25, badge=open_task_count
            )
        )
        register_case_link(
            CaseLink(_("Care pathway"), "care:case", "care.view", "bi-heart-pulse", order=10)
        )
        register_nav(
            NavEntry(_("Shelter"), "care:shelter", "care.shelter.list", "bi-house-heart", 32)
        )
        register_nav(NavEntry(_("Caseloads"), "care:caseload", "care.caseload", "bi-people", 36))
