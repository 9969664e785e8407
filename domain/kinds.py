"""The kinds of entry on a family's timeline, as views, pages and the API name them.

Their values are stored in views and shown in the API (``"visit"``, ``"handover_planned"``):
a ``StrEnum``, so each member is the very string it replaces and compares equal to it.
"""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    """What a timeline entry records."""

    ENROLLED = "enrolled"
    PROFILE_UPDATED = "profile_updated"
    CONSENT_RECORDED = "consent_recorded"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CLOSED = "closed"
    REOPENED = "reopened"
    ASSIGNED = "assigned"
    #: ended by a coordinator, or by the system for a departure (the entry's ``caused_by``)
    UNASSIGNED = "unassigned"
    VISIT = "visit"
    MESSAGE = "message"
    HANDOVER_PLANNED = "handover_planned"
    HANDOVER_AGREED = "handover_agreed"
    HANDOVER_COMPLETED = "handover_completed"
    HANDOVER_CANCELLED = "handover_cancelled"
    CONCERN_RAISED = "concern_raised"
    CONCERN_RESOLVED = "concern_resolved"
    REFERRAL = "referral"
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled"
    FOLLOW_UP_DONE = "follow_up_done"
    PROMISE_KEPT = "promise_kept"
    PROMISE_LET_GO = "promise_let_go"

    @property
    def is_contact(self) -> bool:
        """A visit or a message: time spent with the family."""
        return self in CONTACTS


#: The entries that are contacts with the family.
CONTACTS = frozenset({EntryKind.VISIT, EntryKind.MESSAGE})
#: The entries that close a handover.
HANDOVER_CLOSINGS = frozenset({EntryKind.HANDOVER_COMPLETED, EntryKind.HANDOVER_CANCELLED})
