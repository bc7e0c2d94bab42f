from django.urls import path

from sigap.intake import views

app_name = "intake"

# Staff pages (mounted at /laporan/).
urlpatterns = [
    path("", views.queue, name="queue"),
    path("baru/", views.report_record, name="report_record"),
    path("<uuid:pk>/", views.report_detail, name="report_detail"),
    path("<uuid:pk>/pelapor/", views.report_reporter, name="report_reporter"),
    path("<uuid:pk>/foto/<uuid:photo>/", views.report_photo, name="report_photo"),
    path("<uuid:pk>/skrining/", views.report_screen, name="report_screen"),
    path("<uuid:pk>/tugaskan/", views.report_assign, name="report_assign"),
    path("<uuid:pk>/tutup/", views.report_close, name="report_close"),
    path("<uuid:pk>/rujuk/", views.report_refer, name="report_refer"),
    path("<uuid:pk>/gabung/", views.report_merge, name="report_merge"),
    path("<uuid:pk>/kasus/", views.report_open_case, name="report_open_case"),
    path("penjangkauan/", views.outreach_list, name="outreach_list"),
    path("penjangkauan/baru/", views.outreach_create, name="outreach_create"),
    path("penjangkauan/<uuid:pk>/", views.outreach_detail, name="outreach_detail"),
    path("notifikasi/", views.notification_list, name="notification_list"),
    path("notifikasi/baca/", views.notification_read, name="notification_read"),
]
