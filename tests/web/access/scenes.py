"""The signed-in volunteer's neighbourhood: families in their scope, one outside it, and one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from uuid import UUID, uuid4

from domain import Actor, Peiban
from tests.builders import family_profile, local_today, message, visit

BY = Actor("场景")
MISSING = "00000000-0000-0000-0000-000000000000"


class Where(Enum):
    """Which family a request is about, seen from the signed-in volunteer."""

    OWN = "own"  # the volunteer is its lead
    HANDOVER = "handover"  # the volunteer is the incoming side of its open handover
    ALUMNI = "alumni"  # the volunteer handed it over, and the family keeps in touch
    OTHER = "other"  # someone else's family
    MISSING = "missing"  # no such family


def ago(**delta: float) -> datetime:
    return datetime.now(tz=UTC) - timedelta(**delta)


def day(offset: int) -> date:
    return local_today(offset)


@dataclass
class Neighbourhood:
    """One store, and ids by role in the story; ``fresh_*`` make new targets for requests that must succeed."""

    app: Peiban
    cohort: str
    volunteer: str  # the signed-in volunteer
    other: str  # the lead of the OTHER family
    families: dict[Where, str] = field(default_factory=dict)
    present: dict[Where, str] = field(default_factory=dict)  # a volunteer who may be on a visit there now
    visits: dict[Where, str] = field(default_factory=dict)
    concerns: dict[Where, str] = field(default_factory=dict)
    follow_ups: dict[Where, str] = field(default_factory=dict)
    handovers: dict[Where, str] = field(default_factory=dict)

    def fresh_volunteer(self, *, active: bool = True) -> str:
        vid = self.app.register_volunteer(cohort_id=UUID(self.cohort), name="新义工", contact="微信", recorded_by=BY)
        if active:
            self.app.activate_volunteer(vid, recorded_by=BY)
        return str(vid)

    def fresh_cohort(self) -> str:
        return str(self.app.open_cohort(name="空期次", intake_on=day(-10), expected_end_on=day(300), recorded_by=BY))

    def fresh_concern(self, family: str) -> str:
        return str(
            self.app.raise_concern(UUID(family), category="education", level="low", summary="作业", recorded_by=BY)
        )

    def fresh_follow_up(self, family: str) -> str:
        return str(self.app.schedule_follow_up(UUID(family), action="打电话", due_on=day(7), recorded_by=BY))

    def open_family(self, family: str) -> None:
        """Make sure the family is open, with no open handover (so that roster changes can go ahead)."""
        record = self.app.get_family(UUID(family))
        if record.is_closed:
            self.app.reopen_family(UUID(family), reason="重新开案", recorded_by=BY)
        elif (handover := record.roster.open_handover()) is not None:
            self.app.cancel_handover(UUID(family), handover_id=handover.handover_id, reason="改期", recorded_by=BY)

    def closed_family(self, family: str) -> None:
        self.open_family(family)
        if not self.app.get_family(UUID(family)).is_closed:
            self.app.close_family(UUID(family), reason="暂停", recorded_by=BY)

    def fresh_co(self, family: str) -> str:
        """A new volunteer assigned to the (open) family as co."""
        self.open_family(family)
        vid = self.fresh_volunteer()
        self.app.assign_volunteer(UUID(family), volunteer_id=UUID(vid), role="co", recorded_by=BY)
        return vid

    def fresh_handover(self, family: str) -> str:
        """A planned handover from a new co to a new volunteer (the family's lead stays as it is)."""
        outgoing = self.fresh_co(family)
        incoming = self.fresh_volunteer()
        return str(
            self.app.plan_handover(
                UUID(family),
                outgoing_volunteer_id=UUID(outgoing),
                incoming_volunteer_id=UUID(incoming),
                planned_on=day(14),
                letter="",
                recorded_by=BY,
            )
        )


def neighbourhood(app: Peiban) -> Neighbourhood:
    """The volunteer leads OWN, is taking over HANDOVER, handed ALUMNI over (keeping in touch); OTHER is not theirs."""
    cohort = app.open_cohort(name="2025级", intake_on=day(-400), expected_end_on=day(140), recorded_by=BY)

    def volunteer(name: str) -> UUID:
        vid = app.register_volunteer(
            cohort_id=cohort, name=name, contact="微信", recorded_by=BY, occurred_at=ago(days=100)
        )
        app.activate_volunteer(vid, recorded_by=BY, occurred_at=ago(days=99))
        return vid

    me, other, outgoing, newcomer = (volunteer(name) for name in ("我", "别人", "前任", "接班人"))
    app.set_alumni_contact(me, opted_in=True, recorded_by=BY, occurred_at=ago(days=98))
    n = Neighbourhood(app, str(cohort), str(me), str(other))
    leads = {Where.OWN: me, Where.HANDOVER: outgoing, Where.ALUMNI: me, Where.OTHER: other}
    for where, lead in leads.items():
        family = app.enrol_family(recorded_by=BY, occurred_at=ago(days=90), **family_profile(display_name=where.value))
        app.assign_volunteer(family, volunteer_id=lead, role="lead", recorded_by=BY, occurred_at=ago(days=80))
        visited = app.log_visit(family, volunteer_ids=[lead], occurred_at=ago(days=60), recorded_by=BY, **visit())
        n.families[where], n.visits[where], n.present[where] = str(family), str(visited), str(lead)
        n.concerns[where] = n.fresh_concern(str(family))
        n.follow_ups[where] = n.fresh_follow_up(str(family))
    handover = app.plan_handover(
        UUID(n.families[Where.HANDOVER]), outgoing_volunteer_id=outgoing, incoming_volunteer_id=me,
        planned_on=day(14), letter="孩子喜欢画画", recorded_by=BY, occurred_at=ago(days=20),
    )  # fmt: skip
    n.handovers[Where.HANDOVER], n.present[Where.HANDOVER] = str(handover), str(me)
    alumni = UUID(n.families[Where.ALUMNI])
    handed = app.plan_handover(
        alumni, outgoing_volunteer_id=me, incoming_volunteer_id=newcomer,
        planned_on=day(-30), letter="", recorded_by=BY, occurred_at=ago(days=40),
    )  # fmt: skip
    app.log_visit(alumni, volunteer_ids=[me, newcomer], occurred_at=ago(days=35), recorded_by=BY, **visit())
    app.complete_handover(alumni, handover_id=handed, keep_in_touch=True, recorded_by=BY, occurred_at=ago(days=30))
    app.log_message(alumni, volunteer_id=me, occurred_at=ago(days=5), recorded_by=BY, **message())
    n.handovers[Where.ALUMNI], n.present[Where.ALUMNI] = str(handed), str(newcomer)
    n.families[Where.MISSING], n.present[Where.MISSING] = MISSING, str(me)
    for kind in (n.visits, n.concerns, n.follow_ups, n.handovers):
        kind.setdefault(Where.MISSING, str(uuid4()))
    return n
