"""Portal use cases: invitations and accounts, and the patient's own views of their data.

Diary days and questionnaires are written by `bonta.migraine.services` (the portal passes the
patient's portal user as `by`); consent and wear-off check-ins by their own apps.
"""

from bonta.portal.services.diary import (
    DiaryOverview,
    audit_home,
    diary_overview,
    keeps_headache_diary,
    latest_questionnaires,
    own_patient,
)
from bonta.portal.services.invitations import (
    INVITATION_DAYS,
    INVITE,
    AlreadyHasAccount,
    InvitationUnusable,
    PortalStatus,
    accept_invitation,
    invite_patient,
    open_invitation,
    portal_status,
    revoke_invitation,
)

__all__ = [
    "INVITATION_DAYS",
    "INVITE",
    "AlreadyHasAccount",
    "DiaryOverview",
    "InvitationUnusable",
    "PortalStatus",
    "accept_invitation",
    "audit_home",
    "diary_overview",
    "invite_patient",
    "keeps_headache_diary",
    "latest_questionnaires",
    "open_invitation",
    "own_patient",
    "portal_status",
    "revoke_invitation",
]
