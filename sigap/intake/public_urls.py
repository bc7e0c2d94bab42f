from django.urls import path

from sigap.intake import views

app_name = "public"

# The public report form and tracking page (mounted at /lapor/), no login.
urlpatterns = [
    path("", views.public_report, name="report"),
    path("status/", views.tracking_lookup, name="tracking"),
    path("status/<str:code>/", views.tracking_status, name="status"),
]
