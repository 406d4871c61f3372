"""The log of every API call the sandbox received, with every secret taken out.

:mod:`.api` records each call (after answering it) with the secrets known at that moment:
the API key and every token the sandbox ever issued. Values under secret-looking keys
(``apiKey``, ``accessToken``, ``refreshToken``, ``password``, ``token``) and any value
containing a known secret become ``"(redacted)"``. ``token_in_url`` is set when the query
string carried a token or the API key, so tests can assert that a client never does that.
Headers are not logged, except ``secret_headers``: the names of the headers other than
``CJ-Access-Token`` that look like credentials (``Authorization``, ``X-Api-Key``, ``Cookie``,
…) or carry a known secret, so tests can assert that a client sends its token only there.
Read through ``Sandbox.calls()`` or ``GET /__sandbox/calls``.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from urllib.parse import parse_qs

REDACTED = "(redacted)"
SECRET_KEYS = frozenset({"apikey", "accesstoken", "refreshtoken", "password", "token", "cj-access-token"})
MAX_CALLS = 100_000
_MIN_SECRET = 16  # shorter strings cannot hold a key or a token
_CREDENTIAL_HEADER = re.compile(r"auth|token|key|secret|passw|cookie|credential|session", re.IGNORECASE)


class Scrubber:
    """Replaces known secrets in strings, JSON values and query strings."""

    def __init__(self, secrets: AbstractSet[str]) -> None:
        self._secrets = secrets

    def contains_secret(self, text: str) -> bool:
        if len(text) < _MIN_SECRET:
            return False
        return text in self._secrets or any(secret in text for secret in self._secrets)

    def text(self, text: str) -> str:
        if not self.contains_secret(text):
            return text
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def secret_headers(self, headers: Mapping[str, str]) -> list[str]:
        """Names of the headers besides CJ-Access-Token that look like credentials or carry a secret."""
        return sorted(
            name
            for name, value in headers.items()
            if name.lower() != "cj-access-token" and (_CREDENTIAL_HEADER.search(name) or self.contains_secret(value))
        )

    def value(self, value: object) -> object:
        """A JSON value with secret keys and secret strings redacted, recursively."""
        if isinstance(value, dict):
            return {
                str(k): REDACTED if str(k).lower() in SECRET_KEYS and v is not None else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def body(self, raw: bytes) -> object:
        """The request body as logged: redacted JSON, or redacted text cut to 500 characters."""
        if not raw:
            return None
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed: object = json.loads(text)
        except ValueError:
            return self.text(text)[:500]
        return self.value(parsed)

    def query(self, raw_query: str) -> tuple[dict[str, object], bool]:
        """The query parameters as logged, and whether any of them carried a secret."""
        leaked = self.contains_secret(raw_query)
        logged: dict[str, object] = {}
        for key, values in parse_qs(raw_query, keep_blank_values=True).items():
            cleaned = []
            for value in values:
                if self.contains_secret(value):
                    leaked = True
                    cleaned.append(REDACTED)
                elif key.lower() in SECRET_KEYS:
                    cleaned.append(REDACTED)
                else:
                    cleaned.append(value)
            logged[self.text(key)] = cleaned[0] if len(cleaned) == 1 else cleaned
        return logged, leaked


class CallLog:
    """Calls in arrival order (the newest ``MAX_CALLS``); guarded by the sandbox lock."""

    def __init__(self) -> None:
        self._calls: deque[dict[str, object]] = deque(maxlen=MAX_CALLS)

    def __len__(self) -> int:
        return len(self._calls)

    def add(self, record: dict[str, object]) -> None:
        self._calls.append(record)

    def all(self) -> list[dict[str, object]]:
        return [dict(call) for call in self._calls]

    def clear(self) -> int:
        count = len(self._calls)
        self._calls.clear()
        return count
