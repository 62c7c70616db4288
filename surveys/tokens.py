"""Secret link tokens (pure): made with the OS's random source, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness; the issue asks for at least 128
# token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]; anything else cannot be one of ours.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def make_token() -> str:
    """Return a new URL-safe secret with 256 bits of randomness."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of a token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_like_token(value: str) -> bool:
    """Tell whether a URL segment could be a token at all (saves a query for obvious junk)."""
    return bool(TOKEN_PATTERN.match(value))
