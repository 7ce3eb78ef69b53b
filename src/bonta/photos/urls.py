from django.urls import path

from bonta.photos import views

app_name = "photos"

urlpatterns = [
    path("patients/<uuid:patient_id>/", views.photos_page, name="patient"),
    path("patients/<uuid:patient_id>/compare/", views.compare_page, name="compare"),
    path("<uuid:photo_id>/image/", views.photo_image, name="image"),
]
