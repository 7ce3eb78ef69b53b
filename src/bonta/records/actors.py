"""Who is acting on a record: a patient acting through their portal account.

`patient_of(user)` is the patient a portal (patient-role) account stands for, or None for staff,
anonymous and inactive users. It lives with the shared record, not in `bonta.portal`, because
the services of consent, the cosmetic check-ins and the diary all authorise a portal user by it,
and the portal app is built on them (it imports them, never the other way). The link itself is
`bonta.portal.PortalAccount`, reached through its `portal_account` relation on the user.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from bonta.accounts.models import Role
from bonta.records.models import Patient

_CACHE = "_bonta_portal_patient"


def patient_of(user: Any) -> Patient | None:
    """The patient whose portal account `user` is; None for staff, anonymous or inactive users."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not getattr(user, "is_active", False)
        or getattr(user, "role", None) != Role.PATIENT
    ):
        return None
    if not hasattr(user, _CACHE):  # one query per request, however often a view asks
        try:
            patient = Patient.objects.get(portal_account__user=user)
        except ObjectDoesNotExist:
            patient = None
        setattr(user, _CACHE, patient)
    found: Patient | None = getattr(user, _CACHE)
    return found
