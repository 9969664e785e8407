"""Password hashes for the accounts that tests open straight in the accounts store.

Each is a real argon2id hash, made once per password, at the algorithm's lowest costs (one pass over 8 KiB).
A hash carries the costs it was made with and sign-in checks it with those, so signing in against one runs the
real check in a tenth of a millisecond instead of 0.15 s at the production costs: the suite signs in hundreds of
times. Accounts opened as operators do (`peiban user add`, a changed password) are hashed at the production
costs, and `tests/web/access/test_sessions.py` checks those costs and the hash checked for an unknown name.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher

_LOWEST_COSTS = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@cache
def password_hash(password: str) -> str:
    """An argon2id hash of ``password`` for a test's account (the same hash each time it is asked for)."""
    return _LOWEST_COSTS.hash(password)
