"""Which action of the policy each API endpoint and page is (endpoint names are ``blueprint.View``
for the API, ``blueprint.view`` for pages).

An endpoint missing here is refused to everyone: a new endpoint stays closed until
someone decides, in this table, what it is.
"""

from __future__ import annotations

from domain.audit import ReadKind
from web.access.policy import Action

A = Action

#: Endpoints anyone may call, signed in or not.
PUBLIC = frozenset(
    {
        "signin.sign_in",
        "language.switch",
        "health",
        "static",
        "swagger_assets",
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        "session.Session",
    }
)

#: Pages any signed-in account may open: they show nothing of a family without asking the
#: policy themselves (the home page shows the dashboard to those who may read it, else the
#: volunteer's own families).
SIGNED_IN = frozenset({"signin.sign_out", "home.home", "home.log_visit"})

#: (method, endpoint) -> action.
ROUTES: dict[tuple[str, str], Action] = {
    ("GET", "cohorts.Cohorts"): A.READ_PEOPLE,
    ("POST", "cohorts.Cohorts"): A.MANAGE_PEOPLE,
    ("GET", "cohorts.OneCohort"): A.READ_PEOPLE,
    ("POST", "cohorts.CloseCohort"): A.MANAGE_PEOPLE,
    # the transition planner plans handovers: coordinators only, reading its proposal too
    ("GET", "transition.CohortTransition"): A.MANAGE_FAMILY,
    ("POST", "transition.CohortTransition"): A.MANAGE_FAMILY,
    ("GET", "volunteers.Volunteers"): A.READ_PEOPLE,
    ("POST", "volunteers.Volunteers"): A.MANAGE_PEOPLE,
    ("GET", "volunteers.OneVolunteer"): A.READ_PEOPLE,
    ("POST", "volunteers.Activation"): A.MANAGE_PEOPLE,
    ("POST", "volunteers.AlumniContact"): A.MANAGE_PEOPLE,
    ("POST", "volunteers.Departure"): A.MANAGE_PEOPLE,
    ("POST", "volunteers.DepartureAnnounced"): A.MANAGE_PEOPLE,
    ("GET", "caseload.VolunteerCaseload"): A.READ_CASELOAD,
    ("GET", "families.Families"): A.LIST_FAMILIES,
    ("POST", "families.Families"): A.MANAGE_FAMILY,
    ("GET", "families.OneFamily"): A.READ_FAMILY,
    ("POST", "families.Profile"): A.MANAGE_FAMILY,
    ("POST", "families.Consents"): A.MANAGE_FAMILY,
    ("POST", "families.ConsentWithdrawals"): A.MANAGE_FAMILY,
    ("POST", "families.Closure"): A.MANAGE_FAMILY,
    ("POST", "families.Reopening"): A.MANAGE_FAMILY,
    ("POST", "assignments.Assignments"): A.MANAGE_FAMILY,
    ("POST", "assignments.AssignmentEnd"): A.MANAGE_FAMILY,
    ("POST", "handovers.Handovers"): A.MANAGE_FAMILY,
    ("POST", "handovers.Agreement"): A.MANAGE_FAMILY,
    ("POST", "handovers.Cancellation"): A.MANAGE_FAMILY,
    ("POST", "handovers.Completion"): A.MANAGE_FAMILY,
    ("POST", "records.Visits"): A.RECORD,
    ("POST", "records.Messages"): A.MESSAGE,
    ("POST", "records.Concerns"): A.RECORD,
    ("POST", "records.Resolution"): A.RECORD,
    ("POST", "records.Referrals"): A.RECORD,
    ("POST", "records.FollowUps"): A.RECORD,
    ("POST", "records.FollowUpCompletion"): A.RECORD,
    ("POST", "promises.PromiseKept"): A.RECORD,
    ("POST", "promises.PromiseLetGo"): A.RECORD,
    ("POST", "corrections.Corrections"): A.CORRECT,
    ("GET", "timeline.FamilyTimeline"): A.READ_FAMILY,
    ("GET", "briefing.FamilyBriefing"): A.READ_FAMILY,
    ("GET", "events.FamilyFacts"): A.READ_RAW_FACTS,
    ("GET", "dashboard.ContinuityDashboard"): A.READ_DASHBOARD,
    ("GET", "dashboard.ContinuityFamilyList"): A.READ_DASHBOARD,
    ("GET", "dashboard.HandoversInProgress"): A.READ_DASHBOARD,
    ("GET", "dashboard.HandoversWithoutJointVisit"): A.READ_DASHBOARD,
    ("GET", "reports.CohortReportResource"): A.READ_REPORTS,
    ("GET", "access.FamilyReaders"): A.READ_ACCESS_LOG,
    ("GET", "access.ReaderReads"): A.READ_ACCESS_LOG,
    ("GET", "seal.SealStatus"): A.READ_SEAL,
    ("GET", "seal.SealCheckpoints"): A.READ_SEAL,
    ("GET", "case_file.FamilyCaseFile"): A.EXPORT_CASE_FILE,
    ("GET", "erasure.RetentionList"): A.ERASE,
    ("POST", "erasure.Erasure"): A.ERASE,
    ("POST", "erasure.VolunteerErasure"): A.ERASE,
    # Pages
    ("GET", "family_page.family"): A.READ_FAMILY,
    # Pages: the auditors' replay and raw facts, the access log, the cohort report
    ("GET", "audit_pages.as_of"): A.READ_RAW_FACTS,
    ("GET", "audit_pages.facts"): A.READ_RAW_FACTS,
    ("GET", "audit_pages.family_readers"): A.READ_ACCESS_LOG,
    ("GET", "audit_pages.reader_reads"): A.READ_ACCESS_LOG,
    ("GET", "audit_pages.access_log"): A.READ_ACCESS_LOG,
    ("GET", "seal_page.seal"): A.READ_SEAL,
    ("GET", "seal_page.checkpoints"): A.READ_SEAL,
    ("GET", "retention_page.retention"): A.ERASE,
    ("GET", "case_file_page.case_file"): A.EXPORT_CASE_FILE,
    ("GET", "report_pages.cohorts"): A.READ_REPORTS,
    ("GET", "report_pages.cohorts_csv"): A.READ_REPORTS,
    # Pages: lists of families, volunteers and cohorts, and the forms that add to them
    ("GET", "home.continuity_list"): A.READ_DASHBOARD,
    ("GET", "people.families"): A.LIST_FAMILIES,
    ("GET", "people.enrol_family"): A.MANAGE_FAMILY,
    ("POST", "people.enrol_family"): A.MANAGE_FAMILY,
    ("GET", "people.volunteers"): A.READ_PEOPLE,
    ("GET", "people.register_volunteer"): A.MANAGE_PEOPLE,
    ("POST", "people.register_volunteer"): A.MANAGE_PEOPLE,
    ("POST", "people.activate_volunteer"): A.MANAGE_PEOPLE,
    ("GET", "people.cohorts"): A.READ_PEOPLE,
    ("GET", "people.open_cohort"): A.MANAGE_PEOPLE,
    ("GET", "transition_page.transition"): A.MANAGE_FAMILY,
    ("POST", "transition_page.transition"): A.MANAGE_FAMILY,
    ("POST", "people.open_cohort"): A.MANAGE_PEOPLE,
    ("GET", "briefing_page.briefing"): A.READ_FAMILY,
    ("GET", "volunteer_page.volunteer"): A.READ_CASELOAD,
    **{
        (method, f"volunteer_page.{form}"): A.MANAGE_PEOPLE
        for form in ("announce", "depart", "alumni")
        for method in ("GET", "POST")
    },
    **{(method, "volunteer_page.erase"): A.ERASE for method in ("GET", "POST")},
    # Pages: the family page's action forms (showing a form needs the same right as sending it)
    **{
        (method, f"family_actions.{form}"): action
        for form, action in {
            "visit": A.RECORD,
            "concern": A.RECORD,
            "referral": A.RECORD,
            "follow_up": A.RECORD,
            "resolve": A.RECORD,
            "follow_up_done": A.RECORD,
            "promise_kept": A.RECORD,
            "promise_let_go": A.RECORD,
            "message": A.MESSAGE,
            "assign": A.MANAGE_FAMILY,
            "end_assignment": A.MANAGE_FAMILY,
            "handover": A.MANAGE_FAMILY,
            "agree": A.MANAGE_FAMILY,
            "complete": A.MANAGE_FAMILY,
            "cancel": A.MANAGE_FAMILY,
            "correct": A.CORRECT,
            "erase": A.ERASE,
        }.items()
        for method in ("GET", "POST")
    },
}

#: A query parameter that turns a read into another action: the as-of replay is for auditors.
REFINED: dict[tuple[str, str], Action] = {("timeline.FamilyTimeline", "as_of"): A.READ_RAW_FACTS}

#: Family reads that are recorded in the read audit, and as what.
AUDITED: dict[str, ReadKind] = {
    "families.OneFamily": ReadKind.PROFILE,
    "timeline.FamilyTimeline": ReadKind.TIMELINE,
    "briefing.FamilyBriefing": ReadKind.BRIEFING,
    "events.FamilyFacts": ReadKind.RAW_FACTS,
    "family_page.family": ReadKind.TIMELINE,
    "audit_pages.as_of": ReadKind.AS_OF,  # the page asks for ?day=, not ?as_of=
    "audit_pages.facts": ReadKind.RAW_FACTS,
    "briefing_page.briefing": ReadKind.BRIEFING,
    "case_file.FamilyCaseFile": ReadKind.EXPORT,
    "case_file_page.case_file": ReadKind.EXPORT,
    # Forms that show part of the record: the entry corrected, the concern resolved, the follow-up done,
    # the open concerns a referral or follow-up may answer.
    "family_actions.correct": ReadKind.TIMELINE,
    "family_actions.resolve": ReadKind.TIMELINE,
    "family_actions.follow_up_done": ReadKind.TIMELINE,
    "family_actions.promise_kept": ReadKind.TIMELINE,
    "family_actions.promise_let_go": ReadKind.TIMELINE,
    "family_actions.referral": ReadKind.TIMELINE,
    "family_actions.follow_up": ReadKind.TIMELINE,
}
