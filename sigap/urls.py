from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from django_otp.admin import OTPAdminSite

from sigap.api.api import api
from sigap.core import views as core_views
from sigap.core.access import PUBLIC, rule

# Django's admin is for system operators only: staff accounts with a verified second factor.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Sigap"

urlpatterns = [
    path("", include("sigap.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("akun/", include("sigap.accounts.urls")),
    path("wilayah/", include("sigap.geo.urls")),
    path("anak/", include("sigap.children.urls")),
    path("kasus/", include("sigap.cases.urls")),
    path("laporan/", include("sigap.intake.urls")),
    path("pendampingan/", include("sigap.care.urls")),
    path("rujukan/", include("sigap.referrals.urls")),
    path("duplikat/", include("sigap.dedupe.urls")),
    path("lapor/", include("sigap.intake.public_urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", rule(PUBLIC)(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

handler404 = "sigap.core.views.not_found"
handler403 = "sigap.core.views.forbidden"
handler500 = "sigap.core.views.server_error"
