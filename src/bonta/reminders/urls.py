from django.urls import path

from bonta.reminders import views

app_name = "reminders"

urlpatterns = [
    path("", views.outbox_page, name="outbox"),
    path("<uuid:reminder_id>/resolve/", views.resolve, name="resolve"),
    path("patients/<uuid:patient_id>/preference/", views.preference, name="preference"),
    path("opt-out/<str:token>/", views.opt_out, name="opt_out"),
]
