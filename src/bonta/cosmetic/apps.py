from django.apps import AppConfig


class CosmeticConfig(AppConfig):
    name = "bonta.cosmetic"
    label = "cosmetic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Scheduling learns the patient's own durations from the wear-off reports kept here
        # (`bonta.appointments.observations`): appointments imports no pathway app.
        from bonta.appointments.observations import WearOffSource, register
        from bonta.cosmetic.models import WearOffReport
        from bonta.cosmetic.services import wore_off_dates

        register(
            WearOffSource(
                dates=wore_off_dates,
                reports_of=lambda patient: WearOffReport.objects.filter(patient_id=patient),
            )
        )
