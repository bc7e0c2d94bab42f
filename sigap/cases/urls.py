from django.urls import path

from sigap.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("baru/<uuid:child_id>/", views.case_open, name="case-open"),
    path("persetujuan/", views.approval_queue, name="approval-queue"),
    path("persetujuan/<int:approval_id>/", views.approval_decide, name="approval-decide"),
    path("<uuid:pk>/", views.case_detail, name="case-detail"),
    path("<uuid:pk>/ubah/", views.case_edit, name="case-edit"),
    path("<uuid:pk>/risiko/", views.case_risk, name="case-risk"),
    path("<uuid:pk>/tahap/", views.case_transition, name="case-transition"),
    path("<uuid:pk>/penutupan/", views.closure_request, name="closure-request"),
    path("<uuid:pk>/asesmen/baru/", views.assessment_edit, name="assessment-create"),
    path("<uuid:pk>/asesmen/<int:assessment_id>/", views.assessment_edit, name="assessment-edit"),
    path("<uuid:pk>/rencana/baru/", views.plan_edit, name="plan-create"),
    path("<uuid:pk>/rencana/<int:plan_id>/", views.plan_edit, name="plan-edit"),
    path(
        "<uuid:pk>/rencana/<int:plan_id>/tindakan/",
        views.plan_action_add,
        name="plan-action-add",
    ),
    path("<uuid:pk>/rencana/<int:plan_id>/ajukan/", views.plan_submit, name="plan-submit"),
    path(
        "<uuid:pk>/tindakan/<int:action_id>/status/",
        views.plan_action_status,
        name="plan-action-status",
    ),
    path("<uuid:pk>/catatan/", views.note_list, name="note-list"),
    path("<uuid:pk>/catatan/baru/", views.note_add, name="note-add"),
    path("<uuid:pk>/catatan/<int:note_id>/", views.note_edit, name="note-edit"),
    path("<uuid:pk>/tim/", views.team_add, name="team-add"),
    path("<uuid:pk>/tim/<int:member_id>/akhiri/", views.team_end, name="team-end"),
    path("<uuid:pk>/pihak/", views.person_link, name="person-link"),
    path("<uuid:pk>/pihak/<int:link_id>/lepas/", views.person_unlink, name="person-unlink"),
]
