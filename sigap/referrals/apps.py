from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "sigap.referrals"
    label = "referrals"
    verbose_name = _("Referrals and transfers")

    def ready(self) -> None:
        from sigap.cases.extensions import (
            CaseLink,
            register_case_grant,
            register_case_link,
            register_case_visibility,
        )
        from sigap.children.sections import register_grant_lookup
        from sigap.core.navigation import NavEntry, register_nav
        from sigap.referrals import policies, timeline  # noqa: F401  (register on import)

        register_case_visibility(policies.emergency_case_visibility)
        register_case_grant(policies.emergency_case_grant)
        register_grant_lookup(policies.current_section_grants)
        register_case_link(
            CaseLink(_("Referrals"), "referrals:case-referrals", "case.view", "bi-send", order=20)
        )
        register_case_link(
            CaseLink(
                _("Who accessed this record"),
                "referrals:case-access-log",
                "access.case_log",
                "bi-eye",
                order=30,
            )
        )
        register_case_link(
            CaseLink(
                _("Sensitive sections"),
                "referrals:case-section-grants",
                "section.grants",
                "bi-shield-lock",
                order=35,
            )
        )
        register_nav(
            NavEntry(_("Referrals"), "referrals:referral-list", "referral.list", "bi-send", 40)
        )
        register_nav(
            NavEntry(
                _("Emergency access"),
                "referrals:emergency-review",
                "access.review",
                "bi-unlock",
                42,
            )
        )
