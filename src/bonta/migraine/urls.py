"""The chronic-migraine pathway's staff pages, under the patient's chart URLs."""

from django.urls import path

from bonta.migraine.views import diary, letters

app_name = "migraine"

urlpatterns = [
    path("patients/<uuid:patient_id>/diary/", diary.diary_page, name="diary"),
    path("patients/<uuid:patient_id>/diary/<str:kind>/", diary.diary_form, name="diary_form"),
    path(
        "patients/<uuid:patient_id>/letters/migraine-summary.pdf",
        letters.migraine_summary_pdf,
        name="letter",
    ),
]
