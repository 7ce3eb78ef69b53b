from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "bonta.appointments"
    label = "appointments"

    def ready(self) -> None:
        # The recall list's stored due dates follow every change of a patient's signed history
        # (see `bonta.records.services.encounters.HISTORY_CHANGED`).
        from bonta.appointments.services.recall import refresh_patient
        from bonta.records.services.encounters import HISTORY_CHANGED

        if refresh_patient not in HISTORY_CHANGED:
            HISTORY_CHANGED.append(refresh_patient)
