from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bonta.web"
    label = "web"
