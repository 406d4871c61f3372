"""Shopify as a store platform, the pure part: its Store document rules, its ids as CJ takes
them, the estimated query cost of each write, and the inputs of its mutations.

Registered in ``kinds/store/platforms.py`` as :data:`SHOPIFY`; the calls themselves are made
by ``adapters/shopify_store.py`` (the :class:`~reconciler.kinds.store.platform.StoreClient` of a
Shopify store), which builds its inputs here. What cjrec owns and what it leaves to the
merchant decides the mutation:

- **first publish** (:func:`create_input`): ``productSet`` with everything, including the
  title, the images, the publishing defaults (status, vendor, product type, tags) and the
  identity metafield ``cjrec.cj_pid`` (type ``id``, its definition :data:`DEFINITION` created
  once), used as ``productSet``'s ``identifier.customId`` (:func:`identifier`) so that a rerun
  after a lost state updates the product instead of duplicating it;
- **variants added or removed** (:func:`variants_input`): ``productSet`` by the product's id
  with only ``productOptions`` and ``variants`` — list fields it omits (metafields, files,
  collections) and scalars it omits (title, description, tags, SEO) stay as the merchant
  left them;
- **prices only** (:func:`price_updates`): ``productVariantsBulkUpdate``, which changes only
  the fields it is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from reconciler.kinds.listing.payload import handle_of
from reconciler.kinds.store.model import Store
from reconciler.kinds.store.platform import Listing, SpecCheck, StoreOperation, StorePlatform

NAME = "shopify"
NAMESPACE = "cjrec"
KEY = "cj_pid"
DEFINITION: dict[str, Any] = {
    "namespace": NAMESPACE,
    "key": KEY,
    "name": "CJ product id",
    "description": "The CJ Dropshipping product this product is published from (cjrec).",
    "ownerType": "PRODUCT",
    "type": "id",
}
DOMAIN_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.myshopify\.com$"
API_VERSION_PATTERN = r"^20[0-9]{2}-(01|04|07|10)$"
LOWEST_API_VERSION = "2025-04"  # productSet upserts by ``identifier`` from this version on
DEFAULT_API_VERSION = "2026-01"  # the version of the schema subset the stand-in validates against
PAGE = 250  # Shopify's most per page and per array input
MUTATION_COST = 10
PRODUCT_COST = 1 + 1 + 2 + PAGE + 1  # a product read: product, metafield, PAGE variant nodes, pageInfo
PER_READ = max(1, 1000 // PRODUCT_COST)  # products per read query, under the 1,000-point ceiling
STATUS_INPUT = {"active": "ACTIVE", "draft": "DRAFT", "archived": "ARCHIVED"}


def check_domain(value: str) -> str | None:
    if re.fullmatch(DOMAIN_PATTERN, value):
        return None
    return (
        f"{value[:80]!r} is not a shop's permanent domain: NAME.myshopify.com, lowercase "
        "(Shopify's admin shows it under Settings → Domains)"
    )


def check_api_version(value: str) -> str | None:
    if not re.fullmatch(API_VERSION_PATTERN, value):
        return f"{value[:40]!r} is not an Admin API version: YYYY-MM with MM 01, 04, 07 or 10"
    if value < LOWEST_API_VERSION:
        return (
            f"{value} is older than {LOWEST_API_VERSION}, the first version where productSet upserts by "
            f"identifier (without it a rerun would duplicate products); use {DEFAULT_API_VERSION}"
        )
    return None


WOO_FIELDS = {"url": "domain (and endpoint)", "consumer_key": "accessToken", "consumer_secret": "accessToken"}
CAMEL = {"url": "url", "consumer_key": "consumerKey", "consumer_secret": "consumerSecret"}


def check_spec(spec: Any) -> str | None:
    """A Shopify Store names its ``domain`` and gives ``accessToken``, or ``clientId`` + ``clientSecret``
    for the client-credentials grant; another platform's fields are refused."""
    for name, instead in WOO_FIELDS.items():
        if getattr(spec, name, None) is not None:
            return f"{CAMEL[name]} is not a field of a Shopify Store: it takes {instead}"
    if getattr(spec, "domain", None) is None:
        return "missing domain: the shop's permanent domain, NAME.myshopify.com"
    token = getattr(spec, "access_token", None)
    pair = (getattr(spec, "client_id", None) is not None, getattr(spec, "client_secret", None) is not None)
    if token is not None and any(pair):
        return "give accessToken, or clientId + clientSecret (client-credentials grant), not both"
    if token is None and not all(pair):
        if any(pair):
            return "clientId and clientSecret must be given together"
        return (
            "missing the store's credentials: accessToken, or clientId + clientSecret for the "
            "client-credentials grant (from the app in Shopify's Dev Dashboard)"
        )
    return None


def cj_id(gid: str) -> str:
    """A Shopify global id as CJ takes it: ``gid://shopify/Product/123`` → ``123``."""
    return gid.rsplit("/", 1)[-1]


def cost(operation: StoreOperation, count: int) -> int:
    """The estimated query cost: a mutation 10 points (prices: one per 250 variants), a read of
    ``count`` products :data:`PRODUCT_COST` each."""
    if operation == "read":
        return PRODUCT_COST * count
    if operation == "prices":
        return MUTATION_COST * max(1, math.ceil(count / PAGE))
    return MUTATION_COST


SHOPIFY = StorePlatform(
    name=NAME,
    label="Shopify",
    checks=(SpecCheck("domain", check_domain), SpecCheck("api_version", check_api_version)),
    default_api_version=DEFAULT_API_VERSION,
    cj_id=cj_id,
    cost=cost,
    cost_unit="query cost points",
    spec_rule=check_spec,
)


def identifier(pid: str) -> dict[str, Any]:
    """``productSet``'s identifier for the product published from ``pid``."""
    return {"customId": {"namespace": NAMESPACE, "key": KEY, "value": pid}}


def create_input(listing: Listing, store: Store) -> dict[str, Any]:
    """``ProductSetInput`` for the first publish of ``listing`` to ``store``."""
    data: dict[str, Any] = {
        "title": listing.title,
        "handle": handle_of(listing.pid),
        "status": ("ACTIVE" if store.publish.status == "active" else "DRAFT") if listing.active else "DRAFT",
        "metafields": [{"namespace": NAMESPACE, "key": KEY, "type": "id", "value": listing.pid}],
        "files": [{"originalSource": url, "contentType": "IMAGE"} for url in listing.images],
        **variants_input(listing),
    }
    if store.publish.vendor:
        data["vendor"] = store.publish.vendor
    if store.publish.product_type:
        data["productType"] = store.publish.product_type
    if store.publish.tags:
        data["tags"] = list(store.publish.tags)
    return data


def variants_input(listing: Listing, known: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``productOptions`` and ``variants`` of a ``ProductSetInput`` (``known``: store variant id by vid)."""
    known = known or {}
    options = [
        {
            "name": name,
            "position": index + 1,
            "values": [{"name": value} for value in dict.fromkeys(v.values[index] for v in listing.variants)],
        }
        for index, name in enumerate(listing.option_names)
    ]
    variants = []
    for position, v in enumerate(listing.variants, start=1):
        item: dict[str, Any] = {"tracked": False}
        if v.cost is not None:
            item["cost"] = v.cost
        if v.weight_grams is not None:
            item["measurement"] = {"weight": {"value": float(v.weight_grams), "unit": "GRAMS"}}
        variant: dict[str, Any] = {
            "optionValues": [
                {"optionName": n, "name": value} for n, value in zip(listing.option_names, v.values, strict=True)
            ],
            "sku": v.sku,
            "price": v.price,
            "compareAtPrice": v.compare_at,
            "position": position,
            "inventoryPolicy": "CONTINUE",
            "inventoryItem": item,
        }
        if v.vid in known:
            variant["id"] = known[v.vid]
        variants.append(variant)
    return {"productOptions": options, "variants": variants}


def price_updates(listing: Listing, known: Mapping[str, str]) -> list[dict[str, Any]]:
    """``productVariantsBulkUpdate``'s variants: price, compare-at price and cost of each known variant."""
    return [
        {
            "id": known[v.vid],
            "price": v.price,
            "compareAtPrice": v.compare_at,
            **({"inventoryItem": {"cost": v.cost}} if v.cost is not None else {}),
        }
        for v in listing.variants
        if v.vid in known
    ]
