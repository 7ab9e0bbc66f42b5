"""Document codes: 80 random bits and 20 bits of HMAC check, so a forged or altered code fails at once.

A code reads `XXXX-XXXX-XXXX-XXXX-CCCC` in Crockford's base 32 (no I, L, O, U; typed in any case,
with or without hyphens; O is read as 0, I and L as 1). The first 16 characters are random
(2**80: not guessable, not enumerable); the last 4 are the first 20 bits of
HMAC-SHA256(key, first 16), so a made-up or mistyped code is refused without a database lookup
(a forgery passes the check once in a million tries, and then still has to name an issued document).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import Connection

from config.settings import get_settings
from services.engine.keys import configured_or_database_key

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARS = 16
CHECK_CHARS = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def code_key(conn: Connection) -> str:
    return configured_or_database_key(conn, get_settings().documents.code_secret, "documents", "codes")


def _check(body: str, key: str) -> str:
    digest = int.from_bytes(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()[:4], "big")
    digest >>= 32 - 5 * CHECK_CHARS
    return "".join(ALPHABET[(digest >> (5 * i)) & 31] for i in reversed(range(CHECK_CHARS)))


def _grouped(compact: str) -> str:
    return "-".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def new_code(key: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return _grouped(body + _check(body, key))


def normalise(text: str) -> str | None:
    """The canonical spelling of a code as typed, or None when it cannot be one (wrong length or letters)."""
    compact = text.strip().upper().replace("-", "").replace(" ", "").translate(_READ_AS)
    if len(compact) != RANDOM_CHARS + CHECK_CHARS or any(c not in ALPHABET for c in compact):
        return None
    return _grouped(compact)


def is_genuine(code: str, key: str) -> bool:
    """Whether a canonical code's check characters are the platform's (constant time)."""
    compact = code.replace("-", "")
    return hmac.compare_digest(compact[RANDOM_CHARS:], _check(compact[:RANDOM_CHARS], key))
