from django.urls import path

from sigap.accounts import views

app_name = "accounts"

urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("keluar/", views.logout_view, name="logout"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("sandi/lupa/", views.password_reset, name="password_reset"),
    path("sandi/lupa/terkirim/", views.password_reset_done, name="password_reset_done"),
    path(
        "sandi/atur/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("sandi/atur/selesai/", views.password_reset_complete, name="password_reset_complete"),
    path("sandi/ubah/", views.password_change, name="password_change"),
    path("profil/", views.profile, name="profile"),
    path("profil/token/", views.token_create, name="token_create"),
    path("profil/token/<int:pk>/cabut/", views.token_revoke, name="token_revoke"),
    path("profil/kode-pemulihan/", views.recovery_codes, name="recovery_codes"),
    path("lembaga/", views.agency_list, name="agency_list"),
    path("lembaga/baru/", views.agency_edit, name="agency_create"),
    path("lembaga/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("lembaga/<int:pk>/ubah/", views.agency_edit, name="agency_edit"),
    path("pengguna/", views.user_list, name="user_list"),
    path("pengguna/undang/", views.user_invite, name="user_invite"),
    path("pengguna/peran/<int:pk>/", views.membership_edit, name="membership_edit"),
    path(
        "pengguna/peran/<int:pk>/nonaktifkan/",
        views.membership_deactivate,
        name="membership_deactivate",
    ),
    path("audit/", views.audit_list, name="audit_list"),
]
