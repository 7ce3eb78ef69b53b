from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bonta.audit"
    label = "audit"
