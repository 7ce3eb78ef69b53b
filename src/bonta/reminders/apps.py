from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "bonta.reminders"
    label = "reminders"
    verbose_name = "Appointment reminders"

    def ready(self) -> None:
        from bonta.appointments.services.stale import sweep_quietly
        from bonta.reminders import checks  # noqa: F401  registers the system checks
        from bonta.reminders.worker import OTHER_JOBS

        # The safety net of the recall list's after-commit refresh: each worker pass
        # recomputes patients whose stale mark outlived its hook (a process died between).
        if sweep_quietly not in OTHER_JOBS:
            OTHER_JOBS.append(sweep_quietly)
