from django.urls import path

from bonta.guide import views

app_name = "guide"

urlpatterns = [
    path("", views.guide_page, {"slug": "index"}, name="index"),
    path("cosmetic/", views.guide_page, {"slug": "cosmetic"}, name="cosmetic"),
    path(
        "chronic-migraine/",
        views.guide_page,
        {"slug": "chronic-migraine"},
        name="chronic_migraine",
    ),
    path("urgent/", views.guide_page, {"slug": "urgent"}, name="urgent"),
]
