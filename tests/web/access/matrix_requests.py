"""One concrete request per routed API endpoint, for the authorization matrix.

Each builder gets the neighbourhood, which family (or volunteer) the request is about, and
whether the request must succeed: then it first makes a fresh target (a concern to resolve,
a handover to complete, a closed family to reopen…) so that every allowed request can succeed
however many roles make it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain import Actor
from domain.family_base import promise_ids
from tests.builders import family_profile, visit
from tests.web.access.scenes import MISSING, Neighbourhood, Where, ago, day
from tests.web.api.scenes import family_body

Body = dict[str, Any] | None
Build = Callable[[Neighbourhood, Where, bool], tuple[str, Body]]

#: Requests that change rosters or family states; they run after the others.
ROSTER_CHANGES = frozenset(
    {
        "families.Closure",
        "families.Reopening",
        "assignments.Assignments",
        "assignments.AssignmentEnd",
        "handovers.Handovers",
        "handovers.Agreement",
        "handovers.Cancellation",
        "handovers.Completion",
    }
)


def family(n: Neighbourhood, where: Where) -> str:
    return n.families[where]


def volunteer_of(n: Neighbourhood, where: Where) -> str:
    return {Where.OWN: n.volunteer, Where.OTHER: n.other}.get(where, MISSING)


def on(suffix: str) -> Build:
    """A read of a family's record: no body."""
    return lambda n, where, ready: (f"/families/{family(n, where)}{suffix}", None)


def post_on(suffix: str, body: Callable[[Neighbourhood, Where], dict[str, Any]]) -> Build:
    return lambda n, where, ready: (f"/families/{family(n, where)}{suffix}", body(n, where))


def visit_body(n: Neighbourhood, where: Where) -> dict[str, Any]:
    return {
        "occurred_at": ago(hours=1).isoformat(),
        "volunteer_ids": [n.present[where]],
        "duration_minutes": 60,
        "summary": "陪孩子读书",
        "place": "home",
    }


def message_body(n: Neighbourhood, where: Where) -> dict[str, Any]:
    messenger = n.other if where is Where.OTHER else n.volunteer  # the volunteer keeps in touch with ALUMNI
    return {
        "occurred_at": ago(hours=1).isoformat(),
        "volunteer_id": messenger,
        "direction": "from_family",
        "channel": "wechat",
        "summary": "天冷了，注意身体",
    }


def closure(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    if ready:
        n.open_family(family(n, where))
    return f"/families/{family(n, where)}/closure", {"reason": "搬家"}


def reopening(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    if ready:
        n.closed_family(family(n, where))
    return f"/families/{family(n, where)}/reopening", {"reason": "搬回来了"}


def assignment(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    if ready:
        n.open_family(family(n, where))
    newcomer = n.fresh_volunteer() if ready else n.other
    return f"/families/{family(n, where)}/assignments", {"volunteer_id": newcomer, "role": "shadow"}


def assignment_end(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    leaving = n.fresh_co(family(n, where)) if ready else n.present[where]
    return f"/families/{family(n, where)}/assignments/{leaving}/end", {"reason": "课业太忙"}


def handover(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    outgoing = n.fresh_co(family(n, where)) if ready else n.present[where]
    incoming = n.fresh_volunteer() if ready else n.other
    body = {
        "outgoing_volunteer_id": outgoing,
        "incoming_volunteer_id": incoming,
        "planned_on": str(day(14)),
        "letter": "孩子喜欢画画",
    }
    return f"/families/{family(n, where)}/handovers", body


def handover_step(step: str, body: dict[str, Any]) -> Build:
    def build(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
        planned = n.fresh_handover(family(n, where)) if ready else n.handovers.get(where, MISSING)
        return f"/families/{family(n, where)}/handovers/{planned}/{step}", body

    return build


def erasure(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    """Erasing is for good: where it is to succeed, a family enrolled for it alone is erased."""
    target = n.app.enrol_family(recorded_by=Actor("test"), **family_profile(display_name="待删除家")) if ready else None
    return f"/families/{target or family(n, where)}/erasure", {"reason": "保存期满"}


def volunteer_erasure(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    """Erasing is for good: where it is to succeed, a volunteer registered and departed for it alone is erased."""
    target = n.fresh_volunteer(active=False) if ready else n.volunteer
    if ready:
        n.app.record_departure(UUID(str(target)), reason="withdrew", recorded_by=Actor("test"))
    return f"/volunteers/{target}/erasure", {"reason": "本人要求删除"}


def resolution(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    concern = n.fresh_concern(family(n, where)) if ready else n.concerns[where]
    return f"/families/{family(n, where)}/concerns/{concern}/resolution", {"resolution": "已和老师谈过"}


def follow_up_done(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    follow_up = n.fresh_follow_up(family(n, where)) if ready else n.follow_ups[where]
    return f"/families/{family(n, where)}/follow-ups/{follow_up}/done", {}


def own_visit(n: Neighbourhood, where: Where, **fields: Any) -> str:
    """A fresh visit recorded by the neighbourhood's volunteer account (so that every role may correct it: a
    volunteer corrects only their own entries)."""
    visited = n.app.log_visit(
        UUID(str(family(n, where))),
        volunteer_ids=[UUID(str(n.present[where]))],
        recorded_by=Actor(VOLUNTEER_ACCOUNT(n)),
        **visit(**fields),
    )
    return str(visited)


def VOLUNTEER_ACCOUNT(n: Neighbourhood) -> str:  # noqa: N802  # the name the API tests give the account
    return f"test-volunteer-{n.volunteer[:8]}"


def correction(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    target = own_visit(n, where) if ready else n.visits[where]
    body = {"target_event_id": target, "action": "amend", "reason": "笔误", "changes": {"summary": "改正后的摘要"}}
    return f"/families/{family(n, where)}/corrections", body


def promise_settled(step: str, body: dict[str, Any]) -> Build:
    """Keep or let go a promise: where it is to succeed, one made at a fresh visit."""

    def build(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
        promise = MISSING
        if ready:
            visited = own_visit(n, where, follow_ups_promised=["下次带绘本"])
            promise = str(promise_ids(UUID(visited), ["下次带绘本"])[0])
        return f"/families/{family(n, where)}/promises/{promise}/{step}", body

    return build


def on_volunteer(suffix: str, body: Body, *, fresh: str = "") -> Build:
    """A request about a volunteer: a fresh one (registered, or ``fresh="active"``) when it must succeed."""

    def build(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
        who = n.fresh_volunteer(active=fresh == "active") if ready and fresh else n.volunteer
        return f"/volunteers/{who}{suffix}", body

    return build


def transition(n: Neighbourhood, where: Where, ready: bool) -> tuple[str, Body]:
    """Confirm a successor for a family of a leaving cohort (a fresh one, with its own family, when it must succeed)."""
    if not ready:
        choice = {"family_id": n.families[Where.OWN], "incoming_volunteer_id": n.volunteer}
        return f"/cohorts/{n.cohort}/transition", {"planned_on": str(day(14)), "handovers": [choice]}
    app = n.app
    leaving = app.open_cohort(
        name="离开的一期", intake_on=day(-500), expected_end_on=day(30), recorded_by=Actor("tests")
    )
    lead = app.register_volunteer(cohort_id=leaving, name="离开的义工", contact="微信", recorded_by=Actor("tests"))
    app.activate_volunteer(lead, recorded_by=Actor("tests"))
    fid = app.enrol_family(recorded_by=Actor("tests"), **family_profile(display_name="交接的家庭"))
    app.assign_volunteer(fid, volunteer_id=lead, role="lead", recorded_by=Actor("tests"))
    choice = {"family_id": str(fid), "incoming_volunteer_id": n.fresh_volunteer()}
    return f"/cohorts/{leaving}/transition", {"planned_on": str(day(14)), "handovers": [choice]}


NEW_COHORT = {"name": "新一期", "starts_on": str(day(-10)), "ends_on": str(day(300))}

#: One concrete request per routed endpoint: (path under /api/v1, JSON body); ``ready`` asks for fresh targets.
REQUESTS: dict[tuple[str, str], Build] = {
    ("GET", "cohorts.Cohorts"): lambda n, where, ready: ("/cohorts", None),
    ("POST", "cohorts.Cohorts"): lambda n, where, ready: ("/cohorts", NEW_COHORT),
    ("GET", "cohorts.OneCohort"): lambda n, where, ready: (f"/cohorts/{n.cohort}", None),
    ("POST", "cohorts.CloseCohort"): lambda n, where, ready: (
        f"/cohorts/{n.fresh_cohort() if ready else n.cohort}/close",
        {},
    ),
    ("GET", "transition.CohortTransition"): lambda n, where, ready: (f"/cohorts/{n.cohort}/transition", None),
    ("POST", "transition.CohortTransition"): transition,
    ("GET", "volunteers.Volunteers"): lambda n, where, ready: ("/volunteers", None),
    ("POST", "volunteers.Volunteers"): lambda n, where, ready: (
        "/volunteers",
        {"name": "新义工", "cohort_id": n.cohort, "contact": "微信"},
    ),
    ("GET", "volunteers.OneVolunteer"): on_volunteer("", None),
    ("POST", "volunteers.Activation"): on_volunteer("/activate", {}, fresh="registered"),
    ("POST", "volunteers.AlumniContact"): on_volunteer("/alumni-contact", {"opted_in": True}, fresh="registered"),
    ("POST", "volunteers.Departure"): on_volunteer("/departure", {"reason": "graduated"}, fresh="registered"),
    ("POST", "volunteers.DepartureAnnounced"): on_volunteer(
        "/departure-announced", {"expected_on": str(day(30))}, fresh="active"
    ),
    ("GET", "caseload.VolunteerCaseload"): lambda n, where, ready: (
        f"/volunteers/{volunteer_of(n, where)}/caseload",
        None,
    ),
    ("GET", "families.Families"): lambda n, where, ready: ("/families", None),
    ("POST", "families.Families"): lambda n, where, ready: ("/families", family_body("新家庭")),
    ("GET", "families.OneFamily"): on(""),
    ("POST", "families.Profile"): post_on("/profile", lambda n, where: {"community": "城西社区"}),
    ("POST", "families.Consents"): post_on(
        "/consents", lambda n, where: {"guardian_relation": "mother", "scopes": ["photos"], "given_on": str(day(-1))}
    ),
    ("POST", "families.ConsentWithdrawals"): post_on(
        "/consent-withdrawals", lambda n, where: {"scopes": ["photos"], "reason": "不想拍照"}
    ),
    ("POST", "families.Closure"): closure,
    ("POST", "families.Reopening"): reopening,
    ("POST", "assignments.Assignments"): assignment,
    ("POST", "assignments.AssignmentEnd"): assignment_end,
    ("POST", "handovers.Handovers"): handover,
    ("POST", "handovers.Agreement"): handover_step("agreement", {"note": "家庭同意"}),
    ("POST", "handovers.Cancellation"): handover_step("cancel", {"reason": "推迟"}),
    ("POST", "handovers.Completion"): handover_step(
        "complete", {"keep_in_touch": False, "no_joint_visit_reason": "孩子住院，无法共同探访"}
    ),
    ("POST", "records.Visits"): post_on("/visits", visit_body),
    ("POST", "records.Messages"): post_on("/messages", message_body),
    ("POST", "records.Concerns"): post_on(
        "/concerns", lambda n, where: {"category": "education", "level": "low", "summary": "数学跟不上"}
    ),
    ("POST", "records.Resolution"): resolution,
    ("POST", "records.Referrals"): post_on(
        "/referrals", lambda n, where: {"service_line": "youth_centre", "reason": "参加青少年活动"}
    ),
    ("POST", "records.FollowUps"): post_on(
        "/follow-ups", lambda n, where: {"action": "联系班主任", "due_on": str(day(7))}
    ),
    ("POST", "records.FollowUpCompletion"): follow_up_done,
    ("POST", "promises.PromiseKept"): promise_settled("kept", {"note": "带去了"}),
    ("POST", "promises.PromiseLetGo"): promise_settled("let-go", {"reason": "孩子已经不需要了"}),
    ("POST", "corrections.Corrections"): correction,
    ("GET", "timeline.FamilyTimeline"): on("/timeline"),
    ("GET", "briefing.FamilyBriefing"): on("/briefing"),
    ("GET", "events.FamilyFacts"): on("/events"),
    ("GET", "case_file.FamilyCaseFile"): on("/case-file"),
    ("GET", "dashboard.ContinuityDashboard"): lambda n, where, ready: ("/dashboard/continuity", None),
    ("GET", "dashboard.ContinuityFamilyList"): lambda n, where, ready: ("/dashboard/continuity/cliff", None),
    ("GET", "dashboard.HandoversInProgress"): lambda n, where, ready: ("/dashboard/continuity/in_progress", None),
    ("GET", "dashboard.HandoversWithoutJointVisit"): lambda n, where, ready: (
        "/dashboard/continuity/without_joint_visit",
        None,
    ),
    ("GET", "reports.CohortReportResource"): lambda n, where, ready: ("/reports/cohorts", None),
    ("GET", "access.FamilyReaders"): on("/readers"),
    ("GET", "access.ReaderReads"): lambda n, where, ready: ("/readers/test-coordinator/reads", None),
    ("GET", "seal.SealStatus"): lambda n, where, ready: ("/seal", None),
    ("GET", "seal.SealCheckpoints"): lambda n, where, ready: ("/seal/checkpoints", None),
    ("GET", "erasure.RetentionList"): lambda n, where, ready: ("/retention", None),
    ("POST", "erasure.Erasure"): erasure,
    ("POST", "erasure.VolunteerErasure"): volunteer_erasure,
}
