from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "bonta.appointments"
    label = "appointments"
