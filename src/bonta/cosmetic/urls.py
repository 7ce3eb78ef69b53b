from django.urls import path

from bonta.cosmetic import views

app_name = "cosmetic"

urlpatterns = [
    path("patients/<uuid:patient_id>/", views.patient_page, name="patient"),
    path("patients/<uuid:patient_id>/baseline/", views.baseline, name="baseline"),
    path(
        "patients/<uuid:patient_id>/review/",
        views.session_assessment,
        {"kind": "review_2w"},
        name="review",
    ),
    path(
        "patients/<uuid:patient_id>/follow-up/",
        views.session_assessment,
        {"kind": "follow_up"},
        name="follow_up",
    ),
    path("patients/<uuid:patient_id>/wear-off/", views.wear_off, name="wear_off"),
]
