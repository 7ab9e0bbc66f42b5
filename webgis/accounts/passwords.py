"""Password hashing with argon2id, OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

Why not argon2-cffi's default (64 MiB, 3 passes, 4 lanes)? On the city's
small servers, and with gunicorn's workers sharing two cores, it costs over a
second per login under load and makes login itself a denial-of-service lever;
OWASP's setting is as strong per unit of server time. Old hashes are rehashed
at the next login (needs_rehash) whenever these parameters change.

`verify` costs the same whether or not the user exists: callers pass
`password_hash=None` for an unknown user and a hash of a random secret is
verified instead, so neither the answer nor its timing tells an attacker which
usernames exist (OWASP Authentication Cheat Sheet).
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10  # NIST SP 800-63B asks for at least 8; long passphrases are welcome
MAX_LENGTH = 256  # bounds the hashing cost an attacker can ask for

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


class WeakPassword(ValueError):
    """The new password does not meet the policy; the message says why."""


def check_policy(password: str, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password must have at most {MAX_LENGTH} characters")
    if username and password.strip().lower() == username.lower():
        raise WeakPassword("the password must not be the username")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always does one full argon2 verification."""
    try:
        if password_hash is None:
            _hasher.verify(_dummy_hash(), password)
            return False
        return _hasher.verify(password_hash, password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
