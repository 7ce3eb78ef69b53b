from django.urls import path

from bonta.aereports import views

app_name = "aereports"

urlpatterns = [
    path("<uuid:event_id>/", views.report_page, name="report"),
    path("<uuid:event_id>/medwatch-3500.pdf", views.medwatch, name="medwatch"),
    path("<uuid:event_id>/yellow-card.pdf", views.yellow_card, name="yellow_card"),
    path("<uuid:event_id>/adverse-event.fhir.json", views.fhir, name="fhir"),
]
