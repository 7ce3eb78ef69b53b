from django.urls import path

from bonta.passport import views

app_name = "passport"

urlpatterns = [
    path(".well-known/bonta-passport-key.json", views.well_known_key, name="well_known"),
    path("passport/patients/<uuid:patient_id>/passport.pdf", views.patient_pdf, name="pdf"),
    path("passport/patients/<uuid:patient_id>/import/", views.import_passport, name="import"),
    path("passport/keys/", views.trusted_keys, name="keys"),
    path("passport/keys/<uuid:key_id>/remove/", views.remove_key, name="remove_key"),
]
