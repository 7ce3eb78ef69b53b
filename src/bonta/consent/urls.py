from django.urls import path

from bonta.consent import views

app_name = "consent"

urlpatterns = [
    path("patients/<uuid:patient_id>/", views.patient_consents, name="patient"),
    path("patients/<uuid:patient_id>/sign/<str:kind>/", views.sign_on_tablet, name="sign"),
    path("<uuid:consent_id>/pdf/", views.consent_pdf, name="pdf"),
    path("<uuid:consent_id>/withdraw/", views.withdraw, name="withdraw"),
    path("documents/", views.documents, name="documents"),
    path("documents/<uuid:document_id>/", views.document, name="document"),
    path("documents/publish/<str:kind>/", views.publish, name="publish"),
]
