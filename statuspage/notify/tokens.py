"""Signed, expiring, single-purpose links of the subscription service (design §8).

A token names one subscription (its random uid, never a row number or an address) and one
action; it is signed with a key derived from the notice secret ($STATUSPAGE_LEDGER_KEY), so
`notify` (which puts unsubscribe links in every notice) and the service (which reads them)
agree without sharing anything else. itsdangerous does the signing: the action is the salt,
so a confirmation token does not unsubscribe anyone, and the time it was made is inside.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

ACTIONS = ("confirm", "manage", "unsubscribe")
# Confirmation links are answered within days or never; manage and unsubscribe links sit in
# every notice and must keep working for as long as a notice is likely to be kept.
MAX_AGE = {
    "confirm": timedelta(days=7),
    "manage": timedelta(days=400),
    "unsubscribe": timedelta(days=400),
}


class TokenError(ValueError):
    """Not a token of ours for this action (tampered, mistyped, or for another action)."""


class TokenExpired(TokenError):
    """Genuine, but older than the action allows."""


class Tokens:
    """`make` and `read` tokens with one key; `clock` (seconds) is for tests."""

    def __init__(self, key: bytes, *, clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.clock = clock

    def _serializer(self, action: str) -> URLSafeTimedSerializer:
        if action not in ACTIONS:
            raise ValueError(action)
        clock = self.clock

        class Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        return URLSafeTimedSerializer(
            self.key, salt=f"statuspage {action}", signer=Signer, signer_kwargs={}
        )

    def make(self, action: str, uid: str) -> str:
        return str(self._serializer(action).dumps(uid))

    def read(self, action: str, token: str) -> str:
        """The uid the token names; TokenExpired or TokenError otherwise."""
        serializer = self._serializer(action)
        max_age = int(MAX_AGE[action].total_seconds())
        try:
            value: Any = serializer.loads(token.strip(), max_age=max_age)
        except SignatureExpired:
            raise TokenExpired(action) from None
        except (BadData, UnicodeError, ValueError):
            raise TokenError(action) from None
        if not isinstance(value, str) or not value:
            raise TokenError(action)
        return value
