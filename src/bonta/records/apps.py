from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "bonta.records"
    label = "records"
