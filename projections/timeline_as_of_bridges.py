"""The handovers of a family's timeline as they stood at an earlier moment: planned, agreed or closed by then.

They are told from the handover rows alone (none is ever in a compartment). Their joint visits are counted in
one grouped pass over the visits not retracted by then; a completed handover's gap, from the outgoing
volunteer's last visit to the incoming volunteer's first, is two small queries of its own, so this is the part
of a page as of a moment that still grows with the family's handovers.
"""

from __future__ import annotations

import json
from datetime import datetime

from domain.kinds import HANDOVER_CLOSINGS, EntryKind
from projections.plain import from_iso, iso
from projections.timeline import Bridge, gap_days
from projections.timeline_as_of_rows import AsOf, in_time, of_kinds

#: The handover facts a bridge is told from (none is ever in a compartment).
HANDOVER_FACTS = (
    EntryKind.HANDOVER_PLANNED,
    EntryKind.HANDOVER_AGREED,
    EntryKind.HANDOVER_COMPLETED,
    EntryKind.HANDOVER_CANCELLED,
)
#: A visit the reader sees that was not retracted by the moment.
LIVE_VISIT = (
    "e.kind = 'visit' AND NOT EXISTS (SELECT 1 FROM timeline_correction c WHERE c.target_event_id = e.event_id"
    " AND c.action = 'retract' AND c.recorded_at <= ?)"
)
WITH_VOLUNTEER = "(' ' || e.volunteer_ids || ' ') LIKE ?"


def _visit_next_to(at: AsOf, volunteer_id: str, closed: datetime, earlier: bool) -> datetime | None:
    """The volunteer's last visit until a handover closed (``earlier``), or their first from then on."""
    side, order = ("<=", "DESC") if earlier else (">=", "ASC")
    found = at.rows(
        "e.occurred_at",
        f"{LIVE_VISIT} AND {WITH_VOLUNTEER} AND e.occurred_at {side} ?",
        [at.cutoff, f"% {volunteer_id} %", iso(closed)],
        f"ORDER BY e.occurred_at {order} LIMIT 1",
    )
    return from_iso(found[0][0]) if found else None


def bridges_as_of(at: AsOf) -> list[Bridge]:
    """The handovers as they stood: planned, agreed, closed by then; joint visits and gaps of the visits shown."""
    kinds, params = of_kinds(HANDOVER_FACTS)
    rows = sorted(
        at.rows("e.event_id, e.kind, COALESCE(e.original, e.data), e.occurred_at, e.version", kinds, params),
        key=in_time,
    )
    facts = [(event_id, EntryKind(kind), from_iso(at_), json.loads(data)) for event_id, kind, data, at_, _ in rows]
    # the joint visits of every handover counted in one pass over the family's visits (not a pass a handover)
    joints: dict[str, int] = {}
    if facts:
        grouped = at.rows(
            "e.handover_id, COUNT(*)",
            f"{LIVE_VISIT} AND e.handover_id IS NOT NULL",
            [at.cutoff],
            "GROUP BY e.handover_id",
        )
        joints = {str(hid): int(count) for hid, count in grouped}
    bridges = []
    for hid, _, opened, planned in (f for f in facts if f[1] == EntryKind.HANDOVER_PLANNED):
        related = [f for f in facts if str(f[3].get("handover_id")) == hid]
        closing = next((f for f in related if f[1] in HANDOVER_CLOSINGS), None)
        out_id, in_id = str(planned["outgoing_volunteer_id"]), str(planned["incoming_volunteer_id"])
        state = "planned" if closing is None else closing[1].removeprefix("handover_")
        joint = joints.get(hid, 0)
        gap = None
        if closing is not None and state == "completed":
            gap = gap_days(_visit_next_to(at, out_id, closing[2], True), _visit_next_to(at, in_id, closing[2], False))
        bridges.append(
            Bridge(
                hid,
                out_id,
                "",
                in_id,
                "",
                str(planned["planned_on"]),
                opened,
                state,
                closing[2] if closing else None,
                int(joint),
                any(f[1] == EntryKind.HANDOVER_AGREED for f in related),
                str(planned.get("letter", "")),
                str(closing[3].get("no_joint_visit_reason", "")) if closing else "",
                gap,
            )
        )
    return bridges
