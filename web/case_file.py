"""The case file as the API and the pages hand it out: what the caller may read of a family, in one document."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, g

from domain.accounts import AccountRole
from projections.case_file import Reader, case_file
from web.access.policy import Action, may
from web.api.common import now, peiban, read_models
from web.seal_view import seal


def reader_of(user_name: str, role: AccountRole) -> Reader:
    """What an account of ``role`` may read of a case file: the policy decides (web.access.policy)."""
    cleared = may(role, Action.READ_SENSITIVE)
    return Reader(user_name, cleared=cleared, raw_facts=cleared and may(role, Action.READ_RAW_FACTS))


def callers_case_file(family_id: UUID) -> dict[str, Any]:
    """The signed-in caller's case file of a family (the guard has let them in and records the read)."""
    caller = g.caller
    accounts = current_app.extensions["peiban.accounts"]
    reader = reader_of(caller.user_name, caller.role)
    return case_file(
        peiban(), read_models(), seal(), family_id, reader=reader, now=now(), erased=accounts.is_erased_user
    )


def file_name(family_id: UUID, suffix: str) -> str:
    return f"peiban-case-file-{family_id}.{suffix}"
