from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "bonta.reminders"
    label = "reminders"
    verbose_name = "Appointment reminders"

    def ready(self) -> None:
        from bonta.reminders import checks  # noqa: F401  registers the system checks
