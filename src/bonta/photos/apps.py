from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "bonta.photos"
    label = "photos"
    verbose_name = "Clinical photos"

    def ready(self) -> None:
        from bonta.photos import checks  # noqa: F401  registers the system checks
