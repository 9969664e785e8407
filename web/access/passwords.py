"""Passwords: argon2id hashes, a minimum length, and no common passwords."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import InvalidInput, Problem

MIN_LENGTH = 10
MAX_LENGTH = 200


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended costs


@cache
def common_passwords() -> frozenset[str]:
    text = files("web.access").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_new_password(password: str, user_name: str = "", field: str = "password") -> None:
    """Refuse a password that is only spaces, too short, too long, common, or the user's own name."""
    problems = []
    if not password.strip():
        problems.append(Problem("blank", "password"))
    elif len(password) < MIN_LENGTH:
        problems.append(Problem("too_short", "password", least=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        problems.append(Problem("too_long", "password", most=MAX_LENGTH))
    lowered = password.casefold()
    if lowered in common_passwords() or (user_name and user_name.casefold() in lowered):
        problems.append(Problem("common", "password"))
    if problems:
        raise InvalidInput({field: problems})


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


#: Checked against when the user name is unknown, so that sign-in takes as long either way.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$4Ucbb3Dw9I7mQ8dFHaN3dLkwlz+tHZ3o+VmZyYqD9lI"
