"""API bearer tokens: shown once, stored hashed, revocable, one account each.

A token reads ``pb_<account id>_<token id>_<secret>``: the account and token ids find
the stored SHA-256 of the secret (a random 32-byte secret needs no slow hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID

from domain.accounts import Account, AccountNotFound, Accounts


def new_token(account: Account) -> tuple[str, str, str]:
    """A fresh token for ``account``: (the token to hand over, its id, the hash to store)."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"pb_{account.id.hex}_{token_id}_{secret}", token_id, hashlib.sha256(secret.encode()).hexdigest()


def verify_token(accounts: Accounts, token: str) -> Account | None:
    """The account a token belongs to, if the token is well formed, known and not revoked."""
    parts = token.split("_", 3)
    if len(parts) != 4 or parts[0] != "pb":
        return None
    _, account_hex, token_id, secret = parts
    try:
        account = accounts.current(UUID(hex=account_hex))
    except (ValueError, AccountNotFound):
        return None
    stored = account.tokens.get(token_id)
    offered = hashlib.sha256(secret.encode()).hexdigest()
    return account if stored is not None and hmac.compare_digest(stored, offered) else None
