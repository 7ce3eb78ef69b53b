from django.apps import AppConfig


class MigraineConfig(AppConfig):
    """The chronic-migraine pathway.

    The app label stays "diary" (the app's name before it became the pathway's app), so the
    tables (`diary_*`) and the migration history of existing databases are unchanged.
    """

    name = "bonta.migraine"
    label = "diary"
    verbose_name = "Chronic migraine"
    default_auto_field = "django.db.models.BigAutoField"
