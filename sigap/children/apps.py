from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildrenConfig(AppConfig):
    name = "sigap.children"
    label = "children"
    verbose_name = _("Children")

    def ready(self) -> None:
        from sigap.children import policies  # noqa: F401  (registers the policies)
        from sigap.core.navigation import NavEntry, register_nav

        register_nav(
            NavEntry(_("Children"), "children:child_list", "children.list", "bi-person-vcard", 20)
        )
        register_nav(
            NavEntry(
                _("Persons"), "children:person_list", "persons.view", "bi-person-exclamation", 40
            )
        )
        register_nav(
            NavEntry(_("Incidents"), "children:incident_list", "incidents.manage", "bi-geo-alt", 45)
        )
