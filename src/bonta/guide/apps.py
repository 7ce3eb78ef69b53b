from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "bonta.guide"
    label = "guide"
    verbose_name = "Patient guide"

    def ready(self) -> None:
        from bonta.guide import checks  # noqa: F401  registers the system checks
