from django.urls import path

from sigap.children import views

app_name = "children"

urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("baru/", views.child_create, name="child_create"),
    path("<uuid:pk>/", views.child_detail, name="child_detail"),
    path("<uuid:pk>/ubah/", views.child_edit, name="child_edit"),
    path("<uuid:pk>/sensitif/", views.child_sensitive, name="child_sensitive"),
    path("<uuid:pk>/foto/", views.child_photo, name="child_photo"),
    path("<uuid:pk>/alias/", views.alias_add, name="alias_add"),
    path("<uuid:pk>/alias/<int:alias_id>/hapus/", views.alias_remove, name="alias_remove"),
    path("<uuid:pk>/keluarga/baru/", views.family_add, name="family_add"),
    path("<uuid:pk>/keluarga/<int:member_id>/", views.family_edit, name="family_edit"),
    path("<uuid:pk>/keluarga/<int:member_id>/hapus/", views.family_remove, name="family_remove"),
    path("orang/", views.person_list, name="person_list"),
    path("orang/baru/", views.person_edit, name="person_create"),
    path("orang/<int:pk>/", views.person_detail, name="person_detail"),
    path("orang/<int:pk>/ubah/", views.person_edit, name="person_edit"),
    path("kejadian/", views.incident_list, name="incident_list"),
    path("kejadian/baru/", views.incident_create, name="incident_create"),
    path("kejadian/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("kejadian/<int:pk>/anak/", views.incident_add_child, name="incident_add_child"),
]
