from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "bonta.appointments"
    label = "appointments"

    def ready(self) -> None:
        # The recall list's stored due dates follow every change of a patient's signed history
        # (see `bonta.records.services.encounters.HISTORY_CHANGED`): marked stale in the
        # change's transaction, recomputed after it commits (`services.stale`).
        from bonta.appointments.services.stale import mark_stale
        from bonta.records.services.encounters import HISTORY_CHANGED

        if mark_stale not in HISTORY_CHANGED:
            HISTORY_CHANGED.append(mark_stale)
