"""argon2id password hashes, with the cost set in the configuration."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from board.models import User


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_TIME_COST"],
        memory_cost=config["PASSWORD_MEMORY_COST"],
        parallelism=config["PASSWORD_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password; an unknown user costs the same time as a wrong password."""
    hasher = _hasher()
    if user is None or user.password_hash is None:
        # Spend the same work so that response times do not tell which accounts exist.
        hasher.hash(password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


def needs_rehash(user: User) -> bool:
    return user.password_hash is not None and _hasher().check_needs_rehash(user.password_hash)
