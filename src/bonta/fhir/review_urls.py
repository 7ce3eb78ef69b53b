"""/imports/: the review of imported administrations that matched no patient or several."""

from django.urls import path

from bonta.fhir import import_views

app_name = "fhir-review"
urlpatterns = [
    path("", import_views.pending_page, name="pending"),
    path("<str:pending_id>/decide", import_views.decide, name="decide"),
]
