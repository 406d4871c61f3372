"""One API call as an endpoint function sees it (:class:`Call`), and the checks endpoints share.

:class:`~reconciler.sandbox.api.CjApi` builds a Call for each request it lets through and
hands it to the endpoint function registered for the method and path (``ROUTES`` of this
package); the endpoint modules use :func:`param_error` and :func:`page_param` for CJ's
answers to bad parameters and its paging rules. The state a Call carries holds the desks
(account, sourcing, freight); the desks never import this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.sandbox import envelope as env
from reconciler.sandbox.envelope import Reply
from reconciler.sandbox.state import SandboxState

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Call:
    """One call being answered: the state, its parameters and the time it arrived."""

    state: SandboxState
    query: Mapping[str, list[str]]
    body: bytes
    token: str
    now_mono: float
    now_wall: float

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json_object(self) -> dict[str, object] | None:
        """The body as a JSON object, or None when it is not one."""
        try:
            parsed: object = json.loads(self.body.decode("utf-8")) if self.body.strip() else {}
        except ValueError:
            return None
        return {str(k): v for k, v in parsed.items()} if isinstance(parsed, dict) else None


def param_error(message: str) -> Reply:
    """CJ's answer to a missing or malformed parameter (1600300)."""
    return env.failure(env.PARAM_ERROR, message)


def page_param(call: Call, name: str, default: int) -> int | None:
    """``pageNum`` or ``pageSize``: ``default`` when absent, None when not a whole number of at least 1."""
    raw = call.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None
