"""An account: who may sign in, in which role; every grant and change is a fact of its own.

Passwords and API tokens arrive here already hashed (the web layer hashes them); an account keeps only the
hashes. Its id is derived from its user name, so a name can only ever be taken once.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Snapshot as LibrarySnapshot

from domain.aggregate import PeibanAggregate
from domain.checks import Checks
from domain.errors import NotFound, Problem, RuleBroken


class AccountRole(Enum):
    """What an account may do (see web.access.policy for the table)."""

    COORDINATOR = "coordinator"
    SOCIAL_WORKER = "social_worker"
    VOLUNTEER = "volunteer"
    AUDITOR = "auditor"


class AccountNotFound(NotFound):
    code = "account_not_found"


class TokenNotFound(NotFound):
    code = "token_not_found"


class UserNameTaken(RuleBroken):
    code = "user_name_taken"


class VolunteerAccountNeedsVolunteer(RuleBroken):
    code = "volunteer_account_needs_volunteer"


class SecondFactorNotOffered(RuleBroken):
    code = "second_factor_not_offered"


ACCOUNTS = uuid5(NAMESPACE_URL, "peiban:accounts")


def account_id(user_name: str) -> UUID:
    return uuid5(ACCOUNTS, user_name.strip().casefold())


class Account(PeibanAggregate, created_event_name="Opened"):
    TOPIC = "peiban.Account"

    class Created(PeibanAggregate.Created, PeibanAggregate.Event):
        TOPIC = "peiban.Account.Created"

    class Opened(Created):
        TOPIC = "peiban.Account.Opened"
        user_name: str
        display_name: str
        role: AccountRole
        volunteer_id: UUID | None
        password_hash: str

    class RoleGranted(PeibanAggregate.Event):
        TOPIC = "peiban.Account.RoleGranted"
        role: AccountRole
        volunteer_id: UUID | None

        def apply(self, account: Account) -> None:
            account.role, account.volunteer_id = self.role, self.volunteer_id

    class PasswordSet(PeibanAggregate.Event):
        TOPIC = "peiban.Account.PasswordSet"
        password_hash: str

        def apply(self, account: Account) -> None:
            account.password_hash = self.password_hash

    class Disabled(PeibanAggregate.Event):
        TOPIC = "peiban.Account.Disabled"
        reason: str

        def apply(self, account: Account) -> None:
            account.disabled = True

    class Enabled(PeibanAggregate.Event):
        TOPIC = "peiban.Account.Enabled"

        def apply(self, account: Account) -> None:
            account.disabled = False

    class TokenIssued(PeibanAggregate.Event):
        TOPIC = "peiban.Account.TokenIssued"
        token_id: str
        token_hash: str
        label: str

        def apply(self, account: Account) -> None:
            account.tokens[self.token_id] = self.token_hash

    class TokenRevoked(PeibanAggregate.Event):
        TOPIC = "peiban.Account.TokenRevoked"
        token_id: str

        def apply(self, account: Account) -> None:
            account.tokens.pop(self.token_id, None)

    class SecondFactorSet(PeibanAggregate.Event):
        """A one-time-code (TOTP) secret now guards the account's sign-in (empty: removed)."""

        TOPIC = "peiban.Account.SecondFactorSet"
        totp_secret: str

        def apply(self, account: Account) -> None:
            account.totp_secret = self.totp_secret

    class Snapshot(LibrarySnapshot):
        TOPIC = "peiban.Account.Snapshot"

    def __init__(
        self,
        recorded_by: str,
        occurred_at: datetime,
        user_name: str,
        display_name: str,
        role: AccountRole,
        volunteer_id: UUID | None,
        password_hash: str,
    ) -> None:
        self.user_name = user_name
        self.display_name = display_name
        self.role = role
        self.volunteer_id = volunteer_id
        self.password_hash = password_hash
        self.disabled = False
        self.tokens: dict[str, str] = {}
        self.totp_secret = ""


def checked_role(checks: Checks, role: AccountRole, volunteer_id: UUID | None) -> AccountRole:
    """The role asked for, if it is one; a volunteer's account must name its volunteer (problems go to ``checks``)."""
    chosen = checks.choice("role", role, AccountRole)
    if chosen is AccountRole.VOLUNTEER and volunteer_id is None:
        checks.add("volunteer_id", Problem("required", "for_a_volunteer"))
    return chosen
