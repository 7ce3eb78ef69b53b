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

    def ready(self) -> None:
        # The course's NICE TA260 state for the safety check of a chronic-migraine plan
        # (docs/architecture.md §0: a lower layer hears from a higher one through a registry).
        from bonta.migraine.planning import nice_state
        from bonta.records.snapshots import PLANNING_CONTEXT

        PLANNING_CONTEXT["nice"] = nice_state
