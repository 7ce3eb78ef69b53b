from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "bonta.fhir"
    label = "fhir"
    verbose_name = "FHIR R4: bulk export jobs and imports"
