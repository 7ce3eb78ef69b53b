from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "bonta.consent"
    label = "consent"
    verbose_name = "Consent"
