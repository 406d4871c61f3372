"""The account's webhook configuration and product event subscriptions, as the sandbox keeps them.

``webhook/set`` configures one callback URL per topic (product, stock, order, logistics);
``setting/get`` reports it under ``callback`` as ``<topic>Type`` and
``<topic>CallbackUrls``. Product subscriptions are a set of pids changed at most 100 at a
time. CJ refuses URLs that are not public https; the sandbox refuses plain http and
loopback or private addresses the same way.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

TOPICS = ("product", "stock", "order", "logistics")
MAX_BATCH = 100


def callback_url_problem(url: object) -> str | None:
    """Why CJ would refuse ``url`` as a callback, or None."""
    if not isinstance(url, str):
        return "callback URLs must be strings"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return "callback URLs must be https"
    if host == "localhost" or host.endswith(".localhost"):
        return "callback URLs must be public"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified:
        return "callback URLs must be public"
    return None


class Webhooks:
    """Callbacks per topic and the product subscription set."""

    def __init__(self) -> None:
        self.callbacks: dict[str, tuple[str, list[str]]] = {topic: ("CANCEL", []) for topic in TOPICS}
        self.subscriptions: set[str] = set()

    def set(self, topic: str, kind: str, urls: list[str]) -> None:
        self.callbacks[topic] = (kind, list(urls) if kind == "ENABLE" else [])

    def as_callback(self) -> dict[str, object]:
        """The ``callback`` object of ``setting/get``."""
        out: dict[str, object] = {}
        for topic in TOPICS:
            kind, urls = self.callbacks[topic]
            out[f"{topic}Type"] = kind
            out[f"{topic}CallbackUrls"] = list(urls)
        return out
