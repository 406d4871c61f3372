"""WooCommerce as a store platform, the pure part: its Store document rules, its ids as CJ takes
them, and the estimated number of requests of each write, for the plan.

Registered in ``kinds/store/platforms.py`` as :data:`WOOCOMMERCE`; the calls themselves are made
by ``adapters/woocommerce_store.py`` (the :class:`~reconciler.kinds.store.platform.StoreClient` of a
WooCommerce store) through ``adapters/woocommerce_http.py``. A WooCommerce Store names its site
(``url: https://shop.example.com``, ``http://`` only on a loopback address) and a REST API key
pair (``consumerKey``, ``consumerSecret``, sops-encrypted), speaks the REST API ``wc/v3``, and
may bound its concurrent requests (``maxConcurrency``, default 2: the site is self-hosted).
WooCommerce's ids are numbers already, so CJ's connections take them as they are.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from reconciler.kinds.store.platform import SpecCheck, StoreOperation, StorePlatform
from reconciler.models.network import is_loopback

NAME = "woocommerce"
API_VERSION = "wc/v3"
BATCH = 100  # WooCommerce's default objects per batch request
DEFAULT_CONCURRENCY = 2
OWN_FIELDS = ("url", "consumer_key", "consumer_secret")
OTHER_FIELDS = {  # fields of other platforms, and what WooCommerce takes instead
    "domain": "url",
    "endpoint": "url",
    "access_token": "consumerKey + consumerSecret",
    "client_id": "consumerKey + consumerSecret",
    "client_secret": "consumerKey + consumerSecret",
}
CAMEL = {"consumer_key": "consumerKey", "consumer_secret": "consumerSecret", "access_token": "accessToken",
         "client_id": "clientId", "client_secret": "clientSecret"}  # fmt: skip


def check_api_version(value: str) -> str | None:
    if value == API_VERSION:
        return None
    return f"{value[:40]!r} is not a WooCommerce REST API version cjrec speaks: {API_VERSION}"


def check_url(value: str) -> str | None:
    """The site's address: https, or http only to a loopback host (the keys must not travel in clear)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"{value[:80]!r} is not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return f"{value[:80]!r} is not an http(s) URL with a host: the site's address, https://shop.example.com"
    if parts.scheme == "http" and not is_loopback(host):
        return (
            f"plain http to {host[:60]}: the REST API keys would travel unencrypted; use https://, "
            "or http:// only for a sandbox on 127.0.0.1/localhost"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        return "only the site's address (scheme, host, port and WordPress's folder, if any): cjrec adds /wp-json/wc/v3"
    return None


def check_spec(spec: Any) -> str | None:
    """A WooCommerce Store needs ``url`` and the key pair, and none of another platform's fields."""
    for name, instead in OTHER_FIELDS.items():
        if getattr(spec, name, None) is not None:
            return f"{CAMEL.get(name, name)} is not a field of a WooCommerce Store: it takes {instead}"
    publish = getattr(spec, "publish", None)
    for name, field in (("vendor", "vendor"), ("product_type", "productType"), ("tags", "tags")):
        if getattr(publish, name, None):
            return (
                f"publish.{field} is Shopify's: a WooCommerce Store publishes with status only (categories and "
                "tags are the merchant's, set in WordPress)"
            )
    missing = [CAMEL.get(name, name) for name in OWN_FIELDS if getattr(spec, name, None) is None]
    if missing:
        return (
            "missing " + ", ".join(missing) + ": a WooCommerce Store names its site (url) and a REST API key with "
            "Read/Write permissions (WooCommerce → Settings → Advanced → REST API: consumerKey, consumerSecret)"
        )
    return None


def cj_id(store_id: str) -> str:
    """WooCommerce's ids are numbers: CJ takes them as they are."""
    return store_id


def cost(operation: StoreOperation, count: int) -> int:
    """Requests, for the plan. A first publish: its variations batch (``count`` variations, 100 a
    request); its share of the ``/products/batch`` and of the SKU lookup it travels in (100
    products each) is left out, so 1,000 products estimate 1,000 where 1,021 are sent. Variants
    changed: the product's attributes read and written, then its variations batch. Prices: the
    variations batch. A read: one page of 100 products plus one variations list each."""
    batches = max(1, math.ceil(count / BATCH))
    if operation == "read":
        return batches + count
    if operation == "variants":
        return 2 + batches
    if operation in ("publish", "prices"):
        return batches
    return 1


WOOCOMMERCE = StorePlatform(
    name=NAME,
    label="WooCommerce",
    checks=(SpecCheck("api_version", check_api_version), SpecCheck("url", check_url)),
    default_api_version=API_VERSION,
    cj_id=cj_id,
    cost=cost,
    cost_unit="requests",
    spec_rule=check_spec,
    publish_batch=BATCH,
)
