"""Access and refresh tokens of the sandbox account: minting, checking, revoking.

Tokens look like CJ's (about 570 characters, ``API@CJ<n>@CJ:<header>.<payload>.<signature>``
with base64url JSON parts) but are only ever checked by lookup: the signature is an HMAC
with a key made at start, so no token outlives its sandbox. One getAccessToken opens a
*grant*: its refresh token and every access token refreshed from it. Refreshing issues a
new access token **and a new refresh token** (the old refresh token stops working; earlier
access tokens stay valid until they expire). Logout revokes the whole grant.
Used by :mod:`.api` under the sandbox lock; not thread-safe on its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

TOKEN_LENGTH = 570


@dataclass(frozen=True)
class TokenPair:
    """What getAccessToken / refreshAccessToken hand out; times are epoch seconds."""

    access_token: str
    access_expires: float
    refresh_token: str
    refresh_expires: float
    created: float


@dataclass
class _Grant:
    refresh_token: str
    refresh_expires: float
    access: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    revoked: bool = False


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class TokenStore:
    """Every token the sandbox account ever issued, and which of them still work."""

    def __init__(self, *, account_number: str, open_id: int, access_ttl_s: float, refresh_ttl_s: float) -> None:
        self._number = account_number
        self._open_id = open_id
        self._access_ttl = access_ttl_s
        self._refresh_ttl = refresh_ttl_s
        self._key = os.urandom(32)
        self._ids = itertools.count(1)
        self._grants: dict[int, _Grant] = {}
        self._by_access: dict[str, int] = {}
        self._by_refresh: dict[str, int] = {}
        self._issued: set[str] = set()

    def _mint(self, kind: str, issued: float, expires: float) -> str:
        header = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
        claims: dict[str, object] = {
            "sub": str(self._open_id),
            "userId": self._number,
            "type": kind,
            "iss": "cjrec-sandbox",
            "aud": "api2.0",
            "scope": "product,order,logistics,storage,setting,webhook,authentication",
            "iat": int(issued),
            "exp": int(expires),
            "jti": uuid.uuid4().hex,
        }
        prefix = f"API@{self._number}@CJ:"

        def build(nonce: str) -> str:
            payload = _b64(json.dumps(claims | {"nonce": nonce}, separators=(",", ":")).encode())
            signature = _b64(hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            return f"{prefix}{header}.{payload}.{signature}"

        short = len(build(""))
        filler = os.urandom(TOKEN_LENGTH).hex()
        token = build(filler[: max(0, (TOKEN_LENGTH - short) * 3 // 4)])
        self._issued.add(token)
        return token

    def _new_access(self, grant_id: int, now: float) -> tuple[str, float]:
        expires = now + self._access_ttl
        token = self._mint("ACCESS_TOKEN", now, expires)
        self._grants[grant_id].access[token] = expires
        self._by_access[token] = grant_id
        return token, expires

    def issue(self, now: float) -> TokenPair:
        """A new grant: what getAccessToken answers."""
        grant_id = next(self._ids)
        refresh_expires = now + self._refresh_ttl
        refresh = self._mint("REFRESH_TOKEN", now, refresh_expires)
        self._grants[grant_id] = _Grant(refresh, refresh_expires)
        self._by_refresh[refresh] = grant_id
        access, access_expires = self._new_access(grant_id, now)
        return TokenPair(access, access_expires, refresh, refresh_expires, now)

    def refresh_valid(self, refresh_token: str, now: float) -> bool:
        grant_id = self._by_refresh.get(refresh_token)
        if grant_id is None:
            return False
        grant = self._grants[grant_id]
        return not grant.revoked and now < grant.refresh_expires

    def refresh(self, refresh_token: str, now: float) -> TokenPair | None:
        """New tokens for a live refresh token (which is then spent), or None: answer 1600003."""
        if not self.refresh_valid(refresh_token, now):
            return None
        grant_id = self._by_refresh.pop(refresh_token)
        grant = self._grants[grant_id]
        grant.refresh_expires = now + self._refresh_ttl
        grant.refresh_token = self._mint("REFRESH_TOKEN", now, grant.refresh_expires)
        self._by_refresh[grant.refresh_token] = grant_id
        access, access_expires = self._new_access(grant_id, now)
        return TokenPair(access, access_expires, grant.refresh_token, grant.refresh_expires, now)

    def access_valid(self, token: str, now: float) -> bool:
        grant_id = self._by_access.get(token)
        if grant_id is None:
            return False
        grant = self._grants[grant_id]
        return not grant.revoked and now < grant.access[token]

    def logout(self, access_token: str) -> None:
        """Revoke the grant the access token belongs to: its refresh token and all its access tokens."""
        grant_id = self._by_access.get(access_token)
        if grant_id is not None:
            self._grants[grant_id].revoked = True

    def revoke_all(self) -> int:
        """Revoke every grant (admin ``invalidate-tokens``); returns how many were live."""
        live = [g for g in self._grants.values() if not g.revoked]
        for grant in live:
            grant.revoked = True
        return len(live)

    def live_tokens(self, now: float) -> set[str]:
        """Access and refresh tokens that would be accepted at ``now``."""
        live: set[str] = set()
        for grant in self._grants.values():
            if grant.revoked:
                continue
            live.update(t for t, expires in grant.access.items() if now < expires)
            if now < grant.refresh_expires:
                live.add(grant.refresh_token)
        return live

    def issued(self) -> AbstractSet[str]:
        """Every token ever handed out, live or not (a read-only view): none may appear in a log."""
        return self._issued
