"""One named function per state change of an appointment, plus the two scheduling reads.

Each write runs in one transaction with its audit event; reads of patient data are audited.
"""

from bonta.appointments.services.booking import (
    book_appointment,
    cancel_appointment,
    mark_no_show,
    move_appointment,
)
from bonta.appointments.services.proposals import AreaProposal, propose_next_visits
from bonta.appointments.services.recall import RecallEntry, recall_list

__all__ = [
    "AreaProposal",
    "RecallEntry",
    "book_appointment",
    "cancel_appointment",
    "mark_no_show",
    "move_appointment",
    "propose_next_visits",
    "recall_list",
]
