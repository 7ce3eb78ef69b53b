from django.apps import AppConfig


class PassportConfig(AppConfig):
    name = "bonta.passport"
    label = "passport"
    verbose_name = "Toxin passport"
