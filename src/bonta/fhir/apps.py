from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "bonta.fhir"
    label = "fhir"
    verbose_name = "FHIR R4: bulk export jobs and imports"

    def ready(self) -> None:
        from bonta.fhir import bulk
        from bonta.reminders.worker import OTHER_JOBS

        def queued_exports() -> int:
            bulk.expire_due()
            return bulk.run_queued(limit=1)

        OTHER_JOBS.append(queued_exports)
