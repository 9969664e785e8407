"""People by the names people know them by, not by their accounts: "由 李婷 记录", not "由 liting 记录".

Facts and reads store who recorded or read them by user name (an account's name, or the name a command line
or import gave). Pages show the account's display name instead, looked up once per request per user name; an
erased account (its volunteer's personal data erased) and the views' neutral name for an erased volunteer read
as the neutral placeholder in the reader's language; a name no account has (the command line, the demo) is
shown as it was recorded.
"""

from __future__ import annotations

from flask import current_app, g

from domain.accounts import AccountNotFound, Accounts, account_id
from projections.erasure import ERASED_VOLUNTEER
from web.i18n import N_, _

#: The neutral placeholder for an erased volunteer or account, in the reader's language.
ERASED = N_("erased volunteer")


def person(user_name: str) -> str:
    """The display name of the account ``user_name`` (who recorded or read something), cached per request."""
    known: dict[str, str] = g.setdefault("peiban_people", {})
    if user_name not in known:
        known[user_name] = _lookup(user_name)
    return known[user_name]


def _lookup(user_name: str) -> str:
    if not user_name or user_name == ERASED_VOLUNTEER:
        return _(ERASED)
    accounts: Accounts = current_app.extensions["peiban.accounts"]
    try:
        return str(accounts.get(user_name).display_name)
    except AccountNotFound:
        return _(ERASED) if accounts.is_erased(account_id(user_name)) else user_name


def user_name(name: str) -> str:
    """A user name as facts keep it, or the neutral placeholder if its account was erased (a user name is
    personal data too)."""
    erased: dict[str, bool] = g.setdefault("peiban_erased_users", {})
    if name not in erased:
        accounts: Accounts = current_app.extensions["peiban.accounts"]
        erased[name] = name == ERASED_VOLUNTEER or accounts.is_erased_user(name)
    return _(ERASED) if erased[name] else name


def volunteer(name: str) -> str:
    """A volunteer's name as a view holds it, the neutral one in the reader's language."""
    return _(ERASED) if name == ERASED_VOLUNTEER else name
