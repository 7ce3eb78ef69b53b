from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "bonta.diary"
    label = "diary"
    default_auto_field = "django.db.models.BigAutoField"
