from django.urls import path

from sigap.dedupe import views

app_name = "dedupe"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("saran/", views.suggest, name="suggest"),
    path("<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("<int:pk>/putuskan/", views.candidate_decide, name="candidate_decide"),
    path("<int:pk>/gabung/", views.merge, name="merge"),
    path("gabungan/<int:pk>/batalkan/", views.merge_undo, name="merge_undo"),
]
