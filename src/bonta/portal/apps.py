from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "bonta.portal"
    label = "portal"
    verbose_name = "Patient portal"
