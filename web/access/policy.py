"""Who may do what: the one table every endpoint and page asks.

Read a row as: "a <role> may <action> on <scope>". A missing cell means never.
Scopes: ALL (every family), OWN (families the volunteer accompanies now, or is being
handed over to), ALUMNI (families that agreed to keep in touch with the volunteer:
messages only), SELF (the volunteer's own caseload).
Family-scoped requests outside the scope answer 404, exactly like a family that
does not exist, so that nobody learns which families exist.
"""

from __future__ import annotations

from enum import Enum

from domain.accounts import AccountRole


class Action(Enum):
    READ_PEOPLE = "people.read"  # cohorts and volunteers
    MANAGE_PEOPLE = "people.manage"  # open cohorts, register and activate volunteers, departures
    LIST_FAMILIES = "families.list"
    READ_FAMILY = "family.read"  # profile, timeline, briefing
    READ_SENSITIVE = "family.read_sensitive"  # the compartments: anti-domestic-violence, shelter
    READ_RAW_FACTS = "family.raw_facts"  # raw facts and as-of replay
    MANAGE_FAMILY = "family.manage"  # enrol, profile, consent, close, reopen, assign, handovers
    RECORD = "family.record"  # visits, concerns, referrals, follow-ups
    MESSAGE = "family.message"  # messages with the family
    CORRECT = "family.correct"  # amend or retract a fact (a volunteer: only one they recorded, see OWN_ENTRIES)
    READ_DASHBOARD = "dashboard.read"
    READ_REPORTS = "reports.read"
    READ_CASELOAD = "caseload.read"
    READ_ACCESS_LOG = "access_log.read"
    MANAGE_ACCOUNTS = "accounts.manage"
    READ_SEAL = "seal.read"  # the seal's status and its signed checkpoints
    #: a family's case file (JSON or printable): what the reader may read of it, in one document, stamped with the
    #: seal; never for volunteers (a whole record in a file, on a phone)
    EXPORT_CASE_FILE = "family.case_file"
    #: the retention list, and erasing a family's record (its key destroyed: there is no undo)
    ERASE = "family.erase"


class Scope(Enum):
    ALL = "all"
    OWN = "own"
    ALUMNI = "alumni"
    SELF = "self"


A, S = Action, Scope
C, W, V, U = AccountRole.COORDINATOR, AccountRole.SOCIAL_WORKER, AccountRole.VOLUNTEER, AccountRole.AUDITOR

#: role -> action -> scope. The whole policy; nothing else decides access.
POLICY: dict[AccountRole, dict[Action, Scope]] = {
    C: {
        A.READ_PEOPLE: S.ALL,
        A.MANAGE_PEOPLE: S.ALL,
        A.LIST_FAMILIES: S.ALL,
        A.READ_FAMILY: S.ALL,
        A.MANAGE_FAMILY: S.ALL,
        A.RECORD: S.ALL,
        A.MESSAGE: S.ALL,
        A.CORRECT: S.ALL,
        A.READ_DASHBOARD: S.ALL,
        A.READ_REPORTS: S.ALL,
        A.READ_CASELOAD: S.ALL,
        A.READ_ACCESS_LOG: S.ALL,
        A.MANAGE_ACCOUNTS: S.ALL,
        A.EXPORT_CASE_FILE: S.ALL,  # compartments left out: coordinators are not cleared for them
        A.ERASE: S.ALL,
    },
    W: {
        A.READ_PEOPLE: S.ALL,
        A.LIST_FAMILIES: S.ALL,
        A.READ_FAMILY: S.ALL,
        A.READ_SENSITIVE: S.ALL,
        A.RECORD: S.ALL,
        A.MESSAGE: S.ALL,
        A.CORRECT: S.ALL,
        A.READ_DASHBOARD: S.ALL,
        A.READ_REPORTS: S.ALL,
        A.READ_CASELOAD: S.ALL,
        A.EXPORT_CASE_FILE: S.ALL,
    },
    V: {
        A.LIST_FAMILIES: S.OWN,
        A.READ_FAMILY: S.OWN,
        A.RECORD: S.OWN,
        A.MESSAGE: S.ALUMNI,
        A.CORRECT: S.OWN,  # their own entries only: OWN_ENTRIES
        A.READ_CASELOAD: S.SELF,
    },
    U: {
        A.READ_PEOPLE: S.ALL,
        A.LIST_FAMILIES: S.ALL,
        A.READ_FAMILY: S.ALL,
        A.READ_SENSITIVE: S.ALL,
        A.READ_RAW_FACTS: S.ALL,
        A.READ_DASHBOARD: S.ALL,
        A.READ_REPORTS: S.ALL,
        A.READ_CASELOAD: S.ALL,
        A.READ_ACCESS_LOG: S.ALL,
        A.READ_SEAL: S.ALL,
        A.EXPORT_CASE_FILE: S.ALL,
    },
}


#: Roles that correct only the entries they recorded themselves (the family aggregate decides, given the author:
#: another's entry answers 403, whatever spelling of its id is sent).
OWN_ENTRIES = frozenset({V})


def corrects_only_own(role: AccountRole) -> bool:
    """Whether ``role`` may correct only the entries its account recorded."""
    return role in OWN_ENTRIES


def scope_of(role: AccountRole, action: Action) -> Scope | None:
    """How far ``role`` may take ``action`` (None: not at all)."""
    return POLICY[role].get(action)


def may(role: AccountRole, action: Action) -> bool:
    return scope_of(role, action) is not None


#: Scopes that include a narrower one: a volunteer's ALUMNI families include their OWN.
WIDER = {Scope.ALUMNI: {Scope.OWN, Scope.ALUMNI}, Scope.OWN: {Scope.OWN}}
