from django.apps import AppConfig


class AeReportsConfig(AppConfig):
    name = "bonta.aereports"
    label = "aereports"
    verbose_name = "Adverse-event reports"
