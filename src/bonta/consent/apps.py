from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "bonta.consent"
    label = "consent"
    verbose_name = "Consent"

    def ready(self) -> None:
        # Sign-off needs a current consent for the encounter's pathway: registered with records
        # (`SIGN_OFF_GUARDS`) so that records imports no feature app.
        from bonta.consent.guard import require_current_consent
        from bonta.records.services.encounters import SIGN_OFF_GUARDS

        if require_current_consent not in SIGN_OFF_GUARDS:
            SIGN_OFF_GUARDS.append(require_current_consent)
