"""What people record about a family from its page: visits, messages, assignments, handovers,
concerns, referrals, follow-ups, promises kept or let go, and corrections.

Each action is a page with a form (so it works on any phone, without JavaScript); its
fields are the API's, checked by the shared request schema (``web.schemas``) and then by the domain. On success the
reader goes back to the family page, at the new entry; on a refusal the form comes back
with the error beside its field, everything typed kept, and nothing recorded.

The guard has already checked that the reader may take the action on this family (a
family outside a volunteer's scope answers like one that does not exist).
"""

from web.pages.fact_inputs import CORRECTABLE
from web.pages.family_actions import corrections, erasure, promises, records, roster
from web.pages.family_actions.common import bp

__all__ = ["CORRECTABLE", "bp", "corrections", "erasure", "promises", "records", "roster"]
