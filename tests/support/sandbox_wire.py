"""A tiny HTTP client for a running sandbox (:class:`Wire`, answers as :class:`Answer`), and fast sandbox settings.

The client speaks plain HTTP with ``http.client`` (one connection per call) so the tests see
exactly what went over the wire: status, headers and the body, parsed as JSON when it is.
Used by the sandbox tests (through the ``wire`` and ``logged_in`` fixtures of
tests/sandbox/conftest.py, which start sandboxes with ``FAST``) and by end-to-end tests that
call a sandbox directly.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from reconciler.sandbox import Sandbox, SandboxConfig


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> dict[str, object]:
        parsed = json.loads(self.raw)
        assert isinstance(parsed, dict)
        return parsed

    @property
    def code(self) -> object:
        return self.json["code"]

    @property
    def data(self) -> object:
        return self.json["data"]

    def field(self, name: str) -> object:
        """One field of ``data``, which must be an object."""
        data = self.data
        assert isinstance(data, dict), self.raw
        return data[name]


class Wire:
    """Calls a sandbox over real HTTP, as a client would."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        split = urlsplit(sandbox.base_url)
        self.host, self.port = split.hostname or "127.0.0.1", split.port or 80
        self.token: str | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        query: dict[str, str] | None = None,
        token: str | None = None,
        timeout: float = 5.0,
        raw_body: bytes | None = None,
    ) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["CJ-Access-Token"] = token
            payload = raw_body if raw_body is not None else (None if body is None else json.dumps(body).encode())
            url = path + (f"?{urlencode(query)}" if query else "")
            conn.request(method, url, body=payload, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def api(
        self,
        method: str,
        endpoint: str,
        *,
        body: object = None,
        query: dict[str, str] | None = None,
        token: str | None = None,
        anonymous: bool = False,
        timeout: float = 5.0,
    ) -> Answer:
        """A CJ API call; sends the access token from :meth:`login` unless ``token`` or ``anonymous``."""
        sent = None if anonymous else (token or self.token)
        return self.request(method, "/api2.0/v1" + endpoint, body=body, query=query, token=sent, timeout=timeout)

    def admin(self, method: str, route: str, body: object = None) -> Answer:
        return self.request(method, "/__sandbox" + route, body=body)

    def login(self) -> dict[str, object]:
        answer = self.api("POST", "/authentication/getAccessToken", body={"apiKey": self.sandbox.config.api_key})
        assert answer.status == 200 and answer.code == 200, answer.raw
        data = answer.data
        assert isinstance(data, dict)
        self.token = str(data["accessToken"])
        return data


# Tests run fast when the QPS windows are off; rate-limit tests turn them back on.
FAST = SandboxConfig(enforce_qps=False, products=60)

MakeSandbox = Callable[..., Sandbox]
