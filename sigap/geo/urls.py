from django.urls import path

from sigap.geo import views

app_name = "geo"

urlpatterns = [
    path("pilih/", views.region_options, name="region_options"),
]
