from django.urls import path

from sigap.care import views

app_name = "care"

urlpatterns = [
    path("tugas/", views.tasks, name="tasks"),
    path("tugas/<int:pk>/selesai/", views.task_complete, name="task_complete"),
    path("beban-kerja/", views.caseload, name="caseload"),
    path("rumah-aman/", views.shelter, name="shelter"),
    path("rumah-aman/kapasitas/<int:agency_id>/", views.capacity, name="capacity"),
    path("rumah-aman/<int:pk>/keluar/", views.discharge, name="discharge"),
    path("kasus/<uuid:case_id>/", views.case_care, name="case"),
    path("kasus/<uuid:case_id>/masuk-rumah-aman/", views.admit, name="admit"),
    path("kasus/<uuid:case_id>/catatan-psikolog/", views.notes, name="notes"),
    path("kasus/<uuid:case_id>/catatan-psikolog/baru/", views.note_add, name="note_add"),
    path("kasus/<uuid:case_id>/catatan-psikolog/<int:pk>/ubah/", views.note_edit, name="note_edit"),
    path(
        "kasus/<uuid:case_id>/catatan-psikolog/jadwal/",
        views.note_schedule,
        name="note_schedule",
    ),
    path("kasus/<uuid:case_id>/rekomendasi-sekolah/", views.recommend, name="recommend"),
    path(
        "rekomendasi-sekolah/<int:pk>/putuskan/",
        views.recommendation_decide,
        name="recommendation_decide",
    ),
    path("kasus/<uuid:case_id>/sekolah/", views.education_add, name="education_add"),
    path("sekolah/<int:pk>/pemantauan/", views.follow_up_add, name="follow_up_add"),
    path("kasus/<uuid:case_id>/keluarga/", views.family_add, name="family_add"),
    path("kasus/<uuid:case_id>/surat-pernyataan/", views.commitment_add, name="commitment_add"),
    path("surat-pernyataan/<int:pk>/status/", views.commitment_status, name="commitment_status"),
    path("kasus/<uuid:case_id>/eksploitasi-berulang/", views.repeat_add, name="repeat_add"),
    path("kasus/<uuid:case_id>/hukum/", views.legal_add, name="legal_add"),
    path("hukum/<int:pk>/", views.legal_update, name="legal_update"),
    path("kasus/<uuid:case_id>/alihkan/", views.reassign, name="reassign"),
]
