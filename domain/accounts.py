"""Accounts: the application that keeps them (the aggregate is in ``domain.account``), and decides who may become
what; every grant and change is a recorded fact.

Passwords and API tokens arrive here already hashed (the web layer hashes them). Requests ask for an account on
every call: the folded account is kept while the accounts' log ends where it ended (see ``current``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment

from domain.account import (
    Account,
    AccountNotFound,
    AccountRole,
    SecondFactorNotOffered,
    TokenNotFound,
    UserNameTaken,
    VolunteerAccountNeedsVolunteer,
    account_id,
    checked_role,
)
from domain.actor import Actor
from domain.aggregate import check_actor
from domain.checks import Checks
from domain.encryption import EncryptedApplication, KeyRing
from domain.errors import ErasureUnavailable
from domain.transcodings import EnumAsValue, register_transcodings

__all__ = [
    "Account",
    "AccountNotFound",
    "AccountRole",
    "Accounts",
    "SecondFactorNotOffered",
    "TokenNotFound",
    "UserNameTaken",
    "VolunteerAccountNeedsVolunteer",
    "account_id",
]

#: where a log ends: the id of its last fact, and that fact's stored bytes
LogEnd = tuple[int, bytes]


class Accounts(EncryptedApplication):
    """The accounts store (its own file or tables; ``name`` is stored data)."""

    name = "peiban_accounts"

    def __init__(
        self, env: Mapping[str, str] | None = None, *, clock: Callable[[], datetime], keys: KeyRing | None = None
    ) -> None:
        self.clock = clock
        self.keys = keys  # each account's facts (contact details, TOTP secret) under the account's own key
        #: accounts as folded when the accounts' log ended at ``_end`` (see ``current``)
        self._end: LogEnd = (-1, b"")
        self._folded: dict[UUID, Account] = {}
        self._folding = threading.Lock()
        super().__init__(env)

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)
        transcoder.register(EnumAsValue(AccountRole))

    def get(self, user_name_or_id: str | UUID) -> Account:
        """An account by user name or id."""
        key = user_name_or_id if isinstance(user_name_or_id, UUID) else account_id(user_name_or_id)
        if self.is_erased(key):  # its facts are ciphertext nobody can read: as if it never was
            raise AccountNotFound()
        try:
            account: Any = self.repository.get(key)
        except AggregateNotFoundError:
            raise AccountNotFound() from None
        assert isinstance(account, Account)
        return account

    def current(self, account: UUID) -> Account:
        """The account as it stands now, to decide a request's authority with: two queries (is its key destroyed? is
        the accounts' log as it was?) and folded again only when the log has changed since it was last folded,
        whichever process recorded what (a revoked token, a lockout, a new role). Shared: never to be changed.
        """
        if self.is_erased(account):  # an erasure destroys a key and records no fact: asked every time
            self._forget(account)
            raise AccountNotFound()
        end = self._log_end()  # read before folding: a fact recorded meanwhile refolds
        with self._folding:
            if end != self._end:
                self._end, self._folded = end, {}
            found = self._folded.get(account)
        if found is None:
            found = self.get(account)
            with self._folding:
                if end == self._end:
                    self._folded[account] = found
        return found

    def _log_end(self) -> LogEnd:
        """Where the accounts' log ends, and the stored bytes of its last fact: one query while it is as it was. Its
        length alone would not do: a log put back from a backup, then grown by as many facts, is as long as before,
        and ends in another fact (each stored fact's bytes are its own: a random nonce, a random fact id)."""
        known, last = self._end
        if known >= 0:
            rows = self.recorder.select_notifications(known, 2)
            if [(n.id, n.state) for n in rows] == ([(known, last)] if known else []):
                return known, last
        head = self.recorder.max_notification_id() or 0
        rows = self.recorder.select_notifications(head, 1) if head else []
        return head, rows[0].state if rows else b""

    def open_account(
        self,
        *,
        user_name: str,
        display_name: str,
        role: AccountRole,
        password_hash: str,
        volunteer_id: UUID | None = None,
        recorded_by: Actor,
    ) -> UUID:
        """Open an account with a role (a volunteer's account names its volunteer)."""
        checks = Checks()
        by = check_actor(checks, recorded_by)
        name = checks.text("user_name", user_name, limit=50)
        shown = checks.text("display_name", display_name, limit=100)
        chosen = checked_role(checks, role, volunteer_id)
        checks.done()
        if self.is_erased(account_id(name)):  # an erased account's name is never given out again
            raise UserNameTaken()
        now = self.clock()
        account = Account._create(
            Account.Opened,
            id=account_id(name),
            timestamp=now,
            recorded_by=by,
            occurred_at=now,
            user_name=name,
            display_name=shown,
            role=chosen,
            volunteer_id=volunteer_id,
            password_hash=password_hash,
        )
        try:
            self.save(account)
        except IntegrityError:
            raise UserNameTaken() from None
        return account.id

    def _change(self, user: str | UUID, event_class: type[Any], recorded_by: Actor, **fields: object) -> None:
        checks = Checks()
        by = check_actor(checks, recorded_by)
        checks.done()
        account = self.get(user)
        now = self.clock()
        account.trigger_event(event_class, timestamp=now, recorded_by=by, occurred_at=now, **fields)
        self.save(account)

    def grant_role(
        self, user: str | UUID, *, role: AccountRole, volunteer_id: UUID | None = None, recorded_by: Actor
    ) -> None:
        """Change an account's role."""
        checks = Checks()
        chosen = checked_role(checks, role, volunteer_id)
        checks.done()
        self._change(user, Account.RoleGranted, recorded_by, role=chosen, volunteer_id=volunteer_id)

    def set_password(self, user: str | UUID, *, password_hash: str, recorded_by: Actor) -> None:
        """Replace an account's password (given hashed)."""
        self._change(user, Account.PasswordSet, recorded_by, password_hash=password_hash)

    def disable(self, user: str | UUID, *, reason: str, recorded_by: Actor) -> None:
        """Lock an account out at once (its sessions end with it)."""
        checks = Checks()
        why = checks.text("reason", reason, limit=500)
        checks.done()
        self._change(user, Account.Disabled, recorded_by, reason=why)

    def enable(self, user: str | UUID, *, recorded_by: Actor) -> None:
        self._change(user, Account.Enabled, recorded_by)

    def issue_token(self, user: str | UUID, *, token_id: str, token_hash: str, label: str, recorded_by: Actor) -> None:
        """Record an API token for an account (only its hash is kept)."""
        checks = Checks()
        text = checks.text("label", label, limit=100, required=False)
        checks.done()
        self._change(user, Account.TokenIssued, recorded_by, token_id=token_id, token_hash=token_hash, label=text)

    def revoke_token(self, user: str | UUID, *, token_id: str, recorded_by: Actor) -> None:
        """Withdraw one of an account's API tokens, named by its id in any case; an id the account holds no token by
        is refused, and nothing recorded: a mistyped id must never read as a token withdrawn."""
        held = token_id.strip().casefold()  # made lower-case hex (web.access.tokens); an operator may type it so
        if held not in self.get(user).tokens:
            raise TokenNotFound()
        self._change(user, Account.TokenRevoked, recorded_by, token_id=held)

    def set_second_factor(self, user: str | UUID, *, totp_secret: str, recorded_by: Actor) -> None:
        """Require a one-time code at sign-in (coordinators and auditors); an empty secret removes it."""
        if totp_secret and self.get(user).role not in (AccountRole.COORDINATOR, AccountRole.AUDITOR):
            raise SecondFactorNotOffered()
        self._change(user, Account.SecondFactorSet, recorded_by, totp_secret=totp_secret)

    def all_accounts(self) -> list[Account]:
        """Every account (there are few: a centre's staff and volunteers), but those erased."""
        ids: list[UUID] = []
        position = 0
        while batch := self.recorder.select_notifications(position, 1000, inclusive_of_start=False):
            ids += [UUID(str(n.originator_id)) for n in batch if n.originator_version == 1]
            position = batch[-1].id
        return [self.get(i) for i in ids if not self.is_erased(i)]

    def accounts_of(self, volunteer_id: UUID) -> list[UUID]:
        """The ids of the accounts linked to a volunteer."""
        return [a.id for a in self.all_accounts() if a.volunteer_id == volunteer_id]

    def is_erased(self, account: UUID) -> bool:
        """Whether the account's key was destroyed (its volunteer's personal data erased)."""
        return self.keys is not None and self.keys.erasure(account) is not None

    def is_erased_user(self, user_name: str) -> bool:
        """Whether the account named ``user_name`` was erased: the name that facts keep of who recorded them is
        then to be shown as no one's."""
        return self.is_erased(account_id(user_name))

    def erase(self, account: UUID, *, reason: str) -> None:
        """Destroy the account's key: its user name, display name, password hash, tokens and one-time-code secret
        become ciphertext nobody can read. It can never sign in again, and its name is never given out again
        (the id is the name's). Erasing an erased account does nothing."""
        if self.keys is None:
            raise ErasureUnavailable()
        if not self.is_erased(account):
            self.keys.destroy(account, at=self.clock(), reason=reason)
            cache = self.repository.cache
            if cache is not None:
                with contextlib.suppress(KeyError):
                    cache.get(account, evict=True)
        self._forget(account)

    def _forget(self, account: UUID) -> None:
        """Drop an erased account from the accounts folded for requests: its plaintext should not outlive its key."""
        with self._folding:
            self._folded.pop(account, None)
