"""The rules the domain enforces, one error class each (see DOMAIN.md).

Read top to bottom this is the list of what Peiban refuses to record. Each docstring names the
parameters the error carries; the wording is in the web layer's catalogue (``web.messages``).
"""

from __future__ import annotations

from domain.errors import RuleBroken


class LeadAlreadyAssigned(RuleBroken):
    """Params: ``lead`` (the current lead's volunteer id)."""

    code = "lead_already_assigned"


class AlreadyAssigned(RuleBroken):
    code = "already_assigned"


class NotAssigned(RuleBroken):
    code = "not_assigned"


class VolunteerNotActive(RuleBroken):
    """Params: ``name``, ``status`` (a ``VolunteerStatus``)."""

    code = "volunteer_not_active"


class VolunteerNotOnFamily(RuleBroken):
    """Params: ``name``, ``when`` (the moment of the fact)."""

    code = "volunteer_not_on_family"


class NotAnAlumniContact(RuleBroken):
    """Params: ``name``."""

    code = "not_an_alumni_contact"


class FamilyClosed(RuleBroken):
    code = "family_closed"


class FamilyAlreadyClosed(RuleBroken):
    code = "family_already_closed"


class FamilyNotClosed(RuleBroken):
    code = "family_not_closed"


class HandoverAlreadyOpen(RuleBroken):
    code = "handover_already_open"


class HandoverNotOpen(RuleBroken):
    """Params: ``state`` (a ``HandoverState``: completed or cancelled)."""

    code = "handover_not_open"


class HandoverSameVolunteer(RuleBroken):
    code = "handover_same_volunteer"


class HandoverNeedsJointVisit(RuleBroken):
    code = "handover_needs_joint_visit"


class FactAlreadyRetracted(RuleBroken):
    code = "fact_already_retracted"


class FactNotCorrectable(RuleBroken):
    code = "fact_not_correctable"


class ConcernAlreadyResolved(RuleBroken):
    code = "concern_already_resolved"


class FollowUpAlreadyDone(RuleBroken):
    code = "follow_up_already_done"


class PromiseNotOpen(RuleBroken):
    """Params: ``state`` (a ``PromiseState``: kept, let go, or changed by an amendment of its visit)."""

    code = "promise_not_open"


class CohortClosed(RuleBroken):
    code = "cohort_closed"


class CohortAlreadyClosed(RuleBroken):
    code = "cohort_already_closed"


class VolunteerStatusRule(RuleBroken):
    """Params: ``status`` (a ``VolunteerStatus``), ``action`` (a ``domain.volunteer.VolunteerAction``)."""

    code = "volunteer_status"


class AlumniChoiceUnchanged(RuleBroken):
    code = "alumni_choice_unchanged"
