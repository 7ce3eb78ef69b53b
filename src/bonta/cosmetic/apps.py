from django.apps import AppConfig


class CosmeticConfig(AppConfig):
    name = "bonta.cosmetic"
    label = "cosmetic"
    default_auto_field = "django.db.models.BigAutoField"
