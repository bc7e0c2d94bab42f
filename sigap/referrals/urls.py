from django.urls import path

from sigap.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="referral-list"),
    path("kasus/<uuid:case_id>/", views.case_referrals, name="case-referrals"),
    path("kasus/<uuid:case_id>/baru/", views.referral_create, name="referral-create"),
    path("kasus/<uuid:case_id>/akses/", views.case_access_log, name="case-access-log"),
    path(
        "kasus/<uuid:case_id>/bagian-sensitif/",
        views.case_section_grants,
        name="case-section-grants",
    ),
    path("izin-bagian/<int:pk>/cabut/", views.section_grant_revoke, name="section-grant-revoke"),
    path("<uuid:pk>/", views.referral_detail, name="referral-detail"),
    path("<uuid:pk>/bagian/<slug:section>/", views.referral_section, name="referral-section"),
    path("<uuid:pk>/nik/", views.referral_identity_numbers, name="referral-identity-numbers"),
    path("<uuid:pk>/ubah/", views.referral_edit, name="referral-edit"),
    path("<uuid:pk>/kirim/", views.referral_send, name="referral-send"),
    path("<uuid:pk>/pengecualian/", views.exception_approve, name="exception-approve"),
    path("<uuid:pk>/tanggapi/", views.referral_respond, name="referral-respond"),
    path("<uuid:pk>/mulai/", views.referral_start, name="referral-start"),
    path("<uuid:pk>/layanan/", views.service_add, name="service-add"),
    path("<uuid:pk>/selesai/", views.referral_complete, name="referral-complete"),
    path("<uuid:pk>/batal/", views.referral_cancel, name="referral-cancel"),
    path("<uuid:pk>/cabut/", views.referral_revoke, name="referral-revoke"),
    path("<uuid:pk>/persetujuan/tarik/", views.consent_withdraw, name="consent-withdraw"),
    path("<uuid:pk>/catatan/", views.note_add, name="note-add"),
    path("<uuid:pk>/ringkasan/", views.transfer_summary, name="transfer-summary"),
    path("<uuid:pk>/paket.json", views.transfer_package, name="transfer-package"),
    path("<uuid:pk>/ringkasan.pdf", views.transfer_pdf, name="transfer-pdf"),
    path("akses-darurat/", views.break_glass, name="break-glass"),
    path("akses-darurat/tinjau/", views.emergency_review, name="emergency-review"),
    path(
        "akses-darurat/<int:access_id>/tinjau/",
        views.emergency_review_decide,
        name="emergency-decide",
    ),
    path("akses-tidak-wajar/", views.unusual_access, name="unusual-access"),
]
