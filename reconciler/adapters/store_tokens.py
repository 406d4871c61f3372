"""The stores' expiring tokens (client-credentials grants), kept sops-encrypted between runs.

Beside CJ's token cache, in the same place (``state/store-tokens.sops.json``, or the same
name under the state's S3 prefix) and encrypted the same way (:class:`TokenStore`: every
value encrypted, to the rule for its path in ``.sops.yaml`` or else to the Credentials file's
recipients; a cache with a plaintext value is refused). A token is kept under a key naming
the store and a digest of its client id, never a secret, with when it expires. Used by the
store platforms' clients (``shopify_http.StoreToken``) through :class:`StoreTokenCache`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime
from typing import Any, Protocol

from reconciler.adapters.token_store import TokenStore
from reconciler.errors import StateError
from reconciler.models.secret import Secret

CACHE_NAME = "store-tokens.sops.json"
FORMAT_VERSION = 1


class StoreTokenCache(Protocol):
    """Where expiring store tokens are kept between runs, by a key that names the store and the
    credentials (never the secret itself)."""

    def load(self, key: str) -> tuple[Secret, datetime] | None:
        """The token cached under ``key`` and when it expires (UTC), if one is cached."""
        ...

    def save(self, key: str, token: Secret, expires_at: datetime) -> None:
        """Keep ``token`` under ``key`` until ``expires_at`` (UTC)."""
        ...


def token_key(store: str, client_id: Secret) -> str:
    """The cache key of a store's token: its name and a digest of the client id (a new app, a new key)."""
    return f"{store}:{hashlib.sha256(client_id.reveal().encode()).hexdigest()[:16]}"


class SopsStoreTokens:
    """The stores' tokens in one sops-encrypted file, decrypted once per run."""

    def __init__(self, store: TokenStore) -> None:
        self.store = store
        self._tokens: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SopsStoreTokens({self.store.display!r})"

    def load(self, key: str) -> tuple[Secret, datetime] | None:
        with self._lock:
            entry = self._all().get(key)
        if entry is None:
            return None
        try:
            expires = datetime.fromisoformat(str(entry["expires_at"]))
            token = str(entry["token"])
        except (KeyError, TypeError, ValueError):
            return None  # a damaged entry: the store is asked for a new token
        return (Secret(token), expires) if expires.tzinfo is not None and token else None

    def save(self, key: str, token: Secret, expires_at: datetime) -> None:
        with self._lock:
            tokens = dict(self._all())
            tokens[key] = {"token": token.reveal(), "expires_at": expires_at.isoformat()}
            body = {"format_version": FORMAT_VERSION, "tokens": tokens}
            self.store.save_bytes(json.dumps(body, sort_keys=True).encode())
            self._tokens = tokens

    def _all(self) -> dict[str, dict[str, Any]]:
        if self._tokens is None:
            plaintext = self.store.load_bytes()
            self._tokens = {} if plaintext is None else _parse(plaintext, self.store.display)
        return self._tokens


def _parse(plaintext: bytes, display: str) -> dict[str, dict[str, Any]]:
    try:
        body = json.loads(plaintext)
    except (ValueError, RecursionError):
        body = None
    if (
        not isinstance(body, dict)
        or body.get("format_version") != FORMAT_VERSION
        or not isinstance(body.get("tokens"), dict)
    ):
        raise StateError(
            f"{display}: the stores' token cache is not in a format this cjrec understands",
            hint=f"delete {display}: the stores are asked for new tokens",
        )
    return {str(k): v for k, v in body["tokens"].items() if isinstance(v, dict)}
